package jsonld

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// canonicalizeWith is Canonicalize with the given expansion.
func canonicalizeWith(doc map[string]any, lim Limits, expand expandFunc) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = "", errors.New("panic")
		}
	}()
	lim = lim.withDefaults()
	quads, err := toRDFUsing(context.Background(), doc, lim, expand)
	if err != nil {
		return "", err
	}
	out, _, err = canonicalize(context.Background(), quads, lim)
	return out, err
}

// fastOnly is expansion by the fast path alone.
func fastOnly(doc map[string]any) ([]any, error) { return fastExpand(doc) }

// errorClass names the kind of a Canonicalize error, for comparing the
// fast path with json-gold. Which undefined term is reported, when there
// are several, depends on map iteration order, so only the kind counts.
func errorClass(err error) string {
	var ut *UndefinedTermError
	var uc *UnknownContextError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ut):
		return "undefined term"
	case errors.As(err, &uc):
		return "unknown context"
	case errors.Is(err, ErrLimit):
		return "limit"
	}
	return "invalid"
}

// diffDocs returns the JSON-LD documents among the test data: every JSON
// object with an @context, and the proof options of every proof.
func diffDocs(t testing.TB) map[string]map[string]any {
	t.Helper()
	docs := map[string]map[string]any{}
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".jsonld")) ||
			strings.Contains(path, "rdf-canon") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var v any
		if json.Unmarshal(b, &v) != nil {
			return nil
		}
		collectDocs(docs, path, v, nil)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func collectDocs(docs map[string]map[string]any, name string, v any, ctx any) {
	switch x := v.(type) {
	case map[string]any:
		c, ok := x["@context"]
		if ok {
			docs[name] = x
			ctx = c
		}
		for k, e := range x {
			if k == "proof" && ctx != nil {
				for i, p := range asArray(e) {
					if pm, ok := p.(map[string]any); ok {
						docs[name+"#proof"+string(rune('0'+i))] = proofOptions(pm, ctx)
					}
				}
				if ok {
					d := make(map[string]any, len(x))
					for k2, v2 := range x {
						if k2 != "proof" {
							d[k2] = v2
						}
					}
					docs[name+"#unsigned"] = d
				}
			}
			if k != "@context" {
				collectDocs(docs, name+"/"+k, e, nil)
			}
		}
	case []any:
		for i, e := range x {
			collectDocs(docs, name+"/"+string(rune('0'+i%10)), e, nil)
		}
	}
}

func asArray(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	return []any{v}
}

// TestFastExpandDifferential checks that the fast path gives the same
// expanded document, and the same canonical N-Quads, as json-gold for every
// JSON-LD document in the test data, and that the realistic credentials do
// take the fast path.
func TestFastExpandDifferential(t *testing.T) {
	docs := diffDocs(t)
	names := make([]string, 0, len(docs))
	for n := range docs {
		names = append(names, n)
	}
	sort.Strings(names)
	var fast, slow []string
	for _, name := range names {
		doc := docs[name]
		fe, ferr := fastExpand(doc)
		if ferr == nil {
			fast = append(fast, name)
			ge, gerr := expandGold(doc)
			if gerr != nil {
				t.Errorf("%s: fast path expands, json-gold fails: %v", name, gerr)
				continue
			}
			if !reflect.DeepEqual(normalizeExpanded(fe), normalizeExpanded(ge)) {
				a, _ := json.Marshal(fe)
				b, _ := json.Marshal(ge)
				t.Errorf("%s: expanded forms differ:\nfast: %s\ngold: %s", name, a, b)
			}
		} else {
			slow = append(slow, name)
		}
		got, gotErr := canonicalizeWith(doc, Limits{}, expand)
		want, wantErr := canonicalizeWith(doc, Limits{}, expandGold)
		if got != want || errorClass(gotErr) != errorClass(wantErr) {
			t.Errorf("%s: results differ:\n%s (%v)\nvs json-gold\n%s (%v)", name, got, gotErr, want, wantErr)
		}
	}
	t.Logf("fast path: %d documents, json-gold: %d", len(fast), len(slow))
	for _, n := range slow {
		_, err := fastExpand(docs[n])
		t.Logf("json-gold: %s (%v)", n, err)
	}
	// The documents the performance target is about must take the fast path.
	for _, n := range []string{
		"testdata/1edtech/obv3p0/vector.json/unsignedCredential",
		"testdata/1edtech/clrv2p0/vector.json/unsignedCredential",
		"testdata/ob3-full-unsigned.json",
		"testdata/eddsa-rdfc-2022/unsigned.json",
	} {
		if docs[n] == nil {
			t.Errorf("%s: no such document", n)
		} else if _, err := fastExpand(docs[n]); err != nil {
			t.Errorf("%s: not on the fast path: %v", n, err)
		}
	}
}

// normalizeExpanded makes nil and empty arrays alike.
func normalizeExpanded(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeExpanded(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeExpanded(e)
		}
		return out
	}
	return v
}
