package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/bake"
	"github.com/cairn-badges/cairn/internal/app"
	"github.com/cairn-badges/cairn/internal/cli"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/wallet"
)

// portfolioWorld is a running server with a learner, Ada, who claimed two
// badges (one aligned to a skill, both on a pathway) and published her
// portfolio.
type portfolioWorld struct {
	a        *app.App
	base     string
	fr       *app.FirstRun
	token    string // Ada's learner API token
	awards   []string
	password string
}

func (w *portfolioWorld) call(t *testing.T, method, path, key, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, w.base+path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (w *portfolioWorld) must(t *testing.T, want int, method, path, key, body string) []byte {
	t.Helper()
	code, b := w.call(t, method, path, key, body)
	if code != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, code, want, b)
	}
	return b
}

// linkIn waits for mail and returns the first link starting with prefix
// in any of them, skipping those in skip.
func linkIn(t *testing.T, smtp *testenv.SMTPServer, n int, prefix string, skip map[string]bool) string {
	t.Helper()
	for _, m := range smtp.Wait(t, n, 30*time.Second) {
		bodies, _ := m.Parts(t)
		text := string(bodies["text/plain"])
		for i := strings.Index(text, prefix); i >= 0; {
			l := strings.Fields(text[i:])[0]
			if !skip[l] {
				skip[l] = true
				return l
			}
			j := strings.Index(text[i+1:], prefix)
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	t.Fatalf("no mail with a link %s…", prefix)
	return ""
}

func newPortfolioWorld(t *testing.T) *portfolioWorld {
	t.Helper()
	smtp := testenv.StartSMTP(t)
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true, SMTPURL: smtp.URL("badges@example.org")}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	w := &portfolioWorld{a: a, base: a.BaseURL(), fr: a.FirstRun, password: "analytical engine 1843"}
	key := w.fr.APIKey

	// A second achievement aligned to a skill, a pathway needing both.
	var ach struct{ ID string }
	json.Unmarshal(w.must(t, 201, "POST", "/api/v1/achievements", key, `{"issuerId":"`+w.fr.IssuerID+`","name":"Classroom Practice",
		"description":"Taught ten supervised lessons.","criteriaNarrative":"Ten lessons observed.",
		"alignment":[{"targetName":"Lesson planning","targetUrl":"https://example.org/skills/lesson-planning","targetFramework":"Teacher Standards"}]}`), &ach)
	var cert struct{ ID string }
	json.Unmarshal(w.must(t, 201, "POST", "/api/v1/achievements", key, `{"issuerId":"`+w.fr.IssuerID+`","name":"Teaching Certificate",
		"description":"Both badges.","criteriaNarrative":"Earn both."}`), &cert)
	w.must(t, 201, "POST", "/api/v1/pathways", key, `{"name":"Practicum pathway","achievementId":"`+cert.ID+`",
		"rule":{"all":[{"achievement":"`+w.fr.AchievementID+`"},{"achievement":"`+ach.ID+`"},{"achievement":"`+w.fr.AchievementID+`","minScore":200}]}}`)
	for _, id := range []string{w.fr.AchievementID, ach.ID} {
		var aw struct{ ID string }
		json.Unmarshal(w.must(t, 201, "POST", "/api/v1/awards", key, `{"achievementId":"`+id+`","recipient":{"email":"ada@example.org","name":"Ada Lovelace"}}`), &aw)
		w.awards = append(w.awards, aw.ID)
	}
	// Ada: sign up, verify her address, sign in, claim both.
	w.must(t, 201, "POST", "/api/v1/learner/signup", "", `{"email":"ada@example.org","password":"`+w.password+`","name":"Ada Lovelace"}`)
	seen := map[string]bool{}
	verifyLink := linkIn(t, smtp, 3, w.base+"/wallet/verify?", seen)
	tok := verifyLink[strings.Index(verifyLink, "token=")+len("token="):]
	if i := strings.IndexByte(tok, '&'); i >= 0 {
		tok = tok[:i]
	}
	w.must(t, 200, "POST", "/api/v1/learner/emails/verify", "", `{"token":"`+tok+`"}`)
	var s struct{ Token string }
	json.Unmarshal(w.must(t, 201, "POST", "/api/v1/learner/session", "", `{"email":"ada@example.org","password":"`+w.password+`"}`), &s)
	w.token = s.Token
	for range w.awards {
		w.must(t, 201, "POST", "/api/v1/learner/claims", w.token, `{"token":"`+linkIn(t, smtp, 3, w.base+"/claim/", seen)+`"}`)
	}
	w.must(t, 200, "PUT", "/api/v1/learner/profile", w.token, `{"handle":"ada-lovelace","public":true,"shareAll":true,
		"headline":"Student teacher, mathematics","bio":"I teach maths and physics."}`)
	return w
}

// runCLI runs cairn with args and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String() + errb.String()
}

