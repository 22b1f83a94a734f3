package telegramtest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// entity is a formatting span as Telegram reports it back: offsets and
// lengths in UTF-16 code units of the parsed text.
type entity struct {
	Type          string `json:"type"`
	Offset        int    `json:"offset"`
	Length        int    `json:"length"`
	URL           string `json:"url,omitempty"`
	Language      string `json:"language,omitempty"`
	CustomEmojiID string `json:"custom_emoji_id,omitempty"`
}

// htmlTagEntity maps Telegram's supported HTML tags to entity types. Anything
// outside this table is rejected, as Telegram does, so a project template
// using <br> or <p> fails here instead of in production.
var htmlTagEntity = map[string]string{
	"b": "bold", "strong": "bold",
	"i": "italic", "em": "italic",
	"u": "underline", "ins": "underline",
	"s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
	"span": "spoiler", "tg-spoiler": "spoiler",
	"a":          "text_link",
	"code":       "code",
	"pre":        "pre",
	"blockquote": "blockquote",
	"tg-emoji":   "custom_emoji",
}

type openTag struct {
	name  string
	start int // UTF-16 offset
	attrs map[string]string
}

// parseHTML mirrors Telegram's HTML parse mode closely enough for the limits
// that matter: it returns the text the user would see, its entities, and
// an error phrased like Telegram's "can't parse entities" details.
func parseHTML(s string) (string, []entity, error) {
	var out strings.Builder
	out.Grow(len(s))
	var ents []entity
	var stack []openTag
	u16 := 0
	i := 0
	for i < len(s) {
		c := s[i]
		switch c {
		case '<':
			if i+1 < len(s) && s[i+1] == '/' {
				j := i + 2
				for j < len(s) && isTagNameByte(s[j]) {
					j++
				}
				name := strings.ToLower(s[i+2 : j])
				for j < len(s) && isSpace(s[j]) {
					j++
				}
				if j >= len(s) || s[j] != '>' {
					return "", nil, fmt.Errorf("Unclosed end tag at byte offset %d", i)
				}
				if len(stack) == 0 {
					return "", nil, fmt.Errorf("Unexpected end tag at byte offset %d", i)
				}
				top := stack[len(stack)-1]
				if name != top.name {
					return "", nil, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top.name, name)
				}
				stack = stack[:len(stack)-1]
				if e, ok := closeEntity(top, u16, stack); ok && !samePre(ents, e) {
					ents = append(ents, e)
				}
				i = j + 1
				continue
			}
			tag, next, err := parseStartTag(s, i)
			if err != nil {
				return "", nil, err
			}
			tag.start = u16
			stack = append(stack, tag)
			i = next
		case '&':
			r, n, ok := decodeEntity(s[i:])
			if !ok {
				return "", nil, fmt.Errorf("Unsupported HTML entity or unescaped \"&\" at byte offset %d", i)
			}
			out.WriteRune(r)
			u16 += utf16Len(r)
			i += n
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			out.WriteString(s[i : i+n])
			u16 += utf16Len(r)
			i += n
		}
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	return out.String(), ents, nil
}

func parseStartTag(s string, at int) (openTag, int, error) {
	j := at + 1
	for j < len(s) && isTagNameByte(s[j]) {
		j++
	}
	name := strings.ToLower(s[at+1 : j])
	if _, ok := htmlTagEntity[name]; !ok {
		return openTag{}, 0, fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", name, at)
	}
	attrs := map[string]string{}
	for {
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j >= len(s) {
			return openTag{}, 0, fmt.Errorf("Unclosed start tag at byte offset %d", at)
		}
		if s[j] == '>' {
			j++
			break
		}
		k := j
		for k < len(s) && isTagNameByte(s[k]) {
			k++
		}
		if k == j {
			return openTag{}, 0, fmt.Errorf("Empty attribute name in the tag \"%s\" at byte offset %d", name, j)
		}
		attr := strings.ToLower(s[j:k])
		j = k
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		val := ""
		if j < len(s) && s[j] == '=' {
			j++
			for j < len(s) && isSpace(s[j]) {
				j++
			}
			if j >= len(s) {
				return openTag{}, 0, fmt.Errorf("Unclosed start tag at byte offset %d", at)
			}
			if q := s[j]; q == '"' || q == '\'' {
				end := strings.IndexByte(s[j+1:], q)
				if end < 0 {
					return openTag{}, 0, fmt.Errorf("Unclosed start tag at byte offset %d", at)
				}
				val = s[j+1 : j+1+end]
				j += end + 2
			} else {
				k := j
				for k < len(s) && !isSpace(s[k]) && s[k] != '>' {
					k++
				}
				val = s[j:k]
				j = k
			}
			val = decodeAttr(val)
		}
		attrs[attr] = val
	}
	switch name {
	case "span":
		if attrs["class"] != "tg-spoiler" {
			return openTag{}, 0, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", at)
		}
	case "tg-emoji":
		if _, err := strconv.ParseInt(attrs["emoji-id"], 10, 64); err != nil {
			return openTag{}, 0, fmt.Errorf("Invalid custom emoji identifier specified at byte offset %d", at)
		}
	}
	return openTag{name: name, attrs: attrs}, j, nil
}

