package proof

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/jsonld"
	"github.com/cairn-badges/cairn/keys"
)

// diVector is one eddsa-rdfc-2022 test vector, normalised from the 1EdTech
// and W3C file layouts.
type diVector struct {
	name                            string
	key                             []byte // private key, as keys.ParsePrivateKey reads it
	unsigned, proofConfig, signed   map[string]any
	proofCanon, docCanon            string
	proofHash, docHash, signatureHx string
	proofValue                      string
	resolver                        *mapResolver
}

func oneEdTechVector(t *testing.T, dir string) diVector {
	v := readJSON(t, dir+"/vector.json")
	kp := v["keyPair"].(map[string]any)
	return diVector{
		name:        dir,
		key:         []byte(kp["secretKeyMultibase"].(string)),
		unsigned:    v["unsignedCredential"].(map[string]any),
		proofConfig: v["proofConfig"].(map[string]any),
		signed:      v["signedCredential"].(map[string]any),
		proofCanon:  string(readFile(t, dir+"/proof-canon.txt")),
		docCanon:    string(readFile(t, dir+"/document-canon.txt")),
		proofHash:   v["proofHashHex"].(string),
		docHash:     v["documentHashHex"].(string),
		signatureHx: v["signatureHex"].(string),
		proofValue:  v["proofValue"].(string),
		resolver:    newResolver(t, "vc-verify/examples/1edtech-issuer-565049.controller.json"),
	}
}

func w3cVector(t *testing.T) diVector {
	const dir = "w3c-eddsa-rdfc-2022/"
	return diVector{
		name:        "w3c-eddsa-rdfc-2022",
		key:         readFile(t, dir+"keyPair.json"),
		unsigned:    readJSON(t, dir+"unsigned.json"),
		proofConfig: without(readJSON(t, dir+"proofConfigDataInt.json"), "@context"),
		signed:      readJSON(t, dir+"signedDataInt.json"),
		proofCanon:  string(readFile(t, dir+"proofCanonDataInt.txt")),
		docCanon:    string(readFile(t, dir+"canonDocDataInt.txt")),
		proofHash:   readText(t, dir+"proofHashDataInt.txt"),
		docHash:     readText(t, dir+"docHashDataInt.txt"),
		signatureHx: readText(t, dir+"sigHexDataInt.txt"),
		proofValue:  readText(t, dir+"sigBTC58DataInt.txt"),
	}
}

