package broadcast

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/alert"
	bcast "focalbot/bot/broadcast"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// CARICC's broadcasts: an analyst composes a draft (texts in one or more languages, optionally
// one photo or document, the audience, the priority, an Acknowledge button, a time to send),
// sees a preview with the exact number of recipients and confirms. The draft lives in the
// broadcasts table, so its panel's buttons carry only its ID; every press re-reads it and
// changes it only while it is still a draft of the person pressing.

const (
	flow = "broadcast"
	// draftKeep is how long a draft abandoned in the middle stays before it is deleted.
	draftKeep = 24 * time.Hour

	kind       = "broadcast"        // outbox rows: the broadcast itself
	noticeKind = "broadcast_notice" // outbox rows: "your scheduled broadcast went out" to its author

	maxSchedule = 90 * 24 * time.Hour
)

// conv is the broadcast conversation: which draft, which language's text is awaited, and the
// message of the draft's live panel (whose buttons go when a new panel replaces it).
type conv struct {
	ID    int64  `json:"id,omitempty"`
	Lang  string `json:"lang,omitempty"`
	Panel int    `json:"panel,omitempty"`
}

func Register(a *bot.App) {
	a.BroadcastTextsSaved = func(ctx context.Context, memberID, id int64) error { return redrawPanel(ctx, a, memberID, id) }
	a.Command("broadcast", bot.Analysts, start)
	a.Command("broadcasts", bot.Analysts, list)
	a.Flow(flow, bot.Analysts, flowStep)
	a.Callback(verbPanel, bot.Analysts, panelPress)
	a.Callback(verbAck, bot.Members, ack)
	a.Callback(verbReport, bot.Analysts, reportPress)
	a.Callback(verbCancel, bot.Analysts, cancelScheduled)
	a.RendererPerLanguage(kind, renderer(a)) // the same for every reader of a language
	a.Renderer(noticeKind, noticeRenderer(a))
	a.Job("broadcasts_due", time.Minute, func(ctx context.Context, now time.Time) error { return sendDue(ctx, a, now) })
	a.Job("broadcast_drafts_purge", time.Hour, func(ctx context.Context, now time.Time) error {
		// A draft no conversation holds (/cancel, another command) is deleted a day later.
		// (Alert and request drafts live in the conversation itself and go with it.)
		n, err := store.PurgeAbandonedDrafts(ctx, a.Store.DB, flow, "id", now, now.Add(-draftKeep))
		if n > 0 {
			a.Log.Info("abandoned broadcast drafts deleted", "count", n)
		}
		return err
	})
}

// start begins a broadcast: the first text is awaited, in the author's language. In
// confidential mode the text never passes through the chat: the draft is created at once,
// confidential and without text, and its panel's Open leads to the Mini App page where its
// author writes it (bot/console, appbroadcastedit.go).
func start(ctx context.Context, r *bot.Request) error {
	if r.App.Confidential() {
		return startConfidential(ctx, r)
	}
	if err := r.SaveConv(ctx, flow, "text", conv{Lang: r.Lang}); err != nil {
		return err
	}
	return r.Reply(ctx, "bc_ask_text", map[string]any{"Language": i18n.NativeName(r.Lang)}, nil)
}

// flowStep takes what the author types: the first text (with an optional file), a text in
// another language, or the time to send.
func flowStep(ctx context.Context, r *bot.Request) error {
	var c conv
	if err := r.ConvData(&c); err != nil {
		return err
	}
	switch r.Conv.Step {
	case "text":
		return takeFirstText(ctx, r, c)
	case "lang_text":
		return takeLangText(ctx, r, c)
	case "schedule":
		return takeSchedule(ctx, r, c)
	}
	if photo, doc := fileOf(r); (photo != "" || doc != "") && r.App.Confidential() {
		return bot.Tell("bc_conf_in_app", nil)
	}
	return bot.Tell("bc_use_buttons", nil)
}

// startConfidential creates the draft at once, confidential and without text, and shows its
// panel, whose Open leads to the page where its texts are written.
func startConfidential(ctx context.Context, r *bot.Request) error {
	var id int64
	err := r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if id, err = store.CreateBroadcastDraft(ctx, tx, r.Member.ID, r.Lang, "", "", ""); err != nil {
			return err
		}
		b, err := store.BroadcastByID(ctx, tx, id)
		if err != nil {
			return err
		}
		b.Confidential = true
		return store.UpdateBroadcastDraft(ctx, tx, b)
	})
	if err != nil {
		return err
	}
	return newPanel(ctx, r, id, 0)
}

