package proof

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/fetch"
)

// TestProofChains runs the W3C data integrity suite's proof chains: the
// issuer's proof names, as previousProof, a proof by another party (a
// second did:key), which is part of what the issuer signed. Both must
// verify, each with its own controller's key; another party's proof alone,
// or a chain naming a proof that is not there, does not verify.
func TestProofChains(t *testing.T) {
	ctx := context.Background()
	r := &did.Resolver{Fetcher: fetch.Offline} // did:key only
	read := func(name string) map[string]any {
		return readJSON(t, filepath.Join("w3c-di-proof-chains", name+"-SimpleSigned2.json"))
	}
	for _, name := range []string{"2.0-previousProofStringOk", "2.0-previousProofArrayOk", "1.1-previousProofStringOk"} {
		t.Run(name, func(t *testing.T) {
			cred := read(name)
			res, err := VerifyDI(ctx, cred, r)
			if err != nil || res.Outcome != Verified || len(res.Proofs) != 2 {
				t.Fatalf("got %+v, %v", res, err)
			}
			issuer := IssuerID(cred)
			byIssuer := 0
			for _, p := range res.Proofs {
				if p.Outcome != Verified {
					t.Errorf("proof %s: %v", p.VerificationMethod, p.Err)
				}
				if p.Controller == issuer {
					byIssuer++
				}
			}
			if byIssuer != 1 {
				t.Errorf("%d proofs by the issuer, want 1 (and one by another party)", byIssuer)
			}
			// The other party's proof, alone, does not make the issuer's
			// credential.
			alone := deepCopy(cred).(map[string]any)
			for _, p := range cred["proof"].([]any) {
				pm := p.(map[string]any)
				if !strings.HasPrefix(pm["verificationMethod"].(string), issuer) {
					alone["proof"] = pm
				}
			}
			_, err = VerifyDI(ctx, alone, r)
			wantOutcome(t, err, Failed, "controller")
			// Tampered: the issuer's proof fails its signature, so the
			// other party's is not accepted either.
			bad := deepCopy(cred).(map[string]any)
			bad["name"] = bad["name"].(string) + "!"
			res, err = VerifyDI(ctx, bad, r)
			wantOutcome(t, err, Failed, "")
			for _, p := range res.Proofs {
				if p.Outcome == Verified {
					t.Errorf("tampered: proof %s verified", p.VerificationMethod)
				}
			}
		})
	}
	for _, name := range []string{"2.0-previousProofStringMissingFail", "2.0-previousProofArrayMissingFail", "2.0-previousProofNotStringFail"} {
		t.Run(name, func(t *testing.T) {
			res, err := VerifyDI(ctx, read(name), r)
			if err == nil || res.Outcome != Failed {
				t.Fatalf("got %+v, %v", res, err)
			}
		})
	}
}

// TestOptionsKeyInjective: options that differ never share a cache key,
// whatever bytes their strings hold (a key shared by two options would let
// one proof's canonical form stand for another's).
func TestOptionsKeyInjective(t *testing.T) {
	pairs := [][2]map[string]any{
		{{"challenge": "c", "created": "T"}, {"challenge": "c\x00created\x00T"}},
		{{"a": "b:c"}, {"a:b": "c"}},
		{{"@context": []any{"x", "y"}}, {"@context": []any{"x\x01y"}}},
		{{"@context": []any{"xy"}}, {"@context": "xy"}},
	}
	for _, p := range pairs {
		k1, ok1 := optionsKey(p[0])
		k2, ok2 := optionsKey(p[1])
		if ok1 && ok2 && k1 == k2 {
			t.Errorf("%v and %v share the key %q", p[0], p[1], k1)
		}
	}
}
