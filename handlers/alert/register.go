package alert

import (
	"context"
	"fmt"
	"html"
	"slices"
	"strings"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// The register: /alerts lists recent alerts the member may see (their audience included them,
// or they wrote them; analysts and admins see all), /alert REF shows one with its follow-ups
// and acknowledgements, /find searches container, IMO, seal and B/L numbers. Drills are kept
// out of lists and searches.

const registerPageSize = 10

func registerRegister(a *bot.App) {
	a.Command("alerts", bot.Members, alertsCommand)
	a.Command("find", bot.Members, findCommand)
	a.Callback(verbList, bot.Members, alertsPage)
	a.Callback(verbOpen, bot.Members, openButton)
}

func alertsCommand(ctx context.Context, r *bot.Request) error { return listAlerts(ctx, r, 0) }

func alertsPage(ctx context.Context, r *bot.Request) error {
	return listAlerts(ctx, r, int(r.Data().ID(0)))
}

func listAlerts(ctx context.Context, r *bot.Request, page int) error {
	if page > 10000 {
		page = 0
	}
	rows, err := store.RegisterPage(ctx, r.App.Store.DB, r.Member.ID, r.Member.IsAnalyst(), page*registerPageSize, registerPageSize)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return r.Reply(ctx, "alerts_none", nil, nil)
	}
	more := len(rows) > registerPageSize
	if more {
		rows = rows[:registerPageSize]
	}
	lines := []string{r.T("alerts_head", map[string]any{"Page": page + 1})}
	for i := range rows {
		lines = append(lines, summaryLine(r, &rows[i]))
	}
	lines = append(lines, "", r.T("alerts_hint", nil))
	kb := openButtons(rows)
	var nav []bot.Button
	if page > 0 {
		nav = append(nav, button(r, "alert_btn_newer", bot.CB(verbList, page-1)))
	}
	if more {
		nav = append(nav, button(r, "alert_btn_older", bot.CB(verbList, page+1)))
	}
	if len(nav) > 0 {
		kb.Row(nav...)
	}
	return ui.SendLong(ctx, r, strings.Join(lines, "\n"), kb)
}

// openButtons: one button per listed alert, labelled with its reference (the same in every
// language), that opens it as /alert REF does; two to a row, in the order of the list.
func openButtons(rows []store.Alert) *bot.Keyboard {
	buttons := make([]bot.Button, len(rows))
	for i := range rows {
		buttons[i] = bot.Button{Text: rows[i].Ref, CallbackData: bot.CB(verbOpen, rows[i].ID)}
	}
	return ui.Grid(buttons, 2)
}

// openButton: aopen:<id> shows the alert of a list's button. Whether the presser may see
// it is checked again (a list outlives changes, and data can be forged): an alert they may not
// see gets the answer of one that does not exist.
func openButton(ctx context.Context, r *bot.Request) error {
	al, err := loadAlert(ctx, r, r.Data().ID(0))
	if err != nil {
		return err
	}
	return showAlertTo(ctx, r, al)
}

// summaryLine: "ALR-2026-000001 · 2026-03-02 · Urgent alert · KZ → UZ → AF · Heroin · published";
// in confidential mode without the substance (the countries are in the alert's header too).
func summaryLine(r *bot.Request, al *store.Alert) string {
	parts := []string{"<b>" + html.EscapeString(al.Ref) + "</b>",
		ui.Date(r.Member, al.SubmittedAt),
		html.EscapeString(r.T(alert.Classifications.ID(al.Classification), nil))}
	if cs := al.Content.Countries(); len(cs) > 0 {
		parts = append(parts, strings.Join(cs, " → "))
	}
	if alert.Substances.Has(al.Content.Substance) && !confidential(r.App) { // confidential: the header's fields only
		parts = append(parts, html.EscapeString(r.T(alert.Substances.ID(al.Content.Substance), nil)))
	}
	parts = append(parts, html.EscapeString(r.T("alert_state_"+al.State, nil)))
	return strings.Join(parts, " · ")
}