// inApp tells whether a draft's texts are written in the Mini App: a confidential one in
// confidential mode. Such a draft stays confidential (its toggle is not offered), takes no
// photo or document, and the chat never shows its texts.
func inApp(a *bot.App, b *store.Broadcast) bool {
	return a.Confidential() && b.Confidential
}

// editPath is the Mini App page where the texts of a draft are written.
func editPath(id int64) string { return fmt.Sprintf("/app/broadcasts/%d/edit", id) }

// fileOf is the photo or document of the message, by file_id.
func fileOf(r *bot.Request) (photo, document string) {
	m := r.Update.Message
	if m == nil {
		return "", ""
	}
	if len(m.Photo) > 0 {
		photo = m.Photo[len(m.Photo)-1].FileID // the largest size
	}
	if m.Document != nil {
		document = m.Document.FileID
	}
	return photo, document
}

// checkText refuses an empty text and one over Telegram's limits (never cut silently): the
// rule the Mini App's page applies too (bcast.CheckText).
func checkText(text string, withFile bool) error {
	if p := bcast.CheckText(text, withFile); p != nil {
		return bot.Tell(p.ID, p.Data)
	}
	return nil
}

func takeFirstText(ctx context.Context, r *bot.Request, c conv) error {
	if r.App.Confidential() {
		// A conversation begun before confidential mode was switched on: nothing typed is
		// kept; the draft is created as /broadcast now does, its text to be written with Open.
		if err := r.Reply(ctx, "bc_conf_in_app", nil, nil); err != nil {
			return err
		}
		return startConfidential(ctx, r)
	}
	text := strings.TrimSpace(r.Text())
	photo, doc := fileOf(r)
	if err := checkText(text, photo != "" || doc != ""); err != nil {
		return err
	}
	var id int64
	err := r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		id, err = store.CreateBroadcastDraft(ctx, tx, r.Member.ID, c.Lang, text, photo, doc)
		if err != nil {
			return err
		}
		return store.SaveConversation(ctx, tx, r.From.ID, flow, "panel", conv{ID: id})
	})
	if err != nil {
		return err
	}
	return newPanel(ctx, r, id, c.Panel)
}

func takeLangText(ctx context.Context, r *bot.Request, c conv) error {
	b, err := ownDraft(ctx, r, c.ID)
	if err != nil {
		return err
	}
	if inApp(r.App, b) {
		return bot.Tell("bc_conf_in_app", nil) // its texts are written in the Mini App only
	}
	if photo, doc := fileOf(r); photo != "" || doc != "" {
		return bot.Tell("bc_text_only", nil)
	}
	text := strings.TrimSpace(r.Text())
	if err := checkText(text, b.PhotoFileID != "" || b.DocumentFileID != ""); err != nil {
		return err
	}
	if err := store.SetBroadcastText(ctx, r.App.Store.DB, b.ID, c.Lang, text); err != nil {
		return err
	}
	return newPanel(ctx, r, b.ID, c.Panel)
}

func takeSchedule(ctx context.Context, r *bot.Request, c conv) error {
	b, err := ownDraft(ctx, r, c.ID)
	if err != nil {
		return err
	}
	now := r.App.Clock.Now()
	when, ok := ui.ParseWhen(r.Text(), now, ui.Zone(r.Member))
	switch {
	case !ok:
		return bot.Tell("bc_schedule_invalid_zone", map[string]any{"Zone": ui.ZoneName(r.Member, now)})
	case !when.After(now):
		return bot.Tell("bc_schedule_past", map[string]any{"Now": ui.Time(r.Member, now)})
	case when.Sub(now) > maxSchedule:
		return bot.Tell("bc_schedule_too_far", nil)
	}
	b.ScheduledFor = &when
	if err := save(ctx, r, b); err != nil {
		return err
	}
	return newPanel(ctx, r, b.ID, c.Panel)
}

