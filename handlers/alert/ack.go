package alert

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/alert/submission"
	"focalbot/bot/delivery"
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

// ackButton: aack:<id>. The acknowledgement and the refresh of the author's and the analysts'
// cards are one transaction; the presser's copies of the alert (the one pressed, the original
// and its reminder) then say who acknowledged and when, without Acknowledge.
func ackButton(ctx context.Context, r *bot.Request) error {
	al, err := loadAlert(ctx, r, r.Data().ID(0))
	if err != nil {
		return err
	}
	if al.State != store.AlertPublished {
		return stateError(ctx, r, al)
	}
	ok, err := submission.Acknowledge(ctx, r.App.Store, al, r.Member.ID, r.App.Clock.Now())
	if err != nil {
		return err
	}
	if ok {
		r.Answer(ctx, "alert_acked", map[string]any{"Ref": al.Ref})
		return showAcked(ctx, r, al)
	}
	recipient, err := store.IsRecipient(ctx, r.App.Store.DB, al.ID, r.Member.ID)
	if err != nil {
		return err
	}
	if !recipient {
		return bot.Tell("alert_not_found", nil)
	}
	r.Answer(ctx, "alert_already_acked", map[string]any{"Ref": al.Ref})
	return showAcked(ctx, r, al) // a reminder's button, pressed after the alert's own
}

// showAcked edits what the presser holds of the alert: their copies delivered through the
// outbox (the alert and its reminder) are rendered again with the acknowledgement on top, and
// a view of /alert REF (or a list's button) is shown again without Acknowledge. A message past
// Telegram's edit window keeps what it shows; the toast said it.
func showAcked(ctx context.Context, r *bot.Request, al *store.Alert) error {
	if confidential(r.App) {
		return nil // the content is in the Mini App; the message carries only Open
	}
	pressed := 0
	if q := r.Update.CallbackQuery; q != nil && q.Message.Message != nil {
		pressed = q.Message.Message.ID
	}
	text, kb, err := recipientCopy(ctx, r.App, al, r.Member, r.Lang)
	if err != nil {
		return err
	}
	copyPressed := false
	for _, variant := range []string{"", variantReminder} {
		msgID, sentAt, err := delivery.SentMessage(ctx, r.App.Store.DB, kindAlert, al.ID, variant, r.Member.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && time.Since(sentAt) > editWindow) {
			continue
		}
		if err != nil {
			return err
		}
		copyPressed = copyPressed || msgID == pressed
		if err := r.App.Edit(ctx, r.ChatID, msgID, text, kb); err != nil {
			r.App.Log.Warn("acknowledged alert not edited", "chat_id", r.ChatID, "err", err)
		}
	}
	if copyPressed || pressed == 0 {
		return nil
	}
	view, err := viewText(ctx, r, al)
	if err != nil {
		return err
	}
	vkb, err := viewKeyboard(ctx, r, al)
	if err != nil {
		return err
	}
	if parts := alert.Split(view, alert.MaxMessage); len(parts) == 1 {
		err = r.App.Edit(ctx, r.ChatID, pressed, view, vkb)
	} else {
		err = r.App.EditMarkup(ctx, r.ChatID, pressed, vkb) // the keyboard is on the last part
	}
	if err != nil {
		r.App.Log.Warn("acknowledged alert view not edited", "chat_id", r.ChatID, "err", err)
	}
	return nil
}

// recipientCopy is a recipient's copy of a published alert as it stands: who acknowledged it
// and when (or Acknowledge), whether it was updated since, the alert in the reader's language
// and time zone, and Follow up.
func recipientCopy(ctx context.Context, a *bot.App, al *store.Alert, to *store.Member, lang string) (string, *bot.Keyboard, error) {
	text := renderAlertFor(a, al, lang, to)
	fs, err := store.Followups(ctx, a.Store.DB, al.ID, false)
	if err != nil {
		return "", nil, err
	}
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].Kind == "update" {
			text = a.I18n.T(lang, "alert_mark_updated", map[string]any{"Time": ui.Time(to, fs[i].CreatedAt)}) + "\n\n" + text
			break
		}
	}
	at, err := store.AckedAt(ctx, a.Store.DB, al.ID, to.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", nil, err
	}
	followup := bot.Button{Text: a.I18n.T(lang, "alert_btn_followup", nil), CallbackData: bot.CB(verbFollowup, al.ID)}
	if at == nil {
		ack := bot.Button{Text: a.I18n.T(lang, "alert_btn_ack", nil), CallbackData: bot.CB(verbAck, al.ID)}
		return text, (&bot.Keyboard{}).Row(ack, followup), nil
	}
	return ackedLine(a, lang, to, *at) + "\n\n" + text, (&bot.Keyboard{}).Row(followup), nil
}

