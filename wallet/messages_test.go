package wallet

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/verify"
)

// Every reason the wallet's Open Badges 2.0 verification gives (ob2.go's
// formats) is in the catalog in every language, so its pages show it in
// the reader's language.
func TestOB2ReasonsTranslated(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "ob2.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "add" || len(call.Args) < 3 {
			return true
		}
		lit, ok := call.Args[2].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		format, _ := strconv.Unquote(lit.Value)
		args := make([]any, strings.Count(strings.ReplaceAll(format, "%%", ""), "%"))
		c := verify.NewCheck("", verify.Verified, format, args...)
		if len(c.Messages) != 1 || c.Messages[0].Key == "" {
			t.Errorf("format %q has no translatable form", format)
			return true
		}
		keys = append(keys, c.Messages[0].Key)
		return true
	})
	if len(keys) < 20 {
		t.Fatalf("found %d formats in ob2.go: the scan is broken", len(keys))
	}
	if dump := os.Getenv("CAIRN_DUMP_KEYS"); dump != "" {
		os.WriteFile(dump, []byte(strings.Join(keys, "\n")), 0o644)
	}
	var missing []string
	i18n.Missing = func(l i18n.Lang, key string) { missing = append(missing, string(l)+": "+key) }
	defer func() { i18n.Missing = nil }()
	for _, k := range keys {
		for _, l := range i18n.Langs[1:] {
			i18n.For(l.Lang).Text(k, nil, k)
		}
	}
	for _, m := range missing {
		t.Errorf("not translated: %s", m)
	}
}