// newPanel sends the draft's panel anew after typed input, takes the buttons off the panel it
// replaces (old, 0 for none): one live panel per draft.
func newPanel(ctx context.Context, r *bot.Request, id int64, old int) error {
	if old != 0 {
		if err := r.App.EditMarkup(ctx, r.ChatID, old, nil); err != nil {
			r.App.Log.Warn("old broadcast panel kept its buttons", "chat_id", r.ChatID, "err", err)
		}
	}
	text, kb, err := panel(ctx, r, id)
	if err != nil {
		return err
	}
	m, err := r.App.Send(ctx, r.ChatID, "reply", text, kb)
	if err != nil {
		return err
	}
	return r.SaveConv(ctx, flow, "panel", conv{ID: id, Panel: m.ID})
}

// redrawPanel edits the live panel of draft id, when its author memberID's conversation holds
// one, into the draft's main panel as it now is: after its texts were saved in the Mini App
// (bot/console, appbroadcastedit.go), the chat shows their languages and lengths at once.
// Without such a panel nothing is done; one that can no longer be edited (deleted, too old)
// fails, and the next press redraws it.
func redrawPanel(ctx context.Context, a *bot.App, memberID, id int64) error {
	m, err := store.MemberByID(ctx, a.Store.DB, memberID)
	if err != nil {
		return err
	}
	c, err := store.ConversationOf(ctx, a.Store.DB, m.TelegramUserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var cv conv
	if c.Flow != flow || json.Unmarshal(c.Data, &cv) != nil || cv.ID != id || cv.Panel == 0 {
		return nil
	}
	lang := i18n.Default
	if a.I18n.Has(m.Language) {
		lang = m.Language
	}
	r := &bot.Request{App: a, ChatID: m.ChatID, Member: m, Lang: lang}
	text, kb, err := panel(ctx, r, id)
	if err != nil {
		return err
	}
	return a.Edit(ctx, m.ChatID, cv.Panel, text, kb)
}

// pressedPanel is the message of the pressed button: the draft's live panel.
func pressedPanel(r *bot.Request) int {
	if q := r.Update.CallbackQuery; q != nil && q.Message.Message != nil {
		return q.Message.Message.ID
	}
	return 0
}

// save saves a draft's settings; one that stopped being a draft meanwhile (confirmed from
// another device, say) is left alone and the person told.
func save(ctx context.Context, r *bot.Request, b *store.Broadcast) error {
	err := store.UpdateBroadcastDraft(ctx, r.App.Store.DB, b)
	if errors.Is(err, store.ErrNotFound) {
		return bot.Tell("bc_not_draft", nil)
	}
	return err
}

// ownDraft loads a draft of the person; anything else (sent, someone else's) is refused.
func ownDraft(ctx context.Context, r *bot.Request, id int64) (*store.Broadcast, error) {
	b, err := store.BroadcastByID(ctx, r.App.Store.DB, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && b.AuthorID != r.Member.ID) {
		_ = r.EndConv(ctx)
		return nil, bot.Tell("bc_not_found", nil)
	}
	if err != nil {
		return nil, err
	}
	if b.State != store.BroadcastDraft {
		_ = r.EndConv(ctx)
		return nil, bot.Tell("bc_not_draft", nil)
	}
	return b, nil
}

// pressed loads the broadcast a button of its author names (verb:<id>:…). A press on someone
// else's or a missing one (forged) is answered with a toast, and nil is returned; malformed
// data gets no more than the empty answer.
func pressed(ctx context.Context, r *bot.Request) (*store.Broadcast, error) {
	id := r.Data().ID(0)
	if id == 0 {
		return nil, nil
	}
	b, err := store.BroadcastByID(ctx, r.App.Store.DB, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && b.AuthorID != r.Member.ID) {
		r.Answer(ctx, "bc_not_found", nil)
		return nil, nil
	}
	return b, err
}

// audienceText describes an audience in lang.
func audienceText(a *bot.App, lang string, b *store.Broadcast) string {
	if b.AudienceAll {
		return a.I18n.T(lang, "bc_audience_all", nil)
	}
	if !b.AudienceChosen() {
		return a.I18n.T(lang, "bc_audience_none", nil)
	}
	var parts []string
	if len(b.Countries) > 0 {
		var names []string
		for _, c := range b.Countries {
			names = append(names, i18n.CountryName(lang, c))
		}
		parts = append(parts, i18n.JoinList(lang, names))
	}
	if len(b.Roles) > 0 {
		var names []string
		for _, v := range b.Roles {
			names = append(names, a.I18n.T(lang, "net_role_"+v, nil))
		}
		parts = append(parts, i18n.JoinList(lang, names))
	}
	if len(b.Agencies) > 0 {
		var names []string
		for _, v := range b.Agencies {
			names = append(names, a.I18n.T(lang, "net_agency_"+v, nil))
		}
		parts = append(parts, i18n.JoinList(lang, names))
	}
	return strings.Join(parts, " · ")
}

// languagesText lists a draft's language versions, the fallback marked.
func languagesText(a *bot.App, lang string, b *store.Broadcast, texts map[string]string) string {
	var names []string
	for _, code := range i18n.Supported {
		if _, ok := texts[code]; !ok {
			continue
		}
		n := i18n.NativeName(code)
		if inApp(a, b) { // the chat shows no text of it: its length tells what was written
			n = a.I18n.T(lang, "bc_conf_lang_len", map[string]any{"Language": n, "Length": alert.UTF16Len(texts[code]), "Max": bcast.MaxText})
		}
		if code == b.FallbackLang {
			n = a.I18n.T(lang, "bc_fallback_mark", map[string]any{"Language": n})
		}
		names = append(names, n)
	}
	return i18n.JoinList(lang, names)
}

// showPanel shows the draft's main panel in place of the pressed message.
func showPanel(ctx context.Context, r *bot.Request, id int64) error {
	text, kb, err := panel(ctx, r, id)
	if err != nil {
		return err
	}
	return ui.Show(ctx, r, text, kb)
}

// panel is the draft's main panel: its settings and the exact recipient count.
func panel(ctx context.Context, r *bot.Request, id int64) (string, *bot.Keyboard, error) {
	a := r.App
	b, err := store.BroadcastByID(ctx, a.Store.DB, id)
	if err != nil {
		return "", nil, err
	}
	texts, err := store.BroadcastTexts(ctx, a.Store.DB, id)
	if err != nil {
		return "", nil, err
	}
	n, err := store.CountBroadcastAudience(ctx, a.Store.DB, b)
	if err != nil {
		return "", nil, err
	}
	attachment := r.T("bc_attachment_none", nil)
	switch {
	case b.PhotoFileID != "":
		attachment = r.T("bc_attachment_photo", nil)
	case b.DocumentFileID != "":
		attachment = r.T("bc_attachment_document", nil)
	}
	ack := r.T("bc_ack_off", nil)
	if b.AckRequested {
		ack = r.T("bc_ack_on", nil)
	}
	when := r.T("bc_when_now", nil)
	if b.ScheduledFor != nil {
		when = r.T("bc_when_at", map[string]any{"When": ui.Time(r.Member, *b.ScheduledFor)})
	}
	languages := languagesText(a, r.Lang, b, texts)
	if inApp(a, b) && len(texts) == 0 {
		languages = "—"
	}
	text := r.T("bc_panel", map[string]any{
		"ID":         b.ID,
		"Languages":  i18n.HTML(languages),
		"Attachment": i18n.HTML(attachment),
		"Audience":   i18n.HTML(audienceText(a, r.Lang, b)),
		"Recipients": i18n.HTML(a.I18n.N(r.Lang, "bc_recipients", n, nil)),
		"Priority":   i18n.HTML(r.T(fmt.Sprintf("bc_priority_%d", b.Priority), nil)),
		"Ack":        i18n.HTML(ack),
		"When":       i18n.HTML(when),
	})
	p := panelData(b.ID)
	kb := (&bot.Keyboard{}).
		Row(bot.Button{Text: r.T("bc_btn_audience", nil), CallbackData: p("aud")},
			bot.Button{Text: r.T("bc_btn_priority", map[string]any{"Priority": r.T(fmt.Sprintf("bc_priority_%d", b.Priority), nil)}), CallbackData: p("prio")})
	if inApp(a, b) {
		// Its texts are written in the Mini App (Open); it stays confidential.
		text = r.T("bc_conf_write_hint", nil) + "\n\n" + text
		kb.Row(bot.Button{Text: ui.Check(b.AckRequested, r.T("bc_btn_ack_request", nil)), CallbackData: p("ack")}).
			Row(a.AppButton(r.Lang, editPath(b.ID)))
	} else {
		kb.Row(bot.Button{Text: ui.Check(b.AckRequested, r.T("bc_btn_ack_request", nil)), CallbackData: p("ack")},
			bot.Button{Text: r.T("bc_btn_add_lang", nil), CallbackData: p("lang")})
		if a.Confidential() {
			kb.Row(bot.Button{Text: ui.Check(b.Confidential, r.T("bc_btn_confidential", nil)), CallbackData: p("conf")})
		}
	}
	if len(texts) > 1 {
		kb.Row(bot.Button{Text: r.T("bc_btn_fallback", map[string]any{"Language": i18n.NativeName(b.FallbackLang)}), CallbackData: p("fb")})
	}
	if b.ScheduledFor == nil {
		kb.Row(bot.Button{Text: r.T("bc_btn_schedule", nil), CallbackData: p("sched")})
	} else {
		kb.Row(bot.Button{Text: r.T("bc_btn_unschedule", nil), CallbackData: p("unsched")})
	}
	kb.Row(bot.Button{Text: r.T("bc_btn_preview", nil), CallbackData: p("prev")},
		bot.Button{Text: r.T("bc_btn_discard", nil), CallbackData: p("drop")})
	return text, kb, nil
}

// showAudience shows the audience chooser: the whole network, or countries, roles and
// agencies under their headings. Within a heading any ticked value will do; the headings
// combine: a member receives it if they match every heading with something ticked
// (store.BroadcastAudience) — the text says so, and the headings' own buttons say "AND".
func showAudience(ctx context.Context, r *bot.Request, b *store.Broadcast) error {
	a := r.App
	n, err := store.CountBroadcastAudience(ctx, a.Store.DB, b)
	if err != nil {
		return err
	}
	groups := r.T("bc_audience_all", nil)
	if !b.AudienceAll {
		group := func(head string, chosen []string, name func(string) string) string {
			names := r.T("bc_aud_any", nil)
			if len(chosen) > 0 {
				var ns []string
				for _, v := range chosen {
					ns = append(ns, name(v))
				}
				names = i18n.JoinList(r.Lang, ns)
			}
			return r.T("bc_aud_group", map[string]any{"Heading": r.T(head, nil), "Chosen": names})
		}
		and := "\n" + r.T("bc_aud_and", nil) + "\n"
		groups = group("bc_aud_head_countries", b.Countries, func(c string) string { return i18n.CountryName(r.Lang, c) }) + and +
			group("bc_aud_head_roles", b.Roles, func(v string) string { return r.T("net_role_"+v, nil) }) + and +
			group("bc_aud_head_agencies", b.Agencies, func(v string) string { return r.T("net_agency_"+v, nil) })
	}
	text := r.T("bc_aud_screen", map[string]any{
		"ID":         b.ID,
		"Groups":     i18n.HTML(groups),
		"Audience":   i18n.HTML(audienceText(a, r.Lang, b)),
		"Recipients": i18n.HTML(a.I18n.N(r.Lang, "bc_recipients", n, nil)),
	})
	p := panelData(b.ID)
	kb := (&bot.Keyboard{}).Row(bot.Button{Text: ui.Check(b.AudienceAll, r.T("bc_audience_all", nil)), CallbackData: p("all")})
	var row []bot.Button
	flush := func(width int) {
		if len(row) >= width {
			kb.Row(row...)
			row = nil
		}
	}
	heading := func(label, group string) {
		kb.Row(bot.Button{Text: r.T(label, nil), CallbackData: p("hd", group)})
	}
	heading("bc_aud_btn_countries", "c")
	for _, c := range store.NetworkCountries {
		row = append(row, bot.Button{Text: ui.Check(slices.Contains(b.Countries, c), i18n.CountryName(r.Lang, c)), CallbackData: p("c", c)})
		flush(2)
	}
	flush(1)
	heading("bc_aud_btn_roles", "r")
	for _, v := range store.Roles {
		row = append(row, bot.Button{Text: ui.Check(slices.Contains(b.Roles, v), r.T("net_role_"+v, nil)), CallbackData: p("r", v)})
		flush(2)
	}
	flush(1)
	heading("bc_aud_btn_agencies", "g")
	for _, v := range store.Agencies {
		row = append(row, bot.Button{Text: ui.Check(slices.Contains(b.Agencies, v), r.T("net_agency_"+v, nil)), CallbackData: p("g", v)})
		flush(2)
	}
	flush(1)
	kb.Row(bot.Button{Text: r.T("bc_btn_done", nil), CallbackData: p("main")})
	return ui.Show(ctx, r, text, kb)
}

// showLanguages offers the languages a version can be added (or replaced) in.
func showLanguages(ctx context.Context, r *bot.Request, b *store.Broadcast) error {
	texts, err := store.BroadcastTexts(ctx, r.App.Store.DB, b.ID)
	if err != nil {
		return err
	}
	p := panelData(b.ID)
	kb := &bot.Keyboard{}
	var row []bot.Button
	for _, code := range i18n.Supported {
		_, has := texts[code]
		row = append(row, bot.Button{Text: ui.Check(has, i18n.NativeName(code)), CallbackData: p("l", code)})
		if len(row) == 3 {
			kb.Row(row...)
			row = nil
		}
	}
	if len(row) > 0 {
		kb.Row(row...)
	}
	kb.Row(bot.Button{Text: r.T("bc_btn_back", nil), CallbackData: p("main")})
	return ui.Show(ctx, r, r.T("bc_lang_panel", map[string]any{"ID": b.ID}), kb)
}

// panelPress handles the draft panel's buttons: bc:<id>:<action>[:<arg>].
func panelPress(ctx context.Context, r *bot.Request) error {
	data := r.Data()
	action, arg := data.Arg(1), data.Arg(2)
	if action == "" {
		return nil // forged: the empty answer
	}
	b, err := pressed(ctx, r)
	if b == nil || err != nil {
		return err
	}
	if b.State != store.BroadcastDraft {
		// A second press of Confirm, or a late press on an old panel: nothing changes.
		return r.Stale(ctx)
	}
	if act, ok := panelActions[action]; ok {
		return act(ctx, r, b, arg)
	}
	return nil // forged: the empty answer
}

// panelAction is what a button of a draft's panel (bc:<id>:<action>[:<arg>]) does.
type panelAction func(ctx context.Context, r *bot.Request, b *store.Broadcast, arg string) error

// setting changes a setting of the draft, saves it and shows the panel again.
func setting(change func(b *store.Broadcast)) panelAction {
	return func(ctx context.Context, r *bot.Request, b *store.Broadcast, _ string) error {
		change(b)
		if err := save(ctx, r, b); err != nil {
			return err
		}
		return showPanel(ctx, r, b.ID)
	}
}

// audience changes the audience, saves it and shows the chooser again with the new count;
// change reports false for a value that is not on offer (forged), which changes nothing.
func audience(change func(b *store.Broadcast, arg string) bool) panelAction {
	return func(ctx context.Context, r *bot.Request, b *store.Broadcast, arg string) error {
		if !change(b, arg) {
			return nil // forged
		}
		if err := save(ctx, r, b); err != nil {
			return err
		}
		return showAudience(ctx, r, b)
	}
}

// toggleIn turns one value of an audience list (countries, roles, agencies) on or off.
func toggleIn(list func(b *store.Broadcast) *[]string, valid []string) panelAction {
	return audience(func(b *store.Broadcast, arg string) bool {
		if !slices.Contains(valid, arg) {
			return false
		}
		*list(b) = ui.Toggle(*list(b), arg)
		b.AudienceAll = false
		return true
	})
}

// panelActions are the buttons of a draft's panel, by action.
var panelActions = map[string]panelAction{
	"main": func(ctx context.Context, r *bot.Request, b *store.Broadcast, _ string) error {
		return showPanel(ctx, r, b.ID)
	},
	"aud": func(ctx context.Context, r *bot.Request, b *store.Broadcast, _ string) error {
		return showAudience(ctx, r, b)
	},
	"all": audience(func(b *store.Broadcast, _ string) bool {
		b.AudienceAll = !b.AudienceAll
		b.Countries, b.Roles, b.Agencies = nil, nil, nil
		return true
	}),
	"c":       toggleIn(func(b *store.Broadcast) *[]string { return (*[]string)(&b.Countries) }, store.NetworkCountries),
	"r":       toggleIn(func(b *store.Broadcast) *[]string { return (*[]string)(&b.Roles) }, store.Roles),
	"g":       toggleIn(func(b *store.Broadcast) *[]string { return (*[]string)(&b.Agencies) }, store.Agencies),
	"prio":    setting(func(b *store.Broadcast) { b.Priority = (b.Priority + 2) % 3 }), // routine → high → urgent → routine
	"ack":     setting(func(b *store.Broadcast) { b.AckRequested = !b.AckRequested }),
	"unsched": setting(func(b *store.Broadcast) { b.ScheduledFor = nil }),
	"conf": func(ctx context.Context, r *bot.Request, b *store.Broadcast, arg string) error {
		if !r.App.Confidential() || inApp(r.App, b) {
			return nil // not on offer: forged or an old panel
		}
		return setting(func(b *store.Broadcast) { b.Confidential = !b.Confidential })(ctx, r, b, arg)
	},
	"lang": func(ctx context.Context, r *bot.Request, b *store.Broadcast, _ string) error {
		if inApp(r.App, b) {
			return nil // not on offer: its texts are written in the Mini App
		}
		return showLanguages(ctx, r, b)
	},
	"l": func(ctx context.Context, r *bot.Request, b *store.Broadcast, arg string) error {
		if !slices.Contains(i18n.Supported, arg) || inApp(r.App, b) {
			return nil // forged, or an old panel of a draft whose texts are written in the Mini App
		}
		if err := r.SaveConv(ctx, flow, "lang_text", conv{ID: b.ID, Lang: arg, Panel: pressedPanel(r)}); err != nil {
			return err
		}
		return r.Reply(ctx, "bc_ask_text_lang", map[string]any{"Language": i18n.NativeName(arg)}, nil)
	},
	"fb": func(ctx context.Context, r *bot.Request, b *store.Broadcast, arg string) error {
		texts, err := store.BroadcastTexts(ctx, r.App.Store.DB, b.ID)
		if err != nil {
			return err
		}
		var have []string
		for _, code := range i18n.Supported {
			if _, ok := texts[code]; ok {
				have = append(have, code)
			}
		}
		return setting(func(b *store.Broadcast) {
			if len(have) > 0 {
				b.FallbackLang = have[(slices.Index(have, b.FallbackLang)+1)%len(have)]
			}
		})(ctx, r, b, arg)
	},
	"sched": func(ctx context.Context, r *bot.Request, b *store.Broadcast, _ string) error {
		if err := r.SaveConv(ctx, flow, "schedule", conv{ID: b.ID, Panel: pressedPanel(r)}); err != nil {
			return err
		}
		return r.Reply(ctx, "bc_ask_schedule_zone", map[string]any{"Now": ui.Time(r.Member, r.App.Clock.Now()), "Zone": ui.ZoneName(r.Member, r.App.Clock.Now())}, nil)
	},
	"prev": func(ctx context.Context, r *bot.Request, b *store.Broadcast, _ string) error {
		return preview(ctx, r, b, "")
	},
	"pv": func(ctx context.Context, r *bot.Request, b *store.Broadcast, arg string) error {
		if !slices.Contains(i18n.Supported, arg) {
			return nil // forged
		}
		return preview(ctx, r, b, arg)
	},
	"hd": func(ctx context.Context, r *bot.Request, b *store.Broadcast, arg string) error {
		// A heading of the audience chooser: it only explains.
		r.Answer(ctx, "bc_aud_hint", nil)
		return nil
	},
	"send": func(ctx context.Context, r *bot.Request, b *store.Broadcast, _ string) error {
		return confirm(ctx, r, b)
	},
	"drop": func(ctx context.Context, r *bot.Request, b *store.Broadcast, _ string) error {
		if _, err := store.TransitionBroadcast(ctx, r.App.Store.DB, b.ID, r.Member.ID, store.BroadcastDraft, store.BroadcastCancelled); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				r.Answer(ctx, "bc_not_draft", nil)
				return nil
			}
			return err
		}
		if err := r.EndConv(ctx); err != nil {
			return err
		}
		return ui.Show(ctx, r, r.T("bc_discarded", map[string]any{"ID": b.ID}), nil)
	},
}

