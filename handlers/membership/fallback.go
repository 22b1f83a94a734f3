package membership

import (
	"context"

	"focalbot/bot"
)

// fallback answers what no handler took. Anyone who is not an active member gets the
// closed-network answer for everything, stale buttons included (an outsider's message with
// the Request access button under it); a member gets an unknown
// command's name back, a hint for free text, and for an unknown or stale button nothing beyond
// the answer that stops its spinner.
func fallback(ctx context.Context, r *bot.Request) error {
	if r.From == nil || r.ChatID <= 0 {
		return nil // not from a person in a private chat (groups are dropped before routing)
	}
	if r.Member == nil && r.Update.Message != nil {
		// An outsider who writes to the bot may ask for access from here, as from /start.
		return r.Reply(ctx, "closed_network", nil, requestAccessKeyboard(r))
	}
	if r.Member == nil || !r.Member.Active() {
		if r.Update.Message != nil || r.Update.CallbackQuery != nil {
			return closedNetwork(ctx, r)
		}
		return nil
	}
	if r.Update.Message == nil {
		return nil
	}
	if cmd, _ := r.Command(); cmd != "" {
		return r.Reply(ctx, "unknown_command", map[string]any{"Command": cmd}, nil)
	}
	return r.Reply(ctx, "free_text_hint", nil, nil)
}
