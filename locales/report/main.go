// Command report prints what a translator has left to do in the locale files (`make locales`):
// messages missing from a language, messages still in English, and messages that do not use
// the glossary's terms and examples (locales/glossary.toml). It exits non-zero when anything
// but an English text is found; a text identical to English is reported and left to judgement
// (a code, a name, "OK").
//
//	go run ./locales/report [-lang kk] [-kind term]
package main

import (
	"flag"
	"fmt"
	"os"

	"focalbot/locales"
	"focalbot/locales/check"
)

func main() {
	lang := flag.String("lang", "", "only this language (ru, kk, fa-AF, …)")
	kind := flag.String("kind", "", "only this kind of finding: missing, identical, term, avoid, example")
	flag.Parse()
	set, err := check.Load(locales.FS, locales.Glossary)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var all []check.Finding
	all = append(all, set.MissingFindings()...)
	all = append(all, set.IdenticalFindings()...)
	all = append(all, set.TermFindings()...)
	all = append(all, set.ExampleFindings()...)
	counts := map[string]int{}
	failed := false
	for _, f := range all {
		if (*lang != "" && f.Lang != *lang) || (*kind != "" && f.Kind != *kind) {
			continue
		}
		fmt.Println(f)
		counts[f.Kind]++
		failed = failed || f.Kind != "identical"
	}
	fmt.Printf("\n%d missing, %d identical to English, %d without the glossary's term, %d with a form the glossary rules out, %d without an example of en\n",
		counts["missing"], counts["identical"], counts["term"], counts["avoid"], counts["example"])
	if failed {
		os.Exit(1)
	}
}
