package alert

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"
	_ "time/tzdata" // the zones of the network's countries, whatever the host has installed
)

// The one time policy: every time shown to a person is in their own time zone — the one they
// chose (members.time_zone, offered in /language), else their country's — written by
// FormatTime with the zone named. Typed times are read in the typer's zone. CSV exports and
// the command line stay in UTC.

// zones is the zone of each network country: one a country, right for all of each since
// Kazakhstan went to one zone (UTC+5) in March 2024 (a host whose tz database is older than
// 2024a still has Almaty at UTC+6; the container embeds Go's own).
var zones = map[string]string{
	"AF": "Asia/Kabul", "AZ": "Asia/Baku", "GE": "Asia/Tbilisi", "KZ": "Asia/Almaty",
	"KG": "Asia/Bishkek", "PK": "Asia/Karachi", "TJ": "Asia/Dushanbe", "TM": "Asia/Ashgabat",
	"UA": "Europe/Kyiv", "UZ": "Asia/Tashkent",
}

// hubZone is CARICC's (Almaty): the zone of members without a country.
const hubZone = "Asia/Almaty"

// ZoneFor is the zone of a member of country who chose none; CARICC's (Almaty) for staff
// without a country.
func ZoneFor(country *string) *time.Location {
	name := hubZone
	if country != nil {
		if z, ok := zones[*country]; ok {
			name = z
		}
	}
	return load(name)
}

// Zone is the zone a member reads times in: their choice when it is one the bot offers
// (ValidZone), else their country's (ZoneFor).
func Zone(country, choice *string) *time.Location {
	if choice != nil && ValidZone(*choice) {
		return load(*choice)
	}
	return ZoneFor(country)
}

// ValidZone reports whether name is a zone a member may choose: a network country's, or UTC.
func ValidZone(name string) bool {
	if name == "UTC" {
		return true
	}
	for _, z := range zones {
		if z == name {
			return true
		}
	}
	return false
}

// CountryZone is the zone of a network country, by name ("Asia/Tbilisi"); false for another.
func CountryZone(country string) (string, bool) {
	z, ok := zones[country]
	return z, ok
}

// ZoneCountries lists the network countries by their zone's offset at t, west to east (then
// by code): the order of the choices offered.
func ZoneCountries(t time.Time) []string {
	var cs []string
	for c := range zones {
		cs = append(cs, c)
	}
	offset := func(c string) int { _, o := t.In(load(zones[c])).Zone(); return o }
	slices.SortFunc(cs, func(a, b string) int { return cmp.Or(cmp.Compare(offset(a), offset(b)), cmp.Compare(a, b)) })
	return cs
}

// loaded caches the zones by name: time.LoadLocation reads the tz database each time, and a
// zone is looked up for every time rendered.
var loaded sync.Map // string → *time.Location

func load(name string) *time.Location {
	if loc, ok := loaded.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	loaded.Store(name, loc)
	return loc
}

// ZoneName names loc's offset at t the same way in every language: "UTC+5", "UTC+4:30", "UTC".
func ZoneName(t time.Time, loc *time.Location) string {
	_, off := t.In(loc).Zone()
	if off == 0 {
		return "UTC"
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	if m := off % 3600 / 60; m != 0 {
		return fmt.Sprintf("UTC%s%d:%02d", sign, off/3600, m)
	}
	return fmt.Sprintf("UTC%s%d", sign, off/3600)
}

// FormatTime writes t in loc with the zone named, the one format of every time shown to a
// person: "2026-03-02 14:00 UTC+5".
func FormatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04") + " " + ZoneName(t, loc)
}

// FormatDate writes t's date in loc: "2026-03-02".
func FormatDate(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02") }
