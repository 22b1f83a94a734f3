package handlers_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"focalbot/bot/alert"
	"focalbot/bot/delivery"
	"focalbot/bot/store"
	"focalbot/handlers/status"
	"focalbot/locales"
)

// idFuncs are the functions and methods whose string arguments are message IDs: the
// bundle's and the request's T and N, the errors and answers meant for the person, and the
// alert feature's button.
var idFuncs = map[string]bool{"T": true, "N": true, "Tell": true, "Reply": true, "Answer": true, "button": true}

var (
	idShape     = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	prefixShape = regexp.MustCompile(`^[a-z][a-z0-9_]*_$`)
)

// A message ID the code uses but en.toml lacks renders as the bare ID. This reads every
// non-test Go file of the module, takes the string arguments of T, N, Tell, Reply, Answer
// and button, and looks each up in en.toml; IDs built at run time ("role_" + role) are
// expanded from the vocabulary they are built from, and a prefix this test does not know
// fails it, so that a new one is enumerated here too.
func TestEveryMessageIDExists(t *testing.T) {
	var en map[string]any
	data, err := fs.ReadFile(locales.FS, "en.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := toml.Unmarshal(data, &en); err != nil {
		t.Fatal(err)
	}
	static, dynamic := usedIDs(t, "..")
	if len(static) < 300 {
		t.Fatalf("only %d message IDs found in the code: the scan is broken", len(static))
	}
	for id, where := range static {
		if _, ok := en[id]; !ok {
			t.Errorf("%s: message ID %q is not in en.toml", where, id)
		}
	}
	for _, id := range vocabularyIDs() {
		if _, ok := en[id]; !ok {
			t.Errorf("vocabulary message ID %q is not in en.toml", id)
		}
	}
	expand := runTimeIDs()
	for pattern, where := range dynamic {
		values, ok := expand[pattern]
		if !ok {
			t.Errorf("%s: message ID built at run time as %q: enumerate its values in runTimeIDs", where, pattern)
			continue
		}
		for _, v := range values {
			id := strings.Replace(pattern, "*", v, 1)
			if _, ok := en[id]; !ok {
				t.Errorf("%s: message ID %q (from %q) is not in en.toml", where, id, pattern)
			}
		}
	}
}

// runTimeIDs are the values of each ID built at run time, as pattern ("prefix*suffix") →
// values, taken from the vocabularies they are built from.
func runTimeIDs() map[string][]string {
	alertStates := []string{store.AlertSubmitted, store.AlertReturned, store.AlertRejected, store.AlertWithdrawn,
		store.AlertPublished, store.AlertCancelled}
	decided := []string{store.AlertReturned, store.AlertRejected}
	amendments := []string{"update", "cancel"}                   // the analyst's amendments of a published alert
	followupKinds := append([]string{"followup"}, amendments...) // store.Followup.Kind
	priorities := []string{fmt.Sprint(int(delivery.Urgent)), fmt.Sprint(int(delivery.High)), fmt.Sprint(int(delivery.Routine))}
	return map[string][]string{
		"cmd_*":                 nil, // optional: a command without its cmd_<name> stays out of the menu (bot/menu.go)
		"role_*":                store.Roles,
		"agency_*":              store.Agencies,
		"state_*":               store.States,
		"dir_role_*":            store.Roles,
		"dir_agency_*":          store.Agencies,
		"net_role_*":            store.Roles,
		"net_agency_*":          store.Agencies,
		"net_kind_*":            store.PlaceKinds,
		"alert_state_*":         alertStates,
		"alert_decision_*":      {store.AlertPublished, store.AlertReturned, store.AlertRejected},
		"alert_decided_*":       decided,
		"alert_conf_decision_*": decided,
		"alert_ask_reason_*":    decided,
		"alert_ask_*":           amendments,
		"alert_amended_*":       amendments,
		"alert_*_head":          followupKinds,
		"alert_followup_kind_*": followupKinds,
		"place_ask_*":           {"name", "local", "locode"}, // the fields an admin edits by typing
		"st_state_*":            append([]string{"unset"}, store.TrafficStates...),
		"st_word_*":             store.TrafficStates,
		"st_measure_*":          status.MeasureCodes,
		"st_mbtn_*":             status.MeasureCodes,
		"rfi_state_*": {store.RFIReceived, store.RFIHandling, store.RFIReplied, store.RFIDeclined,
			store.RFIOpen, store.RFIClosed},
		"rfi_urgency_*":  {store.RFIRoutine, store.RFIUrgent},
		"rfi_msg_*":      {store.RFIMsgTaken, store.RFIMsgReleased, store.RFIMsgClosed}, // confidential mode: the entries without text
		"console_file_*": {"photo", "document"},                                         // a file's kind, when it has no name
		"bc_priority_*":  priorities,
		"bc_header_*":    priorities,
		"bc_delivery_*":  {"sent", "pending", "failed", "cancelled"}, // a recipient's outbox row, as the report groups it
	}
}

// vocabularyIDs are the IDs of the alert's vocabularies and form labels, which reach T
// through Vocabulary.ID and LabelID rather than as literals.
func vocabularyIDs() []string {
	var ids []string
	for _, v := range []alert.Vocabulary{alert.Classifications, alert.Conveyances, alert.Substances, alert.Risks,
		alert.Concealments, alert.RouteRoles, alert.IdentKinds} {
		for _, c := range v.Codes {
			ids = append(ids, v.ID(c))
		}
	}
	return ids
}

// usedIDs scans the Go files under root: the literal IDs and the patterns of built ones, each
// with the first place it is used.
func usedIDs(t *testing.T, root string) (static, dynamic map[string]string) {
	static, dynamic = map[string]string{}, map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !idFuncs[funcName(call.Fun)] {
				return true
			}
			where := fset.Position(call.Pos()).String()
			for _, arg := range call.Args {
				if s, ok := stringLit(arg); ok {
					if idShape.MatchString(s) && len(s) > 2 {
						if _, seen := static[s]; !seen {
							static[s] = where
						}
					}
					continue
				}
				if p, ok := pattern(arg); ok {
					if _, seen := dynamic[p]; !seen {
						dynamic[p] = where
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return static, dynamic
}

func funcName(e ast.Expr) string {
	switch f := e.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// pattern is the shape of an ID built by concatenation or fmt.Sprintf — "prefix_" + x +
// "_suffix" gives "prefix_*_suffix" — when it starts with a literal prefix.
func pattern(e ast.Expr) (string, bool) {
	var parts []string
	var flatten func(e ast.Expr) bool
	flatten = func(e ast.Expr) bool {
		switch x := e.(type) {
		case *ast.BinaryExpr:
			return x.Op == token.ADD && flatten(x.X) && flatten(x.Y)
		case *ast.BasicLit:
			s, ok := stringLit(x)
			parts = append(parts, s)
			return ok
		case *ast.CallExpr:
			if funcName(x.Fun) == "Sprintf" && len(x.Args) > 0 {
				if s, ok := stringLit(x.Args[0]); ok {
					parts = append(parts, regexp.MustCompile(`%[a-z]`).ReplaceAllString(s, "*"))
					return true
				}
			}
		}
		parts = append(parts, "*")
		return true
	}
	if !flatten(e) || len(parts) < 2 && !strings.Contains(strings.Join(parts, ""), "*") {
		return "", false
	}
	p := strings.Join(parts, "")
	if !prefixShape.MatchString(strings.SplitN(p, "*", 2)[0]) || strings.Count(p, "*") != 1 {
		return "", false
	}
	return p, true
}
