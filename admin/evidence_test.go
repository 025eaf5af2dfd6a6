package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn"
)

// The achievement form edits evidence requirements: rows are kept (a
// blank row is skipped), shown again, and a bad kind is shown next to its
// row's field with the values kept.
func TestAchievementEvidenceRequirements(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	c := e.client(t)
	c.mustLogin(ownerEmail)
	form := func() url.Values {
		return url.Values{"issuer": {e.issuer.ID}, "name": {"Field Report"}, "description": {"Writes a field report."},
			"criteria": {"Report on a site."}, "type": {"Badge"}, "imageMode": {"none"}, "evidenceRows": {"3"},
			"evidenceLabel0": {"The report"}, "evidenceKind0": {"file"}, "evidenceRequired0": {"1"}, "evidenceDescription0": {"As a PDF."},
			"evidenceLabel1": {""}, "evidenceKind1": {"file"}, "evidenceRequired1": {"1"},
			"evidenceLabel2": {"Site map"}, "evidenceKind2": {"url"}}
	}
	res := c.postMultipart("/admin/achievements/new", form(), "", nil)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", res.StatusCode, res.body)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/admin/achievements/"), "?done=created")
	ach, err := e.db.Achievement(context.Background(), e.org.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []cairn.EvidenceRequirement{{ID: "item-1", Label: "The report", Kind: "file", Required: true, Description: "As a PDF."},
		{ID: "item-2", Label: "Site map", Kind: "url"}}
	if len(ach.EvidenceRequirements) != 2 || ach.EvidenceRequirements[0] != want[0] || ach.EvidenceRequirements[1] != want[1] {
		t.Fatalf("evidence requirements %+v, want %+v", ach.EvidenceRequirements, want)
	}
	if page := c.get(loc); !strings.Contains(page.body, `name="evidenceLabel1" value="Site map"`) || !strings.Contains(page.body, `name="evidenceId0" value="item-1"`) {
		t.Errorf("the form does not show the requirements again\n%s", page.body)
	}
	bad := form()
	bad.Set("evidenceKind2", "video")
	res = c.postMultipart("/admin/achievements/new", bad, "", nil)
	if res.StatusCode != 400 || !strings.Contains(res.body, `id="evidenceKind1" name="evidenceKind1" class="invalid"`) ||
		!strings.Contains(res.body, `value="Site map"`) {
		t.Errorf("bad kind: %d\n%s", res.StatusCode, res.body)
	}
}
