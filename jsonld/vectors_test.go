package jsonld

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func readJSON(t testing.TB, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func readText(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// proofOptions returns the proof options document of a Data Integrity proof:
// the proof without proofValue, with the document's @context.
func proofOptions(proof map[string]any, docContext any) map[string]any {
	m := make(map[string]any, len(proof)+1)
	for k, v := range proof {
		if k != "proofValue" {
			m[k] = v
		}
	}
	if _, ok := m["@context"]; !ok {
		m["@context"] = docContext
	}
	return m
}

// TestVectors checks that the canonical forms published with the 1EdTech
// OB 3.0 and CLR 2.0 test vectors and the W3C eddsa-rdfc-2022 test vectors
// are reproduced byte for byte.
func TestVectors(t *testing.T) {
	type vec struct {
		name       string
		doc, proof map[string]any
		docCanon   string
		proofCanon string
	}
	var vecs []vec
	for _, name := range []string{"obv3p0", "clrv2p0"} {
		dir := filepath.Join("testdata", "1edtech", name)
		v := readJSON(t, filepath.Join(dir, "vector.json"))
		doc := v["unsignedCredential"].(map[string]any)
		vecs = append(vecs, vec{
			name:       "1edtech/" + name,
			doc:        doc,
			proof:      proofOptions(v["proofConfig"].(map[string]any), doc["@context"]),
			docCanon:   readText(t, filepath.Join(dir, "document-canon.txt")),
			proofCanon: readText(t, filepath.Join(dir, "proof-canon.txt")),
		})
	}
	dir := filepath.Join("testdata", "eddsa-rdfc-2022")
	doc := readJSON(t, filepath.Join(dir, "unsigned.json"))
	vecs = append(vecs, vec{
		name:       "w3c/eddsa-rdfc-2022",
		doc:        doc,
		proof:      proofOptions(readJSON(t, filepath.Join(dir, "proofConfigDataInt.json")), doc["@context"]),
		docCanon:   readText(t, filepath.Join(dir, "canonDocDataInt.txt")),
		proofCanon: readText(t, filepath.Join(dir, "proofCanonDataInt.txt")),
	})
	// The signed credential, with its proof removed, canonicalizes to the same document.
	signed := readJSON(t, filepath.Join(dir, "signedDataInt.json"))
	proof := signed["proof"].(map[string]any)
	delete(signed, "proof")
	vecs = append(vecs, vec{
		name:       "w3c/eddsa-rdfc-2022/signed",
		doc:        signed,
		proof:      proofOptions(proof, signed["@context"]),
		docCanon:   readText(t, filepath.Join(dir, "canonDocDataInt.txt")),
		proofCanon: readText(t, filepath.Join(dir, "proofCanonDataInt.txt")),
	})

	for _, v := range vecs {
		t.Run(v.name, func(t *testing.T) {
			got, err := Canonicalize(context.Background(), v.doc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got != v.docCanon {
				t.Errorf("document canonical form differs\ngot:\n%s\nwant:\n%s", got, v.docCanon)
			}
			got, err = Canonicalize(context.Background(), v.proof, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got != v.proofCanon {
				t.Errorf("proof canonical form differs\ngot:\n%s\nwant:\n%s", got, v.proofCanon)
			}
		})
	}
}

func TestUnknownContext(t *testing.T) {
	doc := readJSON(t, filepath.Join("testdata", "eddsa-rdfc-2022", "employmentAuth.json"))
	_, err := Canonicalize(context.Background(), doc, Options{})
	var uc *UnknownContextError
	if !errors.As(err, &uc) {
		t.Fatalf("got %v, want *UnknownContextError", err)
	}
	if uc.URL != "https://w3id.org/citizenship/v4rc1" {
		t.Errorf("URL = %q", uc.URL)
	}
}
