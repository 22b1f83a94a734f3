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
		for _, t := range set.Terms {
			if t.Pattern.MatchString(check.Wording(ref[id])) {
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
	files := map[string][]string{} // lang → lines
	changed := 0
	for i, row := range rows[1:] {
		lang, id, form, text := row[0], row[1], row[2], row[5]
		if lang == check.Reference || strings.ContainsAny(lang, `/\.`) || !validForm(form) {
			return changed, fmt.Errorf("row %d: language %q, form %q", i+2, lang, form)
		}
		lines, ok := files[lang]
		if !ok {
			data, err := os.ReadFile(filepath.Join(dir, lang+".toml"))
			if err != nil {
				return changed, fmt.Errorf("row %d: %w", i+2, err)
			}
			lines = strings.Split(string(data), "\n")
		}
		var did bool
		if lines, did = setText(lines, id, form, text); did {
			changed++
		}
		files[lang] = lines
	}
	for lang, lines := range files {
		data := strings.Join(lines, "\n")
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

// setText sets one form of one message in the lines of a locale file, and reports whether it
// changed anything.
func setText(lines []string, id, form, text string) ([]string, bool) {
	line := form + " = " + tomlString(text)
	start := -1
	for i, l := range lines {
		if l == "["+id+"]" {
			start = i
			break
		}
	}
	if start < 0 {
		if text == "" {
			return lines, false
		}
		for len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		return append(lines, "", "["+id+"]", line, ""), true
	}
	end := start + 1
	for end < len(lines) && !strings.HasPrefix(lines[end], "[") {
		end++
	}
	for i := start + 1; i < end; i++ {
		if strings.HasPrefix(lines[i], form+" = ") {
			if lines[i] == line {
				return lines, false
			}
			lines[i] = line
			return lines, true
		}
	}
	// A form the message did not have (left empty: not needed in this language), after its
	// last field.
	if text == "" {
		return lines, false
	}
	at := end
	for at > start+1 && strings.TrimSpace(lines[at-1]) == "" {
		at--
	}
	return append(lines[:at], append([]string{line}, lines[at:]...)...), true
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
