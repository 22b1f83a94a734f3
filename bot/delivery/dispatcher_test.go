package delivery

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"focalbot/bot/store"
	"focalbot/bot/telegramtest"
)

const long = 60 * time.Second

// fast are limits high enough for tests to finish quickly and low enough to be limits.
var fast = Limits{PerSecond: 100, PerChatPerSecond: 1, PerGroupPerMinute: 20}

// A dispatcher killed in the middle of a 300-recipient broadcast and started again delivers to
// every recipient; a recipient gets it twice only if it was sent and not yet recorded at the
// moment of the kill, which the dispatcher's window bounds.
func TestCrashMidBroadcastLosesNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t, telegramtest.Limits{GlobalPerSecond: 100, PerChatPerSecond: 1})
	members := r.addMembers(300)
	r.enqueue("broadcast", 1, Routine, members)
	first := r.run(r.dispatcher(fast, "broadcast"))
	r.waitSent(100, long)
	first.Crash()
	bound := first.d.Window()
	r.run(r.dispatcher(fast, "broadcast"))
	r.waitState("broadcast", "sent", 300, long)
	missing, dups := r.checkDelivered(t, "broadcast 1 ", members)
	t.Logf("after a crash at 100 of 300: %d missing, %d duplicates (bound %d)", missing, dups, bound)
	if missing != 0 || dups > bound {
		t.Fatalf("%d recipients missing, %d duplicates (bound %d)", missing, dups, bound)
	}
}

// Every connection to the database killed mid-broadcast (as a restart of PostgreSQL does):
// the dispatcher notices, takes the lease again and finishes by itself.
func TestDatabaseConnectionsKilledMidBroadcast(t *testing.T) {
	t.Parallel()
	r := newRig(t, telegramtest.Limits{GlobalPerSecond: 100, PerChatPerSecond: 1})
	members := r.addMembers(300)
	r.enqueue("broadcast", 2, Routine, members)
	d := r.dispatcher(fast, "broadcast")
	r.run(d)
	r.waitSent(100, long)
	if n := r.terminateAll(); n == 0 {
		t.Fatal("no session terminated")
	}
	r.waitSent(150, long)
	r.terminateAll() // and again, while it recovers
	r.waitState("broadcast", "sent", 300, long)
	missing, dups := r.checkDelivered(t, "broadcast 2 ", members)
	t.Logf("connections killed twice: %d missing, %d duplicates (bound %d)", missing, dups, d.Window())
	if missing != 0 || dups > d.Window() {
		t.Fatalf("%d recipients missing, %d duplicates", missing, dups)
	}
}

// Bursts of 5xx and 429: everything arrives once, and after each 429 nothing is sent into the
// global scope before its retry_after has passed.
func TestBurstsOf5xxAnd429(t *testing.T) {
	t.Parallel()
	r := newRig(t, telegramtest.Limits{GlobalPerSecond: 30, PerChatPerSecond: 1})
	members := r.addMembers(60)
	r.srv.FailNext(5, http.StatusInternalServerError)
	r.enqueue("note", 3, Routine, members)
	r.run(r.dispatcher(TelegramLimits(30), "note"))
	r.waitSent(20, long)
	r.srv.FailNext(3, http.StatusTooManyRequests)
	r.waitSent(35, long)
	r.srv.FailNext(4, http.StatusBadGateway)
	r.waitSent(45, long)
	r.srv.FailNext(2, http.StatusTooManyRequests)
	r.waitState("note", "sent", 60, long)
	if missing, dups := r.checkDelivered(t, "note 3 ", members); missing != 0 || dups != 0 {
		t.Fatalf("%d missing, %d duplicates", missing, dups)
	}
	st := r.srv.Stats()
	if st.TooManyRequests != 5 || st.ServerErrors != 9 {
		t.Fatalf("emulator answered %d 429s and %d 5xx, want the 5 and 9 injected", st.TooManyRequests, st.ServerErrors)
	}
	// No request may start within retry_after of a 429's answer reaching the client.
	sends := r.trace.sends()
	for _, c := range sends {
		if c.status != http.StatusTooManyRequests {
			continue
		}
		for _, n := range sends {
			if !n.start.Before(c.end) && n.start.Before(c.end.Add(time.Second)) {
				t.Fatalf("a send started %v after a 429 with retry_after 1s", n.start.Sub(c.end))
			}
		}
	}
}

