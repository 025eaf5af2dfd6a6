package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// testRules: rules are kept per organization, name an achievement of it,
// and are changed and deleted only there.
func testRules(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b := newTenant(t, db, "ra"), newTenant(t, db, "rb")
	min := 80.0
	r := &cairn.Rule{OrgID: a.org.ID, Name: "CS101", EventType: "course.completed", CourseID: "CS101", MinScore: &min,
		AchievementID: a.achievement.ID, Narrative: "Completed {courseId}", Enabled: true}
	must(t, "CreateRule", db.CreateRule(ctx, r))
	if r.ID == "" || r.CreatedAt.IsZero() || !r.UpdatedAt.Equal(r.CreatedAt) {
		t.Fatalf("CreateRule did not set ID and times: %+v", r)
	}
	got, err := db.Rule(ctx, a.org.ID, r.ID)
	must(t, "Rule", err)
	if !reflect.DeepEqual(got, r) {
		t.Errorf("Rule = %+v, want %+v", got, r)
	}
	any := &cairn.Rule{OrgID: a.org.ID, Name: "Any", EventType: "course.completed", AchievementID: a.achievement.ID}
	must(t, "CreateRule without course and score", db.CreateRule(ctx, any))
	got, err = db.Rule(ctx, a.org.ID, any.ID)
	must(t, "Rule", err)
	if got.MinScore != nil || got.CourseID != "" || got.Enabled {
		t.Errorf("Rule = %+v, want no minimum, no course, disabled", got)
	}
	rs, err := db.Rules(ctx, a.org.ID)
	must(t, "Rules", err)
	if len(rs) != 2 || rs[0].ID != r.ID || rs[1].ID != any.ID {
		t.Errorf("Rules = %v, want the two, oldest first", rs)
	}

	wantKind(t, "CreateRule without name", db.CreateRule(ctx, &cairn.Rule{OrgID: a.org.ID, EventType: "x", AchievementID: a.achievement.ID}), cairn.Invalid)
	err = db.CreateRule(ctx, &cairn.Rule{OrgID: b.org.ID, Name: "steal", EventType: "x", AchievementID: a.achievement.ID})
	wantKind(t, "CreateRule with another organization's achievement", err, cairn.NotFound)
	if cairn.FieldOf(err) != "achievement_id" {
		t.Errorf("field %q, want achievement_id", cairn.FieldOf(err))
	}
	_, err = db.Rule(ctx, b.org.ID, r.ID)
	wantKind(t, "Rule of another organization", err, cairn.NotFound)
	rs, err = db.Rules(ctx, b.org.ID)
	must(t, "Rules of b", err)
	if len(rs) != 0 {
		t.Errorf("b sees %d rules", len(rs))
	}

	time.Sleep(time.Millisecond)
	r.Name, r.CourseID, r.MinScore, r.Enabled, r.Narrative = "Renamed", "", nil, false, ""
	must(t, "UpdateRule", db.UpdateRule(ctx, r))
	got, err = db.Rule(ctx, a.org.ID, r.ID)
	must(t, "Rule", err)
	if !reflect.DeepEqual(got, r) || !got.UpdatedAt.After(got.CreatedAt) {
		t.Errorf("after UpdateRule: %+v, want %+v", got, r)
	}
	steal := *r
	steal.OrgID = b.org.ID
	steal.AchievementID = b.achievement.ID
	wantKind(t, "UpdateRule of another organization", db.UpdateRule(ctx, &steal), cairn.NotFound)
	other := *r
	other.AchievementID = b.achievement.ID
	wantKind(t, "UpdateRule to another organization's achievement", db.UpdateRule(ctx, &other), cairn.NotFound)

	wantKind(t, "DeleteRule of another organization", db.DeleteRule(ctx, b.org.ID, r.ID), cairn.NotFound)
	must(t, "DeleteRule", db.DeleteRule(ctx, a.org.ID, r.ID))
	wantKind(t, "DeleteRule again", db.DeleteRule(ctx, a.org.ID, r.ID), cairn.NotFound)
	_, err = db.Rule(ctx, a.org.ID, r.ID)
	wantKind(t, "Rule after delete", err, cairn.NotFound)
}

