package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/lib/pq"

	"focalbot/bot/lease"
	"focalbot/bot/store"
)

// Row is a claimed outbox row.
type Row struct {
	ID       int64  `db:"id"`
	MemberID int64  `db:"member_id"`
	ChatID   int64  `db:"chat_id"`
	Kind     string `db:"kind"`
	RefID    int64  `db:"ref_id"`
	Variant  string `db:"variant"`
	Priority int16  `db:"priority"`
	Attempts int    `db:"attempts"`
}

// Message is what a renderer makes of a row for its recipient: a text, or a photo or document
// (by Telegram file_id: never downloaded and uploaded again) with Text as its caption.
type Message struct {
	Text           string // HTML; the caption when a file is set
	ReplyMarkup    any    // a spec-clean keyboard, or nil
	PhotoFileID    string
	DocumentFileID string
	// EditMessageID, when set, makes the delivery an edit of that message of the chat (its text
	// and keyboard; a nil ReplyMarkup removes the keyboard) instead of a new message. An edit
	// that would change nothing counts as sent.
	EditMessageID int
}

// Renderer renders one kind of row in the recipient's current language. An error wrapping
// ErrSkip cancels the row (the thing was withdrawn, say) instead of failing it.
type Renderer func(ctx context.Context, row Row, to *store.Member) (Message, error)

// ErrSkip tells the dispatcher that a row no longer needs sending.
var ErrSkip = errors.New("nothing to send")

// Sender is the part of the Telegram client the dispatcher uses.
type Sender interface {
	SendMessage(ctx context.Context, params *tg.SendMessageParams) (*models.Message, error)
	SendPhoto(ctx context.Context, params *tg.SendPhotoParams) (*models.Message, error)
	SendDocument(ctx context.Context, params *tg.SendDocumentParams) (*models.Message, error)
	EditMessageText(ctx context.Context, params *tg.EditMessageTextParams) (*models.Message, error)
}

// Dispatcher delivers the outbox. Several may run against one database (one per instance):
// the one holding the lease (bot/lease, shared with the poller) sends, the others stand by.
//
// While it holds the lease it claims due rows in priority order (FOR UPDATE SKIP LOCKED), at
// most a window of them at a time, renders each for its recipient, queues it at the shared
// Limiter in claim order, sends, and hands the outcome to a recorder that writes outcomes in
// batches. It wakes on the NOTIFY of Enqueue and looks at the queue every Poll regardless.
type Dispatcher struct {
	Store     *store.Store
	Sender    Sender
	Renderers map[string]Renderer
	Log       *slog.Logger
	Limiter   *Limiter     // shared with the interactive replies; nil: Telegram's limits at 30/s
	Metrics   *Metrics     // nil: none kept
	DBURL     string       // for LISTEN; empty: the queue is polled only
	Leader    *lease.Lease // the instance's lease, shared with the poller; nil: one of its own

	// PerLanguage are the kinds whose rendering depends only on the row's kind, ref and variant
	// and the recipient's language (a broadcast): rendered once per (kind, ref, variant,
	// language) and reused for renderTTL, instead of once per row.
	PerLanguage map[string]bool

	// PaidBroadcast sends with allow_paid_broadcast (rates above 30/s; Telegram charges Stars).
	PaidBroadcast bool
	Batch         int           // rows claimed at once; 0: half a second's worth at the rate (10…500)
	Poll          time.Duration // how often the queue is looked at without a NOTIFY; 0: 1 s
	MaxAttempts   int           // tries of a row failing with 5xx or unexplained errors (transient ones: no limit); 0: 8
	RetryBase     time.Duration // first backoff after such a failure, doubling; 0: 2 s
	RetryMax      time.Duration // longest backoff; 0: 5 min
	Lease         time.Duration // lease_until of a claimed row; 0: 1 min
	SendTimeout   time.Duration // one request to Telegram; 0: 30 s

	mu        sync.Mutex
	runCancel context.CancelFunc
	crashed   atomic.Bool

	renderMu sync.Mutex
	renders  map[renderKey]*sharedRender
	renderN  atomic.Int64 // renderer calls, for tests
}

