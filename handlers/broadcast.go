package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// CARICC's broadcasts: an analyst composes a draft (texts in one or more languages, optionally
// one photo or document, the audience, the priority, an Acknowledge button, a time to send),
// sees a preview with the exact number of recipients and confirms. The draft lives in the
// broadcasts table, so its panel's buttons carry only its ID; every press re-reads it and
// changes it only while it is still a draft of the person pressing.

const (
	bcFlow = "broadcast"

	bcKind       = "broadcast"        // outbox rows: the broadcast itself
	bcNoticeKind = "broadcast_notice" // outbox rows: "your scheduled broadcast went out" to its author

	// Telegram's limits are 4096 characters for a text and 1024 for a caption; the header and
	// the language label need the rest.
	bcMaxText    = 3800
	bcMaxCaption = 900

	bcMaxSchedule = 90 * 24 * time.Hour
)

var (
	bcRoles    = []string{store.RoleFocalPoint, store.RoleAnalyst, store.RoleObserver, store.RoleAdmin}
	bcAgencies = []string{"customs", "port_control_unit", "border_guard", "drug_control_agency", "caricc", "unodc", "wco", "other"}
)

// bcConv is the broadcast conversation: which draft, and which language's text is awaited.
type bcConv struct {
	ID   int64  `json:"id,omitempty"`
	Lang string `json:"lang,omitempty"`
}

func registerBroadcasts(a *bot.App) {
	a.Command("broadcast", bot.Analysts, bcStart)
	a.Command("broadcasts", bot.Analysts, bcList)
	a.Flow(bcFlow, bot.Analysts, bcFlowStep)
	a.Callback("bc", bot.Analysts, bcPanelPress)
	a.Callback("bca", bot.Members, bcAck)
	a.Callback("bcr", bot.Analysts, bcReportPress)
	a.Callback("bcx", bot.Analysts, bcCancelScheduled)
	a.RendererPerLanguage(bcKind, bcRenderer(a)) // the same for every reader of a language
	a.Renderer(bcNoticeKind, bcNoticeRenderer(a))
	a.Job("broadcasts_due", time.Minute, func(ctx context.Context, now time.Time) error { return bcSendDue(ctx, a, now) })
}

// bcStart begins a broadcast: the first text is awaited, in the author's language.
func bcStart(ctx context.Context, r *bot.Request) error {
	if err := r.SaveConv(ctx, bcFlow, "text", bcConv{Lang: r.Lang}); err != nil {
		return err
	}
	return r.Reply(ctx, "bc_ask_text", map[string]any{"Language": i18n.NativeName(r.Lang)}, nil)
}

// bcFlowStep takes what the author types: the first text (with an optional file), a text in
// another language, or the time to send.
func bcFlowStep(ctx context.Context, r *bot.Request) error {
	var c bcConv
	if err := r.ConvData(&c); err != nil {
		return err
	}
	switch r.Conv.Step {
	case "text":
		return bcTakeFirstText(ctx, r, c)
	case "lang_text":
		return bcTakeLangText(ctx, r, c)
	case "schedule":
		return bcTakeSchedule(ctx, r, c)
	}
	return bot.Tell("bc_use_buttons", nil)
}

// bcFileOf is the photo or document of the message, by file_id.
func bcFileOf(r *bot.Request) (photo, document string) {
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

// bcCheckText refuses an empty text and one over Telegram's limits (never cut silently).
func bcCheckText(text string, withFile bool) error {
	if text == "" {
		return bot.Tell("bc_empty", nil)
	}
	limit := bcMaxText
	if withFile {
		limit = bcMaxCaption
	}
	if n := alert.UTF16Len(text); n > limit {
		return bot.Tell("bc_too_long", map[string]any{"Max": limit, "Length": n})
	}
	return nil
}

func bcTakeFirstText(ctx context.Context, r *bot.Request, c bcConv) error {
	text := strings.TrimSpace(r.Text())
	photo, doc := bcFileOf(r)
	if err := bcCheckText(text, photo != "" || doc != ""); err != nil {
		return err
	}
	var id int64
	err := r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		id, err = r.App.Store.CreateBroadcastDraft(ctx, tx, r.Member.ID, c.Lang, text, photo, doc)
		if err != nil {
			return err
		}
		return r.App.Store.SaveConversation(ctx, tx, r.From.ID, bcFlow, "panel", bcConv{ID: id})
	})
	if err != nil {
		return err
	}
	return bcShowPanel(ctx, r, id, false)
}

