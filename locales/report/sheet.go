package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"focalbot/locales/check"
)

// sheetHeader is the first row of a review sheet.
var sheetHeader = []string{"lang", "id", "form", "description", "english", "translation", "glossary"}

// pluralForms are the fields a message may have, in CLDR's order.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// exportSheet writes lang's messages as CSV rows, one per form of a message, beside the English
// text and the glossary terms the English text uses, for a reviewer to correct in a spreadsheet.
func exportSheet(w io.Writer, set *check.Set, lang string) error {
	f, ok := set.Files[lang]
	if !ok {
		return fmt.Errorf("no locale %q", lang)
	}
	ref := set.Files[check.Reference]
	ids := make([]string, 0, len(ref))
	for id := range ref {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := csv.NewWriter(w)
	if err := out.Write(sheetHeader); err != nil {
		return err
	}
	for _, id := range ids {
		var terms []string
		wording := check.Wording(ref[id])
		for _, t := range set.Terms {
			if t.Pattern.MatchString(wording) {
				terms = append(terms, t.English+" = "+t.Forms[lang])
			}
		}
		for _, form := range pluralForms {
			text, has := f[id][form]
			en, hasEN := ref[id][form]
			if !has && !hasEN {
				continue
			}
			if !hasEN {
				en = ref[id]["other"]
			}
			if err := out.Write([]string{lang, id, form, ref[id]["description"], en, text, strings.Join(terms, "; ")}); err != nil {
				return err
			}
		}
	}
	out.Flush()
	return out.Error()
}

// importSheet writes the translations of a review sheet back into the locale files of dir,
// each changed text in place of the old one (a message the file lacks is added at its end), so
// that a review changes only the lines it corrects. It returns how many texts changed.
func importSheet(r io.Reader, dir string) (int, error) {
	in := csv.NewReader(r)
	rows, err := in.ReadAll()
	if err != nil {
		return 0, err
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != strings.Join(sheetHeader, ",") {
		return 0, fmt.Errorf("not a review sheet: the first row must be %s", strings.Join(sheetHeader, ","))
	}
	files := map[string]*sheetFile{} // by language
	changed := 0
	for i, row := range rows[1:] {
		lang, id, form, text := row[0], row[1], row[2], row[5]
		if lang == check.Reference || strings.ContainsAny(lang, `/\.`) || !validForm(form) {
			return changed, fmt.Errorf("row %d: language %q, form %q", i+2, lang, form)
		}
		f, ok := files[lang]
		if !ok {
			data, err := os.ReadFile(filepath.Join(dir, lang+".toml"))
			if err != nil {
				return changed, fmt.Errorf("row %d: %w", i+2, err)
			}
			f = newSheetFile(strings.Split(string(data), "\n"))
			files[lang] = f
		}
		if f.set(id, form, text) {
			changed++
		}
	}
	for lang, f := range files {
		data := strings.Join(f.lines, "\n")
		var parsed map[string]map[string]string
		if _, err := toml.Decode(data, &parsed); err != nil {
			return changed, fmt.Errorf("%s.toml would not parse: %w", lang, err)
		}
		if err := os.WriteFile(filepath.Join(dir, lang+".toml"), []byte(data), 0o644); err != nil {
			return changed, err
		}
	}
	return changed, nil
}

func validForm(form string) bool {
	for _, f := range pluralForms {
		if f == form {
			return true
		}
	}
	return false
}

// sheetFile is the lines of a locale file and where each message's [id] line is.
type sheetFile struct {
	lines []string
	at    map[string]int
}

func newSheetFile(lines []string) *sheetFile {
	f := &sheetFile{lines: lines}
	f.index()
	return f
}

func (f *sheetFile) index() {
	f.at = map[string]int{}
	for i, l := range f.lines {
		if strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]") {
			f.at[l[1:len(l)-1]] = i
		}
	}
}

// set sets one form of one message, and reports whether it changed anything.
func (f *sheetFile) set(id, form, text string) bool {
	line := form + " = " + tomlString(text)
	start, ok := f.at[id]
	if !ok {
		if text == "" {
			return false
		}
		for len(f.lines) > 0 && f.lines[len(f.lines)-1] == "" {
			f.lines = f.lines[:len(f.lines)-1]
		}
		f.lines = append(f.lines, "", "["+id+"]", line, "")
		f.at[id] = len(f.lines) - 3
		return true
	}
	end := start + 1
	for end < len(f.lines) && !strings.HasPrefix(f.lines[end], "[") {
		end++
	}
	for i := start + 1; i < end; i++ {
		if strings.HasPrefix(f.lines[i], form+" = ") {
			if f.lines[i] == line {
				return false
			}
			f.lines[i] = line
			return true
		}
	}
	// A form the message did not have (left empty: not needed in this language), after its
	// last field.
	if text == "" {
		return false
	}
	at := end
	for at > start+1 && strings.TrimSpace(f.lines[at-1]) == "" {
		at--
	}
	f.lines = append(f.lines[:at], append([]string{line}, f.lines[at:]...)...)
	f.index()
	return true
}

// tomlString writes s as a TOML basic string in the style of the locale files: UTF-8 as is,
// new lines as \n, and the invisible direction marks and isolates as \u escapes so that a
// reader of the file sees them.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
		case r < 0x20 || r == 0x7f || (r >= 0x200e && r <= 0x200f) || (r >= 0x2066 && r <= 0x2069):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
