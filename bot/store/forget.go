package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
)

// ErrStillActive is what ForgetMember returns for an active member: suspend them first.
var ErrStillActive = errors.New("the member is still active: suspend them first")

// forgottenMarker replaces a forgotten member's name and unit in texts kept about others (the
// audit log, messages sent to others).
const forgottenMarker = "[former member]"

// ForgetMember erases a former (not active) member's personal data: their name (replaced by
// formerName, which renders as "a former member (KZ)"), unit and its UN/LOCODE, language,
// time zone and what they wrote when they asked for access;
// their conversation and language choice as an outsider; the content of their updates and the
// texts of the messages sent to them; their name, unit and Telegram username wherever the
// audit log or the texts of messages sent to others hold them. Their alerts, requests and
// replies stay, attributed to the former member. It writes a member_forgotten audit entry
// (actor nil: the command line) holding nothing personal.
func (s *Store) ForgetMember(ctx context.Context, id int64, formerName string, now time.Time) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		m, err := MemberByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if m.State == StateActive {
			return fmt.Errorf("forget member #%d: %w", id, ErrStillActive)
		}
		tid := m.TelegramUserID
		stmts := []struct {
			q    string
			args []any
		}{
			{`UPDATE members SET display_name = $2, unit = '', unit_locode = NULL, language = '', access_note = '', time_zone = NULL, forgotten_at = $3, updated_at = $3
				WHERE id = $1`, []any{id, formerName, now}},
			{`DELETE FROM conversations WHERE telegram_user_id = $1`, []any{tid}},
			{`DELETE FROM outsider_languages WHERE telegram_user_id = $1`, []any{tid}},
			{`UPDATE inbound_updates SET payload = '{}' WHERE chat_id = $1 OR chat_id = $2`, []any{tid, m.ChatID}},
			{`UPDATE outbound_messages SET text = '' WHERE chat_id = $1 OR chat_id = $2`, []any{tid, m.ChatID}},
			// Their Telegram username, kept when they asked for access.
			{`UPDATE audit_log SET after = jsonb_set(after, '{username}', '""')
				WHERE after ? 'username' AND after->>'telegram_user_id' = $1`, []any{strconv.FormatInt(tid, 10)}},
		}
		for _, text := range []string{m.DisplayName, m.Unit, m.AccessNote} {
			if len([]rune(text)) < 2 {
				continue // a one-letter "name" would rub out text everywhere
			}
			stmts = append(stmts,
				struct {
					q    string
					args []any
				}{`UPDATE outbound_messages SET text = replace(text, $1, $2) WHERE strpos(text, $1) > 0`, []any{text, forgottenMarker}},
				struct {
					q    string
					args []any
				}{`UPDATE audit_log
					SET before = replace(before::text, trim(both '"' from to_json($1::text)::text), $2)::jsonb,
					    after = replace(after::text, trim(both '"' from to_json($1::text)::text), $2)::jsonb
					WHERE strpos(before::text, trim(both '"' from to_json($1::text)::text)) > 0
					   OR strpos(after::text, trim(both '"' from to_json($1::text)::text)) > 0`, []any{text, forgottenMarker}})
		}
		for _, st := range stmts {
			if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
				return fmt.Errorf("forget member #%d: %w", id, err)
			}
		}
		return Audit(ctx, tx, AuditEntry{Action: "member_forgotten", SubjectID: &id,
			After: map[string]any{"telegram_user_id": tid, "country": m.Country, "role": m.Role}})
	})
}
