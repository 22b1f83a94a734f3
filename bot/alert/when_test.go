package alert

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"focalbot/locales"
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
		{"36год", now.Add(36 * time.Hour), true},
		{"5 дн.", now.Add(5 * 24 * time.Hour), true},
		{"90 хв", now.Add(90 * time.Minute), true},
		{"36сағ", now.Add(36 * time.Hour), true},
		{"5 күн", now.Add(5 * 24 * time.Hour), true},
		{"36 soat", now.Add(36 * time.Hour), true},
		{"5kun", now.Add(5 * 24 * time.Hour), true},
		{"36 sagat", now.Add(36 * time.Hour), true},
		{"5 gün", now.Add(5 * 24 * time.Hour), true},
		{"3 соат", now.Add(3 * time.Hour), true},
		{"5 рӯз", now.Add(5 * 24 * time.Hour), true},
		{"36 საათი", now.Add(36 * time.Hour), true},
		{"۵ روز", now.Add(5 * 24 * time.Hour), true},
		{"\u2068" + "36 ساعت" + "\u2069", now.Add(36 * time.Hour), true},
		{"1 день 2 часа", now.Add(26 * time.Hour), true},
		{"2h1d", time.Time{}, false},
		{"5d5d", time.Time{}, false},
		{"5 apples", time.Time{}, false},
		{"12345d", time.Time{}, false},
		{"2026-03-05 14:00", time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC), true},
		{"۲۰۲۶-۰۳-۰۵ ۱۴:۰۰", time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC), true},
		{"2026-03-05", time.Date(2026, 3, 5, 23, 59, 0, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"soon", time.Time{}, false},
		{"h", time.Time{}, false},
		{"2026-13-40 10:00", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseWhen(tt.in, now, time.UTC)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("ParseWhen(%q) = %v %v, want %v %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// A typed date and time is read in the typer's zone: "2026-03-05 14:00" is 09:00 UTC for a
// reader in Almaty (UTC+5), 10:00 UTC in Tbilisi (UTC+4), 09:30 UTC in Kabul (UTC+4:30); a
// date alone is its last minute there. Delays do not depend on the zone.
func TestParseWhenInTheTypersZone(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	zone := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	tests := []struct {
		zone, in string
		want     time.Time
	}{
		{"Asia/Almaty", "2026-03-05 14:00", time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)},
		{"Asia/Tbilisi", "2026-03-05 14:00", time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)},
		{"Asia/Kabul", "2026-03-05 14:00", time.Date(2026, 3, 5, 9, 30, 0, 0, time.UTC)},
		{"Europe/Kyiv", "2026-07-05 14:00", time.Date(2026, 7, 5, 11, 0, 0, 0, time.UTC)}, // summer time
		{"Asia/Almaty", "2026-03-05", time.Date(2026, 3, 5, 18, 59, 0, 0, time.UTC)},
		{"Europe/Kyiv", "2026-03-29", time.Date(2026, 3, 29, 20, 59, 0, 0, time.UTC)}, // a day of 23 hours
		{"Asia/Almaty", "36h", now.Add(36 * time.Hour)},
	}
	for _, tt := range tests {
		got, ok := ParseWhen(tt.in, now, zone(tt.zone))
		if !ok || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("%s: ParseWhen(%q) = %v %v, want %v", tt.zone, tt.in, got, ok, tt.want)
		}
	}
}

// delayExample is a delay as a message suggests typing it: a number and a unit, with at most
// one space between ("36h", "36 soat", "5дн").
var delayExample = regexp.MustCompile(`(?:^|[^\p{L}\p{N}])(\d+) ?([\p{L}\p{M}]+)`)

// englishDelay is a delay in en.toml: 36h, 5d, 90m.
var englishDelay = regexp.MustCompile(`\b(\d+)[hdm]\b`)

// Every delay a locale tells people to type parses, to the delay of the English example: each
// message of en.toml that suggests 36h or 5d has, in every language, examples with the same
// numbers, and each of them is read by ParseWhen.
func TestParseWhenEveryLocaleUnit(t *testing.T) {
	names, err := fs.Glob(locales.FS, "*.toml")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]map[string]map[string]string{}
	for _, n := range names {
		var f map[string]map[string]string
		if _, err := toml.DecodeFS(locales.FS, n, &f); err != nil {
			t.Fatal(err)
		}
		files[strings.TrimSuffix(n, ".toml")] = f
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	checked := 0
	for id, en := range files["en"] {
		want := map[string]time.Duration{} // number → delay
		for _, m := range englishDelay.FindAllStringSubmatch(en["other"], -1) {
			at, _ := ParseWhen(m[0], now, time.UTC)
			want[m[1]] = at.Sub(now)
		}
		if len(want) == 0 {
			continue
		}
		for lang, f := range files {
			got := map[string]bool{}
			for _, m := range delayExample.FindAllStringSubmatch(f[id]["other"], -1) {
				d, ok := want[m[1]]
				if !ok {
					continue
				}
				typed := m[1] + m[2]
				if m[0][len(m[0])-len(m[1])-len(m[2]):] != typed {
					typed = m[1] + " " + m[2]
				}
				at, ok := ParseWhen(typed, now, time.UTC)
				if !ok || at.Sub(now) != d {
					t.Errorf("%s.%s suggests %q: ParseWhen reads %v %v, want %v", lang, id, typed, at.Sub(now), ok, d)
				}
				checked++
				got[m[1]] = true
			}
			for n := range want {
				if !got[n] {
					t.Errorf("%s.%s has no delay example for the %s of en (%q)", lang, id, n, en["other"])
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no delay example found in the locale files")
	}
}
