package jsonld

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// ob3Doc returns a fresh copy of the 1EdTech OB 3.0 vector credential.
func ob3Doc(t testing.TB) map[string]any {
	t.Helper()
	v := readJSON(t, filepath.Join("testdata", "1edtech", "obv3p0", "vector.json"))
	return v["unsignedCredential"].(map[string]any)
}

func TestUndefinedTerms(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(doc map[string]any)
		wantTerm string
		wantPath string
	}{
		{
			name: "undefined property",
			edit: func(doc map[string]any) {
				doc["credentialSubject"].(map[string]any)["favouriteColour"] = "green"
			},
			wantTerm: "favouriteColour",
			wantPath: "/credentialSubject/favouriteColour",
		},
		{
			name: "undefined top-level property",
			edit: func(doc map[string]any) {
				doc["nonsense"] = true
			},
			wantTerm: "nonsense",
			wantPath: "/nonsense",
		},
		{
			name: "undefined type without extensions.json",
			edit: func(doc map[string]any) {
				doc["credentialStatus"] = map[string]any{
					"id":   "https://1edtech.edu/credentials/3732/revocations",
					"type": "1EdTechRevocationList",
				}
			},
			wantTerm: "1EdTechRevocationList",
			wantPath: "/credentialStatus/type",
		},
		{
			name: "relative id",
			edit: func(doc map[string]any) {
				doc["credentialSubject"].(map[string]any)["id"] = "learner-42"
			},
			wantTerm: "learner-42",
			wantPath: "/credentialSubject/id",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := ob3Doc(t)
			tt.edit(doc)
			_, err := Canonicalize(context.Background(), doc, Options{})
			var ut *UndefinedTermError
			if !errors.As(err, &ut) {
				t.Fatalf("got %v, want *UndefinedTermError", err)
			}
			if ut.Term != tt.wantTerm || ut.Path != tt.wantPath {
				t.Errorf("got term %q at %q, want %q at %q", ut.Term, ut.Path, tt.wantTerm, tt.wantPath)
			}
		})
	}
}

// With extensions.json the 1EdTech status type is defined.
func TestExtensionsContextDefinesRevocationList(t *testing.T) {
	doc := ob3Doc(t)
	doc["@context"] = append(doc["@context"].([]any), "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json")
	doc["credentialStatus"] = map[string]any{
		"id":   "https://1edtech.edu/credentials/3732/revocations",
		"type": "1EdTechRevocationList",
	}
	out, err := Canonicalize(context.Background(), doc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "<https://purl.imsglobal.org/spec/vcrl/v1p0/context.json#1EdTechRevocationList>") {
		t.Errorf("status type missing from\n%s", out)
	}
}

func TestContexts(t *testing.T) {
	urls := ContextURLs()
	if len(urls) < 20 {
		t.Fatalf("only %d contexts", len(urls))
	}
	for _, u := range urls {
		b, ok := Context(u)
		if !ok || len(b) == 0 {
			t.Errorf("Context(%q) = %d bytes, %v", u, len(b), ok)
		}
		// Each context must load and process on its own.
		doc := map[string]any{"@context": u, "@id": "urn:x"}
		if _, err := Canonicalize(context.Background(), doc, Options{}); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	if _, ok := Context("https://example.com/context.json"); ok {
		t.Error("unexpected context for example.com")
	}
}

func TestUnknownInlineImport(t *testing.T) {
	doc := map[string]any{
		"@context": []any{map[string]any{"@version": 1.1, "@import": "https://example.com/c.jsonld"}},
		"@id":      "urn:x",
	}
	_, err := Canonicalize(context.Background(), doc, Options{})
	var uc *UnknownContextError
	if !errors.As(err, &uc) || uc.URL != "https://example.com/c.jsonld" {
		t.Fatalf("got %v, want *UnknownContextError for the import", err)
	}
}

// An inline context that @imports an embedded one must not change what
// later calls see (json-gold merges imports into the loaded object).
func TestImportDoesNotPoisonContexts(t *testing.T) {
	want, err := Canonicalize(context.Background(), ob3Doc(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	evil := map[string]any{
		"@context": []any{map[string]any{
			"@import": "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
			"name":    "https://evil.example/name",
		}},
		"name": "x",
	}
	_, _ = Canonicalize(context.Background(), evil, Options{})
	got, err := Canonicalize(context.Background(), ob3Doc(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("canonical form changed after an @import document:\n%s", got)
	}
	// Also with an uncached context list (the import comes first).
	d := ob3Doc(t)
	d["@context"] = []any{"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}
	_, _ = Canonicalize(context.Background(), d, Options{})
}

// TestPresentationGraph: a presentation's credentials are in named graphs
// of their own (the VC 2.0 context's verifiableCredential is a @graph
// container whose scoped context is null), as JSON-LD 1.1 expansion and
// the JavaScript signers put them; json-gold v0.9.1 left them in the
// default graph, so a signed presentation did not verify.
func TestPresentationGraph(t *testing.T) {
	var vp map[string]any
	if err := json.Unmarshal([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],
		"verifiableCredential":[{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"urn:x","type":["VerifiableCredential"],
		"issuer":"did:example:1","credentialSubject":{"id":"did:example:2"}}]}`), &vp); err != nil {
		t.Fatal(err)
	}
	out, err := Canonicalize(context.Background(), vp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `<urn:x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://www.w3.org/2018/credentials#VerifiableCredential> _:c14n1 .
<urn:x> <https://www.w3.org/2018/credentials#credentialSubject> <did:example:2> _:c14n1 .
<urn:x> <https://www.w3.org/2018/credentials#issuer> <did:example:1> _:c14n1 .
_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://www.w3.org/2018/credentials#VerifiablePresentation> .
_:c14n0 <https://www.w3.org/2018/credentials#verifiableCredential> _:c14n1 .
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// TestListContainerScopedNull: a @list container whose scoped context is
// null keeps nested arrays as nested lists; flattened, two different
// documents would have one canonical form, and one signature.
func TestListContainerScopedNull(t *testing.T) {
	ctx := map[string]any{"p": map[string]any{"@id": "http://ex/p", "@container": "@list", "@context": nil}}
	nestedDoc := map[string]any{"@context": ctx, "@id": "http://ex/s", "p": []any{[]any{"a", "b"}, []any{"c"}}}
	flat := map[string]any{"@context": ctx, "@id": "http://ex/s", "p": []any{"a", "b", "c"}}
	a, err := Canonicalize(context.Background(), nestedDoc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Canonicalize(context.Background(), flat, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatalf("nested and flat lists canonicalize alike:\n%s", a)
	}
}

// TestGraphContainerFallbackRefused: a presentation the fast expansion does
// not cover (an @index here) would go to json-gold, which misplaces its
// credentials' named graph: it is refused instead.
func TestGraphContainerFallbackRefused(t *testing.T) {
	var vp map[string]any
	if err := json.Unmarshal([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],"@index":"x",
		"verifiableCredential":[{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"urn:x","type":["VerifiableCredential"],
		"issuer":"did:example:1","credentialSubject":{"id":"did:example:2"}}]}`), &vp); err != nil {
		t.Fatal(err)
	}
	if _, err := Canonicalize(context.Background(), vp, Options{}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("got %v, want ErrUnsupported", err)
	}
}
