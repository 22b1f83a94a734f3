// Package check holds the locale files to the glossary: which message of which language lacks
// a term's glossary form or an example of en.toml, uses a form the glossary rules out, is
// missing, or is still the English text. The locale tests fail on its findings; `make locales`
// prints them for a translator.
package check

import (
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// Reference is the language every other file is held to.
const Reference = "en"

// File is a locale file as written: message ID → field (description, one, other, …).
type File map[string]map[string]string

// Glossary is glossary.toml.
type Glossary struct {
	Terms    map[string]map[string]any `toml:"terms"`
	Examples struct {
		Tokens []string                     `toml:"tokens"`
		Forms  map[string]map[string]string `toml:"forms"`
	} `toml:"examples"`
	Languages map[string]struct {
		CARICCLatin bool     `toml:"caricc_latin"`
		Note        string   `toml:"note"`
		Waive       []string `toml:"waive"`
	} `toml:"languages"`
}

// Term is one entry of the glossary.
type Term struct {
	ID      string
	English string
	Pattern *regexp.Regexp      // finds the term in an English message
	Forms   map[string]string   // language → the form to use
	Match   map[string][]string // language → lower-case stems, any of which counts
	Avoid   map[string][]string // language → forms that must not stand for the term
}

// Set is the locale files and the glossary.
type Set struct {
	Files    map[string]File // by language code
	Glossary Glossary
	Terms    []Term
}

// Load reads every message file of fsys and the glossary.
func Load(fsys fs.FS, glossary []byte) (*Set, error) {
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, err
	}
	s := &Set{Files: map[string]File{}}
	for _, n := range names {
		var f File
		if _, err := toml.DecodeFS(fsys, n, &f); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		s.Files[strings.TrimSuffix(n, ".toml")] = f
	}
	if s.Files[Reference] == nil {
		return nil, fmt.Errorf("no %s.toml", Reference)
	}
	if _, err := toml.Decode(string(glossary), &s.Glossary); err != nil {
		return nil, fmt.Errorf("glossary: %w", err)
	}
	for id, raw := range s.Glossary.Terms {
		t := Term{ID: id, Forms: map[string]string{}, Match: map[string][]string{}, Avoid: map[string][]string{}}
		for k, v := range raw {
			switch k {
			case "note":
			case "en":
				t.English, _ = v.(string)
			case "en_match":
				p, _ := v.(string)
				if t.Pattern, err = regexp.Compile("(?i)" + p); err != nil {
					return nil, fmt.Errorf("glossary: term %s: %w", id, err)
				}
			case "match", "avoid":
				table, ok := v.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("glossary: term %s: %s is not a table", id, k)
				}
				for lang, list := range table {
					items, _ := list.([]any)
					for _, it := range items {
						w, _ := it.(string)
						if k == "match" {
							t.Match[lang] = append(t.Match[lang], strings.ToLower(w))
						} else {
							t.Avoid[lang] = append(t.Avoid[lang], strings.ToLower(w))
						}
					}
				}
			default:
				form, ok := v.(string)
				if !ok {
					return nil, fmt.Errorf("glossary: term %s: %s is not a string", id, k)
				}
				t.Forms[k] = form
			}
		}
		if t.Pattern == nil {
			t.Pattern = regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(t.English) + `\b`)
		}
		s.Terms = append(s.Terms, t)
	}
	sort.Slice(s.Terms, func(i, j int) bool { return s.Terms[i].ID < s.Terms[j].ID })
	return s, nil
}

