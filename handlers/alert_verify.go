package handlers

import (
	"context"
	"fmt"
	"html"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// Verifying an alert: every analyst gets a submitted alert with Approve, Return for changes
// and Reject, and the earlier alerts it shares a container, IMO number, seal or B/L with.
// Approve opens the audience (by default the countries on the route, the author's country and
// CARICC; widened to the whole network or narrowed country by country) and Publish sends it.
// Of two analysts deciding at once exactly one decision stands (a conditional UPDATE); the
// other is told who decided. The author is told the outcome.

const (
	kindAlertVerify   = "alert_verify"   // a submitted revision, to each analyst
	kindAlertFile     = "alert_file"     // one attachment of an alert
	kindAlertDecision = "alert_decision" // the outcome, to the author
	flowAlertReason   = "alert_reason"
	maxReason         = 1000
)

// networkCountries are the countries whose members an audience is chosen from, in the order
// of the audience buttons; bit i of an audience mask is networkCountries[i], bit allBit the
// whole network.
var networkCountries = []string{"AF", "AZ", "GE", "KZ", "KG", "PK", "TJ", "TM", "UA", "UZ"}

const allBit = 1 << 10

func registerAlertVerify(a *bot.App) {
	a.Renderer(kindAlertVerify, renderAlertVerify(a))
	a.Renderer(kindAlertFile, renderAlertFile(a))
	a.Renderer(kindAlertDecision, renderAlertDecision(a))
	a.Callback("av", bot.Analysts, alertVerifyButton)
	a.Callback("aaud", bot.Analysts, alertAudienceButton)
	a.Callback("apub", bot.Analysts, alertPublishButton)
	a.Flow(flowAlertReason, bot.Analysts, alertReasonInput)
	a.Callback("apx", bot.Analysts, alertPromptCancel)
}

func renderAlertVerify(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		al, err := store.AlertByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		if al.State != store.AlertSubmitted || row.Variant != fmt.Sprintf("r%d", al.Revision) {
			return delivery.Message{}, fmt.Errorf("%w: alert %s is %s", delivery.ErrSkip, al.Ref, al.State)
		}
		lang := memberLang(a, to)
		author, err := a.Store.MemberByID(ctx, al.AuthorID)
		if err != nil {
			return delivery.Message{}, err
		}
		text := a.I18n.T(lang, "alert_verify_head", map[string]any{
			"Author": nameOf(author, lang), "Revision": al.Revision}) + "\n\n" + renderAlertFor(a, al, lang, to.Country)
		linked, err := store.LinkedAlerts(ctx, a.Store.DB, al.ID)
		if err != nil {
			return delivery.Message{}, err
		}
		for _, l := range linked {
			country := "CARICC"
			if l.AuthorCountry != nil {
				country = i18n.CountryName(lang, *l.AuthorCountry)
			}
			text += "\n" + a.I18n.T(lang, "alert_linked", map[string]any{"Ref": l.Ref, "Country": country,
				"Date": l.SubmittedAt.In(alert.ZoneFor(to.Country)).Format("2006-01-02"), "Identifiers": l.Norms})
		}
		id := fmt.Sprintf("%d:%d", al.ID, al.Revision)
		kb := (&bot.Keyboard{}).
			Row(bot.Button{Text: a.I18n.T(lang, "alert_btn_approve", nil), CallbackData: "av:" + id + ":a"}).
			Row(bot.Button{Text: a.I18n.T(lang, "alert_btn_return", nil), CallbackData: "av:" + id + ":r"},
				bot.Button{Text: a.I18n.T(lang, "alert_btn_reject", nil), CallbackData: "av:" + id + ":x"})
		return delivery.Message{Text: text, ReplyMarkup: kb}, nil
	}
}

