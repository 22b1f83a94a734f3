package request

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/i18n"
	"focalbot/bot/rfi"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// /ask: the conversation that writes a request for information. Steps, each saved in the
// conversations table so a restart loses nothing:
//
//	target   → countries (toggled) and/or CARICC, or "a named member" → member
//	missing  → a chosen country has no active focal point: send to CARICC instead, or go back
//	body     → text, photos and documents, then Done (an empty request is refused)
//	urgency  → routine | urgent
//	reply_by → 2 h | 24 h | 3 days, or typed (in the past is refused)
//	alert    → an alert reference ALR-YYYY-NNNNNN, or Skip
//	review   → Send | Cancel
//
// Buttons carry "rfiask:<action>[:arg]"; each press is checked against the step the
// conversation is in, so a press on an old message does nothing but say so.

const askFlow = "rfi_ask"

// draft is the request being written.
type draft struct {
	Countries []string   `json:"countries,omitempty"`
	MemberID  int64      `json:"member_id,omitempty"`
	CARICC    bool       `json:"caricc,omitempty"`
	Missing   []string   `json:"missing,omitempty"` // chosen countries without an active focal point
	Body      string     `json:"body,omitempty"`
	Files     []rfi.File `json:"files,omitempty"`
	Urgency   string     `json:"urgency,omitempty"`
	ReplyBy   time.Time  `json:"reply_by,omitzero"`
	AlertRef  string     `json:"alert_ref,omitempty"`
	Album     string     `json:"album,omitempty"` // media_group_id of the album whose first photo was answered
}

// ask starts a request. Observers submit nothing, so they cannot ask.
func ask(ctx context.Context, r *bot.Request) error {
	if r.Member.Role == store.RoleObserver {
		return bot.Tell("error_not_allowed", nil)
	}
	if r.App.Confidential() {
		// The Mini App's form: the text goes to the network's server, not through Telegram.
		if r.Conv != nil && r.Conv.Flow == askFlow {
			return movedToApp(ctx, r) // begun before confidential mode: the person is told it was not sent
		}
		return r.Reply(ctx, "rfi_ask_form", nil, (&bot.Keyboard{}).Row(r.App.AppButton(r.Lang, "/app/requests/new")))
	}
	d := draft{}
	if err := r.SaveConv(ctx, askFlow, "target", d); err != nil {
		return err
	}
	return ui.Ask(ctx, r, r.T("rfi_ask_target", nil), targetKeyboard(r, &d))
}

// movedToApp ends a /ask conversation begun in the chat before confidential mode was switched
// on (the bot restarted with it; /ask no longer begins one then): from its next step on, the
// request is written in the Mini App's form, so that nothing more of it is typed into Telegram.
// Its panel closes as on any end; the person is told that the request was not sent and is
// written again in the form, under the Open button to it.
func movedToApp(ctx context.Context, r *bot.Request) error {
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	return r.Reply(ctx, "rfi_conf_moved", nil, (&bot.Keyboard{}).Row(r.App.AppButton(r.Lang, "/app/requests/new")))
}

// targetKeyboard shows the network's countries (a tick on those chosen), CARICC, the
// choice of one named member, Next and Cancel.
func targetKeyboard(r *bot.Request, d *draft) *bot.Keyboard {
	kb := &bot.Keyboard{}
	var row []bot.Button
	for _, c := range store.NetworkCountries {
		label := i18n.CountryName(r.Lang, c)
		if slices.Contains(d.Countries, c) {
			label = "✓ " + label
		}
		row = append(row, bot.Button{Text: label, CallbackData: bot.CB(verbAsk, "c", c)})
		if len(row) == 2 {
			kb.Row(row...)
			row = nil
		}
	}
	if len(row) > 0 {
		kb.Row(row...)
	}
	caricc := r.T("rfi_caricc", nil)
	if d.CARICC {
		caricc = "✓ " + caricc
	}
	kb.Row(bot.Button{Text: caricc, CallbackData: bot.CB(verbAsk, "caricc")},
		bot.Button{Text: r.T("rfi_btn_member", nil), CallbackData: bot.CB(verbAsk, "m")})
	kb.Row(bot.Button{Text: r.T("rfi_btn_next", nil), CallbackData: bot.CB(verbAsk, "next")},
		bot.Button{Text: r.T("rfi_btn_cancel", nil), CallbackData: bot.CB(verbAsk, "cancel")})
	return kb
}

