package api_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/wallet"
)

// claimed makes a learner who claimed the fixture's award, and returns
// their token.
func (e *env) claimed(f fixture, email string) string {
	e.t.Helper()
	tok := e.newLearner(email, true)
	e.do("POST", "/api/v1/learner/claims", tok, map[string]any{"token": e.claimToken(f.awardID)}).must(e.t, 201, nil)
	return tok
}

func TestLearnerProfile(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("pf"))
	tok := e.claimed(f, "learner@example.com")
	other := e.newLearner("other@example.com", true)

	if p := e.do("GET", "/api/v1/learner/profile", tok, nil).problem(t, 404); !strings.Contains(p.Detail, "PUT /api/v1/learner/profile") {
		t.Errorf("no profile yet: %+v", p)
	}
	for name, tc := range map[string]struct {
		body  any
		field string
	}{
		"no handle":      {map[string]any{"public": true}, "handle"},
		"short":          {map[string]any{"handle": "ab"}, "handle"},
		"long":           {map[string]any{"handle": strings.Repeat("a", 41)}, "handle"},
		"underscore":     {map[string]any{"handle": "ada_l"}, "handle"},
		"unicode":        {map[string]any{"handle": "adá"}, "handle"},
		"leading hyphen": {map[string]any{"handle": "-ada"}, "handle"},
		"double hyphen":  {map[string]any{"handle": "ada--l"}, "handle"},
		"reserved":       {map[string]any{"handle": "admin"}, "handle"},
		"reserved 2":     {map[string]any{"handle": "wallet"}, "handle"},
		"headline lines": {map[string]any{"handle": "ada", "headline": "a\nb"}, "headline"},
		"headline long":  {map[string]any{"handle": "ada", "headline": strings.Repeat("x", 121)}, "headline"},
		"bio long":       {map[string]any{"handle": "ada", "bio": strings.Repeat("x", 2001)}, "bio"},
		"public string":  {`{"handle":"ada","public":"yes"}`, "public"},
		"unknown field":  {map[string]any{"handle": "ada", "colour": "red"}, "colour"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do("PUT", "/api/v1/learner/profile", tok, tc.body)
			if r.code != 400 && r.code != 422 {
				t.Fatalf("%d %s", r.code, r.body)
			}
			if p := r.problem(t, r.code); p.Field != tc.field {
				t.Errorf("field %q, want %q: %+v", p.Field, tc.field, p)
			}
		})
	}
	var pv struct {
		Handle, Headline, Bio, URL, PresentationURL string
		Public, ShareAll                            bool
	}
	e.do("PUT", "/api/v1/learner/profile", tok, map[string]any{"handle": " Ada-Lovelace ", "public": true, "headline": "Student teacher",
		"bio": "Maths.\r\nPhysics."}).must(t, 200, &pv)
	if pv.Handle != "ada-lovelace" || !pv.Public || pv.ShareAll || pv.Bio != "Maths.\nPhysics." ||
		pv.URL != testBase+"/learners/ada-lovelace" || pv.PresentationURL != pv.URL+".json" {
		t.Fatalf("profile %+v", pv)
	}
	e.do("GET", "/api/v1/learner/profile", tok, nil).must(t, 200, &pv)
	if pv.Headline != "Student teacher" {
		t.Errorf("GET profile %+v", pv)
	}
	// The handle is taken for the other learner.
	if p := e.do("PUT", "/api/v1/learner/profile", other, map[string]any{"handle": "ada-lovelace"}).problem(t, 409); p.Field != "handle" {
		t.Errorf("taken: %+v", p)
	}
	e.do("GET", "/api/v1/learner/profile", other, nil).problem(t, 404)

	// Per credential: the learner's own only.
	var vis struct {
		ID             string
		Public, Shared bool
	}
	e.do("PATCH", "/api/v1/learner/credentials/"+f.awardID, tok, map[string]any{"public": true}).must(t, 200, &vis)
	if vis.ID != f.awardID || !vis.Public || !vis.Shared {
		t.Errorf("PATCH %+v", vis)
	}
	e.do("PATCH", "/api/v1/learner/credentials/"+f.awardID, tok, map[string]any{"public": false}).must(t, 200, &vis)
	if vis.Public || vis.Shared {
		t.Errorf("PATCH false %+v", vis)
	}
	if p := e.do("PATCH", "/api/v1/learner/credentials/"+f.awardID, tok, map[string]any{}).problem(t, 422); p.Field != "public" {
		t.Errorf("no public: %+v", p)
	}
	if p := e.do("PATCH", "/api/v1/learner/credentials/"+f.awardID, tok, `{"public":"yes"}`); p.code != 400 && p.code != 422 {
		t.Errorf("public a string: %d %s", p.code, p.body)
	}
	e.do("PATCH", "/api/v1/learner/credentials/"+f.awardID, other, map[string]any{"public": true}).problem(t, 404)
	e.do("PATCH", "/api/v1/learner/credentials/nope", tok, map[string]any{"public": true}).problem(t, 404)
}

