package bot

import (
	"context"
	"time"

	"focalbot/bot/store"
)

// retain is the retention job: every hour, on the App's clock, what is older than its
// RETAIN_* period is cleared or deleted (see store.Retain and the README's "What is stored,
// and for how long").
func (a *App) retain(ctx context.Context, now time.Time) error {
	n, err := a.Store.Retain(ctx, now, a.Config.Retention)
	if err != nil {
		return err
	}
	if n != (store.Retained{}) {
		a.Log.Info("retention", "payloads_cleared", n.PayloadsCleared, "updates_deleted", n.UpdatesDeleted,
			"texts_cleared", n.TextsCleared, "outbox_deleted", n.OutboxDeleted,
			"invite_failures_deleted", n.FailuresDeleted, "outsider_rows_deleted", n.OutsidersDeleted)
	}
	return nil
}
