package handlers

import (
	"context"

	"focalbot/bot"
)

// start greets a member; anyone else learns that this is a closed network.
func start(ctx context.Context, r *bot.Request) error {
	if r.Member == nil || !r.Member.Active() {
		return closedNetwork(ctx, r)
	}
	return r.Reply(ctx, "start_member", map[string]any{"Name": displayName(r)}, nil)
}

// closedNetwork is the only answer an outsider, a pending or a suspended member ever gets.
func closedNetwork(ctx context.Context, r *bot.Request) error {
	return r.Reply(ctx, "closed_network", nil, nil)
}

// displayName is how we address the person: the name they confirmed, else Telegram's.
func displayName(r *bot.Request) string {
	if r.Member != nil && r.Member.DisplayName != "" {
		return r.Member.DisplayName
	}
	if r.From != nil {
		return r.From.FirstName
	}
	return ""
}
