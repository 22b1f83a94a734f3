package handlers_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The import rules of ARCHITECTURE.md: a feature package never imports another, nothing
// under bot/ imports handlers, and storage imports neither translation nor Telegram.
func TestImportRules(t *testing.T) {
	const module = "focalbot/"
	features := []string{"alert", "request", "broadcast", "status", "membership"}
	imports := map[string][]string{} // package directory → module imports of its non-test files
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(strings.TrimPrefix(path, "../")))
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, module) {
				imports[dir] = append(imports[dir], strings.TrimPrefix(p, module))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(imports["handlers/alert"]) == 0 || len(imports["bot"]) == 0 {
		t.Fatalf("the scan found no imports: %v", imports)
	}
	for dir, deps := range imports {
		for _, dep := range deps {
			switch {
			case strings.HasPrefix(dir, "bot") && strings.HasPrefix(dep, "handlers"):
				t.Errorf("%s imports %s: nothing under bot/ may import handlers", dir, dep)
			case (dir == "bot/store" || dir == "bot/alert") && (dep == "bot/i18n" || dep == "bot" || dep == "bot/alert/alerttext"):
				t.Errorf("%s imports %s: the data model needs no translation and no Telegram", dir, dep)
			}
			for _, f := range features {
				for _, g := range features {
					if f != g && dir == "handlers/"+f && strings.HasPrefix(dep, "handlers/"+g) {
						t.Errorf("feature %s imports feature %s: share through handlers/ui or a package under bot/", f, g)
					}
				}
			}
		}
	}
}
