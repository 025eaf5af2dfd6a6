package verify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/keys"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/proof"
	"github.com/cairn-badges/cairn/status"
)

// issuerFixture is an issuer with a did:key, able to sign credentials and
// status lists for the status tests.
type issuerFixture struct {
	t   *testing.T
	key *keys.PrivateKey
	did string
	vm  string
}

func newIssuer(t *testing.T) *issuerFixture {
	t.Helper()
	k, err := keys.Generate(keys.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	d, vm, err := did.KeyDID(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return &issuerFixture{t: t, key: k, did: d, vm: vm}
}

func (f *issuerFixture) sign(doc map[string]any) []byte {
	f.t.Helper()
	signed, err := proof.SignDI(context.Background(), doc, f.key, f.vm, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		f.t.Fatal(err)
	}
	b, _ := json.Marshal(signed)
	return b
}

// credential returns a signed badge with a status entry for purpose at
// index in the list at listURL. OB 3.0 allows one credentialStatus object.
func (f *issuerFixture) credential(listURL string, purpose status.Purpose, index int) []byte {
	f.t.Helper()
	ach := ob.NewAchievement("https://example.org/achievements/1", "Status test", "A badge with a status.", "Exist.")
	c := ob.NewOpenBadgeCredential("urn:uuid:6a3a2e37-7c4f-4c8d-9a55-0d1f2f5c0001", ob.NewProfile(f.did, "Issuer"),
		ob.NewAchievementSubject("did:example:learner", ach), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	data, _ := json.Marshal(c)
	var m map[string]any
	json.Unmarshal(data, &m)
	m["credentialStatus"] = status.NewEntry(listURL, purpose, index)
	return f.sign(m)
}

// list returns a signed status list with the given indexes set.
func (f *issuerFixture) list(url string, purpose status.Purpose, validUntil time.Time, set ...int) []byte {
	f.t.Helper()
	bits, _ := status.New(status.MinEntries)
	for _, i := range set {
		bits.Set(i, true)
	}
	doc, err := status.NewListCredential(url, f.did, purpose, bits, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), validUntil)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.sign(doc)
}

// listAs returns a clean list that names issuer as its issuer but is
// signed with f's key (SignDI refuses that, so the proof is made for f's
// own DID, then the issuer is changed: the key is then not the issuer's).
func (f *issuerFixture) listAs(issuer, url string, purpose status.Purpose) []byte {
	f.t.Helper()
	var m map[string]any
	json.Unmarshal(f.list(url, purpose, time.Time{}), &m)
	m["issuer"] = issuer
	b, _ := json.Marshal(m)
	return b
}

// listFrom returns a clean signed list valid from validFrom.
func (f *issuerFixture) listFrom(url string, purpose status.Purpose, validFrom time.Time) []byte {
	f.t.Helper()
	bits, _ := status.New(status.MinEntries)
	doc, err := status.NewListCredential(url, f.did, purpose, bits, validFrom, time.Time{})
	if err != nil {
		f.t.Fatal(err)
	}
	return f.sign(doc)
}

func TestStatusChecks(t *testing.T) {
	const rev, susp, idx = "https://issuer.example/status/rev", "https://issuer.example/status/susp", 4242
	iss := newIssuer(t)
	other := newIssuer(t)
	revCred := iss.credential(rev, status.Revocation, idx)
	suspCred := iss.credential(susp, status.Suspension, idx)
	clean := iss.list(rev, status.Revocation, time.Time{})
	unsignedList := func() []byte {
		bits, _ := status.New(status.MinEntries)
		doc, _ := status.NewListCredential(rev, iss.did, status.Revocation, bits, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{})
		b, _ := json.Marshal(doc)
		return b
	}()
	tamperedBits := func() []byte {
		// Sign a clean list, then swap in the encodedList of a revoked one.
		var a, b map[string]any
		json.Unmarshal(clean, &a)
		json.Unmarshal(iss.list(rev, status.Revocation, time.Time{}, idx), &b)
		a["credentialSubject"].(map[string]any)["encodedList"] = b["credentialSubject"].(map[string]any)["encodedList"]
		out, _ := json.Marshal(a)
		return out
	}()

	for _, tc := range []struct {
		name     string
		cred     []byte
		list     []byte
		want     Outcome
		inReason string
	}{
		{"not revoked", revCred, clean, Verified, "not revoked"},
		{"revoked", revCred, iss.list(rev, status.Revocation, time.Time{}, idx), Failed, "revoked"},
		{"not suspended", suspCred, iss.list(susp, status.Suspension, time.Time{}), Verified, "not suspended"},
		{"suspended", suspCred, iss.list(susp, status.Suspension, time.Time{}, idx), Failed, "suspended"},
		{"other index revoked", revCred, iss.list(rev, status.Revocation, time.Time{}, idx+1), Verified, "not revoked"},
		{"list unreachable", revCred, nil, Indeterminate, "could not be fetched"},
		{"list not signed", revCred, unsignedList, Failed, "not signed"},
		// Bitstring Status List §BitstringStatusListCredential: the list's
		// issuer MAY differ from the credential's; it must verify with its
		// own issuer's key, and who signed it is said.
		{"list signed by someone else", revCred, other.list(rev, status.Revocation, time.Time{}), Verified, "signed by " + other.did + ", not the credential's issuer"},
		{"list signed by someone else, revoked", revCred, other.list(rev, status.Revocation, time.Time{}, idx), Failed, "revoked"},
		{"list claiming the issuer, signed by someone else", revCred, other.listAs(iss.did, rev, status.Revocation), Failed, "the key is not the issuer's"},
		{"list bits tampered", revCred, tamperedBits, Failed, "did not verify"},
		{"list expired", revCred, iss.list(rev, status.Revocation, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)), Indeterminate, "not current"},
		{"list signed a moment ahead of this clock", revCred, iss.listFrom(rev, status.Revocation, time.Date(2026, 1, 15, 12, 0, 30, 0, time.UTC)), Verified, "not revoked"},
		{"list not valid for hours yet", revCred, iss.listFrom(rev, status.Revocation, time.Date(2026, 1, 15, 18, 0, 0, 0, time.UTC)), Indeterminate, "not valid before"},
		{"wrong purpose", revCred, iss.list(rev, status.Suspension, time.Time{}), Failed, "statusPurpose"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := memFetcher{}
			if tc.list != nil {
				docs[rev], docs[susp] = tc.list, tc.list
			}
			rep := testVerifier(docs).Verify(context.Background(), tc.cred)
			c := rep.Check(CheckStatus)
			if c == nil {
				t.Fatalf("no status check: %s", rep.Summary())
			}
			if c.Outcome != tc.want || rep.Result != tc.want {
				t.Fatalf("status %s, result %s, want %s: %s", c.Outcome, rep.Result, tc.want, rep.Summary())
			}
			if !strings.Contains(c.Reason, tc.inReason) {
				t.Fatalf("reason %q does not say %q", c.Reason, tc.inReason)
			}
		})
	}
}
