// Package delivery is the one path by which messages reach other people: handlers enqueue
// outbox rows in the transaction of the change they announce, and the dispatcher claims,
// renders (in the recipient's language, at send time), sends and records them.
package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"

	"focalbot/bot/store"
)

// Priority orders the queue: an urgent alert overtakes a routine broadcast.
type Priority int16

const (
	Urgent  Priority = 0
	High    Priority = 1
	Routine Priority = 2
)

// KindMenu is the kind of a row that sets a member's command menu to their current role and
// state, for a change made outside the running bot (the command line): its renderer (bot)
// sets the menu and sends no message. It is handled whatever the member's state, since a
// suspended member's menu must go.
const KindMenu = "member_menu"

// Item is one message to one member: what to render (Kind and RefID) and how urgently.
type Item struct {
	MemberID  int64
	ChatID    int64
	Kind      string // the renderer to use: "alert", "broadcast", …
	RefID     int64  // the id of the thing in its own table
	Variant   string // tells apart two messages of one kind and ref, e.g. "reminder"
	Priority  Priority
	NotBefore time.Time // zero: now
}

// Enqueue inserts items in one statement, inside the caller's transaction. An item already
// queued for that member (same kind, ref and variant) is skipped; the count of new rows is
// returned. The NOTIFY is delivered when the transaction commits and wakes the dispatcher.
func Enqueue(ctx context.Context, q store.Querier, items []Item) (int, error) {
	if len(items) == 0 {
		return 0, nil
	}
	n := len(items)
	members, chats, refs := make([]int64, n), make([]int64, n), make([]int64, n)
	kinds, variants := make([]string, n), make([]string, n)
	prios := make([]int64, n)
	notBefore, scheduled := make([]time.Time, n), make([]bool, n)
	for i, it := range items {
		members[i], chats[i], refs[i] = it.MemberID, it.ChatID, it.RefID
		kinds[i], variants[i], prios[i] = it.Kind, it.Variant, int64(it.Priority)
		notBefore[i], scheduled[i] = it.NotBefore, !it.NotBefore.IsZero()
	}
	// A due row behind an open row to its chat, as urgent or more (queued earlier, or earlier in
	// this batch), is parked: see migration 0009. A scheduled row is never parked.
	res, err := q.ExecContext(ctx, `
		WITH i AS (
			SELECT member, chat, kind, ref, variant, prio, nb, ord,
			       min(CASE WHEN nb <= now() THEN prio END) OVER (PARTITION BY chat ORDER BY ord
			           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS ahead
			FROM (SELECT member, chat, kind, ref, variant, prio, CASE WHEN sched THEN nb ELSE now() END AS nb, ord
			      FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[],
			                  $6::smallint[], $7::timestamptz[], $8::bool[]) WITH ORDINALITY
			           AS u(member, chat, kind, ref, variant, prio, nb, sched, ord)) u)
		INSERT INTO outbox (member_id, chat_id, kind, ref_id, variant, priority, not_before, parked)
		SELECT member, chat, kind, ref, variant, prio, nb,
		       nb <= now() AND (coalesce(ahead <= prio, false) OR EXISTS (
				SELECT 1 FROM outbox p
				WHERE p.chat_id = i.chat AND p.priority <= i.prio AND p.state IN ('pending', 'sending')
				  AND (p.state = 'sending' OR p.not_before <= now() OR p.attempts > 0)))
		FROM i ORDER BY ord
		ON CONFLICT (member_id, kind, ref_id, variant) DO NOTHING`,
		pq.Array(members), pq.Array(chats), pq.Array(kinds), pq.Array(refs), pq.Array(variants),
		pq.Array(prios), pq.Array(notBefore), pq.Array(scheduled))
	if err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	added, _ := res.RowsAffected()
	if _, err := q.ExecContext(ctx, `SELECT pg_notify('outbox', '')`); err != nil {
		return 0, fmt.Errorf("enqueue notify: %w", err)
	}
	return int(added), nil
}

// Counts is how far the delivery of one thing has got.
type Counts struct {
	Sent      int `db:"sent"`
	Pending   int `db:"pending"` // pending or being sent
	Failed    int `db:"failed"`
	Cancelled int `db:"cancelled"`
}

// CountsFor returns the delivery counts of one thing (all variants together).
func CountsFor(ctx context.Context, q store.Querier, kind string, refID int64) (Counts, error) {
	var c Counts
	err := q.GetContext(ctx, &c, `
		SELECT count(*) FILTER (WHERE state = 'sent')                    AS sent,
		       count(*) FILTER (WHERE state IN ('pending', 'sending'))   AS pending,
		       count(*) FILTER (WHERE state = 'failed')                  AS failed,
		       count(*) FILTER (WHERE state = 'cancelled')               AS cancelled
		FROM outbox WHERE kind = $1 AND ref_id = $2`, kind, refID)
	if err != nil {
		return c, fmt.Errorf("delivery counts: %w", err)
	}
	return c, nil
}