// askButton handles every button of the conversation.
func askButton(ctx context.Context, r *bot.Request) error {
	if err := r.Require(ctx, bot.Contributors); err != nil { // the current role, not the one at the start
		return err
	}
	parts := r.Data().Parts()
	action, arg := "", ""
	if len(parts) > 1 {
		action = parts[1]
	}
	if len(parts) > 2 {
		arg = parts[2]
	}
	if r.Conv == nil || r.Conv.Flow != askFlow {
		return r.Stale(ctx)
	}
	if r.App.Confidential() {
		return movedToApp(ctx, r)
	}
	var d draft
	if err := r.ConvData(&d); err != nil {
		return err
	}
	step := r.Conv.Step
	if action == "cancel" {
		if err := r.EndConv(ctx); err != nil {
			return err
		}
		return r.Reply(ctx, "cancelled", nil, nil)
	}
	// Which step each button belongs to: a press from another step is stale.
	wantStep := map[string]string{"c": "target", "caricc": "target", "m": "target", "next": "target",
		"mm": "member", "instead": "missing", "back": step, "done": "body", "u": "urgency",
		"by": "reply_by", "skip": "alert", "send": "review"}
	if want, ok := wantStep[action]; !ok || want != step || (action == "back" && step != "missing" && step != "member") {
		return r.Stale(ctx)
	}
	switch action {
	case "c":
		if !slices.Contains(store.NetworkCountries, arg) {
			return r.Stale(ctx)
		}
		if i := slices.Index(d.Countries, arg); i >= 0 {
			d.Countries = slices.Delete(d.Countries, i, i+1)
		} else {
			d.Countries = append(d.Countries, arg)
		}
		return saveAndEditTargets(ctx, r, &d)
	case "caricc":
		d.CARICC = !d.CARICC
		return saveAndEditTargets(ctx, r, &d)
	case "m":
		return showMembers(ctx, r, &d)
	case "mm":
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			return r.Stale(ctx)
		}
		if _, err := rfi.NamedMember(ctx, r.App.Store.DB, r.Member.ID, id); errors.Is(err, rfi.ErrMemberGone) {
			return bot.Tell("rfi_member_gone", nil)
		} else if err != nil {
			return err
		}
		d.MemberID, d.Countries, d.CARICC = id, nil, false
		return toBody(ctx, r, &d)
	case "back":
		d.Missing, d.MemberID = nil, 0
		if err := r.SaveConv(ctx, askFlow, "target", d); err != nil {
			return err
		}
		return ui.Ask(ctx, r, r.T("rfi_ask_target", nil), targetKeyboard(r, &d))
	case "next":
		if len(d.Countries) == 0 && !d.CARICC {
			return bot.Tell("rfi_no_target", nil)
		}
		var chosen []string // the targets panel closes with the targets chosen
		for _, c := range d.Countries {
			chosen = append(chosen, i18n.CountryName(r.Lang, c))
		}
		if d.CARICC {
			chosen = append(chosen, "CARICC")
		}
		r.PanelAnswer = i18n.JoinList(r.Lang, chosen)
		missing, err := rfi.MissingCountries(ctx, r.App.Store.DB, r.Member.ID, d.Countries)
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			return offerCARICC(ctx, r, &d, missing)
		}
		return toBody(ctx, r, &d)
	case "instead":
		d.Countries = slices.DeleteFunc(d.Countries, func(c string) bool { return slices.Contains(d.Missing, c) })
		d.Missing, d.CARICC = nil, true
		return toBody(ctx, r, &d)
	case "done":
		if strings.TrimSpace(d.Body) == "" {
			return bot.Tell("rfi_empty", nil)
		}
		if err := r.SaveConv(ctx, askFlow, "urgency", d); err != nil {
			return err
		}
		kb := (&bot.Keyboard{}).Row(
			bot.Button{Text: r.T("rfi_urgency_routine", nil), CallbackData: bot.CB(verbAsk, "u", "routine")},
			bot.Button{Text: r.T("rfi_urgency_urgent", nil), CallbackData: bot.CB(verbAsk, "u", "urgent")})
		return ui.Ask(ctx, r, r.T("rfi_ask_urgency", nil), kb)
	case "u":
		if arg != store.RFIRoutine && arg != store.RFIUrgent {
			return r.Stale(ctx)
		}
		d.Urgency = arg
		if err := r.SaveConv(ctx, askFlow, "reply_by", d); err != nil {
			return err
		}
		kb := (&bot.Keyboard{}).Row(
			bot.Button{Text: r.T("rfi_btn_2h", nil), CallbackData: bot.CB(verbAsk, "by", "2h")},
			bot.Button{Text: r.T("rfi_btn_24h", nil), CallbackData: bot.CB(verbAsk, "by", "24h")},
			bot.Button{Text: r.T("rfi_btn_3d", nil), CallbackData: bot.CB(verbAsk, "by", "72h")})
		return ui.Ask(ctx, r, r.T("rfi_ask_reply_by_zone", map[string]any{"Zone": ui.ZoneName(r.Member, r.App.Clock.Now())}), kb)
	case "by":
		dur, err := time.ParseDuration(arg)
		if err != nil || (dur != 2*time.Hour && dur != 24*time.Hour && dur != 72*time.Hour) {
			return r.Stale(ctx)
		}
		return setReplyBy(ctx, r, &d, r.App.Clock.Now().Add(dur))
	case "skip":
		d.AlertRef = ""
		return toReview(ctx, r, &d)
	case "send":
		return send(ctx, r, &d)
	}
	return r.Stale(ctx)
}

