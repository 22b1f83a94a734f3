package ui

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"focalbot/bot"
	"focalbot/bot/alert"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// MaxNameLen is the longest name or unit we accept, in characters.
const MaxNameLen = 64

// CleanLine normalises a typed name or unit to one line with single spaces, and reports
// whether it is acceptable: not empty and at most MaxNameLen characters. Longer text is
// refused, never cut. Escaping happens when it is shown (i18n escapes string arguments).
func CleanLine(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	n := utf8.RuneCountInString(s)
	return s, n > 0 && n <= MaxNameLen
}

// Show shows a panel or menu: it replaces the message whose button was pressed (menus that
// page or step in place, an outcome shown on the panel that led to it), or is sent anew after
// typed input, or when the old message cannot be edited (too old, gone, or a photo or
// document) — then the old one loses its buttons, and a conversation's panel moves to the new.
func Show(ctx context.Context, r *bot.Request, text string, kb *bot.Keyboard) error {
	if q := r.Update.CallbackQuery; q != nil && q.Message.Message != nil {
		id := q.Message.Message.ID
		if len(q.Message.Message.Photo) == 0 && q.Message.Message.Document == nil {
			err := r.App.Edit(ctx, r.ChatID, id, text, kb)
			if err == nil {
				r.PanelShown(ctx, id, text, kb)
				return nil
			}
			r.App.Log.Warn("panel not edited, sending it anew", "chat_id", r.ChatID, "err", err)
		}
		if id == r.PanelID() {
			_, err := r.SendPanel(ctx, text, kb)
			return err
		}
		r.ClosePressed()
	}
	_, err := r.App.Send(ctx, r.ChatID, "reply", text, kb)
	return err
}

// Ask asks a conversation's question: text and kb become its panel, a new message at the
// bottom of the chat, and the question before it is closed into its answer (bot/panel.go).
func Ask(ctx context.Context, r *bot.Request, text string, kb *bot.Keyboard) error {
	_, err := r.SendPanel(ctx, text, kb)
	return err
}

// AskLong is Ask for a text that may exceed Telegram's limit: split at line ends as SendLong
// does, the last part the panel.
func AskLong(ctx context.Context, r *bot.Request, text string, kb *bot.Keyboard) error {
	chunks := alert.Split(text, alert.MaxMessage)
	for _, c := range chunks[:len(chunks)-1] {
		if _, err := r.App.Send(ctx, r.ChatID, "reply", c, nil); err != nil {
			return err
		}
	}
	return Ask(ctx, r, chunks[len(chunks)-1], kb)
}

// LanguagePicker offers every language we have, each in its own name, two to a row; the
// current one is marked. The choice goes to verb with fields, then the language code.
func LanguagePicker(r *bot.Request, current, verb string, fields ...any) *bot.Keyboard {
	var buttons []bot.Button
	for _, code := range r.App.I18n.Languages() {
		label := i18n.NativeName(code)
		if code == current {
			label = "✓ " + label
		}
		buttons = append(buttons, bot.Button{Text: label, CallbackData: bot.CB(verb, append(fields, code)...)})
	}
	return Grid(buttons, 2)
}

// Grid lays buttons out n to a row.
func Grid(buttons []bot.Button, n int) *bot.Keyboard {
	kb := &bot.Keyboard{}
	for i := 0; i < len(buttons); i += n {
		kb.Row(buttons[i:min(i+n, len(buttons))]...)
	}
	return kb
}

// CountryLabel is a country's name in the reader's language, or "no country".
func CountryLabel(r *bot.Request, lang string, cc *string) string {
	return CountryName(r.App, lang, cc)
}

func CountryName(a *bot.App, lang string, cc *string) string {
	if cc == nil || *cc == "" {
		return a.I18n.T(lang, "country_none", nil)
	}
	return i18n.CountryName(lang, *cc)
}

func RoleLabel(a *bot.App, lang, role string) string { return a.I18n.T(lang, "role_"+role, nil) }
func AgencyLabel(a *bot.App, lang, agency string) string {
	return a.I18n.T(lang, "agency_"+agency, nil)
}
func StateLabel(a *bot.App, lang, state string) string { return a.I18n.T(lang, "state_"+state, nil) }

