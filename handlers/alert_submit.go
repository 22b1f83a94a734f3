package handlers

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// Submitting an alert: /alert runs a guided conversation made for a phone (buttons for every
// choice, free text only for identifiers, places, goods, quantity and the description), each
// answer checked at once and the draft saved in the conversations table at every step, so it
// survives a restart. A whole alert pasted as "Label: value" lines (labels in any language)
// is parsed at once instead. Both end on the same review screen; Submit gives the reference
// number and sends the alert to CARICC's analysts.

const flowAlert = "alert"

// Steps of the guided conversation, in order.
const (
	stepClass       = "class"
	stepDrill       = "drill"
	stepConveyance  = "conv"
	stepIdentKind   = "ident_kind"
	stepIdentValue  = "ident_value"
	stepRouteRole   = "route_role"
	stepRoutePlace  = "route_place"
	stepSubstance   = "substance"
	stepRisks       = "risks"
	stepConcealment = "concealment"
	stepGoods       = "goods"
	stepQuantity    = "quantity"
	stepText        = "text"
	stepFiles       = "files"
	stepReview      = "review"
)

// stepOrder gives the next step of each; identifiers and route are loops that end with Done.
var stepOrder = []string{stepClass, stepDrill, stepConveyance, stepIdentKind, stepRouteRole, stepSubstance,
	stepRisks, stepConcealment, stepGoods, stepQuantity, stepText, stepFiles, stepReview}

// alertDraft is the conversation's data: the content so far and where we are.
type alertDraft struct {
	AlertID int64         `json:"alert_id,omitempty"` // revising a returned alert
	Content alert.Content `json:"content"`
	Editing bool          `json:"editing,omitempty"` // a step opened from the review: back to it when done
	Kind    string        `json:"kind,omitempty"`    // the identifier kind or route role being typed
	Album   string        `json:"album,omitempty"`   // media_group_id of the album whose first photo was answered
}

func registerAlertSubmit(a *bot.App) {
	a.Command("alert", bot.Contributors, alertCommand)
	a.Flow(flowAlert, bot.Members, alertDraftInput)
	a.Callback("ad", bot.Members, alertDraftButton)
	a.Callback("awd", bot.Members, alertWithdraw)
	a.Callback("arv", bot.Members, alertRevise)
}

// alertCommand: "/alert" starts (or resumes) a draft, "/alert ALR-…" shows one alert, and
// "/alert" followed by Label: value lines is a pasted alert.
func alertCommand(ctx context.Context, r *bot.Request) error {
	_, arg := r.Command()
	if strings.HasPrefix(strings.ToUpper(arg), "ALR-") && !strings.Contains(arg, "\n") {
		return showAlert(ctx, r, arg)
	}
	if r.Member.Role == store.RoleObserver {
		return bot.Tell("error_not_allowed", nil)
	}
	if arg != "" {
		var d alertDraft
		if r.Conv != nil && r.Conv.Flow == flowAlert {
			_ = r.ConvData(&d)
		}
		return pastedForm(ctx, r, &d, arg)
	}
	if r.Conv != nil && r.Conv.Flow == flowAlert {
		var d alertDraft
		if err := r.ConvData(&d); err != nil {
			return err
		}
		if err := r.Reply(ctx, "alert_resume", nil, nil); err != nil {
			return err
		}
		return prompt(ctx, r, r.Conv.Step, &d)
	}
	d := &alertDraft{Content: alert.Content{Lang: writtenIn(r)}}
	if err := r.Reply(ctx, "alert_intro", map[string]any{
		"Template": alert.Template(r.App.I18n, r.Lang)}, nil); err != nil {
		return err
	}
	return goTo(ctx, r, stepClass, d)
}

// goTo saves the draft at a step and asks its question.
func goTo(ctx context.Context, r *bot.Request, step string, d *alertDraft) error {
	if err := r.SaveConv(ctx, flowAlert, step, d); err != nil {
		return err
	}
	return prompt(ctx, r, step, d)
}

