package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// The Mini App's alert form keeps one draft per member, its fields as typed.

// SaveAppDraft stores a member's draft, replacing the one before.
func SaveAppDraft(ctx context.Context, q Querier, memberID int64, fields map[string]string, now time.Time) error {
	b, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("app draft of member %d: %w", memberID, err)
	}
	_, err = q.ExecContext(ctx, `
		INSERT INTO app_drafts (member_id, fields, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (member_id) DO UPDATE SET fields = excluded.fields, updated_at = excluded.updated_at`,
		memberID, b, now)
	if err != nil {
		return fmt.Errorf("save app draft of member %d: %w", memberID, err)
	}
	return nil
}

// AppDraft is a member's draft; ErrNotFound when they have none.
func AppDraft(ctx context.Context, q Querier, memberID int64) (map[string]string, error) {
	var b []byte
	if err := q.GetContext(ctx, &b, `SELECT fields FROM app_drafts WHERE member_id = $1`, memberID); err != nil {
		return nil, fmt.Errorf("app draft of member %d: %w", memberID, notFound(err))
	}
	fields := map[string]string{}
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, fmt.Errorf("app draft of member %d: %w", memberID, err)
	}
	return fields, nil
}

// DeleteAppDraft removes a member's draft (submitted); none is no error.
func DeleteAppDraft(ctx context.Context, q Querier, memberID int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM app_drafts WHERE member_id = $1`, memberID); err != nil {
		return fmt.Errorf("delete app draft of member %d: %w", memberID, err)
	}
	return nil
}