// showAlert: /alert REF.
func showAlert(ctx context.Context, r *bot.Request, typed string) error {
	ref, ok := ui.NormaliseRef("ALR", typed)
	if !ok {
		return bot.Tell("alert_not_found", nil)
	}
	al, err := store.AlertByRef(ctx, r.App.Store.DB, ref)
	if isNotFound(err) {
		return bot.Tell("alert_not_found", nil)
	}
	if err != nil {
		return err
	}
	return showAlertTo(ctx, r, al)
}

// showAlertTo shows an alert, its state, follow-ups and acknowledgements to a member who may
// see it, with the buttons they may use; to anyone else it is "not found".
func showAlertTo(ctx context.Context, r *bot.Request, al *store.Alert) error {
	analyst := r.Member.IsAnalyst()
	ok, err := store.CanSee(ctx, r.App.Store.DB, al.ID, r.Member.ID, analyst)
	if err != nil {
		return err
	}
	if !ok {
		return bot.Tell("alert_not_found", nil) // the same answer as for a reference that does not exist
	}
	if confidential(r.App) {
		_, err := r.App.Send(ctx, r.ChatID, "reply", confidentialHead(r.App, al, r.Lang),
			(&bot.Keyboard{}).Row(appButton(r.App, al, r.Lang)))
		return err
	}
	text, err := viewText(ctx, r, al)
	if err != nil {
		return err
	}
	kb, err := viewKeyboard(ctx, r, al)
	if err != nil {
		return err
	}
	if err := ui.SendLong(ctx, r, text, kb); err != nil {
		return err
	}
	return sendAttachments(ctx, r, al)
}

// viewText is an alert as /alert REF shows it to the member of r: the alert, its state, the
// reason (to those who may read it), the acknowledgements (to the author and analysts), the
// reader's own acknowledgement, and the follow-ups.
func viewText(ctx context.Context, r *bot.Request, al *store.Alert) (string, error) {
	analyst := r.Member.IsAnalyst()
	text := renderAlertFor(r.App, al, r.Lang, r.Member)
	text += "\n\n" + r.T("alert_state_line", map[string]any{"State": i18n.HTML(html.EscapeString(r.T("alert_state_"+al.State, nil)))})
	if al.Reason != nil && (analyst || al.AuthorID == r.Member.ID || al.State == store.AlertCancelled) {
		text += "\n" + r.T("alert_reason_line", map[string]any{"Reason": *al.Reason})
	}
	insider := analyst || al.AuthorID == r.Member.ID
	if insider && (al.State == store.AlertPublished || al.State == store.AlertCancelled) {
		status, err := ackStatus(ctx, r.App, al, r.Lang, false)
		if err != nil {
			return "", err
		}
		text += "\n" + status
	}
	if at, err := store.AckedAt(ctx, r.App.Store.DB, al.ID, r.Member.ID); err != nil && !isNotFound(err) {
		return "", err
	} else if at != nil {
		text += "\n" + ackedLine(r.App, r.Lang, r.Member, *at)
	}
	fs, err := store.Followups(ctx, r.App.Store.DB, al.ID, insider)
	if err != nil {
		return "", err
	}
	for _, f := range fs {
		writer, err := store.MemberByID(ctx, r.App.Store.DB, f.AuthorID)
		if err != nil {
			return "", err
		}
		line := r.T("alert_register_followup", map[string]any{
			"Time": ui.Time(r.Member, f.CreatedAt), "By": ui.MemberName(r.App, r.Lang, writer),
			"Kind": i18n.HTML(html.EscapeString(r.T("alert_followup_kind_"+f.Kind, nil))),
			"Lang": i18n.TextLanguage(r.App.I18n.T, r.Lang, f.Lang, f.Text), "File": f.FileID != nil})
		text += "\n\n" + line
		if f.Text != "" {
			text += "\n" + i18n.Isolate(r.Lang, html.EscapeString(f.Text))
		}
	}
	return text, nil
}

