package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// testLearners: learner accounts (sign-in address unique, a stale
// unverified one given up), addresses verified once and by one learner,
// DIDs by challenge, sessions by kind, claims (one learner per award,
// seen by the award's organization only as claimed), claim links, and
// deletion removing everything of the learner.
func testLearners(t *testing.T, db *store.DB) {
	ctx := context.Background()
	now := time.Now()
	future, past := now.Add(time.Hour), now.Add(-time.Hour)
	a, b := newTenant(t, db, "a"), newTenant(t, db, "b")

	ada := &store.Learner{Email: "ada@example.org", Name: "Ada", PasswordHash: "h"}
	must(t, "CreateLearner", db.CreateLearner(ctx, ada, "tok-ada", future, now.Add(-7*24*time.Hour)))
	wantKind(t, "CreateLearner same email", db.CreateLearner(ctx, &store.Learner{Email: "ada@example.org", Name: "Eve", PasswordHash: "h"}, "tok-eve", future, now.Add(-7*24*time.Hour)), cairn.Conflict)
	// Unverified and older than staleBefore: a new sign-up replaces it.
	squat := &store.Learner{Email: "grace@example.org", Name: "Squatter", PasswordHash: "h"}
	must(t, "CreateLearner squatter", db.CreateLearner(ctx, squat, "tok-squat", future, past))
	grace := &store.Learner{Email: "grace@example.org", Name: "Grace", PasswordHash: "h"}
	must(t, "CreateLearner replacing a stale unverified one", db.CreateLearner(ctx, grace, "tok-grace", future, now.Add(time.Second)))
	wantKind(t, "Learner replaced", func() error { _, err := db.Learner(ctx, squat.ID); return err }(), cairn.NotFound)
	wantKind(t, "VerifyLearnerEmail of the replaced one", func() error { _, _, err := db.VerifyLearnerEmail(ctx, "tok-squat"); return err }(), cairn.NotFound)

	id, e, err := db.VerifyLearnerEmail(ctx, "tok-ada")
	must(t, "VerifyLearnerEmail", err)
	if id != ada.ID || e != "ada@example.org" {
		t.Errorf("VerifyLearnerEmail = %s %s", id, e)
	}
	wantKind(t, "VerifyLearnerEmail twice", func() error { _, _, err := db.VerifyLearnerEmail(ctx, "tok-ada"); return err }(), cairn.NotFound)
	// Grace adds Ada's verified address: refused; an old address of hers works.
	wantKind(t, "AddLearnerEmail verified elsewhere", db.AddLearnerEmail(ctx, grace.ID, "ada@example.org", "tok-x", future), cairn.Conflict)
	must(t, "AddLearnerEmail", db.AddLearnerEmail(ctx, grace.ID, "grace@old.example", "tok-old", past))
	wantKind(t, "AddLearnerEmail twice", db.AddLearnerEmail(ctx, grace.ID, "grace@old.example", "tok-y", future), cairn.Conflict)
	wantKind(t, "VerifyLearnerEmail expired", func() error { _, _, err := db.VerifyLearnerEmail(ctx, "tok-old"); return err }(), cairn.NotFound)
	must(t, "RenewLearnerEmailToken", db.RenewLearnerEmailToken(ctx, grace.ID, "grace@old.example", "tok-old2", future))
	_, _, err = db.VerifyLearnerEmail(ctx, "tok-old2")
	must(t, "VerifyLearnerEmail renewed", err)
	wantKind(t, "RenewLearnerEmailToken verified", db.RenewLearnerEmailToken(ctx, grace.ID, "grace@old.example", "tok-z", future), cairn.Conflict)
	if l, err := db.LearnerByEmail(ctx, "grace@old.example"); err != nil || l.ID != grace.ID {
		t.Errorf("LearnerByEmail by a verified address = %+v, %v", l, err)
	}
	es, err := db.LearnerEmails(ctx, grace.ID)
	must(t, "LearnerEmails", err)
	if len(es) != 2 || es[0].Email != "grace@example.org" || es[0].VerifiedAt != nil || es[1].VerifiedAt == nil {
		t.Errorf("LearnerEmails = %+v %+v", es[0], es[1])
	}
	wantKind(t, "RemoveLearnerEmail sign-in", db.RemoveLearnerEmail(ctx, grace.ID, "grace@example.org"), cairn.Conflict)

	// DIDs.
	must(t, "PutLearnerDIDChallenge", db.PutLearnerDIDChallenge(ctx, ada.ID, "did:key:z1", "ch1", future))
	must(t, "PutLearnerDIDChallenge again", db.PutLearnerDIDChallenge(ctx, ada.ID, "did:key:z1", "ch2", future))
	wantKind(t, "VerifyLearnerDID old challenge", db.VerifyLearnerDID(ctx, ada.ID, "did:key:z1", "ch1"), cairn.Invalid)
	must(t, "VerifyLearnerDID", db.VerifyLearnerDID(ctx, ada.ID, "did:key:z1", "ch2"))
	wantKind(t, "PutLearnerDIDChallenge verified elsewhere", db.PutLearnerDIDChallenge(ctx, grace.ID, "did:key:z1", "ch3", future), cairn.Conflict)
	if ds, err := db.VerifiedLearnerDIDs(ctx, ada.ID); err != nil || len(ds) != 1 {
		t.Errorf("VerifiedLearnerDIDs = %v, %v", ds, err)
	}

	// Sessions, by kind.
	s := &store.LearnerSession{TokenHash: "sess-1", LearnerID: ada.ID, Kind: store.LearnerWebSession, CSRFToken: "c", ExpiresAt: future}
	must(t, "CreateLearnerSession", db.CreateLearnerSession(ctx, s))
	if got, err := db.LearnerSessionByTokenHash(ctx, store.LearnerWebSession, "sess-1"); err != nil || got.LearnerID != ada.ID {
		t.Errorf("LearnerSessionByTokenHash = %+v, %v", got, err)
	}
	wantKind(t, "LearnerSessionByTokenHash other kind", func() error { _, err := db.LearnerSessionByTokenHash(ctx, store.LearnerAPIToken, "sess-1"); return err }(), cairn.NotFound)
	must(t, "CreateLearnerSession expired", db.CreateLearnerSession(ctx, &store.LearnerSession{TokenHash: "sess-2", LearnerID: ada.ID, Kind: store.LearnerAPIToken, CSRFToken: "c", ExpiresAt: past}))
	wantKind(t, "LearnerSessionByTokenHash expired", func() error { _, err := db.LearnerSessionByTokenHash(ctx, store.LearnerAPIToken, "sess-2"); return err }(), cairn.NotFound)
	if n, err := db.DeleteExpiredLearnerSessions(ctx); err != nil || n != 1 {
		t.Errorf("DeleteExpiredLearnerSessions = %d, %v", n, err)
	}

	// Claims.
	aw := createAward(t, db, newAward(a, "ada@example.org"))
	must(t, "RecordClaimToken", func() error { _, err := db.RecordClaimToken(ctx, aw.ID, "claim-1"); return err }())
	wantKind(t, "CreateClaimLink of another organization's award", db.CreateClaimLink(ctx, b.org.ID, aw.ID, "link-x"), cairn.NotFound)
	must(t, "CreateClaimLink", db.CreateClaimLink(ctx, a.org.ID, aw.ID, "link-1"))
	if id, err := db.ClaimTokenAward(ctx, "link-1"); err != nil || id != aw.ID {
		t.Errorf("ClaimTokenAward of a claim link = %q, %v", id, err)
	}
	at, created, err := db.ClaimAward(ctx, ada.ID, aw.ID)
	must(t, "ClaimAward", err)
	if !created || at.IsZero() {
		t.Errorf("ClaimAward = %v, %v", at, created)
	}
	if _, created, err := db.ClaimAward(ctx, ada.ID, aw.ID); err != nil || created {
		t.Errorf("ClaimAward again = %v, %v", created, err)
	}
	wantKind(t, "ClaimAward by another learner", func() error { _, _, err := db.ClaimAward(ctx, grace.ID, aw.ID); return err }(), cairn.Conflict)
	if m, err := db.AwardClaims(ctx, a.org.ID, []string{aw.ID}); err != nil || m[aw.ID].IsZero() {
		t.Errorf("AwardClaims = %v, %v", m, err)
	}
	if m, err := db.AwardClaims(ctx, b.org.ID, []string{aw.ID}); err != nil || len(m) != 0 {
		t.Errorf("AwardClaims of another organization = %v, %v", m, err)
	}
	if las, err := db.ClaimedAwards(ctx, ada.ID, 10); err != nil || len(las) != 1 || las[0].Award.ID != aw.ID || las[0].ClaimedAt.IsZero() {
		t.Errorf("ClaimedAwards = %+v, %v", las, err)
	}
	wantKind(t, "ClaimedAward of another learner", func() error { _, err := db.ClaimedAward(ctx, grace.ID, aw.ID); return err }(), cairn.NotFound)

	// Deleting Ada removes her data; the award stays, unclaimed.
	must(t, "DeleteLearner", db.DeleteLearner(ctx, ada.ID))
	wantKind(t, "Learner after delete", func() error { _, err := db.Learner(ctx, ada.ID); return err }(), cairn.NotFound)
	wantKind(t, "LearnerSessionByTokenHash after delete", func() error {
		_, err := db.LearnerSessionByTokenHash(ctx, store.LearnerWebSession, "sess-1")
		return err
	}(), cairn.NotFound)
	if m, _ := db.AwardClaims(ctx, a.org.ID, []string{aw.ID}); len(m) != 0 {
		t.Errorf("still claimed after the learner's deletion: %v", m)
	}
	if _, err := db.Award(ctx, a.org.ID, aw.ID); err != nil {
		t.Errorf("the award after the learner's deletion: %v", err)
	}
	// Her address and DID are free again.
	must(t, "AddLearnerEmail after delete", db.AddLearnerEmail(ctx, grace.ID, "ada@example.org", "tok-ada2", future))
	_, _, err = db.VerifyLearnerEmail(ctx, "tok-ada2")
	must(t, "VerifyLearnerEmail after delete", err)
	must(t, "PutLearnerDIDChallenge after delete", db.PutLearnerDIDChallenge(ctx, grace.ID, "did:key:z1", "ch4", future))
	wantKind(t, "DeleteLearner twice", db.DeleteLearner(ctx, ada.ID), cairn.NotFound)
}
