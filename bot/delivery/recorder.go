package delivery

import (
	"context"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// result is the outcome of one claimed row.
type result struct {
	row       *claimed
	term      int64
	state     string // sent, failed, cancelled, or pending (to be tried again at notBefore)
	msgID     int64
	text      string // what was sent, kept in outbound_messages beside the replies
	err       string
	reason    string    // why it failed, for the metrics
	notify    bool      // tell the admins (once per thing) that it failed
	at        time.Time // when Telegram answered
	notBefore time.Time
	delta     int // added to attempts: -1 for a row handed back untried
	done      func(id int64)
}

// recorder writes outcomes in batches: one UPDATE for up to recordBatch rows, so the hot path
// costs a fraction of a statement per message. It retries a failed write until it succeeds,
// because an outcome lost means a message sent twice.
type recorder struct {
	d       *Dispatcher
	in      chan result
	mu      sync.Mutex
	cond    *sync.Cond
	pending int // added and not yet written
	stopped chan struct{}
}

const (
	recordBatch  = 256
	recordLinger = 5 * time.Millisecond // gathers a batch when outcomes trickle in
)

func newRecorder(d *Dispatcher) *recorder {
	r := &recorder{d: d, in: make(chan result, 4096), stopped: make(chan struct{})}
	r.cond = sync.NewCond(&r.mu)
	return r
}

func (r *recorder) add(res result) {
	r.mu.Lock()
	r.pending++
	r.mu.Unlock()
	r.in <- res
}

// waitIdle waits until everything added has been written, or ctx ends.
func (r *recorder) waitIdle(ctx context.Context) {
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.pending > 0 && ctx.Err() == nil {
		r.cond.Wait()
	}
}

// close stops the recorder once what is queued is written (a few seconds at most).
func (r *recorder) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.waitIdle(ctx)
	close(r.in)
	<-r.stopped
}

func (r *recorder) run() {
	defer close(r.stopped)
	batch := make([]result, 0, recordBatch)
	for first := range r.in {
		batch = append(batch[:0], first)
		linger := time.NewTimer(recordLinger)
	gather:
		for len(batch) < recordBatch {
			select {
			case res, ok := <-r.in:
				if !ok {
					break gather
				}
				batch = append(batch, res)
			case <-linger.C:
				break gather
			}
		}
		linger.Stop()
		r.write(batch)
		r.mu.Lock()
		r.pending -= len(batch)
		r.cond.Broadcast()
		r.mu.Unlock()
	}
}

// write records a batch, retrying with backoff while the database is away. After a crash
// (tests) nothing is written: a killed process writes nothing either.
func (r *recorder) write(batch []result) {
	wait := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		if r.d.crashed.Load() {
			return
		}
		err := r.d.record(context.Background(), batch)
		if err == nil {
			break
		}
		if attempt == 1 || attempt%20 == 0 {
			r.d.Log.Warn("delivery outcomes not recorded yet; retrying", "count", len(batch), "err", err)
		}
		time.Sleep(wait)
		wait = min(wait*2, 2*time.Second)
	}
	for _, res := range batch {
		r.d.Metrics.outcome(res)
		if res.done != nil {
			res.done(res.row.ID)
		}
	}
}

// record writes the outcomes of one batch in one statement, and in the same transaction the
// admins' notices about things that failed. A row is only updated while it is still claimed
// by the term that sent it: a late write of a term that lost the lease changes nothing.
func (d *Dispatcher) record(ctx context.Context, batch []result) error {
	n := len(batch)
	ids, terms, msgIDs, deltas := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	states, errs, texts := make([]string, n), make([]string, n), make([]string, n)
	ats, notBefores := make([]time.Time, n), make([]time.Time, n)
	var failedKinds []string
	var failedRefs []int64
	for i, res := range batch {
		ids[i], terms[i], msgIDs[i], deltas[i] = res.row.ID, res.term, res.msgID, int64(res.delta)
		states[i], errs[i], ats[i], notBefores[i], texts[i] = res.state, res.err, res.at, res.notBefore, res.text
		if res.notify && !isNoticeKind(res.row.Kind) {
			failedKinds = append(failedKinds, res.row.Kind)
			failedRefs = append(failedRefs, res.row.RefID)
		}
	}
	write := func(q sqlx.ExecerContext) error {
		// The sent ones are also logged in outbound_messages, as the replies are, so that every
		// message the bot sent is kept with its text.
		_, err := q.ExecContext(ctx, `
			WITH r AS (
				SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[],
				                     $6::timestamptz[], $7::timestamptz[], $8::int[], $9::text[])
				       AS r(id, term, state, msg_id, err, at, not_before, delta, text)
			), updated AS (
				UPDATE outbox o SET
				       state = r.state,
				       telegram_message_id = CASE WHEN r.state = 'sent' THEN r.msg_id ELSE o.telegram_message_id END,
				       last_error = CASE WHEN r.err = '' AND r.state <> 'sent' THEN o.last_error ELSE nullif(r.err, '') END,
				       sent_at = CASE WHEN r.state = 'sent' THEN r.at END,
				       not_before = CASE WHEN r.state = 'pending' THEN greatest(o.not_before, r.not_before) ELSE o.not_before END,
				       attempts = greatest(o.attempts + r.delta, 0),
				       lease_until = NULL, lease_owner = NULL
				FROM r
				WHERE o.id = r.id AND o.state = 'sending' AND o.lease_owner = r.term
				RETURNING o.id, o.chat_id, o.kind, o.state, o.telegram_message_id, o.sent_at
			), unparked AS (
				-- A row of the chat has ended: its earliest parked row of each priority may go.
				UPDATE outbox o SET parked = false
				FROM (SELECT DISTINCT chat_id FROM updated WHERE state <> 'pending') c,
				     (VALUES (0::smallint), (1::smallint), (2::smallint)) AS pr(priority),
				     LATERAL (SELECT p.id FROM outbox p
				              WHERE p.chat_id = c.chat_id AND p.priority = pr.priority
				                AND p.state = 'pending' AND p.parked
				              ORDER BY p.id LIMIT 1) x
				WHERE o.id = x.id)
			INSERT INTO outbound_messages (chat_id, telegram_message_id, kind, text, sent_at)
			SELECT u.chat_id, u.telegram_message_id, u.kind, r.text, u.sent_at
			FROM updated u JOIN r ON r.id = u.id
			WHERE u.state = 'sent'`,
			pq.Array(ids), pq.Array(terms), pq.Array(states), pq.Array(msgIDs), pq.Array(errs),
			pq.Array(ats), pq.Array(notBefores), pq.Array(deltas), pq.Array(texts))
		return err
	}
	if len(failedKinds) == 0 {
		return wrap("record outcomes", write(d.Store.DB))
	}
	return wrap("record outcomes", d.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := write(tx); err != nil {
			return err
		}
		return notifyAdmins(ctx, tx, KindDeliveryFailed, failedRefs, failedKinds, 0)
	}))
}
