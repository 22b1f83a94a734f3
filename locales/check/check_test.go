package check_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"focalbot/locales/check"
)

const glossary = `
[examples]
tokens = ["PKTOR", "36h"]
[examples.forms.kk]
36h = "36сағ"

[languages.kk]
caricc_latin = true
note = "Latin"
waive = ["waived caricc"]

[terms.caricc]
en = "CARICC"
en_match = '\bCARICC\b'
kk = "CARICC"
[terms.caricc.avoid]
kk = ["ОАӨАҮО"]

[terms.alert]
en = "alert"
en_match = '\balerts?\b'
kk = "ескерту"
[terms.alert.match]
kk = ["ескерт"]
`

func load(t *testing.T, kk string) *check.Set {
	t.Helper()
	en := `
[with_term]
other = "Ask CARICC about the alerts."
[command_only]
other = "Send /alert to start."
[waived]
other = "CARICC"
[example]
other = "For example PKTOR, or 36h."
[english]
other = "Heroin and cocaine"
`
	s, err := check.Load(fstest.MapFS{"en.toml": {Data: []byte(en)}, "kk.toml": {Data: []byte(kk)}}, []byte(glossary))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func findings(fs []check.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Lang+"."+f.ID+" "+f.Kind)
	}
	return strings.Join(out, ", ")
}

// A message that lacks a term's form (an inflected form through its stem counts), uses a
// form ruled out, drops an example or keeps the English text is found; a /command is not the
// term, and a waiver holds.
func TestFindings(t *testing.T) {
	good := load(t, `
[with_term]
other = "CARICC-тен ескертулер туралы сұраңыз."
[command_only]
other = "/alert жіберіңіз."
[waived]
other = "Орталық"
[example]
other = "Мысалы PKTOR немесе 36сағ."
[english]
other = "Героин мен кокаин"
`)
	all := append(append(append(good.TermFindings(), good.ExampleFindings()...), good.MissingFindings()...), good.IdenticalFindings()...)
	if len(all) != 0 {
		t.Errorf("findings in a good file: %s", findings(all))
	}

	bad := load(t, `
[with_term]
other = "ОАӨАҮО-дан хабарламалар туралы сұраңыз."
[command_only]
other = "/alert жіберіңіз."
[waived]
other = "Орталық"
[example]
other = "Мысалы 36h."
`)
	if got, want := findings(bad.TermFindings()), "kk.with_term term, kk.with_term term, kk.with_term avoid"; got != want {
		t.Errorf("terms: %s, want %s", got, want)
	}
	if got, want := findings(bad.ExampleFindings()), "kk.example example, kk.example example"; got != want {
		t.Errorf("examples: %s, want %s", got, want)
	}
	if got, want := findings(bad.MissingFindings()), "kk.english missing"; got != want {
		t.Errorf("missing: %s, want %s", got, want)
	}
}
