package store

import (
	"context"
	"fmt"
	"time"
)

// Alert cards: the messages that show an alert's acknowledgements to its author and to
// analysts, edited in place as recipients acknowledge (see migration 0016).

// Shapes of an alert card.
const (
	CardAuthor    = "author"    // the author's notice of publication (its message is in the outbox)
	CardPublished = "published" // the analyst's panel after Publish
	CardStatus    = "status"    // an answer to "Who acknowledged?"
)

// AlertCard is one message showing an alert's acknowledgements.
type AlertCard struct {
	ID        int64     `db:"id"`
	AlertID   int64     `db:"alert_id"`
	MemberID  int64     `db:"member_id"`
	ChatID    int64     `db:"chat_id"`
	MessageID *int      `db:"message_id"` // nil for CardAuthor
	Shape     string    `db:"shape"`
	CreatedAt time.Time `db:"created_at"`
}

const alertCardColumns = `id, alert_id, member_id, chat_id, message_id, shape, created_at`

// AddAlertCard records a message that shows an alert's acknowledgements. The author's card is
// recorded once per alert; a message recorded again (the same panel shown twice) is kept once.
func AddAlertCard(ctx context.Context, q Querier, c AlertCard) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO alert_cards (alert_id, member_id, chat_id, message_id, shape)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, c.AlertID, c.MemberID, c.ChatID, c.MessageID, c.Shape)
	if err != nil {
		return fmt.Errorf("card of alert %d: %w", c.AlertID, err)
	}
	return nil
}

// LiveAlertCards lists the cards of an alert recorded less than window ago (by the database's
// clock, which is the real one, as Telegram's edit window is).
func LiveAlertCards(ctx context.Context, q Querier, alertID int64, window time.Duration) ([]AlertCard, error) {
	var cs []AlertCard
	err := q.SelectContext(ctx, &cs, `
		SELECT `+alertCardColumns+` FROM alert_cards
		WHERE alert_id = $1 AND created_at > now() - make_interval(secs => $2)
		ORDER BY id`, alertID, window.Seconds())
	if err != nil {
		return nil, fmt.Errorf("cards of alert %d: %w", alertID, err)
	}
	return cs, nil
}

// AlertCardByID returns one card.
func AlertCardByID(ctx context.Context, q Querier, id int64) (*AlertCard, error) {
	var c AlertCard
	err := q.GetContext(ctx, &c, `SELECT `+alertCardColumns+` FROM alert_cards WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("alert card %d: %w", id, notFound(err))
	}
	return &c, nil
}

// AckedAt returns when a recipient acknowledged an alert: nil while they have not
// (ErrNotFound when they are not a recipient).
func AckedAt(ctx context.Context, q Querier, alertID, memberID int64) (*time.Time, error) {
	var at *time.Time
	err := q.GetContext(ctx, &at, `
		SELECT acked_at FROM alert_recipients WHERE alert_id = $1 AND member_id = $2`, alertID, memberID)
	if err != nil {
		return nil, fmt.Errorf("acknowledgement of alert %d: %w", alertID, notFound(err))
	}
	return at, nil
}
