package alert

import (
	"context"
	"html"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/alert/submission"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// Following up an alert: a recipient (or the author, or an analyst) sends results — text,
// photos, documents — which reach the author and the analysts at once. An analyst can publish
// a follow-up to the whole audience ("seizure confirmed: 120 kg heroin"), and can update or
// cancel a published alert: recipients get the notice pointing to the original reference, and
// a cancelled alert's buttons stop working.
//
// In confidential mode (CONFIDENTIAL_CONTENT) a follow-up is written on the alert's Mini App
// page: Follow up (on a message sent before the switch) answers with Open to it, and a
// follow-up conversation begun before the switch ends at its next step (followupMoved). So
// are an analyst's update and cancellation (submission.Amend, from the page's form): Update and
// Cancel answer with Open, and their text being typed at the switch ends the same way; their
// readers get the heading and Open.

const (
	kindAlertFollowup = submission.KindFollowup
	variantPublished  = submission.VariantPublished
	flowAlertFollowup = "alert_followup"
	flowAlertAmend    = "alert_amend"
)

func registerFollowup(a *bot.App) {
	a.Callback(verbFollowup, bot.Members, followupButton)
	a.Callback(verbFollowupDone, bot.Members, followupDone)
	a.Flow(flowAlertFollowup, bot.Members, followupInput)
	a.Callback(verbFollowupPublish, bot.Analysts, followupPublish)
	a.Callback(verbUpdate, bot.Analysts, amendButton)
	a.Callback(verbCancelAlert, bot.Analysts, amendButton)
	a.Flow(flowAlertAmend, bot.Analysts, amendInput)
	a.Renderer(kindAlertFollowup, renderAlertFollowup(a))
	a.Renderer(kindAlertMark, renderAlertMark(a))
}

type followupState struct {
	AlertID int64  `json:"alert_id"`
	Files   int    `json:"files,omitempty"`
	Kind    string `json:"kind,omitempty"` // amend: update | cancel
}

// mayFollowUp: the audience, the author and the analysts.
func mayFollowUp(ctx context.Context, r *bot.Request, al *store.Alert) (bool, error) {
	if al.AuthorID == r.Member.ID || r.Member.IsAnalyst() {
		return true, nil
	}
	return store.IsRecipient(ctx, r.App.Store.DB, al.ID, r.Member.ID)
}

// followupButton: afu:<id> opens the follow-up conversation.
func followupButton(ctx context.Context, r *bot.Request) error {
	al, err := loadAlert(ctx, r, r.Data().ID(0))
	if err != nil {
		return err
	}
	if ok, err := mayFollowUp(ctx, r, al); err != nil || !ok {
		if err != nil {
			return err
		}
		return bot.Tell("alert_not_found", nil)
	}
	if al.State != store.AlertPublished {
		return stateError(ctx, r, al)
	}
	if confidential(r.App) {
		// No conversation in the chat: the follow-up is written on the alert's Mini App page.
		return r.Reply(ctx, "alert_conf_followup", map[string]any{"Ref": al.Ref}, (&bot.Keyboard{}).Row(appButton(r.App, al, r.Lang)))
	}
	if err := r.SaveConv(ctx, flowAlertFollowup, "input", followupState{AlertID: al.ID}); err != nil {
		return err
	}
	return r.Reply(ctx, "alert_followup_ask", map[string]any{"Ref": al.Ref, "Max": alert.MaxFiles},
		(&bot.Keyboard{}).Row(button(r, "alert_btn_done", bot.CB(verbFollowupDone, al.ID))))
}

func followupDone(ctx context.Context, r *bot.Request) error {
	if r.Conv == nil || r.Conv.Flow != flowAlertFollowup {
		r.Answer(ctx, "alert_draft_gone", nil)
		return nil
	}
	if confidential(r.App) {
		var st followupState
		if err := r.ConvData(&st); err != nil {
			return err
		}
		return followupMoved(ctx, r, &st)
	}
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	return r.Reply(ctx, "alert_followup_done", nil, nil)
}

// followupInput relays each message of the follow-up conversation at once.
func followupInput(ctx context.Context, r *bot.Request) error {
	var st followupState
	if err := r.ConvData(&st); err != nil {
		return err
	}
	if confidential(r.App) {
		return followupMoved(ctx, r, &st)
	}
	al, err := loadAlert(ctx, r, st.AlertID)
	if err != nil {
		return err
	}
	if al.State != store.AlertPublished {
		_ = r.EndConv(ctx)
		return stateError(ctx, r, al)
	}
	msg := r.Update.Message
	f := &store.Followup{AlertID: al.ID, AuthorID: r.Member.ID, Kind: "followup", Text: r.Text(), Lang: writtenIn(r),
		CreatedAt: r.App.Clock.Now()}
	switch {
	case len(msg.Photo) > 0:
		f.FileKind, f.FileID = ptr("photo"), ptr(msg.Photo[len(msg.Photo)-1].FileID)
	case msg.Document != nil:
		f.FileKind, f.FileID = ptr("document"), ptr(msg.Document.FileID)
	}
	if f.FileID != nil {
		if st.Files >= alert.MaxFiles {
			return bot.Tell("alert_err_too_many_files", map[string]any{"Max": alert.MaxFiles})
		}
		st.Files++
	} else if f.Text == "" {
		return r.Reply(ctx, "alert_followup_ask", map[string]any{"Ref": al.Ref, "Max": alert.MaxFiles},
			(&bot.Keyboard{}).Row(button(r, "alert_btn_done", bot.CB(verbFollowupDone, al.ID))))
	}
	if err := followupFits(r, al, f.Kind, f.Text, f.FileID != nil); err != nil {
		return err
	}
	err = r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := submission.Followup(ctx, tx, al, f, nil); err != nil {
			return err
		}
		return store.SaveConversation(ctx, tx, r.From.ID, flowAlertFollowup, "input", st)
	})
	if err != nil {
		return err
	}
	return r.Reply(ctx, "alert_followup_sent", map[string]any{"Ref": al.Ref},
		(&bot.Keyboard{}).Row(button(r, "alert_btn_done", bot.CB(verbFollowupDone, al.ID))))
}

