package storetest

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// testRenderedPages: a page is stored per award; an older version, or the
// same version checked earlier, never replaces a newer one; the epochs
// follow status list signatures and keys.
func testRenderedPages(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tn := newTenant(t, db, "pg")
	a := createAward(t, db, newAward(tn, "ada@example.org"))

	for _, formats := range [][]string{{cairn.FormatDataIntegrity}, {cairn.FormatDataIntegrity, cairn.FormatJWT}, {cairn.FormatJWT}, {"jwt", "di"}} {
		b := newAward(tn, "head@example.org")
		b.Formats = formats
		until := time.Now().Add(time.Hour)
		b.ValidUntil = &until
		createAward(t, db, b)
		full, err := db.PublicAward(ctx, b.ID)
		must(t, "PublicAward", err)
		head, err := db.PublicAwardHead(ctx, b.ID)
		must(t, "PublicAwardHead", err)
		want := &cairn.Award{ID: full.ID, IssuerID: full.IssuerID, ValidUntil: full.ValidUntil, Formats: full.Formats,
			CredentialJSON: full.CredentialJSON, CredentialJWT: full.CredentialJWT, State: full.State, UpdatedAt: full.UpdatedAt}
		if !reflect.DeepEqual(head, want) {
			t.Errorf("PublicAwardHead = %+v, want %+v", head, want)
		}
	}
	_, err := db.PublicAwardHead(ctx, "nope")
	wantKind(t, "PublicAwardHead(missing)", err, cairn.NotFound)

	_, err = db.RenderedPage(ctx, a.ID)
	wantKind(t, "RenderedPage before any", err, cairn.NotFound)
	_, err = db.RenderedPageStamp(ctx, a.ID)
	wantKind(t, "RenderedPageStamp before any", err, cairn.NotFound)
	must(t, "PutRenderedPages of no award", db.PutRenderedPages(ctx, &cairn.RenderedPage{
		AwardID: "nope", AwardUpdatedAt: a.UpdatedAt, CredentialSHA256: make([]byte, 32), CheckedAt: time.Now(), Result: "verified", HTMLGzip: []byte("x"),
	}))
	_, err = db.RenderedPage(ctx, "nope")
	wantKind(t, "RenderedPage of no award", err, cairn.NotFound)
	wantKind(t, "PutRenderedPages empty", db.PutRenderedPages(ctx, &cairn.RenderedPage{AwardID: a.ID, Result: "verified"}), cairn.Invalid)
	must(t, "PutRenderedPages of nothing", db.PutRenderedPages(ctx))

	v1 := a.UpdatedAt
	checked := time.Now().UTC().Truncate(time.Second)
	put := func(what string, version, checkedAt time.Time, body string) {
		t.Helper()
		must(t, what, db.PutRenderedPages(ctx, &cairn.RenderedPage{
			AwardID: a.ID, AwardUpdatedAt: version, CredentialSHA256: bytes.Repeat([]byte(body[:1]), 32), CheckedAt: checkedAt, Result: "verified", HTMLGzip: []byte(body),
		}))
	}
	want := func(what string, version, checkedAt time.Time, body string) {
		t.Helper()
		p, err := db.RenderedPage(ctx, a.ID)
		must(t, what, err)
		if !p.AwardUpdatedAt.Equal(version) || !p.CheckedAt.Equal(checkedAt) || !bytes.Equal(p.HTMLGzip, []byte(body)) || !bytes.Equal(p.CredentialSHA256, bytes.Repeat([]byte(body[:1]), 32)) || p.Result != "verified" {
			t.Errorf("%s: page of %v checked %v %q, want %v %v %q", what, p.AwardUpdatedAt, p.CheckedAt, p.HTMLGzip, version, checkedAt, body)
		}
		st, err := db.RenderedPageStamp(ctx, a.ID)
		must(t, what+": stamp", err)
		p.HTMLGzip = nil
		if !reflect.DeepEqual(st, p) {
			t.Errorf("%s: stamp %+v, want %+v", what, st, p)
		}
	}
	put("first", v1, checked, "one")
	want("first", v1, checked, "one")
	put("checked again", v1, checked.Add(time.Minute), "two")
	want("checked again", v1, checked.Add(time.Minute), "two")
	put("checked earlier", v1, checked, "late")
	want("checked earlier", v1, checked.Add(time.Minute), "two")

	b, err := db.SetAwardState(ctx, tn.org.ID, a.ID, cairn.StateSuspended, "check")
	must(t, "suspend", err)
	put("new version", b.UpdatedAt, checked, "three") // checked earlier, but a newer version
	want("new version", b.UpdatedAt, checked, "three")
	put("old version", v1, checked.Add(time.Hour), "stale")
	want("old version", b.UpdatedAt, checked, "three")

	epochs, err := db.VerificationEpochs(ctx)
	must(t, "VerificationEpochs", err)
	if _, ok := epochs[tn.issuer.ID]; ok {
		t.Errorf("epoch of an issuer with no key and no signed list: %v", epochs)
	}
	k := &cairn.IssuerKey{IssuerID: tn.issuer.ID, Type: "Ed25519", Fragment: "key-1", PublicJWK: []byte(`{}`), PrivateSealed: []byte("sealed")}
	must(t, "AddIssuerKey", db.AddIssuerKey(ctx, tn.org.ID, k, false))
	epochs, err = db.VerificationEpochs(ctx)
	must(t, "VerificationEpochs", err)
	keyEpoch, ok := epochs[tn.issuer.ID]
	if !ok {
		t.Fatalf("no epoch after a key: %v", epochs)
	}
	time.Sleep(2 * time.Millisecond)
	// A list's first signature does not count; one after its bits changed does.
	must(t, "UpdateStatusListSigned", db.UpdateStatusListSigned(ctx, a.StatusListID, 1, []byte("first")))
	epochs, err = db.VerificationEpochs(ctx)
	must(t, "VerificationEpochs", err)
	if !epochs[tn.issuer.ID].Equal(keyEpoch) {
		t.Errorf("epoch %v after a list's first signature, want %v", epochs[tn.issuer.ID], keyEpoch)
	}
	must(t, "UpdateStatusListSigned", db.UpdateStatusListSigned(ctx, a.SuspensionListID, 2, []byte("signed")))
	epochs, err = db.VerificationEpochs(ctx)
	must(t, "VerificationEpochs", err)
	if !epochs[tn.issuer.ID].After(keyEpoch) {
		t.Errorf("epoch %v after signing a list, was %v", epochs[tn.issuer.ID], keyEpoch)
	}
}