// advance moves past a finished step: to the next one, or back to the review when the step
// was opened from there.
func advance(ctx context.Context, r *bot.Request, from string, d *alertDraft) error {
	if d.Editing {
		d.Editing = false
		return goTo(ctx, r, stepReview, d)
	}
	for i, s := range stepOrder {
		if s == from && i+1 < len(stepOrder) {
			return goTo(ctx, r, stepOrder[i+1], d)
		}
	}
	return goTo(ctx, r, stepReview, d)
}

// vocabKeyboard lays out a vocabulary's choices two to a row; marked codes get a tick.
func vocabKeyboard(r *bot.Request, v alert.Vocabulary, action string, marked func(string) bool) *bot.Keyboard {
	kb := &bot.Keyboard{}
	var row []bot.Button
	for _, c := range v.Codes {
		text := r.T(v.ID(c), nil)
		if marked != nil && marked(c) {
			text = "✅ " + text
		}
		row = append(row, bot.Button{Text: text, CallbackData: "ad:" + action + ":" + c})
		if len(row) == 2 {
			kb.Row(row...)
			row = nil
		}
	}
	if len(row) > 0 {
		kb.Row(row...)
	}
	return kb
}

// prompt asks the question of a step, with its buttons.
func prompt(ctx context.Context, r *bot.Request, step string, d *alertDraft) error {
	c := &d.Content
	cancel := button(r, "alert_btn_cancel", "ad:cancel")
	skip := button(r, "alert_btn_skip", "ad:skip")
	done := func(action string) bot.Button { return button(r, "alert_btn_done", "ad:"+action) }
	switch step {
	case stepClass:
		kb := &bot.Keyboard{}
		for _, code := range alert.Classifications.Codes {
			kb.Row(bot.Button{Text: r.T(alert.Classifications.ID(code), nil), CallbackData: "ad:cls:" + code})
		}
		return r.Reply(ctx, "alert_ask_class", nil, kb.Row(cancel))
	case stepDrill:
		kb := (&bot.Keyboard{}).Row(button(r, "alert_btn_real", "ad:drill:0"), button(r, "alert_btn_drill", "ad:drill:1"))
		return r.Reply(ctx, "alert_ask_drill", nil, kb.Row(cancel))
	case stepConveyance:
		return r.Reply(ctx, "alert_ask_conveyance", nil, vocabKeyboard(r, alert.Conveyances, "conv", nil).Row(cancel))
	case stepIdentKind:
		kb := vocabKeyboard(r, alert.IdentKinds, "ik", nil)
		if len(c.Identifiers) > 0 { // a valid but wrong number can be typed again
			kb.Row(button(r, "alert_btn_clear_list", "ad:iclr"))
		}
		kb.Row(done("idone"), cancel)
		return r.Reply(ctx, "alert_ask_ident_kind", map[string]any{"So": i18n.HTML(identsSoFar(r, c))}, kb)
	case stepIdentValue:
		kb := (&bot.Keyboard{}).Row(done("idone"), cancel)
		return r.Reply(ctx, "alert_ask_ident_value", map[string]any{
			"Kind": i18n.HTML(r.T(alert.LabelID(d.Kind), nil))}, kb)
	case stepRouteRole:
		kb := vocabKeyboard(r, alert.RouteRoles, "rr", nil)
		if len(c.Route) > 0 {
			kb.Row(button(r, "alert_btn_clear_list", "ad:rclr"))
		}
		kb.Row(done("rdone"), cancel)
		return r.Reply(ctx, "alert_ask_route_role", map[string]any{"So": i18n.HTML(routeSoFar(r, c))}, kb)
	case stepRoutePlace:
		kb := (&bot.Keyboard{}).Row(done("rdone"), cancel)
		return r.Reply(ctx, "alert_ask_route_place", map[string]any{
			"Role": i18n.HTML(r.T(alert.LabelID(d.Kind), nil))}, kb)
	case stepSubstance:
		return r.Reply(ctx, "alert_ask_substance", nil, vocabKeyboard(r, alert.Substances, "sub", nil).Row(cancel))
	case stepRisks:
		return r.Reply(ctx, "alert_ask_risks", nil, risksKeyboard(r, c))
	case stepConcealment:
		return r.Reply(ctx, "alert_ask_concealment", nil, vocabKeyboard(r, alert.Concealments, "con", nil).Row(cancel))
	case stepGoods:
		return r.Reply(ctx, "alert_ask_goods", nil, (&bot.Keyboard{}).Row(skip, cancel))
	case stepQuantity:
		return r.Reply(ctx, "alert_ask_quantity", nil, (&bot.Keyboard{}).Row(skip, cancel))
	case stepText:
		return r.Reply(ctx, "alert_ask_text", map[string]any{"Max": alert.MaxText}, (&bot.Keyboard{}).Row(skip, cancel))
	case stepFiles:
		return r.Reply(ctx, "alert_ask_files", map[string]any{"Max": alert.MaxFiles, "Count": len(c.Attachments)},
			(&bot.Keyboard{}).Row(done("skip"), cancel))
	case stepReview:
		return review(ctx, r, d)
	}
	return fmt.Errorf("alert draft: unknown step %q", step)
}

