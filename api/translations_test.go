package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/verify"
)

// TestAchievementTranslations: an achievement's name and description in
// other languages are kept, shown by the API, and carried by its
// credentials as OB 3.0 Related entries that Cairn's verifier and the
// independent one accept; bad translations are 422 naming the field.
func TestAchievementTranslations(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("tr"))
	body := achievementBody(f.issuerID, f.imageID)
	body["inLanguage"] = "en"
	body["translations"] = []map[string]any{
		{"inLanguage": "ko", "name": "Go 프로그래밍", "description": "Go 프로그램을 작성하고 테스트하고 배포합니다."},
		{"inLanguage": "th", "name": "การเขียนโปรแกรม Go"},
	}
	var ach struct {
		ID           string
		Translations []struct{ InLanguage, Name, Description string }
	}
	e.do("POST", "/api/v1/achievements", f.org.key, body).must(t, 201, &ach)
	if len(ach.Translations) != 2 || ach.Translations[0].Name != "Go 프로그래밍" || ach.Translations[1].InLanguage != "th" {
		t.Fatalf("translations: %+v", ach.Translations)
	}
	var aw struct {
		ID         string
		Credential json.RawMessage
	}
	e.do("POST", "/api/v1/awards", f.org.key, awardBody(ach.ID, "learner@example.com")).must(t, 201, &aw)
	var cred struct {
		CredentialSubject struct{ Achievement ob.Achievement }
	}
	if err := json.Unmarshal(aw.Credential, &cred); err != nil {
		t.Fatal(err)
	}
	a := cred.CredentialSubject.Achievement
	if a.InLanguage != "en" || len(a.Related) != 2 || a.Related[0].InLanguage != "ko" || !strings.HasSuffix(a.Related[0].ID, "?lang=ko") ||
		a.Related[0].Type[0] != "Related" {
		t.Fatalf("related: %s", aw.Credential)
	}
	for _, tc := range []struct{ lang, name, desc, in string }{
		{"ko", "Go 프로그래밍", "Go 프로그램을 작성하고 테스트하고 배포합니다.", "ko"},
		{"ko-KR", "Go 프로그래밍", "Go 프로그램을 작성하고 테스트하고 배포합니다.", "ko"},
		{"th", "การเขียนโปรแกรม Go", "Writes, tests and ships Go programs.", "th"}, // no description: the own one
		{"vi", "Go Programming", "Writes, tests and ships Go programs.", "en"},
	} {
		if n, d, in := a.Localized(tc.lang); n != tc.name || d != tc.desc || in != tc.in {
			t.Errorf("Localized(%s) = %q %q %q", tc.lang, n, d, in)
		}
	}
	var rep struct {
		Result   verify.Outcome
		Warnings []string
	}
	e.do("POST", "/api/v1/verify", "", rawBody{"application/octet-stream", aw.Credential}).must(t, 200, &rep)
	if rep.Result != verify.Verified {
		t.Fatalf("verify: %+v", rep)
	}
	vcVerify(t, e, f.issuerID, aw.Credential)

	for _, tc := range []struct {
		name  string
		edit  func(m map[string]any)
		field string
	}{
		{"no own language", func(m map[string]any) { delete(m, "inLanguage") }, "inLanguage"},
		{"bad code", func(m map[string]any) {
			m["translations"] = []map[string]any{{"inLanguage": "Korean", "name": "x"}}
		}, "translations[0].inLanguage"},
		{"twice", func(m map[string]any) {
			m["translations"] = []map[string]any{{"inLanguage": "ko", "name": "x"}, {"inLanguage": "ko", "name": "y"}}
		}, "translations[1].inLanguage"},
		{"own language", func(m map[string]any) { m["translations"] = []map[string]any{{"inLanguage": "en", "name": "x"}} }, "translations[0].inLanguage"},
		{"no name", func(m map[string]any) { m["translations"] = []map[string]any{{"inLanguage": "ko", "name": " "}} }, "translations[0].name"},
	} {
		b := achievementBody(f.issuerID, f.imageID)
		b["inLanguage"] = "en"
		b["translations"] = body["translations"]
		tc.edit(b)
		if p := e.do("POST", "/api/v1/achievements", f.org.key, b).problem(t, 422); p.Field != tc.field {
			t.Errorf("%s: problem %+v, want field %s", tc.name, p, tc.field)
		}
	}
	// An update without translations removes them.
	b := achievementBody(f.issuerID, f.imageID)
	ach.Translations = nil
	e.do("PUT", "/api/v1/achievements/"+ach.ID, f.org.key, b).must(t, 200, &ach)
	if len(ach.Translations) != 0 {
		t.Errorf("after an update without them: %+v", ach.Translations)
	}
}
