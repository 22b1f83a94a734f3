package bot

import (
	"context"
	"fmt"
	"strings"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"focalbot/bot/delivery"
	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// The command menu differs for outsiders and members, as far as Telegram allows: the default
// scope, per language_code, holds the commands anyone may use (the outsider's menu); each
// active member's chat gets a chat-scoped menu of the commands their role allows, in their
// language. Telegram picks the chat scope over the default, so a member sees theirs and a
// suspended member, whose chat menu is deleted, falls back to the outsider's.

// menu lists the commands a member (nil: an outsider) may use, described in lang. A command
// without a cmd_<name> message stays out of the menu.
func (a *App) menu(lang string, m *store.Member) []models.BotCommand {
	cmds := []models.BotCommand{}
	for _, c := range a.commands {
		if m == nil && a.access[c] != Anyone || m != nil && !a.access[c].allows(m) {
			continue
		}
		desc := a.I18n.T(lang, "cmd_"+c, nil)
		if desc == "cmd_"+c {
			continue // not meant for the menu
		}
		cmds = append(cmds, models.BotCommand{Command: c, Description: desc})
	}
	return cmds
}

// setCommands publishes the outsider's menu in each language. Failure is logged, not fatal:
// the menu is a convenience.
func (a *App) setCommands(ctx context.Context) {
	for _, lang := range a.I18n.Languages() {
		params := &tg.SetMyCommandsParams{Commands: a.menu(lang, nil)}
		if lang != i18n.Default {
			// Telegram's language_code here is two letters: Dari (fa-AF) is "fa".
			params.LanguageCode = strings.SplitN(lang, "-", 2)[0]
		}
		if _, err := a.TG.SetMyCommands(ctx, params); err != nil {
			a.Log.Warn("command menu not set", "lang", lang, "err", err)
		}
	}
}

// RefreshMenu gives a member's chat the menu of their role in their language, or, for anyone
// not active, removes it so the outsider's menu shows. Called when someone joins, is
// suspended or reactivated, changes role or language, and at /start. Failure is logged only.
func (a *App) RefreshMenu(ctx context.Context, m *store.Member) {
	if m == nil {
		return
	}
	scope := &models.BotCommandScopeChat{ChatID: m.ChatID}
	var err error
	if m.Active() {
		lang := m.Language
		if !a.I18n.Has(lang) {
			lang = i18n.Default
		}
		_, err = a.TG.SetMyCommands(ctx, &tg.SetMyCommandsParams{Commands: a.menu(lang, m), Scope: scope})
	} else {
		_, err = a.TG.DeleteMyCommands(ctx, &tg.DeleteMyCommandsParams{Scope: scope})
	}
	if err != nil {
		a.Log.Warn("member menu not refreshed", "member_id", m.ID, "err", err)
	}
}

// renderMenu handles an outbox row of kind delivery.KindMenu, queued by bot/members with a
// change of role or state made from the command line (or in the bot): it sets the member's
// chat menu as it is now and sends no message, so the row ends as skipped with that reason.
func (a *App) renderMenu(ctx context.Context, row delivery.Row, to *store.Member) (delivery.Message, error) {
	a.RefreshMenu(ctx, to)
	return delivery.Message{}, fmt.Errorf("%w: menu set, no message", delivery.ErrSkip)
}
