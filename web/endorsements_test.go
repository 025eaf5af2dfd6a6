package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/issuing"
)

// The endorsed achievement's and issuer's pages list the endorsements
// they received, in every language; the endorsement's URL serves the
// signed bytes until it is revoked (410). The achievement page lists the
// evidence to submit under "How to earn it".
func TestEndorsementPages(t *testing.T) {
	var missing []string
	i18n.Missing = func(l i18n.Lang, key string) { missing = append(missing, string(l)+": "+key) }
	defer func() { i18n.Missing = nil }()
	e := newEnv(t, testBase, PublicOptions{})
	ctx := context.Background()
	in := issuing.AchievementInput{IssuerID: e.issuer.ID, Name: "Field Report", Description: "Writes a field report.",
		CriteriaNarrative: "Submit a report.", EvidenceRequirements: []cairn.EvidenceRequirement{
			{ID: "report", Label: "The report", Kind: cairn.EvidenceFile, Required: true, Description: "As a PDF."},
			{Label: "Photos", Kind: cairn.EvidenceURL}}}
	ach, err := e.svc.CreateAchievement(ctx, e.org.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	other := &cairn.Organization{Slug: "guild", Name: "The Guild"}
	if err := e.store.CreateOrganization(ctx, other); err != nil {
		t.Fatal(err)
	}
	guild, err := e.svc.CreateIssuer(ctx, other.ID, issuing.IssuerInput{Name: "The Surveyors' Guild"})
	if err != nil {
		t.Fatal(err)
	}
	ea, err := e.svc.Endorse(ctx, other.ID, issuing.EndorsementInput{IssuerID: guild.ID, AchievementID: ach.ID, Comment: "Meets the guild's standard."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Endorse(ctx, other.ID, issuing.EndorsementInput{IssuerID: guild.ID, ProfileID: e.issuer.ID, Comment: "A sound issuer."}); err != nil {
		t.Fatal(err)
	}
	for _, l := range i18n.Langs {
		body := get(t, e.mux, "/achievements/"+ach.ID+"?lang="+string(l.Lang)).Body.String()
		for _, want := range []string{"The Surveyors&#39; Guild", "Meets the guild&#39;s standard.", `href="/endorsements/` + ea.ID + `"`,
			`name="credential"`, "The report", "As a PDF.", "Photos", `href="/admin/endorsements?target=` + url.QueryEscape(e.svc.AchievementURL(ach.ID)) + `"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: achievement page lacks %q", l.Lang, want)
			}
		}
		body = get(t, e.mux, "/issuers/"+e.issuer.ID+"?lang="+string(l.Lang)).Body.String()
		if !strings.Contains(body, "A sound issuer.") || strings.Contains(body, "Meets the guild") {
			t.Errorf("%s: the issuer page lists the wrong endorsements", l.Lang)
		}
	}
	if len(missing) > 0 {
		t.Errorf("messages missing from the catalog: %v", missing)
	}
	// The achievement's OB JSON carries its endorsement.
	if body := get(t, e.mux, "/achievements/"+ach.ID, "Accept", "application/ld+json").Body.String(); !strings.Contains(body, `"endorsement":[`+string(ea.CredentialJSON)+`]`) ||
		!strings.HasPrefix(body, jsonLDPrefix) {
		t.Errorf("achievement JSON: %s", body)
	}
	w := get(t, e.mux, "/endorsements/"+ea.ID, "Accept", "application/json")
	if w.Code != 200 || w.Body.String() != string(ea.CredentialJSON) || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET endorsement: %d %s %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	if _, err := e.svc.RevokeEndorsement(ctx, other.ID, ea.ID, "withdrawn"); err != nil {
		t.Fatal(err)
	}
	if w := get(t, e.mux, "/endorsements/"+ea.ID); w.Code != 410 {
		t.Fatalf("revoked endorsement: %d", w.Code)
	}
	if body := get(t, e.mux, "/achievements/"+ach.ID).Body.String(); strings.Contains(body, "Meets the guild") {
		t.Fatal("the achievement page still lists a revoked endorsement")
	}
}
