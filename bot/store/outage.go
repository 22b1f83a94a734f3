package store

import (
	"context"
	"fmt"

	"github.com/lib/pq"
)

// OutageNotice is what an instance knows of the notice that the database was away, for one
// update: its sender was told (Told), or is owed the notice (see migration 0017).
type OutageNotice struct {
	UpdateID int64
	ChatID   int64
	Lang     string
	Told     bool
}

// RecordOutageNotices writes what an instance told or left untold while the database was out
// of reach, in one statement: a record of telling wins over one of owing, whichever comes
// first. Records older than a week go at the same time.
func RecordOutageNotices(ctx context.Context, q Querier, ns []OutageNotice) error {
	if len(ns) == 0 {
		return nil
	}
	ids, chats, langs, told := make([]int64, len(ns)), make([]int64, len(ns)), make([]string, len(ns)), make([]bool, len(ns))
	for i, n := range ns {
		ids[i], chats[i], langs[i], told[i] = n.UpdateID, n.ChatID, n.Lang, n.Told
	}
	_, err := q.ExecContext(ctx, `
		WITH old AS (DELETE FROM outage_notices WHERE owed_at < now() - interval '7 days')
		INSERT INTO outage_notices (update_id, chat_id, lang, told_at)
		SELECT id, chat, lang, CASE WHEN told THEN now() END
		FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bool[]) AS u(id, chat, lang, told)
		ON CONFLICT (update_id) DO UPDATE SET told_at = coalesce(outage_notices.told_at, EXCLUDED.told_at)`,
		pq.Array(ids), pq.Array(chats), pq.Array(langs), pq.Array(told))
	if err != nil {
		return fmt.Errorf("record outage notices: %w", err)
	}
	return nil
}

// OwedOutageNotices returns which of the updates are owed the notice (recorded, not told).
func OwedOutageNotices(ctx context.Context, q Querier, ids []int64) ([]int64, error) {
	var owed []int64
	if len(ids) == 0 {
		return nil, nil
	}
	if err := q.SelectContext(ctx, &owed, `
		SELECT update_id FROM outage_notices WHERE update_id = ANY($1) AND told_at IS NULL`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("owed outage notices: %w", err)
	}
	return owed, nil
}

// ClaimOutageNotice marks the notice owed for an update as told and returns where and in which
// language to tell it; ok is false when none is owed (told meanwhile, by this instance or
// another).
func ClaimOutageNotice(ctx context.Context, q Querier, updateID int64) (chatID int64, lang string, ok bool, err error) {
	var rows []struct {
		Chat int64  `db:"chat_id"`
		Lang string `db:"lang"`
	}
	err = q.SelectContext(ctx, &rows, `
		UPDATE outage_notices SET told_at = now()
		WHERE update_id = $1 AND told_at IS NULL
		RETURNING chat_id, lang`, updateID)
	if err != nil || len(rows) == 0 {
		return 0, "", false, err
	}
	return rows[0].Chat, rows[0].Lang, true, nil
}