// TestDIVectors reproduces the published eddsa-rdfc-2022 vectors byte for
// byte: canonical forms, hashes, signature and proofValue.
func TestDIVectors(t *testing.T) {
	ctx := context.Background()
	for _, v := range []diVector{
		oneEdTechVector(t, "1edtech-obv3p0"),
		oneEdTechVector(t, "1edtech-clrv2p0"),
		w3cVector(t),
	} {
		t.Run(v.name, func(t *testing.T) {
			key := loadKey(t, v.key)
			h, err := hashDI(ctx, without(v.unsigned, "proof"), v.proofConfig, nil)
			if err != nil {
				t.Fatal(err)
			}
			if h.proofCanon != v.proofCanon {
				t.Errorf("proof canonical form:\n%s\nwant\n%s", h.proofCanon, v.proofCanon)
			}
			if h.docCanon != v.docCanon {
				t.Errorf("document canonical form:\n%s\nwant\n%s", h.docCanon, v.docCanon)
			}
			if got := hex.EncodeToString(h.proofHash[:]); got != v.proofHash {
				t.Errorf("proof hash %s, want %s", got, v.proofHash)
			}
			if got := hex.EncodeToString(h.docHash[:]); got != v.docHash {
				t.Errorf("document hash %s, want %s", got, v.docHash)
			}
			sig, err := key.Sign(h.data())
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(sig); got != v.signatureHx {
				t.Errorf("signature %s, want %s", got, v.signatureHx)
			}

			vm := v.proofConfig["verificationMethod"].(string)
			created, err := time.Parse(time.RFC3339, v.proofConfig["created"].(string))
			if err != nil {
				t.Fatal(err)
			}
			signed, err := SignDI(ctx, v.unsigned, key, vm, created)
			if v.resolver == nil {
				// The W3C vector's issuer is not the controller of its
				// did:key method: SignDI must refuse, naming both.
				if !errors.Is(err, ErrCannotSign) || !strings.Contains(err.Error(), IssuerID(v.unsigned)) || !strings.Contains(err.Error(), vm) {
					t.Fatalf("SignDI with a foreign verification method: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			set := signed["proof"].([]any)
			if len(set) != 1 {
				t.Fatalf("proof set of %d", len(set))
			}
			p := set[0].(map[string]any)
			if p["proofValue"] != v.proofValue {
				t.Errorf("proofValue %v, want %s", p["proofValue"], v.proofValue)
			}
			ps, err := proofSet(v.signed["proof"])
			if err != nil || len(ps) != 1 {
				t.Fatalf("vector proof: %v", err)
			}
			want := ps[0]
			for k, w := range want {
				if p[k] != w {
					t.Errorf("proof.%s = %v, want %v", k, p[k], w)
				}
			}
			if len(p) != len(want) {
				t.Errorf("proof has %d members, want %d: %v", len(p), len(want), p)
			}
			if _, ok := v.unsigned["proof"]; ok {
				t.Error("SignDI modified its input")
			}
			res, err := VerifyDI(ctx, signed, v.resolver)
			if err != nil || res.Outcome != Verified {
				t.Fatalf("VerifyDI(SignDI output) = %v, %v", res, err)
			}
		})
	}
}

// TestVerifyDIVectors verifies the signed vectors as published, and a
// tampered copy of each.
func TestVerifyDIVectors(t *testing.T) {
	ctx := context.Background()
	oneEd := newResolver(t, "vc-verify/examples/1edtech-issuer-565049.controller.json")
	w3c := newResolver(t, "vc-verify/examples/w3c-vc-di-eddsa/issuer-5678.controller.json")
	tests := []struct {
		name  string
		cred  map[string]any
		r     KeyResolver
		typ   string
		check string // "" = verified
	}{
		{"1edtech-obv3p0", readJSON(t, "1edtech-obv3p0/vector.json")["signedCredential"].(map[string]any), oneEd, TypeDataIntegrityProof, ""},
		{"1edtech-clrv2p0", readJSON(t, "1edtech-clrv2p0/vector.json")["signedCredential"].(map[string]any), oneEd, TypeDataIntegrityProof, ""},
		// The W3C vectors sign as a did:key that is not the issuer: the
		// controller check fails them (vc-verify says the same).
		{"w3c-eddsa-rdfc-2022", readJSON(t, "w3c-eddsa-rdfc-2022/signedDataInt.json"), w3c, TypeDataIntegrityProof, "controller"},
		{"w3c-ed25519signature2020", readJSON(t, "w3c-ed25519signature2020/signedEdSig.json"), w3c, TypeEd25519Signature2020, "controller"},
		// vc-verify's copy, re-signed with the issuer's own method.
		{"w3c-eddsa-rdfc-2022-resigned", readJSON(t, "vc-verify/examples/w3c-vc-di-eddsa/signedDataInt.json"), w3c, TypeDataIntegrityProof, ""},
		{"vc-verify-ob3-basic", readJSON(t, "vc-verify/examples/ob3-basic.eddsa-rdfc-2022.json"), didWebResolver(t), TypeDataIntegrityProof, ""},
		{"vc-verify-ob3-basic-TAMPERED", readJSON(t, "vc-verify/examples/ob3-basic.eddsa-rdfc-2022.TAMPERED.json"), didWebResolver(t), TypeDataIntegrityProof, "signature"},
		{"vc-verify-ob3-didweb", readJSON(t, "vc-verify/examples/ob3-basic.didweb.eddsa-rdfc-2022.json"), didWebResolver(t), TypeDataIntegrityProof, ""},
		{"vc-verify-ob3-full", readJSON(t, "vc-verify/examples/ob3-full.eddsa-rdfc-2022.json"), didWebResolver(t), TypeDataIntegrityProof, ""},
		{"vc-verify-ob3-Ed25519Signature2020", readJSON(t, "vc-verify/examples/ob3-basic.Ed25519Signature2020.json"), didWebResolver(t), TypeEd25519Signature2020, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := VerifyDI(ctx, tc.cred, tc.r)
			if res == nil || len(res.Proofs) != 1 {
				t.Fatalf("result %+v, %v", res, err)
			}
			p := res.Proofs[0]
			if p.Type != tc.typ {
				t.Errorf("type %q, want %q", p.Type, tc.typ)
			}
			if tc.check == "" {
				if err != nil || res.Outcome != Verified || p.Outcome != Verified || p.Controller != IssuerID(tc.cred) {
					t.Fatalf("got %+v, %v", res, err)
				}
			} else {
				wantOutcome(t, err, Failed, tc.check)
				if res.Outcome != Failed || p.Outcome != Failed || p.Err != err {
					t.Fatalf("got %+v", res)
				}
			}
			if tc.check != "" {
				return
			}
			// Tampered: one character of the name changed.
			bad := deepCopy(tc.cred).(map[string]any)
			bad["name"] = bad["name"].(string) + "!"
			_, err = VerifyDI(ctx, bad, tc.r)
			wantOutcome(t, err, Failed, "signature")
		})
	}
}

// TestEd25519Signature2020Vector reproduces the W3C Ed25519Signature2020
// vector's canonical forms and hashes and checks its signature.
func TestEd25519Signature2020Vector(t *testing.T) {
	const dir = "w3c-ed25519signature2020/"
	signed := readJSON(t, dir+"signedEdSig.json")
	p := signed["proof"].(map[string]any)
	h, err := hashDI(context.Background(), without(signed, "proof"), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.proofCanon != string(readFile(t, dir+"proofCanonEdSig.txt")) {
		t.Errorf("proof canonical form:\n%s", h.proofCanon)
	}
	if h.docCanon != string(readFile(t, dir+"canonDocEdSig.txt")) {
		t.Errorf("document canonical form:\n%s", h.docCanon)
	}
	if got, want := hex.EncodeToString(h.proofHash[:]), readText(t, dir+"proofHashEdSig.txt"); got != want {
		t.Errorf("proof hash %s, want %s", got, want)
	}
	if got, want := hex.EncodeToString(h.docHash[:]), readText(t, dir+"docHashEdSig.txt"); got != want {
		t.Errorf("doc hash %s, want %s", got, want)
	}
	if got, want := hex.EncodeToString(h.data()), readText(t, dir+"combinedHashEdSig.txt"); got != want {
		t.Errorf("combined %s, want %s", got, want)
	}
	pub, err := keys.DecodeMultikey("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := hex.DecodeString(readText(t, dir+"sigHexEdSig.txt"))
	if !ed25519.Verify(pub.(ed25519.PublicKey), h.data(), sig) {
		t.Error("signature does not verify")
	}
}

func ob3Unsigned(t testing.TB) map[string]any {
	return readJSON(t, "vc-verify/examples/ob3-basic-unsigned.json")
}

// signedByDIDKey returns the basic OB credential signed with the vc-verify
// Ed25519 key as its did:key.
func signedByDIDKey(t testing.TB) (map[string]any, keys.Signer, string) {
	t.Helper()
	k := vcVerifyKey(t, "ed25519")
	d, vm, err := did.KeyDID(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	cred := ob3Unsigned(t)
	cred["issuer"].(map[string]any)["id"] = d
	signed, err := SignDI(context.Background(), cred, k, vm, time.Date(2024, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600)))
	if err != nil {
		t.Fatal(err)
	}
	return signed, k, vm
}

func TestSignDI(t *testing.T) {
	ctx := context.Background()
	signed, k, vm := signedByDIDKey(t)
	p := signed["proof"].([]any)[0].(map[string]any)
	if p["created"] != "2024-01-02T02:04:05Z" {
		t.Errorf("created %v, want UTC second precision", p["created"])
	}
	if p["type"] != TypeDataIntegrityProof || p["cryptosuite"] != CryptosuiteEdDSARDFC2022 || p["proofPurpose"] != PurposeAssertionMethod || p["verificationMethod"] != vm {
		t.Errorf("proof %v", p)
	}
	r := didWebResolver(t)
	if _, err := VerifyDI(ctx, signed, r); err != nil {
		t.Fatal(err)
	}

	t.Run("proof set", func(t *testing.T) {
		// A second proof by the same issuer joins the set; it does not
		// cover the first.
		two, err := SignDI(ctx, signed, k, vm, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if n := len(two["proof"].([]any)); n != 2 {
			t.Fatalf("%d proofs", n)
		}
		res, err := VerifyDI(ctx, two, r)
		if err != nil || len(res.Proofs) != 2 {
			t.Fatalf("%+v %v", res, err)
		}
		// Unsupported proofs are reported and skipped.
		three := deepCopy(two).(map[string]any)
		three["proof"] = append(three["proof"].([]any), map[string]any{"type": "SomeProofType"})
		res, err = VerifyDI(ctx, three, r)
		if err != nil || res.Outcome != Verified || res.Proofs[2].Outcome != Unsupported {
			t.Fatalf("%+v %v", res, err)
		}
		// One bad proof fails the set.
		bad := deepCopy(two).(map[string]any)
		bad["proof"].([]any)[1].(map[string]any)["created"] = "2025-01-01T00:00:01Z"
		res, err = VerifyDI(ctx, bad, r)
		wantOutcome(t, err, Failed, "signature")
		if res.Proofs[0].Outcome != Verified || res.Proofs[1].Outcome != Failed {
			t.Fatalf("%+v", res)
		}
	})

	t.Run("not Ed25519", func(t *testing.T) {
		p256 := vcVerifyKey(t, "p256")
		_, err := SignDI(ctx, ob3Unsigned(t), p256, vm, time.Now())
		if !errors.Is(err, ErrCannotSign) || !strings.Contains(err.Error(), "Ed25519") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("issuer not controller", func(t *testing.T) {
		cred := ob3Unsigned(t)
		cred["issuer"] = "did:web:other.example"
		_, err := SignDI(ctx, cred, k, vm, time.Now())
		if !errors.Is(err, ErrCannotSign) || !strings.Contains(err.Error(), "did:web:other.example") || !strings.Contains(err.Error(), vm) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("undefined term", func(t *testing.T) {
		cred := ob3Unsigned(t)
		cred["issuer"].(map[string]any)["id"] = signed["issuer"].(map[string]any)["id"]
		cred["favouriteColour"] = "blue"
		_, err := SignDI(ctx, cred, k, vm, time.Now())
		var ut *jsonld.UndefinedTermError
		if !errors.As(err, &ut) {
			t.Fatalf("got %v, want an UndefinedTermError", err)
		}
	})
}

func TestVerifyDIFailures(t *testing.T) {
	ctx := context.Background()
	signed, _, _ := signedByDIDKey(t)
	r := didWebResolver(t)
	mod := func(f func(c, p map[string]any)) map[string]any {
		c := deepCopy(signed).(map[string]any)
		f(c, c["proof"].([]any)[0].(map[string]any))
		return c
	}
	tests := []struct {
		name    string
		cred    map[string]any
		outcome Outcome
		check   string
		msg     string
	}{
		{"purpose", mod(func(c, p map[string]any) { p["proofPurpose"] = "authentication" }), Failed, "proofPurpose", "authentication"},
		{"cryptosuite", mod(func(c, p map[string]any) { p["cryptosuite"] = "ecdsa-rdfc-2019" }), Failed, "type", "ecdsa-rdfc-2019"},
		{"proofValue base64", mod(func(c, p map[string]any) { p["proofValue"] = "uAAAA" }), Failed, "proofValue", ""},
		{"proofValue short", mod(func(c, p map[string]any) { p["proofValue"] = "z3yZe7d" }), Failed, "proofValue", ""},
		{"created", mod(func(c, p map[string]any) { p["created"] = "yesterday" }), Failed, "created", "yesterday"},
		{"issuer", mod(func(c, p map[string]any) { c["issuer"] = "did:web:issuer.example" }), Failed, "controller", "did:web:issuer.example"},
		{"undefined term", mod(func(c, p map[string]any) { c["favouriteColour"] = "blue" }), Failed, "canonicalization", "favouriteColour"},
		{"unknown vm", mod(func(c, p map[string]any) { p["verificationMethod"] = "did:web:issuer.example#nope" }), Failed, "verificationMethod", "#nope"},
		{"no proof", mod(func(c, p map[string]any) { delete(c, "proof") }), Failed, "proof", ""},
		// Contexts are never fetched: one that is not embedded leaves the
		// meaning of the document, and so the proof, undecided.
		{"unknown context", mod(func(c, p map[string]any) {
			c["@context"] = append(c["@context"].([]any), "https://contexts.example/unknown/v1")
		}), Indeterminate, "context", "cannot verify: unknown JSON-LD context https://contexts.example/unknown/v1"},
		{"proof not object", mod(func(c, p map[string]any) { c["proof"] = "x" }), Failed, "proof", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyDI(ctx, tc.cred, r)
			wantOutcome(t, err, tc.outcome, tc.check)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not name %q", err, tc.msg)
			}
		})
	}
	t.Run("undefined term is a jsonld error", func(t *testing.T) {
		_, err := VerifyDI(ctx, mod(func(c, p map[string]any) { c["favouriteColour"] = "blue" }), r)
		var ut *jsonld.UndefinedTermError
		if !errors.As(err, &ut) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("unknown context is a jsonld error", func(t *testing.T) {
		_, err := VerifyDI(ctx, mod(func(c, p map[string]any) {
			c["@context"] = append(c["@context"].([]any), "https://contexts.example/unknown/v1")
		}), r)
		var uc *jsonld.UnknownContextError
		if !errors.As(err, &uc) || uc.URL != "https://contexts.example/unknown/v1" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("indeterminate", func(t *testing.T) {
		// A did:web key that cannot be fetched now: neither valid nor invalid.
		cred := readJSON(t, "vc-verify/examples/ob3-basic.didweb.eddsa-rdfc-2022.json")
		res, err := VerifyDI(ctx, cred, unavailableResolver{})
		wantOutcome(t, err, Indeterminate, "verificationMethod")
		if !res.Indeterminate() || res.Proofs[0].Outcome != Indeterminate {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := VerifyDI(cctx, signed, r)
		wantOutcome(t, err, Indeterminate, "")
	})
}
