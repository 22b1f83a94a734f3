package alert

import (
	"strings"
	"unicode/utf16"
)

// MaxMessage is Telegram's limit on a message's text, in UTF-16 code units.
const MaxMessage = 4096

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