// renderTTL is how long a rendering shared by rows of one language is reused: long enough to
// serve a broadcast's claims, short enough that a change to the thing (a broadcast withdrawn)
// shows at once in practice.
const renderTTL = 2 * time.Second

type renderKey struct {
	kind, variant, lang string
	ref                 int64
}

type sharedRender struct {
	done chan struct{}
	msg  Message
	err  error
	at   time.Time
}

// claimed is a row with what the dispatcher needs beyond the renderer's view.
type claimed struct {
	Row
	CreatedAt time.Time `db:"created_at"`
	NotBefore time.Time `db:"not_before"`

	member *store.Member
	res    *Reservation
	unsent bool // given up before it was sent (the term ended)
}

func (d *Dispatcher) defaults() {
	if d.Limiter == nil {
		d.Limiter = NewLimiter(TelegramLimits(30))
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Leader == nil {
		d.Leader = lease.New(d.Store.DB.DB, d.Log)
	}
	if d.Batch <= 0 {
		d.Batch = batchFor(d.Limiter.Limits().PerSecond)
	}
	if d.Poll <= 0 {
		d.Poll = time.Second
	}
	if d.MaxAttempts <= 0 {
		d.MaxAttempts = 8
	}
	if d.RetryBase <= 0 {
		d.RetryBase = 2 * time.Second
	}
	if d.RetryMax <= 0 {
		d.RetryMax = 5 * time.Minute
	}
	if d.Lease <= 0 {
		d.Lease = time.Minute
	}
	if d.SendTimeout <= 0 {
		d.SendTimeout = 30 * time.Second
	}
}

// Window is the most rows one dispatcher holds in state 'sending' at once: 2 × Batch. It bounds
// the duplicates a crash can cause (a row sent but not yet recorded is sent again); in
// practice they are those sent within the recorder's last few milliseconds.
func (d *Dispatcher) Window() int {
	if d.Batch > 0 {
		return 2 * d.Batch
	}
	if d.Limiter == nil {
		return 2 * batchFor(30)
	}
	return 2 * batchFor(d.Limiter.Limits().PerSecond)
}

// batchFor is half a second's worth of messages at rate, from 10 to 500 (500 without a rate).
func batchFor(rate float64) int {
	if rate <= 0 {
		return 500
	}
	return min(max(int(rate/2), 10), 500)
}

// Run delivers until ctx is cancelled. On a clean stop it lets requests in flight finish,
// records them, hands back what it had claimed and releases the lease.
func (d *Dispatcher) Run(ctx context.Context) {
	d.defaults()
	ctx, cancel := context.WithCancel(ctx)
	d.mu.Lock()
	d.runCancel = cancel
	d.mu.Unlock()
	defer cancel()
	wake := make(chan struct{}, 1)
	if d.DBURL != "" {
		l := d.listen(wake)
		defer l.Close()
	}
	rec := newRecorder(d)
	go rec.run()
	defer rec.close()
	for ctx.Err() == nil {
		t, err := d.Leader.Acquire(ctx)
		if err != nil {
			return
		}
		d.Log.Info("lease held: sending", "term", t.ID)
		clean := d.lead(ctx, t, wake, rec)
		d.Leader.Release(t, clean && !d.crashed.Load())
	}
}

// crash stops the dispatcher as a SIGKILL would: nothing more is written (results in memory
// are lost, nothing is handed back) and the lease's session is closed. For tests.
func (d *Dispatcher) crash() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.runCancel == nil {
		return false // not running yet
	}
	d.crashed.Store(true)
	d.runCancel()
	return true
}

