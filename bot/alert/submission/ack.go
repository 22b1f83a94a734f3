package submission

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot/delivery"
	"focalbot/bot/store"
)

// Acknowledging below Telegram: the chat's Acknowledge button (handlers/alert) and the Mini
// App's (bot/console) record the acknowledgement and refresh the cards that count it in one
// transaction.

const (
	// KindCard is the refresh of an alert card (store.AlertCard): an edit of the message that
	// shows the author or an analyst how many acknowledged, rendered when sent.
	KindCard = "alert_card"
	// CardEvery is the shortest time between two edits of one card.
	CardEvery = 3 * time.Second
	// CardWindow is Telegram's 48 hours of editing a message, less a margin for the queue.
	CardWindow = 47 * time.Hour
)

// Acknowledge records a recipient's acknowledgement of a published alert and queues the
// refresh of its cards; false when there was nothing to record (not a recipient, or
// acknowledged before).
func Acknowledge(ctx context.Context, st *store.Store, al *store.Alert, memberID int64, at time.Time) (bool, error) {
	var ok bool
	err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if ok, err = store.Acknowledge(ctx, tx, al.ID, memberID, at); err != nil || !ok {
			return err
		}
		return RefreshCards(ctx, tx, al)
	})
	return ok, err
}

// RefreshCards queues the refresh of every live card of an alert, in the transaction of the
// change they must show: at most one edit per card every CardEvery, none lost
// (delivery.Coalesce). The author's card is recorded here if it was not yet (alerts published
// before cards were).
func RefreshCards(ctx context.Context, tx *sqlx.Tx, al *store.Alert) error {
	author, err := store.ReadMember(ctx, tx, al.AuthorID)
	if err != nil {
		return err
	}
	if err := store.AddAlertCard(ctx, tx, store.AlertCard{AlertID: al.ID, MemberID: author.ID, ChatID: author.ChatID,
		Shape: store.CardAuthor}); err != nil {
		return err
	}
	cards, err := store.LiveAlertCards(ctx, tx, al.ID, CardWindow)
	if err != nil {
		return err
	}
	for _, c := range cards {
		if err := delivery.Coalesce(ctx, tx, delivery.Item{MemberID: c.MemberID, ChatID: c.ChatID, Kind: KindCard,
			RefID: c.ID, Variant: "t", Priority: delivery.Routine}, CardEvery); err != nil {
			return err
		}
	}
	return nil
}
