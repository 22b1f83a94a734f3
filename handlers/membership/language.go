package membership

import (
	"context"

	"focalbot/bot"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
	"focalbot/handlers/ui"
)

// /language: anyone but a barred member may switch language at any time. A member's choice is
// kept in members.language, an outsider's in outsider_languages. Under the languages a member
// finds their time zone (timezone.go).

func chooseLanguage(ctx context.Context, r *bot.Request) error {
	if barred(r.Member) {
		return closedNetwork(ctx, r)
	}
	return r.Reply(ctx, "lang_choose", nil, zoneRow(r, ui.LanguagePicker(r, r.Lang, verbLanguage)))
}

func languageButton(ctx context.Context, r *bot.Request) error {
	if barred(r.Member) {
		return closedNetwork(ctx, r)
	}
	code := r.Data().Arg(0)
	if !r.App.I18n.Has(code) {
		return r.Stale(ctx)
	}
	st := r.App.Store
	if r.Member != nil {
		if err := store.SetLanguage(ctx, st.DB, r.Member.ID, code); err != nil {
			return err
		}
		r.Member.Language = code
		r.App.RefreshMenu(ctx, r.Member)
	} else if err := store.SetOutsiderLanguage(ctx, st.DB, r.From.ID, code); err != nil {
		return err
	}
	r.Lang = code
	return ui.Show(ctx, r, r.T("lang_set", map[string]any{"Language": i18n.NativeName(code)}), nil)
}