// readZip reads an export and checks every file against the manifest.
func readZip(t *testing.T, data []byte) (wallet.Manifest, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a ZIP: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		files[f.Name] = b
	}
	var m wallet.Manifest
	if err := json.Unmarshal(files[wallet.ManifestName], &m); err != nil {
		t.Fatalf("manifest: %v\n%s", err, files[wallet.ManifestName])
	}
	if len(m.Files) != len(files)-1 {
		t.Errorf("manifest lists %d files, the ZIP holds %d besides it", len(m.Files), len(files)-1)
	}
	for _, mf := range m.Files {
		b, ok := files[mf.Path]
		if !ok {
			t.Errorf("manifest file %s is not in the ZIP", mf.Path)
			continue
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != mf.SHA256 || int64(len(b)) != mf.Bytes {
			t.Errorf("%s: sha256 %x (%d bytes), manifest says %s (%d)", mf.Path, sum, len(b), mf.SHA256, mf.Bytes)
		}
		if mf.CredentialID == "" || mf.Issuer == "" || mf.Verification == "" {
			t.Errorf("manifest entry %+v", mf)
		}
	}
	return m, files
}

func TestLearnerExport(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("ex"))
	tok := e.claimed(f, "learner@example.com")
	other := e.newLearner("other@example.com", true)

	r := e.do("GET", "/api/v1/learner/export", tok, nil)
	if r.code != 200 || r.hdr.Get("Content-Type") != "application/zip" || !strings.Contains(r.hdr.Get("Content-Disposition"), "cairn-wallet-") {
		t.Fatalf("export: %d %v", r.code, r.hdr)
	}
	m, files := readZip(t, r.body)
	if m.Format != wallet.ManifestFormat || len(m.Credentials) != 1 || m.Credentials[0].ID != f.awardID || m.Credentials[0].Verification != "verified" {
		t.Fatalf("manifest %+v", m)
	}
	signed, ok := files["credentials/"+f.awardID+"/credential.json"]
	if !ok {
		t.Fatalf("no credential.json in %v", m.Files)
	}
	// As issued: the very bytes the award holds.
	var aw struct{ Credential json.RawMessage }
	e.do("GET", "/api/v1/awards/"+f.awardID, f.org.key, nil).must(t, 200, &aw)
	if !bytes.Equal(bytes.TrimSpace(signed), bytes.TrimSpace(e.awardJSON(f))) {
		t.Errorf("exported credential differs from the issued one")
	}

	// Another learner's export holds nothing of the first's.
	r = e.do("GET", "/api/v1/learner/export", other, nil)
	m, _ = readZip(t, r.body)
	if len(m.Credentials) != 0 || len(m.Files) != 0 {
		t.Errorf("the other learner's export: %+v", m)
	}
}
