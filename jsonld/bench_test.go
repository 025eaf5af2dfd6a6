package jsonld

import (
	"context"
	"errors"
	"fmt"
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

// BenchmarkRefuseHostile: the issue #7 credential (28,000 evidence objects)
// is refused by the shape check before expansion; 6,000 pass it and are
// refused at MaxQuads while converting.
func BenchmarkRefuseHostile(b *testing.B) {
	for _, n := range []int{28_000, 6_000} {
		doc := hostile(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Canonicalize(context.Background(), doc, Options{}); !errors.Is(err, ErrLimit) {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCanonicalizeWideEvidence: 2,000 equal evidence values, under
// every limit: linear in the values (the node map was quadratic).
func BenchmarkCanonicalizeWideEvidence(b *testing.B) {
	doc := ob3Doc(b)
	tags := make([]any, 2_000)
	for i := range tags {
		tags[i] = "same"
	}
	doc["credentialSubject"].(map[string]any)["achievement"].(map[string]any)["tag"] = tags
	for b.Loop() {
		if _, err := Canonicalize(context.Background(), doc, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
