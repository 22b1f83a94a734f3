package handlers

import (
	"context"

	"focalbot/bot"
)

// fallback answers what no handler took: an unknown command gets its name back, free text a
// hint, an unknown or stale button nothing beyond the answer that stops its spinner.
func fallback(ctx context.Context, r *bot.Request) error {
	if r.Update.Message == nil {
		return nil
	}
	if r.Update.Message.Chat.Type != "private" {
		return nil // groups are handled by the group handler; never chat in them
	}
	if cmd, _ := r.Command(); cmd != "" {
		return r.Reply(ctx, "unknown_command", map[string]any{"Command": cmd}, nil)
	}
	return r.Reply(ctx, "free_text_hint", nil, nil)
}
