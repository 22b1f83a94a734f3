package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/lib/pq"
)

// InboundUpdate is one update as Telegram delivered it.
type InboundUpdate struct {
	UpdateID int64           `db:"update_id"`
	ChatID   *int64          `db:"chat_id"`
	Kind     string          `db:"kind"`
	Payload  json.RawMessage `db:"payload"`
}

// SaveUpdates stores a batch of updates in one statement and returns the IDs that were new.
// An update seen before (Telegram redelivers after a lost confirmation) conflicts on the key
// and is left out of the result, which is how duplicates are dropped.
func (s *Store) SaveUpdates(ctx context.Context, batch []InboundUpdate) ([]int64, error) {
	if len(batch) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(batch))
	chats := make([]*int64, len(batch))
	kinds := make([]string, len(batch))
	payloads := make([]string, len(batch))
	for i, u := range batch {
		ids[i], chats[i], kinds[i], payloads[i] = u.UpdateID, u.ChatID, u.Kind, string(u.Payload)
	}
	var fresh []int64
	err := s.DB.SelectContext(ctx, &fresh, `
		INSERT INTO inbound_updates (update_id, chat_id, kind, payload)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::jsonb[])
		ON CONFLICT (update_id) DO NOTHING
		RETURNING update_id`,
		pq.Array(ids), pq.Array(chats), pq.Array(kinds), pq.Array(payloads))
	if err != nil {
		return nil, fmt.Errorf("save updates: %w", err)
	}
	return fresh, nil
}

// LastUpdateID is the ID of the update received last (the highest of its batch), 0 when none:
// the poll resumes after it. Not the highest ID ever stored: Telegram restarts its update IDs
// at random after a week without updates, so the newest may be lower than older ones.
func (s *Store) LastUpdateID(ctx context.Context) (int64, error) {
	var id int64
	err := s.DB.GetContext(ctx, &id, `
		SELECT coalesce((SELECT update_id FROM inbound_updates
		                 ORDER BY received_at DESC, update_id DESC LIMIT 1), 0)`)
	if err != nil {
		return 0, fmt.Errorf("last update id: %w", err)
	}
	return id, nil
}

// UnhandledUpdates lists the stored updates not yet handled, oldest first, at most total of
// them and perChat of one chat: the work a stopped or crashed process left behind.
func (s *Store) UnhandledUpdates(ctx context.Context, perChat, total int) ([]InboundUpdate, error) {
	// A chat's unhandled updates past the first perChat are not handled at all (a flood): they
	// are recorded as dropped, so that they are not read again and again.
	_, err := s.DB.ExecContext(ctx, `
		UPDATE inbound_updates SET handled_at = now(), outcome = 'dropped'
		WHERE update_id IN (
			SELECT update_id FROM (
				SELECT update_id, row_number() OVER (PARTITION BY chat_id ORDER BY update_id) AS n
				FROM inbound_updates WHERE handled_at IS NULL AND chat_id IS NOT NULL) ranked
			WHERE n > $1)`, perChat)
	if err != nil {
		return nil, fmt.Errorf("drop excess unhandled updates: %w", err)
	}
	var rows []InboundUpdate
	err = s.DB.SelectContext(ctx, &rows, `
		SELECT update_id, chat_id, kind, payload
		FROM inbound_updates
		WHERE handled_at IS NULL
		ORDER BY update_id
		LIMIT $1`, total)
	if err != nil {
		return nil, fmt.Errorf("unhandled updates: %w", err)
	}
	return rows, nil
}

// MarkHandled records that an update was handled, and how (ok, failed or panic).
func (s *Store) MarkHandled(ctx context.Context, updateID int64, outcome string) error {
	_, err := s.DB.ExecContext(ctx, `
		UPDATE inbound_updates SET handled_at = now(), outcome = $2
		WHERE update_id = $1`, updateID, outcome)
	if err != nil {
		return fmt.Errorf("mark update %d handled: %w", updateID, err)
	}
	return nil
}
