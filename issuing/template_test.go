package issuing

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/status"
)

// credentialWhole builds the credential the way Credential did before
// templates: the whole struct encoded and decoded. Credential must give
// the same document.
func (s *Service) credentialWhole(aw *cairn.Award, ach *cairn.Achievement, is *cairn.Issuer) (map[string]any, error) {
	subject := ob.NewAchievementSubject("", s.OBAchievement(ach, is))
	switch aw.Recipient.Type {
	case cairn.RecipientDID:
		subject.ID = aw.Recipient.Identity
	case cairn.RecipientEmail:
		io := ob.IdentityObject{Type: "IdentityObject", IdentityType: "emailAddress", IdentityHash: aw.Recipient.Identity}
		if aw.Recipient.Salt != "" {
			io = ob.NewIdentityObject("emailAddress", aw.Recipient.Identity, aw.Recipient.Salt)
		}
		subject.Identifier = ob.List[ob.IdentityObject]{io}
	}
	subject.Narrative = aw.Narrative
	subject.Result = aw.Results
	subject.CreditsEarned = aw.CreditsEarned
	if aw.ActivityStart != nil {
		subject.ActivityStartDate = ob.FormatTime(*aw.ActivityStart)
	}
	if aw.ActivityEnd != nil {
		subject.ActivityEndDate = ob.FormatTime(*aw.ActivityEnd)
	}
	c := ob.NewOpenBadgeCredential(s.CredentialURL(aw.ID), s.Profile(is), subject, aw.ValidFrom)
	c.Name = ach.Name
	c.AwardedDate = ob.FormatTime(aw.AwardedDate)
	if aw.ValidUntil != nil {
		c.ValidUntil = ob.FormatTime(*aw.ValidUntil)
	}
	c.Evidence = aw.Evidence
	if ach.ImageID != "" {
		c.Image = &ob.Image{ID: s.ImageURL(ach.ImageID), Type: "Image"}
	}
	var m map[string]any
	if err := roundTrip(c, &m); err != nil {
		return nil, err
	}
	m["credentialStatus"] = status.NewEntry(s.StatusListURL(aw.StatusListID), status.Revocation, aw.StatusIndex)
	return m, nil
}

// TestCredentialFromTemplate: the credential built from the cached issuer
// and achievement is the one built whole, for awards with and without the
// optional parts, and after the achievement changes.
func TestCredentialFromTemplate(t *testing.T) {
	f := newFixture(t)
	credits := 2.5
	start, end := f.now.AddDate(0, -2, 0), f.now.AddDate(0, -1, 0)
	until := f.now.AddDate(1, 0, 0)
	awards := map[string]*cairn.Award{
		"minimal": {ID: "a1", Recipient: cairn.Recipient{Type: cairn.RecipientDID, Identity: "did:example:learner"},
			AwardedDate: f.now, ValidFrom: f.now, StatusListID: "l1", StatusIndex: 7},
		"everything": {ID: "a2", Recipient: cairn.Recipient{Type: cairn.RecipientEmail, Identity: "ada@example.org", Salt: "pepper"},
			Narrative: "Built a compiler", CreditsEarned: &credits, ActivityStart: &start, ActivityEnd: &end,
			Evidence:    []ob.Evidence{{ID: "https://example.org/ev/1", Type: ob.List[string]{"Evidence"}, Name: "Repository"}},
			Results:     []ob.Result{{Type: ob.List[string]{"Result"}, Value: "A"}},
			AwardedDate: f.now, ValidFrom: f.now, ValidUntil: &until, StatusListID: "l2", StatusIndex: 131071},
		"unsalted email": {ID: "a3", Recipient: cairn.Recipient{Type: cairn.RecipientEmail, Identity: "bob@example.org"},
			AwardedDate: f.now, ValidFrom: f.now, StatusListID: "l1", StatusIndex: 0},
	}
	check := func(t *testing.T, ach *cairn.Achievement) {
		for name, aw := range awards {
			t.Run(name, func(t *testing.T) {
				for range 2 { // built, then from the cache
					got, err := f.svc.Credential(aw, ach, f.is)
					if err != nil {
						t.Fatal(err)
					}
					want, err := f.svc.credentialWhole(aw, ach, f.is)
					if err != nil {
						t.Fatal(err)
					}
					gb, _ := json.Marshal(got)
					wb, _ := json.Marshal(want)
					if string(gb) != string(wb) {
						t.Fatalf("from the template:\n%s\nwhole:\n%s", gb, wb)
					}
					if err := ob.ValidateIssued(got); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	}
	check(t, f.ach)
	changed := *f.ach
	changed.Name, changed.UpdatedAt = "Data Structures II", f.ach.UpdatedAt.Add(time.Second)
	check(t, &changed)
	got, err := f.svc.Credential(awards["minimal"], &changed, f.is)
	if err != nil {
		t.Fatal(err)
	}
	if name := got["credentialSubject"].(map[string]any)["achievement"].(map[string]any)["name"]; name != changed.Name {
		t.Errorf("after the achievement changed, the credential names %q", name)
	}
}

// TestSchemaSample: the first credential of each shape is checked, then
// one in every; with 1, all; shapes differ by achievement version and
// optional parts.
func TestSchemaSample(t *testing.T) {
	now := time.Now()
	ach := &cairn.Achievement{ID: "ach", UpdatedAt: now}
	is := &cairn.Issuer{ID: "is", UpdatedAt: now}
	plain := &cairn.Award{Recipient: cairn.Recipient{Type: cairn.RecipientEmail}}
	withEvidence := &cairn.Award{Recipient: cairn.Recipient{Type: cairn.RecipientEmail}, Evidence: []ob.Evidence{{Name: "x"}}}

	c := newSchemaSampler(4)
	if !c.check(shape(plain, ach, is)) {
		t.Error("the first credential of a shape was not checked")
	}
	if !c.check(shape(withEvidence, ach, is)) {
		t.Error("the first credential of another shape was not checked")
	}
	newer := *ach
	newer.UpdatedAt = now.Add(time.Microsecond)
	if !c.check(shape(plain, &newer, is)) {
		t.Error("the first credential of a new achievement version was not checked")
	}
	checked := 0
	for range 40 {
		if c.check(shape(plain, ach, is)) {
			checked++
		}
	}
	if checked != 10 {
		t.Errorf("%d of 40 credentials of a seen shape checked, want 10 (one in 4)", checked)
	}
	if !c.check(shape(plain, &cairn.Achievement{ID: "preview"}, is)) {
		t.Error("a credential of an achievement without a version was not checked")
	}
	all := newSchemaSampler(1)
	for i := range 5 {
		if !all.check(shape(plain, ach, is)) {
			t.Fatalf("SchemaSample 1: credential %d not checked", i)
		}
	}
	if newSchemaSampler(0).every != 1 {
		t.Error("in a test binary the default is to check every credential")
	}
}
