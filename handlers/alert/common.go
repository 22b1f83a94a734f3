package alert

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/alert/alerttext"
	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// What the alert features share: the reader's language, who may do what, rendering an alert
// for one reader, and reading callback data.

// writtenIn is the language a member writes free text in: their chosen language even when we
// have no locale file for it (a Kazakh officer writes Kazakh), else the one we speak to them in.
func writtenIn(r *bot.Request) string {
	if r.Member != nil && r.Member.Language != "" {
		return r.Member.Language
	}
	return r.Lang
}

// renderAlertFor renders an alert for a reader: in their language and time zone.
func renderAlertFor(a *bot.App, al *store.Alert, lang string, reader *store.Member) string {
	t := al.SubmittedAt
	if al.PublishedAt != nil {
		t = *al.PublishedAt
	}
	return alerttext.Render(a.I18n, lang, &al.Content, alerttext.Meta{
		Ref: al.Ref, AuthorCountry: al.AuthorCountry, Time: t, Zone: ui.Zone(reader),
		Cancelled: al.State == store.AlertCancelled, FilesBelow: al.State != store.AlertCancelled,
	})
}

// problemsText renders problems in the reader's language, one per line.
func problemsText(r *bot.Request, problems []alert.Problem) string {
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = "• " + alerttext.ProblemMessage(r.App.I18n, r.Lang, p)
	}
	return strings.Join(lines, "\n")
}

// button is a keyboard button with a translated label.
func button(r *bot.Request, id, data string) bot.Button {
	return bot.Button{Text: r.T(id, nil), CallbackData: data}
}

// loadAlert finds an alert by id from callback data; a missing one (a forged press), or one
// the presser may not see, is told as gone, in the same words.
func loadAlert(ctx context.Context, r *bot.Request, id int64) (*store.Alert, error) {
	al, err := store.AlertByID(ctx, r.App.Store.DB, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, bot.Tell("alert_not_found", nil)
	}
	if err != nil {
		return nil, err
	}
	if ok, err := r.SeesAlert(ctx, al); err != nil || !ok { // before anything of it is revealed
		return nil, cmp.Or(err, bot.Tell("alert_not_found", nil))
	}
	return al, nil
}

// stateError tells why an alert's button no longer works: decided, withdrawn or cancelled.
func stateError(ctx context.Context, r *bot.Request, al *store.Alert) error {
	switch al.State {
	case store.AlertCancelled:
		return bot.Tell("alert_is_cancelled", map[string]any{"Ref": al.Ref})
	case store.AlertWithdrawn:
		return bot.Tell("alert_is_withdrawn", map[string]any{"Ref": al.Ref})
	}
	by := ""
	if al.DecidedBy != nil {
		if m, err := store.MemberByID(ctx, r.App.Store.DB, *al.DecidedBy); err == nil {
			by = ui.MemberName(r.App, r.Lang, m)
		}
	}
	return bot.Tell("alert_already_decided", map[string]any{
		"Ref": al.Ref, "By": by, "Outcome": i18n.HTML(r.T("alert_state_"+al.State, nil))})
}

// confidential reports whether alert content stays off Telegram (CONFIDENTIAL_CONTENT): messages
// carry confidentialHead and appButton, and the content is read in the Mini App.
func confidential(a *bot.App) bool {
	return a.Config.ConfidentialContent && a.ConsoleURL() != ""
}

// priorityIDs name the delivery priorities in the confidential header.
var priorityIDs = map[delivery.Priority]string{
	delivery.Urgent: "alert_prio_urgent", delivery.High: "alert_prio_high", delivery.Routine: "alert_prio_routine"}

// confidentialHead is all of an alert that goes through Telegram in confidential mode: its
// reference, classification, priority, the countries on its route and the drill mark.
func confidentialHead(a *bot.App, al *store.Alert, lang string) string {
	var countries []string
	for _, p := range al.Content.Route {
		if p.Country == "" {
			continue
		}
		name := i18n.CountryName(lang, p.Country)
		if !slices.Contains(countries, name) {
			countries = append(countries, name)
		}
	}
	route := "—"
	if len(countries) > 0 {
		route = strings.Join(countries, " → ")
	}
	class := ""
	if alert.Classifications.Has(al.Classification) {
		class = a.I18n.T(lang, alert.Classifications.ID(al.Classification), nil)
	}
	text := a.I18n.T(lang, "alert_conf_head", map[string]any{"Ref": al.Ref, "Class": class,
		"Priority": a.I18n.T(lang, priorityIDs[priority(al)], nil), "Route": route})
	if al.Drill {
		text = a.I18n.T(lang, "alert_render_drill", nil) + "\n" + text
	}
	if al.State == store.AlertCancelled {
		text = a.I18n.T(lang, "alert_render_cancelled", nil) + "\n" + text
	}
	return text
}

// appButton opens the alert's page in the Mini App, from the console's server.
func appButton(a *bot.App, al *store.Alert, lang string) bot.Button {
	return bot.Button{Text: a.I18n.T(lang, "alert_btn_open", nil),
		WebApp: &bot.WebApp{URL: a.ConsoleURL() + "/app/alerts/" + al.Ref}}
}
