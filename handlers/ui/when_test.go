package ui

import (
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"36h", now.Add(36 * time.Hour), true},
		{"5d", now.Add(5 * 24 * time.Hour), true},
		{"90m", now.Add(90 * time.Minute), true},
		{"1d12h", now.Add(36 * time.Hour), true},
		{"36 ч", now.Add(36 * time.Hour), true},
		{"5д", now.Add(5 * 24 * time.Hour), true},
		{"90мин", now.Add(90 * time.Minute), true},
		{"2026-03-05 14:00", time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC), true},
		{"۲۰۲۶-۰۳-۰۵ ۱۴:۰۰", time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC), true},
		{"2026-03-05", time.Date(2026, 3, 5, 23, 59, 0, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"soon", time.Time{}, false},
		{"h", time.Time{}, false},
		{"2026-13-40 10:00", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseWhen(tt.in, now)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseWhen(%q) = %v %v, want %v %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
