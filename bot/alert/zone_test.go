package alert

import (
	"testing"
	"time"
)

// The zones of the network: one offset a country, named the same way in every language.
func TestZonesAndTheirNames(t *testing.T) {
	winter, summer := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC), time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)
	kz, ge, none, utc, bogus := "KZ", "GE", "XX", "UTC", "Europe/Paris"
	tests := []struct {
		country, choice *string
		at              time.Time
		want            string
	}{
		{&kz, nil, winter, "2026-01-15 17:00 UTC+5"}, // one zone for all Kazakhstan since 2024
		{&ge, nil, winter, "2026-01-15 16:00 UTC+4"},
		{nil, nil, winter, "2026-01-15 17:00 UTC+5"},   // CARICC's
		{&none, nil, winter, "2026-01-15 17:00 UTC+5"}, // not a network country: CARICC's
		{&kz, &utc, winter, "2026-01-15 12:00 UTC"},
		{&kz, &bogus, winter, "2026-01-15 17:00 UTC+5"}, // not a zone offered: the country's
	}
	for _, tt := range tests {
		if got := FormatTime(tt.at, Zone(tt.country, tt.choice)); got != tt.want {
			t.Errorf("%v %v: %q, want %q", tt.country, tt.choice, got, tt.want)
		}
	}
	for cc, want := range map[string][2]string{"AF": {"UTC+4:30", "UTC+4:30"}, "UA": {"UTC+2", "UTC+3"}, "KG": {"UTC+6", "UTC+6"},
		"PK": {"UTC+5", "UTC+5"}, "AZ": {"UTC+4", "UTC+4"}, "TJ": {"UTC+5", "UTC+5"}, "TM": {"UTC+5", "UTC+5"}, "UZ": {"UTC+5", "UTC+5"}} {
		loc := ZoneFor(&cc)
		if w, s := ZoneName(winter, loc), ZoneName(summer, loc); w != want[0] || s != want[1] {
			t.Errorf("%s: %s in winter, %s in summer; want %v", cc, w, s, want)
		}
	}
	if cs := ZoneCountries(winter); len(cs) != 10 || cs[0] != "UA" || cs[len(cs)-1] != "KG" {
		t.Errorf("zones west to east: %v", cs)
	}
}

func BenchmarkFormatTime(b *testing.B) {
	kz := "KZ"
	now := time.Now()
	for b.Loop() {
		FormatTime(now, Zone(&kz, nil))
	}
}
