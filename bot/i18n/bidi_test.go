package i18n_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"focalbot/bot/i18n"
	"focalbot/locales"
)

// Right-to-left messages keep their left-to-right runs in one piece: arguments in isolates
// (outside <code>, so copying a code copies no invisible characters), /commands between
// left-to-right marks, and a line whose first letter is Latin starts with a right-to-left
// mark. Left-to-right languages are untouched.
func TestRightToLeftIsolatesLeftToRightRuns(t *testing.T) {
	b, err := i18n.Load(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	const fsi, pdi, rlm, lrm = "\u2068", "\u2069", "\u200f", "\u200e"
	for _, lang := range []string{"ur", "ps", "fa-AF"} {
		help := b.T(lang, "help_member", nil)
		if !strings.Contains(help, lrm+"/alert"+lrm) || !strings.Contains(help, "\n"+rlm+lrm+"/status"+lrm+" ") {
			t.Errorf("%s help: commands not marked left to right at the start of right-to-left lines:\n%q", lang, help)
		}
		if !strings.HasPrefix(help, rlm+"<b>focalbot</b>") {
			t.Errorf("%s help: first line starts with a Latin word but no right-to-left mark: %q", lang, help[:40])
		}
		asOf := b.T(lang, "st_board_title", map[string]any{"Country": "Pakistan", "Now": "2026-11-26 23:21 UTC"})
		if !strings.Contains(asOf, fsi+"2026-11-26 23:21 UTC"+pdi) {
			t.Errorf("%s board: the date is not isolated: %q", lang, asOf)
		}
		line := b.T(lang, "rfi_list_line", map[string]any{"Ref": "RFI-2026-000001", "Time": "2026-11-27 09:00"})
		if !strings.HasPrefix(line, rlm+fsi+"<code>RFI-2026-000001</code>"+pdi) {
			t.Errorf("%s request line: the reference is not isolated outside <code>: %q", lang, line)
		}
	}
	if en := b.T("en", "help_member", nil); strings.ContainsAny(en, fsi+pdi+rlm) {
		t.Errorf("English help has direction marks: %q", en)
	}
}

// Every message of the right-to-left languages, its arguments given as typed values mixing
// Latin, Cyrillic and digits, keeps each of them in an isolate: no run with a left-to-right
// letter and a digit is left outside one. (The locale file's own examples — "ALR-2026-000123",
// "ISO 6346" — are the translator's words, laid out once when written, and are not checked.)
func TestRightToLeftMessagesIsolateEveryArgument(t *testing.T) {
	b, err := i18n.Load(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	var en map[string]map[string]any
	data, err := fs.ReadFile(locales.FS, "en.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := toml.Unmarshal(data, &en); err != nil {
		t.Fatal(err)
	}
	arg := regexp.MustCompile(`\.([A-Z][A-Za-z]*)`)
	for _, lang := range []string{"ur", "ps", "fa-AF"} {
		for id, forms := range en {
			args := map[string]any{}
			for _, f := range forms {
				s, _ := f.(string)
				for _, m := range arg.FindAllStringSubmatch(s, -1) {
					args[m[1]] = "Kamaz 18 т, 1200 қап"
				}
			}
			out := b.T(lang, id, args)
			for _, run := range i18n.LTRRunsOutsideIsolates(out) {
				if strings.Contains(run, "Kamaz") || strings.Contains(run, "қап") {
					t.Errorf("%s.%s: %q outside isolates in %q", lang, id, run, out)
				}
			}
		}
	}
}
