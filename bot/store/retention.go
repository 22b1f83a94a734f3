package store

import (
	"context"
	"fmt"
	"time"
)

// Retention is how long each kind of record is kept (the RETAIN_* settings). A zero period
// keeps that kind for ever.
type Retention struct {
	UpdatePayloads time.Duration // inbound_updates.payload of handled updates: cleared
	Updates        time.Duration // handled inbound_updates rows: deleted
	MessageTexts   time.Duration // outbound_messages.text: cleared
	Outbox         time.Duration // finished outbox rows (sent, failed, cancelled): deleted
	Outsiders      time.Duration // invite_failures, outsider_languages, undecided access requests: deleted
}

// DefaultRetention is the settings' defaults.
var DefaultRetention = Retention{UpdatePayloads: 7 * 24 * time.Hour, Updates: 30 * 24 * time.Hour,
	MessageTexts: 30 * 24 * time.Hour, Outbox: 30 * 24 * time.Hour, Outsiders: 30 * 24 * time.Hour}

// Retained counts what one pass of Retain cleared or deleted.
type Retained struct {
	PayloadsCleared, UpdatesDeleted, TextsCleared, OutboxDeleted, FailuresDeleted, OutsidersDeleted int64
}

// Retain clears and deletes what is older than its period at now: the payloads of handled
// updates (the row is kept, with its ID and outcome), handled updates, texts of sent messages,
// finished outbox rows, wrong invitation codes, outsiders' language choices and requests for
// access nobody decided. The update received last is always kept: the poll resumes after it.
// The audit log is kept whole. Each statement is its own transaction; a pass may be repeated.
func (s *Store) Retain(ctx context.Context, now time.Time, r Retention) (Retained, error) {
	var out Retained
	steps := []struct {
		period time.Duration
		count  *int64
		what   string
		query  string
	}{
		{r.UpdatePayloads, &out.PayloadsCleared, "update payloads", `
			UPDATE inbound_updates SET payload = '{}'
			WHERE received_at < $1 AND handled_at IS NOT NULL AND payload <> '{}'`},
		{r.Updates, &out.UpdatesDeleted, "updates", `
			DELETE FROM inbound_updates
			WHERE received_at < $1 AND handled_at IS NOT NULL
			  AND update_id <> (SELECT update_id FROM inbound_updates ORDER BY received_at DESC, update_id DESC LIMIT 1)`},
		{r.MessageTexts, &out.TextsCleared, "message texts", `
			UPDATE outbound_messages SET text = '' WHERE sent_at < $1 AND text <> ''`},
		{r.Outbox, &out.OutboxDeleted, "outbox rows", `
			DELETE FROM outbox
			WHERE state IN ('sent', 'failed', 'cancelled') AND coalesce(sent_at, created_at) < $1`},
		{r.Outsiders, &out.FailuresDeleted, "invitation failures", `
			DELETE FROM invite_failures WHERE at < $1`},
		{r.Outsiders, &out.OutsidersDeleted, "outsiders' languages", `
			DELETE FROM outsider_languages o WHERE updated_at < $1
			  AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.telegram_user_id = o.telegram_user_id)`},
		{r.Outsiders, &out.OutsidersDeleted, "undecided access requests", `
			DELETE FROM members m WHERE state = 'pending' AND approved_at IS NULL AND created_at < $1
			  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.member_id = m.id)
			  AND NOT EXISTS (SELECT 1 FROM members x WHERE x.approved_by = m.id)`},
	}
	for _, st := range steps {
		if st.period <= 0 {
			continue
		}
		res, err := s.DB.ExecContext(ctx, st.query, now.Add(-st.period))
		if err != nil {
			return out, fmt.Errorf("retention of %s: %w", st.what, err)
		}
		n, _ := res.RowsAffected()
		*st.count += n
	}
	return out, nil
}
