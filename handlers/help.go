package handlers

import (
	"context"

	"focalbot/bot"
)

// help explains the bot: the commands to a member, the closed network to anyone else.
func help(ctx context.Context, r *bot.Request) error {
	if r.Member == nil || !r.Member.Active() {
		return r.Reply(ctx, "help_outsider", nil, nil)
	}
	return r.Reply(ctx, "help_member", nil, nil)
}