// testEvents: an event is recorded once per external ID and organization,
// its outcome stored, and listed newest first in pages.
func testEvents(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b := newTenant(t, db, "ea"), newTenant(t, db, "eb")
	score := 91.5
	at := time.Date(2025, 6, 30, 12, 0, 0, 123456789, time.UTC)
	newEvent := func(org, ext string) *cairn.Event {
		return &cairn.Event{OrgID: org, ExternalID: ext, Type: "course.completed", CourseID: "CS101", Score: &score,
			Recipient: "ada@example.org", OccurredAt: at, Payload: []byte(`{"externalId":"` + ext + `"}`), PayloadHash: "hash-" + ext,
			Outcome: cairn.EventPending, Matches: []cairn.EventMatch{{RuleID: "r1", RuleName: "Rule", AchievementID: a.achievement.ID, Narrative: "n"}}}
	}
	e := newEvent(a.org.ID, "evt-1")
	existing, err := db.RecordEvent(ctx, e)
	must(t, "RecordEvent", err)
	if existing != nil || e.ID == "" || e.ReceivedAt.IsZero() || !e.OccurredAt.Equal(at.Truncate(time.Microsecond)) {
		t.Fatalf("RecordEvent: existing %v, event %+v", existing, e)
	}
	got, err := db.Event(ctx, a.org.ID, e.ID)
	must(t, "Event", err)
	if !reflect.DeepEqual(got, e) {
		t.Errorf("Event = %+v, want %+v", got, e)
	}

	again := newEvent(a.org.ID, "evt-1")
	again.PayloadHash = "another"
	existing, err = db.RecordEvent(ctx, again)
	must(t, "RecordEvent again", err)
	if existing == nil || existing.ID != e.ID || existing.PayloadHash != e.PayloadHash || again.ID != "" {
		t.Fatalf("RecordEvent of a known external ID: existing %+v, new %+v", existing, again)
	}
	// The same external ID in another organization is another event.
	eb := newEvent(b.org.ID, "evt-1")
	existing, err = db.RecordEvent(ctx, eb)
	must(t, "RecordEvent in b", err)
	if existing != nil || eb.ID == e.ID {
		t.Fatalf("b's event collided with a's: %v", existing)
	}
	_, err = db.Event(ctx, b.org.ID, e.ID)
	wantKind(t, "Event of another organization", err, cairn.NotFound)
	_, err = db.SetEventOutcome(ctx, b.org.ID, e.ID, cairn.EventAwarded, nil, "")
	wantKind(t, "SetEventOutcome of another organization", err, cairn.NotFound)
	_, err = db.SetEventOutcome(ctx, a.org.ID, e.ID, "done", nil, "")
	wantKind(t, "SetEventOutcome with a bad outcome", err, cairn.Invalid)
	_, err = db.RecordEvent(ctx, &cairn.Event{OrgID: a.org.ID, ExternalID: "x", Type: "t", PayloadHash: "h", Outcome: cairn.EventPending})
	wantKind(t, "RecordEvent without occurredAt", err, cairn.Invalid)

	ms := []cairn.EventMatch{{RuleID: "r1", RuleName: "Rule", AchievementID: a.achievement.ID, Narrative: "n", AwardID: "award-1"}}
	done, err := db.SetEventOutcome(ctx, a.org.ID, e.ID, cairn.EventAwarded, ms, "")
	must(t, "SetEventOutcome", err)
	if done.Outcome != cairn.EventAwarded || !reflect.DeepEqual(done.Matches, ms) || done.UpdatedAt.Before(e.UpdatedAt) {
		t.Errorf("after SetEventOutcome: %+v", done)
	}

	// Paging, newest first, and the outcome filter.
	var all []string
	for i := range 7 {
		ev := newEvent(a.org.ID, fmt.Sprintf("page-%d", i))
		if i%2 == 1 {
			ev.Outcome, ev.Matches = cairn.EventNoMatch, nil
		}
		_, err := db.RecordEvent(ctx, ev)
		must(t, "RecordEvent", err)
		all = append([]string{ev.ID}, all...)
	}
	all = append(all, e.ID)
	var seen []string
	cur := ""
	for pages := 0; ; pages++ {
		page, next, err := db.Events(ctx, cairn.EventFilter{OrgID: a.org.ID, Limit: 3, Cursor: cur})
		must(t, "Events", err)
		for _, ev := range page {
			seen = append(seen, ev.ID)
		}
		if next == "" {
			break
		}
		if pages > 5 {
			t.Fatal("Events does not end")
		}
		cur = next
	}
	if !reflect.DeepEqual(seen, all) {
		t.Errorf("Events pages = %v, want %v", seen, all)
	}
	page, _, err := db.Events(ctx, cairn.EventFilter{OrgID: a.org.ID, Outcome: cairn.EventNoMatch})
	must(t, "Events(no-match)", err)
	if len(page) != 3 {
		t.Errorf("Events(no-match) = %d events, want 3", len(page))
	}
	page, _, err = db.Events(ctx, cairn.EventFilter{OrgID: b.org.ID})
	must(t, "Events(b)", err)
	if len(page) != 1 || page[0].ID != eb.ID {
		t.Errorf("b's events = %v", page)
	}
	_, _, err = db.Events(ctx, cairn.EventFilter{OrgID: a.org.ID, Cursor: "junk!"})
	wantKind(t, "Events with a bad cursor", err, cairn.Invalid)
	_, _, err = db.Events(ctx, cairn.EventFilter{OrgID: a.org.ID, Outcome: "maybe"})
	wantKind(t, "Events with a bad outcome", err, cairn.Invalid)
}