// renderAlertFile sends one attachment by file_id, captioned with the reference.
func renderAlertFile(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		al, err := store.AlertByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		_, idx, _ := strings.Cut(row.Variant, "f")
		i, err := strconv.Atoi(idx)
		if err != nil || i < 0 || i >= len(al.Content.Attachments) || al.State == store.AlertCancelled {
			return delivery.Message{}, fmt.Errorf("%w: attachment %s of %s", delivery.ErrSkip, row.Variant, al.Ref)
		}
		att := al.Content.Attachments[i]
		caption := fileCaption(a, memberLang(a, to), al.Ref, i+1, len(al.Content.Attachments), al.Drill, att)
		if att.Kind == "document" {
			return delivery.Message{Text: caption, DocumentFileID: att.FileID}, nil
		}
		return delivery.Message{Text: caption, PhotoFileID: att.FileID}, nil
	}
}

// fileCaption is the caption of an alert's attachment n of of, for a reader in lang.
func fileCaption(a *bot.App, lang, ref string, n, of int, drill bool, att alert.Attachment) string {
	caption := a.I18n.T(lang, "alert_file_caption", map[string]any{"Ref": ref, "N": n, "Of": of, "Drill": drill})
	if att.Caption != "" {
		caption += "\n" + a.I18n.T(lang, "alert_file_caption_text", map[string]any{"Lang": i18n.LanguageName(lang, att.Lang)}) +
			"\n" + html.EscapeString(att.Caption)
	}
	return caption
}

// renderAlertDecision tells the author what became of their alert.
func renderAlertDecision(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		al, err := store.AlertByID(ctx, a.Store.DB, row.RefID)
		if err != nil {
			return delivery.Message{}, err
		}
		lang := memberLang(a, to)
		state, _, _ := strings.Cut(row.Variant, ":")
		reason := ""
		if al.Reason != nil {
			reason = *al.Reason
		}
		data := map[string]any{"Ref": al.Ref, "Reason": reason, "Lang": i18n.LanguageName(lang, reasonLang(ctx, a, al))}
		var kb *bot.Keyboard
		switch state {
		case store.AlertPublished:
			counts, err := store.AlertAckCounts(ctx, a.Store.DB, al.ID)
			if err != nil {
				return delivery.Message{}, err
			}
			data["Count"] = counts.Total
			kb = (&bot.Keyboard{}).Row(bot.Button{Text: a.I18n.T(lang, "alert_btn_acks", nil), CallbackData: fmt.Sprintf("aas:%d", al.ID)})
		case store.AlertReturned:
			if al.State == store.AlertReturned {
				kb = (&bot.Keyboard{}).Row(bot.Button{Text: a.I18n.T(lang, "alert_btn_revise", nil), CallbackData: fmt.Sprintf("arv:%d", al.ID)})
			}
		}
		return delivery.Message{Text: a.I18n.T(lang, "alert_decision_"+state, data), ReplyMarkup: kb}, nil
	}
}

// reasonLang is the language an analyst's reason was written in: the deciding analyst's own
// (as for their other free text), English when it cannot be known. The reason's language is
// not stored with it, so a decider who later changes language changes this label too.
func reasonLang(ctx context.Context, a *bot.App, al *store.Alert) string {
	if al.DecidedBy != nil {
		if m, err := a.Store.MemberByID(ctx, *al.DecidedBy); err == nil && m.Language != "" {
			return m.Language
		}
	}
	return i18n.Default
}

// checkSubmitted loads the alert of a verify button and checks that its revision still awaits
// a decision; otherwise the analyst is told who decided (or that it was withdrawn).
func checkSubmitted(ctx context.Context, r *bot.Request, id int64, rev int) (*store.Alert, error) {
	al, err := loadAlert(ctx, r, id)
	if err != nil {
		return nil, err
	}
	if al.Revision != rev && (al.State == store.AlertSubmitted || al.State == store.AlertReturned) {
		return nil, bot.Tell("alert_superseded", map[string]any{"Ref": al.Ref, "Revision": al.Revision})
	}
	if al.State != store.AlertSubmitted || al.Revision != rev {
		return nil, stateError(ctx, r, al)
	}
	return al, nil
}

