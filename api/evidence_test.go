package api_test

import (
	"testing"
)

// Evidence requirements round-trip through the achievement JSON (an item
// without an id gets one from its position), and bad items are 422s
// naming the item's field.
func TestEvidenceRequirements(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("evidence"))
	body := achievementBody(f.issuerID, "")
	body["evidenceRequirements"] = []map[string]any{
		{"id": "report", "label": "The report", "kind": "file", "required": true, "description": "A PDF of at most 10 pages."},
		{"label": "A link to the code", "kind": "url"},
	}
	type req struct {
		ID, Label, Kind, Description string
		Required                     bool
	}
	var got struct {
		ID                   string
		EvidenceRequirements []req
	}
	e.do("POST", "/api/v1/achievements", f.org.key, body).must(t, 201, &got)
	want := []req{{"report", "The report", "file", "A PDF of at most 10 pages.", true}, {"item-2", "A link to the code", "url", "", false}}
	if len(got.EvidenceRequirements) != 2 || got.EvidenceRequirements[0] != want[0] || got.EvidenceRequirements[1] != want[1] {
		t.Fatalf("evidence requirements %+v, want %+v", got.EvidenceRequirements, want)
	}
	var again struct{ EvidenceRequirements []req }
	e.do("GET", "/api/v1/achievements/"+got.ID, f.org.key, nil).must(t, 200, &again)
	if len(again.EvidenceRequirements) != 2 || again.EvidenceRequirements[1] != want[1] {
		t.Fatalf("read back %+v", again.EvidenceRequirements)
	}

	for _, tc := range []struct {
		name  string
		items []map[string]any
		field string
	}{
		{"no label", []map[string]any{{"kind": "file"}}, "evidenceRequirements[0].label"},
		{"no kind", []map[string]any{{"label": "x"}}, "evidenceRequirements[0].kind"},
		{"bad kind", []map[string]any{{"label": "x", "kind": "file"}, {"label": "y", "kind": "video"}}, "evidenceRequirements[1].kind"},
		{"bad id", []map[string]any{{"id": "a b", "label": "x", "kind": "text"}}, "evidenceRequirements[0].id"},
		{"same id", []map[string]any{{"id": "a", "label": "x", "kind": "text"}, {"id": "a", "label": "y", "kind": "text"}}, "evidenceRequirements[1].id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := achievementBody(f.issuerID, "")
			b["evidenceRequirements"] = tc.items
			if p := e.do("POST", "/api/v1/achievements", f.org.key, b).problem(t, 422); p.Field != tc.field {
				t.Fatalf("problem %+v, want field %s", p, tc.field)
			}
		})
	}
}
