package ui

import (
	"time"

	"focalbot/bot/alert"
)

// ParseWhen reads a typed point in time in loc, the typer's zone (Zone): a delay in the units
// of any locale ("36h", "5 дн") or a date and time ("2026-03-05 14:00"). The rule is
// alert.ParseWhen, shared with the Mini App; callers check past and too far, and their
// prompts name the zone (ZoneName).
func ParseWhen(s string, now time.Time, loc *time.Location) (time.Time, bool) {
	return alert.ParseWhen(s, now, loc)
}
