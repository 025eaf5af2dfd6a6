package api_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/review"
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

// An application for an achievement with evidence requirements must give
// the required items (field items.ID); what it gives is kept with the
// application and shown to staff.
func TestApplicationEvidenceItems(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("items"))
	body := achievementBody(f.issuerID, "")
	body["evidenceRequirements"] = []map[string]any{
		{"id": "report", "label": "The report", "kind": "file", "required": true},
		{"id": "code", "label": "The code", "kind": "url", "required": true},
		{"id": "notes", "label": "Notes", "kind": "text"},
	}
	var ach struct{ ID string }
	e.do("POST", "/api/v1/achievements", f.org.key, body).must(t, 201, &ach)
	e.do("PUT", "/api/v1/achievements/"+ach.ID+"/applications", f.org.key, map[string]any{"open": true, "anyone": true}).must(t, 200, nil)
	ctx := context.Background()
	addr := netip.MustParseAddr("198.51.100.9")
	pdf := review.Upload{Name: "report.pdf", Data: []byte("%PDF-1.4 a report"), Size: 17}
	for _, tc := range []struct {
		name  string
		sub   review.Submission
		field string
	}{
		{"no file", review.Submission{Items: map[string]string{"code": "https://code.example.org"}}, "items.report"},
		{"no link", review.Submission{ItemFiles: map[string]review.Upload{"report": pdf}}, "items.code"},
		{"bad link", review.Submission{ItemFiles: map[string]review.Upload{"report": pdf}, Items: map[string]string{"code": "javascript:alert(1)"}}, "items.code"},
		{"bad file", review.Submission{ItemFiles: map[string]review.Upload{"report": {Name: "x.pdf", Data: []byte("<script>"), Size: 8}},
			Items: map[string]string{"code": "https://code.example.org"}}, "items.report"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.sub.Name, tc.sub.Email = "Di", "di@example.org"
			_, err := e.review.Submit(ctx, ach.ID, tc.sub, addr)
			if cairn.KindOf(err) != cairn.Invalid || cairn.FieldOf(err) != tc.field {
				t.Fatalf("error %v (field %q), want one naming %s", err, cairn.FieldOf(err), tc.field)
			}
		})
	}
	a, err := e.review.Submit(ctx, ach.ID, review.Submission{Name: "Di", Email: "di@example.org",
		ItemFiles: map[string]review.Upload{"report": pdf}, Items: map[string]string{"code": "https://code.example.org", "notes": " "}}, addr)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Items []struct{ ID, Label, Kind, Value string }
		Files []struct{ Name string }
	}
	e.do("GET", "/api/v1/applications/"+a.ID, f.org.key, nil).must(t, 200, &got)
	if len(got.Items) != 2 || got.Items[0].ID != "report" || got.Items[0].Value != "report.pdf" || got.Items[1].Value != "https://code.example.org" ||
		len(got.Files) != 1 || got.Files[0].Name != "report.pdf" {
		t.Fatalf("application %+v", got)
	}
}