// saveAndEditTargets saves a changed choice of targets and shows it on the same message.
func saveAndEditTargets(ctx context.Context, r *bot.Request, d *draft) error {
	if err := r.SaveConv(ctx, askFlow, "target", d); err != nil {
		return err
	}
	q := r.Update.CallbackQuery
	if q == nil || q.Message.Message == nil {
		return ui.Ask(ctx, r, r.T("rfi_ask_target", nil), targetKeyboard(r, d))
	}
	if err := r.App.EditMarkup(ctx, r.ChatID, q.Message.Message.ID, targetKeyboard(r, d)); err != nil {
		// An old message may no longer be editable: show the choice anew instead.
		return ui.Ask(ctx, r, r.T("rfi_ask_target", nil), targetKeyboard(r, d))
	}
	return nil
}

// showMembers offers the members a request may name (rfi.AddressableMembers) as buttons.
func showMembers(ctx context.Context, r *bot.Request, d *draft) error {
	members, err := store.ActiveMembers(ctx, r.App.Store.DB)
	if err != nil {
		return err
	}
	kb := &bot.Keyboard{}
	for _, m := range rfi.AddressableMembers(members, r.Member.ID) {
		if len(kb.InlineKeyboard) >= 90 { // Telegram allows 100 buttons; keep room for Back
			break
		}
		kb.Row(bot.Button{Text: who(r.App, r.Lang, &m), CallbackData: bot.CB(verbAsk, "mm", m.ID)})
	}
	if len(kb.InlineKeyboard) == 0 {
		return bot.Tell("rfi_no_members", nil)
	}
	kb.Row(bot.Button{Text: r.T("rfi_btn_back", nil), CallbackData: bot.CB(verbAsk, "back")},
		bot.Button{Text: r.T("rfi_btn_cancel", nil), CallbackData: bot.CB(verbAsk, "cancel")})
	if err := r.SaveConv(ctx, askFlow, "member", d); err != nil {
		return err
	}
	return ui.Ask(ctx, r, r.T("rfi_ask_member", nil), kb)
}

