package jsonld

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// hostile builds an OB 3.0 credential whose evidence is n copies of one
// small object: the shape that took 17 s when the quad limit was checked
// after node map generation.
func hostile(t testing.TB, n int) map[string]any {
	doc := ob3Doc(t)
	ev := make([]any, n)
	for i := range ev {
		ev[i] = map[string]any{"type": []any{"Evidence"}, "name": "e"}
	}
	doc["evidence"] = ev
	return doc
}

// manyNodes is a credential with n evidence objects of one member each.
func manyNodes(t testing.TB, n int) map[string]any {
	doc := hostile(t, n)
	for _, e := range doc["evidence"].([]any) {
		e.(map[string]any)["type"] = "Evidence"
	}
	return doc
}

func nested(depth int) any {
	var v any = "x"
	for range depth {
		v = map[string]any{"n": v}
	}
	return v
}

func TestCheckLimits(t *testing.T) {
	wide := make([]any, 30_000)
	for i := range wide {
		wide[i] = 1
	}
	manyProps := map[string]any{}
	for i := range 100 {
		manyProps[strings.Repeat("k", i+1)] = []any{map[string]any{"a": 1, "b": 2, "c": 3, "d": 4}}
	}
	manyContexts := make([]any, 100)
	for i := range manyContexts {
		manyContexts[i] = map[string]any{"@context": map[string]any{"x": "http://ex/x"}, "x": i}
	}
	for _, tt := range []struct {
		name string
		doc  any
		lim  Limits
		want string // the limit named, "" for none
	}{
		{"typical credential", ob3Doc(t), Limits{}, ""},
		{"deep", nested(100), Limits{}, "MaxDepth"},
		{"at the depth limit", nested(63), Limits{}, ""},
		{"many objects", manyNodes(t, 15_000), Limits{}, "MaxNodes"},
		{"28,000 evidence objects", hostile(t, 28_000), Limits{}, "MaxArrayElements"},
		{"wide array", map[string]any{"a": wide}, Limits{}, "MaxArrayElements"},
		{"many members", manyProps, Limits{MaxProperties: 300}, "MaxProperties"},
		{"many contexts", map[string]any{"@graph": manyContexts}, Limits{}, "MaxContexts"},
		{"context array", map[string]any{"@context": make([]any, 65)}, Limits{}, "MaxContexts"},
		{"huge string", map[string]any{"name": strings.Repeat("x", 2<<20)}, Limits{}, "MaxInputBytes"},
		{"no limit", nested(100), Limits{MaxDepth: -1}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckLimits(tt.doc, tt.lim)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected %v", err)
			case tt.want != "" && (!errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want ErrLimit naming %s", err, tt.want)
			}
		})
	}
}

// TestHostileRefusedBeforeExpansion: the limits of the document's shape and
// of quads are met while converting, not after the whole dataset is built.
func TestHostileRefusedBeforeExpansion(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		doc  map[string]any
		want string
	}{
		{"28,000 evidence objects", hostile(t, 28_000), "MaxArrayElements"},
		{"15,000 evidence objects", manyNodes(t, 15_000), "MaxNodes"},
		// Under the shape limits but over the quads: counted as they are
		// made.
		{"6,000 evidence objects", hostile(t, 6_000), "MaxQuads"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Canonicalize(ctx, tt.doc, Options{})
			if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want ErrLimit naming %s", err, tt.want)
			}
		})
	}
	// A wide array of one repeated value gives one quad, but it is the
	// values that cost (json-gold's node map compared each new value with
	// every earlier one): they count against MaxQuads before duplicates go.
	doc := ob3Doc(t)
	tags := make([]any, 9_000)
	for i := range tags {
		tags[i] = "same"
	}
	ach := doc["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
	ach["tag"] = tags
	out, err := Canonicalize(ctx, doc, Options{})
	if err != nil {
		t.Fatalf("9,000 equal tags: %v", err)
	}
	if n := strings.Count(out, `"same"`); n != 1 {
		t.Errorf("the tag appears %d times in the dataset, want 1", n)
	}
	ach["tag"] = append(tags, tags[:2_000]...)
	if _, err := Canonicalize(ctx, doc, Options{}); err == nil {
		t.Errorf("11,000 equal tags: no limit")
	}
}

