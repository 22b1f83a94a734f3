package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"focalbot/bot/store"
	"focalbot/bot/store/storetest"
	"focalbot/bot/telegramtest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

// rig is a database, the emulator, a real client and members to send to.
type rig struct {
	t       testing.TB
	st      *store.Store
	dbURL   string
	srv     *telegramtest.Server
	client  *tg.Bot
	trace   *tracer
	users   map[int64]*telegramtest.User // by member ID
	members []int64
}

func newRig(t testing.TB, lim telegramtest.Limits, opts ...telegramtest.Option) *rig {
	t.Helper()
	st, dbURL := storetest.New(t)
	srv := telegramtest.NewServer(append([]telegramtest.Option{telegramtest.WithLimits(lim)}, opts...)...)
	t.Cleanup(srv.Close)
	hc := srv.HTTPClient()
	trace := &tracer{next: hc.Transport}
	hc.Transport = trace
	client, err := tg.New(srv.Token(), tg.WithServerURL(srv.URL()), tg.WithHTTPClient(time.Minute, hc),
		tg.WithSkipGetMe(), tg.WithErrorsHandler(func(error) {}))
	if err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, st: st, dbURL: dbURL, srv: srv, client: client, trace: trace, users: map[int64]*telegramtest.User{}}
}

// addMembers creates n active members (and their emulator users), in one statement.
func (r *rig) addMembers(n int) []int64 {
	r.t.Helper()
	base := int64(100000 + len(r.members))
	tgIDs := make([]int64, n)
	for i := range tgIDs {
		tgIDs[i] = base + int64(i)
	}
	var ids []int64
	err := r.st.DB.Select(&ids, `
		INSERT INTO members (telegram_user_id, chat_id, display_name, role, state, language)
		SELECT u, u, 'member ' || u, 'focal_point', 'active', 'en' FROM unnest($1::bigint[]) AS u
		RETURNING id`, pq.Array(tgIDs))
	if err != nil {
		r.t.Fatal(err)
	}
	var byTG []struct {
		ID int64 `db:"id"`
		TG int64 `db:"telegram_user_id"`
	}
	if err := r.st.DB.Select(&byTG, `SELECT id, telegram_user_id FROM members WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		r.t.Fatal(err)
	}
	for _, m := range byTG {
		r.users[m.ID] = r.srv.User(m.TG, fmt.Sprintf("U%d", m.TG), "en")
	}
	r.members = append(r.members, ids...)
	return ids
}

// chatOf returns the chat of a member created by addMembers.
func (r *rig) chatOf(memberID int64) int64 { return r.users[memberID].ID() }

// enqueue queues kind/ref at priority for the members, in one transaction.
func (r *rig) enqueue(kind string, ref int64, p Priority, members []int64) {
	r.t.Helper()
	items := make([]Item, len(members))
	for i, m := range members {
		items[i] = Item{MemberID: m, ChatID: r.chatOf(m), Kind: kind, RefID: ref, Priority: p}
	}
	err := r.st.InTx(context.Background(), func(tx *sqlx.Tx) error {
		_, err := Enqueue(context.Background(), tx, items)
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

// testRenderer renders "<kind> <ref> for <member>".
func testRenderer(_ context.Context, row Row, to *store.Member) (Message, error) {
	return Message{Text: fmt.Sprintf("%s %d for %d", row.Kind, row.RefID, to.ID)}, nil
}

func quietLog() *slog.Logger {
	if os.Getenv("FOCALBOT_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// dispatcher returns a dispatcher on the rig with its own limiter (as a separate instance has).
func (r *rig) dispatcher(lim Limits, kinds ...string) *Dispatcher {
	rend := map[string]Renderer{}
	for _, k := range kinds {
		rend[k] = testRenderer
	}
	st, err := store.Open(context.Background(), r.dbURL, 10*time.Second) // a pool of its own, like a process
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { st.Close() })
	return &Dispatcher{Store: st, Sender: r.client, Renderers: rend, Log: quietLog(), Limiter: NewLimiter(lim),
		DBURL: r.dbURL, RetryBase: 50 * time.Millisecond, RetryMax: time.Second}
}

// running is a dispatcher running in the background.
type running struct {
	d    *Dispatcher
	stop context.CancelFunc
	done chan struct{}
	once sync.Once
}

func (r *rig) run(d *Dispatcher) *running {
	ctx, cancel := context.WithCancel(context.Background())
	run := &running{d: d, stop: cancel, done: make(chan struct{})}
	go func() {
		d.Run(ctx)
		close(run.done)
	}()
	r.t.Cleanup(run.Stop)
	return run
}

// Stop stops the dispatcher cleanly and waits for it.
func (x *running) Stop() {
	x.once.Do(func() {
		x.stop()
		<-x.done
	})
}

// Crash stops it as SIGKILL would and waits until its goroutines are gone.
func (x *running) Crash() {
	x.once.Do(func() {
		for !x.d.crash() {
			time.Sleep(time.Millisecond)
		}
		<-x.done
	})
}

// received counts, per member, the bot messages whose text starts with prefix.
func (r *rig) received(prefix string) map[int64]int {
	out := map[int64]int{}
	for id, u := range r.users {
		for _, m := range u.Messages() {
			if strings.HasPrefix(m.Plain(), prefix) {
				out[id]++
			}
		}
	}
	return out
}

// waitState waits until n rows of kind are in state, polling the database.
func (r *rig) waitState(kind, state string, n int, timeout time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var got int
		if err := r.st.DB.Get(&got, `SELECT count(*) FROM outbox WHERE kind = $1 AND state = $2`, kind, state); err != nil && time.Now().After(deadline) {
			r.t.Fatal(err)
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			var states []string
			_ = r.st.DB.Select(&states, `SELECT state || ' ' || count(*) FROM outbox WHERE kind = $1 GROUP BY state`, kind)
			r.t.Fatalf("%d of %d %s rows %s after %v (%v)", got, n, kind, state, timeout, states)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitSent waits until the emulator accepted n sends.
func (r *rig) waitSent(n int, timeout time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for r.srv.Stats().Sent < n {
		if time.Now().After(deadline) {
			r.t.Fatalf("%d of %d sent after %v", r.srv.Stats().Sent, n, timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// terminateAll kills every other session of the rig's database, as a database restart does.
func (r *rig) terminateAll() int {
	r.t.Helper()
	db, err := sql.Open("postgres", r.dbURL)
	if err != nil {
		r.t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
		r.t.Fatal(err)
	}
	return n
}

// terminateLeaseHolder kills the session holding the sending lease.
func (r *rig) terminateLeaseHolder() {
	r.t.Helper()
	var ok bool
	err := r.st.DB.Get(&ok, `SELECT coalesce(bool_or(pg_terminate_backend(pid)), false) FROM pg_locks
		WHERE locktype = 'advisory' AND granted
		  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	if err != nil || !ok {
		r.t.Fatalf("no lease holder terminated: %v", err)
	}
}

// checkOnce reports recipients who did not get prefix exactly once; it returns the number of
// duplicates.
func (r *rig) checkDelivered(t *testing.T, prefix string, members []int64) (missing, dups int) {
	t.Helper()
	got := r.received(prefix)
	for _, m := range members {
		switch n := got[m]; {
		case n == 0:
			missing++
		case n > 1:
			dups += n - 1
		}
	}
	return missing, dups
}

// tracer records when each request of the client started and when its answer arrived, as
// only the client knows: the emulator sees neither moment.
type tracer struct {
	next  http.RoundTripper
	mu    sync.Mutex
	calls []traced
}

type traced struct {
	start, end time.Time
	status     int
}

func (t *tracer) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	c := traced{start: start, end: time.Now()}
	if err == nil {
		c.status = resp.StatusCode
	}
	if strings.HasSuffix(req.URL.Path, "/sendMessage") {
		t.mu.Lock()
		t.calls = append(t.calls, c)
		t.mu.Unlock()
	}
	return resp, err
}

func (t *tracer) sends() []traced {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]traced(nil), t.calls...)
}
