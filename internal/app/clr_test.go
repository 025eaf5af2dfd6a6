package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/verify"
)

// TestPathwayCLR: on the real server, a micro-degree made of a
// micro-credential (two badges) and a third badge is earned, and the CLR of
// its award holds the five credentials as issued (each verifies on its own),
// the achievements with their credits, and isChildOf / isParentOf
// associations that follow the rules; it passes the CLR 2.0 JSON Schema and
// verifies in Cairn's verifier (each inner credential reported; `cairn
// verify` in internal/cli) and in the independent vc-verify. The learner's transcript
// holds every award that is not revoked, also as a VC-JWT; a badge that no
// pathway gave has no CLR; the public page of the pathway award offers the
// CLR download.
func TestPathwayCLR(t *testing.T) {
	a, stop := bootConfig(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true})
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	call := func(method, path string, body any, want int, out any, hdr ...string) []byte {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "Bearer "+fr.APIKey)
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, data)
		}
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				t.Fatal(err)
			}
		}
		return data
	}
	achievement := func(name, kind string, credits float64) string {
		var ach struct{ ID string }
		body := map[string]any{"issuerId": fr.IssuerID, "name": name, "description": name + ".",
			"criteriaNarrative": "Pass the course.", "achievementType": kind}
		if credits > 0 {
			body["creditsAvailable"] = credits
		}
		call("POST", "/api/v1/achievements", body, 201, &ach)
		return ach.ID
	}
	b1, b2, b3 := achievement("Statistics I", "Course", 5), achievement("Statistics II", "Course", 5), achievement("Capstone", "Course", 10)
	micro := achievement("Data Analysis", "MicroCredential", 0)
	degree := achievement("Micro-degree in Data Science", "Degree", 20)
	var pwMicro, pwDegree struct{ ID string }
	call("POST", "/api/v1/pathways", map[string]any{"name": "Data Analysis", "achievementId": micro, "autoAward": true,
		"rule": map[string]any{"all": []any{map[string]any{"achievement": b1}, map[string]any{"achievement": b2}}}}, 201, &pwMicro)
	call("POST", "/api/v1/pathways", map[string]any{"name": "Data Science", "achievementId": degree, "autoAward": true,
		"rule": map[string]any{"all": []any{map[string]any{"pathway": pwMicro.ID}, map[string]any{"achievement": b3}}}}, 201, &pwDegree)

	const learner = "ana@example.org"
	issued := map[string]string{}
	for _, ach := range []string{b1, b2, b3} {
		body := map[string]any{"achievementId": ach, "recipient": map[string]any{"email": learner, "name": "Ana"}}
		if ach == b3 {
			body["formats"] = []string{"di", "jwt"}
		}
		var aw struct{ ID string }
		call("POST", "/api/v1/awards", body, 201, &aw)
		issued[ach] = aw.ID
	}
	ctx := context.Background()
	awardOf := func(ach string) *cairn.Award {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			aws, _, err := a.db.Awards(ctx, cairn.AwardFilter{OrgID: fr.OrgID, AchievementID: ach})
			if err != nil {
				t.Fatal(err)
			}
			if len(aws) > 0 {
				if _, err := a.db.PathwayAwardByID(ctx, aws[0].ID); err == nil {
					return aws[0]
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("no pathway award of %s after 20 s", ach)
		return nil
	}
	microAward, degreeAward := awardOf(micro), awardOf(degree)
	issued[micro], issued[degree] = microAward.ID, degreeAward.ID

	data := call("GET", "/api/v1/awards/"+degreeAward.ID+"/clr", nil, 200, nil)
	if f := os.Getenv("CAIRN_TEST_DUMP_CLR"); f != "" {
		os.WriteFile(f, data, 0o644)
	}
	var clr ob.ClrCredential
	if err := json.Unmarshal(data, &clr); err != nil {
		t.Fatal(err)
	}
	if !clr.HasType("ClrCredential") || !strings.HasPrefix(clr.ID, "urn:uuid:") || clr.Partial == nil || !*clr.Partial ||
		!reflect.DeepEqual(clr.ContextURLs()[:3], []string{ob.ContextVC2, ob.ContextCLR2, ob.ContextOB3}) {
		t.Fatalf("CLR envelope: id %s type %v partial %v context %v", clr.ID, clr.Type, clr.Partial, clr.ContextURLs())
	}
	if !strings.Contains(clr.Description, "20 credits") {
		t.Errorf("description %q does not sum the credits (5+5+10)", clr.Description)
	}
	// The schema: the embedded copy of 1EdTech's CLR 2.0 ClrCredential
	// schema (byte for byte the vendored one, ob/schemas/SOURCES.md).
	if err := ob.ValidateIssued(data); err != nil {
		t.Fatalf("the CLR fails the CLR 2.0 schema: %v", err)
	}
	sub := clr.CredentialSubject
	if len(sub.Identifier) != 1 || !sub.Identifier[0].Matches(learner) {
		t.Errorf("ClrSubject identifier %+v does not identify %s", sub.Identifier, learner)
	}
	// The five credentials, exactly as issued.
	if len(sub.VerifiableCredential) != 5 {
		t.Fatalf("%d inner credentials, want 5 (degree, micro-credential, three badges)", len(sub.VerifiableCredential))
	}
	for _, raw := range sub.VerifiableCredential {
		var inner struct{ ID string }
		json.Unmarshal(raw, &inner)
		id := strings.TrimPrefix(inner.ID, a.svc.CredentialURL(""))
		aw, err := a.db.Award(ctx, fr.OrgID, id)
		if err != nil {
			t.Fatalf("inner credential %s: %v", inner.ID, err)
		}
		var got, want any
		json.Unmarshal(raw, &got)
		json.Unmarshal(aw.CredentialJSON, &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("inner credential %s is not the credential as issued", inner.ID)
		}
	}
	achIDs := map[string]bool{}
	for _, ach := range sub.Achievement {
		achIDs[ach.ID] = true
	}
	for _, id := range []string{b1, b2, b3, micro, degree} {
		if !achIDs[a.svc.AchievementURL(id)] {
			t.Errorf("achievement %s missing from the ClrSubject", id)
		}
	}
	has := func(src, typ, dst string) bool {
		for _, as := range sub.Association {
			if as.SourceID == a.svc.AchievementURL(src) && as.TargetID == a.svc.AchievementURL(dst) && string(as.AssociationType) == typ {
				return true
			}
		}
		return false
	}
	for _, c := range [][3]string{{b1, "isChildOf", micro}, {b2, "isChildOf", micro}, {micro, "isChildOf", degree}, {b3, "isChildOf", degree},
		{degree, "isParentOf", micro}, {micro, "isParentOf", b1}} {
		if !has(c[0], c[1], c[2]) {
			t.Errorf("no association %s %s %s in %+v", c[0], c[1], c[2], sub.Association)
		}
	}
	if has(b1, "isChildOf", degree) {
		t.Error("a badge of the micro-credential is associated with the degree directly")
	}

	// Cairn's verifier: the CLR and each inner credential verify.
	v := verify.New(a.svc.Fetcher(nil))
	rep := v.Verify(ctx, data)
	if rep.Result != verify.Verified || len(rep.Inner) != 5 {
		t.Fatalf("verify: %s with %d inner reports: %s", rep.Result, len(rep.Inner), rep.Summary())
	}
	for _, in := range rep.Inner {
		if in.Result != verify.Verified {
			t.Errorf("inner %s: %s", in.ID, in.Summary())
		}
	}
	// A badge no pathway gave has no CLR; a malformed format is a 400.
	call("GET", "/api/v1/awards/"+issued[b1]+"/clr", nil, 404, nil)
	call("GET", "/api/v1/awards/"+degreeAward.ID+"/clr?format=xml", nil, 400, nil)
	// The pathway award was not issued as a JWT: no JWT CLR.
	call("GET", "/api/v1/awards/"+degreeAward.ID+"/clr?format=jwt", nil, 404, nil)

	// The transcript: every award not revoked, as JSON and as a JWT (b3
	// was issued as one).
	call("POST", "/api/v1/awards", map[string]any{"achievementId": b1, "recipient": map[string]any{"email": "other@example.org"}}, 201, nil)
	var extra struct{ ID string }
	call("POST", "/api/v1/awards", map[string]any{"achievementId": b2, "recipient": map[string]any{"email": learner}}, 201, &extra)
	call("POST", "/api/v1/awards/"+extra.ID+"/revoke", map[string]any{"reason": "issued twice"}, 200, nil)
	tr := call("GET", "/api/v1/learners/"+learner+"/clr", nil, 200, nil)
	var trc ob.ClrCredential
	json.Unmarshal(tr, &trc)
	if n := len(trc.CredentialSubject.VerifiableCredential); n != 5 || trc.Partial != nil || bytes.Contains(tr, []byte(extra.ID)) {
		t.Fatalf("transcript: %d credentials (want 5, the revoked one left out), partial %v", n, trc.Partial)
	}
	if len(trc.CredentialSubject.Association) != len(sub.Association) {
		t.Errorf("transcript: %d associations, want the %d of the pathways", len(trc.CredentialSubject.Association), len(sub.Association))
	}
	if err := ob.ValidateIssued(tr); err != nil {
		t.Fatalf("the transcript fails the CLR 2.0 schema: %v", err)
	}
	if rep := v.Verify(ctx, tr); rep.Result != verify.Verified || len(rep.Inner) != 5 {
		t.Fatalf("transcript: %s: %s", rep.Result, rep.Summary())
	}
	jwt := call("GET", "/api/v1/learners/"+learner+"/clr", nil, 200, nil, "Accept", "application/jwt")
	if rep := v.Verify(ctx, jwt); rep.Result != verify.Verified || len(rep.Inner) != 5 {
		t.Fatalf("transcript JWT: %s: %s", rep.Result, rep.Summary())
	}
	call("GET", "/api/v1/learners/nobody@example.org/clr", nil, 404, nil)
	call("GET", "/api/v1/learners/not-an-email/clr", nil, 422, nil)

	// The public page of the pathway award offers the CLR; a badge's does not.
	page := string(getOK(t, base+"/credentials/"+degreeAward.ID))
	if !strings.Contains(page, "/credentials/"+degreeAward.ID+"/clr.json") {
		t.Error("the pathway award's page offers no CLR download")
	}
	if page := string(getOK(t, base+"/credentials/"+issued[b1])); strings.Contains(page, "clr.json") {
		t.Error("a badge's page offers a CLR")
	}
	pub := getOK(t, base+"/credentials/"+degreeAward.ID+"/clr.json")
	if rep := v.Verify(ctx, pub); rep.Result != verify.Verified || len(rep.Inner) != 5 {
		t.Fatalf("public CLR: %s: %s", rep.Result, rep.Summary())
	}
	if resp, err := http.Get(base + "/credentials/" + issued[b1] + "/clr.json"); err != nil || resp.StatusCode != 404 {
		t.Fatalf("public CLR of a badge: %v %v", resp.StatusCode, err)
	}

	// The public verifier (POST /api/v1/verify, what the /verify page runs)
	// accepts 1EdTech's CLR test credentials as 1EdTech's validator does.
	for _, name := range []string{"simple_v1.json", "complex.json", "simple.jwt"} {
		vec, err := os.ReadFile(filepath.Join("..", "..", "verify", "testdata", "1edtech", "clr20", name))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(base+"/api/v1/verify", "application/json", bytes.NewReader(vec))
		if err != nil {
			t.Fatal(err)
		}
		var vr struct {
			Result   string
			Warnings []string
			Inner    []struct{ Result string }
		}
		json.NewDecoder(resp.Body).Decode(&vr)
		resp.Body.Close()
		if resp.StatusCode != 200 || vr.Result != "verified" || len(vr.Warnings) == 0 || len(vr.Inner) == 0 {
			t.Errorf("POST /api/v1/verify %s: %d %+v", name, resp.StatusCode, vr)
		}
	}

	// The independent verifier, given the CLR 2.0 context it does not ship.
	vcVerifyCLR(t, base, data, jwt)
}

// vcVerifyCLR checks CLRs with the independent vc-verify (CAIRN_VC_VERIFY),
// which resolves the did:web of the issuer against the running server and
// reads the CLR 2.0 context from Cairn's embedded copy.
func vcVerifyCLR(t *testing.T, base string, jsonCLR, jwt []byte) {
	t.Helper()
	tool := os.Getenv("CAIRN_VC_VERIFY")
	if tool == "" {
		t.Log("CAIRN_VC_VERIFY not set: skipping the independent verifier")
		return
	}
	dir := t.TempDir()
	ctxFile, err := filepath.Abs("../../jsonld/contexts/clr-v2p0-context-2.0.1.json")
	if err != nil {
		t.Fatal(err)
	}
	extFile, _ := filepath.Abs("../../jsonld/contexts/ob-v3p0-extensions.json")
	m, _ := json.Marshal(map[string]string{ob.ContextCLR2: ctxFile, ob.ContextOB3Extensions: extFile})
	mapFile := filepath.Join(dir, "map.json")
	os.WriteFile(mapFile, m, 0o644)
	files := []string{filepath.Join(dir, "clr.json"), filepath.Join(dir, "clr.jwt")}
	os.WriteFile(files[0], jsonCLR, 0o644)
	os.WriteFile(files[1], jwt, 0o644)
	cmd := exec.Command("node", filepath.Join(tool, "verify.mjs"), "--didweb-base", base, "--map", mapFile, files[0], files[1])
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Count(string(out), `"verified":true`) != 2 {
		t.Fatalf("vc-verify: %v\n%s", err, out)
	}
	t.Logf("vc-verify: %s", out)
}
