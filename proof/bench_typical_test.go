package proof

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/jsonld"
	"github.com/cairn-badges/cairn/keys"
	"github.com/cairn-badges/cairn/ob"
)

// The "typical" credential is what Cairn issues for one badge award: an
// OpenBadgeCredential with an issuer Profile, a hashed-email identifier, an
// achievement with criteria, image, two alignments and tags, one piece of
// evidence and a BitstringStatusListEntry. docs/PERFORMANCE.md reports the
// benchmarks below on it, beside vc-verify's timings on the same file
// (scripts/bench-vc-verify.mjs).
//
// testdata/typical-unsigned.json is written by hand; its issuer is the
// did:key of vc-verify's public Ed25519 test key. The signed forms are
// derived from it with fixed keys and times, so they are reproducible:
//
//	go test ./proof -run TestTypicalFixtures -update-typical
var updateTypical = flag.Bool("update-typical", false, "rewrite testdata/typical-* from typical-unsigned.json")

var (
	// typicalCreated is the proof's created time of typical-signed.json.
	typicalCreated = time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)
	// typicalClock lies within the credential's validity period.
	typicalClock = JWTOptions{Now: func() time.Time { return time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC) }}
)

// typicalJWTKeys are the signers of the JWT forms: did:key where the key
// type has one, did:web:issuer.example for RSA.
var typicalJWTKeys = []struct{ alg, key, web string }{
	{"EdDSA", "ed25519", ""},
	{"ES256", "p256", ""},
	{"RS256", "rsa", "did:web:issuer.example#key-rsa"},
}

// typicalUnsigned returns a fresh copy of the typical unsigned credential.
func typicalUnsigned(t testing.TB) map[string]any {
	return readJSON(t, "typical-unsigned.json")
}

