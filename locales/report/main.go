// Command report prints what a translator has left to do in the locale files (`make locales`):
// messages missing from a language, messages still in English, and messages that do not use
// the glossary's terms and examples (locales/glossary.toml). It exits non-zero when anything
// but an English text is found; a text identical to English is reported and left to judgement
// (a code, a name, "OK").
//
// It also carries a native reviewer's corrections in and out of the files: -export writes a
// language's messages as a CSV sheet beside the English text and the glossary's terms, and
// -import writes the sheet's translations back, changing only the lines that changed.
//
//	go run ./locales/report [-lang kk] [-kind term]
//	go run ./locales/report -export kk > kk.csv
//	go run ./locales/report -import kk.csv [-dir locales]
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
	export := flag.String("export", "", "write this language's messages as a CSV review sheet to standard output")
	imp := flag.String("import", "", "write the translations of this CSV review sheet back into the locale files")
	dir := flag.String("dir", "locales", "the folder of the locale files, for -import")
	flag.Parse()
	set, err := check.Load(locales.FS, locales.Glossary)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	switch {
	case *export != "":
		if err := exportSheet(os.Stdout, set, *export); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	case *imp != "":
		f, err := os.Open(*imp)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		n, err := importSheet(f, *dir)
		f.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("%d texts changed; run make locales and make test\n", n)
		return
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