// alertVerifyButton: av:<id>:<rev>:a|r|x.
func alertVerifyButton(ctx context.Context, r *bot.Request) error {
	args := callbackArgs(r.CallbackData())
	if len(args) != 3 {
		return bot.Tell("alert_not_found", nil)
	}
	al, err := checkSubmitted(ctx, r, argID(args, 0), int(argID(args, 1)))
	if err != nil {
		return err
	}
	switch args[2] {
	case "a":
		mask := defaultAudience(al)
		text, kb, err := audienceScreen(ctx, r, al, mask)
		if err != nil {
			return err
		}
		_, err = r.App.Send(ctx, r.ChatID, "reply", text, kb)
		return err
	case "r", "x":
		state := store.AlertReturned
		if args[2] == "x" {
			state = store.AlertRejected
		}
		if err := r.SaveConv(ctx, flowAlertReason, "reason", reasonState{AlertID: al.ID, Revision: al.Revision, State: state}); err != nil {
			return err
		}
		return r.Reply(ctx, "alert_ask_reason_"+state, map[string]any{"Ref": al.Ref}, promptCancelKeyboard(r, al.ID))
	}
	return bot.Tell("alert_not_found", nil)
}

// defaultAudience: the countries on the route and the author's (CARICC is always included).
func defaultAudience(al *store.Alert) int {
	countries := al.Content.Countries()
	if al.AuthorCountry != nil {
		countries = append(countries, *al.AuthorCountry)
	}
	mask := 0
	for i, c := range networkCountries {
		if containsCode(countries, c) {
			mask |= 1 << i
		}
	}
	return mask
}

// audienceOf turns a mask into the country list (nil and all=true for the whole network) and
// the text stored in alerts.audience.
func audienceOf(mask int) (countries []string, all bool, label string) {
	if mask&allBit != 0 {
		return nil, true, "all"
	}
	for i, c := range networkCountries {
		if mask&(1<<i) != 0 {
			countries = append(countries, c)
		}
	}
	return countries, false, strings.Join(countries, ",")
}

// audienceScreen shows whom the alert will reach, with a toggle per country, the whole
// network, and Publish. The mask travels in the buttons: no state is kept between presses.
func audienceScreen(ctx context.Context, r *bot.Request, al *store.Alert, mask int) (string, *bot.Keyboard, error) {
	countries, all, _ := audienceOf(mask)
	members, err := store.AudienceMembers(ctx, r.App.Store.DB, countries, all, al.AuthorID)
	if err != nil {
		return "", nil, err
	}
	var names []string
	for _, c := range countries {
		names = append(names, i18n.CountryName(r.Lang, c))
	}
	who := r.T("alert_audience_all", nil)
	if !all {
		who = r.T("alert_audience_countries", map[string]any{"Countries": i18n.JoinList(r.Lang, names)})
	}
	text := r.T("alert_audience", map[string]any{"Ref": al.Ref, "Who": i18n.HTML(who), "Count": len(members)})
	kb := &bot.Keyboard{}
	id := fmt.Sprintf("%d:%d", al.ID, al.Revision)
	// The buttons name the countries in the reader's language (codes stay in the callback
	// data, as bits of the mask); names are longer than codes, so two to a row.
	var row []bot.Button
	for i, c := range networkCountries {
		label := i18n.CountryName(r.Lang, c)
		if mask&(1<<i) != 0 || all {
			label = "✅ " + label
		}
		row = append(row, bot.Button{Text: label, CallbackData: fmt.Sprintf("aaud:%s:%d", id, (mask&^allBit)^(1<<i))})
		if len(row) == 2 {
			kb.Row(row...)
			row = nil
		}
	}
	if all {
		kb.Row(bot.Button{Text: r.T("alert_btn_default_audience", nil), CallbackData: fmt.Sprintf("aaud:%s:%d", id, defaultAudience(al))})
	} else {
		kb.Row(bot.Button{Text: r.T("alert_btn_whole_network", nil), CallbackData: fmt.Sprintf("aaud:%s:%d", id, mask|allBit)})
	}
	kb.Row(bot.Button{Text: r.T("alert_btn_publish", map[string]any{"Count": len(members)}), CallbackData: fmt.Sprintf("apub:%s:%d", id, mask)})
	return text, kb, nil
}

// parseMask reads an audience mask from a button; a forged one outside the range is refused.
func parseMask(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n < 2*allBit
}

