package jsonld

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkCanonicalizeOB3 canonicalizes the 1EdTech OB 3.0 test-vector
// credential (48 quads): the work of one eddsa-rdfc-2022 sign or verify,
// less the proof options and Ed25519.
func BenchmarkCanonicalizeOB3(b *testing.B) {
	v := readJSON(b, filepath.Join("testdata", "1edtech", "obv3p0", "vector.json"))
	doc := v["unsignedCredential"].(map[string]any)
	ctx := context.Background()
	if _, err := Canonicalize(ctx, doc, Options{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Canonicalize(ctx, doc, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonicalizeNQuads canonicalizes the N-Quads of the same
// credential: RDFC-1.0 alone, without JSON-LD expansion.
func BenchmarkCanonicalizeNQuads(b *testing.B) {
	in := readText(b, filepath.Join("testdata", "1edtech", "obv3p0", "document-canon.txt"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CanonicalizeNQuads(ctx, in, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
