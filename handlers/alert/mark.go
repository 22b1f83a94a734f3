package alert

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/alert/alerttext"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// An update or a cancellation arrives as a notice of its own (renderAlertFollowup); the alert
// each recipient already holds changes too, so that an officer scrolling back does not find a
// live alert with Acknowledge. The original message is edited, through the outbox (kind
// alert_mark, one row per recipient and update or cancellation), in the reader's language:
// "❌ CANCELLED by CARICC, 14:02: reason" above the alert, without buttons; or "⚠️ UPDATED
// 14:02 — see the update below" above it, its buttons kept. Telegram lets a bot edit a
// message for 48 hours: an older one keeps the notice only.

const (
	kindAlertMark = "alert_mark"
	// editWindow is Telegram's 48 hours, less a margin for the time the row waits in the queue.
	editWindow = 47 * time.Hour
)

// enqueueMarks queues the edit of each recipient's alert for the update or cancellation f.
func enqueueMarks(ctx context.Context, tx *sqlx.Tx, al *store.Alert, followupID int64) error {
	rs, err := store.AlertRecipients(ctx, tx, al.ID)
	if err != nil {
		return err
	}
	items := make([]delivery.Item, 0, len(rs))
	for _, rc := range rs {
		if rc.State == store.StateActive {
			items = append(items, delivery.Item{MemberID: rc.ID, ChatID: rc.ChatID, Kind: kindAlertMark, RefID: followupID,
				Priority: delivery.Routine})
		}
	}
	_, err = delivery.Enqueue(ctx, tx, items)
	return err
}

func renderAlertMark(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		f, err := store.FollowupByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		al, err := store.AlertByID(ctx, a.Store.DB, f.AlertID)
		if err != nil {
			return delivery.Message{}, err
		}
		if f.Kind == "update" && al.State == store.AlertCancelled {
			return delivery.Message{}, fmt.Errorf("%w: %s cancelled since", delivery.ErrSkip, al.Ref)
		}
		msgID, sentAt, err := delivery.SentMessage(ctx, a.Store.DB, kindAlert, al.ID, "", to.ID)
		if errors.Is(err, store.ErrNotFound) {
			return delivery.Message{}, fmt.Errorf("%w: %s never reached them", delivery.ErrSkip, al.Ref)
		}
		if err != nil {
			return delivery.Message{}, err
		}
		// Telegram's window runs on its clock, which is the real one.
		if time.Since(sentAt) > editWindow {
			return delivery.Message{}, fmt.Errorf("%w: %s sent %s ago, past Telegram's edit window", delivery.ErrSkip, al.Ref, time.Since(sentAt).Round(time.Minute))
		}
		lang := ui.MemberLang(a, to)
		msg := delivery.Message{EditMessageID: msgID}
		if f.Kind == "cancel" {
			t := al.SubmittedAt
			if al.PublishedAt != nil {
				t = *al.PublishedAt
			}
			body := alerttext.Render(a.I18n, lang, &al.Content, alerttext.Meta{
				Ref: al.Ref, AuthorCountry: al.AuthorCountry, Time: t, Zone: ui.Zone(to)})
			msg.Text = a.I18n.T(lang, "alert_mark_cancelled", map[string]any{
				"By": ui.AgencyLabel(a, lang, "caricc"), "Time": ui.Time(to, f.CreatedAt),
				"Reason": f.Text}) + "\n\n" + body
			return msg, nil // no buttons: the alert is over
		}
		// The copy as it now stands: the latest update's mark, the recipient's acknowledgement
		// (or Acknowledge), Follow up.
		text, kb, err := recipientCopy(ctx, a, al, to, lang)
		if err != nil {
			return delivery.Message{}, err
		}
		msg.Text, msg.ReplyMarkup = text, kb
		return msg, nil
	}
}
