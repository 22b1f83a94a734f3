package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// InboundChannel is the LISTEN/NOTIFY channel that tells the instance handling updates that
// another one stored an update received by webhook.
const InboundChannel = "focalbot_inbound"

// SaveUpdate stores one update received by webhook and, when it is new, notifies
// InboundChannel in the same transaction, so the notice arrives only once the update can be
// read. It reports whether the update was new (false: delivered again, already stored).
func (s *Store) SaveUpdate(ctx context.Context, u InboundUpdate) (bool, error) {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("save update %d: %w", u.UpdateID, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	res, err := tx.ExecContext(ctx, `
		INSERT INTO inbound_updates (update_id, chat_id, kind, payload)
		VALUES ($1, $2, $3, $4::jsonb)
		ON CONFLICT (update_id) DO NOTHING`, u.UpdateID, u.ChatID, u.Kind, string(u.Payload))
	if err != nil {
		return false, fmt.Errorf("save update %d: %w", u.UpdateID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("save update %d: %w", u.UpdateID, err)
	}
	if n == 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, '')`, InboundChannel); err != nil {
		return false, fmt.Errorf("save update %d: notify: %w", u.UpdateID, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("save update %d: %w", u.UpdateID, err)
	}
	return true, nil
}

// UpdateHandled reports whether a stored update has been handled.
func (s *Store) UpdateHandled(ctx context.Context, updateID int64) (bool, error) {
	var handled bool
	err := s.DB.GetContext(ctx, &handled, `
		SELECT handled_at IS NOT NULL FROM inbound_updates WHERE update_id = $1`, updateID)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, ErrNotFound
		}
		return false, fmt.Errorf("update %d handled: %w", updateID, err)
	}
	return handled, nil
}

// UnhandledCount is the number of stored updates not yet handled (a gauge for monitoring).
func (s *Store) UnhandledCount(ctx context.Context) (int64, error) {
	var n int64
	if err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM inbound_updates WHERE handled_at IS NULL`); err != nil {
		return 0, fmt.Errorf("unhandled updates: %w", err)
	}
	return n, nil
}
