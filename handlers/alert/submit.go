package alert

import (
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/alert/alerttext"
	"focalbot/bot/alert/submission"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
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

// draft is the conversation's data: the content so far and where we are.
type draft struct {
	AlertID int64         `json:"alert_id,omitempty"` // revising a returned alert
	Content alert.Content `json:"content"`
	Editing bool          `json:"editing,omitempty"` // a step opened from the review: back to it when done
	Kind    string        `json:"kind,omitempty"`    // the identifier kind or route role being typed
	Album   string        `json:"album,omitempty"`   // media_group_id of the album whose first photo was answered
	// InApp: begun in confidential mode, where /alert offers the Mini App's form beside this
	// conversation and the author chose the chat. One begun before confidential mode was
	// switched on is ended at its next step (movedToApp).
	InApp bool `json:"in_app,omitempty"`
}

func registerSubmit(a *bot.App) {
	a.Command("alert", bot.Contributors, command)
	a.Flow(flowAlert, bot.Members, draftInput)
	a.Callback(verbDraft, bot.Members, draftButton)
	a.Callback(verbWithdraw, bot.Members, withdraw)
	a.Callback(verbRevise, bot.Members, revise)
}

// command: "/alert" starts (or resumes) a draft, "/alert ALR-…" shows one alert, and
// "/alert" followed by Label: value lines is a pasted alert.
func command(ctx context.Context, r *bot.Request) error {
	_, arg := r.Command()
	if strings.HasPrefix(strings.ToUpper(arg), "ALR-") && !strings.Contains(arg, "\n") {
		return showAlert(ctx, r, arg)
	}
	if r.Member.Role == store.RoleObserver {
		return bot.Tell("error_not_allowed", nil)
	}
	if arg != "" {
		d := draft{InApp: confidential(r.App)}
		if r.Conv != nil && r.Conv.Flow == flowAlert {
			_ = r.ConvData(&d)
			if confidential(r.App) && !d.InApp {
				return movedToApp(ctx, r, &d)
			}
		}
		return pastedForm(ctx, r, &d, arg)
	}
	if r.Conv != nil && r.Conv.Flow == flowAlert {
		var d draft
		if err := r.ConvData(&d); err != nil {
			return err
		}
		if confidential(r.App) && !d.InApp {
			return movedToApp(ctx, r, &d)
		}
		if err := r.Reply(ctx, "alert_resume", nil, nil); err != nil {
			return err
		}
		return prompt(ctx, r, r.Conv.Step, &d)
	}
	d := &draft{Content: alert.Content{Lang: writtenIn(r)}, InApp: confidential(r.App)}
	var form *bot.Keyboard
	if confidential(r.App) {
		// The Mini App's form: the content goes to the network's server, not through Telegram.
		form = (&bot.Keyboard{}).Row(bot.Button{Text: r.T("alert_btn_form", nil),
			WebApp: &bot.WebApp{URL: r.App.ConsoleURL() + "/app/new"}})
	}
	if err := r.Reply(ctx, "alert_intro", map[string]any{
		"Template": alert.Template(r.App.I18n, r.Lang)}, form); err != nil {
		return err
	}
	return goTo(ctx, r, stepClass, d)
}

// goTo saves the draft at a step and asks its question.
func goTo(ctx context.Context, r *bot.Request, step string, d *draft) error {
	if err := r.SaveConv(ctx, flowAlert, step, d); err != nil {
		return err
	}
	return prompt(ctx, r, step, d)
}

// advance moves past a finished step: to the next one, or back to the review when the step
// was opened from there.
func advance(ctx context.Context, r *bot.Request, from string, d *draft) error {
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
	var buttons []bot.Button
	for _, c := range v.Codes {
		text := r.T(v.ID(c), nil)
		if marked != nil && marked(c) {
			text = "✅ " + text
		}
		buttons = append(buttons, bot.Button{Text: text, CallbackData: bot.CB(verbDraft, action, c)})
	}
	return ui.Grid(buttons, 2)
}

// prompt asks the question of a step, with its buttons: the conversation's panel (ui.Ask),
// the question before it closed into its answer.
func prompt(ctx context.Context, r *bot.Request, step string, d *draft) error {
	if step == stepReview {
		return review(ctx, r, d)
	}
	text, kb, err := question(r, step, d)
	if err != nil {
		return err
	}
	return ui.Ask(ctx, r, text, kb)
}

// question is the question of a step and its buttons.
func question(r *bot.Request, step string, d *draft) (string, *bot.Keyboard, error) {
	c := &d.Content
	cancel := button(r, "alert_btn_cancel", bot.CB(verbDraft, "cancel"))
	skip := button(r, "alert_btn_skip", bot.CB(verbDraft, "skip"))
	done := func(action string) bot.Button { return button(r, "alert_btn_done", bot.CB(verbDraft, action)) }
	switch step {
	case stepClass:
		kb := &bot.Keyboard{}
		for _, code := range alert.Classifications.Codes {
			kb.Row(bot.Button{Text: r.T(alert.Classifications.ID(code), nil), CallbackData: bot.CB(verbDraft, "cls", code)})
		}
		return r.T("alert_ask_class", nil), kb.Row(cancel), nil
	case stepDrill:
		kb := (&bot.Keyboard{}).Row(button(r, "alert_btn_real", bot.CB(verbDraft, "drill", "0")), button(r, "alert_btn_drill", bot.CB(verbDraft, "drill", "1")))
		return r.T("alert_ask_drill", nil), kb.Row(cancel), nil
	case stepConveyance:
		return r.T("alert_ask_conveyance", nil), vocabKeyboard(r, alert.Conveyances, "conv", nil).Row(cancel), nil
	case stepIdentKind:
		kb := vocabKeyboard(r, alert.IdentKinds, "ik", nil)
		if len(c.Identifiers) > 0 { // a valid but wrong number can be typed again
			kb.Row(button(r, "alert_btn_clear_list", bot.CB(verbDraft, "iclr")))
		}
		kb.Row(done("idone"), cancel)
		return r.T("alert_ask_ident_kind", map[string]any{"So": i18n.HTML(identsSoFar(r, c))}), kb, nil
	case stepIdentValue:
		kb := (&bot.Keyboard{}).Row(done("idone"), cancel)
		return r.T("alert_ask_ident_value", map[string]any{"Kind": i18n.HTML(r.T(alert.LabelID(d.Kind), nil))}), kb, nil
	case stepRouteRole:
		kb := vocabKeyboard(r, alert.RouteRoles, "rr", nil)
		if len(c.Route) > 0 {
			kb.Row(button(r, "alert_btn_clear_list", bot.CB(verbDraft, "rclr")))
		}
		kb.Row(done("rdone"), cancel)
		return r.T("alert_ask_route_role", map[string]any{"So": i18n.HTML(routeSoFar(r, c))}), kb, nil
	case stepRoutePlace:
		kb := (&bot.Keyboard{}).Row(done("rdone"), cancel)
		return r.T("alert_ask_route_place", map[string]any{"Role": i18n.HTML(r.T(alert.LabelID(d.Kind), nil))}), kb, nil
	case stepSubstance:
		return r.T("alert_ask_substance", nil), vocabKeyboard(r, alert.Substances, "sub", nil).Row(cancel), nil
	case stepRisks:
		return r.T("alert_ask_risks", nil), risksKeyboard(r, c), nil
	case stepConcealment:
		return r.T("alert_ask_concealment", nil), vocabKeyboard(r, alert.Concealments, "con", nil).Row(cancel), nil
	case stepGoods:
		return r.T("alert_ask_goods", nil), (&bot.Keyboard{}).Row(skip, cancel), nil
	case stepQuantity:
		return r.T("alert_ask_quantity", nil), (&bot.Keyboard{}).Row(skip, cancel), nil
	case stepText:
		return r.T("alert_ask_text", map[string]any{"Max": alert.MaxText}), (&bot.Keyboard{}).Row(skip, cancel), nil
	case stepFiles:
		return r.T("alert_ask_files", map[string]any{"Max": alert.MaxFiles, "Count": len(c.Attachments)}), filesDone(r), nil
	}
	return "", nil, fmt.Errorf("alert draft: unknown step %q", step)
}

func risksKeyboard(r *bot.Request, c *alert.Content) *bot.Keyboard {
	kb := vocabKeyboard(r, alert.Risks, "risk", func(code string) bool { return containsCode(c.Risks, code) })
	return kb.Row(button(r, "alert_btn_done", bot.CB(verbDraft, "rkdone")), button(r, "alert_btn_cancel", bot.CB(verbDraft, "cancel")))
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

// draftButton handles the buttons of the guided conversation. A button of an earlier
// step, of a draft already submitted or cancelled, or a forged one changes nothing.
func draftButton(ctx context.Context, r *bot.Request) error {
	if err := r.Require(ctx, bot.Contributors); err != nil { // the current role, not the one at the start
		return err
	}
	args := r.Data()
	if r.Conv == nil || r.Conv.Flow != flowAlert || len(args.Fields) == 0 {
		r.Answer(ctx, "alert_draft_gone", nil)
		return nil
	}
	var d draft
	if err := r.ConvData(&d); err != nil {
		return err
	}
	if confidential(r.App) && !d.InApp {
		return movedToApp(ctx, r, &d)
	}
	step, action, arg := r.Conv.Step, args.Arg(0), args.Arg(1)
	switch {
	case action == "cancel" && arg != "y" && answers(&d.Content) > 2:
		// A draft with more than two answers is not thrown away by one tap: ask first. While
		// the question is asked, the step's panel rests without buttons (one live message).
		kb := (&bot.Keyboard{}).Row(button(r, "alert_btn_discard_yes", bot.CB(verbDraft, "cancel", "y")),
			button(r, "alert_btn_keep", bot.CB(verbDraft, "keep")))
		if err := r.Reply(ctx, "alert_discard_confirm", map[string]any{"Count": answers(&d.Content)}, kb); err != nil {
			return err
		}
		if id := r.PanelID(); id != 0 {
			return r.App.EditMarkup(ctx, r.ChatID, id, nil)
		}
		return nil
	case action == "cancel":
		if err := r.EndConv(ctx); err != nil {
			return err
		}
		if arg == "y" {
			return ui.Show(ctx, r, r.T("cancelled", nil), nil) // the confirmation becomes the outcome
		}
		return r.Reply(ctx, "cancelled", nil, nil)
	case action == "keep":
		if err := ui.Show(ctx, r, r.T("alert_discard_kept", nil), nil); err != nil {
			return err
		}
		// The question above gets its buttons back (or is asked again if it cannot be).
		_, kb, err := question(r, step, &d)
		if id := r.PanelID(); err == nil && id != 0 && step != stepReview {
			if err := r.App.EditMarkup(ctx, r.ChatID, id, kb); err == nil {
				return nil
			}
		}
		return prompt(ctx, r, step, &d)
	}
	da, ok := draftActions[action]
	if !ok || !slices.Contains(da.steps, step) || (da.valid != nil && !da.valid(arg)) {
		return r.Stale(ctx) // a button of another step, or forged
	}
	return da.do(ctx, r, &d, step, arg)
}

// answers counts the answers a draft holds: the discard button asks for confirmation beyond two.
func answers(c *alert.Content) int {
	n := len(c.Identifiers) + len(c.Route) + len(c.Risks) + len(c.Attachments)
	for _, s := range []string{c.Classification, c.Conveyance, c.Goods, c.Substance, c.Quantity, c.Concealment, c.Text} {
		if s != "" {
			n++
		}
	}
	return n
}

// draftAction is what a button of the draft (ad:<action>[:<arg>]) does: the steps whose
// buttons it is on, what its argument must be (nil: anything), and what it does.
type draftAction struct {
	steps []string
	valid func(arg string) bool
	do    func(ctx context.Context, r *bot.Request, d *draft, step, arg string) error
}

// choose is an action that answers a step with arg (set stores it) and goes on.
func choose(step string, valid func(string) bool, set func(c *alert.Content, arg string)) draftAction {
	return draftAction{steps: []string{step}, valid: valid, do: func(ctx context.Context, r *bot.Request, d *draft, _, arg string) error {
		set(&d.Content, arg)
		return advance(ctx, r, step, d)
	}}
}

// goOn is an action that goes from the steps to the step after from (advance) or to to (goTo).
func goOn(steps []string, valid func(string) bool, from, to string, set func(d *draft, arg string)) draftAction {
	return draftAction{steps: steps, valid: valid, do: func(ctx context.Context, r *bot.Request, d *draft, _, arg string) error {
		if set != nil {
			set(d, arg)
		}
		if to != "" {
			return goTo(ctx, r, to, d)
		}
		return advance(ctx, r, from, d)
	}}
}

var (
	identSteps = []string{stepIdentKind, stepIdentValue}
	routeSteps = []string{stepRouteRole, stepRoutePlace}
)

// draftActions are the buttons of the draft, by action; "cancel" works on every step.
var draftActions = map[string]draftAction{
	"cls":   choose(stepClass, alert.Classifications.Has, func(c *alert.Content, arg string) { c.Classification = arg }),
	"drill": choose(stepDrill, func(arg string) bool { return arg == "0" || arg == "1" }, func(c *alert.Content, arg string) { c.Drill = arg == "1" }),
	"conv":  choose(stepConveyance, alert.Conveyances.Has, func(c *alert.Content, arg string) { c.Conveyance = arg }),
	"sub":   choose(stepSubstance, alert.Substances.Has, func(c *alert.Content, arg string) { c.Substance = arg }),
	"con":   choose(stepConcealment, alert.Concealments.Has, func(c *alert.Content, arg string) { c.Concealment = arg }),
	"ik":    goOn(identSteps, alert.IdentKinds.Has, "", stepIdentValue, func(d *draft, arg string) { d.Kind = arg }),
	"idone": goOn(identSteps, nil, stepIdentKind, "", nil),
	"iclr":  goOn(identSteps, nil, "", stepIdentKind, func(d *draft, _ string) { d.Content.Identifiers = nil }),
	"rr":    goOn(routeSteps, alert.RouteRoles.Has, "", stepRoutePlace, func(d *draft, arg string) { d.Kind = arg }),
	"rdone": goOn(routeSteps, nil, stepRouteRole, "", nil),
	"rclr":  goOn(routeSteps, nil, "", stepRouteRole, func(d *draft, _ string) { d.Content.Route = nil }),
	"rpl": {steps: []string{stepRoutePlace}, valid: func(arg string) bool { _, ok := alert.LookupLocode(arg); return ok }, do: func(ctx context.Context, r *bot.Request, d *draft, _, arg string) error {
		return addRoutePlace(ctx, r, d, arg) // one of the places a name named (addRoutePlace)
	}},
	"rkdone": {steps: []string{stepRisks}, do: func(ctx context.Context, r *bot.Request, d *draft, _, _ string) error {
		var chosen []string // the panel closes with the indicators chosen, not "Done"
		for _, code := range d.Content.Risks {
			chosen = append(chosen, r.T(alert.Risks.ID(code), nil))
		}
		r.PanelAnswer = i18n.JoinList(r.Lang, chosen)
		return advance(ctx, r, stepRisks, d)
	}},
	"risk": {steps: []string{stepRisks}, valid: alert.Risks.Has, do: func(ctx context.Context, r *bot.Request, d *draft, _, arg string) error {
		d.Content.ToggleRisk(arg)
		if err := r.SaveConv(ctx, flowAlert, stepRisks, d); err != nil {
			return err
		}
		return ui.Show(ctx, r, r.T("alert_ask_risks", nil), risksKeyboard(r, &d.Content))
	}},
	"skip": {steps: []string{stepGoods, stepQuantity, stepText, stepFiles}, do: func(ctx context.Context, r *bot.Request, d *draft, step, _ string) error {
		return advance(ctx, r, step, d)
	}},
	"edit": {steps: []string{stepReview}, valid: func(arg string) bool { return editable[arg] }, do: func(ctx context.Context, r *bot.Request, d *draft, _, arg string) error {
		d.Editing = true
		return goTo(ctx, r, arg, d)
	}},
	"submit": {steps: []string{stepReview}, do: func(ctx context.Context, r *bot.Request, d *draft, _, _ string) error {
		return submitDraft(ctx, r, d)
	}},
}

// editable are the steps the review screen can go back to.
var editable = map[string]bool{stepClass: true, stepDrill: true, stepConveyance: true, stepIdentKind: true,
	stepRouteRole: true, stepSubstance: true, stepRisks: true, stepConcealment: true, stepGoods: true,
	stepQuantity: true, stepText: true, stepFiles: true}

// draftInput takes what is typed or sent during the guided conversation.
func draftInput(ctx context.Context, r *bot.Request) error {
	var d draft
	if err := r.ConvData(&d); err != nil {
		return err
	}
	if confidential(r.App) && !d.InApp {
		return movedToApp(ctx, r, &d)
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
				return tellProblems(ctx, r, filesDone(r), p)
			}
		}
		if p := c.AddAttachment(att); p != nil {
			return tellProblems(ctx, r, filesDone(r), *p)
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
		return ui.Ask(ctx, r, r.T("alert_file_added", map[string]any{"Count": len(c.Attachments), "Max": alert.MaxFiles}), filesDone(r))
	}
	if text == "" {
		return prompt(ctx, r, step, &d)
	}
	if answer, ok := textSteps[step]; ok {
		return answer(ctx, r, &d, text)
	}
	// A step answered with buttons: say so and ask again.
	if err := r.Reply(ctx, "alert_use_buttons", nil, nil); err != nil {
		return err
	}
	return prompt(ctx, r, step, &d)
}

// textSteps are the steps answered by typing, each with how it takes the text.
var textSteps = map[string]func(ctx context.Context, r *bot.Request, d *draft, text string) error{
	stepIdentValue: func(ctx context.Context, r *bot.Request, d *draft, text string) error {
		var problems []alert.Problem
		for _, v := range alert.SplitValues(text) {
			id, p := alert.ParseIdentifier(d.Kind, v)
			if p == nil {
				p = d.Content.AddIdentifier(id)
			}
			if p != nil {
				problems = append(problems, *p)
			}
		}
		if len(problems) > 0 {
			if err := r.SaveConv(ctx, flowAlert, stepIdentValue, d); err != nil {
				return err
			}
			return tellProblems(ctx, r, nil, problems...)
		}
		typedAnswer(r, text)
		return goTo(ctx, r, stepIdentKind, d)
	},
	stepRoutePlace: func(ctx context.Context, r *bot.Request, d *draft, text string) error {
		return addRoutePlace(ctx, r, d, text)
	},
	stepGoods:    shortText(stepGoods, func(c *alert.Content, text string) { c.Goods = text }),
	stepQuantity: shortText(stepQuantity, func(c *alert.Content, text string) { c.Quantity = text }),
	stepText: func(ctx context.Context, r *bot.Request, d *draft, text string) error {
		if p := alert.CheckText(text); p != nil {
			return tellProblems(ctx, r, nil, *p)
		}
		d.Content.Text, d.Content.Lang = text, writtenIn(r)
		typedAnswer(r, text)
		return advance(ctx, r, stepText, d)
	},
}

// addRoutePlace adds the place typed (or pressed: a LOCODE) to the route and asks for the next
// stop. A name several places share is answered with a button for each.
func addRoutePlace(ctx context.Context, r *bot.Request, d *draft, typed string) error {
	p, prob := alert.ParsePlace(d.Kind, typed)
	if prob == nil {
		prob = d.Content.AddPlace(p)
	}
	if prob != nil {
		var kb *bot.Keyboard
		for _, locode := range prob.Choices {
			if k, ok := alert.LookupLocode(locode); ok {
				if kb == nil {
					kb = &bot.Keyboard{}
				}
				kb.Row(bot.Button{Text: k.Name + " (" + locode + ")", CallbackData: bot.CB(verbDraft, "rpl", locode)})
			}
		}
		if kb != nil { // the choices become the step's panel, with its way on and out
			kb.Row(button(r, "alert_btn_done", bot.CB(verbDraft, "rdone")), button(r, "alert_btn_cancel", bot.CB(verbDraft, "cancel")))
		}
		return tellProblems(ctx, r, kb, *prob)
	}
	if p.Unknown {
		if err := r.Reply(ctx, "alert_locode_unknown", map[string]any{"Locode": p.Locode}, nil); err != nil {
			return err
		}
	}
	if r.PanelAnswer == "" { // typed, not pressed: the place as it was understood
		r.PanelAnswer = p.Locode
		if p.Name != "" && p.Locode != "" {
			r.PanelAnswer = p.Name + " (" + p.Locode + ")"
		} else if p.Locode == "" {
			r.PanelAnswer = strings.TrimSpace(p.Country + " " + p.Name)
		}
	}
	return goTo(ctx, r, stepRouteRole, d)
}

// filesDone is the Done and Cancel buttons of the files step.
func filesDone(r *bot.Request) *bot.Keyboard {
	return (&bot.Keyboard{}).Row(button(r, "alert_btn_done", bot.CB(verbDraft, "skip")), button(r, "alert_btn_cancel", bot.CB(verbDraft, "cancel")))
}

// typedAnswer shows a typed answer under its question when the panel closes: one line, short
// enough to read there (a longer text is right below, as typed).
func typedAnswer(r *bot.Request, text string) {
	if !strings.Contains(text, "\n") && utf8.RuneCountInString(text) <= 200 {
		r.PanelAnswer = text
	}
}

// shortText takes the one-line answer of a step (set stores it) and goes on.
func shortText(step string, set func(c *alert.Content, text string)) func(context.Context, *bot.Request, *draft, string) error {
	return func(ctx context.Context, r *bot.Request, d *draft, text string) error {
		if p := alert.CheckShortText(text); p != nil {
			return tellProblems(ctx, r, nil, *p)
		}
		set(&d.Content, text)
		typedAnswer(r, text)
		return advance(ctx, r, step, d)
	}
}

// tellProblems lists what is wrong with what was typed or sent, in the reader's language.
// With buttons, the list is the conversation's new panel.
func tellProblems(ctx context.Context, r *bot.Request, kb *bot.Keyboard, problems ...alert.Problem) error {
	text := r.T("alert_problems", map[string]any{"List": i18n.HTML(problemsText(r, problems))})
	if kb == nil {
		_, err := r.App.Send(ctx, r.ChatID, "reply", text, nil)
		return err
	}
	return ui.Ask(ctx, r, text, kb)
}

// pastedForm parses a whole alert, reports every problem at once (the draft is kept as it
// was, to be pasted again corrected), or goes to the review.
func pastedForm(ctx context.Context, r *bot.Request, d *draft, text string) error {
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
func review(ctx context.Context, r *bot.Request, d *draft) error {
	c := &d.Content
	text := r.T("alert_review_head", nil) + "\n\n" + alerttext.Render(r.App.I18n, r.Lang, c, alerttext.Meta{})
	problems := c.Missing()
	problems = append(problems, lengthProblems(r.App, c)...)
	kb := &bot.Keyboard{}
	if len(problems) == 0 {
		kb.Row(button(r, "alert_btn_submit", bot.CB(verbDraft, "submit")))
	} else {
		text += "\n\n" + r.T("alert_review_missing", map[string]any{"List": i18n.HTML(problemsText(r, problems))})
	}
	kb.Row(button(r, "alert_btn_edit_class", bot.CB(verbDraft, "edit", stepClass)), button(r, "alert_btn_edit_conveyance", bot.CB(verbDraft, "edit", stepConveyance)))
	kb.Row(button(r, "alert_btn_edit_idents", bot.CB(verbDraft, "edit", stepIdentKind)), button(r, "alert_btn_edit_route", bot.CB(verbDraft, "edit", stepRouteRole)))
	kb.Row(button(r, "alert_btn_edit_substance", bot.CB(verbDraft, "edit", stepSubstance)), button(r, "alert_btn_edit_risks", bot.CB(verbDraft, "edit", stepRisks)))
	kb.Row(editField(r, "concealment", stepConcealment), editField(r, "goods", stepGoods))
	kb.Row(editField(r, "quantity", stepQuantity), editField(r, "drill", stepDrill))
	kb.Row(button(r, "alert_btn_edit_text", bot.CB(verbDraft, "edit", stepText)), button(r, "alert_btn_edit_files", bot.CB(verbDraft, "edit", stepFiles)))
	kb.Row(button(r, "alert_btn_cancel", bot.CB(verbDraft, "cancel")))
	return ui.AskLong(ctx, r, text, kb)
}

// editField is a review button going back to a step, named by its field's label (the pencil
// is the same in every language, as on the other edit buttons).
func editField(r *bot.Request, field, step string) bot.Button {
	return bot.Button{Text: "✎ " + r.T(alert.LabelID(field), nil), CallbackData: bot.CB(verbDraft, "edit", step)}
}

// lengthProblems refuses an alert that would not fit in one Telegram message in some
// language (alerttext.LengthProblems, which the Mini App's form checks too).
func lengthProblems(a *bot.App, c *alert.Content) []alert.Problem {
	return alerttext.LengthProblems(a.I18n, a.I18n.Languages(), c)
}

// submitDraft stores the alert (or the revision of a returned one), ends the conversation and
// queues it for every analyst, in one transaction. A second press of Submit finds no draft.
func submitDraft(ctx context.Context, r *bot.Request, d *draft) error {
	c := d.Content
	if len(c.Missing()) > 0 || len(lengthProblems(r.App, &c)) > 0 {
		return review(ctx, r, d)
	}
	now := r.App.Clock.Now()
	var al *store.Alert
	err := r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if d.AlertID != 0 {
			al, err = submission.Resubmit(ctx, tx, d.AlertID, r.Member.ID, c, submission.Files{}, now)
		} else {
			al, err = submission.New(ctx, tx, r.Member, c, now)
		}
		if err != nil {
			return err
		}
		return store.EndConversation(ctx, tx, r.From.ID)
	})
	if err != nil {
		if d.AlertID != 0 && isNotFound(err) {
			_ = r.EndConv(ctx)
			return bot.Tell("alert_not_returned", nil)
		}
		return err
	}
	r.ClosePanel(ctx) // the review: unless edited into the outcome below, its buttons no longer apply
	r.Conv = nil
	// The review becomes the outcome, in place: what was submitted, under which reference,
	// and the one button that still applies, Withdraw. (Sent anew after typed input or when
	// the review cannot be edited; then the review loses its buttons.)
	kb := (&bot.Keyboard{}).Row(button(r, "alert_btn_withdraw", bot.CB(verbWithdraw, al.ID, al.Revision)))
	text := r.T("alert_submitted", map[string]any{"Ref": al.Ref})
	if full := text + "\n\n" + alerttext.Render(r.App.I18n, r.Lang, &c, alerttext.Meta{}); alert.UTF16Len(full) <= alert.MaxMessage {
		text = full
	}
	return ui.Show(ctx, r, text, kb)
}

