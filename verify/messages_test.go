package verify

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/i18n"
)

// messageKeys returns the key of every message the package's code makes
// from a literal format: the formats given to add, addWarned, warn, note,
// msg, logResult, pastMsg and outcomeMsg, with {past} and {outcome}
// spelled out as each can be, and the VC-JWT warnings of package proof
// (its jwt.go's warn calls), which the report carries as messages.
func messageKeys(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join("..", "proof", "jwt.go"))
	fmtArg := map[string]int{"add": 2, "addWarned": 3, "warn": 0, "note": 0, "msg": 0, "logResult": 1, "pastMsg": 1, "outcomeMsg": 1}
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var fn string
			switch f := call.Fun.(type) {
			case *ast.Ident:
				fn = f.Name
			case *ast.SelectorExpr:
				fn = f.Sel.Name
			}
			i, ok := fmtArg[fn]
			if !ok || len(call.Args) <= i {
				return true
			}
			lit, ok := call.Args[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true // formatName's, or passed on
			}
			format, _ := strconv.Unquote(lit.Value)
			for _, f := range []string{format} {
				var forms []string
				switch {
				case strings.Contains(f, "{past}"):
					for _, w := range []string{"revoked", "suspended", "flagged"} {
						forms = append(forms, strings.ReplaceAll(f, "{past}", w))
					}
				case strings.Contains(f, "{outcome}"):
					for _, o := range []Outcome{Failed, Indeterminate} {
						forms = append(forms, strings.ReplaceAll(f, "{outcome}", string(o)))
					}
				default:
					forms = []string{f}
				}
				for _, f := range forms {
					args := make([]any, strings.Count(strings.ReplaceAll(f, "%%", ""), "%"))
					m := msg(f, args...)
					if m.Key == "" {
						t.Errorf("%s: format %q has no translatable form", fset.Position(call.Pos()), f)
					}
					seen[m.Key] = true
				}
			}
			return true
		})
	}
	for _, how := range []string{"%s, JSON with an embedded proof", "%s, VC-JWT", "%s, VC-JWT, VC 1.1 vc-claim form", "%s, %s"} {
		seen[how] = true
		seen[how+", baked in %s"] = true
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Every message the verifier makes is in the catalog in every language: a
// new reason, warning or note without its translations fails here.
func TestMessagesTranslated(t *testing.T) {
	var missing []string
	i18n.Missing = func(l i18n.Lang, key string) { missing = append(missing, string(l)+": "+key) }
	defer func() { i18n.Missing = nil }()
	keys := messageKeys(t)
	if len(keys) < 100 {
		t.Fatalf("found %d message keys: the scan is broken", len(keys))
	}
	for _, k := range keys {
		for _, l := range i18n.Langs[1:] {
			i18n.For(l.Lang).Text(k, nil, k) // keys that are only their arguments ("%s: %s") need none
		}
	}
	if dump := os.Getenv("CAIRN_DUMP_KEYS"); dump != "" {
		os.WriteFile(dump, []byte(strings.Join(keys, "\n")), 0o644)
	}
	for _, m := range missing {
		t.Errorf("not translated: %s", m)
	}
}
