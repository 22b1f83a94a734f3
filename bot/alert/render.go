package alert

import (
	"html"
	"strings"
	"time"
	_ "time/tzdata" // the zones of the network's countries, whatever the host has installed
	"unicode/utf16"

	"focalbot/bot/i18n"
)

// MaxMessage is Telegram's limit on a message's text, in UTF-16 code units.
const MaxMessage = 4096

// zones is the default time zone of each network country (a member's own zone is not asked
// for: one zone per country is right for all but Kazakhstan's west, an hour off).
var zones = map[string]string{
	"AF": "Asia/Kabul", "AZ": "Asia/Baku", "GE": "Asia/Tbilisi", "KZ": "Asia/Almaty",
	"KG": "Asia/Bishkek", "PK": "Asia/Karachi", "TJ": "Asia/Dushanbe", "TM": "Asia/Ashgabat",
	"UA": "Europe/Kyiv", "UZ": "Asia/Tashkent",
}

// ZoneFor is the time zone a member of country reads times in; CARICC's (Almaty) for staff
// without a country.
func ZoneFor(country *string) *time.Location {
	name := "Asia/Almaty"
	if country != nil {
		if z, ok := zones[*country]; ok {
			name = z
		}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// FormatTime shows t in loc with its offset, e.g. "2026-03-02 14:00 UTC+05:00".
func FormatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 UTC-07:00")
}

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
// reader's zone. Every line closes its own tags, so a long rendering can be split at lines.
func Render(tr Translator, lang string, c *Content, m Meta) string {
	t := func(id string, data map[string]any) string { return tr.T(lang, id, data) }
	label := func(f string) string { return t(LabelID(f), nil) }
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
	if Classifications.Has(c.Classification) {
		class = t(Classifications.ID(c.Classification), nil)
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
			head["Time"] = FormatTime(m.Time, zone)
		}
		lines = append(lines, t("alert_render_ref", head))
	}
	if c.Drill {
		lines = append(lines, "")
	}
	if Conveyances.Has(c.Conveyance) {
		field("conveyance", html.EscapeString(t(Conveyances.ID(c.Conveyance), nil)))
	}
	for _, kind := range IdentKinds.Codes {
		var vals []string
		for _, id := range c.Identifiers {
			if id.Kind == kind {
				vals = append(vals, "<code>"+html.EscapeString(id.Value)+"</code>")
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
		field("goods", html.EscapeString(c.Goods))
	}
	if Substances.Has(c.Substance) {
		field("substance", html.EscapeString(t(Substances.ID(c.Substance), nil)))
	}
	if c.Quantity != "" {
		field("quantity", html.EscapeString(c.Quantity))
	}
	if len(c.Risks) > 0 {
		var names []string
		for _, r := range c.Risks {
			if Risks.Has(r) {
				names = append(names, html.EscapeString(t(Risks.ID(r), nil)))
			}
		}
		field("risks", i18n.JoinGroups(lang, names))
	}
	if Concealments.Has(c.Concealment) {
		field("concealment", html.EscapeString(t(Concealments.ID(c.Concealment), nil)))
	}
	if c.Text != "" {
		lines = append(lines, t("alert_render_text", map[string]any{"Lang": i18n.LanguageName(lang, c.Lang)}))
		for _, l := range strings.Split(c.Text, "\n") {
			lines = append(lines, html.EscapeString(l))
		}
	}
	if n := len(c.Attachments); n > 0 {
		lines = append(lines, t("alert_render_files", map[string]any{"Count": n, "Below": m.FilesBelow}))
	}
	return strings.Join(lines, "\n")
}

// renderPlace: "Almaty (KZALA), Kazakhstan"; a LOCODE not in our list is marked as such.
func renderPlace(tr Translator, lang string, p Place) string {
	country := ""
	if p.Country != "" {
		country = i18n.CountryName(lang, p.Country)
	}
	return tr.T(lang, "alert_render_place_name", map[string]any{
		"Name": p.Name, "Locode": p.Locode, "Country": country, "Unknown": p.Unknown})
}

// UTF16Len is the length Telegram counts. Counting the HTML source over-estimates the text
// Telegram sees (tags and entities are not counted there), which errs on the safe side.
func UTF16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// Split cuts a rendering into messages of at most limit, at line ends: every line closes its
// own tags. A single line longer than limit is cut at the limit (free text lines are bounded
// by MaxText well below it, so this does not happen with what we render).
func Split(s string, limit int) []string {
	if UTF16Len(s) <= limit {
		return []string{s}
	}
	var out []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if curLen > 0 {
			out = append(out, strings.TrimRight(cur.String(), "\n"))
			cur.Reset()
			curLen = 0
		}
	}
	for _, line := range strings.Split(s, "\n") {
		l := UTF16Len(line) + 1
		if curLen+l > limit {
			flush()
		}
		for UTF16Len(line) > limit { // never for our renderings; kept total, not dropped
			r := []rune(line)
			n := limit / 2
			out = append(out, string(r[:n]))
			line = string(r[n:])
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		curLen += UTF16Len(line) + 1
	}
	flush()
	return out
}
