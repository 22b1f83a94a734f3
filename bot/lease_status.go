package bot

import (
	"context"

	"focalbot/bot/lease"
	"focalbot/bot/store"
)

// UpdateLeaseHeld reports whether some instance on this database holds the one lease (it
// polls, or handles the updates the webhook stored, and sends): `focalbot doctor` asks it.
func UpdateLeaseHeld(ctx context.Context, st *store.Store) (bool, error) {
	return st.AdvisoryLockHeld(ctx, lease.LockKey)
}