func ptr(s string) *string { return &s }

// followupMoved ends a follow-up conversation begun in the chat before confidential mode was
// switched on (the bot restarted with it), at its next step, typed or pressed: what was sent
// before the switch was relayed then and stays with the alert; what is sent now is not relayed
// (the Mini App's follow-up takes text and files, kept by the server). The person is told so,
// under the Open button to the alert's page, where follow-ups are written from now on.
func followupMoved(ctx context.Context, r *bot.Request, st *followupState) error {
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	al, err := loadAlert(ctx, r, st.AlertID)
	if err != nil {
		return err
	}
	return r.Reply(ctx, "alert_conf_followup_moved", map[string]any{"Ref": al.Ref}, (&bot.Keyboard{}).Row(appButton(r.App, al, r.Lang)))
}

// followupPublish: afp:<followup id> sends a follow-up to the alert's whole audience.
func followupPublish(ctx context.Context, r *bot.Request) error {
	f, err := store.FollowupByID(ctx, r.App.Store.DB, r.Data().ID(0))
	if isNotFound(err) {
		return bot.Tell("alert_not_found", nil)
	}
	if err != nil {
		return err
	}
	al, err := loadAlert(ctx, r, f.AlertID)
	if err != nil {
		return err
	}
	if al.State != store.AlertPublished {
		return stateError(ctx, r, al)
	}
	var n int
	err = r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := store.PublishFollowup(ctx, tx, f.ID, r.Member.ID, r.App.Clock.Now()); err != nil {
			return err
		}
		var err error
		n, err = submission.EnqueueToAudience(ctx, tx, al, f.ID, f.AuthorID)
		if err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: &r.Member.ID, Action: "alert_followup_published",
			SubjectID: &al.ID, After: map[string]any{"followup": f.ID}})
	})
	if isNotFound(err) {
		f, err = store.FollowupByID(ctx, r.App.Store.DB, f.ID)
		if err != nil {
			return err
		}
		by := ""
		if f.PublishedBy != nil {
			if m, err := store.MemberByID(ctx, r.App.Store.DB, *f.PublishedBy); err == nil {
				by = ui.MemberName(r.App, r.Lang, m)
			}
		}
		return bot.Tell("alert_followup_already_published", map[string]any{"Ref": al.Ref, "By": by})
	}
	if err != nil {
		return err
	}
	return r.Reply(ctx, "alert_followup_published", map[string]any{"Ref": al.Ref, "Count": n}, nil)
}

// amendButton: aup:<id> (update) and acx:<id> (cancel) ask the analyst for the text.
func amendButton(ctx context.Context, r *bot.Request) error {
	data := r.Data()
	al, err := loadAlert(ctx, r, data.ID(0))
	if err != nil {
		return err
	}
	if al.State != store.AlertPublished {
		return stateError(ctx, r, al)
	}
	kind := "update"
	if data.Verb == verbCancelAlert {
		kind = "cancel"
	}
	if confidential(r.App) {
		// No text typed in the chat: the update or cancellation is written on the alert's Mini
		// App page.
		return r.Reply(ctx, "alert_conf_amend", map[string]any{"Ref": al.Ref}, (&bot.Keyboard{}).Row(appButton(r.App, al, r.Lang)))
	}
	if err := r.SaveConv(ctx, flowAlertAmend, kind, followupState{AlertID: al.ID, Kind: kind}); err != nil {
		return err
	}
	return ui.Ask(ctx, r, r.T("alert_ask_"+kind, map[string]any{"Ref": al.Ref}), promptCancelKeyboard(r, al.ID))
}

