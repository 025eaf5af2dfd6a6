package issuing

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/verify"
)

type fixture struct {
	svc *Service
	db  *store.DB
	org *cairn.Organization
	is  *cairn.Issuer
	ach *cairn.Achievement
	now time.Time
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.New(keyring.GenerateMasterKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	f.svc, err = New(db, kr, Options{BaseURL: "https://badges.example.org", Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	f.org = &cairn.Organization{Slug: "uni", Name: "Example University"}
	if err := db.CreateOrganization(ctx, f.org); err != nil {
		t.Fatal(err)
	}
	f.is, err = f.svc.CreateIssuer(ctx, f.org.ID, IssuerInput{Name: "School of Computing", URL: "https://example.org/computing", Email: "badges@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	credits := 5.0
	f.ach, err = f.svc.CreateAchievement(ctx, f.org.ID, AchievementInput{
		IssuerID: f.is.ID, Name: "Data Structures", Description: "Implemented and analysed core data structures.",
		CriteriaNarrative: "Pass the final project with 70% or more.", AchievementType: "Course",
		Alignments:       []ob.Alignment{{TargetName: "Algorithms", TargetURL: "https://example.org/skills/algorithms", TargetFramework: "ESCO"}},
		CreditsAvailable: &credits, Tags: []string{"computing"}, ValidForMonths: 24,
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// verifier verifies what the service signed, answering its DID documents
// and status lists locally.
func (f *fixture) verifier() *verify.Verifier {
	v := verify.New(f.svc.Fetcher(fetch.Offline))
	v.Now = func() time.Time { return f.now }
	return v
}

func TestAwardVerifiesAndRevokes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	aw, created, err := f.svc.Award(ctx, f.org.ID, AwardInput{
		AchievementID: f.ach.ID,
		Recipient:     RecipientInput{Email: "Ada@Example.org", Name: "Ada Lovelace", ShowName: true},
		Narrative:     "Built a B-tree.",
		Formats:       []string{"jwt", "di"},
	})
	if err != nil || !created {
		t.Fatalf("Award: %v created=%v", err, created)
	}
	if aw.ValidUntil == nil || !aw.ValidUntil.Equal(f.now.AddDate(0, 24, 0)) {
		t.Errorf("validUntil %v, want validFrom + 24 months", aw.ValidUntil)
	}
	var cred map[string]any
	json.Unmarshal(aw.CredentialJSON, &cred)
	if cred["id"] != f.svc.CredentialURL(aw.ID) {
		t.Errorf("credential id %v", cred["id"])
	}
	if strings.Contains(string(aw.CredentialJSON), "Ada@Example.org") || strings.Contains(string(aw.CredentialJSON), "ada@example.org") {
		t.Error("the email address is in the credential in clear")
	}
	for name, input := range map[string][]byte{"json": aw.CredentialJSON, "jwt": []byte(aw.CredentialJWT)} {
		rep := f.verifier().Verify(ctx, input)
		if rep.Result != verify.Verified {
			t.Fatalf("%s: %s", name, rep.Summary())
		}
		if c := rep.Check(verify.CheckStatus); c == nil || c.Outcome != verify.Verified {
			t.Fatalf("%s: status check %+v", name, c)
		}
	}

	// Suspend, reinstate, revoke: the verifier sees the revocation through
	// the re-signed status list.
	if _, err := f.svc.SetState(ctx, f.org.ID, aw.ID, cairn.StateSuspended, "under review"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetState(ctx, f.org.ID, aw.ID, cairn.StateActive, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetState(ctx, f.org.ID, aw.ID, cairn.StateRevoked, "issued in error"); err != nil {
		t.Fatal(err)
	}
	rep := f.verifier().Verify(ctx, aw.CredentialJSON)
	if c := rep.Check(verify.CheckStatus); rep.Result != verify.Failed || c == nil || !strings.Contains(c.Reason, "revoked") {
		t.Fatalf("after revocation: %s", rep.Summary())
	}
	if _, err := f.svc.SetState(ctx, f.org.ID, aw.ID, cairn.StateActive, ""); cairn.KindOf(err) != cairn.Conflict {
		t.Fatalf("reinstating a revoked award: %v, want Conflict", err)
	}
	if _, err := f.svc.Reissue(ctx, f.org.ID, aw.ID); cairn.KindOf(err) != cairn.Conflict {
		t.Fatalf("re-issuing a revoked award: %v, want Conflict", err)
	}
}

func TestIdempotency(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{DID: "did:example:learner"}, IdempotencyKey: "req-1"}
	a1, created1, err := f.svc.Award(ctx, f.org.ID, in)
	if err != nil || !created1 {
		t.Fatal(err)
	}
	a2, created2, err := f.svc.Award(ctx, f.org.ID, in)
	if err != nil || created2 || a2.ID != a1.ID || string(a2.CredentialJSON) != string(a1.CredentialJSON) {
		t.Fatalf("retry: created=%v id %s vs %s err %v", created2, a2.ID, a1.ID, err)
	}
	in.Narrative = "different"
	if _, _, err := f.svc.Award(ctx, f.org.ID, in); cairn.KindOf(err) != cairn.Conflict {
		t.Fatalf("same key, other request: %v, want Conflict", err)
	}
}

func TestReissueRenewRotate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	aw, _, err := f.svc.Award(ctx, f.org.ID, AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{DID: "did:example:learner"}})
	if err != nil {
		t.Fatal(err)
	}
	first := aw.AwardedDate
	f.now = f.now.Add(48 * time.Hour)
	if err := f.svc.RotateIssuerKeys(ctx, f.org.ID, f.is.ID); err != nil {
		t.Fatal(err)
	}
	// What the old key signed still verifies after rotation.
	if rep := f.verifier().Verify(ctx, aw.CredentialJSON); rep.Result != verify.Verified {
		t.Fatalf("old signature after rotation: %s", rep.Summary())
	}
	re, err := f.svc.Reissue(ctx, f.org.ID, aw.ID)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	json.Unmarshal(re.CredentialJSON, &c)
	if c["id"] != f.svc.CredentialURL(aw.ID) || c["awardedDate"] != first.Format(time.RFC3339) || c["validFrom"] != f.now.Format(time.RFC3339) {
		t.Fatalf("re-issued: id %v awardedDate %v validFrom %v", c["id"], c["awardedDate"], c["validFrom"])
	}
	if string(re.CredentialJSON) == string(aw.CredentialJSON) {
		t.Fatal("re-issue did not re-sign")
	}
	if rep := f.verifier().Verify(ctx, re.CredentialJSON); rep.Result != verify.Verified {
		t.Fatalf("re-issued with the new key: %s", rep.Summary())
	}
	until := f.now.AddDate(1, 0, 0)
	rn, err := f.svc.Renew(ctx, f.org.ID, aw.ID, &until)
	if err != nil || rn.ValidUntil == nil || !rn.ValidUntil.Equal(until) {
		t.Fatalf("renew: %v %v", err, rn)
	}
}

func TestInvalidInput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		in    AwardInput
		field string
	}{
		{AwardInput{}, "achievementId"},
		{AwardInput{AchievementID: f.ach.ID}, "recipient"},
		{AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{Email: "not an email"}}, "recipient.email"},
		{AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{Email: "a@b.org", DID: "did:x:y"}}, "recipient"},
		{AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{DID: "x"}}, "recipient.did"},
		{AwardInput{AchievementID: "nope", Recipient: RecipientInput{DID: "did:x:y"}}, "achievementId"},
		{AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{DID: "did:x:y"}, Formats: []string{"pdf"}}, "formats"},
	} {
		_, _, err := f.svc.Award(ctx, f.org.ID, tc.in)
		if cairn.KindOf(err) != cairn.Invalid || cairn.FieldOf(err) != tc.field {
			t.Errorf("%+v: %v (field %q), want Invalid on %q", tc.in, err, cairn.FieldOf(err), tc.field)
		}
	}
	// Another organization's achievement is not found.
	other := &cairn.Organization{Slug: "other", Name: "Other"}
	f.db.CreateOrganization(ctx, other)
	if _, _, err := f.svc.Award(ctx, other.ID, AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{DID: "did:x:y"}}); cairn.FieldOf(err) != "achievementId" {
		t.Errorf("cross-org award: %v", err)
	}
}

// TestIssuerWithoutKeys: an issuer whose keys were never stored (creation
// stopped half-way) still issues: the missing key is made on demand.
func TestIssuerWithoutKeys(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bare := &cairn.Issuer{OrgID: f.org.ID, Name: "Keyless"}
	if err := f.db.CreateIssuer(ctx, bare); err != nil {
		t.Fatal(err)
	}
	ach, err := f.svc.CreateAchievement(ctx, f.org.ID, AchievementInput{IssuerID: bare.ID, Name: "N", Description: "D", CriteriaNarrative: "C"})
	if err != nil {
		t.Fatal(err)
	}
	aw, _, err := f.svc.Award(ctx, f.org.ID, AwardInput{AchievementID: ach.ID, Recipient: RecipientInput{DID: "did:example:x"}, Formats: []string{"di", "jwt"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep := f.verifier().Verify(ctx, aw.CredentialJSON); rep.Result != verify.Verified {
		t.Fatal(rep.Summary())
	}
}
