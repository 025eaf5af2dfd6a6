package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/pathway"
	"github.com/cairn-badges/cairn/store"
)

// testPathways: versions, the index of involved achievements (through
// nested pathways), deletion, tenancy, the learner's awards as the
// evaluator sees them, pathway awards with their sources, recognitions and
// external badges.
func testPathways(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tn, other := newTenant(t, db, "pw"), newTenant(t, db, "pw2")
	mk := func(name string) *cairn.Achievement {
		a := &cairn.Achievement{OrgID: tn.org.ID, IssuerID: tn.issuer.ID, Name: name, Description: "d", CriteriaNarrative: "c", AchievementType: "Badge"}
		must(t, "CreateAchievement", db.CreateAchievement(ctx, a))
		return a
	}
	b1, b2, micro, degree := tn.achievement, mk("B2"), mk("Micro"), mk("Degree")
	rule := func(s string) *pathway.Rule {
		r, err := pathway.ParseRule([]byte(s))
		must(t, "ParseRule", err)
		return r
	}
	inner := &pathway.Pathway{OrgID: tn.org.ID, Name: "Micro", AchievementID: micro.ID, AutoAward: true,
		Rule: rule(`{"all":[{"achievement":"` + b1.ID + `"}]}`)}
	must(t, "CreatePathway", db.CreatePathway(ctx, inner))
	if inner.ID == "" || inner.Version != 1 {
		t.Fatalf("CreatePathway: %+v", inner)
	}
	outer := &pathway.Pathway{OrgID: tn.org.ID, Name: "Degree", AchievementID: degree.ID, AutoAward: true,
		Rule: rule(`{"pathway":"` + inner.ID + `"}`)}
	must(t, "CreatePathway outer", db.CreatePathway(ctx, outer))
	wantKind(t, "CreatePathway with another organization's achievement",
		db.CreatePathway(ctx, &pathway.Pathway{OrgID: other.org.ID, Name: "x", AchievementID: micro.ID, Rule: inner.Rule}), cairn.NotFound)

	involving := func(ach string) []string {
		ps, err := db.PathwaysInvolving(ctx, ach)
		must(t, "PathwaysInvolving", err)
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		return ids
	}
	if got := involving(b1.ID); !slices.Equal(got, []string{inner.ID, outer.ID}) {
		t.Errorf("pathways involving b1 = %v, want inner and outer (through inner)", got)
	}
	if got := involving(micro.ID); !slices.Equal(got, []string{outer.ID}) {
		t.Errorf("pathways involving micro = %v, want outer", got)
	}

	// An edit is a new version; the old stays readable.
	inner.Name, inner.Rule = "Micro v2", rule(`{"any":[{"achievement":"`+b1.ID+`"},{"achievement":"`+b2.ID+`"}]}`)
	must(t, "UpdatePathway", db.UpdatePathway(ctx, inner))
	if inner.Version != 2 {
		t.Fatalf("version after an edit = %d", inner.Version)
	}
	got, err := db.Pathway(ctx, tn.org.ID, inner.ID)
	must(t, "Pathway", err)
	if got.Version != 2 || got.Name != "Micro v2" || got.Rule.Kind() != pathway.KindAny {
		t.Errorf("Pathway = %+v", got)
	}
	v1, err := db.PathwayVersion(ctx, tn.org.ID, inner.ID, 1)
	must(t, "PathwayVersion", err)
	if v1.Name != "Micro" || v1.Rule.Kind() != pathway.KindAll {
		t.Errorf("version 1 = %+v", v1)
	}
	if got := involving(b2.ID); !slices.Equal(got, []string{inner.ID, outer.ID}) {
		t.Errorf("pathways involving b2 after the edit = %v", got)
	}
	wantKind(t, "Pathway of another organization", second(db.Pathway(ctx, other.org.ID, inner.ID)), cairn.NotFound)
	wantKind(t, "UpdatePathway of another organization", db.UpdatePathway(ctx, &pathway.Pathway{ID: inner.ID, OrgID: other.org.ID,
		Name: "x", AchievementID: other.achievement.ID, Rule: inner.Rule}), cairn.NotFound)
	all, err := db.Pathways(ctx, tn.org.ID)
	must(t, "Pathways", err)
	if len(all) != 2 {
		t.Errorf("Pathways = %d, want 2", len(all))
	}
	ach, err := db.InvolvedAchievements(ctx)
	must(t, "InvolvedAchievements", err)
	for _, id := range []string{b1.ID, b2.ID, micro.ID} {
		if !slices.Contains(ach, id) {
			t.Errorf("InvolvedAchievements = %v, lacks %s", ach, id)
		}
	}

	// The learner's awards, as the evaluator sees them.
	credits := 4.0
	a := newAward(tn, "ada@example.org")
	a.CreditsEarned = &credits
	createAward(t, db, a)
	createAward(t, db, newAward(tn, "bob@example.org"))
	la, err := db.LearnerAwards(ctx, tn.org.ID, "ada@example.org")
	must(t, "LearnerAwards", err)
	if len(la) != 1 || la[0].ID != a.ID || la[0].AchievementID != b1.ID || la[0].State != cairn.StateActive || la[0].Credits() != 4 {
		t.Errorf("LearnerAwards = %+v", la)
	}
	if la, _ := db.LearnerAwards(ctx, other.org.ID, "ada@example.org"); len(la) != 0 {
		t.Errorf("LearnerAwards in another organization = %+v", la)
	}
	rs, err := db.PathwayRecipients(ctx, tn.org.ID, []string{b1.ID}, "", 10)
	must(t, "PathwayRecipients", err)
	if !slices.Equal(rs, []string{"ada@example.org", "bob@example.org"}) {
		t.Errorf("PathwayRecipients = %v", rs)
	}

	// Pathway awards and their sources.
	pa := createAward(t, db, &cairn.Award{OrgID: tn.org.ID, AchievementID: micro.ID, IdempotencyKey: "pathway:x",
		Recipient: a.Recipient, AwardedDate: a.AwardedDate, ValidFrom: a.ValidFrom, Formats: a.Formats})
	byKey, err := db.AwardByIdempotencyKey(ctx, tn.org.ID, "pathway:x")
	must(t, "AwardByIdempotencyKey", err)
	if byKey.ID != pa.ID {
		t.Errorf("AwardByIdempotencyKey = %s, want %s", byKey.ID, pa.ID)
	}
	e := &pathway.Earned{AwardID: pa.ID, OrgID: tn.org.ID, PathwayID: inner.ID, Version: 2, Recipient: "ada@example.org",
		Sources: []pathway.Source{{Kind: pathway.SourceAward, ID: a.ID}}}
	must(t, "RecordPathwayAward", db.RecordPathwayAward(ctx, e))
	must(t, "RecordPathwayAward again", db.RecordPathwayAward(ctx, e))
	wantKind(t, "RecordPathwayAward of a second award", db.RecordPathwayAward(ctx, &pathway.Earned{AwardID: a.ID, OrgID: tn.org.ID,
		PathwayID: inner.ID, Version: 2, Recipient: "ada@example.org"}), cairn.Conflict)
	must(t, "UpdatePathwayAward", db.UpdatePathwayAward(ctx, pa.ID, true, []pathway.Source{{Kind: pathway.SourceRecognition, ID: "r1"}}))
	ge, err := db.PathwayAward(ctx, tn.org.ID, inner.ID, "ada@example.org")
	must(t, "PathwayAward", err)
	if !ge.SuspendedByPathway || ge.Version != 2 || len(ge.Sources) != 1 || ge.Sources[0].ID != "r1" {
		t.Errorf("PathwayAward = %+v", ge)
	}
	wantKind(t, "PathwayAward of another organization", second(db.PathwayAward(ctx, other.org.ID, inner.ID, "ada@example.org")), cairn.NotFound)
	gb, err := db.PathwayAwardByID(ctx, pa.ID)
	must(t, "PathwayAwardByID", err)
	if gb.PathwayID != inner.ID || gb.Recipient != "ada@example.org" || len(gb.Sources) != 1 || gb.Sources[0].ID != "r1" {
		t.Errorf("PathwayAwardByID = %+v", gb)
	}
	wantKind(t, "PathwayAwardByID of an award no pathway gave", second(db.PathwayAwardByID(ctx, a.ID)), cairn.NotFound)
	le, err := db.LearnerPathwayAwards(ctx, tn.org.ID, "ada@example.org")
	must(t, "LearnerPathwayAwards", err)
	if len(le) != 1 || le[0].AwardID != pa.ID || len(le[0].Sources) != 1 {
		t.Errorf("LearnerPathwayAwards = %+v", le)
	}
	if le, _ := db.LearnerPathwayAwards(ctx, other.org.ID, "ada@example.org"); len(le) != 0 {
		t.Errorf("LearnerPathwayAwards of another organization = %+v", le)
	}
	counts, err := db.PathwayCompletions(ctx, tn.org.ID)
	must(t, "PathwayCompletions", err)
	if counts[inner.ID][cairn.StateActive] != 1 {
		t.Errorf("PathwayCompletions = %v", counts)
	}

	// Many learners' awards at once (a bulk job's batch): more learners
	// than one query reads, one without awards, a pathway award.
	recipients := []string{"ada@example.org", "nobody@example.org", "bob@example.org"}
	for i := range 110 {
		r := fmt.Sprintf("many%03d@example.org", i)
		createAward(t, db, newAward(tn, r))
		recipients = append(recipients, r)
	}
	many, err := db.LearnersAwards(ctx, tn.org.ID, recipients)
	must(t, "LearnersAwards", err)
	if len(many) != len(recipients)-1 || many["nobody@example.org"] != nil {
		t.Errorf("LearnersAwards: %d learners, want %d (without nobody@)", len(many), len(recipients)-1)
	}
	for _, r := range recipients {
		one, err := db.LearnerAwards(ctx, tn.org.ID, r)
		must(t, "LearnerAwards", err)
		got := many[r]
		slices.SortFunc(got, func(x, y pathway.Award) int { return strings.Compare(x.ID, y.ID) })
		slices.SortFunc(one, func(x, y pathway.Award) int { return strings.Compare(x.ID, y.ID) })
		if !reflect.DeepEqual(got, one) {
			t.Errorf("LearnersAwards[%s] = %+v, LearnerAwards = %+v", r, got, one)
		}
	}
	if ada := many["ada@example.org"]; len(ada) != 2 || !slices.ContainsFunc(ada, func(x pathway.Award) bool { return x.ID == pa.ID && x.FromPathway }) {
		t.Errorf("LearnersAwards of ada = %+v, want her badge and her pathway award", ada)
	}
	if m, err := db.LearnersAwards(ctx, other.org.ID, recipients); err != nil || len(m) != 0 {
		t.Errorf("LearnersAwards in another organization = %v, %v", m, err)
	}

	// Recognitions and external badges, each with its message.
	rd := &pathway.RecognitionDef{OrgID: tn.org.ID, Name: "Prior experience", Credits: &credits}
	must(t, "CreateRecognition", db.CreateRecognition(ctx, rd))
	msg := outbox.Message{Kind: "pathway.test", OrgID: tn.org.ID, Key: "rec-1"}
	must(t, "RecordRecognition", db.RecordRecognition(ctx, &pathway.LearnerRecognition{OrgID: tn.org.ID, RecognitionID: rd.ID,
		Recipient: "ada@example.org", Note: "ten years in the trade"}, msg))
	wantKind(t, "RecordRecognition of another organization's recognition", db.RecordRecognition(ctx, &pathway.LearnerRecognition{
		OrgID: other.org.ID, RecognitionID: rd.ID, Recipient: "ada@example.org"}), cairn.NotFound)
	lr, err := db.LearnerRecognitions(ctx, tn.org.ID, "ada@example.org")
	must(t, "LearnerRecognitions", err)
	if len(lr) != 1 || lr[0].RecognitionID != rd.ID || lr[0].Credits == nil || *lr[0].Credits != 4 {
		t.Errorf("LearnerRecognitions = %+v", lr)
	}
	ext := &pathway.ExternalRecord{OrgID: tn.org.ID, Recipient: "ada@example.org", CredentialID: "urn:uuid:1", Issuer: "did:web:x", AchievementName: "Y"}
	must(t, "AddExternalBadge", db.AddExternalBadge(ctx, ext))
	must(t, "AddExternalBadge again", db.AddExternalBadge(ctx, &pathway.ExternalRecord{OrgID: tn.org.ID, Recipient: "ada@example.org",
		CredentialID: "urn:uuid:1", Issuer: "did:web:x", AchievementName: "Y2"}))
	xb, err := db.ExternalBadges(ctx, tn.org.ID, "ada@example.org")
	must(t, "ExternalBadges", err)
	if len(xb) != 1 || xb[0].AchievementName != "Y2" {
		t.Errorf("ExternalBadges = %+v", xb)
	}
	msgs, err := db.OutboxMessages(ctx, tn.org.ID, "pathway.test", 0, 10)
	must(t, "OutboxMessages", err)
	if len(msgs) != 1 {
		t.Errorf("messages = %+v", msgs)
	}

	// Expired awards of involved achievements, paged by (validUntil, id):
	// three share one validUntil.
	until := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	var expired []string
	for i := range 3 {
		x := newAward(tn, fmt.Sprintf("exp%d@example.org", i))
		x.ValidFrom, x.ValidUntil = until.Add(-time.Hour), &until
		expired = append(expired, createAward(t, db, x).ID)
	}
	notInvolved := newAward(tn, "other@example.org")
	notInvolved.AchievementID, notInvolved.ValidUntil = degree.ID, &until
	createAward(t, db, notInvolved)
	var got2 []string
	from, after := until.Add(-time.Hour), ""
	for range 5 {
		page, err := db.ExpiredInvolvedAwards(ctx, from, after, time.Now(), 2)
		must(t, "ExpiredInvolvedAwards", err)
		for _, e := range page {
			got2 = append(got2, e.AwardID)
		}
		if len(page) < 2 {
			break
		}
		from, after = page[len(page)-1].ValidUntil, page[len(page)-1].AwardID
	}
	slices.Sort(expired)
	if !slices.Equal(got2, expired) {
		t.Errorf("ExpiredInvolvedAwards paged = %v, want %v", got2, expired)
	}

	// Deletion: gone from reads and from the index.
	must(t, "DeletePathway", db.DeletePathway(ctx, tn.org.ID, outer.ID))
	wantKind(t, "DeletePathway twice", db.DeletePathway(ctx, tn.org.ID, outer.ID), cairn.NotFound)
	wantKind(t, "Pathway deleted", second(db.Pathway(ctx, tn.org.ID, outer.ID)), cairn.NotFound)
	if got := involving(b1.ID); !slices.Equal(got, []string{inner.ID}) {
		t.Errorf("pathways involving b1 after deleting outer = %v", got)
	}
}