func risksKeyboard(r *bot.Request, c *alert.Content) *bot.Keyboard {
	kb := vocabKeyboard(r, alert.Risks, "risk", func(code string) bool { return containsCode(c.Risks, code) })
	return kb.Row(button(r, "alert_btn_done", "ad:rkdone"), button(r, "alert_btn_cancel", "ad:cancel"))
}

func containsCode(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func identsSoFar(r *bot.Request, c *alert.Content) string {
	if len(c.Identifiers) == 0 {
		return ""
	}
	var parts []string
	for _, id := range c.Identifiers {
		parts = append(parts, r.T(alert.LabelID(id.Kind), nil)+" <code>"+html.EscapeString(id.Value)+"</code>")
	}
	return r.T("alert_so_far", map[string]any{"List": i18n.HTML(i18n.JoinList(r.Lang, parts))})
}

func routeSoFar(r *bot.Request, c *alert.Content) string {
	if len(c.Route) == 0 {
		return ""
	}
	var parts []string
	for _, p := range c.Route {
		name := p.Locode
		if name == "" {
			name = p.Country + " " + p.Name
		} else if p.Name != "" {
			name = p.Name + " (" + p.Locode + ")"
		}
		parts = append(parts, r.T(alert.LabelID(p.Role), nil)+": "+html.EscapeString(name))
	}
	return r.T("alert_so_far", map[string]any{"List": i18n.HTML(strings.Join(parts, " → "))})
}

// alertDraftButton handles the buttons of the guided conversation. A button of an earlier
// step, of a draft already submitted or cancelled, or a forged one changes nothing.
func alertDraftButton(ctx context.Context, r *bot.Request) error {
	args := callbackArgs(r.CallbackData())
	if r.Conv == nil || r.Conv.Flow != flowAlert || len(args) == 0 {
		r.Answer(ctx, "alert_draft_gone", nil)
		return nil
	}
	var d alertDraft
	if err := r.ConvData(&d); err != nil {
		return err
	}
	step, action, arg := r.Conv.Step, args[0], ""
	if len(args) > 1 {
		arg = args[1]
	}
	stale := func() error { r.Answer(ctx, "alert_stale_button", nil); return nil }
	c := &d.Content
	switch action {
	case "cancel":
		if err := r.EndConv(ctx); err != nil {
			return err
		}
		return r.Reply(ctx, "cancelled", nil, nil)
	case "cls":
		if step != stepClass || !alert.Classifications.Has(arg) {
			return stale()
		}
		c.Classification = arg
		return advance(ctx, r, stepClass, &d)
	case "drill":
		if step != stepDrill || (arg != "0" && arg != "1") {
			return stale()
		}
		c.Drill = arg == "1"
		return advance(ctx, r, stepDrill, &d)
	case "conv":
		if step != stepConveyance || !alert.Conveyances.Has(arg) {
			return stale()
		}
		c.Conveyance = arg
		return advance(ctx, r, stepConveyance, &d)
	case "ik":
		if (step != stepIdentKind && step != stepIdentValue) || !alert.IdentKinds.Has(arg) {
			return stale()
		}
		d.Kind = arg
		return goTo(ctx, r, stepIdentValue, &d)
	case "idone":
		if step != stepIdentKind && step != stepIdentValue {
			return stale()
		}
		return advance(ctx, r, stepIdentKind, &d)
	case "iclr":
		if step != stepIdentKind && step != stepIdentValue {
			return stale()
		}
		c.Identifiers = nil
		return goTo(ctx, r, stepIdentKind, &d)
	case "rclr":
		if step != stepRouteRole && step != stepRoutePlace {
			return stale()
		}
		c.Route = nil
		return goTo(ctx, r, stepRouteRole, &d)
	case "rr":
		if (step != stepRouteRole && step != stepRoutePlace) || !alert.RouteRoles.Has(arg) {
			return stale()
		}
		d.Kind = arg
		return goTo(ctx, r, stepRoutePlace, &d)
	case "rdone":
		if step != stepRouteRole && step != stepRoutePlace {
			return stale()
		}
		return advance(ctx, r, stepRouteRole, &d)
	case "sub":
		if step != stepSubstance || !alert.Substances.Has(arg) {
			return stale()
		}
		c.Substance = arg
		return advance(ctx, r, stepSubstance, &d)
	case "risk":
		if step != stepRisks || !alert.Risks.Has(arg) {
			return stale()
		}
		c.ToggleRisk(arg)
		if err := r.SaveConv(ctx, flowAlert, stepRisks, &d); err != nil {
			return err
		}
		return show(ctx, r, r.T("alert_ask_risks", nil), risksKeyboard(r, c))
	case "rkdone":
		if step != stepRisks {
			return stale()
		}
		return advance(ctx, r, stepRisks, &d)
	case "con":
		if step != stepConcealment || !alert.Concealments.Has(arg) {
			return stale()
		}
		c.Concealment = arg
		return advance(ctx, r, stepConcealment, &d)
	case "skip":
		switch step {
		case stepGoods, stepQuantity, stepText, stepFiles:
			return advance(ctx, r, step, &d)
		}
		return stale()
	case "edit":
		if step != stepReview || !editable[arg] {
			return stale()
		}
		d.Editing = true
		return goTo(ctx, r, arg, &d)
	case "submit":
		if step != stepReview {
			return stale()
		}
		return submitDraft(ctx, r, &d)
	}
	return stale()
}

// editable are the steps the review screen can go back to.
var editable = map[string]bool{stepClass: true, stepDrill: true, stepConveyance: true, stepIdentKind: true,
	stepRouteRole: true, stepSubstance: true, stepRisks: true, stepConcealment: true, stepGoods: true,
	stepQuantity: true, stepText: true, stepFiles: true}

// alertDraftInput takes what is typed or sent during the guided conversation.
func alertDraftInput(ctx context.Context, r *bot.Request) error {
	var d alertDraft
	if err := r.ConvData(&d); err != nil {
		return err
	}
	text := strings.TrimSpace(r.Text())
	msg := r.Update.Message
	isFile := len(msg.Photo) > 0 || msg.Document != nil
	if !isFile && alert.LooksLikeForm(r.App.I18n, text) {
		return pastedForm(ctx, r, &d, text)
	}
	c := &d.Content
	step := r.Conv.Step
	if isFile {
		if step != stepFiles {
			return r.Reply(ctx, "alert_files_later", nil, nil)
		}
		att := alert.Attachment{Kind: "photo"}
		if msg.Document != nil {
			att = alert.Attachment{Kind: "document", FileID: msg.Document.FileID, Name: msg.Document.FileName}
		} else {
			att.FileID = msg.Photo[len(msg.Photo)-1].FileID // the largest size
		}
		// A caption typed with the file is kept with it (the officer's note on what the photo
		// shows), labelled with its language when the file is sent on.
		if caption := strings.TrimSpace(msg.Caption); caption != "" {
			att.Caption, att.Lang = caption, writtenIn(r)
			// Measured as it will go out: under its heading, in every language (the reference
			// is not known yet: the longest one stands for it).
			if n, ok := alert.Fit(r.App.I18n.Languages(), alert.MaxCaption, func(lang string) string {
				return fileCaption(r.App, lang, alert.DraftRef, alert.MaxFiles, alert.MaxFiles, c.Drill, att)
			}); !ok {
				p := alert.Problem{ID: "text_too_long_rendered", Data: map[string]any{"Length": n, "Max": alert.MaxCaption, "Over": n - alert.MaxCaption}}
				return r.Reply(ctx, "alert_problems", map[string]any{"List": i18n.HTML(problemsText(r, []alert.Problem{p}))},
					(&bot.Keyboard{}).Row(button(r, "alert_btn_done", "ad:skip")))
			}
		}
		if p := c.AddAttachment(att); p != nil {
			return r.Reply(ctx, "alert_problems", map[string]any{"List": i18n.HTML(problemsText(r, []alert.Problem{*p}))},
				(&bot.Keyboard{}).Row(button(r, "alert_btn_done", "ad:skip")))
		}
		// Photos picked together arrive as one message each with a shared media_group_id:
		// one answer for the album, not one per photo (at one message a second per chat, ten
		// answers would hold up the Done press by ten seconds).
		sameAlbum := msg.MediaGroupID != "" && msg.MediaGroupID == d.Album
		d.Album = msg.MediaGroupID
		if err := r.SaveConv(ctx, flowAlert, stepFiles, &d); err != nil {
			return err
		}
		if sameAlbum {
			return nil
		}
		return r.Reply(ctx, "alert_file_added", map[string]any{"Count": len(c.Attachments), "Max": alert.MaxFiles},
			(&bot.Keyboard{}).Row(button(r, "alert_btn_done", "ad:skip")))
	}
	if text == "" {
		return prompt(ctx, r, step, &d)
	}
	switch step {
	case stepIdentValue:
		var problems []alert.Problem
		for _, v := range alert.SplitValues(text) {
			id, p := alert.ParseIdentifier(d.Kind, v)
			if p == nil {
				p = c.AddIdentifier(id)
			}
			if p != nil {
				problems = append(problems, *p)
			}
		}
		if len(problems) > 0 {
			if err := r.SaveConv(ctx, flowAlert, stepIdentValue, &d); err != nil {
				return err
			}
			return r.Reply(ctx, "alert_problems", map[string]any{"List": i18n.HTML(problemsText(r, problems))}, nil)
		}
		return goTo(ctx, r, stepIdentKind, &d)
	case stepRoutePlace:
		p, prob := alert.ParsePlace(d.Kind, text)
		if prob == nil {
			prob = c.AddPlace(p)
		}
		if prob != nil {
			return r.Reply(ctx, "alert_problems", map[string]any{"List": i18n.HTML(problemsText(r, []alert.Problem{*prob}))}, nil)
		}
		if p.Unknown {
			if err := r.Reply(ctx, "alert_locode_unknown", map[string]any{"Locode": p.Locode}, nil); err != nil {
				return err
			}
		}
		return goTo(ctx, r, stepRouteRole, &d)
	case stepGoods, stepQuantity:
		if p := alert.CheckShortText(text); p != nil {
			return r.Reply(ctx, "alert_problems", map[string]any{"List": i18n.HTML(problemsText(r, []alert.Problem{*p}))}, nil)
		}
		if step == stepGoods {
			c.Goods = text
		} else {
			c.Quantity = text
		}
		return advance(ctx, r, step, &d)
	case stepText:
		if p := alert.CheckText(text); p != nil {
			return r.Reply(ctx, "alert_problems", map[string]any{"List": i18n.HTML(problemsText(r, []alert.Problem{*p}))}, nil)
		}
		c.Text, c.Lang = text, writtenIn(r)
		return advance(ctx, r, stepText, &d)
	}
	// A step answered with buttons: say so and ask again.
	if err := r.Reply(ctx, "alert_use_buttons", nil, nil); err != nil {
		return err
	}
	return prompt(ctx, r, step, &d)
}

// pastedForm parses a whole alert, reports every problem at once (the draft is kept as it
// was, to be pasted again corrected), or goes to the review.
func pastedForm(ctx context.Context, r *bot.Request, d *alertDraft, text string) error {
	c, problems := alert.ParseForm(r.App.I18n, text, writtenIn(r))
	if len(problems) > 0 {
		if r.Conv == nil {
			// Keep a conversation open so that the corrected form can simply be pasted again.
			if err := r.SaveConv(ctx, flowAlert, stepClass, d); err != nil {
				return err
			}
		}
		return r.Reply(ctx, "alert_form_problems", map[string]any{
			"Count": len(problems), "List": i18n.HTML(problemsText(r, problems))}, nil)
	}
	c.Attachments = d.Content.Attachments
	d.Content, d.Editing = c, false
	return goTo(ctx, r, stepReview, d)
}

// review shows the draft as recipients will read it, what is still missing, and Submit.
func review(ctx context.Context, r *bot.Request, d *alertDraft) error {
	c := &d.Content
	text := r.T("alert_review_head", nil) + "\n\n" + alert.Render(r.App.I18n, r.Lang, c, alert.Meta{})
	problems := c.Missing()
	problems = append(problems, lengthProblems(r.App, c)...)
	kb := &bot.Keyboard{}
	if len(problems) == 0 {
		kb.Row(button(r, "alert_btn_submit", "ad:submit"))
	} else {
		text += "\n\n" + r.T("alert_review_missing", map[string]any{"List": i18n.HTML(problemsText(r, problems))})
	}
	kb.Row(button(r, "alert_btn_edit_class", "ad:edit:"+stepClass), button(r, "alert_btn_edit_conveyance", "ad:edit:"+stepConveyance))
	kb.Row(button(r, "alert_btn_edit_idents", "ad:edit:"+stepIdentKind), button(r, "alert_btn_edit_route", "ad:edit:"+stepRouteRole))
	kb.Row(button(r, "alert_btn_edit_substance", "ad:edit:"+stepSubstance), button(r, "alert_btn_edit_risks", "ad:edit:"+stepRisks))
	kb.Row(editField(r, "concealment", stepConcealment), editField(r, "goods", stepGoods))
	kb.Row(editField(r, "quantity", stepQuantity), editField(r, "drill", stepDrill))
	kb.Row(button(r, "alert_btn_edit_text", "ad:edit:"+stepText), button(r, "alert_btn_edit_files", "ad:edit:"+stepFiles))
	kb.Row(button(r, "alert_btn_cancel", "ad:cancel"))
	return replyLong(ctx, r, text, kb)
}

// editField is a review button going back to a step, named by its field's label (the pencil
// is the same in every language, as on the other edit buttons).
func editField(r *bot.Request, field, step string) bot.Button {
	return bot.Button{Text: "✎ " + r.T(alert.LabelID(field), nil), CallbackData: "ad:edit:" + step}
}

// lengthProblems refuses an alert that would not fit in one Telegram message in some
// language (with room for the header and notes around it): it is never cut.
func lengthProblems(a *bot.App, c *alert.Content) []alert.Problem {
	const room = 600
	for _, lang := range a.I18n.Languages() {
		n := alert.UTF16Len(alert.Render(a.I18n, lang, c, alert.Meta{Ref: "ALR-0000-000000"}))
		if n > alert.MaxMessage-room {
			return []alert.Problem{{ID: "alert_err_alert_too_long", Data: map[string]any{"Over": n - (alert.MaxMessage - room)}}}
		}
	}
	return nil
}

// submitDraft stores the alert (or the revision of a returned one), ends the conversation and
// queues it for every analyst, in one transaction. A second press of Submit finds no draft.
func submitDraft(ctx context.Context, r *bot.Request, d *alertDraft) error {
	c := d.Content
	if len(c.Missing()) > 0 || len(lengthProblems(r.App, &c)) > 0 {
		return review(ctx, r, d)
	}
	now := r.App.Clock.Now()
	var al *store.Alert
	err := r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		if d.AlertID != 0 {
			var err error
			al, err = store.ResubmitAlert(ctx, tx, d.AlertID, r.Member.ID, c, now)
			if err != nil {
				return err
			}
		} else {
			ref, err := store.NextAlertRef(ctx, tx, now.Year())
			if err != nil {
				return err
			}
			al = &store.Alert{Ref: ref, AuthorID: r.Member.ID, AuthorCountry: r.Member.Country, Content: c,
				Revision: 1, SubmittedAt: now, State: store.AlertSubmitted}
			if _, err := store.InsertAlert(ctx, tx, al); err != nil {
				return err
			}
		}
		if err := r.App.Store.EndConversation(ctx, tx, r.From.ID); err != nil {
			return err
		}
		if err := enqueueForAnalysts(ctx, tx, al); err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: &r.Member.ID, Action: "alert_submitted",
			SubjectID: &al.ID, After: map[string]any{"ref": al.Ref, "revision": al.Revision}})
	})
	if err != nil {
		if d.AlertID != 0 && isNotFound(err) {
			_ = r.EndConv(ctx)
			return bot.Tell("alert_not_returned", nil)
		}
		return err
	}
	r.Conv = nil
	kb := (&bot.Keyboard{}).Row(button(r, "alert_btn_withdraw", fmt.Sprintf("awd:%d:%d", al.ID, al.Revision)))
	return r.Reply(ctx, "alert_submitted", map[string]any{"Ref": al.Ref}, kb)
}