// ackedLine: "✅ Acknowledged by Dilshod, Termez customs post, 2026-03-02 14:02 UTC+5".
func ackedLine(a *bot.App, lang string, m *store.Member, at time.Time) string {
	name, _ := ui.MemberParts(a, lang, m)
	return a.I18n.T(lang, "alert_acked_by", map[string]any{"Name": name, "Time": ui.Time(m, at)})
}

// ackStatusButton: aas:<id>, for the author and the analysts. The answer lists everyone who
// has not acknowledged; when it fits one message it is a card, kept current in place.
func ackStatusButton(ctx context.Context, r *bot.Request) error {
	al, err := loadAlert(ctx, r, r.Data().ID(0))
	if err != nil {
		return err
	}
	if al.AuthorID != r.Member.ID && !r.Member.IsAnalyst() {
		return bot.Tell("alert_not_found", nil)
	}
	text, err := ackStatus(ctx, r.App, al, r.Lang, false)
	if err != nil {
		return err
	}
	parts := alert.Split(text, alert.MaxMessage)
	if len(parts) > 1 || al.State != store.AlertPublished {
		return ui.SendChunks(ctx, r, parts, nil)
	}
	m, err := r.App.Send(ctx, r.ChatID, "reply", text, nil)
	if err != nil {
		return err
	}
	return store.AddAlertCard(ctx, r.App.Store.DB, store.AlertCard{AlertID: al.ID, MemberID: r.Member.ID, ChatID: r.ChatID,
		MessageID: &m.ID, Shape: store.CardStatus})
}

// ackStatus: "ALR-…: acknowledged by 3 of 5 recipients. Not yet:" and who, by country (or
// agency, for those of no country), in the reader's language. compact gives, where the names
// would not fit a message, how many per country instead.
func ackStatus(ctx context.Context, a *bot.App, al *store.Alert, lang string, compact bool) (string, error) {
	rs, err := store.AlertRecipients(ctx, a.Store.DB, al.ID)
	if err != nil {
		return "", err
	}
	acked := 0
	type silent struct{ where, name string }
	var missing []silent
	for _, rc := range rs {
		if rc.AckedAt != nil {
			acked++
			continue
		}
		_, where := ui.MemberParts(a, lang, &rc.Member)
		missing = append(missing, silent{where, ui.MemberName(a, lang, &rc.Member)})
	}
	text := a.I18n.N(lang, "alert_ack_count", len(rs), map[string]any{"Ref": al.Ref, "Acked": acked})
	if len(missing) == 0 {
		return text, nil
	}
	// By country (or agency), then by name; counted per country where the names would not fit.
	slices.SortStableFunc(missing, func(x, y silent) int { return cmp.Or(cmp.Compare(x.where, y.where), cmp.Compare(x.name, y.name)) })
	byName := []string{text, a.I18n.T(lang, "alert_ack_missing_head", nil)}
	byCount := slices.Clone(byName)
	for i, m := range missing {
		byName = append(byName, a.I18n.T(lang, "alert_ack_missing_line", map[string]any{"Name": m.name}))
		if i == 0 || missing[i-1].where != m.where {
			n := 0
			for _, o := range missing[i:] {
				if o.where == m.where {
					n++
				}
			}
			byCount = append(byCount, a.I18n.T(lang, "alert_ack_missing_group_count", map[string]any{"Where": m.where, "Count": n}))
		}
	}
	full := strings.Join(byName, "\n")
	if compact && alert.UTF16Len(full) > cardBudget {
		return strings.Join(byCount, "\n"), nil
	}
	return full, nil
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
		status, err := ackStatus(ctx, a, al, lang, true)
		if err != nil {
			return delivery.Message{}, err
		}
		text := a.I18n.T(lang, "alert_silent_head", map[string]any{"Ref": al.Ref, "Drill": al.Drill}) + "\n" + status
		kb := (&bot.Keyboard{}).Row(bot.Button{Text: a.I18n.T(lang, "alert_btn_acks", nil), CallbackData: bot.CB(verbAcks, al.ID)})
		return delivery.Message{Text: text, ReplyMarkup: kb}, nil
	}
}
