package web

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/store"
)

// TestPathwayPage: the map names the badges and the goal, the
// achievement's page links the pathway, and unknown or malformed ids are
// 404 pages.
func TestPathwayPage(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	ctx := context.Background()
	goal := e.achievement(t, "")
	pws := issuing.NewPathways(e.svc, e.store.(*store.DB))
	rule, _ := json.Marshal(map[string]any{"any": []any{
		map[string]any{"achievement": e.ach.ID, "within": "P1Y6M"},
		map[string]any{"recognition": mustRecognition(t, pws, e.org.ID)},
	}})
	pw, err := pws.Create(ctx, e.org.ID, issuing.PathwayInput{Name: "Data <Pathway>", AchievementID: goal.ID, Rule: rule})
	if err != nil {
		t.Fatal(err)
	}
	w := get(t, e.mux, "/pathways/"+pw.ID)
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "Data &lt;Pathway&gt;") || !strings.Contains(body, "Any one of these 2") ||
		!strings.Contains(body, "earned within 1 year, 6 months") || !strings.Contains(body, "Recognition of prior learning") ||
		!strings.Contains(body, `id="goal"`) {
		t.Fatalf("pathway page %d:\n%s", w.Code, body)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	w = get(t, e.mux, "/achievements/"+e.ach.ID)
	if !strings.Contains(w.Body.String(), `href="/pathways/`+pw.ID+`"`) || !strings.Contains(w.Body.String(), "Counts toward") {
		t.Errorf("the achievement page does not link its pathway:\n%s", w.Body)
	}
	for _, path := range []string{"/pathways/nope", "/pathways/a%20b", "/pathways/"} {
		if w := get(t, e.mux, path); w.Code != 404 {
			t.Errorf("GET %s: %d", path, w.Code)
		}
	}
	if err := pws.Delete(ctx, e.org.ID, pw.ID); err != nil {
		t.Fatal(err)
	}
	if w := get(t, e.mux, "/pathways/"+pw.ID); w.Code != 404 {
		t.Errorf("a deleted pathway's page: %d", w.Code)
	}
}

func mustRecognition(t *testing.T, pws *issuing.Pathways, orgID string) string {
	t.Helper()
	r, err := pws.CreateRecognition(context.Background(), orgID, issuing.RecognitionInput{Name: "Work experience"})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}