// TestPortfolioPresentation: the portfolio page groups the shared badges by
// skill and pathway, and is 404 when private; its presentation, signed by
// Ada's did:key, verifies with cairn verify (the holder's proof and both
// credentials) and with the independent verifier; hiding a badge takes it
// out of both.
func TestPortfolioPresentation(t *testing.T) {
	w := newPortfolioWorld(t)
	code, page := w.call(t, "GET", "/learners/ada-lovelace", "", "")
	if code != 200 {
		t.Fatalf("portfolio: %d %s", code, page)
	}
	for _, want := range []string{`property="og:title" content="Ada Lovelace: badges and credentials"`, `property="og:url" content="` + w.base + `/learners/ada-lovelace"`,
		`property="og:image"`, "Lesson planning", "Practicum pathway", "2 of 3 requirements", "Classroom Practice",
		`href="` + w.base + `/credentials/` + w.awards[0] + `#verification"`, `href="` + w.base + `/learners/ada-lovelace.json"`, `name="viewport"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the portfolio page lacks %s", want)
		}
	}
	for _, path := range []string{"/learners/nobody-here", "/learners/ADMIN", "/learners/a", "/learners/nobody-here.json", "/learners/"} {
		if code, _ := w.call(t, "GET", path, "", ""); code != 404 {
			t.Errorf("%s: %d, want 404", path, code)
		}
	}

	vp := w.must(t, 200, "GET", "/learners/ada-lovelace.json", "", "")
	var doc struct {
		Holder string
		Type   []string
		Creds  []map[string]any `json:"verifiableCredential"`
		Proof  []struct {
			ProofPurpose, Cryptosuite, VerificationMethod, Domain string
		}
	}
	if err := json.Unmarshal(vp, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.Holder, "did:key:z6Mk") || len(doc.Creds) != 2 || len(doc.Proof) != 1 || doc.Proof[0].ProofPurpose != "authentication" ||
		doc.Proof[0].Cryptosuite != "eddsa-rdfc-2022" || !strings.HasPrefix(doc.Proof[0].VerificationMethod, doc.Holder+"#") ||
		doc.Proof[0].Domain != w.base+"/learners/ada-lovelace" {
		t.Fatalf("presentation: %+v", doc)
	}
	// The same again (cached), and the same holder after a restart of the
	// cache: the key is kept.
	if again := w.must(t, 200, "GET", "/learners/ada-lovelace.json", "", ""); !bytes.Equal(again, vp) {
		t.Error("the presentation was signed again though nothing changed")
	}
	file := filepath.Join(t.TempDir(), "ada.json")
	os.WriteFile(file, vp, 0o644)
	code, out := runCLI(t, "verify", "--json", file)
	var rep struct {
		Result, Format, Holder string
		Checks                 []struct{ Check, Outcome string }
		Inner                  []struct{ Result, Issuer string }
	}
	if err := json.Unmarshal([]byte(out[:strings.LastIndexByte(out, '}')+1]), &rep); err != nil {
		t.Fatalf("cairn verify --json: %v\n%s", err, out)
	}
	if code != 0 || rep.Result != "verified" || rep.Format != "ldp_vp" || rep.Holder != doc.Holder || len(rep.Inner) != 2 {
		t.Fatalf("cairn verify: exit %d: %s", code, out)
	}
	for _, in := range rep.Inner {
		if in.Result != "verified" {
			t.Errorf("inner credential %+v", in)
		}
	}
	vcVerifyVP(t, w.base, file, true)
	// Tampered: a credential of the set changed fails, in both verifiers.
	bad := bytes.Replace(vp, []byte("Classroom Practice"), []byte("Classroom Mastery"), 1)
	badFile := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(badFile, bad, 0o644)
	if code, out := runCLI(t, "verify", badFile); code == 0 || !strings.Contains(out, "FAIL") {
		t.Errorf("tampered presentation: exit %d\n%s", code, out)
	}
	vcVerifyVP(t, w.base, badFile, false)

	// Hidden: out of the page and of the presentation.
	w.must(t, 200, "PATCH", "/api/v1/learner/credentials/"+w.awards[1], w.token, `{"public":false}`)
	vp2 := w.must(t, 200, "GET", "/learners/ada-lovelace.json", "", "")
	json.Unmarshal(vp2, &doc)
	if len(doc.Creds) != 1 {
		t.Errorf("after hiding one: %d credentials", len(doc.Creds))
	}
	_, page = w.call(t, "GET", "/learners/ada-lovelace", "", "")
	if strings.Contains(string(page), "Classroom Practice") {
		t.Error("the hidden badge is still on the page")
	}
	// Revoked: never shown.
	w.must(t, 200, "PATCH", "/api/v1/learner/credentials/"+w.awards[1], w.token, `{"public":true}`)
	w.must(t, 200, "POST", "/api/v1/awards/"+w.awards[1]+"/revoke", w.fr.APIKey, `{"reason":"issued in error"}`)
	json.Unmarshal(w.must(t, 200, "GET", "/learners/ada-lovelace.json", "", ""), &doc)
	if len(doc.Creds) != 1 {
		t.Errorf("after a revocation: %d credentials", len(doc.Creds))
	}
	// Private: 404 for both.
	w.must(t, 200, "PUT", "/api/v1/learner/profile", w.token, `{"handle":"ada-lovelace","public":false}`)
	for _, p := range []string{"/learners/ada-lovelace", "/learners/ada-lovelace.json"} {
		if code, _ := w.call(t, "GET", p, "", ""); code != 404 {
			t.Errorf("private %s: %d", p, code)
		}
	}
}

// vcVerifyVP checks a presentation with the independent verifier's
// libraries (testdata/vp-verify.mjs); it skips without CAIRN_VC_VERIFY.
func vcVerifyVP(t *testing.T, base, file string, want bool) {
	t.Helper()
	tool := os.Getenv("CAIRN_VC_VERIFY")
	if tool == "" {
		t.Log("CAIRN_VC_VERIFY not set: skipping the independent verifier of the presentation")
		return
	}
	cmd := exec.Command("node", "testdata/vp-verify.mjs", "--didweb-base", base, file)
	cmd.Env = append(os.Environ(), "VC_VERIFY_DIR="+tool)
	out, err := cmd.CombinedOutput()
	if (err == nil) != want || want && !strings.Contains(string(out), `"presentationVerified":true`) {
		t.Fatalf("vp-verify (want verified=%v): %v\n%s", want, err, out)
	}
	t.Logf("vp-verify: %s", bytes.TrimSpace(out))
}

// TestOB2Export: every award is a hosted OB 2.0 Assertion that follows OB
// 2.0's rules and that cairn verify verifies (hosted verification); a
// revoked one answers 410 and fails.
func TestOB2Export(t *testing.T) {
	w := newPortfolioWorld(t)
	id := w.awards[0]
	req, _ := http.NewRequest("GET", w.base+"/ob2/assertions/"+id, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "json") || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("assertion: %d %v", resp.StatusCode, resp.Header)
	}
	var as ob.Assertion
	if err := ob.Unmarshal(body, &as); err != nil {
		t.Fatalf("not an OB 2.0 assertion: %v\n%s", err, body)
	}
	// OB 2.0 §Assertion: context, type, id (its own URL, hosted), recipient
	// (hashed with its salt), badge, verification hosted, issuedOn.
	if len(as.Context) != 1 || as.Context[0] != "https://w3id.org/openbadges/v2" || len(as.Type) != 1 || as.Type[0] != "Assertion" ||
		as.ID != w.base+"/ob2/assertions/"+id || as.Recipient.Type != "email" || !as.Recipient.Hashed || as.Recipient.Salt == "" ||
		!as.Recipient.Matches("ada@example.org") || as.Recipient.Matches("eve@example.org") ||
		as.Badge.ID != w.base+"/ob2/badges/"+w.fr.AchievementID || len(as.Verification.Type) != 1 || as.Verification.Type[0] != "hosted" {
		t.Fatalf("assertion: %+v\n%s", as, body)
	}
	if _, err := time.Parse(time.RFC3339, as.IssuedOn); err != nil {
		t.Errorf("issuedOn %q: %v", as.IssuedOn, err)
	}
	var bc ob.BadgeClass
	ob.Unmarshal(w.must(t, 200, "GET", "/ob2/badges/"+w.fr.AchievementID, "", ""), &bc)
	if bc.Type[0] != "BadgeClass" || bc.Name == "" || bc.Description == "" || bc.Image == nil || bc.Image.ID == "" || bc.Criteria == nil ||
		bc.Issuer.ID != w.base+"/ob2/issuers/"+w.fr.IssuerID {
		t.Fatalf("BadgeClass %+v", bc)
	}
	img := strings.TrimPrefix(bc.Image.ID, w.base)
	if code, b := w.call(t, "GET", img, "", ""); code != 200 || !bytes.Contains(b, []byte("<svg")) && !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("badge image %s: %d", img, code)
	}
	var is ob.Issuer
	ob.Unmarshal(w.must(t, 200, "GET", "/ob2/issuers/"+w.fr.IssuerID, "", ""), &is)
	if is.Type[0] != "Issuer" || is.Name == "" || is.URL == "" || is.ID != bc.Issuer.ID {
		t.Fatalf("Issuer %+v", is)
	}
	// Cairn's verifier: hosted verification of the URL and of the JSON.
	code, out := runCLI(t, "verify", w.base+"/ob2/assertions/"+id)
	if code != 0 || !strings.Contains(out, "VERIFIED") || !strings.Contains(out, "hosted verification") {
		t.Fatalf("cairn verify of the hosted assertion: exit %d\n%s", code, out)
	}
	file := filepath.Join(t.TempDir(), "assertion.json")
	os.WriteFile(file, body, 0o644)
	if code, out := runCLI(t, "verify", file); code != 0 {
		t.Fatalf("cairn verify of the assertion file: exit %d\n%s", code, out)
	}
	// Revoked: 410 with revoked true, and the verifier says so.
	w.must(t, 200, "POST", "/api/v1/awards/"+id+"/revoke", w.fr.APIKey, `{"reason":"issued in error"}`)
	gone := w.must(t, 410, "GET", "/ob2/assertions/"+id, "", "")
	if !bytes.Contains(gone, []byte(`"revoked": true`)) || !bytes.Contains(gone, []byte("issued in error")) {
		t.Errorf("revoked assertion: %s", gone)
	}
	if code, out := runCLI(t, "verify", file); code == 0 || !strings.Contains(out, "revoked") {
		t.Errorf("cairn verify of a revoked assertion: exit %d\n%s", code, out)
	}
	if code, _ := w.call(t, "GET", "/ob2/assertions/no-such-award", "", ""); code != 404 {
		t.Errorf("unknown assertion: %d", code)
	}
}

// TestLearnerExportZIP: cairn learner export writes the ZIP; every file's
// sha256 matches the manifest, the credentials are as issued, the badge
// PNG carries the credential, and the OB 2.0 documents are there.
func TestLearnerExportZIP(t *testing.T) {
	w := newPortfolioWorld(t)
	out := filepath.Join(t.TempDir(), "wallet.zip")
	code, msg := runCLI(t, "learner", "export", "--server", w.base, "--token", w.token, "--out", out)
	if code != 0 || !strings.Contains(msg, "2 credentials") {
		t.Fatalf("cairn learner export: exit %d\n%s", code, msg)
	}
	if code, msg := runCLI(t, "learner", "export", "--server", w.base, "--token", w.token); code == 0 || strings.Count(strings.TrimSpace(msg), "\n") > 0 {
		t.Errorf("no --out: exit %d, %q", code, msg)
	}
	if code, msg := runCLI(t, "learner", "export", "--server", w.base, "--token", "cairn_learner_nope", "--out", out+"2"); code == 0 || !strings.Contains(msg, "sign in") && !strings.Contains(msg, "token") {
		t.Errorf("bad token: exit %d, %q", code, msg)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	var m wallet.Manifest
	if err := json.Unmarshal(files[wallet.ManifestName], &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != len(files)-1 || len(m.Credentials) != 2 {
		t.Fatalf("manifest: %d files (ZIP %d), %d credentials", len(m.Files), len(files), len(m.Credentials))
	}
	kinds := map[string]int{}
	for _, f := range m.Files {
		sum := sha256.Sum256(files[f.Path])
		if hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Errorf("%s: sha256 differs from the manifest", f.Path)
		}
		if f.Verification != "verified" || f.Issuer == "" || f.CredentialID == "" {
			t.Errorf("manifest entry %+v", f)
		}
		kinds[f.Kind]++
	}
	if fmt.Sprint(kinds) != "map[baked-png:2 credential-json:2 ob2-assertion:2 ob2-badge:2 ob2-issuer:1]" {
		t.Errorf("kinds %v", kinds)
	}
	for _, id := range w.awards {
		signed := files["credentials/"+id+"/credential.json"]
		issued := w.must(t, 200, "GET", "/credentials/"+id+".json", "", "")
		if !bytes.Equal(bytes.TrimSpace(signed), bytes.TrimSpace(issued)) {
			t.Errorf("%s: exported JSON differs from what /credentials/%s.json serves", id, id)
		}
		b, err := bake.Unbake(files["credentials/"+id+"/badge.png"])
		if err != nil || !bytes.Contains(b.Payload, []byte(id)) {
			t.Errorf("%s: badge.png carries no credential: %v", id, err)
		}
		var as ob.Assertion
		if err := ob.Unmarshal(files["ob2/assertions/"+id+".json"], &as); err != nil || as.ID != w.base+"/ob2/assertions/"+id {
			t.Errorf("ob2 assertion of %s: %v %+v", id, err, as)
		}
	}
}

// TestPortfolioImported: a credential from another platform that Ada
// imported, verified and addressed to her, is on her public portfolio
// with a public page of its own (the credential as received, and this
// server's verifier a click away), in her signed presentation as received,
// and in her export; one addressed to someone else never is.
func TestPortfolioImported(t *testing.T) {
	w := newPortfolioWorld(t)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "api", "testdata", "wallet", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// Signed by ../shared/tools/vc-verify's did:key test key, to
	// ada@example.org; the other to did:example:learner-4711.
	mine := read("foreign-ob3-didkey-ada.json")
	var im struct{ ID, Addressed string }
	json.Unmarshal(w.must(t, 201, "POST", "/api/v1/learner/credentials", w.token, mine), &im)
	var other struct{ ID, Addressed string }
	json.Unmarshal(w.must(t, 201, "POST", "/api/v1/learner/credentials", w.token, read("foreign-ob3-didkey.json")), &other)
	if im.Addressed != wallet.AddressedToYou || other.Addressed != wallet.AddressedToOther {
		t.Fatalf("addressed: %+v %+v", im, other)
	}

	_, page := w.call(t, "GET", "/learners/ada-lovelace", "", "")
	pageURL := w.base + "/learners/ada-lovelace/credentials/" + im.ID
	if !strings.Contains(string(page), `href="`+pageURL+`"`) || strings.Contains(string(page), other.ID) {
		t.Errorf("the portfolio should link the import addressed to Ada and not the other:\n%s", page)
	}
	code, detail := w.call(t, "GET", "/learners/ada-lovelace/credentials/"+im.ID, "", "")
	if code != 200 {
		t.Fatalf("the imported credential's page: %d", code)
	}
	for _, want := range []string{"Data Analysis 101", "Other Platform Academy", `id="verify-now"`, pageURL + "/credential", "verified"} {
		if !strings.Contains(string(detail), want) {
			t.Errorf("the imported credential's page lacks %q", want)
		}
	}
	if strings.Contains(string(detail), "to ada@example.org") {
		t.Error("the public page names Ada's email address (the credential itself holds it)")
	}
	if got := w.must(t, 200, "GET", "/learners/ada-lovelace/credentials/"+im.ID+"/credential", "", ""); strings.TrimSpace(string(got)) != strings.TrimSpace(mine) {
		t.Error("the download is not the credential as received")
	}
	for _, p := range []string{"/learners/ada-lovelace/credentials/" + other.ID, "/learners/ada-lovelace/credentials/" + other.ID + "/credential",
		"/learners/ada-lovelace/credentials/" + im.ID + "/nope", "/learners/ada-lovelace/credentials/" + w.awards[0], "/learners/nobody-here/credentials/" + im.ID} {
		if code, _ := w.call(t, "GET", p, "", ""); code != 404 {
			t.Errorf("%s: %d, want 404", p, code)
		}
	}
	// Its page's form gives this server's public verifier what it shows.
	form := strings.NewReader(url.Values{"credential": {mine}}.Encode())
	resp, err := http.Post(w.base+"/verify", "application/x-www-form-urlencoded", form)
	if err != nil {
		t.Fatal(err)
	}
	vb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(vb), "Data Analysis 101") {
		t.Errorf("POST /verify of the imported credential: %d", resp.StatusCode)
	}

	vp := w.must(t, 200, "GET", "/learners/ada-lovelace.json", "", "")
	var doc struct {
		Creds []map[string]any `json:"verifiableCredential"`
	}
	json.Unmarshal(vp, &doc)
	if len(doc.Creds) != 3 || !bytes.Contains(vp, []byte("urn:uuid:6b1c8e2e-4f0e-4d8a-9c61-ada000000001")) || bytes.Contains(vp, []byte("learner-4711")) {
		t.Fatalf("presentation: %d credentials\n%s", len(doc.Creds), vp)
	}
	file := filepath.Join(t.TempDir(), "ada.json")
	os.WriteFile(file, vp, 0o644)
	if code, out := runCLI(t, "verify", file); code != 0 {
		t.Fatalf("cairn verify of the presentation with an imported credential: exit %d\n%s", code, out)
	}
	vcVerifyVP(t, w.base, file, true)

	// Hidden by Ada: off the page, out of the presentation, 404.
	w.must(t, 200, "PATCH", "/api/v1/learner/credentials/"+im.ID, w.token, `{"public":false}`)
	if code, _ := w.call(t, "GET", "/learners/ada-lovelace/credentials/"+im.ID, "", ""); code != 404 {
		t.Errorf("hidden import's page: %d", code)
	}
	json.Unmarshal(w.must(t, 200, "GET", "/learners/ada-lovelace.json", "", ""), &doc)
	if len(doc.Creds) != 2 {
		t.Errorf("after hiding the import: %d credentials", len(doc.Creds))
	}

	// The export holds both imports, as received.
	z := w.must(t, 200, "GET", "/api/v1/learner/export", w.token, "")
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if strings.TrimSpace(string(files["imported/"+im.ID+"/credential.json"])) != strings.TrimSpace(mine) || files["imported/"+other.ID+"/credential.json"] == nil {
		t.Errorf("the export's imports: %v", keysOf(files))
	}
	var m wallet.Manifest
	json.Unmarshal(files[wallet.ManifestName], &m)
	if len(m.Credentials) != 4 {
		t.Errorf("manifest: %d credentials, want 4", len(m.Credentials))
	}
	for _, c := range m.Credentials {
		if c.ID == im.ID && (c.State != "imported" || c.Verification != "verified" || c.CheckedAt == nil) {
			t.Errorf("manifest entry of the import: %+v", c)
		}
	}
}

func keysOf(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
