package proof

import (
	"context"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/did"
)

// FuzzVerifyJWT feeds untrusted tokens to VerifyJWT: it must never panic,
// and must always return a result and an *Error unless the token verified.
func FuzzVerifyJWT(f *testing.F) {
	for _, name := range []string{
		"vc-verify/examples/ob3-basic.EdDSA.jwt",
		"vc-verify/examples/ob3-basic.ES256.jwt",
		"vc-verify/examples/ob3-basic.EdDSA.jwt_vc_json.jwt",
		"vc-verify/examples/ob3-basic.RS256.didweb.jwt",
		"vc-verify/examples/ob3-basic.RS256.embedded-jwk.jwt",
		"vc-verify/examples/ob3-basic.EdDSA.TAMPERED.jwt",
		"1edtech-validator/clr20-simple.jwt",
		"1edtech-validator/ob30-simple.jwt",
	} {
		f.Add(string(readFile(f, name)))
	}
	f.Add("")
	f.Add("..")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("eyJhbGciOiJFZERTQSIsImtpZCI6IiMifQ.eyJAY29udGV4dCI6W10sInZjIjp7fX0.AA")
	r := didWebResolver(f)
	f.Fuzz(func(t *testing.T, token string) {
		res, err := VerifyJWTWithOptions(context.Background(), token, r, fixedClock)
		if res == nil {
			t.Fatal("nil result")
		}
		if err == nil {
			if res.Outcome != Verified {
				t.Fatalf("nil error with outcome %s", res.Outcome)
			}
			return
		}
		if _, ok := err.(*Error); !ok {
			t.Fatalf("error %T", err)
		}
	})
}

// BenchmarkSignDI signs the OB 3.0 spec's basic credential with
// eddsa-rdfc-2022 as a did:key.
func BenchmarkSignDI(b *testing.B) {
	k := vcVerifyKey(b, "ed25519")
	d, vm, _ := did.KeyDID(k.Public())
	cred := ob3Unsigned(b)
	cred["issuer"].(map[string]any)["id"] = d
	ctx := context.Background()
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SignDI(ctx, cred, k, vm, created); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyDI verifies the same credential (did:key, resolved by
// computation).
func BenchmarkVerifyDI(b *testing.B) {
	signed := readJSON(b, "vc-verify/examples/ob3-basic.eddsa-rdfc-2022.json")
	r := didWebResolver(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyDI(ctx, signed, r); err != nil {
			b.Fatal(err)
		}
	}
}

var jwtBenchKeys = []struct{ alg, key, issuer, kid string }{
	{"EdDSA", "ed25519", "did:key:z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB", "did:key:z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB#z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB"},
	{"ES256", "p256", "did:web:issuer.example", "did:web:issuer.example#key-p256"},
	{"RS256", "rsa", "did:web:issuer.example", "did:web:issuer.example#key-rsa"},
}

func BenchmarkSignJWT(b *testing.B) {
	for _, bk := range jwtBenchKeys {
		b.Run(bk.alg, func(b *testing.B) {
			k := vcVerifyKey(b, bk.key)
			cred := ob3Unsigned(b)
			cred["issuer"].(map[string]any)["id"] = bk.issuer
			b.ReportAllocs()
			for b.Loop() {
				if _, err := SignJWT(cred, k, bk.kid); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerifyJWT(b *testing.B) {
	r := didWebResolver(b)
	ctx := context.Background()
	for _, bk := range jwtBenchKeys {
		b.Run(bk.alg, func(b *testing.B) {
			k := vcVerifyKey(b, bk.key)
			cred := ob3Unsigned(b)
			cred["issuer"].(map[string]any)["id"] = bk.issuer
			tok, err := SignJWT(cred, k, bk.kid)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := VerifyJWTWithOptions(ctx, tok, r, fixedClock); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
