package bot_test

import (
	"context"
	"testing"
	"time"

	"focalbot/bot"
	"focalbot/bot/bottest"
)

// Jobs see the App's clock, so a test moves time instead of sleeping.
func TestJobsRunOnTheFakeClock(t *testing.T) {
	t.Parallel()
	var seen []time.Time
	h := bottest.Start(t, func(a *bot.App) {
		a.Job("record", time.Minute, func(_ context.Context, now time.Time) error {
			seen = append(seen, now)
			return nil
		})
	})
	start := h.Clock.Now()
	h.Advance(30 * time.Minute)
	h.Advance(time.Hour)
	if len(seen) != 2 || !seen[0].Equal(start.Add(30*time.Minute)) || !seen[1].Equal(start.Add(90*time.Minute)) {
		t.Fatalf("job saw %v, want start+30m and start+90m", seen)
	}
}
