package handlers

import (
	"context"
	"strings"

	"focalbot/bot"
	"focalbot/bot/store"
)

// help explains the bot: the commands of their role to a member, the closed network to anyone
// else.
func help(ctx context.Context, r *bot.Request) error {
	if r.Member == nil || !r.Member.Active() {
		return r.Reply(ctx, "help_outsider", nil, nil)
	}
	parts := []string{r.T("help_member", nil)}
	switch r.Member.Role {
	case store.RoleAdmin:
		parts = append(parts, r.T("help_analyst", nil), r.T("help_admin", nil))
	case store.RoleAnalyst:
		parts = append(parts, r.T("help_analyst", nil))
	}
	_, err := r.App.Send(ctx, r.ChatID, "reply", strings.Join(parts, "\n\n"), nil)
	return err
}
