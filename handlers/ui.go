package handlers

import (
	"context"
	"strings"
	"unicode/utf8"

	"focalbot/bot"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// maxNameLen is the longest name or unit we accept, in characters.
const maxNameLen = 64

// cleanLine normalises a typed name or unit to one line with single spaces, and reports
// whether it is acceptable: not empty and at most maxNameLen characters. Longer text is
// refused, never cut. Escaping happens when it is shown (i18n escapes string arguments).
func cleanLine(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	n := utf8.RuneCountInString(s)
	return s, n > 0 && n <= maxNameLen
}

// show shows a panel or menu: it replaces the message whose button was pressed (menus that
// page or step in place), or is sent anew after typed input, or when the old message cannot be
// edited (too old, gone, or a photo or document).
func show(ctx context.Context, r *bot.Request, text string, kb *bot.Keyboard) error {
	if q := r.Update.CallbackQuery; q != nil && q.Message.Message != nil && len(q.Message.Message.Photo) == 0 && q.Message.Message.Document == nil {
		err := r.App.Edit(ctx, r.ChatID, q.Message.Message.ID, text, kb)
		if err == nil {
			return nil
		}
		r.App.Log.Warn("panel not edited, sending it anew", "chat_id", r.ChatID, "err", err)
	}
	_, err := r.App.Send(ctx, r.ChatID, "reply", text, kb)
	return err
}

// languagePicker offers every language we have, each in its own name, two to a row; the
// current one is marked. verb is the callback verb the choice goes to.
func languagePicker(r *bot.Request, verb, current string) *bot.Keyboard {
	kb := &bot.Keyboard{}
	var row []bot.Button
	for _, code := range r.App.I18n.Languages() {
		label := i18n.NativeName(code)
		if code == current {
			label = "✓ " + label
		}
		row = append(row, bot.Button{Text: label, CallbackData: verb + ":" + code})
		if len(row) == 2 {
			kb.Row(row...)
			row = nil
		}
	}
	if len(row) > 0 {
		kb.Row(row...)
	}
	return kb
}

// grid lays buttons out n to a row.
func grid(buttons []bot.Button, n int) *bot.Keyboard {
	kb := &bot.Keyboard{}
	for i := 0; i < len(buttons); i += n {
		kb.Row(buttons[i:min(i+n, len(buttons))]...)
	}
	return kb
}

// countryLabel is a country's name in the reader's language, or "no country".
func countryLabel(r *bot.Request, lang string, cc *string) string {
	return countryName(r.App, lang, cc)
}

func countryName(a *bot.App, lang string, cc *string) string {
	if cc == nil || *cc == "" {
		return a.I18n.T(lang, "country_none", nil)
	}
	return i18n.CountryName(lang, *cc)
}

func roleLabel(a *bot.App, lang, role string) string { return a.I18n.T(lang, "role_"+role, nil) }
func agencyLabel(a *bot.App, lang, agency string) string {
	return a.I18n.T(lang, "agency_"+agency, nil)
}
func stateLabel(a *bot.App, lang, state string) string { return a.I18n.T(lang, "state_"+state, nil) }

// memberLang is the language to speak to a member in: their choice, else English (also for
// no member at all).
func memberLang(a *bot.App, m *store.Member) string {
	if m != nil && a.I18n.Has(m.Language) {
		return m.Language
	}
	return i18n.Default
}

// languageName is a language's own name, or "—" when none was chosen.
func languageName(code string) string {
	if code == "" {
		return "—"
	}
	return i18n.NativeName(code)
}
