package i18n_test

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"focalbot/bot/i18n"
	"focalbot/locales"
	"focalbot/locales/check"
)

func loadSet(t *testing.T) *check.Set {
	t.Helper()
	s, err := check.Load(locales.FS, locales.Glossary)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The glossary names every language of the network for every term, and says of every language
// whether CARICC stays in Latin; its waivers name messages and terms or examples that exist.
func TestGlossaryComplete(t *testing.T) {
	s := loadSet(t)
	if len(s.Terms) < 20 {
		t.Errorf("the glossary has %d terms", len(s.Terms))
	}
	known := map[string]bool{}
	for _, term := range s.Terms {
		known[term.ID] = true
		if term.English == "" {
			t.Errorf("term %s: no English form", term.ID)
		}
		for _, lang := range i18n.Supported[1:] {
			if term.Forms[lang] == "" {
				t.Errorf("term %s: no form in %s", term.ID, lang)
			}
		}
	}
	for _, tok := range s.Glossary.Examples.Tokens {
		known[tok] = true
	}
	for _, lang := range i18n.Supported[1:] {
		l, ok := s.Glossary.Languages[lang]
		if !ok || l.Note == "" {
			t.Errorf("[languages.%s]: missing, or no note on CARICC", lang)
		}
		if caricc := latinCARICC(s, lang); l.CARICCLatin != caricc {
			t.Errorf("[languages.%s] caricc_latin = %v, but the CARICC term is %q", lang, l.CARICCLatin, formOf(s, "caricc", lang))
		}
		for _, w := range l.Waive {
			id, what, _ := strings.Cut(w, " ")
			if _, ok := s.Files[lang][id]; !ok || !known[what] {
				t.Errorf("[languages.%s] waives %q: no such message, term or example", lang, w)
			}
		}
	}
}

func formOf(s *check.Set, term, lang string) string {
	for _, t := range s.Terms {
		if t.ID == term {
			return t.Forms[lang]
		}
	}
	return ""
}

func latinCARICC(s *check.Set, lang string) bool {
	for _, r := range formOf(s, "caricc", lang) {
		if !unicode.Is(unicode.Latin, r) {
			return false
		}
	}
	return true
}

// Wherever an English message uses a glossary term, every language uses the glossary's form
// in that message, and none uses a form the glossary rules out (ОАӨАҮО, ЮНОДК, «معذرت کریں»).
func TestLocalesUseGlossaryTerms(t *testing.T) {
	for _, f := range loadSet(t).TermFindings() {
		t.Error(f)
	}
}

// The examples of en.toml (PKTOR, KZHOR, /placeadd KZ Nur Zholy, {{.Country}}ABC, dates, ranges,
// 36h and 5d) are in every language, in the language's own form where the glossary gives one,
// unless the glossary waives one for a message.
func TestLocalesKeepExamples(t *testing.T) {
	for _, f := range loadSet(t).ExampleFindings() {
		t.Error(f)
	}
}

// Every plural form of every message has each placeholder as many times as the English form of
// the same category (or "other"): {{.Country}}ABC dropped from a text that also says
// {{.Country}} is a placeholder lost.
func TestPlaceholderCountsPerPluralForm(t *testing.T) {
	files := loadFiles(t)
	ref := files[i18n.Default]
	count := func(s string) map[string]int {
		n := map[string]int{}
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			n[m[1]]++
		}
		return n
	}
	for lang, f := range files {
		for id, fields := range f {
			for cat, text := range fields {
				if cat == "description" || ref[id] == nil {
					continue
				}
				en, ok := ref[id][cat]
				if !ok {
					en = ref[id]["other"]
				}
				want, got := count(en), count(text)
				for name, n := range want {
					if got[name] != n {
						t.Errorf("%s.%s.%s: {{.%s}} %d times, want %d", lang, id, cat, name, got[name], n)
					}
				}
				for name := range got {
					if want[name] == 0 {
						t.Errorf("%s.%s.%s: {{.%s}} is not in English", lang, id, cat, name)
					}
				}
			}
		}
	}
}