// Languages lists the language codes other than the reference, sorted.
func (s *Set) Languages() []string {
	var out []string
	for l := range s.Files {
		if l != Reference {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// Finding is one thing to correct in one message of one language.
type Finding struct {
	Lang, ID string
	Kind     string // "missing", "identical", "term", "avoid", "example"
	Detail   string
}

func (f Finding) String() string { return fmt.Sprintf("%s.%s: %s: %s", f.Lang, f.ID, f.Kind, f.Detail) }

// Text is the text of a message: its forms other than the description, one per line.
func Text(m map[string]string) string {
	var keys []string
	for k := range m {
		if k != "description" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = m[k]
	}
	return strings.Join(parts, "\n")
}

// markup is what is not wording in an English message: /commands, {{template}} actions,
// HTML tags and entities.
var markup = regexp.MustCompile(`/[A-Za-z_]+|{{[^}]*}}|<[^>]*>|&\w+;`)

// Wording is the text of a message without its markup: what a glossary term is looked for in.
func Wording(m map[string]string) string { return markup.ReplaceAllString(Text(m), " ") }

// invisible are the direction marks and isolates a right-to-left text may carry.
var invisible = strings.NewReplacer("\u2068", "", "\u2069", "", "\u200e", "", "\u200f", "")

func (s *Set) waived(lang, id, what string) bool {
	for _, w := range s.Glossary.Languages[lang].Waive {
		if w == id+" "+what {
			return true
		}
	}
	return false
}

func sortedIDs(f File) []string {
	ids := make([]string, 0, len(f))
	for id := range f {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Terms finds, for every message of the reference that uses a glossary term, each language
// whose message lacks the term's form (or its stems) or uses a form the glossary rules out.
func (s *Set) TermFindings() []Finding {
	var out []Finding
	ref := s.Files[Reference]
	for _, id := range sortedIDs(ref) {
		en := Wording(ref[id])
		for _, t := range s.Terms {
			if !t.Pattern.MatchString(en) {
				continue
			}
			for _, lang := range s.Languages() {
				m, ok := s.Files[lang][id]
				if !ok {
					continue // reported as missing
				}
				text := strings.ToLower(invisible.Replace(Text(m)))
				stems := t.Match[lang]
				if len(stems) == 0 && t.Forms[lang] != "" {
					stems = []string{strings.ToLower(t.Forms[lang])}
				}
				found := len(stems) == 0
				for _, st := range stems {
					found = found || strings.Contains(text, st)
				}
				if !found && !s.waived(lang, id, t.ID) {
					out = append(out, Finding{lang, id, "term", fmt.Sprintf("%q (%s) without %q", t.English, t.ID, t.Forms[lang])})
				}
				for _, a := range t.Avoid[lang] {
					if strings.Contains(text, a) {
						out = append(out, Finding{lang, id, "avoid", fmt.Sprintf("%q for %q: the glossary has %q", a, t.English, t.Forms[lang])})
					}
				}
			}
		}
	}
	return out
}

// ExampleForm is how lang writes an example token of en.toml.
func (s *Set) ExampleForm(lang, token string) string {
	if f, ok := s.Glossary.Examples.Forms[lang][token]; ok {
		return f
	}
	return token
}

// ExampleFindings finds, for every example token of the glossary in a message of the
// reference, each language whose message lacks it (in the language's form) unless waived.
func (s *Set) ExampleFindings() []Finding {
	var out []Finding
	ref := s.Files[Reference]
	for _, id := range sortedIDs(ref) {
		en := Text(ref[id])
		for _, tok := range s.Glossary.Examples.Tokens {
			if !strings.Contains(en, tok) {
				continue
			}
			for _, lang := range s.Languages() {
				m, ok := s.Files[lang][id]
				if !ok {
					continue
				}
				form := s.ExampleForm(lang, tok)
				if !strings.Contains(invisible.Replace(Text(m)), form) && !s.waived(lang, id, tok) {
					out = append(out, Finding{lang, id, "example", fmt.Sprintf("%q of en is not here as %q", tok, form)})
				}
			}
		}
	}
	return out
}

// MissingFindings lists the messages of the reference a language does not have.
func (s *Set) MissingFindings() []Finding {
	var out []Finding
	for _, lang := range s.Languages() {
		for _, id := range sortedIDs(s.Files[Reference]) {
			if _, ok := s.Files[lang][id]; !ok {
				out = append(out, Finding{lang, id, "missing", "no translation"})
			}
		}
	}
	return out
}

// letters finds a word of letters; a text without any is not wording (a code, a placeholder).
var letters = regexp.MustCompile(`\pL{3,}`)

// IdenticalFindings lists the messages a language has left as the English text (proper names
// and codes aside: a text whose only words are a glossary term's Latin form counts as done).
func (s *Set) IdenticalFindings() []Finding {
	var out []Finding
	ref := s.Files[Reference]
	for _, lang := range s.Languages() {
		for _, id := range sortedIDs(ref) {
			m, ok := s.Files[lang][id]
			if !ok {
				continue
			}
			en, text := Text(ref[id]), Text(m)
			if en != text || !letters.MatchString(markup.ReplaceAllString(en, " ")) || s.isName(lang, en) {
				continue
			}
			out = append(out, Finding{lang, id, "identical", fmt.Sprintf("same as English: %q", en)})
		}
	}
	return out
}

// isName reports whether text is a glossary form lang writes as English does (CARICC, UNODC).
func (s *Set) isName(lang, text string) bool {
	for _, t := range s.Terms {
		if t.Forms[lang] == text {
			return true
		}
	}
	return false
}
