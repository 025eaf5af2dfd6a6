package api_test

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn"
)

type certificateDesign struct {
	AchievementID, Layout, Title, PrimaryColor, AccentColor string
	SignatureImageID, SignatoryName, SignatoryTitle         string
	Default                                                 bool
	UpdatedAt                                               *string
}

func TestCertificateDesign(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("cert"))
	path := "/api/v1/achievements/" + f.achievementID + "/certificate"

	var d certificateDesign
	e.do("GET", path, f.org.key, nil).must(t, 200, &d)
	if !d.Default || d.Layout != "classic" || d.Title != "Certificate of Achievement" || d.PrimaryColor == "" || d.UpdatedAt != nil {
		t.Errorf("default design: %+v", d)
	}

	// A signature is a PNG image of the organization.
	var b bytes.Buffer
	png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, 300, 100)))
	var sig struct{ ID string }
	e.do("POST", "/api/v1/images", f.org.key, rawBody{"image/png", b.Bytes()}).must(t, 201, &sig)

	in := map[string]any{"layout": "Modern", "title": "Certificate of Completion", "primaryColor": "#12345A", "accentColor": "#8a5a00",
		"signatureImageId": sig.ID, "signatoryName": " Dr Jane Roe ", "signatoryTitle": "Dean"}
	e.do("PUT", path, f.org.key, in).must(t, 200, &d)
	want := certificateDesign{AchievementID: f.achievementID, Layout: "modern", Title: "Certificate of Completion", PrimaryColor: "#12345a",
		AccentColor: "#8a5a00", SignatureImageID: sig.ID, SignatoryName: "Dr Jane Roe", SignatoryTitle: "Dean"}
	if d.UpdatedAt == nil || d.Default {
		t.Errorf("set design: %+v", d)
	}
	d.UpdatedAt = nil
	if d != want {
		t.Errorf("PUT answered %+v, want %+v", d, want)
	}
	var got certificateDesign
	e.do("GET", path, f.org.key, nil).must(t, 200, &got)
	got.UpdatedAt = nil
	if got != want {
		t.Errorf("GET answered %+v, want %+v", got, want)
	}

	// Bad input: the field and the reason.
	for _, tc := range []struct {
		body  any
		code  int
		field string
		says  string
	}{
		{map[string]any{"layout": "fancy"}, 422, "layout", "classic, modern or minimal"},
		{map[string]any{"primaryColor": "#ffffff"}, 422, "primaryColor", "too light"},
		{map[string]any{"accentColor": "gold"}, 422, "accentColor", "#rrggbb"},
		{map[string]any{"title": strings.Repeat("x", 61)}, 422, "title", "at most 60"},
		{map[string]any{"signatoryName": "a\nb"}, 422, "signatoryName", "control characters"},
		{map[string]any{"signatureImageId": f.imageID}, 422, "signatureImageId", "PNG"}, // the fixture's image is an SVG
		{map[string]any{"signatureImageId": "nope"}, 404, "signatureImageId", "no image"},
		{map[string]any{"colour": "#000000"}, 400, "colour", "unknown field"},
		{`{"layout": 3}`, 400, "layout", "expected string"},
	} {
		p := e.do("PUT", path, f.org.key, tc.body).problem(t, tc.code)
		if p.Field != tc.field || !strings.Contains(p.Detail, tc.says) {
			t.Errorf("%v: %+v, want field %q saying %q", tc.body, p, tc.field, tc.says)
		}
	}
	e.do("PUT", "/api/v1/achievements/nope/certificate", f.org.key, map[string]any{}).problem(t, 404)

	// A viewer reads it but cannot change it.
	viewer := e.keyFor(f.org, cairn.RoleViewer)
	e.do("GET", path, viewer, nil).must(t, 200, nil)
	e.do("PUT", path, viewer, map[string]any{"layout": "minimal"}).problem(t, 403)

	// Left-out fields take the defaults again.
	d = certificateDesign{}
	e.do("PUT", path, f.org.key, map[string]any{}).must(t, 200, &d)
	if d.Layout != "classic" || d.SignatureImageID != "" || d.Default {
		t.Errorf("after an empty PUT: %+v", d)
	}
}
