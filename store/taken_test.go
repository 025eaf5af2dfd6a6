package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// TestTakenEntriesLearned: a process knows the status entries it took
// itself; one another process took meanwhile is refused by the database
// (ErrStatusEntryTaken, sign again), after which the process reads the
// list again and knows every entry the other took.
func TestTakenEntriesLearned(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cairn.db")
	a, b := openSQLitePath(t, path), openSQLitePath(t, path)
	org, ach := setup(t, a, "taken")
	store.SetStatusListSize(a, 64)
	store.SetStatusListSize(b, 64)
	issue := func(db *store.DB, n int) *cairn.Award {
		aw := &cairn.Award{OrgID: org.ID, AchievementID: ach.ID, AwardedDate: time.Now(), ValidFrom: time.Now(),
			Recipient: cairn.Recipient{Type: cairn.RecipientEmail, Identity: fmt.Sprintf("l%d@example.org", n)}}
		if _, err := db.CreateAward(ctx, aw, func(aw *cairn.Award) error { aw.CredentialJSON = []byte(`{}`); return nil }); err != nil {
			t.Fatal(err)
		}
		return aw
	}
	first := issue(a, 0)
	if !store.KnownTaken(a, first.StatusListID, first.StatusIndex) {
		t.Fatal("a does not know the entry it took")
	}
	var byB []*cairn.Award
	for i := 1; i <= 20; i++ {
		byB = append(byB, issue(b, i))
	}
	// a reserves an entry b took: the database refuses it.
	var collided *cairn.Award
	for i := 0; i < 200 && collided == nil; i++ {
		aw := &cairn.Award{OrgID: org.ID, AchievementID: ach.ID, AwardedDate: time.Now(), ValidFrom: time.Now(),
			Recipient: cairn.Recipient{Type: cairn.RecipientEmail, Identity: "again@example.org"}}
		if prev, err := a.ReserveAward(ctx, aw); err != nil || prev != nil {
			t.Fatal(prev, err)
		}
		aw.CredentialJSON = []byte(`{}`)
		taken := false
		for _, o := range byB {
			taken = taken || (o.StatusListID == aw.StatusListID && o.StatusIndex == aw.StatusIndex)
		}
		if !taken {
			a.ReleaseAward(aw)
			continue
		}
		r := a.InsertAwards(ctx, []*cairn.Award{aw})[0]
		if !errors.Is(r.Err, cairn.ErrStatusEntryTaken) {
			t.Fatalf("insert of an entry b took: %v, want ErrStatusEntryTaken", r.Err)
		}
		collided = aw
	}
	if collided == nil {
		t.Fatal("a never picked an entry b took in 200 reservations")
	}
	issue(a, 99) // reads the list again
	for _, o := range byB {
		if o.StatusListID == first.StatusListID && !store.KnownTaken(a, o.StatusListID, o.StatusIndex) {
			t.Errorf("after a collision, a does not know entry %d that b took", o.StatusIndex)
		}
	}
}
