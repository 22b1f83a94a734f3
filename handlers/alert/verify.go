package alert

import (
	"context"
	"fmt"
	"html"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
	"github.com/jmoiron/sqlx"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/alert/submission"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// Verifying an alert: every analyst gets a submitted alert with Approve, Return for changes
// and Reject, and the earlier alerts it shares a container, IMO number, seal or B/L with.
// Approve opens the audience (by default the countries on the route, the author's country and
// CARICC; widened to the whole network or narrowed country by country) and Publish sends it.
// Of two analysts deciding at once exactly one decision stands (a conditional update); the
// other is told who decided. The author is told the outcome.

const (
	kindAlertVerify   = submission.KindVerify
	kindAlertFile     = submission.KindFile
	kindAlertDecision = submission.KindDecision // the outcome, to the author
	flowAlertReason   = "alert_reason"
	maxReason         = submission.MaxReason
)

// An audience is chosen from the members of store.NetworkCountries; bit i of an audience mask
// is store.NetworkCountries[i], bit allBit the whole network.
const allBit = 1 << 10

func registerVerify(a *bot.App) {
	a.Renderer(kindAlertVerify, renderAlertVerify(a))
	a.Renderer(kindAlertFile, renderAlertFile(a))
	a.Renderer(kindAlertDecision, renderAlertDecision(a))
	a.Callback(verbVerify, bot.Analysts, verifyButton)
	a.Callback(verbAudience, bot.Analysts, audienceButton)
	a.Callback(verbPublish, bot.Analysts, publishButton)
	a.Flow(flowAlertReason, bot.Analysts, reasonInput)
	a.Callback(verbPromptCancel, bot.Analysts, promptCancel)
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
		lang := ui.MemberLang(a, to)
		text, kb, err := verifyText(ctx, a, al, lang, to, true)
		if err != nil {
			return delivery.Message{}, err
		}
		return delivery.Message{Text: text, ReplyMarkup: decideKeyboard(a, lang, kb, al.ID, al.Revision, true)}, nil
	}
}

// verifyText is an analyst's copy of a submitted alert without its decisions: the head, the
// alert (or, in confidential mode, its header and the Mini App's button) and, when linked,
// the earlier alerts it shares an identifier with.
func verifyText(ctx context.Context, a *bot.App, al *store.Alert, lang string, to *store.Member, linked bool) (string, *bot.Keyboard, error) {
	author, err := store.MemberByID(ctx, a.Store.DB, al.AuthorID)
	if err != nil {
		return "", nil, err
	}
	head := a.I18n.T(lang, "alert_verify_head", map[string]any{"Author": ui.MemberName(a, lang, author), "Revision": al.Revision})
	if confidential(a) {
		// The content, and the identifiers of earlier alerts it shares, are read in the Mini App.
		return head + "\n\n" + confidentialHead(a, al, lang), (&bot.Keyboard{}).Row(appButton(a, al, lang)), nil
	}
	text := head + "\n\n" + renderAlertFor(a, al, lang, to)
	if !linked {
		return text, &bot.Keyboard{}, nil
	}
	ls, err := store.LinkedAlerts(ctx, a.Store.DB, al.ID)
	if err != nil {
		return "", nil, err
	}
	for _, l := range ls {
		country := "CARICC"
		if l.AuthorCountry != nil {
			country = i18n.CountryName(lang, *l.AuthorCountry)
		}
		text += "\n" + a.I18n.T(lang, "alert_linked", map[string]any{"Ref": l.Ref, "Country": country,
			"Date": ui.Date(to, l.SubmittedAt), "Identifiers": l.Norms})
	}
	return text, &bot.Keyboard{}, nil
}

