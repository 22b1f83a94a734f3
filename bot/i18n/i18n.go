// Package i18n holds the translations of focalbot and picks the language a person is spoken to
// in. Message files are TOML, one per language, in locales/; go-i18n applies CLDR plural rules;
// golang.org/x/text matches Telegram's language_code to a language we have.
package i18n

import (
	"fmt"
	"html"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Default is the language of last resort and the reference every other file must match.
const Default = "en"

// HTML marks a template argument that is already safe HTML (a fragment we rendered), so it
// is not escaped again. Every plain string argument is escaped: message texts are sent with
// HTML parse mode and user content must never become markup.
type HTML string

// Bundle is the set of loaded languages.
type Bundle struct {
	bundle  *goi18n.Bundle
	codes   []string // language codes as the file names give them, Default first
	tags    []language.Tag
	matcher language.Matcher

	mu         sync.Mutex
	localizers map[string]*goi18n.Localizer
}

// Load reads every *.toml file of fsys.
func Load(fsys fs.FS) (*Bundle, error) {
	b := &Bundle{bundle: goi18n.NewBundle(language.English), localizers: map[string]*goi18n.Localizer{}}
	b.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		if _, err := b.bundle.ParseMessageFileBytes(data, f); err != nil {
			return nil, fmt.Errorf("locale %s: %w", f, err)
		}
		code := strings.TrimSuffix(path.Base(f), ".toml")
		b.codes = append(b.codes, code)
	}
	if len(b.codes) == 0 {
		return nil, fmt.Errorf("no locale files")
	}
	sort.Slice(b.codes, func(i, j int) bool {
		if (b.codes[i] == Default) != (b.codes[j] == Default) {
			return b.codes[i] == Default
		}
		return b.codes[i] < b.codes[j]
	})
	for _, c := range b.codes {
		b.tags = append(b.tags, language.MustParse(c))
	}
	b.matcher = language.NewMatcher(b.tags)
	return b, nil
}

// Languages lists the language codes we have, Default first.
func (b *Bundle) Languages() []string { return append([]string(nil), b.codes...) }

// Has reports whether code is one of our languages.
func (b *Bundle) Has(code string) bool {
	for _, c := range b.codes {
		if c == code {
			return true
		}
	}
	return false
}

// Match picks our language for a Telegram language_code (ru-RU → ru; fa → fa-AF; unknown →
// Default): the nearest of the network's languages (MatchSupported), if its file is loaded.
func (b *Bundle) Match(languageCode string) string {
	if code := MatchSupported(languageCode); b.Has(code) {
		return code
	}
	// A language outside the thirteen whose file was added anyway.
	tag, err := language.Parse(languageCode)
	if err != nil || languageCode == "" {
		return Default
	}
	if _, i, conf := b.matcher.Match(tag); conf >= language.High {
		return b.codes[i]
	}
	return Default
}

func (b *Bundle) localizer(lang string) *goi18n.Localizer {
	b.mu.Lock()
	defer b.mu.Unlock()
	l, ok := b.localizers[lang]
	if !ok {
		l = goi18n.NewLocalizer(b.bundle, lang, Default)
		b.localizers[lang] = l
	}
	return l
}

// T renders message id in lang. data holds the template arguments; plain strings are
// HTML-escaped, HTML values are not. A missing message renders as its ID, so a gap shows
// instead of breaking the conversation (the completeness test keeps there being none).
func (b *Bundle) T(lang, id string, data map[string]any) string {
	return b.render(lang, &goi18n.LocalizeConfig{MessageID: id, TemplateData: b.escape(lang, data)})
}

// N renders message id in lang with the plural form CLDR gives for count; count is also
// available to the template as .Count.
func (b *Bundle) N(lang, id string, count int, data map[string]any) string {
	d := b.escape(lang, data)
	if d == nil {
		d = map[string]any{}
	}
	d["Count"] = count
	return b.render(lang, &goi18n.LocalizeConfig{MessageID: id, PluralCount: count, TemplateData: d})
}

func (b *Bundle) render(lang string, cfg *goi18n.LocalizeConfig) string {
	s, err := b.localizer(lang).Localize(cfg)
	if err != nil && s == "" {
		return cfg.MessageID
	}
	if rightToLeft[lang] {
		s = isolateRTL(s)
	}
	return s
}

// escape HTML-escapes the plain string arguments (the name of a forgotten member becomes "a
// former member (KZ)" in lang: see former.go); in a right-to-left language it also isolates
// those that read left to right (see isolateValue).
func (b *Bundle) escape(lang string, data map[string]any) map[string]any {
	if data == nil {
		return nil
	}
	out := make(map[string]any, len(data))
	for k, v := range data {
		if s, ok := v.(string); ok {
			if _, former := formerMember(s); former { // a forgotten member's name
				v = HTML(b.FormerMemberLabel(lang, s))
			}
		}
		switch v := v.(type) {
		case string:
			out[k] = html.EscapeString(v)
			if rightToLeft[lang] {
				out[k] = isolateValue(out[k].(string))
			}
		case HTML:
			out[k] = string(v)
		default:
			out[k] = v
		}
	}
	return out
}
