package store

import (
	"context"
	"fmt"
	"strings"
)

// MemberColumnsAs is the members columns of table alias alias, each named prefix + its name
// ("m.id" …): for a query that returns a member beside other columns into a struct with a
// store.Member field tagged db:"m" (the dispatcher's claim).
func MemberColumnsAs(alias, prefix string) string {
	cols := strings.Split(memberColumns, ",")
	for i, c := range cols {
		c = strings.TrimSpace(c)
		cols[i] = alias + "." + c + ` AS "` + prefix + c + `"`
	}
	return strings.Join(cols, ", ")
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
