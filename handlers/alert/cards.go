package alert

import (
	"context"
	"errors"
	"fmt"
	"html"
	"time"

	"focalbot/bot"
	"focalbot/bot/alert/submission"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// Cards: the messages that show the author and the analysts how many of an alert's recipients
// acknowledged it and who has not — the author's notice of publication, the analyst's panel
// after Publish, an answer to "Who acknowledged?". Each is recorded (store.AddAlertCard) and
// edited in place when a recipient acknowledges: the acknowledgement queues, in its own
// transaction, one refresh per card through the outbox (kind alert_card), due at the end of the
// current interval of submission.CardEvery and rendered when sent, so a burst of presses makes
// one edit per card every few seconds, a restart loses none, and the last edit shows the last
// press (submission.RefreshCards, delivery.Coalesce). Cards older than Telegram's edit window
// are left as they are.

const (
	kindAlertCard = submission.KindCard
	// cardBudget is the length past which a card counts the silent per country instead of
	// naming them (the full list is a press of "Who acknowledged?" away).
	cardBudget = 3000
)

func registerCards(a *bot.App) {
	a.Renderer(kindAlertCard, renderAlertCard(a))
}

// renderAlertCard renders a card as it stands now, as an edit of its message.
func renderAlertCard(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		c, err := store.AlertCardByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		al, err := store.AlertByID(ctx, a.Store.DB, c.AlertID)
		if err != nil {
			return delivery.Message{}, err
		}
		msgID, sentAt := 0, c.CreatedAt
		if c.MessageID != nil {
			msgID = *c.MessageID
		} else {
			msgID, sentAt, err = delivery.SentMessage(ctx, a.Store.DB, kindAlertDecision, al.ID, decisionVariant(al), to.ID)
			if errors.Is(err, store.ErrNotFound) {
				// Not sent yet (it is rendered with the count of its time) or never.
				return delivery.Message{}, fmt.Errorf("%w: %s: no notice to edit", delivery.ErrSkip, al.Ref)
			}
			if err != nil {
				return delivery.Message{}, err
			}
		}
		// Telegram's window runs on its clock, which is the real one.
		if time.Since(sentAt) > editWindow {
			return delivery.Message{}, fmt.Errorf("%w: %s card past Telegram's edit window", delivery.ErrSkip, al.Ref)
		}
		lang := ui.MemberLang(a, to)
		var text string
		var kb *bot.Keyboard
		switch c.Shape {
		case store.CardAuthor:
			text, kb, err = authorCard(ctx, a, al, lang)
		case store.CardPublished:
			text, kb, err = publishedCard(ctx, a, al, lang)
		default:
			text, err = ackStatus(ctx, a, al, lang, true)
		}
		if err != nil {
			return delivery.Message{}, err
		}
		return delivery.Message{Text: text, ReplyMarkup: kb, EditMessageID: msgID}, nil
	}
}

// decisionVariant is the outbox variant of the author's notice of the alert's publication.
func decisionVariant(al *store.Alert) string {
	return fmt.Sprintf("%s:r%d", store.AlertPublished, al.Revision)
}

// authorCard is the author's notice of publication with the acknowledgements so far; "Who
// acknowledged?" stays where the card only counts.
func authorCard(ctx context.Context, a *bot.App, al *store.Alert, lang string) (string, *bot.Keyboard, error) {
	counts, err := store.AlertAckCounts(ctx, a.Store.DB, al.ID)
	if err != nil {
		return "", nil, err
	}
	status, err := ackStatus(ctx, a, al, lang, true)
	if err != nil {
		return "", nil, err
	}
	full, err := ackStatus(ctx, a, al, lang, false)
	if err != nil {
		return "", nil, err
	}
	text := a.I18n.T(lang, "alert_decision_published", map[string]any{"Ref": al.Ref, "Count": counts.Total}) + "\n\n" + status
	if al.State != store.AlertPublished {
		text += "\n" + stateLine(a, lang, al)
	}
	var kb *bot.Keyboard
	if status != full {
		kb = (&bot.Keyboard{}).Row(bot.Button{Text: a.I18n.T(lang, "alert_btn_acks", nil), CallbackData: bot.CB(verbAcks, al.ID)})
	}
	return text, kb, nil
}

// publishedCard is the analyst's panel after Publish: to how many it went, the
// acknowledgements so far, and what an analyst can do with the alert while it is published.
func publishedCard(ctx context.Context, a *bot.App, al *store.Alert, lang string) (string, *bot.Keyboard, error) {
	counts, err := store.AlertAckCounts(ctx, a.Store.DB, al.ID)
	if err != nil {
		return "", nil, err
	}
	status, err := ackStatus(ctx, a, al, lang, true)
	if err != nil {
		return "", nil, err
	}
	text := a.I18n.T(lang, "alert_published", map[string]any{"Ref": al.Ref, "Count": counts.Total}) + "\n\n" + status
	if al.State != store.AlertPublished {
		return text + "\n" + stateLine(a, lang, al), nil, nil
	}
	return text, analystKeyboard(a, lang, al.ID), nil
}

// showPublished turns the audience screen whose Publish was pressed into the analyst's card of
// the published alert, in place (its buttons become those that still apply: Update, Cancel,
// Who acknowledged?), and records it, to be kept current. When the screen cannot be edited
// (too old, gone), the card is sent anew and the screen loses its buttons.
func showPublished(ctx context.Context, r *bot.Request, al *store.Alert) error {
	text, kb, err := publishedCard(ctx, r.App, al, r.Lang)
	if err != nil {
		return err
	}
	msgID := 0
	if q := r.Update.CallbackQuery; q != nil && q.Message.Message != nil {
		id := q.Message.Message.ID
		if err := r.App.Edit(ctx, r.ChatID, id, text, kb); err == nil {
			r.PanelShown(ctx, id, text, kb)
			msgID = id
		} else {
			r.App.Log.Warn("audience screen not edited into the card, sending it anew", "chat_id", r.ChatID, "err", err)
			r.ClosePressed()
		}
	}
	if msgID == 0 {
		m, err := r.App.Send(ctx, r.ChatID, "reply", text, kb)
		if err != nil {
			return err
		}
		msgID = m.ID
	}
	return store.AddAlertCard(ctx, r.App.Store.DB, store.AlertCard{AlertID: al.ID, MemberID: r.Member.ID, ChatID: r.ChatID,
		MessageID: &msgID, Shape: store.CardPublished})
}

// stateLine: "State: cancelled", on a card of an alert no longer live.
func stateLine(a *bot.App, lang string, al *store.Alert) string {
	return a.I18n.T(lang, "alert_state_line", map[string]any{"State": i18n.HTML(html.EscapeString(a.I18n.T(lang, "alert_state_"+al.State, nil)))})
}