// TestCancelDuringConversion: a context that ends stops expansion and
// conversion with its error, not a limit or a result.
func TestCancelDuringConversion(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	doc := hostile(t, 4_000)
	steps := 0
	c := rdfConv{maxQuads: -1, ticker: ticker{ctx: ctx}, blanks: map[string]string{}}
	expanded, err := fastExpandContext(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	cancel(context.DeadlineExceeded)
	for _, el := range expanded {
		if err = c.element(el, term{}); err != nil {
			break
		}
		steps++
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("conversion after cancel: %v", err)
	}
	if _, err := fastExpandContext(ctx, doc); !errors.Is(err, context.Canceled) {
		t.Fatalf("expansion after cancel: %v", err)
	}
	if _, err := Canonicalize(ctx, doc, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Canonicalize after cancel: %v", err)
	}
}

// measured counts what CheckLimits counts, with no limits.
func measured(doc any) measurer {
	m := measurer{lim: Limits{MaxInputBytes: -1, MaxDepth: -1, MaxNodes: -1, MaxArrayElements: -1, MaxProperties: -1, MaxContexts: -1}.withDefaults()}
	m.walk(doc, 1)
	return m
}

var noLimits = Limits{MaxDepth: -1, MaxNodes: -1, MaxArrayElements: -1, MaxProperties: -1, MaxContexts: -1}

// sameCounts fails unless the raw scan of data counts what the walk of its
// decoding does.
func sameCounts(t testing.TB, data []byte) {
	t.Helper()
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return
	}
	st, err := scanJSON(data, noLimits)
	if err != nil {
		t.Fatalf("scan without limits: %v", err)
	}
	m := measured(doc)
	got := [3]int{st.nodes, st.elems, st.props}
	want := [3]int{m.nodes, m.elems, m.props}
	if got != want || st.contexts > m.contexts {
		t.Fatalf("raw scan counts (objects, elements, members) %v and %d @context, decoded %v and %d entries, in %.200q", got, st.contexts, want, m.contexts, data)
	}
}

func TestCheckJSONLimits(t *testing.T) {
	for _, doc := range []any{ob3Doc(t), hostile(t, 100), nested(30), map[string]any{"a": []any{[]any{}, []any{1, "x,y:z", []any{map[string]any{"@context": "s"}}}}, "b\"": "\\"}} {
		data, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		sameCounts(t, data)
		pretty, _ := json.MarshalIndent(doc, "", "  ")
		sameCounts(t, pretty)
	}
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"28,000 evidence objects", must(json.Marshal(hostile(t, 28_000))), "Max"},
		{"deep", []byte(strings.Repeat("[", 100) + strings.Repeat("]", 100)), "MaxDepth"},
		{"deeper than encoding/json", []byte(strings.Repeat(`{"a":`, 20_000)), "MaxDepth"},
		{"many contexts", []byte(`[` + strings.Repeat(`{"@context":{}},`, 70) + `1]`), "MaxContexts"},
		{"many members", []byte(`{` + strings.Repeat(`"a":1,`, 40_001) + `"b":2}`), "MaxProperties"},
		{"many objects", []byte(`{"e":` + strings.Repeat(`{"a":`, 50) + `1` + strings.Repeat(`}`, 50) + `}`), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckJSONLimits(tt.data, Limits{})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want ErrLimit naming %s", err, tt.want)
			}
		})
	}
	if err := CheckJSONLimits([]byte(strings.Repeat("[", 100)), Limits{MaxDepth: -1}); err != nil {
		t.Errorf("no depth limit: %v", err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// FuzzCheckJSONLimits: on any JSON text, the raw scan counts at least the
// objects, elements and members the decoded walk does, and exactly as many
// on the re-encoded document (which has no repeated keys); it counts one
// per @context member, the walk one per context they hold.
func FuzzCheckJSONLimits(f *testing.F) {
	f.Add([]byte(`{"@context":["a",{"b":"c"}],"x":[1,[2,{}],"]"],"y":{"z":null}}`))
	f.Add([]byte(`[[],{},"\"",-1.5e3,true]`))
	f.Add([]byte(`{"a":1,"a":[1,2,3]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var doc any
		if json.Unmarshal(data, &doc) != nil {
			_ = CheckJSONLimits(data, Limits{}) // never panics
			return
		}
		st, err := scanJSON(data, noLimits)
		if err != nil {
			t.Fatalf("scan without limits: %v", err)
		}
		m := measured(doc)
		if st.nodes < m.nodes || st.elems < m.elems || st.props < m.props {
			t.Fatalf("raw scan counts less than the decoded walk: %+v vs %+v", st, m)
		}
		sameCounts(t, must(json.Marshal(doc)))
	})
}