// offerCARICC tells, before anything is sent, that some countries have nobody to
// receive the request, and offers CARICC instead.
func offerCARICC(ctx context.Context, r *bot.Request, d *draft, missing []string) error {
	d.Missing = missing
	if err := r.SaveConv(ctx, askFlow, "missing", d); err != nil {
		return err
	}
	var names []string
	for _, c := range missing {
		names = append(names, i18n.CountryName(r.Lang, c))
	}
	kb := (&bot.Keyboard{}).
		Row(bot.Button{Text: r.T("rfi_btn_instead", nil), CallbackData: bot.CB(verbAsk, "instead")}).
		Row(bot.Button{Text: r.T("rfi_btn_back", nil), CallbackData: bot.CB(verbAsk, "back")},
			bot.Button{Text: r.T("rfi_btn_cancel", nil), CallbackData: bot.CB(verbAsk, "cancel")})
	return ui.Ask(ctx, r, r.T("rfi_no_focal_point", map[string]any{"Countries": i18n.JoinList(r.Lang, names)}), kb)
}

func toBody(ctx context.Context, r *bot.Request, d *draft) error {
	if err := r.SaveConv(ctx, askFlow, "body", d); err != nil {
		return err
	}
	return ui.Ask(ctx, r, r.T("rfi_ask_body", map[string]any{"Max": maxBody}), doneKeyboard(r))
}

func doneKeyboard(r *bot.Request) *bot.Keyboard {
	return (&bot.Keyboard{}).Row(bot.Button{Text: r.T("rfi_btn_done", nil), CallbackData: bot.CB(verbAsk, "done")},
		bot.Button{Text: r.T("rfi_btn_cancel", nil), CallbackData: bot.CB(verbAsk, "cancel")})
}

func setReplyBy(ctx context.Context, r *bot.Request, d *draft, t time.Time) error {
	d.ReplyBy = t.UTC().Truncate(time.Minute)
	if err := r.SaveConv(ctx, askFlow, "alert", d); err != nil {
		return err
	}
	kb := (&bot.Keyboard{}).Row(bot.Button{Text: r.T("rfi_btn_skip", nil), CallbackData: bot.CB(verbAsk, "skip")},
		bot.Button{Text: r.T("rfi_btn_cancel", nil), CallbackData: bot.CB(verbAsk, "cancel")})
	return ui.Ask(ctx, r, r.T("rfi_ask_alert", nil), kb)
}

func toReview(ctx context.Context, r *bot.Request, d *draft) error {
	if err := r.SaveConv(ctx, askFlow, "review", d); err != nil {
		return err
	}
	var member *store.Member
	if d.MemberID != 0 {
		m, err := store.MemberByID(ctx, r.App.Store.DB, d.MemberID)
		if err != nil {
			return err
		}
		member = m
	}
	var alert *string
	if d.AlertRef != "" {
		alert = &d.AlertRef
	}
	sum := summaryText(r.App, r.Lang, summaryData{Reader: r.Member, Urgency: d.Urgency, Countries: d.Countries, Member: member,
		CARICC: d.CARICC, ReplyBy: d.ReplyBy, AlertRef: alert, Files: len(d.Files)})
	kb := (&bot.Keyboard{}).Row(bot.Button{Text: r.T("rfi_btn_send", nil), CallbackData: bot.CB(verbAsk, "send")},
		bot.Button{Text: r.T("rfi_btn_cancel", nil), CallbackData: bot.CB(verbAsk, "cancel")})
	text := r.T("rfi_ask_review", nil) + "\n\n" + sum + "\n\n" + r.T("rfi_body", map[string]any{"Body": body(r.App, r.Lang, r.Lang, d.Body)})
	err := ui.Ask(ctx, r, text, kb)
	return err
}

