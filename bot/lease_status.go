package bot

import (
	"context"

	"focalbot/bot/store"
)

// UpdateLeaseHeld reports whether some instance on this database holds the lease that
// receives updates (polls, or handles those the webhook stored): `focalbot doctor` asks it.
func UpdateLeaseHeld(ctx context.Context, st *store.Store) (bool, error) {
	return st.AdvisoryLockHeld(ctx, pollLockKey)
}
