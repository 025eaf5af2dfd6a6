package jsonld

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkCanonicalizeOB3 canonicalizes the 1EdTech OB 3.0 test-vector
// credential (16 quads): the document half of one eddsa-rdfc-2022 sign or
// verify.
func BenchmarkCanonicalizeOB3(b *testing.B) {
	v := readJSON(b, filepath.Join("testdata", "1edtech", "obv3p0", "vector.json"))
	benchCanonicalize(b, v["unsignedCredential"].(map[string]any))
}

// BenchmarkCanonicalizeCLR2 canonicalizes the 1EdTech CLR 2.0 test-vector
// credential (49 quads, 3 blank nodes).
func BenchmarkCanonicalizeCLR2(b *testing.B) {
	v := readJSON(b, filepath.Join("testdata", "1edtech", "clrv2p0", "vector.json"))
	benchCanonicalize(b, v["unsignedCredential"].(map[string]any))
}

// BenchmarkCanonicalizeOB3Full canonicalizes the OB 3.0 specification's
// "complete" OpenBadgeCredential (every optional field used).
func BenchmarkCanonicalizeOB3Full(b *testing.B) {
	benchCanonicalize(b, readJSON(b, filepath.Join("testdata", "ob3-full-unsigned.json")))
}

// BenchmarkCanonicalizeProofOptions canonicalizes the proof options of the
// OB 3.0 vector: the other half of a sign or verify.
func BenchmarkCanonicalizeProofOptions(b *testing.B) {
	v := readJSON(b, filepath.Join("testdata", "1edtech", "obv3p0", "vector.json"))
	doc := v["unsignedCredential"].(map[string]any)
	benchCanonicalize(b, proofOptions(v["proofConfig"].(map[string]any), doc["@context"]))
}

func benchCanonicalize(b *testing.B, doc map[string]any) {
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