// listen wakes the dispatcher on each NOTIFY outbox, and on every reconnection of the listening
// connection: notifications sent while it was down are lost, so the queue must be looked at.
func (d *Dispatcher) listen(wake chan struct{}) *pq.Listener {
	l := pq.NewListener(d.DBURL, 100*time.Millisecond, 5*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil {
			d.Log.Warn("outbox listener", "event", ev, "err", err)
		}
		signal(wake)
	})
	if err := l.Listen("outbox"); err != nil {
		d.Log.Warn("outbox listener: LISTEN failed; polling only until it reconnects", "err", err)
	}
	go func() {
		for range l.Notify { // nil after a reconnection: rescan too
			signal(wake)
		}
	}()
	return l
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// heldSet is what a term has claimed and not yet recorded.
type heldSet struct {
	mu    sync.Mutex
	rows  map[int64]*claimed
	freed chan struct{}
}

func (h *heldSet) n() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.rows)
}

func (h *heldSet) remove(id int64) {
	h.mu.Lock()
	delete(h.rows, id)
	h.mu.Unlock()
	signal(h.freed)
}

func (h *heldSet) ids() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]int64, 0, len(h.rows))
	for id := range h.rows {
		out = append(out, id)
	}
	return out
}

// lead sends while the term lasts. It reports whether it ended cleanly (ctx cancelled, every
// claimed row recorded or handed back).
func (d *Dispatcher) lead(ctx context.Context, t *lease.Term, wake chan struct{}, rec *recorder) bool {
	leadCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-t.Lost():
			cancel()
		case <-leadCtx.Done():
		}
	}()
	// Outcomes of this instance's earlier term go in before older terms' rows are taken back.
	rec.waitIdle(leadCtx)
	held := &heldSet{rows: map[int64]*claimed{}, freed: make(chan struct{}, 1)}
	if err := d.reclaim(leadCtx, t, nil); err != nil && leadCtx.Err() == nil {
		d.Log.Warn("taking back claimed rows", "err", err)
	}
	if err := d.requeueShutdownFailures(leadCtx); err != nil && leadCtx.Err() == nil {
		d.Log.Warn("queueing again rows failed at a shutdown", "err", err)
	}
	window := 2 * d.Batch
	minClaim := max(1, d.Batch/16)
	var wg sync.WaitGroup
	poll := time.NewTicker(d.Poll)
	defer poll.Stop()
	lastSweep, lastUnpark := time.Now(), time.Time{}
	woke := true
	for leadCtx.Err() == nil && t.Valid() {
		inHand := held.n()
		room := window - inHand
		if room >= minClaim || (woke && room > 0) {
			// With little in hand, a small claim first: the sends start after a claim of a few
			// rows instead of one of a whole window (1,000 rows at 1,000/s: ~0.1 s), and the
			// claims grow (doubling) while those are sent.
			n := min(room, d.Batch, max(minClaim, 2*inHand))
			jobs, err := d.claim(leadCtx, t, n)
			if err != nil && leadCtx.Err() == nil {
				d.Log.Warn("claim failed", "err", err)
			}
			for _, j := range jobs {
				held.mu.Lock()
				held.rows[j.ID] = j
				held.mu.Unlock()
				wg.Add(1)
				go d.deliver(leadCtx, t, j, held, rec, &wg)
			}
			if err == nil && len(jobs) == n {
				woke = false
				continue // the queue may hold more
			}
		}
		woke = false
		select {
		case <-leadCtx.Done():
		case <-wake:
			woke = true
		case <-poll.C:
			woke = true
		case <-held.freed:
		}
		if time.Since(lastUnpark) > unparkEvery {
			lastUnpark = time.Now()
			if err := d.unpark(leadCtx); err != nil && leadCtx.Err() == nil {
				d.Log.Warn("unparking rows", "err", err)
			}
		}
		if time.Since(lastSweep) > 30*time.Second {
			lastSweep = time.Now()
			if err := d.reclaim(leadCtx, t, held.ids()); err != nil && leadCtx.Err() == nil {
				d.Log.Warn("taking back expired leases", "err", err)
			}
		}
	}
	lost := leadCtx.Err() == nil || ctx.Err() == nil // the term ended, not the run
	cancel()
	wg.Wait() // sends in flight finish; queued ones give up
	if lost || d.crashed.Load() {
		// The next holder takes back what is left once this term is surely over.
		return false
	}
	held.mu.Lock()
	var back []*claimed
	for _, j := range held.rows {
		if j.unsent {
			back = append(back, j)
		}
	}
	held.mu.Unlock()
	for _, j := range back {
		rec.add(result{row: j, term: t.ID, state: "pending", delta: -1, done: held.remove})
	}
	stopCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer stop()
	rec.waitIdle(stopCtx)
	return held.n() == 0
}