// CancelPendingFor cancels what is still queued for a member (suspended, unreachable).
func CancelPendingFor(ctx context.Context, q store.Querier, memberID int64, reason string) (int, error) {
	res, err := q.ExecContext(ctx, `
		UPDATE outbox SET state = 'cancelled', last_error = $2
		WHERE member_id = $1 AND state = 'pending'`, memberID, reason)
	if err != nil {
		return 0, fmt.Errorf("cancel pending for member %d: %w", memberID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// LastErrorFor returns the error of the most recent failed delivery of one thing, "" if none.
func LastErrorFor(ctx context.Context, q store.Querier, kind string, refID int64) (string, error) {
	var e []string
	err := q.SelectContext(ctx, &e, `
		SELECT coalesce(last_error, '') FROM outbox
		WHERE kind = $1 AND ref_id = $2 AND state = 'failed'
		ORDER BY id DESC LIMIT 1`, kind, refID)
	if err != nil {
		return "", fmt.Errorf("last delivery error: %w", err)
	}
	if len(e) == 0 {
		return "", nil
	}
	return e[0], nil
}

// OpenVariants returns the variants of kind/ref still queued or being sent to a member.
func OpenVariants(ctx context.Context, q store.Querier, memberID int64, kind string, refID int64) ([]string, error) {
	var vs []string
	err := q.SelectContext(ctx, &vs, `
		SELECT variant FROM outbox
		WHERE member_id = $1 AND kind = $2 AND ref_id = $3 AND state IN ('pending', 'sending')`, memberID, kind, refID)
	if err != nil {
		return nil, fmt.Errorf("open variants of %s #%d: %w", kind, refID, err)
	}
	return vs, nil
}

// SentMessage returns the Telegram message ID of the row of kind, ref and variant delivered to
// a member, and when it was sent: for editing it later. store.ErrNotFound when none was sent.
func SentMessage(ctx context.Context, q store.Querier, kind string, refID int64, variant string, memberID int64) (int, time.Time, error) {
	var row struct {
		ID     int64     `db:"telegram_message_id"`
		SentAt time.Time `db:"sent_at"`
	}
	err := q.GetContext(ctx, &row, `
		SELECT telegram_message_id, sent_at FROM outbox
		WHERE kind = $1 AND ref_id = $2 AND variant = $3 AND member_id = $4 AND state = 'sent'
		  AND telegram_message_id IS NOT NULL AND sent_at IS NOT NULL`, kind, refID, variant, memberID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, store.ErrNotFound
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("sent %s %d to member %d: %w", kind, refID, memberID, err)
	}
	return int(row.ID), row.SentAt, nil
}

// Coalesce queues a refresh of something shown to a member (an edit that renders the state of
// the moment), at most one per interval of every: the item is due at the end of the current
// interval (real time, as the dispatcher's clock is), unless a row of its member, kind and ref is
// still pending, which will show this change as well since it is rendered when sent. That
// pending row is locked until the caller's transaction commits, so the dispatcher cannot claim
// and render it before the change it must show is committed; a row already claimed or sent
// makes the refresh go into the next interval. Nothing is lost, and a burst of changes makes one
// edit per interval. The item's Variant is a prefix; the interval is appended to it.
func Coalesce(ctx context.Context, q store.Querier, it Item, every time.Duration) error {
	var pending []int64
	if err := q.SelectContext(ctx, &pending, `
		SELECT id FROM outbox
		WHERE member_id = $1 AND kind = $2 AND ref_id = $3 AND state = 'pending'
		LIMIT 1 FOR UPDATE`, it.MemberID, it.Kind, it.RefID); err != nil {
		return fmt.Errorf("coalesce %s %d: %w", it.Kind, it.RefID, err)
	}
	if len(pending) > 0 {
		return nil
	}
	prefix := it.Variant
	slot := time.Now().UnixNano() / int64(every)
	for range 3 {
		it.Variant = fmt.Sprintf("%s%d", prefix, slot)
		it.NotBefore = time.Unix(0, (slot+1)*int64(every))
		n, err := Enqueue(ctx, q, []Item{it})
		if err != nil || n == 1 {
			return err
		}
		slot++ // this interval's row went out already
	}
	return fmt.Errorf("coalesce %s %d: no free interval", it.Kind, it.RefID)
}
