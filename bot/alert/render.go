package alert

import (
	"strings"
	"time"
	_ "time/tzdata" // the zones of the network's countries, whatever the host has installed
	"unicode/utf16"
)

// MaxMessage is Telegram's limit on a message's text, in UTF-16 code units.
const MaxMessage = 4096

// zones is the default time zone of each network country (a member's own zone is not asked
// for: one zone per country is right for all but Kazakhstan's west, an hour off).
var zones = map[string]string{
	"AF": "Asia/Kabul", "AZ": "Asia/Baku", "GE": "Asia/Tbilisi", "KZ": "Asia/Almaty",
	"KG": "Asia/Bishkek", "PK": "Asia/Karachi", "TJ": "Asia/Dushanbe", "TM": "Asia/Ashgabat",
	"UA": "Europe/Kyiv", "UZ": "Asia/Tashkent",
}

// ZoneFor is the time zone a member of country reads times in; CARICC's (Almaty) for staff
// without a country.
func ZoneFor(country *string) *time.Location {
	name := "Asia/Almaty"
	if country != nil {
		if z, ok := zones[*country]; ok {
			name = z
		}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// FormatTime shows t in loc with its offset, e.g. "2026-03-02 14:00 UTC+05:00".
func FormatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 UTC-07:00")
}

// UTF16Len is the length Telegram counts. Counting the HTML source over-estimates the text
// Telegram sees (tags and entities are not counted there), which errs on the safe side.
func UTF16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// Split cuts a rendering into messages of at most limit, at line ends: every line closes its
// own tags. A single line longer than limit is cut at the limit (free text lines are bounded
// by MaxText well below it, so this does not happen with what we render).
func Split(s string, limit int) []string {
	if UTF16Len(s) <= limit {
		return []string{s}
	}
	var out []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if curLen > 0 {
			out = append(out, strings.TrimRight(cur.String(), "\n"))
			cur.Reset()
			curLen = 0
		}
	}
	for _, line := range strings.Split(s, "\n") {
		l := UTF16Len(line) + 1
		if curLen+l > limit {
			flush()
		}
		for UTF16Len(line) > limit { // never for our renderings; kept total, not dropped
			r := []rune(line)
			n := limit / 2
			out = append(out, string(r[:n]))
			line = string(r[n:])
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		curLen += UTF16Len(line) + 1
	}
	flush()
	return out
}
