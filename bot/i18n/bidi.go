package i18n

import (
	"regexp"
	"strings"
	"unicode"
)

// Right-to-left texts (Pashto, Dari, Urdu) carry left-to-right runs: place names and codes,
// dates, references, /commands. Telegram clients lay out each line in the direction of its
// first strong letter, so a line that starts with "Karachi" or "/status" is laid out left to
// right, and a date followed by a time, or a code in parentheses, comes out reordered inside a
// right-to-left line ("23:21 2026-11-26", "status/"). Unicode's first-strong isolates
// (U+2068 … U+2069) keep an argument in one piece, in its own direction; a /command stands
// between left-to-right marks; a right-to-left mark starts a line that would otherwise be laid
// out left to right. All are invisible and none is a word character, so a marked /command is
// still a whole word Telegram makes tappable.
const (
	fsi = "\u2068" // FIRST STRONG ISOLATE
	pdi = "\u2069" // POP DIRECTIONAL ISOLATE
	rlm = "\u200f" // RIGHT-TO-LEFT MARK
	lrm = "\u200e" // LEFT-TO-RIGHT MARK
)

// isolateValue wraps a plain (already escaped) template argument of a right-to-left message
// in an isolate when it reads left to right: it has a Latin letter or a digit and no
// right-to-left letter. Multi-line values (a form to copy) are left alone: an isolate ends at
// the end of a line anyway.
func isolateValue(s string) string {
	if s == "" || strings.ContainsAny(s, "\n"+fsi+pdi) {
		return s
	}
	ltr := false
	for _, r := range s {
		switch {
		case isRTL(r):
			return s
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			ltr = true
		}
	}
	if !ltr {
		return s
	}
	return fsi + s + pdi
}

// command is a /command as Telegram recognises one: '/' at the start of the text or after a
// space or an opening bracket, then letters, digits and underscores up to a non-word character.
var command = regexp.MustCompile(`(^|[\s(«“])(/[A-Za-z0-9_]+)\b`)

// codeIsolate finds an isolate just inside <code>…</code>: it moves outside the tags, so that
// copying the code (a reference, a container number) copies no invisible characters.
var codeIsolate = regexp.MustCompile(`<code>` + fsi + `([^<]*)` + pdi + `</code>`)

// isolateRTL marks the /commands of a rendered right-to-left message as left to right
// (between two left-to-right marks rather than in an isolate: Chromium, for one, still shows
// "alert/" for an isolated "/alert" in a line laid out right to left), moves isolates of
// arguments out of <code>, and starts with a right-to-left mark each line that has
// right-to-left words but would be laid out left to right, its first letter being Latin
// ("<b>focalbot</b> — …", "/alert — …", "UN/LOCODE: …"). Clients that do not skip isolates
// when they choose a line's direction then lay it out right to left too.
func isolateRTL(s string) string {
	s = command.ReplaceAllString(s, "${1}"+lrm+"${2}"+lrm)
	s = codeIsolate.ReplaceAllString(s, fsi+"<code>${1}</code>"+pdi)
	lines := strings.Split(s, "\n")
	inCode := false // inside <code> or <pre>: text to copy gets no marks
	for i, line := range lines {
		if !inCode && startsLTRWithRTL(line) {
			lines[i] = rlm + line
		}
		for _, tag := range []string{"code", "pre"} {
			if n := strings.Count(line, "<"+tag+">") - strings.Count(line, "</"+tag+">"); n > 0 {
				inCode = true
			} else if n < 0 {
				inCode = false
			}
		}
	}
	return strings.Join(lines, "\n")
}

// startsLTRWithRTL reports whether a line of HTML has a right-to-left letter but a Latin (or
// other left-to-right) first letter, tags and entities aside (isolated runs count: not every
// client skips them when it chooses a line's direction).
func startsLTRWithRTL(line string) bool {
	first, hasRTL := rune(0), false
	inTag, inEntity := false, false
	for _, r := range line {
		switch {
		case inTag:
			inTag = r != '>'
			continue
		case inEntity:
			inEntity = r != ';'
			continue
		case r == '<':
			inTag = true
			continue
		case r == '&':
			inEntity = true
			continue
		}
		if isRTL(r) {
			hasRTL = true
		}
		if first == 0 && unicode.IsLetter(r) {
			first = r
		}
	}
	return hasRTL && first != 0 && !isRTL(first)
}

func isRTL(r rune) bool {
	return unicode.In(r, unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko)
}

// Isolate wraps each line of a value assembled as HTML (typed by a person or taken from data:
// a quantity, goods, a note, identifiers, free text) in a first-strong isolate when lang is
// written right to left and the line has a letter or digit that is not right to left, so that
// "18 т, 1200 қап" reaches an Urdu reader as typed, not as "т, 1200 қап 18". Plain string
// arguments of T are isolated already (isolateValue); other languages get s unchanged. A line
// in right-to-left script with a number or a Latin word is isolated too: the isolate takes its
// direction from its first letter, and keeps the line's runs apart from the text around it.
func Isolate(lang, s string) string {
	if !rightToLeft[lang] || s == "" {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, fsi) && strings.HasSuffix(l, pdi) {
			continue
		}
		for _, r := range stripTags(l) {
			if (unicode.IsLetter(r) || unicode.IsDigit(r)) && !isRTL(r) {
				lines[i] = fsi + l + pdi
				break
			}
		}
	}
	return strings.Join(lines, "\n")
}

// stripTags leaves out the tags and entities of a line of HTML.
func stripTags(s string) string {
	var b strings.Builder
	inTag, inEntity := false, false
	for _, r := range s {
		switch {
		case inTag:
			inTag = r != '>'
		case inEntity:
			inEntity = r != ';'
		case r == '<':
			inTag = true
		case r == '&':
			inEntity = true
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// LTRRunsOutsideIsolates lists the runs of a rendered message (HTML) that hold a left-to-right
// letter and a digit outside any isolate — the runs a right-to-left line reorders ("18 т" comes
// out as "т 18"). For tests of right-to-left rendering.
func LTRRunsOutsideIsolates(s string) []string {
	var out []string
	depth := 0
	var run strings.Builder
	flush := func() {
		r := run.String()
		run.Reset()
		letter, digit := false, false
		for _, c := range r {
			letter = letter || (unicode.IsLetter(c) && !isRTL(c))
			digit = digit || unicode.IsDigit(c)
		}
		if letter && digit {
			out = append(out, strings.TrimSpace(r))
		}
	}
	for _, c := range stripTags(s) {
		switch {
		case c == []rune(fsi)[0] || c == '\u2066' || c == '\u2067':
			flush()
			depth++
		case c == []rune(pdi)[0]:
			if depth > 0 {
				depth--
			}
		case depth > 0:
		case c == '\n' || isRTL(c):
			flush()
		default:
			run.WriteRune(c)
		}
	}
	flush()
	return out
}
