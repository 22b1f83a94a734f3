// Package broadcastseed queues a broadcast for the tools that run the real binary against the
// emulator (make crashtest, make faulttest, make rollingtest): one message to each of n new
// members, of a kind the binary renders on its own (the admins' notice that a member cannot be
// reached), so no handler needs to be driven to fill the outbox.
package broadcastseed

import (
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"focalbot/bot/telegramtest"
)

// UserID is the Telegram user ID of recipient i of a tool whose IDs start at base.
func UserID(base int64, i int) int64 { return base + int64(i) }

// Seed adds the recipients (users of srv with IDs from base) and queues one message to each,
// marked with variant in the outbox; subject names the member the notice is about, which every
// delivered message shows (the tools count messages by it).
func Seed(db *sqlx.DB, srv *telegramtest.Server, base int64, variant, subject string, recipients int) error {
	var subjectID int64
	if err := db.Get(&subjectID, `
		INSERT INTO members (telegram_user_id, chat_id, display_name, role, state)
		VALUES ($1, $1, $2, 'focal_point', 'unreachable') RETURNING id`, base-1, subject); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	ids := make([]int64, recipients)
	for i := range ids {
		ids[i] = UserID(base, i)
		srv.User(ids[i], fmt.Sprintf("R%d", i), "en")
	}
	_, err := db.Exec(`
		WITH m AS (
			INSERT INTO members (telegram_user_id, chat_id, display_name, role, state, language)
			SELECT u, u, 'recipient ' || u, 'focal_point', 'active', 'en' FROM unnest($1::bigint[]) AS u
			RETURNING id, chat_id)
		INSERT INTO outbox (member_id, chat_id, kind, ref_id, variant, priority)
		SELECT id, chat_id, 'member_unreachable', $2, $3, 2 FROM m`, pq.Array(ids), subjectID, variant)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

// Tally counts, for the n recipients seeded from base, those that never received the message
// about subject (lost) and the copies beyond the first (duplicated).
func Tally(srv *telegramtest.Server, base int64, n int, subject string) (lost, dups int) {
	for i := range n {
		got := 0
		for _, m := range srv.User(UserID(base, i), "", "en").Messages() {
			if strings.Contains(m.Plain(), subject) {
				got++
			}
		}
		if got == 0 {
			lost++
		} else {
			dups += got - 1
		}
	}
	return lost, dups
}
