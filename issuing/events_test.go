package issuing

import (
	"context"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
)

// TestEventResume: an event whose awards were cut short (pending) or
// failed (error) is completed when it is sent again, with the awards the
// first attempt made and no second copy; an answered one is not touched,
// even when the rules changed since.
func TestEventResume(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	second, err := f.svc.CreateAchievement(ctx, f.org.ID, AchievementInput{IssuerID: f.is.ID, Name: "Second",
		Description: "Another.", CriteriaNarrative: "Do it."})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{f.ach.ID, second.ID} {
		if _, err := f.svc.CreateRule(ctx, f.org.ID, RuleInput{Name: "r-" + a, EventType: "course.completed", AchievementID: a,
			Narrative: "Done on {date}."}); err != nil {
			t.Fatal(err)
		}
	}
	at := f.now.Add(-time.Hour)
	in := EventInput{Type: "course.completed", Recipient: RecipientInput{Email: "Ada@Example.org"}, OccurredAt: &at, ExternalID: "x-1"}
	ev, created, err := f.svc.HandleEvent(ctx, f.org.ID, in)
	if err != nil || !created || ev.Outcome != cairn.EventAwarded || len(ev.Matches) != 2 || ev.Matches[1].AwardID == "" {
		t.Fatalf("first: %v %v %+v", err, created, ev)
	}
	if ev.Matches[0].Narrative != "Done on 2026-03-01." || ev.Recipient != "ada@example.org" {
		t.Errorf("matches %+v, recipient %q", ev.Matches, ev.Recipient)
	}
	count := func() int {
		n, err := f.db.CountAwards(ctx, cairn.AwardFilter{OrgID: f.org.ID})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	n := count()

	for _, outcome := range []cairn.EventOutcome{cairn.EventPending, cairn.EventFailed} {
		// As if the server had stopped after the first award.
		cut := []cairn.EventMatch{ev.Matches[0], ev.Matches[1]}
		cut[1].AwardID = ""
		if _, err := f.db.SetEventOutcome(ctx, f.org.ID, ev.ID, outcome, cut, "interrupted"); err != nil {
			t.Fatal(err)
		}
		again, created, err := f.svc.HandleEvent(ctx, f.org.ID, in)
		if err != nil || created || again.Outcome != cairn.EventAwarded || again.Error != "" ||
			again.Matches[0].AwardID != ev.Matches[0].AwardID || again.Matches[1].AwardID != ev.Matches[1].AwardID {
			t.Fatalf("resumed from %s: %v %v %+v", outcome, err, created, again)
		}
		if count() != n {
			t.Fatalf("resuming from %s made new awards", outcome)
		}
	}

	// Rules changed since: the answered event keeps what it had.
	rs, _ := f.db.Rules(ctx, f.org.ID)
	for _, r := range rs {
		if err := f.svc.DeleteRule(ctx, f.org.ID, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	again, _, err := f.svc.HandleEvent(ctx, f.org.ID, in)
	if err != nil || again.Outcome != cairn.EventAwarded || len(again.Matches) != 2 {
		t.Fatalf("after deleting the rules: %v %+v", err, again)
	}
	// A new event now matches nothing.
	in.ExternalID = "x-2"
	ev2, _, err := f.svc.HandleEvent(ctx, f.org.ID, in)
	if err != nil || ev2.Outcome != cairn.EventNoMatch || len(ev2.Matches) != 0 {
		t.Fatalf("no rules: %v %+v", err, ev2)
	}
	if count() != n {
		t.Error("awards after no-match")
	}
	// Another organization's rules do not apply.
	other := &cairn.Organization{Slug: "other", Name: "Other"}
	if err := f.db.CreateOrganization(ctx, other); err != nil {
		t.Fatal(err)
	}
	in.ExternalID = "x-1"
	ev3, created, err := f.svc.HandleEvent(ctx, other.ID, in)
	if err != nil || !created || ev3.Outcome != cairn.EventNoMatch {
		t.Fatalf("x-1 in another organization: %v %v %+v", err, created, ev3)
	}
}