// amendInput publishes an update, or cancels the alert, with the analyst's text.
func amendInput(ctx context.Context, r *bot.Request) error {
	var st followupState
	if err := r.ConvData(&st); err != nil {
		return err
	}
	if confidential(r.App) {
		// Begun before the switch: ended, nothing published; written again on the alert's page.
		if err := r.EndConv(ctx); err != nil {
			return err
		}
		al, err := loadAlert(ctx, r, st.AlertID)
		if err != nil {
			return err
		}
		return r.Reply(ctx, "alert_conf_amend_moved", map[string]any{"Ref": al.Ref}, (&bot.Keyboard{}).Row(appButton(r.App, al, r.Lang)))
	}
	text := r.Text()
	if text == "" {
		return ui.Ask(ctx, r, r.T("alert_ask_"+st.Kind, map[string]any{"Ref": ""}), promptCancelKeyboard(r, st.AlertID))
	}
	al, err := loadAlert(ctx, r, st.AlertID)
	if err != nil {
		return err
	}
	if err := followupFits(r, al, st.Kind, text, false); err != nil {
		return err
	}
	var n int
	err = r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if n, err = submission.Amend(ctx, tx, al, st.Kind, r.Member.ID, text, writtenIn(r), r.App.Clock.Now()); err != nil {
			return err
		}
		return store.EndConversation(ctx, tx, r.From.ID)
	})
	if isNotFound(err) {
		_ = r.EndConv(ctx)
		al, err := loadAlert(ctx, r, st.AlertID)
		if err != nil {
			return err
		}
		return stateError(ctx, r, al)
	}
	if err != nil {
		return err
	}
	return r.Reply(ctx, "alert_amended_"+st.Kind, map[string]any{"Ref": al.Ref, "Count": n}, nil)
}

// renderAlertFollowup renders a follow-up, update or cancellation for its reader: a heading
// with the alert's reference and the writer, the text as written, marked with its language.
func renderAlertFollowup(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		f, err := store.FollowupByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		al, err := store.AlertByID(ctx, a.Store.DB, f.AlertID)
		if err != nil {
			return delivery.Message{}, err
		}
		writer, err := store.MemberByID(ctx, a.Store.DB, f.AuthorID)
		if err != nil {
			return delivery.Message{}, err
		}
		lang := ui.MemberLang(a, to)
		publish := row.Variant == "" && f.Kind == "followup" && to.IsAnalyst() && f.PublishedAt == nil && al.State == store.AlertPublished
		if confidential(a) {
			// The text and the files (sent in the chat, or uploaded with it in the Mini App and
			// kept by the server) are read in the Mini App, under the alert: the heading alone.
			kb := (&bot.Keyboard{}).Row(appButton(a, al, lang))
			if publish {
				kb.Row(bot.Button{Text: a.I18n.T(lang, "alert_btn_publish_followup", nil), CallbackData: bot.CB(verbFollowupPublish, f.ID)})
			}
			return delivery.Message{Text: followupText(a, lang, f.Kind, al, writer, f.Lang, ""), ReplyMarkup: kb}, nil
		}
		msg := delivery.Message{Text: followupText(a, lang, f.Kind, al, writer, f.Lang, f.Text)}
		if f.FileID != nil {
			if *f.FileKind == "document" {
				msg.DocumentFileID = *f.FileID
			} else {
				msg.PhotoFileID = *f.FileID
			}
		}
		if publish {
			msg.ReplyMarkup = (&bot.Keyboard{}).Row(bot.Button{Text: a.I18n.T(lang, "alert_btn_publish_followup", nil),
				CallbackData: bot.CB(verbFollowupPublish, f.ID)})
		}
		return msg, nil
	}
}

// followupText is a follow-up, update or cancellation as its reader in lang gets it: a heading
// with the alert's reference and the writer, then the text as written.
func followupText(a *bot.App, lang, kind string, al *store.Alert, writer *store.Member, writtenLang, text string) string {
	out := a.I18n.T(lang, "alert_"+kind+"_head", map[string]any{
		"Ref": al.Ref, "By": ui.MemberName(a, lang, writer), "Drill": al.Drill,
		"Lang": i18n.TextLanguage(a.I18n.T, lang, writtenLang, text)})
	if text != "" {
		out += "\n" + i18n.Isolate(lang, html.EscapeString(text))
	}
	return out
}

// followupFits refuses, when it is typed, a follow-up, update or cancellation text (or a
// file's caption) that would not fit one message (or caption) with its heading in every
// language the bot speaks (bot/alert.Fit): told the length and the limit, never cut later.
func followupFits(r *bot.Request, al *store.Alert, kind, text string, caption bool) error {
	n, limit, ok := followupLength(r.App, al, r.Member, writtenIn(r), kind, text, caption)
	if ok {
		return nil
	}
	return bot.Tell("text_too_long_rendered", map[string]any{"Length": n, "Max": limit, "Over": n - limit})
}

// followupLength is the longest a follow-up text will be once rendered, the limit it must
// fit, and whether it does.
func followupLength(a *bot.App, al *store.Alert, writer *store.Member, writtenLang, kind, text string, caption bool) (n, limit int, ok bool) {
	limit = alert.MaxMessage
	if caption {
		limit = alert.MaxCaption
	}
	n, ok = alert.Fit(a.I18n.Languages(), limit, func(lang string) string {
		return followupText(a, lang, kind, al, writer, writtenLang, text)
	})
	return n, limit, ok
}