func bcTakeLangText(ctx context.Context, r *bot.Request, c bcConv) error {
	b, err := bcOwnDraft(ctx, r, c.ID)
	if err != nil {
		return err
	}
	if photo, doc := bcFileOf(r); photo != "" || doc != "" {
		return bot.Tell("bc_text_only", nil)
	}
	text := strings.TrimSpace(r.Text())
	if err := bcCheckText(text, b.PhotoFileID != "" || b.DocumentFileID != ""); err != nil {
		return err
	}
	if err := r.App.Store.SetBroadcastText(ctx, r.App.Store.DB, b.ID, c.Lang, text); err != nil {
		return err
	}
	if err := r.SaveConv(ctx, bcFlow, "panel", bcConv{ID: b.ID}); err != nil {
		return err
	}
	return bcShowPanel(ctx, r, b.ID, false)
}

func bcTakeSchedule(ctx context.Context, r *bot.Request, c bcConv) error {
	b, err := bcOwnDraft(ctx, r, c.ID)
	if err != nil {
		return err
	}
	now := r.App.Clock.Now()
	when, ok := parseWhen(r.Text(), now)
	switch {
	case !ok:
		return bot.Tell("bc_schedule_invalid", nil)
	case !when.After(now):
		return bot.Tell("bc_schedule_past", map[string]any{"Now": netTime(now)})
	case when.Sub(now) > bcMaxSchedule:
		return bot.Tell("bc_schedule_too_far", nil)
	}
	b.ScheduledFor = &when
	if err := bcSave(ctx, r, b); err != nil {
		return err
	}
	if err := r.SaveConv(ctx, bcFlow, "panel", bcConv{ID: b.ID}); err != nil {
		return err
	}
	return bcShowPanel(ctx, r, b.ID, false)
}

// bcSave saves a draft's settings; one that stopped being a draft meanwhile (confirmed from
// another device, say) is left alone and the person told.
func bcSave(ctx context.Context, r *bot.Request, b *store.Broadcast) error {
	err := r.App.Store.UpdateBroadcastDraft(ctx, r.App.Store.DB, b)
	if errors.Is(err, store.ErrNotFound) {
		return bot.Tell("bc_not_draft", nil)
	}
	return err
}

