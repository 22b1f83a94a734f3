package request

import (
	"testing"
	"time"

	"focalbot/handlers/ui"
)

// CARICC hears of an unanswered request half the given time after its reply-by time, at
// least an hour and at most a day later.
func TestRFIEscalateAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct{ window, want time.Duration }{
		{time.Hour, time.Hour}, {2 * time.Hour, time.Hour}, {24 * time.Hour, 12 * time.Hour},
		{72 * time.Hour, 24 * time.Hour}, {30 * 24 * time.Hour, 24 * time.Hour},
	} {
		if got := escalateAfter(now, now.Add(tt.window)); got != tt.want {
			t.Errorf("window %v: escalate after %v, want %v", tt.window, got, tt.want)
		}
	}
}

// References are found however they are typed: any case, with or without the leading zeros
// of the number; anything else, or another kind's prefix, is not a reference.
func TestNormaliseRef(t *testing.T) {
	tests := []struct {
		prefix, in, want string
		ok               bool
	}{
		{"RFI", "rfi-2026-1", "RFI-2026-000001", true},
		{"RFI", " RFI-2026-000001 ", "RFI-2026-000001", true},
		{"RFI", "Rfi-2026-0042", "RFI-2026-000042", true},
		{"ALR", "alr-2026-7", "ALR-2026-000007", true},
		{"ALR", "ALR-2026-123456", "ALR-2026-123456", true},
		{"ALR", "rfi-2026-7", "", false},
		{"RFI", "RFI-2026-1234567", "", false},
		{"RFI", "RFI-26-1", "", false},
		{"RFI", "RFI-2026-", "", false},
		{"RFI", "RFI 2026 1", "", false},
		{"RFI", "", "", false},
	}
	for _, tt := range tests {
		got, ok := ui.NormaliseRef(tt.prefix, tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("normaliseRef(%q, %q) = %q, %v; want %q, %v", tt.prefix, tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
