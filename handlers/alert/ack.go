package alert

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// Acknowledging an alert: one press per recipient is recorded (a double tap has one effect).
// The author and the analysts see "acknowledged by N of M" and who is missing. An urgent alert
// not acknowledged within ALERT_ACK_TIMEOUT gets one reminder to the silent recipients; as long
// again, and the analysts get the list of who is still silent. The job runs on the App's
// clock; claims are conditional updates, so several instances do each step once.

const (
	kindAlertSilent = "alert_silent" // to each analyst: who has not acknowledged an urgent alert
	variantReminder = "reminder"
)

func registerAck(a *bot.App) {
	a.Callback(verbAck, bot.Members, ackButton)
	a.Callback(verbAcks, bot.Members, ackStatusButton)
	a.Renderer(kindAlertSilent, renderAlertSilent(a))
	a.Job("alert_ack_watch", time.Minute, func(ctx context.Context, now time.Time) error {
		return watchAcks(ctx, a, now)
	})
}

// ackButton: aack:<id>.
func ackButton(ctx context.Context, r *bot.Request) error {
	al, err := loadAlert(ctx, r, r.Data().ID(0))
	if err != nil {
		return err
	}
	if al.State != store.AlertPublished {
		return stateError(ctx, r, al)
	}
	ok, err := store.Acknowledge(ctx, r.App.Store.DB, al.ID, r.Member.ID, r.App.Clock.Now())
	if err != nil {
		return err
	}
	if ok {
		r.Answer(ctx, "alert_acked", map[string]any{"Ref": al.Ref})
		dropAckButton(ctx, r, al.ID)
		return nil
	}
	recipient, err := store.IsRecipient(ctx, r.App.Store.DB, al.ID, r.Member.ID)
	if err != nil {
		return err
	}
	if !recipient {
		return bot.Tell("alert_not_found", nil)
	}
	r.Answer(ctx, "alert_already_acked", map[string]any{"Ref": al.Ref})
	dropAckButton(ctx, r, al.ID) // a reminder's button, pressed after the alert's own
	return nil
}

// dropAckButton takes Acknowledge off the pressed message, keeping Follow up: the toast is
// gone in a second, and a button still offering to acknowledge would leave the officer
// wondering later whether they did (broadcasts do the same).
func dropAckButton(ctx context.Context, r *bot.Request, alertID int64) {
	q := r.Update.CallbackQuery
	if q == nil || q.Message.Message == nil {
		return
	}
	kb := (&bot.Keyboard{}).Row(button(r, "alert_btn_followup", bot.CB(verbFollowup, alertID)))
	if err := r.App.EditMarkup(ctx, r.ChatID, q.Message.Message.ID, kb); err != nil {
		r.App.Log.Warn("acknowledge button not removed", "chat_id", r.ChatID, "err", err)
	}
}

// ackStatusButton: aas:<id>, for the author and the analysts.
func ackStatusButton(ctx context.Context, r *bot.Request) error {
	al, err := loadAlert(ctx, r, r.Data().ID(0))
	if err != nil {
		return err
	}
	if al.AuthorID != r.Member.ID && !r.Member.IsAnalyst() {
		return bot.Tell("alert_not_found", nil)
	}
	text, err := ackStatus(ctx, r.App, al, r.Lang)
	if err != nil {
		return err
	}
	return ui.SendLong(ctx, r, text, nil)
}

// ackStatus: "ALR-…: acknowledged by 3 of 5. Not yet: …".
func ackStatus(ctx context.Context, a *bot.App, al *store.Alert, lang string) (string, error) {
	rs, err := store.AlertRecipients(ctx, a.Store.DB, al.ID)
	if err != nil {
		return "", err
	}
	acked := 0
	var silent []string
	for _, rc := range rs {
		if rc.AckedAt != nil {
			acked++
		} else {
			silent = append(silent, ui.MemberName(a, lang, &rc.Member))
		}
	}
	text := a.I18n.N(lang, "alert_ack_count", len(rs), map[string]any{"Ref": al.Ref, "Acked": acked})
	if len(silent) > 0 {
		text += "\n" + a.I18n.T(lang, "alert_ack_missing", map[string]any{"Names": i18n.JoinList(lang, silent)})
	}
	return text, nil
}

// watchAcks sends the reminders and escalations that are due at now.
func watchAcks(ctx context.Context, a *bot.App, now time.Time) error {
	timeout := a.Config.AlertAckTimeout
	if timeout <= 0 {
		timeout = 30 * time.Minute
	}
	return a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		due, err := store.ClaimAckReminders(ctx, tx, now.Add(-timeout), now)
		if err != nil {
			return err
		}
		var items []delivery.Item
		for _, al := range due {
			rs, err := store.AlertRecipients(ctx, tx, al.ID)
			if err != nil {
				return err
			}
			for _, rc := range rs {
				if rc.AckedAt == nil {
					items = append(items, delivery.Item{MemberID: rc.ID, ChatID: rc.ChatID, Kind: kindAlert, RefID: al.ID,
						Variant: variantReminder, Priority: delivery.Urgent})
				}
			}
		}
		escalate, err := store.ClaimAckEscalations(ctx, tx, now.Add(-timeout), now)
		if err != nil {
			return err
		}
		if len(escalate) > 0 {
			analysts, err := store.Analysts(ctx, tx)
			if err != nil {
				return err
			}
			for _, al := range escalate {
				for _, m := range analysts {
					items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: kindAlertSilent,
						RefID: al.ID, Priority: delivery.Urgent})
				}
			}
		}
		_, err = delivery.Enqueue(ctx, tx, items)
		return err
	})
}

// renderAlertSilent lists, at send time, who has still not acknowledged; nothing is sent when
// everyone has by then.
func renderAlertSilent(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		al, err := store.AlertByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		counts, err := store.AlertAckCounts(ctx, a.Store.DB, al.ID)
		if err != nil {
			return delivery.Message{}, err
		}
		if al.State != store.AlertPublished || counts.Acked == counts.Total {
			return delivery.Message{}, fmt.Errorf("%w: %s needs no chasing", delivery.ErrSkip, al.Ref)
		}
		lang := ui.MemberLang(a, to)
		status, err := ackStatus(ctx, a, al, lang)
		if err != nil {
			return delivery.Message{}, err
		}
		text := a.I18n.T(lang, "alert_silent_head", map[string]any{"Ref": al.Ref, "Drill": al.Drill}) + "\n" + status
		kb := (&bot.Keyboard{}).Row(bot.Button{Text: a.I18n.T(lang, "alert_btn_acks", nil), CallbackData: bot.CB(verbAcks, al.ID)})
		return delivery.Message{Text: text, ReplyMarkup: kb}, nil
	}
}