// Two instances against one database: one sends at a time, the other takes over when the
// first loses its lease; nobody gets a message twice and the global rate holds across both.
func TestTwoInstances(t *testing.T) {
	t.Parallel()
	r := newRig(t, telegramtest.Limits{GlobalPerSecond: 30, PerChatPerSecond: 1})
	members := r.addMembers(150)
	r.enqueue("note", 4, Routine, members)
	a := r.run(r.dispatcher(TelegramLimits(30), "note"))
	b := r.run(r.dispatcher(TelegramLimits(30), "note"))
	r.waitSent(50, long)
	r.terminateLeaseHolder()
	r.waitSent(100, long)
	r.terminateLeaseHolder()
	r.waitState("note", "sent", 150, long)
	a.Stop()
	b.Stop()
	if missing, dups := r.checkDelivered(t, "note 4 ", members); missing != 0 || dups != 0 {
		t.Fatalf("%d missing, %d duplicates", missing, dups)
	}
	st := r.srv.Stats()
	if st.TooManyRequests != 0 || st.MaxPerSecondObserved > 30 {
		t.Fatalf("429s %d, most sends in a second %d (limit 30)", st.TooManyRequests, st.MaxPerSecondObserved)
	}
}

// An urgent alert queued behind a routine broadcast overtakes it: of the routine messages,
// only those already claimed may go out before the last urgent one.
func TestUrgentOvertakesRoutine(t *testing.T) {
	t.Parallel()
	r := newRig(t, telegramtest.Limits{GlobalPerSecond: 30, PerChatPerSecond: 1})
	routine := r.addMembers(200)
	urgent := r.addMembers(20)
	r.enqueue("routine", 5, Routine, routine)
	d := r.dispatcher(TelegramLimits(30), "routine", "urgent")
	r.run(d)
	r.waitSent(30, long)
	var before int
	if err := r.st.DB.Get(&before, `SELECT count(*) FROM outbox WHERE kind = 'routine' AND state = 'sent'`); err != nil {
		t.Fatal(err)
	}
	r.enqueue("urgent", 6, Urgent, urgent)
	r.waitState("urgent", "sent", 20, long)
	var between int
	if err := r.st.DB.Get(&between, `SELECT count(*) FROM outbox WHERE kind = 'routine' AND state = 'sent'
		AND sent_at <= (SELECT max(sent_at) FROM outbox WHERE kind = 'urgent')`); err != nil {
		t.Fatal(err)
	}
	t.Logf("routine messages sent while the 20 urgent ones went out: %d (window %d)", between-before, d.Window())
	if between-before > d.Window() {
		t.Fatalf("%d routine messages went out before the last urgent one", between-before)
	}
}

// A 403 makes the member unreachable and cancels what else is queued for them; a 400 fails the
// row at once with Telegram's error kept; admins are told each once.
func TestForbiddenAndBadRequest(t *testing.T) {
	t.Parallel()
	r := newRig(t, telegramtest.Limits{})
	members := r.addMembers(3)
	blocked, admin := members[0], members[2]
	if _, err := r.st.DB.Exec(`UPDATE members SET role = 'admin' WHERE id = $1`, admin); err != nil {
		t.Fatal(err)
	}
	r.srv.Block(r.chatOf(blocked))
	r.enqueue("note", 7, Routine, []int64{blocked})
	r.enqueue("later", 8, Routine, []int64{blocked}) // queued behind the first: cancelled
	d := r.dispatcher(TelegramLimits(30), "note", "later", KindMemberUnreachable, KindDeliveryFailed)
	d.Renderers["bad"] = func(context.Context, Row, *store.Member) (Message, error) {
		return Message{Text: "<b>unclosed"}, nil
	}
	r.enqueue("bad", 9, Routine, members[1:])
	r.run(d)
	r.waitState("bad", "failed", 2, long)
	r.waitState(KindMemberUnreachable, "sent", 1, long)
	r.waitState(KindDeliveryFailed, "sent", 1, long)
	var state string
	if err := r.st.DB.Get(&state, `SELECT state FROM members WHERE id = $1`, blocked); err != nil || state != "unreachable" {
		t.Fatalf("blocked member is %q (%v), want unreachable", state, err)
	}
	c, err := CountsFor(context.Background(), r.st.DB, "later", 8)
	if err != nil || c.Cancelled != 1 {
		t.Fatalf("row queued behind the 403: %+v %v, want cancelled", c, err)
	}
	c, err = CountsFor(context.Background(), r.st.DB, "bad", 9)
	if err != nil || c.Failed != 2 {
		t.Fatalf("bad rows: %+v %v, want 2 failed", c, err)
	}
	var lastErr string
	if err := r.st.DB.Get(&lastErr, `SELECT last_error FROM outbox WHERE kind = 'bad' LIMIT 1`); err != nil || lastErr == "" {
		t.Fatalf("400 error not kept: %q %v", lastErr, err)
	}
	var attempts int
	if err := r.st.DB.Get(&attempts, `SELECT max(attempts) FROM outbox WHERE kind = 'bad'`); err != nil || attempts != 1 {
		t.Fatalf("a 400 was tried %d times", attempts)
	}
	var notices int
	if err := r.st.DB.Get(&notices, `SELECT count(*) FROM outbox WHERE member_id = $1 AND kind IN ($2, $3)`,
		admin, KindMemberUnreachable, KindDeliveryFailed); err != nil || notices != 2 {
		t.Fatalf("admin has %d notices, want one of each", notices)
	}
}