func closeEntity(t openTag, end int, outer []openTag) (entity, bool) {
	if end == t.start {
		// Telegram drops empty entities rather than failing.
		return entity{}, false
	}
	e := entity{Type: htmlTagEntity[t.name], Offset: t.start, Length: end - t.start}
	switch t.name {
	case "a":
		href, ok := t.attrs["href"]
		if !ok || href == "" {
			return entity{}, false
		}
		e.URL = href
	case "code":
		if len(outer) > 0 && outer[len(outer)-1].name == "pre" {
			if lang, ok := strings.CutPrefix(t.attrs["class"], "language-"); ok {
				// Telegram folds <pre><code class="language-x"> into one pre entity.
				e.Type = "pre"
				e.Language = lang
			}
		}
	case "blockquote":
		if _, ok := t.attrs["expandable"]; ok {
			e.Type = "expandable_blockquote"
		}
	case "tg-emoji":
		e.CustomEmojiID = t.attrs["emoji-id"]
	}
	return e, true
}

// samePre reports whether e is the <pre> around a <code class="language-x">
// that already produced the pre entity: Telegram reports the pair as one.
func samePre(ents []entity, e entity) bool {
	n := len(ents)
	return e.Type == "pre" && n > 0 && ents[n-1].Type == "pre" && ents[n-1].Offset == e.Offset && ents[n-1].Length == e.Length
}

func decodeEntity(s string) (rune, int, bool) {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 12 {
		return 0, 0, false
	}
	name := s[1:end]
	switch name {
	case "lt":
		return '<', end + 1, true
	case "gt":
		return '>', end + 1, true
	case "amp":
		return '&', end + 1, true
	case "quot":
		return '"', end + 1, true
	}
	if name[0] != '#' {
		return 0, 0, false
	}
	var v uint64
	var err error
	if len(name) > 1 && (name[1] == 'x' || name[1] == 'X') {
		v, err = strconv.ParseUint(name[2:], 16, 32)
	} else {
		v, err = strconv.ParseUint(name[1:], 10, 32)
	}
	if err != nil || v == 0 || v > utf8.MaxRune {
		return 0, 0, false
	}
	return rune(v), end + 1, true
}

// decodeAttr is lenient: Telegram tolerates odd ampersands inside attribute
// values such as URLs with query strings.
func decodeAttr(v string) string {
	if !strings.Contains(v, "&") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); {
		if v[i] == '&' {
			if r, n, ok := decodeEntity(v[i:]); ok {
				b.WriteRune(r)
				i += n
				continue
			}
		}
		b.WriteByte(v[i])
		i++
	}
	return b.String()
}

// stripMarkdownV2 approximates MarkdownV2 only far enough to count length:
// the project uses HTML, so full MarkdownV2 validation is not emulated.
func stripMarkdownV2(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			b.WriteByte(s[i])
			continue
		}
		switch c {
		case '*', '_', '~', '|', '`':
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// StripHTML returns the text a Telegram user would see for an HTML
// parse-mode message. Invalid markup is returned unchanged.
func StripHTML(s string) string {
	plain, _, err := parseHTML(s)
	if err != nil {
		return s
	}
	return plain
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// UTF16Len counts UTF-16 code units, the unit of Telegram's length limits.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

func isTagNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
