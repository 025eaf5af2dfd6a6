package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// testLearnerImports: imported credentials, one per learner and digest,
// at most max per learner, each learner's own; their images; checks
// recorded, due ones listed and leased once; deleting the learner removes
// them.
func testLearnerImports(t *testing.T, db *store.DB) {
	ctx := context.Background()
	now := time.Now()
	ada := &store.Learner{Email: "ada@example.org", Name: "Ada", PasswordHash: "h"}
	must(t, "CreateLearner ada", db.CreateLearner(ctx, ada, "tok-ada", now.Add(time.Hour), now.Add(-time.Hour)))
	bob := &store.Learner{Email: "bob@example.org", Name: "Bob", PasswordHash: "h"}
	must(t, "CreateLearner bob", db.CreateLearner(ctx, bob, "tok-bob", now.Add(time.Hour), now.Add(-time.Hour)))
	issued := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	mk := func(learner, digest string) *store.LearnerImport {
		return &store.LearnerImport{LearnerID: learner, Digest: digest, Format: "ob3", Credential: []byte(`{"id":"` + digest + `"}`),
			Original: []byte("\x89PNG…"), OriginalType: "image/png", Name: "Badge " + digest, IssuerID: "did:web:x.example", IssuerName: "X",
			IssuedAt: &issued, Skills: []string{"Go", "SQL"}, Image: []byte("<svg/>"), ImageType: "image/svg+xml",
			Result: "verified", Report: []byte(`{"result":"verified","checks":[]}`), CheckedAt: now, NextCheckAt: now.Add(24 * time.Hour)}
	}
	a1, created, err := db.CreateLearnerImport(ctx, mk(ada.ID, "d1"), 2)
	must(t, "CreateLearnerImport", err)
	if !created || a1.ID == "" || !a1.HasImage {
		t.Fatalf("CreateLearnerImport = %+v, %v", a1, created)
	}
	again, created, err := db.CreateLearnerImport(ctx, mk(ada.ID, "d1"), 2)
	must(t, "CreateLearnerImport again", err)
	if created || again.ID != a1.ID {
		t.Errorf("the same digest again: %s created=%v, want %s", again.ID, created, a1.ID)
	}
	noImage := mk(ada.ID, "d2")
	noImage.Image, noImage.ImageType, noImage.Original, noImage.IssuedAt = nil, "", nil, nil
	_, _, err = db.CreateLearnerImport(ctx, noImage, 2)
	must(t, "CreateLearnerImport d2", err)
	_, _, err = db.CreateLearnerImport(ctx, mk(ada.ID, "d3"), 2)
	wantKind(t, "CreateLearnerImport past the limit", err, cairn.Conflict)
	b1, _, err := db.CreateLearnerImport(ctx, mk(bob.ID, "d1"), 2) // the same credential, another wallet
	must(t, "CreateLearnerImport bob", err)
	_, _, err = db.CreateLearnerImport(ctx, mk("no-such-learner", "d9"), 2)
	wantKind(t, "CreateLearnerImport of no learner", err, cairn.NotFound)

	list, err := db.LearnerImports(ctx, ada.ID, false)
	must(t, "LearnerImports", err)
	if len(list) != 2 || list[0].Digest != "d2" || list[0].Credential != nil || list[0].HasImage || !list[1].HasImage ||
		len(list[1].Skills) != 2 || list[1].IssuedAt == nil || !list[1].IssuedAt.Equal(issued) {
		t.Errorf("LearnerImports = %+v", list)
	}
	full, err := db.LearnerImports(ctx, ada.ID, true)
	must(t, "LearnerImports with credentials", err)
	if string(full[1].Credential) != `{"id":"d1"}` {
		t.Errorf("LearnerImports with credentials: %q", full[1].Credential)
	}
	one, err := db.LearnerImport(ctx, ada.ID, a1.ID)
	must(t, "LearnerImport", err)
	if string(one.Original) != "\x89PNG…" || one.Result != "verified" {
		t.Errorf("LearnerImport = %+v", one)
	}
	_, err = db.LearnerImport(ctx, bob.ID, a1.ID)
	wantKind(t, "LearnerImport of another learner", err, cairn.NotFound)
	img, ctype, err := db.LearnerImportImage(ctx, ada.ID, a1.ID)
	must(t, "LearnerImportImage", err)
	if string(img) != "<svg/>" || ctype != "image/svg+xml" {
		t.Errorf("LearnerImportImage = %q %q", img, ctype)
	}
	_, _, err = db.LearnerImportImage(ctx, ada.ID, list[0].ID)
	wantKind(t, "LearnerImportImage without one", err, cairn.NotFound)
	_, _, err = db.LearnerImportImage(ctx, bob.ID, a1.ID)
	wantKind(t, "LearnerImportImage of another learner", err, cairn.NotFound)

	// Checks: nothing due now; a day later all three, oldest first; a
	// lease takes one once.
	due, err := db.DueLearnerImports(ctx, now, 10)
	must(t, "DueLearnerImports now", err)
	if len(due) != 0 {
		t.Errorf("due now: %d", len(due))
	}
	must(t, "UpdateLearnerImportCheck", db.UpdateLearnerImportCheck(ctx, b1.ID, "failed", []byte(`{"result":"failed"}`), now, now.Add(time.Hour)))
	wantKind(t, "UpdateLearnerImportCheck of none", db.UpdateLearnerImportCheck(ctx, "00000000-0000-0000-0000-000000000000", "failed", []byte("{}"), now, now), cairn.NotFound)
	due, err = db.DueLearnerImports(ctx, now.Add(25*time.Hour), 2)
	must(t, "DueLearnerImports", err)
	if len(due) != 2 || due[0].ID != b1.ID || due[0].Result != "failed" || len(due[0].Credential) == 0 {
		t.Fatalf("due a day later: %+v", due)
	}
	ok, err := db.LeaseLearnerImportCheck(ctx, due[0].ID, due[0].NextCheckAt, now.Add(48*time.Hour))
	must(t, "LeaseLearnerImportCheck", err)
	if !ok {
		t.Error("lease refused")
	}
	if ok, _ := db.LeaseLearnerImportCheck(ctx, due[0].ID, due[0].NextCheckAt, now.Add(48*time.Hour)); ok {
		t.Error("leased twice")
	}

	wantKind(t, "DeleteLearnerImport of another learner", db.DeleteLearnerImport(ctx, bob.ID, a1.ID), cairn.NotFound)
	must(t, "DeleteLearnerImport", db.DeleteLearnerImport(ctx, ada.ID, a1.ID))
	wantKind(t, "DeleteLearnerImport twice", db.DeleteLearnerImport(ctx, ada.ID, a1.ID), cairn.NotFound)
	must(t, "DeleteLearner", db.DeleteLearner(ctx, ada.ID))
	if list, _ := db.LearnerImports(ctx, ada.ID, false); len(list) != 0 {
		t.Errorf("imports left after the learner was deleted: %d", len(list))
	}
	if list, _ := db.LearnerImports(ctx, bob.ID, false); len(list) != 1 {
		t.Errorf("bob's imports: %d", len(list))
	}
}
