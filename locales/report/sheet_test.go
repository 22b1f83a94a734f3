package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"focalbot/locales"
	"focalbot/locales/check"
)

// copyLocales copies the locale files into a temporary folder.
func copyLocales(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	names, err := filepath.Glob("../*.toml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no locale files: %v", err)
	}
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(n)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A sheet exported and imported unchanged changes nothing, in every language (the isolates of
// right-to-left texts included); one corrected cell changes exactly one line of one file.
func TestSheetRoundTrip(t *testing.T) {
	set, err := check.Load(locales.FS, locales.Glossary)
	if err != nil {
		t.Fatal(err)
	}
	dir := copyLocales(t)
	for _, lang := range set.Languages() {
		var sheet bytes.Buffer
		if err := exportSheet(&sheet, set, lang); err != nil {
			t.Fatal(err)
		}
		n, err := importSheet(bytes.NewReader(sheet.Bytes()), dir)
		if err != nil || n != 0 {
			t.Errorf("%s: unchanged sheet imported: %d changes, %v", lang, n, err)
		}
		before, _ := os.ReadFile(filepath.Join("..", lang+".toml"))
		after, _ := os.ReadFile(filepath.Join(dir, lang+".toml"))
		if !bytes.Equal(before, after) {
			t.Errorf("%s: the file changed on an unchanged import", lang)
		}
	}

	var sheet bytes.Buffer
	if err := exportSheet(&sheet, set, "kk"); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&sheet).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r[1] == "cancelled" {
			r[5] = "Бас тартылды. Ештеңе \"жіберілмеді\".\nЖаңа жол"
		}
	}
	var edited bytes.Buffer
	w := csv.NewWriter(&edited)
	_ = w.WriteAll(rows)
	if n, err := importSheet(&edited, dir); err != nil || n != 1 {
		t.Fatalf("one corrected cell: %d changes, %v", n, err)
	}
	before, _ := os.ReadFile("../kk.toml")
	after, _ := os.ReadFile(filepath.Join(dir, "kk.toml"))
	a, b := strings.Split(string(before), "\n"), strings.Split(string(after), "\n")
	if len(a) != len(b) {
		t.Fatalf("lines %d → %d", len(a), len(b))
	}
	var diff []string
	for i := range a {
		if a[i] != b[i] {
			diff = append(diff, b[i])
		}
	}
	if len(diff) != 1 || diff[0] != `other = "Бас тартылды. Ештеңе \"жіберілмеді\".\nЖаңа жол"` {
		t.Errorf("changed lines: %q", diff)
	}
}
