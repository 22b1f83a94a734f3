package alert

import (
	"html"
	"regexp"
	"strings"
	"unicode"
)

// MaxCaption is Telegram's limit on a photo's or document's caption, in UTF-16 code units.
const MaxCaption = 1024

// DraftRef stands for the reference an alert will get, where a length is measured before it
// has one: as long as any reference (ALR-2026-000123) is likely to be.
const DraftRef = "ALR-0000-0000000"

var tag = regexp.MustCompile(`<[^>]*>`)

// TelegramLen is the length Telegram finds in a message sent with parse_mode HTML: its text
// once the tags are removed, the entities decoded and the spaces at either end trimmed, in
// UTF-16 code units (an emoji outside the Basic Multilingual Plane counts two, a combining
// mark one).
func TelegramLen(htmlText string) int {
	return UTF16Len(strings.TrimFunc(html.UnescapeString(tag.ReplaceAllString(htmlText, "")), unicode.IsSpace))
}

// Fit measures a text as it will go out: render makes the whole message (heading, labels and
// the text) in one language, and the longest rendering over langs is compared with limit
// (MaxMessage, or MaxCaption for a caption). It returns that length and whether it fits.
//
// Messages are rendered when they are sent, in the recipient's language at that moment, so
// callers pass every language the bot speaks: what fits in all of them is never refused later.
func Fit(langs []string, limit int, render func(lang string) string) (length int, ok bool) {
	for _, l := range langs {
		length = max(length, TelegramLen(render(l)))
	}
	return length, length <= limit
}
