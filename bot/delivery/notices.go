package delivery

import (
	"context"
	"strconv"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"focalbot/bot/store"
)

// The dispatcher's own notices to admins. The bot registers their renderers.
const (
	// KindMemberUnreachable tells admins that a member cannot be reached (403). RefID is the
	// member; Variant the outbox row that found out, so a later incident is told again.
	KindMemberUnreachable = "member_unreachable"
	// KindDeliveryFailed tells admins that deliveries of a thing failed for good. RefID and
	// Variant are the RefID and Kind of the thing: told once per thing, however many failed.
	KindDeliveryFailed = "delivery_failed"
)

func isNoticeKind(kind string) bool {
	return kind == KindMemberUnreachable || kind == KindDeliveryFailed
}

// notifyAdmins queues a notice of kind to every active admin (but except) for each
// (refs[i], variants[i]); a notice already queued for an admin is not queued again.
func notifyAdmins(ctx context.Context, q store.Querier, kind string, refs []int64, variants []string, except int64) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO outbox (member_id, chat_id, kind, ref_id, variant, priority)
		SELECT m.id, m.chat_id, $1, n.ref_id, n.variant, $4
		FROM members m CROSS JOIN (SELECT DISTINCT * FROM unnest($2::bigint[], $3::text[]) AS n(ref_id, variant)) n
		WHERE m.role = 'admin' AND m.state = 'active' AND m.id <> $5
		ON CONFLICT (member_id, kind, ref_id, variant) DO NOTHING`,
		kind, pq.Array(refs), pq.Array(variants), High, except)
	if err != nil {
		return wrap("notify admins", err)
	}
	_, err = q.ExecContext(ctx, `SELECT pg_notify('outbox', '')`)
	return wrap("notify admins", err)
}

// unreachable handles a 403: the member becomes unreachable, what is queued for them is
// cancelled and the admins are told, all once.
func (d *Dispatcher) unreachable(ctx context.Context, j *claimed, cause error) {
	if d.crashed.Load() {
		return
	}
	ctx = context.WithoutCancel(ctx)
	err := d.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		changed, err := store.MarkUnreachable(ctx, tx, j.MemberID, cause.Error())
		if err != nil || !changed {
			return err
		}
		if _, err := CancelPendingFor(ctx, tx, j.MemberID, "member unreachable"); err != nil {
			return err
		}
		d.Log.Warn("member unreachable", "member_id", j.MemberID, "err", cause)
		return notifyAdmins(ctx, tx, KindMemberUnreachable, []int64{j.MemberID}, []string{strconv.FormatInt(j.ID, 10)}, j.MemberID)
	})
	if err != nil {
		d.Log.Error("member unreachable not recorded", "member_id", j.MemberID, "err", err)
	}
}
