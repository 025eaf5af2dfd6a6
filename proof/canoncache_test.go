package proof

import (
	"context"
	"testing"

	"github.com/cairn-badges/cairn/jsonld"
)

// TestOptionsCanonCache: the cached canonical form of proof options is
// the one computed afresh, and options that differ in any value, or hold
// anything but strings, do not share a key.
func TestOptionsCanonCache(t *testing.T) {
	ctxs := []any{"https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}
	opts := func(created string) map[string]any {
		return map[string]any{"type": TypeDataIntegrityProof, "cryptosuite": CryptosuiteEdDSARDFC2022,
			"created": created, "verificationMethod": "did:example:issuer#key-1", "proofPurpose": PurposeAssertionMethod,
			"@context": ctxs}
	}
	a, okA := optionsKey(opts("2026-01-01T00:00:00Z"))
	b, okB := optionsKey(opts("2026-01-01T00:00:01Z"))
	if !okA || !okB || a == b {
		t.Fatalf("keys %q (%v) and %q (%v): want two different cacheable keys", a, okA, b, okB)
	}
	odd := opts("2026-01-01T00:00:00Z")
	odd["created"] = 42
	if _, ok := optionsKey(odd); ok {
		t.Error("options with a number are cacheable")
	}
	odd = opts("2026-01-01T00:00:00Z")
	odd["@context"] = []any{map[string]any{"@vocab": "https://example.org/"}}
	if _, ok := optionsKey(odd); ok {
		t.Error("options with an embedded context are cacheable")
	}
	doc := map[string]any{"@context": ctxs}
	for range 2 { // computed, then cached
		h, err := hashDI(context.Background(), doc, opts("2026-01-01T00:00:00Z"), nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg := opts("2026-01-01T00:00:00Z")
		want, err := jsonld.Canonicalize(context.Background(), cfg, jsonld.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if h.proofCanon != want {
			t.Fatalf("proof options canonical form:\n%s\nwant\n%s", h.proofCanon, want)
		}
	}
}