// enqueueForAnalysts queues a submitted revision, and its attachments, for every analyst.
func enqueueForAnalysts(ctx context.Context, tx *sqlx.Tx, al *store.Alert) error {
	analysts, err := store.Analysts(ctx, tx)
	if err != nil {
		return err
	}
	var items []delivery.Item
	rev := fmt.Sprintf("r%d", al.Revision)
	for _, m := range analysts {
		items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: kindAlertVerify, RefID: al.ID,
			Variant: rev, Priority: delivery.High})
		for i := range al.Content.Attachments {
			items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: kindAlertFile, RefID: al.ID,
				Variant: fmt.Sprintf("%sf%d", rev, i), Priority: delivery.High})
		}
	}
	_, err = delivery.Enqueue(ctx, tx, items)
	return err
}

// alertWithdraw lets the author take back a submitted alert before an analyst decides.
func alertWithdraw(ctx context.Context, r *bot.Request) error {
	args := callbackArgs(r.CallbackData())
	al, err := loadAlert(ctx, r, argID(args, 0))
	if err != nil {
		return err
	}
	if al.AuthorID != r.Member.ID {
		return bot.Tell("alert_not_found", nil)
	}
	var done *store.Alert
	err = r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		done, err = store.WithdrawAlert(ctx, tx, al.ID, r.Member.ID, int(argID(args, 1)))
		if err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: &r.Member.ID, Action: "alert_withdrawn", SubjectID: &al.ID})
	})
	if isNotFound(err) {
		return stateError(ctx, r, al)
	}
	if err != nil {
		return err
	}
	return r.Reply(ctx, "alert_withdrawn", map[string]any{"Ref": done.Ref}, nil)
}

// alertRevise opens a returned alert as a draft at its review screen, for its author.
func alertRevise(ctx context.Context, r *bot.Request) error {
	al, err := loadAlert(ctx, r, argID(callbackArgs(r.CallbackData()), 0))
	if err != nil {
		return err
	}
	if al.AuthorID != r.Member.ID {
		return bot.Tell("alert_not_found", nil)
	}
	if al.State != store.AlertReturned {
		return stateError(ctx, r, al)
	}
	d := &alertDraft{AlertID: al.ID, Content: al.Content}
	return goTo(ctx, r, stepReview, d)
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
