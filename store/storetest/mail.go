package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// testMail: mail templates per organization (replaced, removed, isolated),
// claim tokens (the first one kept), and the awards whose expiry
// reminders may be due.
func testMail(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b := newTenant(t, db, "a"), newTenant(t, db, "b")
	wantKind(t, "MailTemplate before any", func() error { _, err := db.MailTemplate(ctx, a.org.ID, "award"); return err }(), cairn.NotFound)
	must(t, "PutMailTemplate", db.PutMailTemplate(ctx, &store.MailTemplate{OrgID: a.org.ID, Kind: "award", Subject: "S1", Body: "B1"}))
	must(t, "PutMailTemplate again", db.PutMailTemplate(ctx, &store.MailTemplate{OrgID: a.org.ID, Kind: "award", Subject: "S2", Body: "B2"}))
	got, err := db.MailTemplate(ctx, a.org.ID, "award")
	must(t, "MailTemplate", err)
	if got.Subject != "S2" || got.Body != "B2" || got.UpdatedAt.IsZero() {
		t.Errorf("MailTemplate = %+v", got)
	}
	wantKind(t, "MailTemplate of another organization", func() error { _, err := db.MailTemplate(ctx, b.org.ID, "award"); return err }(), cairn.NotFound)
	wantKind(t, "PutMailTemplate without a body", db.PutMailTemplate(ctx, &store.MailTemplate{OrgID: a.org.ID, Kind: "award", Subject: "S"}), cairn.Invalid)
	wantKind(t, "PutMailTemplate of no organization", db.PutMailTemplate(ctx, &store.MailTemplate{OrgID: "nope", Kind: "award", Subject: "S", Body: "B"}), cairn.NotFound)
	must(t, "DeleteMailTemplate", db.DeleteMailTemplate(ctx, a.org.ID, "award"))
	wantKind(t, "MailTemplate after delete", func() error { _, err := db.MailTemplate(ctx, a.org.ID, "award"); return err }(), cairn.NotFound)

	aw := createAward(t, db, newAward(a, "ada@example.org"))
	h, err := db.RecordClaimToken(ctx, aw.ID, "hash-1")
	must(t, "RecordClaimToken", err)
	h2, err := db.RecordClaimToken(ctx, aw.ID, "hash-2")
	must(t, "RecordClaimToken again", err)
	if h != "hash-1" || h2 != "hash-1" {
		t.Errorf("RecordClaimToken = %q, then %q; want the first kept", h, h2)
	}
	if id, err := db.ClaimTokenAward(ctx, "hash-1"); err != nil || id != aw.ID {
		t.Errorf("ClaimTokenAward = %q, %v", id, err)
	}
	wantKind(t, "ClaimTokenAward unknown", func() error { _, err := db.ClaimTokenAward(ctx, "hash-2"); return err }(), cairn.NotFound)
	wantKind(t, "RecordClaimToken of no award", func() error { _, err := db.RecordClaimToken(ctx, "nope", "h"); return err }(), cairn.NotFound)

	// Reminders: only active awards to email recipients of achievements
	// with reminder days, expiring in the window.
	now := time.Now()
	withDays := &cairn.Achievement{OrgID: b.org.ID, IssuerID: b.issuer.ID, Name: "Expiring", Description: "x",
		CriteriaNarrative: "x", ReminderDays: []int{30, 7}}
	must(t, "CreateAchievement", db.CreateAchievement(ctx, withDays))
	soon, later := now.Add(10*24*time.Hour), now.Add(400*24*time.Hour)
	mk := func(until time.Time, ach *cairn.Achievement, typ cairn.RecipientType) *cairn.Award {
		x := newAward(b, "learner@example.org")
		x.AchievementID, x.ValidUntil, x.Recipient.Type = ach.ID, &until, typ
		if typ == cairn.RecipientDID {
			x.Recipient.Identity = "did:example:1"
		}
		return createAward(t, db, x)
	}
	due := mk(soon, withDays, cairn.RecipientEmail)
	mk(later, withDays, cairn.RecipientEmail)     // outside the window
	mk(soon, withDays, cairn.RecipientDID)        // not mailed
	mk(soon, b.achievement, cairn.RecipientEmail) // no reminder days
	revoked := mk(soon, withDays, cairn.RecipientEmail)
	if _, err := db.SetAwardState(ctx, b.org.ID, revoked.ID, cairn.StateRevoked, "x"); err != nil {
		t.Fatal(err)
	}
	list, err := db.ExpiringAwards(ctx, now, now.Add(366*24*time.Hour), "", 10)
	must(t, "ExpiringAwards", err)
	if len(list) != 1 || list[0].AwardID != due.ID || list[0].OrgID != b.org.ID || !list[0].ValidUntil.Equal(*due.ValidUntil) ||
		len(list[0].ReminderDays) != 2 || list[0].ReminderDays[0] != 30 {
		t.Errorf("ExpiringAwards = %+v", list)
	}
	if list, _ := db.ExpiringAwards(ctx, now, now.Add(366*24*time.Hour), due.ID, 10); len(list) != 0 {
		t.Errorf("ExpiringAwards after the last = %+v", list)
	}
}