// typicalSignDI signs the typical credential as Cairn would: with the
// Ed25519 test key, as its did:key.
func typicalSignDI(t testing.TB) (signed map[string]any, k *keys.PrivateKey, vm string) {
	t.Helper()
	k = vcVerifyKey(t, "ed25519")
	_, vm, err := did.KeyDID(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	signed, err = SignDI(context.Background(), typicalUnsigned(t), k, vm, typicalCreated)
	if err != nil {
		t.Fatalf("SignDI: %v", err)
	}
	return signed, k, vm
}

// typicalJWT returns the typical credential as a VC-JWT signed with the
// named test key; the issuer id is set to the key's controller.
func typicalJWT(t testing.TB, keyName, webVM string) string {
	t.Helper()
	k := vcVerifyKey(t, keyName)
	vm := webVM
	if vm == "" {
		var err error
		if _, vm, err = did.KeyDID(k.Public()); err != nil {
			t.Fatal(err)
		}
	}
	cred := typicalUnsigned(t)
	cred["issuer"].(map[string]any)["id"], _, _ = strings.Cut(vm, "#")
	tok, err := SignJWT(cred, k, vm)
	if err != nil {
		t.Fatalf("SignJWT %s: %v", keyName, err)
	}
	return tok
}

// TestTypicalFixtures checks that the typical credential is what Cairn may
// issue (strict schema), that every term is defined by its contexts, and that
// the committed signed forms are exactly what the fixed keys produce and
// verify.
func TestTypicalFixtures(t *testing.T) {
	unsigned := typicalUnsigned(t)
	if err := ob.ValidateIssued(unsigned); err != nil {
		t.Fatalf("typical-unsigned.json: ValidateIssued: %v", err)
	}
	if _, err := jsonld.Canonicalize(context.Background(), unsigned, jsonld.Options{}); err != nil {
		t.Fatalf("typical-unsigned.json: Canonicalize: %v", err)
	}

	signed, _, _ := typicalSignDI(t)
	if err := ob.ValidateIssued(signed); err != nil {
		t.Fatalf("signed: ValidateIssued: %v", err)
	}
	if _, err := VerifyDI(context.Background(), signed, didWebResolver(t)); err != nil {
		t.Fatalf("VerifyDI: %v", err)
	}
	want := map[string][]byte{}
	di, err := json.MarshalIndent(signed, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want["typical-signed.json"] = append(di, '\n')
	for _, k := range typicalJWTKeys {
		tok := typicalJWT(t, k.key, k.web)
		if _, err := VerifyJWTWithOptions(context.Background(), tok, didWebResolver(t), typicalClock); err != nil {
			t.Fatalf("VerifyJWT %s: %v", k.alg, err)
		}
		want["typical."+k.alg+".jwt"] = []byte(tok + "\n")
	}

	for name, data := range want {
		path := filepath.Join("testdata", name)
		if *updateTypical {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (regenerate with -update-typical)", err)
		}
		// ES256 signatures are randomized: compare the signed part only.
		if k := "typical.ES256.jwt"; name == k {
			got, data = got[:bytes.LastIndexByte(got, '.')], data[:bytes.LastIndexByte(data, '.')]
		}
		if !bytes.Equal(got, data) {
			t.Errorf("testdata/%s is stale: regenerate with go test ./proof -run TestTypicalFixtures -update-typical", name)
		}
	}
}

// BenchmarkTypicalSignDI signs the typical credential with eddsa-rdfc-2022:
// two RDFC-1.0 canonicalizations (document and proof options), two SHA-256
// and one Ed25519 signature.
func BenchmarkTypicalSignDI(b *testing.B) {
	k := vcVerifyKey(b, "ed25519")
	_, vm, _ := did.KeyDID(k.Public())
	cred := typicalUnsigned(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SignDI(ctx, cred, k, vm, typicalCreated); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTypicalVerifyDI verifies testdata/typical-signed.json (did:key,
// resolved by computation): the same canonicalizations as signing, and one
// Ed25519 verification.
func BenchmarkTypicalVerifyDI(b *testing.B) {
	signed := readJSON(b, "typical-signed.json")
	r := didWebResolver(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyDI(ctx, signed, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTypicalCanonicalize canonicalizes the typical credential alone
// (RDFC-1.0 after JSON-LD expansion), without the proof options.
func BenchmarkTypicalCanonicalize(b *testing.B) {
	cred := typicalUnsigned(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jsonld.Canonicalize(ctx, cred, jsonld.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTypicalSignJWT(b *testing.B) {
	for _, tk := range typicalJWTKeys {
		b.Run(tk.alg, func(b *testing.B) {
			k := vcVerifyKey(b, tk.key)
			vm := tk.web
			if vm == "" {
				_, vm, _ = did.KeyDID(k.Public())
			}
			cred := typicalUnsigned(b)
			cred["issuer"].(map[string]any)["id"], _, _ = strings.Cut(vm, "#")
			b.ReportAllocs()
			for b.Loop() {
				if _, err := SignJWT(cred, k, vm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTypicalVerifyJWT(b *testing.B) {
	r := didWebResolver(b)
	ctx := context.Background()
	for _, tk := range typicalJWTKeys {
		b.Run(tk.alg, func(b *testing.B) {
			tok := readText(b, "typical."+tk.alg+".jwt")
			b.ReportAllocs()
			for b.Loop() {
				if _, err := VerifyJWTWithOptions(ctx, tok, r, typicalClock); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSignDIShared: the document SignDIShared returns encodes as SignDI's,
// and cred is left as it was.
func TestSignDIShared(t *testing.T) {
	want, k, vm := typicalSignDI(t)
	cred := typicalUnsigned(t)
	before, _ := json.Marshal(cred)
	got, err := SignDIShared(context.Background(), cred, k, vm, typicalCreated)
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("SignDIShared:\n%s\nSignDI:\n%s", gb, wb)
	}
	if after, _ := json.Marshal(cred); string(after) != string(before) {
		t.Errorf("SignDIShared changed its input")
	}
}