// audiencePress reads <verb>:<id>:<rev>:<mask> of the audience screen's buttons: the alert,
// still submitted at that revision, and the audience mask. Anything forged is "not found".
func audiencePress(ctx context.Context, r *bot.Request) (*store.Alert, int, error) {
	args := callbackArgs(r.CallbackData())
	if len(args) != 3 {
		return nil, 0, bot.Tell("alert_not_found", nil)
	}
	mask, ok := parseMask(args[2])
	if !ok {
		return nil, 0, bot.Tell("alert_not_found", nil)
	}
	al, err := checkSubmitted(ctx, r, argID(args, 0), int(argID(args, 1)))
	return al, mask, err
}

// alertAudienceButton: aaud:<id>:<rev>:<mask> toggles the audience in place.
func alertAudienceButton(ctx context.Context, r *bot.Request) error {
	al, mask, err := audiencePress(ctx, r)
	if err != nil {
		return err
	}
	text, kb, err := audienceScreen(ctx, r, al, mask)
	if err != nil {
		return err
	}
	return show(ctx, r, text, kb)
}

// alertPublishButton: apub:<id>:<rev>:<mask> publishes the alert to the audience. The state
// change, the audience, one outbox row per recipient (and per attachment) and the author's
// notice are one transaction.
func alertPublishButton(ctx context.Context, r *bot.Request) error {
	al, mask, err := audiencePress(ctx, r)
	if err != nil {
		return err
	}
	countries, all, label := audienceOf(mask)
	now := r.App.Clock.Now()
	var published *store.Alert
	var recipients int
	err = r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		published, err = store.DecideAlert(ctx, tx, al.ID, al.Revision, store.AlertPublished, r.Member.ID, "", label, now)
		if err != nil {
			return err
		}
		members, err := store.AudienceMembers(ctx, tx, countries, all, al.AuthorID)
		if err != nil {
			return err
		}
		recipients = len(members)
		ids := make([]int64, len(members))
		var items []delivery.Item
		prio := alertPriority(published)
		for i, m := range members {
			ids[i] = m.ID
			items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: kindAlert, RefID: al.ID, Priority: prio})
			for f := range published.Content.Attachments {
				items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: kindAlertFile, RefID: al.ID,
					Variant: fmt.Sprintf("f%d", f), Priority: prio})
			}
		}
		if err := store.AddRecipients(ctx, tx, al.ID, ids); err != nil {
			return err
		}
		if err := enqueueDecision(ctx, tx, published); err != nil {
			return err
		}
		if _, err := delivery.Enqueue(ctx, tx, items); err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: &r.Member.ID, Action: "alert_published", SubjectID: &al.ID,
			After: map[string]any{"ref": al.Ref, "audience": label, "recipients": recipients}})
	})
	if isNotFound(err) {
		// Another analyst decided between the check and this transaction.
		if al, lerr := loadAlert(ctx, r, al.ID); lerr == nil {
			return stateError(ctx, r, al)
		}
	}
	if err != nil {
		return err
	}
	return r.Reply(ctx, "alert_published", map[string]any{"Ref": published.Ref, "Count": recipients},
		analystAlertKeyboard(r, published.ID))
}

// analystAlertKeyboard: what an analyst can do with a published alert.
func analystAlertKeyboard(r *bot.Request, id int64) *bot.Keyboard {
	return (&bot.Keyboard{}).
		Row(button(r, "alert_btn_acks", fmt.Sprintf("aas:%d", id))).
		Row(button(r, "alert_btn_update", fmt.Sprintf("aup:%d", id)), button(r, "alert_btn_cancel_alert", fmt.Sprintf("acx:%d", id)))
}

// alertPriority: an urgent alert overtakes everything; a drill never overtakes real traffic.
func alertPriority(al *store.Alert) delivery.Priority {
	switch {
	case al.Drill:
		return delivery.Routine
	case al.Classification == alert.ClassUrgent:
		return delivery.Urgent
	case al.Classification == alert.ClassAttention:
		return delivery.Routine
	}
	return delivery.High
}

