package verify

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestKeyForms: the key forms 1EdTech's validator accepts are accepted
// only where no document could bind a key to the issuer, with a warning;
// an issuer that is a URL or a DID still needs its own key; a key named
// in the method id of an unreachable https controller checks the
// signature but leaves the issuer key indeterminate.
func TestKeyForms(t *testing.T) {
	ctx := context.Background()
	load := func(path string) map[string]any {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(data, &m)
		return m
	}
	verifyDoc := func(m map[string]any, docs memFetcher) *Report {
		data, _ := json.Marshal(m)
		return testVerifier(docs).Verify(ctx, data)
	}
	hasWarning := func(rep *Report, s string) bool {
		for _, w := range rep.Warnings {
			if strings.Contains(w, s) {
				return true
			}
		}
		return false
	}

	didKey := load("testdata/1edtech/ob30/simple-did-key-method.json")
	rep := verifyDoc(didKey, memFetcher{})
	checkReport(t, rep, fixtureWant{Verified, ""})
	if !hasWarning(rep, "not resolvable") {
		t.Errorf("a did:key for a urn:uuid issuer verified without a warning: %v", rep.Warnings)
	}
	for _, issuer := range []string{"https://example.edu/issuers/1", "did:example:123"} {
		m := load("testdata/1edtech/ob30/simple-did-key-method.json")
		m["issuer"].(map[string]any)["id"] = issuer
		checkReport(t, verifyDoc(m, memFetcher{}), fixtureWant{Failed, CheckIssuerKey})
	}

	// urn:uuid:X#z6Mk… signing for another urn:uuid issuer.
	v1 := load("testdata/1edtech/clr20/simple_v1.json")
	rep = verifyDoc(v1, memFetcher{})
	checkReport(t, rep, fixtureWant{Verified, ""})
	v1["issuer"].(map[string]any)["id"] = "urn:uuid:00000000-0000-0000-0000-000000000000"
	checkReport(t, verifyDoc(v1, memFetcher{}), fixtureWant{Failed, CheckIssuerKey})

	// https://example.edu/issuers/565049#z6Mk… with no document served:
	// the signature is checked, the key is not confirmed.
	simple := load("testdata/1edtech/clr20/simple.json")
	rep = verifyDoc(simple, memFetcher{})
	checkReport(t, rep, fixtureWant{Indeterminate, CheckIssuerKey})
	if c := rep.Check(CheckProof); c == nil || c.Outcome != Verified {
		t.Errorf("proof check %+v, want verified with the key the method id names", c)
	}
	// A controller document that is served and does not list the key
	// disowns it.
	other, _ := json.Marshal(map[string]any{
		"@context": []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"},
		"id":       "https://example.edu/issuers/565049",
		"verificationMethod": []any{map[string]any{"id": "https://example.edu/issuers/565049#other", "type": "Multikey",
			"controller": "https://example.edu/issuers/565049", "publicKeyMultibase": "z6MkvREVgsHx7Ppae68vCoByy73ZD4aMSJiPML2cryVL8JAx"}},
		"assertionMethod": []any{"https://example.edu/issuers/565049#other"},
	})
	checkReport(t, verifyDoc(simple, memFetcher{"https://example.edu/issuers/565049": other}), fixtureWant{Failed, CheckIssuerKey})
	// The same signature with a tampered name fails, document or not.
	simple["name"] = "Forged Transcript"
	checkReport(t, verifyDoc(simple, memFetcher{}), fixtureWant{Failed, CheckProof})
}