// eachText calls fn with every text of lang's file.
func eachText(t *testing.T, lang string, fn func(id, text string)) {
	t.Helper()
	f := loadFiles(t)[lang]
	if f == nil {
		t.Fatalf("no %s.toml", lang)
	}
	for id, fields := range f {
		for cat, text := range fields {
			if cat != "description" {
				fn(id+"."+cat, text)
			}
		}
	}
}

// Georgian is written in Mkhedruli: Mtavruli capitals (U+1C90–U+1CBF) show as boxes on older
// phones.
func TestGeorgianHasNoMtavruli(t *testing.T) {
	eachText(t, "ka", func(id, text string) {
		for _, r := range text {
			if r >= 0x1C90 && r <= 0x1CBF {
				t.Errorf("ka %s: Mtavruli %q (U+%04X)", id, r, r)
			}
		}
	})
}

// acronym is a word of capitals (ЦАРИКЦ, UN/LOCODE): Russian letters may stand in one.
var acronym = regexp.MustCompile(`\b\p{Lu}{2,}\b`)

// Tajik Cyrillic has no ь, щ or ы (курйерӣ, not курьерӣ); acronyms aside.
func TestTajikHasNoRussianLetters(t *testing.T) {
	eachText(t, "tg", func(id, text string) {
		if i := strings.IndexAny(acronym.ReplaceAllString(text, ""), "ьщыЬЩЫ"); i >= 0 {
			t.Errorf("tg %s: a letter Tajik does not have: %q", id, text)
		}
	})
}

// quoteInWord is an ASCII or typographic apostrophe between two letters.
var quoteInWord = regexp.MustCompile(`\pL['‘’` + "`" + `]\pL`)

// misplacedTurned is ʻ after another letter than o or g, or ʼ after o or g.
var misplacedTurned = regexp.MustCompile(`[^oOgG]ʻ|[oOgG]ʼ`)

// Uzbek writes oʻ, gʻ with ʻ (U+02BB) and the tutuq belgisi with ʼ (U+02BC), never an ASCII or
// curly apostrophe inside a word.
func TestUzbekApostrophes(t *testing.T) {
	eachText(t, "uz", func(id, text string) {
		if m := quoteInWord.FindString(text); m != "" {
			t.Errorf("uz %s: %q: write ʻ (U+02BB) or ʼ (U+02BC)", id, m)
		}
		if m := misplacedTurned.FindString(text); m != "" {
			t.Errorf("uz %s: %q: ʻ belongs after o and g (oʻ, gʻ), ʼ elsewhere", id, m)
		}
	})
}

// numericRun is a date, a time or a range typed into a text: digits joined by - – : . or /,
// not part of a reference (ALR-2026-000123, after a letter or a hyphen).
var numericRun = regexp.MustCompile(`(^|[^\pL\pN\-/])(\d+(?:[\-–:./]\d+)+(?: \d+(?::\d+)+)?)`)

// isolated drops what stands between U+2068 and U+2069, and template actions.
var isolated = regexp.MustCompile("\u2068[^\u2069]*\u2069|{{[^}]*}}")

// In Pashto, Dari and Urdu a date, a time or a numeric range in the fixed text stands in an
// isolate (U+2068 … U+2069): otherwise "2026-03-05 14:00" shows as "14:00 05-03-2026" and
// (1–90) as (90–1).
func TestRightToLeftNumbersIsolated(t *testing.T) {
	for _, lang := range []string{"ps", "fa-AF", "ur"} {
		eachText(t, lang, func(id, text string) {
			for _, m := range numericRun.FindAllStringSubmatch(isolated.ReplaceAllString(text, " "), -1) {
				t.Errorf("%s %s: %q outside an isolate (\\u2068 … \\u2069)", lang, id, m[2])
			}
		})
	}
}

// Every message file of locales/ is embedded (locales.FS takes the files named by a language
// code, so that the glossary is not read as one): a new language's file is not left out.
func TestEveryLocaleFileEmbedded(t *testing.T) {
	entries, err := os.ReadDir("../../locales")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".toml") || name == "glossary.toml" {
			continue
		}
		if _, err := fs.Stat(locales.FS, name); err != nil {
			t.Errorf("locales/%s is not in locales.FS: add its pattern to locales/embed.go", name)
		}
	}
}