// A renderer failing once per row with the database going away (57P01, as a restart
// terminates sessions; a connection the driver found broken) still delivers every row, and
// counts nothing as failed; a renderer finding its object gone fails the row at once.
func TestRenderTransientErrorStillDelivers(t *testing.T) {
	t.Parallel()
	r := newRig(t, telegramtest.Limits{})
	members := r.addMembers(6)
	d := r.dispatcher(fast, "note")
	var mu sync.Mutex
	tried := map[int64]bool{}
	d.Renderers["flaky"] = func(ctx context.Context, row Row, to *store.Member) (Message, error) {
		mu.Lock()
		first := !tried[row.ID]
		tried[row.ID] = true
		mu.Unlock()
		if first {
			if to.ID%2 == 0 {
				return Message{}, fmt.Errorf("load alert: %w", &pq.Error{Code: "57P01", Message: "terminating connection due to administrator command"})
			}
			return Message{}, fmt.Errorf("load alert: %w", driver.ErrBadConn)
		}
		return testRenderer(ctx, row, to)
	}
	d.Renderers["gone"] = func(context.Context, Row, *store.Member) (Message, error) {
		return Message{}, fmt.Errorf("load alert: %w", store.ErrNotFound)
	}
	r.enqueue("flaky", 10, Routine, members[:5])
	r.enqueue("gone", 11, Routine, members[5:])
	r.run(d)
	r.waitState("flaky", "sent", 5, long)
	r.waitState("gone", "failed", 1, long)
	if missing, dups := r.checkDelivered(t, "flaky 10 ", members[:5]); missing != 0 || dups != 0 {
		t.Fatalf("%d missing, %d duplicates", missing, dups)
	}
	var attempts []int
	if err := r.st.DB.Select(&attempts, `SELECT attempts FROM outbox WHERE kind = 'flaky' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	for _, a := range attempts {
		if a != 2 {
			t.Fatalf("attempts of the flaky rows %v, want 2 each", attempts)
		}
	}
	var gone int
	if err := r.st.DB.Get(&gone, `SELECT attempts FROM outbox WHERE kind = 'gone'`); err != nil || gone != 1 {
		t.Fatalf("a row whose object is gone was tried %d times (%v), want once", gone, err)
	}
}

func TestTransientClassifiesErrors(t *testing.T) {
	for _, c := range []struct {
		err       error
		transient bool
	}{
		{&pq.Error{Code: "57P01"}, true},
		{fmt.Errorf("x: %w", &pq.Error{Code: "08006"}), true},
		{&pq.Error{Code: "25006"}, true}, // read-only: a standby
		{&pq.Error{Code: "40001"}, true},
		{fmt.Errorf("x: %w", driver.ErrBadConn), true},
		{fmt.Errorf("read: %w", &net.OpError{Op: "read", Err: syscall.ECONNRESET}), true},
		{context.DeadlineExceeded, true},
		{io.ErrUnexpectedEOF, true},
		{&pq.Error{Code: "23505"}, false},
		{store.ErrNotFound, false},
		{errors.New("template: no such field"), false},
	} {
		if got := Transient(c.err); got != c.transient {
			t.Errorf("Transient(%v) = %v, want %v", c.err, got, c.transient)
		}
	}
}

// One chat's backlog, queued one by one and in a batch, with an urgent row among it: every
// row arrives once, routine ones in the order queued, the urgent one before the rest of the
// backlog; nothing stays parked.
func TestChatBacklogKeepsOrder(t *testing.T) {
	t.Parallel()
	r := newRig(t, telegramtest.Limits{GlobalPerSecond: 100, PerChatPerSecond: 20})
	m := r.addMembers(1)
	for i := range 5 {
		r.enqueue("seq", int64(i), Routine, m)
	}
	items := make([]Item, 10)
	for i := range items {
		items[i] = Item{MemberID: m[0], ChatID: r.chatOf(m[0]), Kind: "seq", RefID: int64(5 + i), Priority: Routine}
	}
	if err := r.st.InTx(context.Background(), func(tx *sqlx.Tx) error {
		_, err := Enqueue(context.Background(), tx, items)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var parked int
	if err := r.st.DB.Get(&parked, `SELECT count(*) FROM outbox WHERE parked`); err != nil || parked != 14 {
		t.Fatalf("%d rows parked (%v), want all but the first", parked, err)
	}
	r.enqueue("jump", 99, Urgent, m)
	r.run(r.dispatcher(Limits{PerSecond: 100, PerChatPerSecond: 20, PerGroupPerMinute: 20}, "seq", "jump"))
	r.waitState("seq", "sent", 15, long)
	var got []string
	for _, msg := range r.users[m[0]].Messages() {
		got = append(got, msg.Plain())
	}
	if len(got) != 16 {
		t.Fatalf("got %d messages, want 16: %q", len(got), got)
	}
	seq := 0
	for _, s := range got {
		if strings.HasPrefix(s, "jump") {
			continue
		}
		if want := fmt.Sprintf("seq %d ", seq); !strings.HasPrefix(s, want) {
			t.Fatalf("message %q out of order, want %q…: %q", s, want, got)
		}
		seq++
	}
	if i := slices.IndexFunc(got, func(s string) bool { return strings.HasPrefix(s, "jump") }); i > 2 {
		t.Fatalf("the urgent row came %d-th: %q", i+1, got)
	}
	if err := r.st.DB.Get(&parked, `SELECT count(*) FROM outbox WHERE parked AND state = 'pending'`); err != nil || parked != 0 {
		t.Fatalf("%d rows still parked (%v)", parked, err)
	}
}

// A kind rendered per language is rendered about once per language, not once per row, and
// every reader gets the rendering of their language.
func TestRenderOncePerLanguage(t *testing.T) {
	t.Parallel()
	r := newRig(t, telegramtest.Limits{})
	members := r.addMembers(60)
	if _, err := r.st.DB.Exec(`UPDATE members SET language = 'ru' WHERE id = ANY($1)`, pq.Array(members[:20])); err != nil {
		t.Fatal(err)
	}
	d := r.dispatcher(Limits{PerSecond: 1000, PerChatPerSecond: 1, PerGroupPerMinute: 20})
	d.PerLanguage = map[string]bool{"news": true}
	d.Renderers["news"] = func(_ context.Context, row Row, to *store.Member) (Message, error) {
		return Message{Text: fmt.Sprintf("news %d in %s", row.RefID, to.Language)}, nil
	}
	r.enqueue("news", 12, Routine, members)
	r.run(d)
	r.waitState("news", "sent", 60, long)
	if n := d.renderN.Load(); n < 2 || n > 10 {
		t.Fatalf("%d renderings for 60 rows in 2 languages", n)
	}
	ru, en := r.received("news 12 in ru"), r.received("news 12 in en")
	for i, m := range members {
		want, other := en, ru
		if i < 20 {
			want, other = ru, en
		}
		if want[m] != 1 || other[m] != 0 {
			t.Fatalf("member %d (%d-th) got the wrong language's rendering", m, i)
		}
	}
}

// Rows an earlier build failed only because it was stopping are queued again when a new term
// begins; other failures, and old ones, stay failed. (make rollingtest lost 5–8 of 600 rows this
// way when the leader on the previous build was stopped during a broadcast.)
func TestShutdownFailuresOfEarlierBuildsQueuedAgain(t *testing.T) {
	t.Parallel()
	r := newRig(t, telegramtest.Limits{})
	members := r.addMembers(5)
	r.enqueue("note", 20, Routine, members)
	for i, e := range []struct{ err, age string }{
		{"member #1: context canceled", "1 minute"},
		{"load alert: pq: canceling statement due to user request (57014)", "1 hour"},
		{"Bad Request: chat not found", "1 minute"},
		{"member #1: context canceled", "3 days"},
	} {
		if _, err := r.st.DB.Exec(`UPDATE outbox SET state = 'failed', attempts = 1, last_error = $2,
			created_at = now() - $3::interval WHERE member_id = $1`, members[i], e.err, e.age); err != nil {
			t.Fatal(err)
		}
	}
	r.run(r.dispatcher(fast, "note"))
	r.waitState("note", "sent", 3, long)
	if missing, dups := r.checkDelivered(t, "note 20 ", []int64{members[0], members[1], members[4]}); missing != 0 || dups != 0 {
		t.Fatalf("%d missing, %d duplicates", missing, dups)
	}
	var failed []int64
	if err := r.st.DB.Select(&failed, `SELECT member_id FROM outbox WHERE state = 'failed' ORDER BY member_id`); err != nil {
		t.Fatal(err)
	}
	if len(failed) != 2 || failed[0] != members[2] || failed[1] != members[3] {
		t.Fatalf("failed rows of members %v, want %v (a refusal and an old row)", failed, members[2:4])
	}
}
