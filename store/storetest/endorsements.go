package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// testEndorsements: an endorsement given by A about B's achievement (and
// one about B's issuer) is read by both, listed given by A and received by
// B, hidden from C; EndorsementsOf lists those in force; only A revokes,
// once.
func testEndorsements(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b, c := newTenant(t, db, "end-a"), newTenant(t, db, "end-b"), newTenant(t, db, "end-c")
	mk := func(id string, typ cairn.EndorsementSubjectType) *cairn.Endorsement {
		e := &cairn.Endorsement{ID: id, OrgID: a.org.ID, IssuerID: a.issuer.ID, EndorserID: "did:web:x:issuers:" + a.issuer.ID,
			EndorserName: a.issuer.Name, SubjectType: typ, SubjectOrgID: b.org.ID, SubjectIssuerID: b.issuer.ID,
			Comment: "Good.", CredentialJSON: []byte(`{"id":"` + id + `"}`), ValidFrom: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
		if typ == cairn.EndorseAchievement {
			e.AchievementID, e.SubjectID = b.achievement.ID, "https://x/achievements/"+b.achievement.ID
		} else {
			e.SubjectID = "did:web:x:issuers:" + b.issuer.ID
		}
		must(t, "CreateEndorsement", db.CreateEndorsement(ctx, e))
		return e
	}
	ea := mk("11111111-0000-4000-8000-000000000001", cairn.EndorseAchievement)
	ep := mk("11111111-0000-4000-8000-000000000002", cairn.EndorseProfile)
	wantKind(t, "CreateEndorsement with a taken id", db.CreateEndorsement(ctx, &cairn.Endorsement{ID: ea.ID, OrgID: a.org.ID,
		IssuerID: a.issuer.ID, SubjectID: "x", SubjectType: cairn.EndorseProfile, CredentialJSON: []byte("{}")}), cairn.Conflict)

	for _, org := range []string{a.org.ID, b.org.ID} {
		got, err := db.Endorsement(ctx, org, ea.ID)
		must(t, "Endorsement", err)
		if got.State != cairn.EndorsementActive || string(got.CredentialJSON) != string(ea.CredentialJSON) || !got.ValidFrom.Equal(ea.ValidFrom) ||
			got.AchievementID != b.achievement.ID || got.SubjectType != cairn.EndorseAchievement || got.Comment != "Good." {
			t.Fatalf("Endorsement as %s: %+v", org, got)
		}
	}
	_, err := db.Endorsement(ctx, c.org.ID, ea.ID)
	wantKind(t, "Endorsement of another organization", err, cairn.NotFound)
	given, received, err := db.Endorsements(ctx, a.org.ID)
	must(t, "Endorsements", err)
	if len(given) != 2 || len(received) != 0 {
		t.Fatalf("A: given %d, received %d", len(given), len(received))
	}
	given, received, err = db.Endorsements(ctx, b.org.ID)
	must(t, "Endorsements", err)
	if len(given) != 0 || len(received) != 2 {
		t.Fatalf("B: given %d, received %d", len(given), len(received))
	}
	of, err := db.EndorsementsOf(ctx, cairn.EndorseAchievement, b.achievement.ID)
	must(t, "EndorsementsOf", err)
	if len(of) != 1 || of[0].ID != ea.ID {
		t.Fatalf("EndorsementsOf the achievement: %+v", of)
	}
	of, err = db.EndorsementsOf(ctx, cairn.EndorseProfile, b.issuer.ID)
	must(t, "EndorsementsOf", err)
	if len(of) != 1 || of[0].ID != ep.ID {
		t.Fatalf("EndorsementsOf the issuer: %+v", of)
	}

	_, err = db.RevokeEndorsement(ctx, b.org.ID, ea.ID, "not yours")
	wantKind(t, "RevokeEndorsement by the endorsed", err, cairn.NotFound)
	rev, err := db.RevokeEndorsement(ctx, a.org.ID, ea.ID, "withdrawn")
	must(t, "RevokeEndorsement", err)
	if rev.State != cairn.EndorsementRevoked || rev.StateReason != "withdrawn" {
		t.Fatalf("revoked: %+v", rev)
	}
	_, err = db.RevokeEndorsement(ctx, a.org.ID, ea.ID, "again")
	wantKind(t, "RevokeEndorsement twice", err, cairn.Conflict)
	if of, err := db.EndorsementsOf(ctx, cairn.EndorseAchievement, b.achievement.ID); err != nil || len(of) != 0 {
		t.Fatalf("EndorsementsOf after revoking: %v %+v", err, of)
	}
	if got, err := db.PublicEndorsement(ctx, ea.ID); err != nil || got.State != cairn.EndorsementRevoked {
		t.Fatalf("PublicEndorsement: %v %+v", err, got)
	}
}
