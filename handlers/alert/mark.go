package alert

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/alert/alerttext"
	"focalbot/bot/alert/submission"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
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
	kindAlertMark = submission.KindMark
	// editWindow is Telegram's 48 hours, less a margin for the time the row waits in the queue.
	editWindow = 47 * time.Hour
)

// The analysts' copies of a submitted revision (renderAlertVerify) change the same way: once
// one analyst decides, or the author withdraws it, every other analyst's copy is edited
// through the outbox (kind alert_mark, ref the alert, variant "verify:r<revision>") to say who
// decided what, above the alert, without the decision buttons (the Mini App's button of
// confidential mode stays). A press of an old copy is still told who decided (stateError).
const verifyMarkPrefix = submission.VerifyMarkPrefix

// renderVerifyMark edits an analyst's copy of a revision into the decision taken on it.
func renderVerifyMark(ctx context.Context, a *bot.App, row delivery.Row, to *store.Member) (delivery.Message, error) {
	al, err := store.AlertByID(ctx, a.Store.DB, row.RefID)
	if err != nil {
		return delivery.Message{}, err
	}
	rev := strings.TrimPrefix(row.Variant, verifyMarkPrefix)
	state := al.State
	if rev != fmt.Sprintf("r%d", al.Revision) {
		state = store.AlertReturned // only a returned revision is followed by another
	} else if state == store.AlertSubmitted {
		return delivery.Message{}, fmt.Errorf("%w: %s still awaits a decision", delivery.ErrSkip, al.Ref)
	}
	msgID, sentAt, err := delivery.SentMessage(ctx, a.Store.DB, kindAlertVerify, al.ID, rev, to.ID)
	if errors.Is(err, store.ErrNotFound) {
		return delivery.Message{}, fmt.Errorf("%w: %s %s never reached them", delivery.ErrSkip, al.Ref, rev)
	}
	if err != nil {
		return delivery.Message{}, err
	}
	// Telegram's window runs on its clock, which is the real one.
	if time.Since(sentAt) > editWindow {
		return delivery.Message{}, fmt.Errorf("%w: %s sent %s ago, past Telegram's edit window", delivery.ErrSkip, al.Ref, time.Since(sentAt).Round(time.Minute))
	}
	lang := ui.MemberLang(a, to)
	var mark string
	switch state {
	case store.AlertWithdrawn:
		mark = a.I18n.T(lang, "alert_is_withdrawn", map[string]any{"Ref": al.Ref})
	default:
		by := ""
		if al.DecidedBy != nil {
			if m, err := store.MemberByID(ctx, a.Store.DB, *al.DecidedBy); err == nil {
				by = ui.MemberName(a, lang, m)
			}
		}
		mark = a.I18n.T(lang, "alert_already_decided", map[string]any{"Ref": al.Ref, "By": by,
			"Outcome": i18n.HTML(a.I18n.T(lang, "alert_state_"+state, nil))})
	}
	text, kb, err := verifyText(ctx, a, al, lang, to, true)
	if err != nil {
		return delivery.Message{}, err
	}
	if alert.UTF16Len(mark+"\n\n"+text) > alert.MaxMessage {
		if text, kb, err = verifyText(ctx, a, al, lang, to, false); err != nil { // without the linked alerts
			return delivery.Message{}, err
		}
	}
	if len(kb.InlineKeyboard) == 0 {
		kb = nil
	}
	return delivery.Message{Text: mark + "\n\n" + text, ReplyMarkup: kb, EditMessageID: msgID}, nil
}

func renderAlertMark(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		if strings.HasPrefix(row.Variant, verifyMarkPrefix) {
			return renderVerifyMark(ctx, a, row, to)
		}
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
		if confidential(a) {
			// The alert's header and Open, as it was sent; the cancellation's reason is read on
			// the alert's page, like the update's text.
			mark := a.I18n.T(lang, "alert_conf_mark_cancelled", map[string]any{
				"By": ui.AgencyLabel(a, lang, "caricc"), "Time": ui.Time(to, f.CreatedAt)})
			if f.Kind != "cancel" {
				mark = a.I18n.T(lang, "alert_mark_updated", map[string]any{"Time": ui.Time(to, f.CreatedAt)})
			}
			msg.Text, msg.ReplyMarkup = mark+"\n\n"+confidentialHead(a, al, lang), (&bot.Keyboard{}).Row(appButton(a, al, lang))
			return msg, nil
		}
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