// viewKeyboard is what the member of r can do with the alert of /alert REF: an analyst's
// actions on a published alert; Follow up for its author and recipients, and Acknowledge for a
// recipient who has not acknowledged it.
func viewKeyboard(ctx context.Context, r *bot.Request, al *store.Alert) (*bot.Keyboard, error) {
	if al.State != store.AlertPublished {
		return nil, nil
	}
	var kb *bot.Keyboard
	if r.Member.IsAnalyst() {
		kb = analystAlertKeyboard(r, al.ID)
	}
	at, err := store.AckedAt(ctx, r.App.Store.DB, al.ID, r.Member.ID)
	recipient := err == nil
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	if recipient || al.AuthorID == r.Member.ID {
		if kb == nil {
			kb = &bot.Keyboard{}
		}
		row := []bot.Button{button(r, "alert_btn_followup", bot.CB(verbFollowup, al.ID))}
		if recipient && at == nil {
			row = append([]bot.Button{button(r, "alert_btn_ack", bot.CB(verbAck, al.ID))}, row...)
		}
		kb.Row(row...)
	}
	return kb, nil
}

// sendAttachments queues an alert's photos and documents to the reader of /alert REF, after
// the rendering that says they follow (a cancelled alert's are not sent: it says nothing of
// them). Each look sends them again: the variant carries the time of the look; an attachment
// still queued for the reader from an earlier look is not queued again.
func sendAttachments(ctx context.Context, r *bot.Request, al *store.Alert) error {
	if al.State == store.AlertCancelled {
		return nil
	}
	open, err := delivery.OpenVariants(ctx, r.App.Store.DB, r.Member.ID, kindAlertFile, al.ID)
	if err != nil {
		return err
	}
	look := r.App.Clock.Now().UnixNano()
	var items []delivery.Item
	for i := range al.Content.Attachments {
		if slices.ContainsFunc(open, func(v string) bool { return strings.HasSuffix(v, fmt.Sprintf("f%d", i)) }) {
			continue
		}
		items = append(items, delivery.Item{MemberID: r.Member.ID, ChatID: r.Member.ChatID, Kind: kindAlertFile,
			RefID: al.ID, Variant: fmt.Sprintf("v%df%d", look, i), Priority: delivery.High})
	}
	_, err = delivery.Enqueue(ctx, r.App.Store.DB, items)
	return err
}

// findCommand: /find <identifier>.
func findCommand(ctx context.Context, r *bot.Request) error {
	_, arg := r.Command()
	norm := alert.Normalize(arg)
	if norm == "" {
		return r.Reply(ctx, "find_usage", nil, nil)
	}
	analyst := r.Member.IsAnalyst()
	found, err := store.FindAlerts(ctx, r.App.Store.DB, r.Member.ID, analyst, norm)
	if err != nil {
		return err
	}
	if len(found) == 0 && strings.HasPrefix(norm, "IMO") {
		found, err = store.FindAlerts(ctx, r.App.Store.DB, r.Member.ID, analyst, strings.TrimPrefix(norm, "IMO"))
		if err != nil {
			return err
		}
	}
	// In confidential mode the value searched for is content (a container, a seal, a plate):
	// the answer does not send it back through Telegram.
	none, head := "find_none", "find_head"
	if confidential(r.App) {
		none, head = "find_none_private", "find_head_private"
	}
	if len(found) == 0 {
		return r.Reply(ctx, none, map[string]any{"Value": arg}, nil)
	}
	lines := []string{r.T(head, map[string]any{"Value": arg, "Count": len(found)})}
	for i := range found {
		lines = append(lines, summaryLine(r, &found[i]))
	}
	lines = append(lines, "", r.T("alerts_hint", nil))
	return ui.SendLong(ctx, r, strings.Join(lines, "\n"), openButtons(found))
}
