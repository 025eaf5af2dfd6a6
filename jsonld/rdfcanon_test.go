package jsonld

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"hash"
	"maps"
	"path/filepath"
	"strings"
	"testing"
)

// TestRDFCanonSuite runs every test of the W3C RDFC-1.0 test suite
// (testdata/rdf-canon, from w3c/rdf-canon tests/).
func TestRDFCanonSuite(t *testing.T) {
	dir := filepath.Join("testdata", "rdf-canon")
	var manifest struct {
		Entries []struct {
			ID            string `json:"id"`
			Type          string `json:"type"`
			Name          string `json:"name"`
			HashAlgorithm string `json:"hashAlgorithm"`
			Action        string `json:"action"`
			Result        string `json:"result"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(readText(t, filepath.Join(dir, "manifest.jsonld"))), &manifest); err != nil {
		t.Fatal(err)
	}
	if len(manifest.Entries) < 80 {
		t.Fatalf("manifest has only %d entries", len(manifest.Entries))
	}
	for _, e := range manifest.Entries {
		t.Run(strings.TrimPrefix(e.ID, "#")+"/"+e.Name, func(t *testing.T) {
			var newHash func() hash.Hash
			switch e.HashAlgorithm {
			case "", "SHA256":
				newHash = sha256.New
			case "SHA384":
				newHash = sha512.New384
			default:
				t.Skipf("hash algorithm %s not supported", e.HashAlgorithm)
			}
			in := readText(t, filepath.Join(dir, e.Action))
			lim := DefaultLimits
			quads, err := parseNQuads(in, lim.MaxQuads)
			if err != nil {
				t.Fatal(err)
			}
			got, issued, err := canonicalizeHash(context.Background(), dedupe(quads), lim, newHash)
			switch e.Type {
			case "rdfc:RDFC10NegativeEvalTest":
				if !errors.Is(err, ErrLimit) {
					t.Fatalf("got err %v, want one wrapping ErrLimit", err)
				}
				// The public entry point refuses it the same way.
				if _, err := CanonicalizeNQuads(context.Background(), in, Limits{}); !errors.Is(err, ErrLimit) {
					t.Fatalf("CanonicalizeNQuads: got err %v, want one wrapping ErrLimit", err)
				}
			case "rdfc:RDFC10EvalTest":
				if err != nil {
					t.Fatal(err)
				}
				if want := readText(t, filepath.Join(dir, e.Result)); got != want {
					t.Errorf("got:\n%s\nwant:\n%s", got, want)
				}
			case "rdfc:RDFC10MapTest":
				if err != nil {
					t.Fatal(err)
				}
				var want map[string]string
				if err := json.Unmarshal([]byte(readText(t, filepath.Join(dir, e.Result))), &want); err != nil {
					t.Fatal(err)
				}
				if !maps.Equal(issued, want) {
					t.Errorf("issued identifiers %v, want %v", issued, want)
				}
			default:
				t.Fatalf("unknown test type %s", e.Type)
			}
		})
	}
}
