package broadcast

// Sending a broadcast: confirming it, fanning it out to the outbox now or when its time comes,
// rendering each recipient's version, and the acknowledgements.

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// confirm sends the draft, or schedules it. The state changes by a conditional update from
// draft, in the transaction that queues the messages: a second press finds no draft and does
// nothing, and a failure queues nothing.
func confirm(ctx context.Context, r *bot.Request, b *store.Broadcast) error {
	a := r.App
	now := a.Clock.Now()
	var sent int
	scheduled := b.ScheduledFor != nil
	err := a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		// A draft whose texts are written in the Mini App may have none yet (a forged Send).
		if texts, err := store.BroadcastTexts(ctx, tx, b.ID); err != nil {
			return err
		} else if len(texts) == 0 {
			return bot.Tell("bc_conf_no_text", nil)
		}
		if scheduled {
			if !b.ScheduledFor.After(now) {
				return bot.Tell("bc_schedule_past", map[string]any{"Now": ui.Time(r.Member, now)})
			}
			n, err := store.CountBroadcastAudience(ctx, tx, b)
			if err != nil {
				return err
			}
			if n == 0 {
				return bot.Tell("bc_zero_audience", nil)
			}
			if _, err := store.TransitionBroadcast(ctx, tx, b.ID, r.Member.ID, store.BroadcastDraft, store.BroadcastScheduled); err != nil {
				return err
			}
			if err := store.Audit(ctx, tx, store.AuditEntry{ActorID: &r.Member.ID, Action: "broadcast_scheduled", SubjectID: &b.ID,
				After: map[string]any{"scheduled_for": b.ScheduledFor, "recipients_now": n}}); err != nil {
				return err
			}
		} else {
			cur, err := store.TransitionBroadcast(ctx, tx, b.ID, r.Member.ID, store.BroadcastDraft, store.BroadcastSent)
			if err != nil {
				return err
			}
			if sent, err = deliver(ctx, a, tx, cur, now); err != nil {
				return err
			}
			if sent == 0 {
				return bot.Tell("bc_zero_audience", nil) // rolls the transition back
			}
			if err := store.Audit(ctx, tx, store.AuditEntry{ActorID: &r.Member.ID, Action: "broadcast_sent", SubjectID: &b.ID,
				After: map[string]any{"recipients": sent}}); err != nil {
				return err
			}
		}
		return store.EndConversation(ctx, tx, r.From.ID)
	})
	if errors.Is(err, store.ErrNotFound) {
		r.Answer(ctx, "bc_not_draft", nil)
		return nil
	}
	if err != nil {
		return err
	}
	if scheduled {
		kb := (&bot.Keyboard{}).Row(bot.Button{Text: r.T("bc_btn_cancel_scheduled", nil), CallbackData: bot.CB(verbCancel, b.ID)})
		return ui.Show(ctx, r, r.T("bc_scheduled", map[string]any{"ID": b.ID, "When": ui.Time(r.Member, *b.ScheduledFor)}), kb)
	}
	// The draft's panel shows the outcome; of its buttons only the report still makes sense.
	kb := (&bot.Keyboard{}).Row(bot.Button{Text: r.T("bc_btn_details", map[string]any{"ID": b.ID}), CallbackData: bot.CB(verbReport, b.ID)})
	return ui.Show(ctx, r, r.T("bc_sent", map[string]any{"ID": b.ID,
		"Recipients": i18n.HTML(a.I18n.N(r.Lang, "bc_recipients", sent, nil))}), kb)
}

// deliver queues a broadcast for its audience as it is now and records who it went to. It
// returns the number of recipients (0: nobody matched, nothing queued).
func deliver(ctx context.Context, a *bot.App, tx *sqlx.Tx, b *store.Broadcast, now time.Time) (int, error) {
	recipients, err := store.BroadcastAudience(ctx, tx, b)
	if err != nil || len(recipients) == 0 {
		return 0, err
	}
	if err := store.RecordBroadcastSent(ctx, tx, b.ID, now, recipients); err != nil {
		return 0, err
	}
	items := make([]delivery.Item, len(recipients))
	for i, m := range recipients {
		items[i] = delivery.Item{MemberID: m.MemberID, ChatID: m.ChatID, Kind: kind, RefID: b.ID, Priority: delivery.Priority(b.Priority)}
	}
	if _, err := delivery.Enqueue(ctx, tx, items); err != nil {
		return 0, err
	}
	return len(recipients), nil
}

