package store

import (
	"context"
	"fmt"
	"time"
)

// TellGroup records that the group chatID is told, at now, that the bot works in private
// chats only. With again false it records it only the first time and reports whether this was
// that time; with again true (the bot was added anew) it always records it and reports true.
func TellGroup(ctx context.Context, q Querier, chatID int64, now time.Time, again bool) (bool, error) {
	query := `INSERT INTO groups_told (chat_id, told_at) VALUES ($1, $2) ON CONFLICT (chat_id) DO NOTHING`
	if again {
		query = `INSERT INTO groups_told (chat_id, told_at) VALUES ($1, $2)
			ON CONFLICT (chat_id) DO UPDATE SET told_at = EXCLUDED.told_at`
	}
	res, err := q.ExecContext(ctx, query, chatID, now)
	if err != nil {
		return false, fmt.Errorf("record group %d told: %w", chatID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record group %d told: %w", chatID, err)
	}
	return n > 0, nil
}
