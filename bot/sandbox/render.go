package sandbox

import (
	"html"
	"net/url"
	"sort"
	"strings"
	"unicode/utf16"

	"focalbot/bot/telegramtest"
)

// renderHTML turns a message's visible text and its formatting entities into HTML for the
// page, the way a Telegram client renders a message: from the parsed text, never from the
// markup the bot sent. Every character of text is escaped and the only tags that can come out
// are the ones below, so nothing the bot or a user wrote can become markup or script on the
// page.
func renderHTML(plain string, entities []telegramtest.Entity) string {
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
