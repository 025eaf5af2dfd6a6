package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// testLearnerProfiles: portfolio settings (one per learner, handles
// unique), per-credential choices, the learner's key (made once; a second
// one loses to the first), master key rotation seeing that key, and the
// learner's deletion removing all of it.
func testLearnerProfiles(t *testing.T, db *store.DB) {
	ctx := context.Background()
	future := time.Now().Add(time.Hour)
	stale := time.Now().Add(-7 * 24 * time.Hour)
	ada := &store.Learner{Email: "ada.p@example.org", Name: "Ada", PasswordHash: "h"}
	must(t, "CreateLearner", db.CreateLearner(ctx, ada, "tok-ada-p", future, stale))
	bob := &store.Learner{Email: "bob.p@example.org", Name: "Bob", PasswordHash: "h"}
	must(t, "CreateLearner", db.CreateLearner(ctx, bob, "tok-bob-p", future, stale))

	wantKind(t, "LearnerProfile before any", func() error { _, err := db.LearnerProfile(ctx, ada.ID); return err }(), cairn.NotFound)
	p := &store.LearnerProfile{LearnerID: ada.ID, Handle: "ada", Public: true, Headline: "Teacher", Bio: "Hello"}
	must(t, "PutLearnerProfile", db.PutLearnerProfile(ctx, p))
	p.ShareAll, p.Handle = true, "ada-l"
	must(t, "PutLearnerProfile again", db.PutLearnerProfile(ctx, p))
	got, err := db.LearnerProfileByHandle(ctx, "ada-l")
	must(t, "LearnerProfileByHandle", err)
	if got.LearnerID != ada.ID || !got.Public || !got.ShareAll || got.Headline != "Teacher" || got.Bio != "Hello" || got.UpdatedAt.IsZero() {
		t.Errorf("LearnerProfileByHandle = %+v", got)
	}
	wantKind(t, "old handle", func() error { _, err := db.LearnerProfileByHandle(ctx, "ada"); return err }(), cairn.NotFound)
	wantKind(t, "handle taken", db.PutLearnerProfile(ctx, &store.LearnerProfile{LearnerID: bob.ID, Handle: "ada-l"}), cairn.Conflict)
	wantKind(t, "no such learner", db.PutLearnerProfile(ctx, &store.LearnerProfile{LearnerID: "nobody", Handle: "zed"}), cairn.NotFound)

	must(t, "SetCredentialVisibility", db.SetCredentialVisibility(ctx, ada.ID, "c1", true))
	must(t, "SetCredentialVisibility", db.SetCredentialVisibility(ctx, ada.ID, "c2", true))
	must(t, "SetCredentialVisibility again", db.SetCredentialVisibility(ctx, ada.ID, "c2", false))
	vis, err := db.CredentialVisibility(ctx, ada.ID)
	must(t, "CredentialVisibility", err)
	if len(vis) != 2 || !vis["c1"] || vis["c2"] {
		t.Errorf("CredentialVisibility = %v", vis)
	}
	if vis, _ := db.CredentialVisibility(ctx, bob.ID); len(vis) != 0 {
		t.Errorf("Bob sees Ada's choices: %v", vis)
	}

	wantKind(t, "LearnerKey before any", func() error { _, err := db.LearnerKey(ctx, ada.ID); return err }(), cairn.NotFound)
	k, err := db.CreateLearnerKey(ctx, &store.LearnerKey{LearnerID: ada.ID, DID: "did:key:z1", PublicJWK: []byte(`{}`), PrivateSealed: []byte{1}})
	must(t, "CreateLearnerKey", err)
	k2, err := db.CreateLearnerKey(ctx, &store.LearnerKey{LearnerID: ada.ID, DID: "did:key:z2", PublicJWK: []byte(`{}`), PrivateSealed: []byte{2}})
	must(t, "CreateLearnerKey second", err)
	if k.DID != "did:key:z1" || k2.DID != "did:key:z1" || string(k2.PrivateSealed) != "\x01" {
		t.Errorf("CreateLearnerKey = %+v then %+v, want the first kept", k, k2)
	}
	n, err := db.RewriteSealedKeys(ctx, func(sk *store.SealedKey) ([]byte, error) {
		if sk.LearnerID == ada.ID {
			return []byte{7}, nil
		}
		return nil, nil
	})
	must(t, "RewriteSealedKeys", err)
	if k, err := db.LearnerKey(ctx, ada.ID); err != nil || n != 1 || string(k.PrivateSealed) != "\x07" {
		t.Errorf("after RewriteSealedKeys (%d): %+v, %v", n, k, err)
	}

	must(t, "DeleteLearner", db.DeleteLearner(ctx, ada.ID))
	wantKind(t, "profile after delete", func() error { _, err := db.LearnerProfileByHandle(ctx, "ada-l"); return err }(), cairn.NotFound)
	wantKind(t, "key after delete", func() error { _, err := db.LearnerKey(ctx, ada.ID); return err }(), cairn.NotFound)
	if vis, _ := db.CredentialVisibility(ctx, ada.ID); len(vis) != 0 {
		t.Errorf("choices after delete: %v", vis)
	}
	// The handle is free again.
	must(t, "PutLearnerProfile freed handle", db.PutLearnerProfile(ctx, &store.LearnerProfile{LearnerID: bob.ID, Handle: "ada-l"}))
}