// claim takes up to n due rows, most urgent and oldest first, and the members they go to.
//
// A row waits while an earlier row to the same chat, as urgent or more, is still open (being
// sent, due, or being retried): messages to one person arrive in the order they were queued,
// even across retries, while an urgent one may overtake routine ones. Scheduled rows (not yet
// due, never tried) hold nothing up.
//
// It is one round trip: one simple-protocol query (its three numbers written into the text, so
// no prepare and bind), whose statements PostgreSQL runs as one implicit transaction: the
// planner settings, then the claim itself (select with FOR UPDATE SKIP LOCKED, mark 'sending'
// under this term's lease, return the rows with their members). Either all of it happens or
// none: a failed claim has claimed nothing.
func (d *Dispatcher) claim(ctx context.Context, t *lease.Term, n int) ([]*claimed, error) {
	var got []claimRow
	err := d.Store.DB.SelectContext(ctx, &got, claimQuery(n, d.Lease, t.ID))
	if err != nil || len(got) == 0 {
		return nil, wrap("claim", err)
	}
	rows := make([]*claimed, len(got))
	for i := range got {
		c := &got[i].claimed
		c.member = &got[i].M
		rows[i] = c
	}
	slices.SortFunc(rows, func(a, b *claimed) int {
		if a.Priority != b.Priority {
			return int(a.Priority) - int(b.Priority)
		}
		if c := a.NotBefore.Compare(b.NotBefore); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	// Queue at the limiter here, in claim order, so the order of sends is the claim's.
	for _, r := range rows {
		if r.member.Active() || r.Kind == KindMenu {
			r.res = d.Limiter.Reserve(r.ChatID, ClassOf(Priority(r.Priority)))
		}
	}
	return rows, nil
}

// claimRow is a claimed row and its member, as the claim returns them (members."col" AS "m.col").
type claimRow struct {
	claimed
	M store.Member `db:"m"`
}

// claimQuery is the claim's text for up to n rows, leased to term for lease. Only integers are
// written into it.
//
// The planner settings: the only good plan walks outbox_due in order and stops after n rows.
// Right after a large fan-out, before autovacuum has analysed the table, the planner would
// rather collect and sort every pending row on each claim: tens of milliseconds per claim. SET
// LOCAL lasts until the end of the implicit transaction, that is of this query.
//
// outbox.member_id references members (NOT NULL, no cascade), so the join loses no row: a row
// claimed is a row returned.
func claimQuery(n int, lease time.Duration, term int64) string {
	return `SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off;
		WITH c AS (
			SELECT id FROM outbox o
			WHERE state = 'pending' AND NOT parked AND not_before <= now()
			  AND NOT EXISTS (
				SELECT 1 FROM outbox p
				WHERE p.chat_id = o.chat_id AND p.id < o.id AND p.priority <= o.priority
				  AND p.state IN ('pending', 'sending')
				  AND (p.state = 'sending' OR p.not_before <= now() OR p.attempts > 0))
			ORDER BY priority, not_before, id
			LIMIT ` + strconv.Itoa(n) + `
			FOR UPDATE SKIP LOCKED
		), u AS (
			UPDATE outbox o SET state = 'sending', attempts = o.attempts + 1,
			       lease_until = now() + ` + strconv.FormatInt(lease.Milliseconds(), 10) + ` * interval '1 millisecond',
			       lease_owner = ` + strconv.FormatInt(term, 10) + `
			WHERE o.id = ANY (ARRAY(SELECT id FROM c))
			RETURNING o.id, o.member_id, o.chat_id, o.kind, o.ref_id, o.variant, o.priority, o.attempts,
			          o.created_at, o.not_before)
		SELECT u.*, ` + store.MemberColumnsAs("m", "m.") + `
		FROM u JOIN members m ON m.id = u.member_id`
}

// reclaim hands back to the queue rows claimed by earlier terms (whose holders have stopped:
// the lease changed hands) and rows whose lease expired, except those this term holds.
func (d *Dispatcher) reclaim(ctx context.Context, t *lease.Term, held []int64) error {
	if d.crashed.Load() {
		return nil
	}
	if held == nil {
		held = []int64{}
	}
	res, err := d.Store.DB.ExecContext(ctx, `
		UPDATE outbox SET state = 'pending', lease_until = NULL, lease_owner = NULL
		WHERE state = 'sending' AND (lease_owner IS DISTINCT FROM $1 OR lease_until < now())
		  AND NOT (id = ANY($2))`, t.ID, pq.Array(held))
	if err != nil {
		return wrap("reclaim", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		d.Log.Info("claimed rows taken back to the queue", "count", n)
	}
	return nil
}

// requeueShutdownFailures queues again the rows an earlier build marked failed only because it
// was stopping: builds before 2026-12 failed a row whose rendering was cut short by their own
// shutdown ("context canceled", or PostgreSQL's 57014 for a statement cancelled with it), so a
// SIGTERM during a broadcast — a rolling upgrade from such a build — lost the rows in flight
// (make rollingtest: 5–8 of 600). This build never fails a row for that (the row stays
// pending), so the statement finds only rows left by an older one, and only recent ones: the
// new term's holder runs it once when it takes the lease, after the old holder has exited.
func (d *Dispatcher) requeueShutdownFailures(ctx context.Context) error {
	if d.crashed.Load() {
		return nil
	}
	res, err := d.Store.DB.ExecContext(ctx, `
		UPDATE outbox SET state = 'pending', not_before = now(), sent_at = NULL,
		       last_error = 'queued again: failed at an earlier build''s shutdown: ' || last_error
		WHERE state = 'failed' AND created_at > now() - interval '2 days'
		  AND (last_error LIKE '%context canceled' OR last_error LIKE '%(57014)')`)
	if err != nil {
		return wrap("requeue shutdown failures", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		d.Log.Warn("rows an earlier build failed at its shutdown queued again", "count", n)
	}
	return nil
}

// unparkEvery is how often the dispatcher looks for parked rows with nothing open ahead.
const unparkEvery = 5 * time.Second

// unpark releases the earliest parked row of each chat and priority that has nothing open
// ahead of it. Rows are unparked when a row of their chat ends (see record); this catches the
// rows parked by an enqueue racing with the end of the row they were parked behind.
func (d *Dispatcher) unpark(ctx context.Context) error {
	res, err := d.Store.DB.ExecContext(ctx, `
		UPDATE outbox o SET parked = false
		WHERE o.id IN (SELECT DISTINCT ON (chat_id, priority) id FROM outbox
		               WHERE state = 'pending' AND parked ORDER BY chat_id, priority, id)
		  AND NOT EXISTS (
			SELECT 1 FROM outbox p
			WHERE p.chat_id = o.chat_id AND p.priority <= o.priority AND p.id < o.id
			  AND p.state IN ('pending', 'sending') AND NOT p.parked
			  AND (p.state = 'sending' OR p.not_before <= now() OR p.attempts > 0))`)
	if err != nil {
		return wrap("unpark", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		d.Log.Info("parked rows with nothing ahead released", "count", n)
	}
	return nil
}

// deliver renders, waits for the limiter, sends and hands the outcome to the recorder.
func (d *Dispatcher) deliver(ctx context.Context, t *lease.Term, j *claimed, held *heldSet, rec *recorder, wg *sync.WaitGroup) {
	defer wg.Done()
	out := result{row: j, term: t.ID, done: held.remove}
	switch {
	case j.member == nil:
		out.state, out.err, out.reason = "failed", "member not found", "member"
		rec.add(out)
		return
	case !j.member.Active() && j.Kind != KindMenu:
		out.state, out.err = "cancelled", "member "+j.member.State
		rec.add(out)
		return
	}
	msg, err := d.render(ctx, j)
	if err != nil {
		j.res.Cancel()
		switch {
		case ctx.Err() != nil:
			// Cut short by this instance stopping: not the row's fault. It goes back to the
			// queue as it was, for the next holder (see requeueShutdownFailures).
			j.unsent = true
			return
		case errors.Is(err, ErrSkip):
			out.state, out.err = "cancelled", err.Error()
		case permanent(err) || (!Transient(err) && j.Attempts >= d.MaxAttempts):
			out.state, out.err, out.reason, out.notify = "failed", err.Error(), "render", true
			d.Log.Error("rendering failed for good", "outbox_id", j.ID, "kind", j.Kind, "attempts", j.Attempts, "err", err)
		default:
			// The database away, a connection dropped, a timeout: the same row renders once it
			// is back. Queued again with backoff, not counted as failed.
			out.state, out.err, out.notBefore = "pending", err.Error(), time.Now().Add(d.backoff(j.Attempts))
			d.Metrics.retry()
			d.Log.Warn("rendering failed; queued again", "outbox_id", j.ID, "kind", j.Kind, "err", err)
		}
		rec.add(out)
		return
	}
	r := j.res
	for {
		p, err := r.Wait(ctx)
		if err != nil {
			j.unsent = true
			return
		}
		if !t.Valid() || d.crashed.Load() { // the term is over: another instance may be sending
			p.Done(0)
			j.unsent = true
			return
		}
		sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.SendTimeout)
		sent, err := d.send(sendCtx, j.ChatID, msg)
		cancel()
		var tooMany *tg.TooManyRequestsError
		if errors.As(err, &tooMany) {
			wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
			p.Done(wait)
			d.Metrics.tooMany("dispatcher")
			d.Log.Warn("Telegram says too many requests", "chat_id", j.ChatID, "retry_after", wait)
			r = p.Retry()
			continue
		}
		p.Done(0)
		out.at = time.Now()
		switch {
		case err == nil:
			out.state, out.msgID, out.text = "sent", int64(sent.ID), msg.Text
		case errors.Is(err, tg.ErrorForbidden):
			out.state, out.err, out.reason = "failed", err.Error(), "forbidden"
			d.unreachable(ctx, j, err)
		case permanent(err):
			// A malformed message or markup: retrying would fail the same way. Kept for people.
			out.state, out.err, out.reason, out.notify = "failed", err.Error(), "bad_request", true
			d.Log.Error("Telegram refused a message", "outbox_id", j.ID, "kind", j.Kind, "err", err)
		case !Transient(err) && j.Attempts >= d.MaxAttempts:
			// A 5xx (or an error nobody explained) every time: a network error or a timeout
			// never ends here, the row waits for Telegram to be reachable again.
			out.state, out.err, out.reason, out.notify = "failed", err.Error(), "retries_exhausted", true
			d.Log.Error("delivery failed after retries", "outbox_id", j.ID, "attempts", j.Attempts, "err", err)
		default:
			out.state, out.err, out.notBefore = "pending", err.Error(), time.Now().Add(d.backoff(j.Attempts))
			d.Metrics.retry()
		}
		rec.add(out)
		return
	}
}

func isMigrate(err error) bool {
	var m *tg.MigrateError
	return errors.As(err, &m)
}

// backoff is the wait before try attempts+1: RetryBase doubling per attempt, at most RetryMax,
// with "equal jitter" (half fixed, half random) so that rows failing together spread out.
func (d *Dispatcher) backoff(attempts int) time.Duration {
	b := d.RetryBase << min(max(attempts-1, 0), 20)
	if b > d.RetryMax || b <= 0 {
		b = d.RetryMax
	}
	return b/2 + rand.N(b/2+1)
}

func (d *Dispatcher) render(ctx context.Context, j *claimed) (Message, error) {
	if !d.PerLanguage[j.Kind] {
		return d.renderRow(ctx, j)
	}
	key := renderKey{kind: j.Kind, variant: j.Variant, lang: j.member.Language, ref: j.RefID}
	now := time.Now()
	d.renderMu.Lock()
	if d.renders == nil {
		d.renders = map[renderKey]*sharedRender{}
	}
	e := d.renders[key]
	fresh := e != nil && (e.at.IsZero() || now.Sub(e.at) < renderTTL)
	if !fresh {
		if len(d.renders) > 1000 {
			for k, old := range d.renders {
				if !old.at.IsZero() && now.Sub(old.at) >= renderTTL {
					delete(d.renders, k)
				}
			}
		}
		e = &sharedRender{done: make(chan struct{})}
		d.renders[key] = e
	}
	d.renderMu.Unlock()
	if !fresh {
		e.msg, e.err = d.renderRow(ctx, j)
		d.renderMu.Lock()
		e.at = time.Now()
		if e.err != nil && d.renders[key] == e {
			delete(d.renders, key) // errors are the row's own: never shared
		}
		d.renderMu.Unlock()
		close(e.done)
		return e.msg, e.err
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return Message{}, ctx.Err()
	}
	if e.err != nil {
		return d.renderRow(ctx, j)
	}
	return e.msg, nil
}

func (d *Dispatcher) renderRow(ctx context.Context, j *claimed) (msg Message, err error) {
	d.renderN.Add(1)
	render, ok := d.Renderers[j.Kind]
	if !ok {
		return msg, fmt.Errorf("no renderer for kind %q", j.Kind)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("renderer %q panicked: %v: %w", j.Kind, p, ErrPermanent)
		}
	}()
	return render(ctx, j.Row, j.member)
}

func (d *Dispatcher) send(ctx context.Context, chatID int64, msg Message) (*models.Message, error) {
	if isNilPointer(msg.ReplyMarkup) {
		// A renderer's nil *Keyboard in the interface would be sent as "null", which Telegram
		// refuses: no keyboard is no keyboard.
		msg.ReplyMarkup = nil
	}
	switch {
	case msg.EditMessageID != 0:
		p := &tg.EditMessageTextParams{ChatID: chatID, MessageID: msg.EditMessageID, Text: msg.Text, ParseMode: models.ParseModeHTML,
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()}}
		if msg.ReplyMarkup != nil {
			p.ReplyMarkup = msg.ReplyMarkup
		}
		m, err := d.Sender.EditMessageText(ctx, p)
		if err != nil && strings.Contains(err.Error(), "message is not modified") {
			return &models.Message{ID: msg.EditMessageID}, nil
		}
		return m, err
	case msg.PhotoFileID != "":
		p := &tg.SendPhotoParams{ChatID: chatID, Photo: &models.InputFileString{Data: msg.PhotoFileID},
			Caption: msg.Text, ParseMode: models.ParseModeHTML, AllowPaidBroadcast: d.PaidBroadcast}
		if msg.ReplyMarkup != nil {
			p.ReplyMarkup = msg.ReplyMarkup
		}
		return d.Sender.SendPhoto(ctx, p)
	case msg.DocumentFileID != "":
		p := &tg.SendDocumentParams{ChatID: chatID, Document: &models.InputFileString{Data: msg.DocumentFileID},
			Caption: msg.Text, ParseMode: models.ParseModeHTML, AllowPaidBroadcast: d.PaidBroadcast}
		if msg.ReplyMarkup != nil {
			p.ReplyMarkup = msg.ReplyMarkup
		}
		return d.Sender.SendDocument(ctx, p)
	}
	p := &tg.SendMessageParams{ChatID: chatID, Text: msg.Text, ParseMode: models.ParseModeHTML,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()}, AllowPaidBroadcast: d.PaidBroadcast}
	if msg.ReplyMarkup != nil {
		p.ReplyMarkup = msg.ReplyMarkup
	}
	return d.Sender.SendMessage(ctx, p)
}

// isNilPointer reports whether v holds a nil pointer (a non-nil interface around nothing).
func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return v != nil && rv.Kind() == reflect.Pointer && rv.IsNil()
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
