package store

import (
	"context"
	"fmt"

	"github.com/lib/pq"
)

// MembersByIDs loads the members with the given IDs at once (the dispatcher's recipients of a
// claimed batch); IDs without a member are left out of the map.
func (s *Store) MembersByIDs(ctx context.Context, ids []int64) (map[int64]*Member, error) {
	var ms []*Member
	if err := s.DB.SelectContext(ctx, &ms, `SELECT `+memberColumns+` FROM members WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("members by ids: %w", err)
	}
	out := make(map[int64]*Member, len(ms))
	for _, m := range ms {
		out[m.ID] = m
	}
	return out, nil
}

// MarkUnreachable records that Telegram refused to deliver to an active member (403: the bot
// was blocked, or the account deleted). It reports whether the member was active until now, so
// that what follows (cancelling their queue, telling the admins) happens once.
func MarkUnreachable(ctx context.Context, q Querier, memberID int64, reason string) (bool, error) {
	res, err := q.ExecContext(ctx, `
		UPDATE members SET state = 'unreachable', updated_at = now()
		WHERE id = $1 AND state = 'active'`, memberID)
	if err != nil {
		return false, fmt.Errorf("mark member #%d unreachable: %w", memberID, err)
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return false, nil
	}
	id := memberID
	return true, Audit(ctx, q, AuditEntry{Action: "member_unreachable", SubjectID: &id,
		Before: map[string]string{"state": StateActive},
		After:  map[string]string{"state": StateUnreachable, "reason": reason}})
}