// bcOwnDraft loads a draft of the person; anything else (sent, someone else's) is refused.
func bcOwnDraft(ctx context.Context, r *bot.Request, id int64) (*store.Broadcast, error) {
	b, err := r.App.Store.Broadcast(ctx, r.App.Store.DB, id)
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

// bcPressed loads the broadcast a button of its author names. A press on someone else's or a
// missing one (forged) is answered with a toast, and nil is returned.
func bcPressed(ctx context.Context, r *bot.Request, id int64) (*store.Broadcast, error) {
	b, err := r.App.Store.Broadcast(ctx, r.App.Store.DB, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && b.AuthorID != r.Member.ID) {
		r.Answer(ctx, "bc_not_found", nil)
		return nil, nil
	}
	return b, err
}

// netTime writes a domain time the same way in every language: the network spans four time
// zones, so times are always UTC.
func netTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") + " UTC" }

// netToggle adds v to list, or removes it if present.
func netToggle(list []string, v string) []string {
	if i := slices.Index(list, v); i >= 0 {
		return slices.Delete(list, i, i+1)
	}
	return append(list, v)
}

// netCheck marks a chosen option's button.
func netCheck(on bool, label string) string {
	if on {
		return "✓ " + label
	}
	return label
}

// bcAudienceText describes an audience in lang.
func bcAudienceText(a *bot.App, lang string, b *store.Broadcast) string {
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

// bcLanguagesText lists a draft's language versions, the fallback marked.
func bcLanguagesText(a *bot.App, lang string, b *store.Broadcast, texts map[string]string) string {
	var names []string
	for _, code := range i18n.Supported {
		if _, ok := texts[code]; !ok {
			continue
		}
		n := i18n.NativeName(code)
		if code == b.FallbackLang {
			n = a.I18n.T(lang, "bc_fallback_mark", map[string]any{"Language": n})
		}
		names = append(names, n)
	}
	return i18n.JoinList(lang, names)
}

// bcShowPanel shows the draft's main panel with its settings and the exact recipient count.
func bcShowPanel(ctx context.Context, r *bot.Request, id int64, edit bool) error {
	a := r.App
	b, err := a.Store.Broadcast(ctx, a.Store.DB, id)
	if err != nil {
		return err
	}
	texts, err := a.Store.BroadcastTexts(ctx, a.Store.DB, id)
	if err != nil {
		return err
	}
	n, err := a.Store.CountBroadcastAudience(ctx, a.Store.DB, b)
	if err != nil {
		return err
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
		when = r.T("bc_when_at", map[string]any{"When": netTime(*b.ScheduledFor)})
	}
	text := r.T("bc_panel", map[string]any{
		"ID":         b.ID,
		"Languages":  i18n.HTML(bcLanguagesText(a, r.Lang, b, texts)),
		"Attachment": i18n.HTML(attachment),
		"Audience":   i18n.HTML(bcAudienceText(a, r.Lang, b)),
		"Recipients": i18n.HTML(a.I18n.N(r.Lang, "bc_recipients", n, nil)),
		"Priority":   i18n.HTML(r.T(fmt.Sprintf("bc_priority_%d", b.Priority), nil)),
		"Ack":        i18n.HTML(ack),
		"When":       i18n.HTML(when),
	})
	p := fmt.Sprintf("bc:%d:", b.ID)
	kb := (&bot.Keyboard{}).
		Row(bot.Button{Text: r.T("bc_btn_audience", nil), CallbackData: p + "aud"},
			bot.Button{Text: r.T("bc_btn_priority", map[string]any{"Priority": r.T(fmt.Sprintf("bc_priority_%d", b.Priority), nil)}), CallbackData: p + "prio"}).
		Row(bot.Button{Text: netCheck(b.AckRequested, r.T("bc_btn_ack_request", nil)), CallbackData: p + "ack"},
			bot.Button{Text: r.T("bc_btn_add_lang", nil), CallbackData: p + "lang"})
	if len(texts) > 1 {
		kb.Row(bot.Button{Text: r.T("bc_btn_fallback", map[string]any{"Language": i18n.NativeName(b.FallbackLang)}), CallbackData: p + "fb"})
	}
	if b.ScheduledFor == nil {
		kb.Row(bot.Button{Text: r.T("bc_btn_schedule", nil), CallbackData: p + "sched"})
	} else {
		kb.Row(bot.Button{Text: r.T("bc_btn_unschedule", nil), CallbackData: p + "unsched"})
	}
	kb.Row(bot.Button{Text: r.T("bc_btn_preview", nil), CallbackData: p + "prev"},
		bot.Button{Text: r.T("bc_btn_discard", nil), CallbackData: p + "drop"})
	if !edit {
		_, err := a.Send(ctx, r.ChatID, "reply", text, kb)
		return err
	}
	return show(ctx, r, text, kb)
}

// bcShowAudience shows the audience chooser: the whole network, or countries, roles and
// agencies (a recipient matches every group chosen).
func bcShowAudience(ctx context.Context, r *bot.Request, b *store.Broadcast) error {
	a := r.App
	n, err := a.Store.CountBroadcastAudience(ctx, a.Store.DB, b)
	if err != nil {
		return err
	}
	text := r.T("bc_audience_panel", map[string]any{
		"ID":         b.ID,
		"Audience":   i18n.HTML(bcAudienceText(a, r.Lang, b)),
		"Recipients": i18n.HTML(a.I18n.N(r.Lang, "bc_recipients", n, nil)),
	})
	p := fmt.Sprintf("bc:%d:", b.ID)
	kb := (&bot.Keyboard{}).Row(bot.Button{Text: netCheck(b.AudienceAll, r.T("bc_audience_all", nil)), CallbackData: p + "all"})
	var row []bot.Button
	flush := func(width int) {
		if len(row) >= width {
			kb.Row(row...)
			row = nil
		}
	}
	for _, c := range store.NetworkCountries {
		row = append(row, bot.Button{Text: netCheck(slices.Contains(b.Countries, c), i18n.CountryName(r.Lang, c)), CallbackData: p + "c:" + c})
		flush(2)
	}
	flush(1)
	for _, v := range bcRoles {
		row = append(row, bot.Button{Text: netCheck(slices.Contains(b.Roles, v), r.T("net_role_"+v, nil)), CallbackData: p + "r:" + v})
		flush(2)
	}
	flush(1)
	for _, v := range bcAgencies {
		row = append(row, bot.Button{Text: netCheck(slices.Contains(b.Agencies, v), r.T("net_agency_"+v, nil)), CallbackData: p + "g:" + v})
		flush(2)
	}
	flush(1)
	kb.Row(bot.Button{Text: r.T("bc_btn_done", nil), CallbackData: p + "main"})
	return show(ctx, r, text, kb)
}

// bcShowLanguages offers the languages a version can be added (or replaced) in.
func bcShowLanguages(ctx context.Context, r *bot.Request, b *store.Broadcast) error {
	texts, err := r.App.Store.BroadcastTexts(ctx, r.App.Store.DB, b.ID)
	if err != nil {
		return err
	}
	p := fmt.Sprintf("bc:%d:", b.ID)
	kb := &bot.Keyboard{}
	var row []bot.Button
	for _, code := range i18n.Supported {
		_, has := texts[code]
		row = append(row, bot.Button{Text: netCheck(has, i18n.NativeName(code)), CallbackData: p + "l:" + code})
		if len(row) == 3 {
			kb.Row(row...)
			row = nil
		}
	}
	if len(row) > 0 {
		kb.Row(row...)
	}
	kb.Row(bot.Button{Text: r.T("bc_btn_back", nil), CallbackData: p + "main"})
	return show(ctx, r, r.T("bc_lang_panel", map[string]any{"ID": b.ID}), kb)
}

// bcPanelPress handles the draft panel's buttons: bc:<id>:<action>[:<arg>].
func bcPanelPress(ctx context.Context, r *bot.Request) error {
	parts := strings.SplitN(r.CallbackData(), ":", 4)
	if len(parts) < 3 {
		return nil
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil
	}
	action, arg := parts[2], ""
	if len(parts) == 4 {
		arg = parts[3]
	}
	a := r.App
	b, err := bcPressed(ctx, r, id)
	if b == nil || err != nil {
		return err
	}
	if b.State != store.BroadcastDraft {
		// A second press of Confirm, or a late press on an old panel: nothing changes.
		r.Answer(ctx, "bc_not_draft", nil)
		return nil
	}
	save := func() error { return bcSave(ctx, r, b) }
	switch action {
	case "main":
		return bcShowPanel(ctx, r, b.ID, true)
	case "aud":
		return bcShowAudience(ctx, r, b)
	case "all":
		b.AudienceAll = !b.AudienceAll
		b.Countries, b.Roles, b.Agencies = nil, nil, nil
	case "c", "r", "g":
		lists := map[string]struct {
			list  *[]string
			valid []string
		}{"c": {(*[]string)(&b.Countries), store.NetworkCountries}, "r": {(*[]string)(&b.Roles), bcRoles}, "g": {(*[]string)(&b.Agencies), bcAgencies}}
		l := lists[action]
		if !slices.Contains(l.valid, arg) {
			return nil // forged
		}
		*l.list = netToggle(*l.list, arg)
		b.AudienceAll = false
	case "prio":
		b.Priority = (b.Priority + 2) % 3 // routine → high → urgent → routine
		if err := save(); err != nil {
			return err
		}
		return bcShowPanel(ctx, r, b.ID, true)
	case "ack":
		b.AckRequested = !b.AckRequested
		if err := save(); err != nil {
			return err
		}
		return bcShowPanel(ctx, r, b.ID, true)
	case "lang":
		return bcShowLanguages(ctx, r, b)
	case "l":
		if !slices.Contains(i18n.Supported, arg) {
			return nil // forged
		}
		if err := r.SaveConv(ctx, bcFlow, "lang_text", bcConv{ID: b.ID, Lang: arg}); err != nil {
			return err
		}
		return r.Reply(ctx, "bc_ask_text_lang", map[string]any{"Language": i18n.NativeName(arg)}, nil)
	case "fb":
		texts, err := a.Store.BroadcastTexts(ctx, a.Store.DB, b.ID)
		if err != nil {
			return err
		}
		var have []string
		for _, code := range i18n.Supported {
			if _, ok := texts[code]; ok {
				have = append(have, code)
			}
		}
		if len(have) > 0 {
			b.FallbackLang = have[(slices.Index(have, b.FallbackLang)+1)%len(have)]
		}
		if err := save(); err != nil {
			return err
		}
		return bcShowPanel(ctx, r, b.ID, true)
	case "sched":
		if err := r.SaveConv(ctx, bcFlow, "schedule", bcConv{ID: b.ID}); err != nil {
			return err
		}
		return r.Reply(ctx, "bc_ask_schedule", map[string]any{"Now": netTime(a.Clock.Now())}, nil)
	case "unsched":
		b.ScheduledFor = nil
		if err := save(); err != nil {
			return err
		}
		return bcShowPanel(ctx, r, b.ID, true)
	case "prev":
		return bcPreview(ctx, r, b)
	case "send":
		return bcConfirm(ctx, r, b)
	case "drop":
		if _, err := a.Store.TransitionBroadcast(ctx, a.Store.DB, b.ID, r.Member.ID, store.BroadcastDraft, store.BroadcastCancelled); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				r.Answer(ctx, "bc_not_draft", nil)
				return nil
			}
			return err
		}
		if err := r.EndConv(ctx); err != nil {
			return err
		}
		return show(ctx, r, r.T("bc_discarded", map[string]any{"ID": b.ID}), nil)
	default:
		return nil
	}
	// An audience change: save and show the chooser again with the new count.
	if err := save(); err != nil {
		return err
	}
	return bcShowAudience(ctx, r, b)
}

