package web

import (
	"context"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
)

// An achievement's translations show on its page, on the issuer's page
// and on the credential page (read from the signed credential's Related
// entries) in the reader's language; in a language it has none for, its
// own name shows, marked with its language.
func TestAchievementTranslationsOnPages(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	ctx := context.Background()
	in := issuing.AchievementInput{IssuerID: e.issuer.ID, Name: "Data Visualisation Basics", Description: "Cleans, explores and visualises data.",
		CriteriaNarrative: "Complete the four projects.", AchievementType: "MicroCredential", InLanguage: "en",
		Translations: []cairn.Translation{{InLanguage: "ko", Name: "데이터 분석 기초", Description: "데이터를 정리하고 탐색하고 시각화합니다."}}}
	a, err := e.svc.CreateAchievement(ctx, e.org.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	aw := e.award(t, a, true)
	for _, path := range []string{"/credentials/" + aw.ID, "/achievements/" + a.ID, "/issuers/" + e.issuer.ID} {
		ko := get(t, e.mux, path, "Accept-Language", "ko-KR,ko;q=0.9").Body.String()
		if !strings.Contains(ko, "데이터 분석 기초") || strings.Contains(ko, ">Data Visualisation Basics<") {
			t.Errorf("%s in Korean: the Korean name is not shown", path)
		}
		th := get(t, e.mux, path, "Accept-Language", "th").Body.String()
		if !strings.Contains(th, "Data Visualisation Basics") || strings.Contains(th, "데이터 분석 기초") {
			t.Errorf("%s in Thai: not the achievement's own name", path)
		}
		if path != "/issuers/"+e.issuer.ID && !strings.Contains(th, `<h1 lang="en">`) {
			t.Errorf("%s in Thai: the English name is not marked as English", path)
		}
		if strings.Contains(ko, `<h1 lang=`) {
			t.Errorf("%s in Korean: the Korean name is marked as another language", path)
		}
	}
	if ko := get(t, e.mux, "/credentials/"+aw.ID, "Accept-Language", "ko").Body.String(); !strings.Contains(ko, "데이터를 정리하고 탐색하고 시각화합니다.") {
		t.Error("the credential page in Korean lacks the Korean description")
	}
}