// enqueueDecision queues the outcome for the author; the variant names the decision and the
// revision, so a second return after a resubmission is a new message.
func enqueueDecision(ctx context.Context, tx *sqlx.Tx, al *store.Alert) error {
	author, err := memberByIDq(ctx, tx, al.AuthorID)
	if err != nil {
		return err
	}
	_, err = delivery.Enqueue(ctx, tx, []delivery.Item{{MemberID: author.ID, ChatID: author.ChatID, Kind: kindAlertDecision,
		RefID: al.ID, Variant: fmt.Sprintf("%s:r%d", al.State, al.Revision), Priority: delivery.High}})
	return err
}

// memberByIDq reads a member inside a transaction.
func memberByIDq(ctx context.Context, q store.Querier, id int64) (*store.Member, error) {
	var m store.Member
	err := q.GetContext(ctx, &m, `SELECT id, chat_id, language, country, role, state, display_name FROM members WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("member #%d: %w", id, err)
	}
	return &m, nil
}

// reasonState is the conversation of an analyst typing the reason of a return or rejection.
type reasonState struct {
	AlertID  int64  `json:"alert_id"`
	Revision int    `json:"revision"`
	State    string `json:"state"`
}

// alertReasonInput takes the reason and records the decision, unless another analyst decided
// in the meantime.
func alertReasonInput(ctx context.Context, r *bot.Request) error {
	var st reasonState
	if err := r.ConvData(&st); err != nil {
		return err
	}
	reason := strings.TrimSpace(r.Text())
	if reason == "" {
		return r.Reply(ctx, "alert_ask_reason_"+st.State, map[string]any{"Ref": ""}, promptCancelKeyboard(r, st.AlertID))
	}
	if n := utf8.RuneCountInString(reason); n > maxReason {
		return bot.Tell("alert_err_too_long", map[string]any{"Max": maxReason, "Length": n})
	}
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	al, err := checkSubmitted(ctx, r, st.AlertID, st.Revision)
	if err != nil {
		return err
	}
	err = r.App.Store.InTx(ctx, func(tx *sqlx.Tx) error {
		decided, err := store.DecideAlert(ctx, tx, al.ID, al.Revision, st.State, r.Member.ID, reason, "", r.App.Clock.Now())
		if err != nil {
			return err
		}
		if err := enqueueDecision(ctx, tx, decided); err != nil {
			return err
		}
		return store.Audit(ctx, tx, store.AuditEntry{ActorID: &r.Member.ID, Action: "alert_" + st.State, SubjectID: &al.ID,
			After: map[string]any{"ref": al.Ref, "reason": reason}})
	})
	if isNotFound(err) {
		if al, lerr := loadAlert(ctx, r, al.ID); lerr == nil {
			return stateError(ctx, r, al)
		}
	}
	if err != nil {
		return err
	}
	return r.Reply(ctx, "alert_decided_"+st.State, map[string]any{"Ref": al.Ref}, nil)
}

// promptCancelKeyboard is the way out of an analyst's free-text prompt (the reason of a
// return or rejection, the text of an update or cancellation), besides /cancel.
func promptCancelKeyboard(r *bot.Request, alertID int64) *bot.Keyboard {
	return (&bot.Keyboard{}).Row(button(r, "alert_btn_cancel", fmt.Sprintf("apx:%d", alertID)))
}

// alertPromptCancel: apx:<id> ends the analyst's prompt about that alert; the alert is left as
// it was. A button of a prompt already answered, ended or replaced by another changes nothing.
func alertPromptCancel(ctx context.Context, r *bot.Request) error {
	id := argID(callbackArgs(r.CallbackData()), 0)
	if r.Conv == nil || (r.Conv.Flow != flowAlertReason && r.Conv.Flow != flowAlertAmend) {
		r.Answer(ctx, "alert_stale_button", nil)
		return nil
	}
	var st struct {
		AlertID int64 `json:"alert_id"`
	}
	if err := r.ConvData(&st); err != nil {
		return err
	}
	if st.AlertID != id {
		r.Answer(ctx, "alert_stale_button", nil)
		return nil
	}
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	al, err := loadAlert(ctx, r, id)
	if err != nil {
		return err
	}
	return r.Reply(ctx, "alert_prompt_cancelled", map[string]any{"Ref": al.Ref}, nil)
}
