package store_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
)

// TestHeadCarriesPage: the head read brings the award's stored page with
// it, RenderedPage answers with that page, and a page stored afterwards
// (a new check) is what RenderedPage answers next, not the one the head
// brought.
func TestHeadCarriesPage(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	org, ach := setup(t, db, "heads")
	now := time.Now()
	aw := &cairn.Award{OrgID: org.ID, AchievementID: ach.ID, AwardedDate: now, ValidFrom: now,
		Recipient: cairn.Recipient{Type: cairn.RecipientEmail, Identity: "l@example.org"}}
	if _, err := db.CreateAward(ctx, aw, func(aw *cairn.Award) error { aw.CredentialJSON = []byte(`{"a":1}`); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PublicAwardHead(ctx, aw.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RenderedPage(ctx, aw.ID); cairn.KindOf(err) != cairn.NotFound {
		t.Fatalf("no page stored yet: %v, want NotFound", err)
	}
	sum := sha256.Sum256(aw.CredentialJSON)
	put := func(checked time.Time, body string) {
		t.Helper()
		if err := db.PutRenderedPages(ctx, &cairn.RenderedPage{AwardID: aw.ID, AwardUpdatedAt: aw.UpdatedAt,
			CredentialSHA256: sum[:], CheckedAt: checked, Result: "valid", HTMLGzip: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	put(now, "first")
	if _, err := db.PublicAwardHead(ctx, aw.ID); err != nil {
		t.Fatal(err)
	}
	p, err := db.RenderedPage(ctx, aw.ID)
	if err != nil || string(p.HTMLGzip) != "first" || p.Result != "valid" || p.CheckedAt.Sub(now).Abs() > time.Millisecond {
		t.Fatalf("page after the head read: %+v, %v", p, err)
	}
	put(now.Add(time.Minute), "second")
	if p, err = db.RenderedPage(ctx, aw.ID); err != nil || string(p.HTMLGzip) != "second" {
		t.Fatalf("page after a new one was stored: %+v, %v; want the new one", p, err)
	}
}