// preview shows, in place of the panel, the broadcast as the readers of one language will get
// it (lang; "" for the author's, or the fallback when the author's has no version), with a
// button per language version to see another, the settings and the exact number of
// recipients, and the Confirm button. An empty audience is refused here, before anything can
// be confirmed.
func preview(ctx context.Context, r *bot.Request, b *store.Broadcast, lang string) error {
	a := r.App
	texts, err := store.BroadcastTexts(ctx, a.Store.DB, b.ID)
	if err != nil {
		return err
	}
	if len(texts) == 0 {
		return bot.Tell("bc_conf_no_text", nil) // a draft whose texts are written in the Mini App
	}
	n, err := store.CountBroadcastAudience(ctx, a.Store.DB, b)
	if err != nil {
		return err
	}
	if n == 0 {
		return bot.Tell("bc_zero_audience", nil)
	}
	now := a.Clock.Now()
	if b.ScheduledFor != nil && !b.ScheduledFor.After(now) {
		return bot.Tell("bc_schedule_past", map[string]any{"Now": ui.Time(r.Member, now)})
	}
	if lang == "" {
		lang = r.Lang
		if _, ok := texts[lang]; !ok {
			lang = b.FallbackLang
		}
	}
	body, _ := compose(a, b, texts, lang, lang)
	if b.Confidential {
		body = confidentialBody(a, b, lang) // as its recipients will get it
	}
	body = r.T("bc_preview_as", map[string]any{"Language": i18n.NativeName(lang)}) + "\n" + body
	attachment := ""
	switch {
	case b.PhotoFileID != "":
		attachment = r.T("bc_attachment_photo", nil)
	case b.DocumentFileID != "":
		attachment = r.T("bc_attachment_document", nil)
	}
	confirm := r.T("bc_btn_confirm_send", map[string]any{"Recipients": a.I18n.N(r.Lang, "bc_recipients", n, nil)})
	when := r.T("bc_when_now", nil)
	if b.ScheduledFor != nil {
		when = r.T("bc_when_at", map[string]any{"When": ui.Time(r.Member, *b.ScheduledFor)})
		confirm = r.T("bc_btn_confirm_schedule", map[string]any{"When": ui.Time(r.Member, *b.ScheduledFor)})
	}
	text := r.T("bc_preview", map[string]any{
		"ID":         b.ID,
		"Body":       i18n.HTML(body),
		"Attachment": i18n.HTML(attachment),
		"Languages":  i18n.HTML(languagesText(a, r.Lang, b, texts)),
		"Audience":   i18n.HTML(audienceText(a, r.Lang, b)),
		"Recipients": i18n.HTML(a.I18n.N(r.Lang, "bc_recipients", n, nil)),
		"Priority":   i18n.HTML(r.T(fmt.Sprintf("bc_priority_%d", b.Priority), nil)),
		"When":       i18n.HTML(when),
	})
	p := panelData(b.ID)
	kb := &bot.Keyboard{}
	if len(texts) > 1 {
		var versions []bot.Button
		for _, code := range i18n.Supported {
			if _, ok := texts[code]; ok {
				versions = append(versions, bot.Button{Text: ui.Check(code == lang, i18n.NativeName(code)), CallbackData: p("pv", code)})
			}
		}
		for i := 0; i < len(versions); i += 3 {
			kb.Row(versions[i:min(i+3, len(versions))]...)
		}
	}
	kb.Row(bot.Button{Text: confirm, CallbackData: p("send")}).
		Row(bot.Button{Text: r.T("bc_btn_edit", nil), CallbackData: p("main")},
			bot.Button{Text: r.T("bc_btn_discard", nil), CallbackData: p("drop")})
	if alert.UTF16Len(text) > 4096 {
		// The preview holds the whole text plus the settings; show them apart rather than cut.
		if _, err := a.Send(ctx, r.ChatID, "reply", body, nil); err != nil {
			return err
		}
		text = r.T("bc_preview", map[string]any{"ID": b.ID, "Body": "…", "Attachment": i18n.HTML(attachment),
			"Languages": i18n.HTML(languagesText(a, r.Lang, b, texts)), "Audience": i18n.HTML(audienceText(a, r.Lang, b)),
			"Recipients": i18n.HTML(a.I18n.N(r.Lang, "bc_recipients", n, nil)),
			"Priority":   i18n.HTML(r.T(fmt.Sprintf("bc_priority_%d", b.Priority), nil)), "When": i18n.HTML(when)})
	}
	return ui.Show(ctx, r, text, kb)
}

// panelData builds the data of the buttons of a draft's panel: bc:<id>:<action>[:<arg>].
func panelData(id int64) func(fields ...any) string {
	return func(fields ...any) string { return bot.CB(verbPanel, append([]any{id}, fields...)...) }
}
