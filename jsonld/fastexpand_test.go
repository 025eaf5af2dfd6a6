package jsonld

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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
func fastOnly(ctx context.Context, doc map[string]any) ([]any, error) {
	return fastExpandContext(ctx, doc)
}

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
			ge, gerr := expandGold(context.Background(), doc)
			if gerr != nil {
				t.Errorf("%s: fast path expands, json-gold fails: %v", name, gerr)
				continue
			}
			if !reflect.DeepEqual(normalizeExpanded(fe), normalizeExpanded(ge)) {
				a, _ := json.Marshal(plain(fe))
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

// normalizeExpanded makes nil and empty arrays alike, and the fast path's
// value objects and node references maps.
func normalizeExpanded(v any) any {
	switch x := plain(v).(type) {
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

// checkFastAgainstGold fails t when the fast path succeeds and json-gold
// gives another expansion, or when Canonicalize with the fast path and with
// json-gold alone disagree.
func checkFastAgainstGold(t *testing.T, name string, doc map[string]any, lim Limits) {
	t.Helper()
	if fe, err := fastExpand(doc); err == nil {
		ge, gerr := safeExpandGold(doc)
		if gerr != nil {
			t.Fatalf("%s: fast path expands, json-gold fails: %v", name, gerr)
		}
		if !reflect.DeepEqual(normalizeExpanded(fe), normalizeExpanded(ge)) {
			a, _ := json.Marshal(plain(fe))
			b, _ := json.Marshal(ge)
			t.Fatalf("%s: expanded forms differ:\nfast: %s\ngold: %s", name, a, b)
		}
	}
	got, gotErr := canonicalizeWith(doc, lim, expand)
	want, wantErr := canonicalizeWith(doc, lim, expandGold)
	if got != want || errorClass(gotErr) != errorClass(wantErr) {
		t.Fatalf("%s: results differ:\n%s (%v)\nvs json-gold\n%s (%v)", name, got, gotErr, want, wantErr)
	}
}

func safeExpandGold(doc map[string]any) (out []any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, errors.New("panic")
		}
	}()
	return expandGold(context.Background(), doc)
}

// deepCopy copies a JSON value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// mutations are edits of credentials that exercise context processing:
// reordered, missing and extra contexts, inline contexts (protected term
// redefinitions, @vocab, null), moved types, nested @context.
var mutations = map[string]func(doc map[string]any){
	"reverse contexts": func(d map[string]any) {
		if c, ok := d["@context"].([]any); ok {
			slices.Reverse(c)
		}
	},
	"drop last context": func(d map[string]any) {
		if c, ok := d["@context"].([]any); ok && len(c) > 1 {
			d["@context"] = c[:len(c)-1]
		}
	},
	"duplicate context": func(d map[string]any) {
		if c, ok := d["@context"].([]any); ok && len(c) > 0 {
			d["@context"] = append(c, c[0])
		}
	},
	"add vocab": func(d map[string]any) {
		d["@context"] = append(asArray(d["@context"]), map[string]any{"@vocab": "https://example.org/v#"})
		d["extra"] = map[string]any{"type": "Thing", "p": []any{1.5, true, "x"}}
	},
	"redefine protected": func(d map[string]any) {
		d["@context"] = append(asArray(d["@context"]), map[string]any{"name": "https://example.org/name"})
	},
	"redefine same": func(d map[string]any) {
		d["@context"] = append(asArray(d["@context"]), map[string]any{"id": "@id", "type": "@type"})
	},
	"prefix and alias": func(d map[string]any) {
		d["@context"] = append(asArray(d["@context"]), map[string]any{
			"ex": "https://example.org/", "ex:q": map[string]any{"@type": "@id"},
			"kind": "@type", "lst": map[string]any{"@id": "ex:lst", "@container": "@list"},
			"g": map[string]any{"@id": "ex:g", "@container": "@graph"},
		})
		d["ex:p"] = map[string]any{"@value": "v", "@language": "EN"}
		d["ex:q"] = "ex:target"
		d["lst"] = []any{"a", map[string]any{"@id": "ex:n"}, []any{1.0}}
		d["g"] = map[string]any{"ex:p": 1.0}
		d["ex:s"] = map[string]any{"@set": []any{"x", map[string]any{"@value": "2", "@type": "ex:t"}}}
		d["ex:k"] = map[string]any{"kind": []any{"ex:A", "ex:B"}, "@id": "_:b1"}
	},
	"null subject context": func(d map[string]any) {
		if s, ok := d["credentialSubject"].(map[string]any); ok {
			s["@context"] = nil
		}
	},
	"nested context": func(d map[string]any) {
		if s, ok := d["credentialSubject"].(map[string]any); ok {
			s["@context"] = d["@context"]
		}
	},
	"swap types": func(d map[string]any) {
		s, ok := d["credentialSubject"].(map[string]any)
		if ok {
			s["type"], d["type"] = d["type"], s["type"]
		}
	},
	"single type": func(d map[string]any) {
		if t, ok := d["type"].([]any); ok && len(t) > 0 {
			d["type"] = t[len(t)-1]
		}
	},
	"value in type-scoped": func(d map[string]any) {
		if s, ok := d["credentialSubject"].(map[string]any); ok {
			s["id"] = map[string]any{"@value": "x"}
		}
	},
}

// TestFastExpandMutations runs the differential check on mutated
// credentials.
func TestFastExpandMutations(t *testing.T) {
	docs := diffDocs(t)
	names := []string{
		"testdata/1edtech/obv3p0/vector.json/unsignedCredential",
		"testdata/1edtech/clrv2p0/vector.json/unsignedCredential",
		"testdata/ob3-full-unsigned.json",
		"testdata/eddsa-rdfc-2022/unsigned.json",
		"testdata/diff/validator-ob30/simple_v1.json#unsigned",
		"testdata/diff/validator-ob30/endorsement-valid.json#unsigned",
		"testdata/diff/validator-ob30/bit-string-list-credential-status-revoked.json",
		"testdata/diff/validator-clr20/complex.json#unsigned",
		"testdata/diff/vc-di-eddsa/Ed25519Signature2020-signedEdSig.json",
		"testdata/diff/educredentials/minimal_valid_obv3.json",
	}
	if testing.Short() {
		names = names[:2]
	}
	mnames := make([]string, 0, len(mutations))
	for m := range mutations {
		mnames = append(mnames, m)
	}
	sort.Strings(mnames)
	for _, n := range names {
		if docs[n] == nil {
			t.Fatalf("%s: no such document", n)
		}
		for _, m := range mnames {
			doc := deepCopy(docs[n]).(map[string]any)
			mutations[m](doc)
			checkFastAgainstGold(t, n+" ("+m+")", doc, Limits{})
		}
	}
}

// FuzzFastExpand compares the fast path with json-gold on arbitrary
// documents, seeded with the test data.
func FuzzFastExpand(f *testing.F) {
	docs := diffDocs(f)
	names := make([]string, 0, len(docs))
	for n := range docs {
		if !strings.Contains(n, "#") && strings.Count(n, "/") <= 3 {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		b, _ := json.Marshal(docs[n])
		f.Add(b)
	}
	f.Add([]byte(`{"@context":[{"@vocab":"http://ex/","T":{"@id":"http://ex/T","@context":{"p":{"@id":"http://ex/p","@type":"@id"}}}}],"@type":"T","p":"http://x/y","q":{"p":"z:1"}}`))
	f.Add([]byte(`{"@context":{"@protected":true,"a":{"@id":"http://ex/a","@context":{"a":"http://ex/b"}}},"a":{"a":{"a":1}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var doc map[string]any
		if json.Unmarshal(data, &doc) != nil {
			return
		}
		checkFastAgainstGold(t, "input", doc, fuzzLimits)
	})
}

// TestUndefinedTermBeforeMalformedIRI: a document with both an undefined
// term and a malformed IRI reports the undefined term, on both paths and
// whatever the map order (the fuzzer found the two paths disagreeing).
func TestUndefinedTermBeforeMalformedIRI(t *testing.T) {
	doc := `{"@context":{"issuer":{"@id":"http://ex/issuer","@type":"@id"},"schema":{"@id":"http://ex/schema"},"p":"http://ex/p"},
		"@id":"http://ex/a` + "`" + `b","issuer":"http://ex/i` + "`" + `x","p":"v",
		"schema":[{"@type":"NoSuchType","p":"w"}]}`
	for range 20 {
		var d map[string]any
		if err := json.Unmarshal([]byte(doc), &d); err != nil {
			t.Fatal(err)
		}
		for name, exp := range map[string]expandFunc{"fast": expand, "gold": expandGold} {
			_, err := canonicalizeWith(d, Limits{}, exp)
			if got := errorClass(err); got != "undefined term" {
				t.Fatalf("%s: %s (%v), want an undefined term", name, got, err)
			}
		}
	}
	// Without the undefined term, the malformed IRI is the error.
	var d map[string]any
	json.Unmarshal([]byte(strings.Replace(doc, `"@type":"NoSuchType",`, "", 1)), &d)
	var ie *IRIError
	if _, err := canonicalizeWith(d, Limits{}, expand); !errors.As(err, &ie) {
		t.Fatalf("without the undefined term: %v, want an IRIError", err)
	}
}