// askInput takes what the person types or sends during /ask.
func askInput(ctx context.Context, r *bot.Request) error {
	if r.App.Confidential() {
		return movedToApp(ctx, r)
	}
	var d draft
	if err := r.ConvData(&d); err != nil {
		return err
	}
	switch r.Conv.Step {
	case "body":
		if err := collect(r, &d.Body, &d.Files); err != nil {
			return err
		}
		// One answer per album (photos picked together), not one per photo.
		album := r.Update.Message.MediaGroupID
		sameAlbum := album != "" && album == d.Album
		d.Album = album
		if err := r.SaveConv(ctx, askFlow, "body", d); err != nil {
			return err
		}
		if sameAlbum {
			return nil
		}
		return ui.Ask(ctx, r, r.T("rfi_added", nil), doneKeyboard(r))
	case "reply_by":
		t, err := rfi.ParseReplyBy(r.Text(), r.App.Clock.Now(), ui.Zone(r.Member))
		var p *alert.Problem
		switch {
		case errors.As(err, &p): // unreadable (naming the zone), past or too far
			return bot.Tell(p.ID, p.Data)
		case err != nil:
			return err
		}
		return setReplyBy(ctx, r, &d, t)
	case "alert":
		// Only an alert that exists and that the asker may see (rfi.LinkAlert); the person
		// stays on the step to type another reference or press Skip.
		ref, err := rfi.LinkAlert(ctx, r.App.Store.DB, r.Member, r.Text())
		switch {
		case errors.Is(err, rfi.ErrAlertRef):
			return bot.Tell("rfi_alert_bad", nil)
		case errors.Is(err, rfi.ErrAlertUnseen): // the register's answer, the same for both causes
			return bot.Tell("alert_not_found", nil)
		case err != nil:
			return err
		}
		d.AlertRef = ref
		return toReview(ctx, r, &d)
	}
	return bot.Tell("rfi_use_buttons", nil)
}

// collect adds a text, photo or document to what is being written. It refuses, without
// adding anything, what would make the text too long or the files too many, and what is
// neither text, photo nor document.
func collect(r *bot.Request, body *string, files *[]rfi.File) error {
	m := r.Update.Message
	var f *rfi.File
	switch {
	case len(m.Photo) > 0:
		f = &rfi.File{Kind: "photo", FileID: m.Photo[len(m.Photo)-1].FileID}
	case m.Document != nil:
		f = &rfi.File{Kind: "document", FileID: m.Document.FileID, Name: m.Document.FileName}
	case m.Text == "":
		return bot.Tell("rfi_unsupported", nil)
	}
	if f != nil && len(*files) >= maxFiles {
		return bot.Tell("rfi_too_many_files", map[string]any{"Max": maxFiles})
	}
	text := strings.TrimSpace(r.Text())
	next := *body
	if text != "" {
		if next != "" {
			next += "\n"
		}
		next += text
	}
	if n := alert.UTF16Len(next); n > maxBody {
		return bot.Tell("rfi_too_long", map[string]any{"Max": maxBody, "Len": n})
	}
	if err := fitsRendered(r, next); err != nil {
		return err
	}
	*body = next
	if f != nil {
		*files = append(*files, *f)
	}
	return nil
}

// send stores the request, its recipients and its outbox rows in one transaction.
func send(ctx context.Context, r *bot.Request, d *draft) error {
	a, me := r.App, r.Member
	// Someone may have been suspended since the choice: check again, before anything is sent.
	missing, err := rfi.MissingCountries(ctx, a.Store.DB, me.ID, d.Countries)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return offerCARICC(ctx, r, d, missing)
	}
	now := a.Clock.Now()
	if !d.ReplyBy.After(now) {
		// The draft waited past its own reply-by time: ask for a new one.
		if err := r.SaveConv(ctx, askFlow, "reply_by", d); err != nil {
			return err
		}
		return bot.Tell("rfi_reply_by_past", nil)
	}
	ref, err := rfi.Create(ctx, a.Store, me, r.Lang, d.rfiDraft(), now)
	switch {
	case errors.Is(err, rfi.ErrMemberGone):
		return bot.Tell("rfi_member_gone", nil)
	case errors.Is(err, rfi.ErrNoRecipients):
		return bot.Tell("rfi_no_recipients", nil)
	case err != nil:
		return err
	}
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	return r.Reply(ctx, "rfi_sent", map[string]any{"Ref": ref}, nil)
}

// rfiDraft is the request as bot/rfi creates it.
func (d *draft) rfiDraft() *rfi.Draft {
	return &rfi.Draft{Countries: d.Countries, MemberID: d.MemberID, CARICC: d.CARICC, Body: d.Body, Files: d.Files,
		Urgency: d.Urgency, ReplyBy: d.ReplyBy, AlertRef: d.AlertRef}
}
