package issuing

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ob"
)

// credentialOf decodes the signed credential of an award.
func credentialOf(t *testing.T, aw *cairn.Award) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(aw.CredentialJSON, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func achievementName(t *testing.T, aw *cairn.Award) string {
	t.Helper()
	return credentialOf(t, aw)["credentialSubject"].(map[string]any)["achievement"].(map[string]any)["name"].(string)
}

func proofVM(t *testing.T, aw *cairn.Award) string {
	t.Helper()
	p := credentialOf(t, aw)["proof"]
	if l, ok := p.([]any); ok {
		p = l[0]
	}
	return p.(map[string]any)["verificationMethod"].(string)
}

// TestAwardPartsFollowChanges: the cached achievement, issuer and keys of
// awards are read again after a change, made by this service or by another
// one over the same database (another replica).
func TestAwardPartsFollowChanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other, err := New(f.db, f.svc.keyring, Options{BaseURL: "https://badges.example.org", Now: f.svc.now})
	if err != nil {
		t.Fatal(err)
	}
	award := func(n string) *cairn.Award {
		t.Helper()
		aw, _, err := f.svc.Award(ctx, f.org.ID, AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{Email: n + "@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		return aw
	}
	a1 := award("a1")
	if got := achievementName(t, award("a2")); got != f.ach.Name {
		t.Fatalf("cached: achievement %q", got)
	}
	in := AchievementInput{IssuerID: f.is.ID, Name: "Data Structures II", Description: f.ach.Description, AchievementType: "Course",
		CriteriaNarrative: f.ach.CriteriaNarrative}
	f.now = f.now.Add(1) // a different updated_at, however fast the test
	if _, err := other.UpdateAchievement(ctx, f.org.ID, f.ach.ID, in); err != nil {
		t.Fatal(err)
	}
	if got := achievementName(t, award("a3")); got != "Data Structures II" {
		t.Errorf("after another replica changed the achievement: %q", got)
	}
	f.now = f.now.Add(1)
	if _, err := other.UpdateIssuer(ctx, f.org.ID, f.is.ID, IssuerInput{Name: "Faculty of Computing", URL: "https://example.org/computing"}); err != nil {
		t.Fatal(err)
	}
	if got := credentialOf(t, award("a4"))["issuer"].(map[string]any)["name"]; got != "Faculty of Computing" {
		t.Errorf("after another replica changed the issuer: %q", got)
	}
	vm := proofVM(t, a1)
	if err := other.RotateIssuerKeys(ctx, f.org.ID, f.is.ID); err != nil {
		t.Fatal(err)
	}
	if got := proofVM(t, award("a5")); got == vm {
		t.Errorf("after another replica rotated the keys, still signed with %s", got)
	}
	// Another organization cannot reach the achievement through the cache.
	org2 := &cairn.Organization{Slug: "other", Name: "Other"}
	if err := f.db.CreateOrganization(ctx, org2); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.Award(ctx, org2.ID, AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{Email: "x@example.org"}})
	if e, ok := err.(*cairn.Error); !ok || e.Field != "achievementId" {
		t.Errorf("the achievement from another organization: %v, want an error naming achievementId", err)
	}
}

// TestSampledAwardsCheckTheirParts: with the strict schema check sampled,
// an award not sampled still gets its results and evidence checked.
func TestSampledAwardsCheckTheirParts(t *testing.T) {
	f := newFixture(t)
	f.svc.SetSchemaSample(1 << 20)
	ctx := context.Background()
	in := func(status string) AwardInput {
		return AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{Email: "ada@example.org"},
			Results: []ob.Result{{Status: status}}}
	}
	if _, _, err := f.svc.Award(ctx, f.org.ID, in("Completed")); err != nil {
		t.Fatal(err)
	}
	for range 2 { // a part that failed is checked again
		_, _, err := f.svc.Award(ctx, f.org.ID, in("Done"))
		if e, ok := err.(*cairn.Error); !ok || e.Kind != cairn.Invalid || e.Field != "results[0].status" {
			t.Errorf("a result status outside the vocabulary, not sampled: %v, want Invalid naming results[0].status", err)
		}
	}
	if _, _, err := f.svc.Award(ctx, f.org.ID, in("Completed")); err != nil {
		t.Fatal(err)
	}
}
