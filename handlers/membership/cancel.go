package membership

import (
	"context"

	"focalbot/bot"
)

// cancel ends whatever conversation is in progress (a draft is dropped), from any step.
func cancel(ctx context.Context, r *bot.Request) error {
	if barred(r.Member) {
		return closedNetwork(ctx, r)
	}
	if r.Conv == nil {
		return r.Reply(ctx, "nothing_to_cancel", nil, nil)
	}
	if err := r.EndConv(ctx); err != nil {
		return err
	}
	return r.Reply(ctx, "cancelled", nil, nil)
}
