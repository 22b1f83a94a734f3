package membership

import (
	"context"
	"strings"

	"focalbot/bot"
	"focalbot/bot/store"
)

// help explains the bot: the commands of their role to a member, the closed network to anyone
// else.
func help(ctx context.Context, r *bot.Request) error {
	if r.Member == nil {
		return r.Reply(ctx, "help_outsider", nil, requestAccessKeyboard(r))
	}
	if !r.Member.Active() {
		return r.Reply(ctx, "help_outsider", nil, nil)
	}
	parts := []string{helpFor(r, r.T("help_member", nil))}
	switch r.Member.Role {
	case store.RoleAdmin:
		parts = append(parts, r.T("help_analyst", nil), r.T("help_admin", nil))
	case store.RoleAnalyst:
		parts = append(parts, r.T("help_analyst", nil))
	}
	_, err := r.App.Send(ctx, r.ChatID, "reply", strings.Join(parts, "\n\n"), nil)
	return err
}

// helpFor drops from a help text the lines of commands the reader may not use (an observer
// submits nothing: no /alert, /ask or /poststatus), so that /help offers only what works.
// Lines start with the command itself in every language, which is what this relies on.
func helpFor(r *bot.Request, text string) string {
	lines := strings.Split(text, "\n")
	out := lines[:0]
	for _, l := range lines {
		if name, ok := strings.CutPrefix(l, "/"); ok {
			name, _, _ = strings.Cut(name, " ")
			if !r.App.Allows(name, r.Member) {
				continue
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