// bcPreview shows the broadcast as the author's language's readers will get it, the settings
// and the exact number of recipients, with the Confirm button. An empty audience is refused
// here, before anything can be confirmed.
func bcPreview(ctx context.Context, r *bot.Request, b *store.Broadcast) error {
	a := r.App
	n, err := a.Store.CountBroadcastAudience(ctx, a.Store.DB, b)
	if err != nil {
		return err
	}
	if n == 0 {
		return bot.Tell("bc_zero_audience", nil)
	}
	now := a.Clock.Now()
	if b.ScheduledFor != nil && !b.ScheduledFor.After(now) {
		return bot.Tell("bc_schedule_past", map[string]any{"Now": netTime(now)})
	}
	texts, err := a.Store.BroadcastTexts(ctx, a.Store.DB, b.ID)
	if err != nil {
		return err
	}
	body, _ := bcCompose(a, b, texts, r.Lang, r.Lang)
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
		when = r.T("bc_when_at", map[string]any{"When": netTime(*b.ScheduledFor)})
		confirm = r.T("bc_btn_confirm_schedule", map[string]any{"When": netTime(*b.ScheduledFor)})
	}
	text := r.T("bc_preview", map[string]any{
		"ID":         b.ID,
		"Body":       i18n.HTML(body),
		"Attachment": i18n.HTML(attachment),
		"Languages":  i18n.HTML(bcLanguagesText(a, r.Lang, b, texts)),
		"Audience":   i18n.HTML(bcAudienceText(a, r.Lang, b)),
		"Recipients": i18n.HTML(a.I18n.N(r.Lang, "bc_recipients", n, nil)),
		"Priority":   i18n.HTML(r.T(fmt.Sprintf("bc_priority_%d", b.Priority), nil)),
		"When":       i18n.HTML(when),
	})
	p := fmt.Sprintf("bc:%d:", b.ID)
	kb := (&bot.Keyboard{}).
		Row(bot.Button{Text: confirm, CallbackData: p + "send"}).
		Row(bot.Button{Text: r.T("bc_btn_edit", nil), CallbackData: p + "main"},
			bot.Button{Text: r.T("bc_btn_discard", nil), CallbackData: p + "drop"})
	if alert.UTF16Len(text) > 4096 {
		// The preview holds the whole text plus the settings; show them apart rather than cut.
		if _, err := a.Send(ctx, r.ChatID, "reply", body, nil); err != nil {
			return err
		}
		text = r.T("bc_preview", map[string]any{"ID": b.ID, "Body": "…", "Attachment": i18n.HTML(attachment),
			"Languages": i18n.HTML(bcLanguagesText(a, r.Lang, b, texts)), "Audience": i18n.HTML(bcAudienceText(a, r.Lang, b)),
			"Recipients": i18n.HTML(a.I18n.N(r.Lang, "bc_recipients", n, nil)),
			"Priority":   i18n.HTML(r.T(fmt.Sprintf("bc_priority_%d", b.Priority), nil)), "When": i18n.HTML(when)})
	}
	_, err = a.Send(ctx, r.ChatID, "reply", text, kb)
	return err
}
