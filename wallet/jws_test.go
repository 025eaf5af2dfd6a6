package wallet

import (
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/keys"
)

func TestKeyJWS(t *testing.T) {
	for _, typ := range []keys.Type{keys.Ed25519, keys.P256} {
		k, err := keys.Generate(typ)
		if err != nil {
			t.Fatal(err)
		}
		d, _, _ := did.KeyDID(k.Public())
		jws, err := SignKeyJWS(k, []byte("challenge"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := VerifyKeyJWS(d, jws)
		if err != nil || string(got) != "challenge" {
			t.Fatalf("%s: %q, %v", typ, got, err)
		}
		parts := strings.Split(jws, ".")
		other, _ := SignKeyJWS(k, []byte("other"))
		tampered := parts[0] + "." + strings.Split(other, ".")[1] + "." + parts[2]
		if _, err := VerifyKeyJWS(d, tampered); err == nil {
			t.Errorf("%s: a tampered payload verifies", typ)
		}
		k2, _ := keys.Generate(typ)
		d2, _, _ := did.KeyDID(k2.Public())
		if _, err := VerifyKeyJWS(d2, jws); err == nil {
			t.Errorf("%s: verifies with another DID", typ)
		}
	}
	rk, _ := keys.GenerateRSA(2048)
	if _, err := SignKeyJWS(rk, []byte("x")); err == nil {
		t.Error("an RSA key signed a did:key proof")
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/claim/abc":            "/claim/abc",
		"/wallet":               "/wallet",
		"/wallet/x?y=1":         "/wallet/x?y=1",
		"//evil.example/claim/": "",
		"https://evil.example/": "",
		"/admin":                "",
		"/claim/\r\nx":          "",
		"/walletx":              "",
		"":                      "",
	} {
		if got := SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzVerifyKeyJWS: whatever a learner sends as a DID proof, an error or
// a payload, never a panic.
func FuzzVerifyKeyJWS(f *testing.F) {
	k, _ := keys.Generate(keys.Ed25519)
	d, _, _ := did.KeyDID(k.Public())
	jws, _ := SignKeyJWS(k, []byte("challenge"))
	f.Add(jws)
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJFZERTQSJ9..")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := VerifyKeyJWS(d, s)
		if err == nil && s != jws && string(p) == "challenge" && !strings.HasPrefix(s, strings.Split(jws, ".")[0]) {
			t.Fatalf("%q verifies", s)
		}
	})
}