// sendDue is the job that sends scheduled broadcasts whose time has come (by the App's
// clock). Each is claimed with SKIP LOCKED and moved out of 'scheduled' in the transaction
// that queues it, so it goes out once even with several instances.
func sendDue(ctx context.Context, a *bot.App, now time.Time) error {
	return a.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		due, err := store.ClaimDueBroadcasts(ctx, tx, now)
		if err != nil {
			return err
		}
		for i := range due {
			b := &due[i]
			n, err := deliver(ctx, a, tx, b, now)
			if err != nil {
				return err
			}
			to := store.BroadcastSent
			if n == 0 {
				to = store.BroadcastCancelled // nobody matched any more: nothing went out
			}
			if _, err := store.TransitionBroadcast(ctx, tx, b.ID, 0, store.BroadcastScheduled, to); err != nil {
				return err
			}
			if err := store.Audit(ctx, tx, store.AuditEntry{Action: "broadcast_sent_scheduled", SubjectID: &b.ID,
				After: map[string]any{"recipients": n}}); err != nil {
				return err
			}
			author, err := store.MemberByID(ctx, a.Store.DB, b.AuthorID)
			if err != nil {
				return err
			}
			if _, err := delivery.Enqueue(ctx, tx, []delivery.Item{{MemberID: author.ID, ChatID: author.ChatID,
				Kind: noticeKind, RefID: b.ID, Priority: delivery.High}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// compose renders a broadcast's text for a reader: their language's version, else the
// fallback (labelled with its language). ui is the language of the bot's own words. It returns
// the HTML and the language of the version used.
func compose(a *bot.App, b *store.Broadcast, texts map[string]string, readerLang, ui string) (string, string) {
	lang := readerLang
	text, ok := texts[lang]
	if !ok {
		lang = b.FallbackLang
		text = texts[lang]
	}
	var sb strings.Builder
	sb.WriteString(a.I18n.T(ui, fmt.Sprintf("bc_header_%d", b.Priority), nil))
	if lang != readerLang {
		sb.WriteString("\n")
		sb.WriteString(a.I18n.T(ui, "bc_version_in", map[string]any{"Language": i18n.NativeName(lang)}))
	}
	sb.WriteString("\n\n")
	sb.WriteString(i18n.Isolate(ui, html.EscapeString(text)))
	return sb.String(), lang
}

// confidentialBody is all of a confidential broadcast that goes through Telegram: its header
// (the priority) and a line saying that the text is read with Open.
func confidentialBody(a *bot.App, b *store.Broadcast, lang string) string {
	return a.I18n.T(lang, fmt.Sprintf("bc_header_%d", b.Priority), nil) + "\n\n" + a.I18n.T(lang, "bc_conf_body", nil)
}

// renderer renders a broadcast for one recipient at send time, in their language.
func renderer(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		b, err := store.BroadcastByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		if b.State != store.BroadcastSent {
			return delivery.Message{}, fmt.Errorf("broadcast #%d is %s: %w", b.ID, b.State, delivery.ErrSkip)
		}
		texts, err := store.BroadcastTexts(ctx, a.Store.DB, b.ID)
		if err != nil {
			return delivery.Message{}, err
		}
		lang := ui.MemberLang(a, to)
		if b.Confidential {
			// The header and Open; the text and the file are read, and the broadcast
			// acknowledged, in the Mini App. Never the text, even with the console away (then
			// without Open).
			msg := delivery.Message{Text: confidentialBody(a, b, lang)}
			if a.ConsoleURL() != "" {
				msg.ReplyMarkup = (&bot.Keyboard{}).Row(a.AppButton(lang, fmt.Sprintf("/app/broadcasts/%d", b.ID)))
			}
			return msg, nil
		}
		body, _ := compose(a, b, texts, lang, lang)
		msg := delivery.Message{Text: body, PhotoFileID: b.PhotoFileID, DocumentFileID: b.DocumentFileID}
		if b.AckRequested {
			msg.ReplyMarkup = (&bot.Keyboard{}).Row(bot.Button{Text: a.I18n.T(lang, "bc_btn_ack", nil), CallbackData: bot.CB(verbAck, b.ID)})
		}
		return msg, nil
	}
}

// noticeRenderer tells the author that a scheduled broadcast went out (or found nobody).
func noticeRenderer(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		b, err := store.BroadcastByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		lang := ui.MemberLang(a, to)
		if b.State != store.BroadcastSent {
			return delivery.Message{Text: a.I18n.T(lang, "bc_notice_nobody", map[string]any{"ID": b.ID})}, nil
		}
		return delivery.Message{Text: a.I18n.T(lang, "bc_notice_sent", map[string]any{"ID": b.ID,
			"Recipients": i18n.HTML(a.I18n.N(lang, "bc_recipients", b.Recipients, nil))})}, nil
	}
}

// ack records a recipient's acknowledgement (bca:<id>); a second press changes nothing.
func ack(ctx context.Context, r *bot.Request) error {
	id := r.Data().ID(0)
	if id == 0 {
		return nil // forged: the empty answer
	}
	recorded, err := store.AckBroadcast(ctx, r.App.Store.DB, id, r.Member.ID, r.App.Clock.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		r.Answer(ctx, "bc_ack_not_recipient", nil)
		return nil
	case err != nil:
		return err
	case !recorded:
		r.Answer(ctx, "bc_ack_already", nil)
		return nil
	}
	r.Answer(ctx, "bc_acked", nil)
	// The button has done its work: take it off the message.
	if q := r.Update.CallbackQuery; q.Message.Message != nil {
		if err := r.App.EditMarkup(ctx, r.ChatID, q.Message.Message.ID, nil); err != nil {
			r.App.Log.Warn("acknowledge button not removed", "chat_id", r.ChatID, "err", err)
		}
	}
	return nil
}

// cancelScheduled cancels a scheduled broadcast before it goes out (bcx:<id>).
func cancelScheduled(ctx context.Context, r *bot.Request) error {
	id := r.Data().ID(0)
	if id == 0 {
		return nil // forged: the empty answer
	}
	err := r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := store.TransitionBroadcast(ctx, tx, id, r.Member.ID, store.BroadcastScheduled, store.BroadcastCancelled); err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: &r.Member.ID, Action: "broadcast_cancelled", SubjectID: &id})
	})
	if errors.Is(err, store.ErrNotFound) {
		return bot.Tell("bc_cancel_too_late", map[string]any{"ID": id})
	}
	if err != nil {
		return err
	}
	return ui.Show(ctx, r, r.T("bc_cancelled_scheduled", map[string]any{"ID": id}), nil)
}
