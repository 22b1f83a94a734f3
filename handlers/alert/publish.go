package alert

import (
	"context"
	"fmt"

	"focalbot/bot"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// A published alert as each recipient reads it: rendered at send time in the recipient's
// language and time zone, with Acknowledge and Follow up. The reminder of an unacknowledged
// urgent alert is the same rendering under a reminder line.

const kindAlert = "alert"

func registerPublish(a *bot.App) {
	a.Renderer(kindAlert, renderAlert(a))
}

func renderAlert(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		al, err := store.AlertByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		if al.State != store.AlertPublished {
			return delivery.Message{}, fmt.Errorf("%w: alert %s is %s", delivery.ErrSkip, al.Ref, al.State)
		}
		lang := ui.MemberLang(a, to)
		secret := confidential(a)
		var text string
		if secret {
			text = confidentialHead(a, al, lang)
		} else {
			text = renderAlertFor(a, al, lang, to)
		}
		if row.Variant == variantReminder {
			acked, err := store.Acked(ctx, a.Store.DB, al.ID, to.ID)
			if err != nil {
				return delivery.Message{}, fmt.Errorf("reminder of %s: %w", al.Ref, err)
			}
			if acked {
				return delivery.Message{}, fmt.Errorf("%w: %s acknowledged meanwhile", delivery.ErrSkip, al.Ref)
			}
			text = a.I18n.T(lang, "alert_reminder_head", map[string]any{"Ref": al.Ref}) + "\n\n" + text
		}
		if secret {
			return delivery.Message{Text: text, ReplyMarkup: (&bot.Keyboard{}).Row(appButton(a, al, lang))}, nil
		}
		kb := (&bot.Keyboard{}).Row(
			bot.Button{Text: a.I18n.T(lang, "alert_btn_ack", nil), CallbackData: bot.CB(verbAck, al.ID)},
			bot.Button{Text: a.I18n.T(lang, "alert_btn_followup", nil), CallbackData: bot.CB(verbFollowup, al.ID)})
		return delivery.Message{Text: text, ReplyMarkup: kb}, nil
	}
}