// decideKeyboard adds an analyst's decisions on a submitted alert to kb: Approve (when
// approve), Return for changes and Reject.
func decideKeyboard(a *bot.App, lang string, kb *bot.Keyboard, id int64, rev int, approve bool) *bot.Keyboard {
	if approve {
		kb.Row(bot.Button{Text: a.I18n.T(lang, "alert_btn_approve", nil), CallbackData: bot.CB(verbVerify, id, rev, "a")})
	}
	return kb.Row(bot.Button{Text: a.I18n.T(lang, "alert_btn_return", nil), CallbackData: bot.CB(verbVerify, id, rev, "r")},
		bot.Button{Text: a.I18n.T(lang, "alert_btn_reject", nil), CallbackData: bot.CB(verbVerify, id, rev, "x")})
}

// renderAlertFile sends one attachment by file_id, captioned with the reference. In
// confidential mode it sends none, to analysts verifying as to recipients: the files are the
// alert's content, listed on its Mini App page and in the console (rows queued before the
// switch are skipped as well).
func renderAlertFile(a *bot.App) delivery.Renderer {
	return func(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
		if confidential(a) {
			return delivery.Message{}, fmt.Errorf("alert file %d/%s in confidential mode: %w", row.RefID, row.Variant, delivery.ErrSkip)
		}
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
		caption := fileCaption(a, ui.MemberLang(a, to), al.Ref, i+1, len(al.Content.Attachments), al.Drill, att)
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
		caption += "\n" + a.I18n.T(lang, "alert_file_caption_text", map[string]any{"Lang": i18n.TextLanguage(a.I18n.T, lang, att.Lang, att.Caption)}) +
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
		lang := ui.MemberLang(a, to)
		state, _, _ := strings.Cut(row.Variant, ":")
		reason := ""
		if al.Reason != nil {
			reason = *al.Reason
		}
		data := map[string]any{"Ref": al.Ref, "Reason": reason, "Lang": i18n.TextLanguage(a.I18n.T, lang, reasonLang(ctx, a, al), reason)}
		var kb *bot.Keyboard
		switch state {
		case store.AlertPublished:
			// The author's card: kept current as recipients acknowledge (cards.go).
			text, kb, err := authorCard(ctx, a, al, lang)
			return delivery.Message{Text: text, ReplyMarkup: kb}, err
		case store.AlertReturned:
			if al.State == store.AlertReturned {
				kb = (&bot.Keyboard{}).Row(bot.Button{Text: a.I18n.T(lang, "alert_btn_revise", nil), CallbackData: bot.CB(verbRevise, al.ID)})
			}
		}
		if confidential(a) {
			return confidentialDecision(a, al, lang, state, data, kb), nil
		}
		return delivery.Message{Text: a.I18n.T(lang, "alert_decision_"+state, data), ReplyMarkup: kb}, nil
	}
}

// confidentialDecision is the outcome in confidential mode: the reference and Open, never the
// analyst's reason (it is on the alert's Mini App page).
func confidentialDecision(a *bot.App, al *store.Alert, lang, state string, data map[string]any, kb *bot.Keyboard) delivery.Message {
	text := a.I18n.T(lang, "alert_decision_"+state, data) // published: no reason to keep off
	if state == store.AlertReturned || state == store.AlertRejected {
		text = a.I18n.T(lang, "alert_conf_decision_"+state, data)
	}
	out := (&bot.Keyboard{}).Row(appButton(a, al, lang))
	if kb != nil {
		out.InlineKeyboard = append(out.InlineKeyboard, kb.InlineKeyboard...)
	}
	return delivery.Message{Text: text, ReplyMarkup: out}
}

