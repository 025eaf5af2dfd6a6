package proof

import (
	"context"
	"testing"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/keys"
	"github.com/mr-tron/base58"
)

// signVP signs a presentation as SignDI signs a credential, with the given
// proof options (the test's stand-in for a holder's wallet).
func signVP(t *testing.T, vp map[string]any, k keys.Signer, opts map[string]any) map[string]any {
	t.Helper()
	h, err := hashDI(context.Background(), vp, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := k.Sign(h.data())
	if err != nil {
		t.Fatal(err)
	}
	p := without(opts)
	p["proofValue"] = "z" + base58.Encode(sig)
	out := without(vp)
	out["proof"] = p
	return out
}

func TestVerifyPresentationDI(t *testing.T) {
	k := vcVerifyKey(t, "ed25519")
	holder, vm, err := did.KeyDID(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	other, err := keys.Generate(keys.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	_, otherVM, _ := did.KeyDID(other.Public())
	signed, _, _ := signedByDIDKey(t)
	vp := func(h string) map[string]any {
		m := map[string]any{
			"@context":             []any{"https://www.w3.org/ns/credentials/v2"},
			"type":                 []any{"VerifiablePresentation"},
			"verifiableCredential": []any{signed},
		}
		if h != "" {
			m["holder"] = h
		}
		return m
	}
	opts := func(mod func(map[string]any)) map[string]any {
		o := map[string]any{
			"type": TypeDataIntegrityProof, "cryptosuite": CryptosuiteEdDSARDFC2022, "created": "2025-01-02T03:04:05Z",
			"verificationMethod": vm, "proofPurpose": PurposeAuthentication, "challenge": "c-123", "domain": "verifier.example",
		}
		if mod != nil {
			mod(o)
		}
		return o
	}
	want := PresentationOptions{Challenge: "c-123", Domain: "verifier.example"}
	r := didWebResolver(t)
	tests := []struct {
		name    string
		vp      map[string]any
		opts    PresentationOptions
		outcome Outcome // "" for verified
		check   string
	}{
		{"holder's proof", signVP(t, vp(holder), k, opts(nil)), want, "", ""},
		{"no holder: any key", signVP(t, vp(""), k, opts(nil)), want, "", ""},
		{"challenge and domain not asked for", signVP(t, vp(holder), k, opts(nil)), PresentationOptions{}, "", ""},
		{"domain in a list", signVP(t, vp(holder), k, opts(func(o map[string]any) { o["domain"] = []any{"a.example", "verifier.example"} })), want, "", ""},
		{"wrong challenge", signVP(t, vp(holder), k, opts(func(o map[string]any) { o["challenge"] = "replayed" })), want, Failed, "challenge"},
		{"no challenge", signVP(t, vp(holder), k, opts(func(o map[string]any) { delete(o, "challenge") })), want, Failed, "challenge"},
		{"wrong domain", signVP(t, vp(holder), k, opts(func(o map[string]any) { o["domain"] = "evil.example" })), want, Failed, "domain"},
		{"assertion purpose", signVP(t, vp(holder), k, opts(func(o map[string]any) { o["proofPurpose"] = PurposeAssertionMethod })), want, Failed, "proofPurpose"},
		{"not the holder's key", signVP(t, vp(holder), other, opts(func(o map[string]any) { o["verificationMethod"] = otherVM })), want, Failed, "controller"},
		{"tampered", func() map[string]any {
			m := signVP(t, vp(holder), k, opts(nil))
			m["verifiableCredential"] = []any{}
			return m
		}(), want, Failed, "signature"},
		{"no proof", vp(holder), want, Failed, "proof"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := VerifyPresentationDI(context.Background(), tc.vp, r, tc.opts)
			if tc.outcome == "" {
				if err != nil || res.Outcome != Verified {
					t.Fatalf("%v (%+v)", err, res)
				}
				if res.Proofs[0].Controller != holder {
					t.Fatalf("controller %q, want %q", res.Proofs[0].Controller, holder)
				}
				return
			}
			wantOutcome(t, err, tc.outcome, tc.check)
		})
	}
}