// withdraw lets the author take back a submitted alert before an analyst decides.
func withdraw(ctx context.Context, r *bot.Request) error {
	args := r.Data()
	al, err := loadAlert(ctx, r, args.ID(0))
	if err != nil {
		return err
	}
	if al.AuthorID != r.Member.ID {
		return bot.Tell("alert_not_found", nil)
	}
	var done *store.Alert
	err = r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		done, err = store.WithdrawAlert(ctx, tx, al.ID, r.Member.ID, int(args.ID(1)))
		if err != nil {
			return err
		}
		if err := submission.EnqueueVerifyMarks(ctx, tx, done, 0); err != nil {
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
	r.ClosePressed() // Withdraw, once done
	return r.Reply(ctx, "alert_withdrawn", map[string]any{"Ref": done.Ref}, nil)
}

// revise opens a returned alert as a draft at its review screen, for its author.
func revise(ctx context.Context, r *bot.Request) error {
	al, err := loadAlert(ctx, r, r.Data().ID(0))
	if err != nil {
		return err
	}
	if al.AuthorID != r.Member.ID {
		return bot.Tell("alert_not_found", nil)
	}
	if al.State != store.AlertReturned {
		return stateError(ctx, r, al)
	}
	if confidential(r.App) {
		// The content stays off Telegram: the alert is revised on its Mini App page.
		return r.Reply(ctx, "alert_conf_revise", map[string]any{"Ref": al.Ref},
			(&bot.Keyboard{}).Row(appButton(r.App, al, r.Lang)))
	}
	d := &draft{AlertID: al.ID, Content: al.Content}
	return goTo(ctx, r, stepReview, d)
}

// movedToApp ends an /alert conversation (a new alert, or the revision of a returned one) begun
// in the chat before confidential mode was switched on (the bot restarted with it): from its
// next step on, the alert is written in the Mini App's form, so that nothing more of it is
// typed into Telegram. Its panel closes as on any end. The answers so far are copied into the
// form's draft — the revision's, or the new alert's unless the member has one there already —
// and the person is told what was copied and what was not (the files sent in the chat: the
// form takes files kept by the server), under the Open button to the form.
func movedToApp(ctx context.Context, r *bot.Request, d *draft) error {
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	db, now := r.App.Store.DB, r.App.Clock.Now()
	fields := alert.FormValues(r.App.I18n, r.Lang, &d.Content)
	path, copied, files := "/app/new", false, len(d.Content.Attachments)
	if d.AlertID != 0 {
		al, err := store.AlertByID(ctx, db, d.AlertID)
		if err != nil {
			return err
		}
		path = "/app/alerts/" + al.Ref + "/revise"
		// The revision's form lists the alert's own files; those added in the chat are not copied.
		files = 0
		for _, att := range d.Content.Attachments {
			if !slices.ContainsFunc(al.Content.Attachments, func(a alert.Attachment) bool { return a.FileID == att.FileID }) {
				files++
			}
		}
		if al.AuthorID != r.Member.ID || al.State != store.AlertReturned {
			return stateError(ctx, r, al)
		}
		_, err = store.RevisionDraft(ctx, db, r.Member.ID, al.ID)
		if isNotFound(err) {
			err, copied = store.SaveRevisionDraft(ctx, db, r.Member.ID, al.ID, fields, now), true
		}
		if err != nil {
			return err
		}
	} else if len(fields) > 0 {
		_, err := store.AppDraft(ctx, db, r.Member.ID)
		if isNotFound(err) {
			err, copied = store.SaveAppDraft(ctx, db, r.Member.ID, fields, now), true
		}
		if err != nil {
			return err
		}
	}
	text := r.T("alert_conf_moved", nil)
	switch {
	case copied:
		text += "\n\n" + r.T("alert_conf_moved_copied", nil)
	case len(fields) > 0:
		text += "\n\n" + r.T("alert_conf_moved_not_copied", nil)
	}
	if files > 0 {
		text += "\n\n" + r.T("alert_conf_moved_files", nil)
	}
	_, err := r.App.Send(ctx, r.ChatID, "reply", text, (&bot.Keyboard{}).Row(r.App.AppButton(r.Lang, path)))
	return err
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