// MemberLang is the language to speak to a member in: their choice, else English (also for
// no member at all).
func MemberLang(a *bot.App, m *store.Member) string {
	if m != nil && a.I18n.Has(m.Language) {
		return m.Language
	}
	return i18n.Default
}

// LanguageName is a language's own name, or "—" when none was chosen.
func LanguageName(code string) string {
	if code == "" {
		return "—"
	}
	return i18n.NativeName(code)
}

// Zone is the time zone m reads times in (and types them in): their choice in /language,
// else their country's; CARICC's for nil or a member without a country (alert.Zone).
func Zone(m *store.Member) *time.Location {
	if m == nil {
		return alert.ZoneFor(nil)
	}
	return m.Zone()
}

// Time writes a time for reader m, the one way every time is shown to a person: in their
// zone, with the zone named, the same in every language ("2026-03-05 16:47 UTC+5"). An outbox
// renderer passes its recipient, a handler the person it answers.
func Time(m *store.Member, t time.Time) string { return alert.FormatTime(t, Zone(m)) }

// Date writes the date of t for reader m, in their zone: "2026-03-05".
func Date(m *store.Member, t time.Time) string { return alert.FormatDate(t, Zone(m)) }

// ZoneName names m's zone as Time does ("UTC+5"), for prompts that say in which zone a
// typed time is read.
func ZoneName(m *store.Member, now time.Time) string { return alert.ZoneName(now, Zone(m)) }

// Toggle adds v to list, or removes it if present.
func Toggle(list []string, v string) []string {
	if i := slices.Index(list, v); i >= 0 {
		return slices.Delete(list, i, i+1)
	}
	return append(list, v)
}

// Check marks a chosen option's button.
func Check(on bool, label string) string {
	if on {
		return "✓ " + label
	}
	return label
}

// SendLong sends a text that may exceed Telegram's limit as several messages split at line
// ends, never cut; the keyboard goes with the last.
func SendLong(ctx context.Context, r *bot.Request, text string, kb *bot.Keyboard) error {
	return SendChunks(ctx, r, alert.Split(text, alert.MaxMessage), kb)
}

// SendLines sends a title and lines, split into as many messages as Telegram's limit needs
// (never cut, with a margin under it); the keyboard goes on the last.
func SendLines(ctx context.Context, r *bot.Request, title string, lines []string, kb *bot.Keyboard) error {
	return SendChunks(ctx, r, alert.Split(strings.Join(append([]string{title}, lines...), "\n"), 3800), kb)
}

// SendChunks sends each chunk as a message of its own, the keyboard with the last.
func SendChunks(ctx context.Context, r *bot.Request, chunks []string, kb *bot.Keyboard) error {
	for i, c := range chunks {
		var k *bot.Keyboard
		if i == len(chunks)-1 {
			k = kb
		}
		if _, err := r.App.Send(ctx, r.ChatID, "reply", c, k); err != nil {
			return err
		}
	}
	return nil
}

// MemberName is how a member is named to others, everywhere: "Name, unit (Where)" — see
// MemberParts. Plain text: escaped where it is inserted.
func MemberName(a *bot.App, lang string, m *store.Member) string {
	if i18n.IsFormerMember(m.DisplayName) { // forgotten: renders whole as "a former member (KZ)"
		return m.DisplayName
	}
	name, where := MemberParts(a, lang, m)
	return name + " (" + where + ")"
}

// MemberParts is the one rule for naming a member: their name (or #id when they gave none)
// with their unit, and where they are from — their country, localised, or for a member of no
// country (CARICC's staff, observers) their agency's localised name, which is "CARICC" only
// for CARICC's own.
func MemberParts(a *bot.App, lang string, m *store.Member) (name, where string) {
	name = m.DisplayName
	if name == "" {
		name = "#" + strconv.FormatInt(m.ID, 10)
	}
	if m.Unit != "" {
		sep := ", "
		if i18n.RightToLeft(lang) {
			sep = "، "
		}
		name += sep + m.Unit
	}
	if m.Country != nil && *m.Country != "" {
		return name, i18n.CountryName(lang, *m.Country)
	}
	return name, AgencyLabel(a, lang, m.Agency)
}
