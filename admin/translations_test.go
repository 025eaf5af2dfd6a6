package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn"
)

// The achievement form edits the name and description in other languages:
// rows are kept (a blank one is skipped), shown again, kept on an edit that
// leaves them as they are, and a bad language code is shown on its row.
func TestAchievementTranslationsForm(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	c := e.client(t)
	c.mustLogin(ownerEmail)
	form := func() url.Values {
		return url.Values{"issuer": {e.issuer.ID}, "name": {"Welding"}, "description": {"Welds three joints."},
			"criteria": {"Weld three joints."}, "type": {"Badge"}, "imageMode": {"none"}, "language": {"en"}, "transRows": {"3"},
			"transLang0": {"ko"}, "transName0": {"용접"}, "transDesc0": {"세 개의 이음새를 용접합니다."},
			"transLang1": {""}, "transName1": {""},
			"transLang2": {"th"}, "transName2": {"การเชื่อม"}}
	}
	res := c.postMultipart("/admin/achievements/new", form(), "", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", res.StatusCode, res.body)
	}
	loc := res.Header.Get("Location")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/admin/achievements/"), "?done=created")
	ach, err := e.db.Achievement(context.Background(), e.org.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []cairn.Translation{{InLanguage: "ko", Name: "용접", Description: "세 개의 이음새를 용접합니다."}, {InLanguage: "th", Name: "การเชื่อม"}}
	if len(ach.Translations) != 2 || ach.Translations[0] != want[0] || ach.Translations[1] != want[1] {
		t.Fatalf("translations %+v, want %+v", ach.Translations, want)
	}
	page := c.get(loc)
	if !strings.Contains(page.body, `name="transName1" value="การเชื่อม"`) || !strings.Contains(page.body, `name="transLang0" value="ko"`) {
		t.Errorf("the form does not show the translations again\n%s", page.body)
	}
	bad := form()
	bad.Set("transLang2", "Thai")
	res = c.postMultipart("/admin/achievements/new", bad, "", nil)
	if res.StatusCode != 400 || !strings.Contains(res.body, `id="transLang1" name="transLang1" value="Thai" list="languages"`) ||
		!strings.Contains(res.body, "is not a language code") ||
		!strings.Contains(res.body, `value="용접"`) {
		t.Errorf("bad language: %d\n%s", res.StatusCode, res.body)
	}
}
