package sandbox

import (
	"html"
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf16"

	"focalbot/bot/telegramtest"
)

// renderHTML turns a message's visible text and its formatting entities into HTML for the
// page, the way a Telegram client renders a message: from the parsed text, never from the
// markup the bot sent. Every character of text is escaped and the only tags that can come out
// are the ones below, so nothing the bot or a user wrote can become markup or script on the
// page.
func renderHTML(plain string, entities []telegramtest.Entity) string {
	entities = withCommands(plain, entities)
	if len(entities) == 0 {
		return html.EscapeString(plain)
	}
	units := utf16.Encode([]rune(plain))
	// Cut the text at every place an entity starts or ends; each piece is wrapped in the tags
	// of all entities covering it. Overlapping entities (possible when a bot sends entities
	// rather than HTML) then still nest properly, at the price of a few repeated tags.
	cuts := map[int]bool{0: true, len(units): true}
	for _, e := range entities {
		start, end := clamp(e.Offset, len(units)), clamp(e.Offset+e.Length, len(units))
		cuts[start], cuts[end] = true, true
	}
	points := make([]int, 0, len(cuts))
	for p := range cuts {
		points = append(points, p)
	}
	sort.Ints(points)

	var b strings.Builder
	for i := 0; i+1 < len(points); i++ {
		from, to := points[i], points[i+1]
		piece := string(utf16.Decode(units[from:to]))
		var open, closeTags []string
		for _, e := range entities {
			if e.Offset <= from && to <= e.Offset+e.Length {
				o, c := tagsFor(e, units)
				if o != "" {
					open = append(open, o)
					closeTags = append([]string{c}, closeTags...)
				}
			}
		}
		b.WriteString(strings.Join(open, ""))
		b.WriteString(html.EscapeString(piece))
		b.WriteString(strings.Join(closeTags, ""))
	}
	return b.String()
}

// tagsFor is the opening and closing tag of one entity; "" for entity types shown as plain
// text (mentions, hashtags, custom emoji, …).
func tagsFor(e telegramtest.Entity, units []uint16) (string, string) {
	switch e.Type {
	case "bold":
		return "<b>", "</b>"
	case "italic":
		return "<i>", "</i>"
	case "underline":
		return "<u>", "</u>"
	case "strikethrough":
		return "<s>", "</s>"
	case "spoiler":
		return `<span class="spoiler">`, "</span>"
	case "code":
		return "<code>", "</code>"
	case "pre":
		return "<pre>", "</pre>"
	case "blockquote", "expandable_blockquote":
		return "<blockquote>", "</blockquote>"
	case "bot_command":
		// A command in a message can be tapped to send it, as in Telegram.
		whole := string(utf16.Decode(units[clamp(e.Offset, len(units)):clamp(e.Offset+e.Length, len(units))]))
		return `<a href="#" class="cmd" data-cmd="` + html.EscapeString(whole) + `">`, "</a>"
	case "text_link":
		if href, ok := safeLink(e.URL); ok {
			return `<a href="` + html.EscapeString(href) + `" target="_blank" rel="noopener noreferrer">`, "</a>"
		}
	case "url":
		whole := string(utf16.Decode(units[clamp(e.Offset, len(units)):clamp(e.Offset+e.Length, len(units))]))
		if !strings.Contains(whole, "://") {
			whole = "https://" + whole
		}
		if href, ok := safeLink(whole); ok {
			return `<a href="` + html.EscapeString(href) + `" target="_blank" rel="noopener noreferrer">`, "</a>"
		}
	}
	return "", ""
}

// safeLink admits only web and Telegram links: javascript: and data: URLs never reach the page.
func safeLink(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "tg", "mailto":
		return u.String(), true
	}
	return "", false
}

func clamp(v, n int) int { return max(0, min(v, n)) }

// withCommands adds a bot_command entity for every /command in the text that has none, as
// Telegram's apps find them in any message (the bot's help and hints name commands to tap): a
// '/' at the start, after a space, an opening bracket or quote, or an invisible direction mark
// (right-to-left messages put /commands between left-to-right marks), then letters,
// digits and '_' (up to 32) and an optional @botname, not followed by a word character. Text
// inside code, pre and links is left alone.
func withCommands(plain string, entities []telegramtest.Entity) []telegramtest.Entity {
	if !strings.Contains(plain, "/") {
		return entities
	}
	word := func(r rune) bool {
		return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
	}
	taken := func(from, to int) bool {
		for _, e := range entities {
			switch e.Type {
			case "code", "pre", "url", "text_link", "bot_command", "email", "mention":
				if from < e.Offset+e.Length && e.Offset < to {
					return true
				}
			}
		}
		return false
	}
	runes := []rune(plain)
	out := entities
	offset := 0 // UTF-16 offset of runes[i]
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		if r == '/' && (i == 0 || unicode.IsSpace(runes[i-1]) || unicode.Is(unicode.Cf, runes[i-1]) || strings.ContainsRune("(«“\"'", runes[i-1])) {
			j := i + 1
			for j < len(runes) && word(runes[j]) && j-i <= 32 {
				j++
			}
			if j > i+1 && j < len(runes) && runes[j] == '@' {
				k := j + 1
				for k < len(runes) && word(runes[k]) {
					k++
				}
				if k > j+1 {
					j = k
				}
			}
			if j > i+1 && (j == len(runes) || !(word(runes[j]) || runes[j] == '/')) {
				length := len(utf16.Encode(runes[i:j]))
				if !taken(offset, offset+length) {
					out = append(out, telegramtest.Entity{Type: "bot_command", Offset: offset, Length: length})
				}
			}
		}
		offset += len(utf16.Encode([]rune{r}))
	}
	return out
}
