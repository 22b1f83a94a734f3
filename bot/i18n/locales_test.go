package i18n_test

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/BurntSushi/toml"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"focalbot/bot/i18n"
	"focalbot/locales"
)

// messageFile is a locale file as written: message ID → field (description, one, other, …).
type messageFile map[string]map[string]string

var (
	filesOnce   sync.Once
	filesLoaded map[string]messageFile
	filesErr    error
)

// loadFiles decodes the locale files once for all tests (they are embedded: they cannot
// change); callers must not modify what it returns.
func loadFiles(t *testing.T) map[string]messageFile {
	t.Helper()
	filesOnce.Do(func() { filesLoaded, filesErr = decodeFiles() })
	if filesErr != nil {
		t.Fatal(filesErr)
	}
	if filesLoaded[i18n.Default] == nil {
		t.Fatalf("no %s.toml", i18n.Default)
	}
	return filesLoaded
}

func decodeFiles() (map[string]messageFile, error) {
	names, err := fs.Glob(locales.FS, "*.toml")
	if err != nil {
		return nil, err
	}
	files := map[string]messageFile{}
	for _, n := range names {
		var f messageFile
		if _, err := toml.DecodeFS(locales.FS, n, &f); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		files[strings.TrimSuffix(n, ".toml")] = f
	}
	return files, nil
}

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

func placeholders(fields map[string]string) []string {
	set := map[string]bool{}
	for k, v := range fields {
		if k == "description" {
			continue
		}
		for _, m := range placeholder.FindAllStringSubmatch(v, -1) {
			set[m[1]] = true
		}
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Every locale has exactly the message IDs of the reference, with the same placeholders.
func TestLocalesMatchReference(t *testing.T) {
	files := loadFiles(t)
	ref := files[i18n.Default]
	for lang, f := range files {
		t.Run(lang, func(t *testing.T) {
			for id, fields := range ref {
				got, ok := f[id]
				if !ok {
					t.Errorf("missing %s", id)
					continue
				}
				if want, have := placeholders(fields), placeholders(got); !slices.Equal(want, have) {
					t.Errorf("%s: placeholders %v, want %v", id, have, want)
				}
			}
			for id := range f {
				if _, ok := ref[id]; !ok {
					t.Errorf("%s is not in %s.toml", id, i18n.Default)
				}
			}
		})
	}
}

// A plural message has every category CLDR uses for whole numbers in that language, and a
// singular message has only "other".
func TestPluralCategories(t *testing.T) {
	files := loadFiles(t)
	ref := files[i18n.Default]
	for lang, f := range files {
		t.Run(lang, func(t *testing.T) {
			need := integerCategories(language.MustParse(lang))
			for id, fields := range ref {
				isPlural := fields["one"] != "" || fields["few"] != "" || fields["many"] != ""
				got := f[id]
				for _, cat := range []string{"zero", "one", "two", "few", "many", "other"} {
					has := got[cat] != ""
					switch {
					case isPlural && need[cat] && !has:
						t.Errorf("%s: plural category %q missing", id, cat)
					case !isPlural && cat != "other" && has:
						t.Errorf("%s: %q given for a message that is not plural", id, cat)
					}
				}
				if got["other"] == "" && got != nil {
					t.Errorf("%s: no \"other\" text", id)
				}
			}
		})
	}
}

// integerCategories lists the CLDR plural categories that whole numbers take in lang.
func integerCategories(lang language.Tag) map[string]bool {
	names := map[plural.Form]string{plural.Zero: "zero", plural.One: "one", plural.Two: "two",
		plural.Few: "few", plural.Many: "many", plural.Other: "other"}
	set := map[string]bool{"other": true}
	for n := 0; n <= 1000; n++ {
		set[names[plural.Cardinal.MatchPlural(lang, n, 0, 0, 0, 0)]] = true
	}
	return set
}

// scripts says which script each language is written in.
var scripts = map[string]*unicode.RangeTable{
	"en": unicode.Latin, "tk": unicode.Latin, "uz": unicode.Latin, "az": unicode.Latin,
	"ru": unicode.Cyrillic, "kk": unicode.Cyrillic, "ky": unicode.Cyrillic, "tg": unicode.Cyrillic, "uk": unicode.Cyrillic,
	"ka": unicode.Georgian,
	"ps": unicode.Arabic, "fa-AF": unicode.Arabic, "ur": unicode.Arabic,
}

// names may stay in Latin letters in any language: proper names, codes and commands, and the
// examples people type as they are (PKTOR, KZHOR, /placeadd KZ Nur Zholy, {{.Country}}ABC).
var latinNames = regexp.MustCompile(`(?i)\b(focalbot|telegram|caricc|unodc|wco|ccp|iso|imo|un/locode|locode|b/l|awb|hs|pcr|rfi|alr|utc|id|pktor|kzhor|kz nur zholy|https?://\S+)\b|\b\d+[hdm]\b|/[a-z_]+|{{[^}]*}}(ABC)?|<[^>]*>|&\w+;`)

// Each locale's text is in its own script: no English left in another language's file.
func TestLocaleScripts(t *testing.T) {
	files := loadFiles(t)
	for lang, f := range files {
		script, ok := scripts[lang]
		if !ok {
			t.Errorf("%s.toml: no script declared for this language in the test", lang)
			continue
		}
		t.Run(lang, func(t *testing.T) {
			for id, fields := range f {
				for cat, text := range fields {
					if cat == "description" {
						continue
					}
					rest := latinNames.ReplaceAllString(text, " ")
					var foreign []rune
					for _, r := range rest {
						// Modifier letters of no script (Uzbek's ʻ in oʻ gʻ, the ʼ apostrophe) belong to any.
						if unicode.IsLetter(r) && !unicode.Is(script, r) && !unicode.Is(unicode.Common, r) {
							foreign = append(foreign, r)
						}
					}
					if len(foreign) > 0 {
						t.Errorf("%s.%s has letters of another script: %q", id, cat, string(foreign))
					}
				}
			}
		})
	}
}

// Every plural message renders in every language for every count: go-i18n's own plural rules
// (which may ask for a form x/text does not) find a text, never the bare message ID.
func TestPluralMessagesRender(t *testing.T) {
	files := loadFiles(t)
	b, err := i18n.Load(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	for id, fields := range files[i18n.Default] {
		if fields["one"] == "" {
			continue
		}
		for lang := range files {
			if _, ok := files[lang][id]; !ok {
				continue // reported by TestLocalesMatchReference
			}
			for n := 0; n <= 200; n++ {
				if got := b.N(lang, id, n, nil); got == id {
					t.Errorf("%s.%s: no text for count %d", lang, id, n)
					break
				}
			}
		}
	}
}