// testAwardHeads: PublicAwardHead answers from a cache, and every change
// made through the DB shows on the next read (state, re-issue); another
// organization's attempt changes nothing; an award created after a miss
// is found at once.
func testAwardHeads(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tn, other := newTenant(t, db, "hd"), newTenant(t, db, "hd2")
	a := createAward(t, db, newAward(tn, "ada@example.org"))
	head := func(what string, state cairn.AwardState, updatedAt time.Time, credJSON string) {
		t.Helper()
		for range 2 { // the read that fills the cache, and one from it
			h, err := db.PublicAwardHead(ctx, a.ID)
			must(t, what, err)
			if h.State != state || !h.UpdatedAt.Equal(updatedAt) || string(h.CredentialJSON) != credJSON {
				t.Fatalf("%s: head %s %v %s, want %s %v %s", what, h.State, h.UpdatedAt, h.CredentialJSON, state, updatedAt, credJSON)
			}
		}
	}
	head("new", cairn.StateActive, a.UpdatedAt, string(a.CredentialJSON))

	s, err := db.SetAwardState(ctx, tn.org.ID, a.ID, cairn.StateSuspended, "review")
	must(t, "suspend", err)
	head("suspended", cairn.StateSuspended, s.UpdatedAt, string(a.CredentialJSON))
	_, err = db.SetAwardState(ctx, other.org.ID, a.ID, cairn.StateRevoked, "hostile")
	wantKind(t, "revoke from another org", err, cairn.NotFound)
	head("after another org's attempt", cairn.StateSuspended, s.UpdatedAt, string(a.CredentialJSON))
	r, err := db.SetAwardState(ctx, tn.org.ID, a.ID, cairn.StateActive, "cleared")
	must(t, "reinstate", err)
	head("reinstated", cairn.StateActive, r.UpdatedAt, string(a.CredentialJSON))

	u, err := db.UpdateAward(ctx, tn.org.ID, a.ID, func(x *cairn.Award) error {
		x.CredentialJSON = []byte(`{"reissued":true}`)
		return nil
	})
	must(t, "UpdateAward", err)
	head("re-issued", cairn.StateActive, u.UpdatedAt, `{"reissued":true}`)
	_, err = db.UpdateAward(ctx, other.org.ID, a.ID, func(x *cairn.Award) error {
		x.CredentialJSON = []byte(`{"hostile":true}`)
		return nil
	})
	wantKind(t, "UpdateAward from another org", err, cairn.NotFound)
	head("after another org's update", cairn.StateActive, u.UpdatedAt, `{"reissued":true}`)

	v, err := db.SetAwardState(ctx, tn.org.ID, a.ID, cairn.StateRevoked, "fraud")
	must(t, "revoke", err)
	head("revoked", cairn.StateRevoked, v.UpdatedAt, `{"reissued":true}`)

	b := newAward(tn, "late@example.org")
	b.ID = "0f5c1a9e-6d1b-4f59-9a53-3f0b8c1d2e4f"
	_, err = db.PublicAwardHead(ctx, b.ID)
	wantKind(t, "PublicAwardHead before the award", err, cairn.NotFound)
	createAward(t, db, b)
	if _, err := db.PublicAwardHead(ctx, b.ID); err != nil {
		t.Errorf("PublicAwardHead of an award created after a miss: %v", err)
	}
}
