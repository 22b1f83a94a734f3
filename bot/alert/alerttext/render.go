// Package alerttext writes an alert for a reader: labels and vocabulary in their language, times
// in their zone, problems of a draft as sentences. The alert itself (its content, identifiers,
// vocabularies and the form) is package alert, which storage uses without translation.
package alerttext

import (
	"html"
	"strings"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/i18n"
)

// Meta is what a rendering says about an alert beyond its content.
type Meta struct {
	Ref           string // empty for a draft
	AuthorCountry *string
	Time          time.Time // submission or publication; zero for a draft
	Zone          *time.Location
	Cancelled     bool
	FilesBelow    bool // the attachments follow the rendering as messages of their own
}

// Render writes an alert for a reader of lang: labels and vocabulary translated, identifiers
// as typed, free text as written and marked with its author's language, times in the
// reader's zone. Every line closes its own tags, so a long rendering can be split at lines. In
// right-to-left languages every typed value is isolated (i18n.Isolate).
func Render(tr alert.Translator, lang string, c *alert.Content, m Meta) string {
	t := func(id string, data map[string]any) string { return tr.T(lang, id, data) }
	label := func(f string) string { return t(alert.LabelID(f), nil) }
	var lines []string
	field := func(f string, value string) {
		lines = append(lines, t("alert_render_field", map[string]any{"Label": i18n.HTML(label(f)), "Value": i18n.HTML(value)}))
	}
	if m.Cancelled {
		lines = append(lines, t("alert_render_cancelled", nil))
	}
	if c.Drill {
		lines = append(lines, t("alert_render_drill", nil))
	}
	class := ""
	if alert.Classifications.Has(c.Classification) {
		class = t(alert.Classifications.ID(c.Classification), nil)
	}
	lines = append(lines, t("alert_render_class", map[string]any{"Class": i18n.HTML(class)}))
	if m.Ref != "" {
		head := map[string]any{"Ref": m.Ref, "Country": "", "Time": ""}
		if m.AuthorCountry != nil {
			head["Country"] = i18n.CountryName(lang, *m.AuthorCountry)
		}
		if !m.Time.IsZero() {
			zone := m.Zone
			if zone == nil {
				zone = time.UTC
			}
			head["Time"] = alert.FormatTime(m.Time, zone)
		}
		lines = append(lines, t("alert_render_ref", head))
	}
	if c.Drill {
		lines = append(lines, "")
	}
	if alert.Conveyances.Has(c.Conveyance) {
		field("conveyance", html.EscapeString(t(alert.Conveyances.ID(c.Conveyance), nil)))
	}
	for _, kind := range alert.IdentKinds.Codes {
		var vals []string
		for _, id := range c.Identifiers {
			if id.Kind == kind {
				vals = append(vals, i18n.Isolate(lang, "<code>"+html.EscapeString(id.Value)+"</code>"))
			}
		}
		if len(vals) > 0 {
			field(kind, i18n.JoinList(lang, vals))
		}
	}
	if len(c.Route) > 0 {
		lines = append(lines, t("alert_render_route", nil))
		for _, p := range c.Route {
			lines = append(lines, t("alert_render_place", map[string]any{
				"Role": i18n.HTML(label(p.Role)), "Place": i18n.HTML(renderPlace(tr, lang, p))}))
		}
	}
	if c.Goods != "" {
		goods := i18n.Isolate(lang, html.EscapeString(c.Goods))
		if !i18n.SameLanguage(lang, c.Lang, c.Goods) {
			goods += " " + t("text_written_in", map[string]any{"Language": i18n.TextLanguage(tr.T, lang, c.Lang, c.Goods)})
		}
		field("goods", goods)
	}
	if alert.Substances.Has(c.Substance) {
		field("substance", html.EscapeString(t(alert.Substances.ID(c.Substance), nil)))
	}
	if c.Quantity != "" {
		field("quantity", i18n.Isolate(lang, html.EscapeString(c.Quantity)))
	}
	if len(c.Risks) > 0 {
		var names []string
		for _, r := range c.Risks {
			if alert.Risks.Has(r) {
				names = append(names, html.EscapeString(t(alert.Risks.ID(r), nil)))
			}
		}
		field("risks", i18n.JoinGroups(lang, names))
	}
	if alert.Concealments.Has(c.Concealment) {
		field("concealment", html.EscapeString(t(alert.Concealments.ID(c.Concealment), nil)))
	}
	if c.Text != "" {
		lines = append(lines, t("alert_render_text", map[string]any{"Lang": i18n.TextLanguage(tr.T, lang, c.Lang, c.Text)}))
		for _, l := range strings.Split(c.Text, "\n") {
			lines = append(lines, i18n.Isolate(lang, html.EscapeString(l)))
		}
	}
	if n := len(c.Attachments); n > 0 {
		lines = append(lines, t("alert_render_files", map[string]any{"Count": n, "Below": m.FilesBelow}))
	}
	return strings.Join(lines, "\n")
}

// renderPlace: "Almaty (KZALA), Kazakhstan"; a LOCODE not in our list is marked as such.
func renderPlace(tr alert.Translator, lang string, p alert.Place) string {
	country := ""
	if p.Country != "" {
		country = i18n.CountryName(lang, p.Country)
	}
	return tr.T(lang, "alert_render_place_name", map[string]any{
		"Name": p.Name, "Locode": p.Locode, "Country": country, "Unknown": p.Unknown})
}

// ProblemMessage renders the problem in lang, with the field's label and the accepted words of the
// vocabulary in that language, and the line of the form it was found on.
func ProblemMessage(tr alert.Translator, lang string, p alert.Problem) string {
	data := map[string]any{}
	for k, v := range p.Data {
		data[k] = v
	}
	if p.Field != "" {
		data["Field"] = i18n.HTML(tr.T(lang, p.Field, nil))
	}
	if p.Vocab != nil {
		data["Accepted"] = i18n.HTML(strings.Join(p.Vocab.Names(tr, lang), "; "))
	}
	msg := tr.T(lang, p.ID, data)
	if p.Line > 0 {
		return tr.T(lang, "alert_err_line", map[string]any{"Line": p.Line, "Problem": i18n.HTML(msg)})
	}
	return msg
}

// LengthProblems refuses an alert that would not fit in one Telegram message in one of langs
// (with room for the header and notes around it): it is never cut. The chat's review and the
// Mini App's form both check it before submitting.
func LengthProblems(tr alert.Translator, langs []string, c *alert.Content) []alert.Problem {
	const room = 600
	for _, lang := range langs {
		n := alert.UTF16Len(Render(tr, lang, c, Meta{Ref: "ALR-0000-000000"}))
		if n > alert.MaxMessage-room {
			return []alert.Problem{{ID: "alert_err_alert_too_long", Data: map[string]any{"Over": n - (alert.MaxMessage - room)}}}
		}
	}
	return nil
}