// reasonLang is the language an analyst's reason was written in: the deciding analyst's own
// (as for their other free text), English when it cannot be known. The reason's language is
// not stored with it, so a decider who later changes language changes this label too.
func reasonLang(ctx context.Context, a *bot.App, al *store.Alert) string {
	if al.DecidedBy != nil {
		if m, err := store.MemberByID(ctx, a.Store.DB, *al.DecidedBy); err == nil && m.Language != "" {
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

// verifyButton: av:<id>:<rev>:a|r|x.
func verifyButton(ctx context.Context, r *bot.Request) error {
	args := r.Data()
	if len(args.Fields) != 3 {
		return bot.Tell("alert_not_found", nil)
	}
	al, err := checkSubmitted(ctx, r, args.ID(0), int(args.ID(1)))
	if err != nil {
		r.ClosePressed() // decided, withdrawn or superseded: its buttons no longer apply
		return err
	}
	// The decision moves on to another message (the audience, the reason's prompt), which
	// carries the buttons that still apply: the pressed one loses its own.
	switch args.Arg(2) {
	case "a":
		mask := defaultAudience(al)
		text, kb, err := audienceScreen(ctx, r, al, mask)
		if err != nil {
			return err
		}
		if _, err = r.App.Send(ctx, r.ChatID, "reply", text, kb); err != nil {
			return err
		}
		r.ClosePressed()
		return nil
	case "r", "x":
		state := store.AlertReturned
		if args.Arg(2) == "x" {
			state = store.AlertRejected
		}
		if confidential(r.App) {
			// No reason typed in the chat: it is written on the alert's Mini App page, with the
			// decision (the alert's buttons stay, the decision not taken yet).
			return r.Reply(ctx, "alert_conf_decide", map[string]any{"Ref": al.Ref}, (&bot.Keyboard{}).Row(appButton(r.App, al, r.Lang)))
		}
		st := reasonState{AlertID: al.ID, Revision: al.Revision, State: state}
		if q := r.Update.CallbackQuery; q != nil && q.Message.Message != nil {
			// Where the decision's buttons were: they come back there if the prompt is cancelled.
			st.From, st.FromAudience = q.Message.Message.ID, hasButton(q.Message.Message.ReplyMarkup, verbPublish+":")
		}
		if err := r.SaveConv(ctx, flowAlertReason, "reason", st); err != nil {
			return err
		}
		r.ClosePressed()
		return ui.Ask(ctx, r, r.T("alert_ask_reason_"+state, map[string]any{"Ref": al.Ref}), promptCancelKeyboard(r, al.ID))
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
	for i, c := range store.NetworkCountries {
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
	for i, c := range store.NetworkCountries {
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
	members, err := store.AudienceMembers(ctx, r.App.Store.DB, countries, all, al.AuthorID, r.Member.ID)
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
	id, rev := al.ID, al.Revision
	// The buttons name the countries in the reader's language (codes stay in the callback
	// data, as bits of the mask); names are longer than codes, so two to a row.
	var row []bot.Button
	for i, c := range store.NetworkCountries {
		label := i18n.CountryName(r.Lang, c)
		if mask&(1<<i) != 0 || all {
			label = "✅ " + label
		}
		row = append(row, bot.Button{Text: label, CallbackData: bot.CB(verbAudience, id, rev, (mask&^allBit)^(1<<i))})
		if len(row) == 2 {
			kb.Row(row...)
			row = nil
		}
	}
	if all {
		kb.Row(bot.Button{Text: r.T("alert_btn_default_audience", nil), CallbackData: bot.CB(verbAudience, id, rev, defaultAudience(al))})
	} else {
		kb.Row(bot.Button{Text: r.T("alert_btn_whole_network", nil), CallbackData: bot.CB(verbAudience, id, rev, mask|allBit)})
	}
	kb.Row(bot.Button{Text: r.T("alert_btn_publish", map[string]any{"Count": len(members)}), CallbackData: bot.CB(verbPublish, id, rev, mask)})
	// Approving opened this screen and took the buttons off the alert: the other decisions
	// stay at hand here.
	return text, decideKeyboard(r.App, r.Lang, kb, id, rev, false), nil
}

// parseMask reads an audience mask from a button; a forged one outside the range is refused.
func parseMask(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n < 2*allBit
}

// audiencePress reads <verb>:<id>:<rev>:<mask> of the audience screen's buttons: the alert,
// still submitted at that revision, and the audience mask. Anything forged is "not found".
func audiencePress(ctx context.Context, r *bot.Request) (*store.Alert, int, error) {
	args := r.Data()
	if len(args.Fields) != 3 {
		return nil, 0, bot.Tell("alert_not_found", nil)
	}
	mask, ok := parseMask(args.Arg(2))
	if !ok {
		return nil, 0, bot.Tell("alert_not_found", nil)
	}
	al, err := checkSubmitted(ctx, r, args.ID(0), int(args.ID(1)))
	if err != nil {
		r.ClosePressed() // decided, withdrawn or superseded: the screen's buttons no longer apply
	}
	return al, mask, err
}

// audienceButton: aaud:<id>:<rev>:<mask> toggles the audience in place.
func audienceButton(ctx context.Context, r *bot.Request) error {
	al, mask, err := audiencePress(ctx, r)
	if err != nil {
		return err
	}
	text, kb, err := audienceScreen(ctx, r, al, mask)
	if err != nil {
		return err
	}
	return ui.Show(ctx, r, text, kb)
}

// publishButton: apub:<id>:<rev>:<mask> publishes the alert to the audience. The state
// change, the audience, one outbox row per recipient (and per attachment) and the author's
// notice are one transaction.
func publishButton(ctx context.Context, r *bot.Request) error {
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
		members, err := store.AudienceMembers(ctx, tx, countries, all, al.AuthorID, r.Member.ID)
		if err != nil {
			return err
		}
		recipients = len(members)
		ids := make([]int64, len(members))
		var items []delivery.Item
		prio := priority(published)
		for i, m := range members {
			ids[i] = m.ID
			items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: kindAlert, RefID: al.ID, Priority: prio})
			if confidential(r.App) {
				continue // the files are the alert's content too: not sent through Telegram
			}
			for f := range published.Content.Attachments {
				items = append(items, delivery.Item{MemberID: m.ID, ChatID: m.ChatID, Kind: kindAlertFile, RefID: al.ID,
					Variant: fmt.Sprintf("f%d", f), Priority: prio})
			}
		}
		if err := store.AddRecipients(ctx, tx, al.ID, ids); err != nil {
			return err
		}
		if err := submission.EnqueueDecision(ctx, tx, published); err != nil {
			return err
		}
		if err := submission.EnqueueVerifyMarks(ctx, tx, published, r.Member.ID); err != nil {
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
		r.ClosePressed()
		if al, lerr := loadAlert(ctx, r, al.ID); lerr == nil {
			return stateError(ctx, r, al)
		}
	}
	if err != nil {
		return err
	}
	return showPublished(ctx, r, published) // the audience screen becomes the analyst's card, kept current (cards.go)
}

// analystAlertKeyboard: what an analyst can do with a published alert.
func analystAlertKeyboard(r *bot.Request, id int64) *bot.Keyboard {
	return analystKeyboard(r.App, r.Lang, id)
}

// analystKeyboard is analystAlertKeyboard for a reader who did not press (a card's refresh).
func analystKeyboard(a *bot.App, lang string, id int64) *bot.Keyboard {
	b := func(label, data string) bot.Button {
		return bot.Button{Text: a.I18n.T(lang, label, nil), CallbackData: data}
	}
	return (&bot.Keyboard{}).
		Row(b("alert_btn_acks", bot.CB(verbAcks, id))).
		Row(b("alert_btn_update", bot.CB(verbUpdate, id)), b("alert_btn_cancel_alert", bot.CB(verbCancelAlert, id)))
}

// priority: an urgent alert overtakes everything; a drill never overtakes real traffic.
func priority(al *store.Alert) delivery.Priority { return submission.Priority(al) }

// reasonState is the conversation of an analyst typing the reason of a return or rejection.
type reasonState struct {
	AlertID  int64  `json:"alert_id"`
	Revision int    `json:"revision"`
	State    string `json:"state"`
	// The message whose Return or Reject opened the prompt (the alert, or its audience
	// screen): its buttons come back if the prompt is cancelled.
	From         int  `json:"from,omitempty"`
	FromAudience bool `json:"from_audience,omitempty"`
}

// hasButton reports whether a keyboard has a button whose data starts with prefix.
func hasButton(kb *models.InlineKeyboardMarkup, prefix string) bool {
	if kb == nil {
		return false
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			if strings.HasPrefix(b.CallbackData, prefix) {
				return true
			}
		}
	}
	return false
}

// reasonInput takes the reason and records the decision, unless another analyst decided
// in the meantime.
func reasonInput(ctx context.Context, r *bot.Request) error {
	var st reasonState
	if err := r.ConvData(&st); err != nil {
		return err
	}
	if confidential(r.App) {
		return reasonMoved(ctx, r, &st)
	}
	reason := strings.TrimSpace(r.Text())
	if reason == "" {
		return ui.Ask(ctx, r, r.T("alert_ask_reason_"+st.State, map[string]any{"Ref": ""}), promptCancelKeyboard(r, st.AlertID))
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
		_, err := submission.Decide(ctx, tx, al, st.State, r.Member.ID, reason, r.App.Clock.Now(), r.Member.ID)
		return err
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

// reasonMoved ends a reason conversation begun in the chat before confidential mode was
// switched on (the bot restarted with it), at its next step: what was typed is not taken as the
// reason, nothing is decided, and the analyst is told so under the Open button to the alert's
// page, where the reason and the decision are given from now on.
func reasonMoved(ctx context.Context, r *bot.Request, st *reasonState) error {
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	al, err := loadAlert(ctx, r, st.AlertID)
	if err != nil {
		return err
	}
	return r.Reply(ctx, "alert_conf_decide_moved", map[string]any{"Ref": al.Ref}, (&bot.Keyboard{}).Row(appButton(r.App, al, r.Lang)))
}

// promptCancelKeyboard is the way out of an analyst's free-text prompt (the reason of a
// return or rejection, the text of an update or cancellation), besides /cancel.
func promptCancelKeyboard(r *bot.Request, alertID int64) *bot.Keyboard {
	return (&bot.Keyboard{}).Row(button(r, "alert_btn_cancel", bot.CB(verbPromptCancel, alertID)))
}

// promptCancel: apx:<id> ends the analyst's prompt about that alert; the alert is left as
// it was. A button of a prompt already answered, ended or replaced by another changes nothing.
func promptCancel(ctx context.Context, r *bot.Request) error {
	id := r.Data().ID(0)
	if r.Conv == nil || (r.Conv.Flow != flowAlertReason && r.Conv.Flow != flowAlertAmend) {
		return r.Stale(ctx)
	}
	var st reasonState // of an amendment too: its alert_id
	if err := r.ConvData(&st); err != nil {
		return err
	}
	if st.AlertID != id {
		return r.Stale(ctx)
	}
	reason := r.Conv.Flow == flowAlertReason
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	al, err := loadAlert(ctx, r, id)
	if err != nil {
		return err
	}
	// A decision left untaken: its buttons come back where they were (the prompt took them),
	// or with the answer when that message cannot be edited.
	var kb *bot.Keyboard
	if reason && al.State == store.AlertSubmitted && al.Revision == st.Revision {
		if err := restoreDecision(ctx, r, al, st); err != nil {
			r.App.Log.Warn("decision buttons not restored", "chat_id", r.ChatID, "err", err)
			kb = decideKeyboard(r.App, r.Lang, &bot.Keyboard{}, al.ID, al.Revision, true)
		}
	}
	return r.Reply(ctx, "alert_prompt_cancelled", map[string]any{"Ref": al.Ref}, kb)
}

// restoreDecision gives the message a reason's prompt came from its buttons back: the
// decisions on the alert, or its audience screen (at the default audience).
func restoreDecision(ctx context.Context, r *bot.Request, al *store.Alert, st reasonState) error {
	if st.From == 0 {
		return fmt.Errorf("no message to restore")
	}
	if st.FromAudience {
		text, kb, err := audienceScreen(ctx, r, al, defaultAudience(al))
		if err != nil {
			return err
		}
		return r.App.Edit(ctx, r.ChatID, st.From, text, kb)
	}
	return r.App.EditMarkup(ctx, r.ChatID, st.From, decideKeyboard(r.App, r.Lang, &bot.Keyboard{}, al.ID, al.Revision, true))
}
