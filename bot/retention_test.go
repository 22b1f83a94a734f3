package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"focalbot/bot/bottest"
	"focalbot/bot/store"
)

// Moving the clock past each retention period clears or deletes exactly what it should and
// keeps the rest: unhandled updates, the update received last, pending deliveries, refused
// people (so they cannot ask again) and the audit log.
func TestRetention(t *testing.T) {
	t.Parallel()
	h := bottest.Start(t, newEchoBot().register)
	db := h.Store.DB
	t0 := h.Clock.Now()
	day := 24 * time.Hour
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO inbound_updates (update_id, chat_id, kind, payload, received_at, handled_at, outcome) VALUES
		(1, 7, 'message', '{"text":"old handled"}', $1, $1, 'ok'),
		(2, 7, 'message', '{"text":"old unhandled"}', $1, NULL, NULL),
		(3, 7, 'message', '{"text":"newest"}', $2, $2, 'ok')`, t0, t0.Add(20*day))
	exec(`INSERT INTO outbound_messages (chat_id, telegram_message_id, kind, text, sent_at) VALUES
		(7, 1, 'reply', 'old text', $1), (7, 2, 'reply', 'recent text', $2)`, t0, t0.Add(20*day))
	ctx := context.Background()
	member, err := store.InsertMember(ctx, db, store.Member{TelegramUserID: 7, DisplayName: "Kept", Role: store.RoleFocalPoint, Agency: "customs", State: store.StateActive})
	if err != nil {
		t.Fatal(err)
	}
	// The pending row is due in a year, so that the dispatcher leaves it alone.
	exec(`INSERT INTO outbox (member_id, chat_id, kind, ref_id, variant, state, created_at, sent_at, not_before) VALUES
		($1, 7, 'x', 1, 'sent', 'sent', $2, $2, $2), ($1, 7, 'x', 1, 'cancelled', 'cancelled', $2, NULL, $2),
		($1, 7, 'x', 1, 'pending', 'pending', $2, NULL, now() + interval '1 year')`, member, t0)
	exec(`INSERT INTO invite_failures (telegram_user_id, at) VALUES (8, $1), (8, $2)`, t0, t0.Add(20*day))
	exec(`INSERT INTO outsider_languages (telegram_user_id, language, updated_at) VALUES (8, 'ru', $1), (9, 'kk', $2)`, t0, t0.Add(20*day))
	exec(`INSERT INTO members (telegram_user_id, chat_id, role, state, created_at) VALUES
		(10, 10, 'focal_point', 'pending', $1), (11, 11, 'focal_point', 'suspended', $1)`, t0)
	long := strings.Repeat("free text ", 30)
	if err := store.Audit(ctx, db, store.AuditEntry{Action: "test_note", After: map[string]any{"note": long, "ref": "ALR-2026-000001"}}); err != nil {
		t.Fatal(err)
	}
	var audits int
	if err := db.Get(&audits, `SELECT count(*) FROM audit_log`); err != nil {
		t.Fatal(err)
	}

	type state struct {
		Payloads   string `db:"payloads"`   // update_id:payload of each inbound update
		Texts      string `db:"texts"`      // texts of outbound messages
		Outbox     string `db:"outbox"`     // states of outbox rows
		Failures   int    `db:"failures"`   // invite_failures rows
		Languages  string `db:"languages"`  // outsider_languages
		Requesters string `db:"requesters"` // telegram ids of pending and suspended people
		Audits     int    `db:"audits"`
	}
	look := func() state {
		t.Helper()
		var s state
		err := db.Get(&s, `SELECT
			(SELECT string_agg(update_id || ':' || payload::text, ' ' ORDER BY update_id) FROM inbound_updates) AS payloads,
			(SELECT string_agg(text, '|' ORDER BY id) FROM outbound_messages WHERE chat_id = 7) AS texts,
			(SELECT string_agg(state, ' ' ORDER BY id) FROM outbox) AS outbox,
			(SELECT count(*) FROM invite_failures) AS failures,
			(SELECT coalesce(string_agg(language, ' ' ORDER BY telegram_user_id), '') FROM outsider_languages) AS languages,
			(SELECT string_agg(telegram_user_id::text, ' ' ORDER BY telegram_user_id) FROM members WHERE state <> 'active') AS requesters,
			(SELECT count(*) FROM audit_log) AS audits`)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	initial := state{
		Payloads: `1:{"text": "old handled"} 2:{"text": "old unhandled"} 3:{"text": "newest"}`,
		Texts:    "old text|recent text", Outbox: "sent cancelled pending", Failures: 2, Languages: "ru kk",
		Requesters: "10 11", Audits: audits,
	}
	steps := []struct {
		to   time.Duration
		want state
	}{
		{6 * day, initial},
		{8 * day, func() state {
			s := initial
			s.Payloads = `1:{} 2:{"text": "old unhandled"} 3:{"text": "newest"}`
			return s
		}()},
		{31 * day, state{Payloads: `2:{"text": "old unhandled"} 3:{}`, Texts: "|recent text", Outbox: "pending",
			Failures: 1, Languages: "kk", Requesters: "11", Audits: audits}},
	}
	for _, st := range steps {
		h.Advance(t0.Add(st.to).Sub(h.Clock.Now()))
		if got := look(); got != st.want {
			t.Errorf("at day %d:\n got  %+v\n want %+v", st.to/day, got, st.want)
		}
	}
	var note string
	if err := db.Get(&note, `SELECT after->>'note' FROM audit_log WHERE action = 'test_note'`); err != nil {
		t.Fatal(err)
	}
	if len([]rune(note)) > 81 || !strings.HasPrefix(long, strings.TrimSuffix(note, "…")) {
		t.Errorf("audit free text kept as %q", note)
	}
}
