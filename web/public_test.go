package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image/png"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/badgeimg"
	"github.com/cairn-badges/cairn/bake"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/verify"
)

const testBase = "https://badges.example.org"

type testEnv struct {
	store  cairn.Store
	dbPath string // the store's SQLite file
	svc    *issuing.Service
	pub    *Public
	mux    *http.ServeMux
	org    *cairn.Organization
	issuer *cairn.Issuer
	ach    *cairn.Achievement
}

// newEnv makes a store, an issuing service over base with an organization,
// an issuer and an achievement (valid 24 months, no image), and the public
// pages with the verifier pages beside them on one mux.
func newEnv(t testing.TB, base string, opts PublicOptions) *testEnv {
	t.Helper()
	ctx := context.Background()
	e := &testEnv{}
	e.store, e.dbPath = openTestStore(t)
	kr, err := keyring.New(keyring.GenerateMasterKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.svc, err = issuing.New(e.store, kr, issuing.Options{BaseURL: base}); err != nil {
		t.Fatal(err)
	}
	e.org = &cairn.Organization{Slug: "uni", Name: "Example University"}
	if err := e.store.CreateOrganization(ctx, e.org); err != nil {
		t.Fatal(err)
	}
	e.issuer, err = e.svc.CreateIssuer(ctx, e.org.ID, issuing.IssuerInput{
		Name: "Example University", URL: "https://uni.example.org", Email: "badges@uni.example.org",
		Description: "A university that issues badges.",
	})
	if err != nil {
		t.Fatal(err)
	}
	e.ach = e.achievement(t, "")
	e.pub = NewPublic(e.svc, opts)
	e.mux = http.NewServeMux()
	(&Handler{Verifier: verify.New(nil)}).Register(e.mux)
	e.pub.Register(e.mux)
	return e
}

func (e *testEnv) achievement(t testing.TB, imageID string) *cairn.Achievement {
	t.Helper()
	credits := 3.0
	a, err := e.svc.CreateAchievement(context.Background(), e.org.ID, issuing.AchievementInput{
		IssuerID: e.issuer.ID, Name: "Data Analysis Foundations",
		Description:       "Cleans, explores and visualises data sets with Python.",
		CriteriaNarrative: "Complete the four projects and pass the final assessment.",
		AchievementType:   "MicroCredential", CreditsAvailable: &credits, ImageID: imageID,
		Alignments: []ob.Alignment{{Type: ob.List[string]{"Alignment"}, TargetName: "Data analysis", TargetURL: "https://esco.example.org/skill/123",
			TargetFramework: "ESCO", TargetCode: "S1.2.3"}},
		ResultDescriptions: []ob.ResultDescription{{ID: "urn:uuid:11111111-2222-4333-8444-555555555555", Type: ob.List[string]{"ResultDescription"},
			Name: "Final grade", ResultType: "LetterGrade", AllowedValue: ob.List[string]{"A", "B", "C"}}},
		Tags: []string{"data", "python"}, ValidForMonths: 24,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *testEnv) award(t testing.TB, ach *cairn.Achievement, showName bool, formats ...string) *cairn.Award {
	t.Helper()
	credits := 3.0
	aw, _, err := e.svc.Award(context.Background(), e.org.ID, issuing.AwardInput{
		AchievementID: ach.ID,
		Recipient:     issuing.RecipientInput{Email: "ada@example.org", Name: "Ada Lovelace", ShowName: showName},
		Narrative:     "Built a dashboard of city air quality.",
		Evidence:      []ob.Evidence{{ID: "https://portfolio.example.org/ada/air", Type: ob.List[string]{"Evidence"}, Name: "Air quality dashboard"}},
		Results: []ob.Result{{Type: ob.List[string]{"Result"}, ResultDescription: "urn:uuid:11111111-2222-4333-8444-555555555555",
			Value: "A"}},
		CreditsEarned: &credits,
		Formats:       formats,
	})
	if err != nil {
		t.Fatal(err)
	}
	return aw
}

func get(t testing.TB, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code >= 500 {
		t.Errorf("GET %s: %d\n%s", path, w.Code, w.Body)
	}
	return w
}

func wantHeader(t *testing.T, w *httptest.ResponseRecorder, name, want string) {
	t.Helper()
	if got := w.Header().Get(name); got != want {
		t.Errorf("%s = %q, want %q", name, got, want)
	}
}

func wantContains(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, s := range wants {
		if !strings.Contains(body, s) {
			t.Errorf("body does not contain %q", s)
		}
	}
}

// metaContent returns the content of <meta property|name="key">.
func metaContent(body, key string) string {
	m := regexp.MustCompile(`<meta (?:property|name)="` + regexp.QuoteMeta(key) + `" content="([^"]*)">`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func TestCredentialPage_Active(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	aw := e.award(t, e.ach, false)
	credURL := testBase + "/credentials/" + aw.ID

	w := get(t, e.mux, "/credentials/"+aw.ID, "Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	if w.Code != 200 {
		t.Fatalf("status %d\n%s", w.Code, w.Body)
	}
	wantHeader(t, w, "Content-Type", "text/html; charset=utf-8")
	if v := w.Header().Values("Vary"); len(v) == 0 || !strings.Contains(strings.Join(v, ","), "Accept") {
		t.Errorf("Vary = %q, want Accept", v)
	}
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'sha256-") {
		t.Errorf("CSP = %q", csp)
	}
	body := w.Body.String()
	wantContains(t, body,
		"Data Analysis Foundations", "Example University", `id="result">Verified: every check passed`,
		`<table id="checks">`, `class="pill verified">verified</span></td><td><strong>proof</strong>`,
		`<strong>status</strong>`, "Complete the four projects", "Air quality dashboard", "Data analysis",
		"Final grade: A", "Built a dashboard", "3 of 3", `id="status">Active<`,
		`href="/credentials/`+aw.ID+`.png" download`, `href="/credentials/`+aw.ID+`.svg" download`,
		`href="/credentials/`+aw.ID+`.json"`, `src="/credentials/`+aw.ID+`/qr.svg"`, `href="/achievements/`+e.ach.ID+`"`,
		`href="/issuers/`+e.issuer.ID+`"`, `value="`+credURL+`"`)
	if strings.Contains(body, "Ada") || strings.Contains(body, "ada@example.org") {
		t.Error("the page shows the recipient, who did not allow it")
	}
	if strings.Contains(body, ".jwt") {
		t.Error("the page links a JWT the award does not have")
	}
	if strings.Contains(body, `id="state"`) {
		t.Error("an active credential has a state banner")
	}

	// OpenGraph and Twitter cards.
	for key, want := range map[string]string{
		"og:title": "Data Analysis Foundations, issued by Example University", "og:url": credURL,
		"og:image": credURL + ".png", "og:type": "website", "og:site_name": "Cairn",
		"twitter:card": "summary", "twitter:image": credURL + ".png",
	} {
		if got := metaContent(body, key); got != want {
			t.Errorf("meta %s = %q, want %q", key, got, want)
		}
	}
	if metaContent(body, "og:description") == "" {
		t.Error("no og:description")
	}

	// LinkedIn add-to-profile link.
	m := regexp.MustCompile(`id="linkedin" href="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no LinkedIn link")
	}
	u, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	if u.Host != "www.linkedin.com" || u.Path != "/profile/add" {
		t.Errorf("LinkedIn link %s", u)
	}
	q := u.Query()
	until := aw.ValidUntil
	if until == nil {
		t.Fatal("award has no validUntil (achievement is valid 24 months)")
	}
	for k, want := range map[string]string{
		"startTask": "CERTIFICATION_NAME", "name": "Data Analysis Foundations", "organizationName": "Example University",
		"issueYear": fmt.Sprint(aw.AwardedDate.Year()), "issueMonth": fmt.Sprint(int(aw.AwardedDate.Month())),
		"expirationYear": fmt.Sprint(until.Year()), "expirationMonth": fmt.Sprint(int(until.Month())),
		"certUrl": credURL, "certId": aw.ID,
	} {
		if got := q.Get(k); got != want {
			t.Errorf("LinkedIn %s = %q, want %q", k, got, want)
		}
	}
}

func TestCredentialPage_ShowName(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	aw := e.award(t, e.ach, true, cairn.FormatDataIntegrity, cairn.FormatJWT)
	body := get(t, e.mux, "/credentials/"+aw.ID).Body.String()
	wantContains(t, body, `<strong id="recipient">Ada Lovelace</strong>`, `href="/credentials/`+aw.ID+`.jwt"`)
	if d := metaContent(body, "og:description"); !strings.HasPrefix(d, "Ada Lovelace earned") {
		t.Errorf("og:description = %q", d)
	}
	if strings.Contains(body, "ada@example.org") {
		t.Error("the page shows the recipient's email")
	}
}

func TestCredentialPage_States(t *testing.T) {
	for _, tc := range []struct {
		state  cairn.AwardState
		reason string
		banner string
		check  verify.Outcome // of the status check
	}{
		{cairn.StateRevoked, "Issued in error", "This credential was revoked by its issuer", verify.Failed},
		{cairn.StateSuspended, "Under review", "This credential was suspended by its issuer", verify.Verified},
	} {
		t.Run(string(tc.state), func(t *testing.T) {
			e := newEnv(t, testBase, PublicOptions{})
			aw := e.award(t, e.ach, false)
			// A first view caches the active page; the change must show at once.
			if body := get(t, e.mux, "/credentials/"+aw.ID).Body.String(); !strings.Contains(body, "Verified: every check passed") {
				t.Fatal("the active credential does not verify")
			}
			if _, err := e.svc.SetState(context.Background(), e.org.ID, aw.ID, tc.state, tc.reason); err != nil {
				t.Fatal(err)
			}
			body := get(t, e.mux, "/credentials/"+aw.ID).Body.String()
			i := strings.Index(body, `id="state"`)
			if i < 0 || i > strings.Index(body, "<h1>") {
				t.Fatal("no state banner above the credential")
			}
			wantContains(t, body, tc.banner, "Reason given: "+tc.reason)
			if strings.Contains(body, "linkedin.com") {
				t.Error("a revoked or suspended credential is offered to LinkedIn")
			}
			if !strings.Contains(body, `class="pill `+string(tc.check)+`">`+string(tc.check)+`</span></td><td><strong>status</strong>`) {
				t.Errorf("status check is not %s", tc.check)
			}
		})
	}
}

func TestCredentialPage_Expired(t *testing.T) {
	future := time.Now().AddDate(3, 0, 0)
	e := newEnv(t, testBase, PublicOptions{Now: func() time.Time { return future }})
	aw := e.award(t, e.ach, false)
	body := get(t, e.mux, "/credentials/"+aw.ID).Body.String()
	wantContains(t, body, `id="state"`, "This credential expired on "+aw.ValidUntil.UTC().Format("2 January 2006"),
		`id="status">Expired<`, `class="pill failed">failed</span></td><td><strong>validity-dates</strong>`)
}

func TestCredentialNegotiation(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	aw := e.award(t, e.ach, false)
	for _, tc := range []struct{ accept, want string }{
		{"", "text/html; charset=utf-8"},
		{"*/*", "text/html; charset=utf-8"},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8", "text/html; charset=utf-8"},
		{"application/vc+ld+json", "application/vc+ld+json"},
		{"application/ld+json", "application/ld+json"},
		{"application/json", "application/json"},
		{"application/ld+json, application/json;q=0.9", "application/ld+json"},
		{"application/json, */*;q=0.1", "application/json"},
		{"application/json;q=0.5, text/html;q=0.9", "text/html; charset=utf-8"},
		{"application/*", "application/vc+ld+json"},
		{"image/png", "text/html; charset=utf-8"},
	} {
		w := get(t, e.mux, "/credentials/"+aw.ID, "Accept", tc.accept)
		if w.Code != 200 {
			t.Errorf("Accept %q: status %d", tc.accept, w.Code)
			continue
		}
		if got := w.Header().Get("Content-Type"); got != tc.want {
			t.Errorf("Accept %q: Content-Type %q, want %q", tc.accept, got, tc.want)
		}
		if !strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "Accept") {
			t.Errorf("Accept %q: no Vary: Accept", tc.accept)
		}
		if !strings.HasPrefix(tc.want, "text/html") && !bytes.Equal(w.Body.Bytes(), aw.CredentialJSON) {
			t.Errorf("Accept %q: body is not the stored signed credential", tc.accept)
		}
	}
}

func TestCredentialFiles(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	di := e.award(t, e.ach, false)
	both := e.award(t, e.ach, false, cairn.FormatDataIntegrity, cairn.FormatJWT)

	w := get(t, e.mux, "/credentials/"+di.ID+".json")
	wantHeader(t, w, "Content-Type", "application/vc+ld+json")
	wantHeader(t, w, "Access-Control-Allow-Origin", "*")
	if !bytes.Equal(w.Body.Bytes(), di.CredentialJSON) {
		t.Error(".json is not the stored signed credential")
	}
	if w2 := get(t, e.mux, "/credentials/"+di.ID+".json", "If-None-Match", w.Header().Get("ETag")); w2.Code != http.StatusNotModified {
		t.Errorf(".json with If-None-Match: %d, want 304", w2.Code)
	}

	if w := get(t, e.mux, "/credentials/"+di.ID+".jwt"); w.Code != 404 {
		t.Errorf(".jwt of an award without JWT: %d, want 404", w.Code)
	}
	w = get(t, e.mux, "/credentials/"+both.ID+".jwt")
	wantHeader(t, w, "Content-Type", "text/plain; charset=utf-8")
	if w.Body.String() != both.CredentialJWT {
		t.Error(".jwt is not the stored JWT")
	}
	if rep := verify.New(e.svc.Fetcher(nil)).Verify(context.Background(), w.Body.Bytes()); rep.Result != verify.Verified {
		t.Errorf("JWT does not verify: %s", rep.Summary())
	}

	for _, ext := range []string{".png", ".svg"} {
		w := get(t, e.mux, "/credentials/"+di.ID+ext)
		if w.Code != 200 {
			t.Fatalf("%s: %d", ext, w.Code)
		}
		wantHeader(t, w, "Content-Type", map[string]string{".png": "image/png", ".svg": "image/svg+xml"}[ext])
		wantHeader(t, w, "X-Content-Type-Options", "nosniff")
		disp, params, err := mime.ParseMediaType(w.Header().Get("Content-Disposition"))
		if err != nil || disp != "attachment" || params["filename"] != "data-analysis-foundations-"+di.ID[:8]+ext {
			t.Errorf("%s: Content-Disposition %q", ext, w.Header().Get("Content-Disposition"))
		}
		b, err := bake.Unbake(w.Body.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		if b.Version != bake.OB3 || !bytes.Equal(b.Payload, bytes.TrimSpace(di.CredentialJSON)) {
			t.Errorf("%s: baked payload is not the stored credential", ext)
		}
		if rep := verify.New(e.svc.Fetcher(nil)).Verify(context.Background(), w.Body.Bytes()); rep.Result != verify.Verified {
			t.Errorf("%s does not verify: %s", ext, rep.Summary())
		}
		etag := w.Header().Get("ETag")
		if w2 := get(t, e.mux, "/credentials/"+di.ID+ext, "If-None-Match", etag); w2.Code != http.StatusNotModified {
			t.Errorf("%s with If-None-Match: %d, want 304", ext, w2.Code)
		}
		// A re-issue changes the bytes, the ETag and what is baked.
		re, err := e.svc.Reissue(context.Background(), e.org.ID, di.ID)
		if err != nil {
			t.Fatal(err)
		}
		w3 := get(t, e.mux, "/credentials/"+di.ID+ext, "If-None-Match", etag)
		if w3.Code != 200 {
			t.Fatalf("%s after re-issue: %d, want 200", ext, w3.Code)
		}
		if b, err := bake.Unbake(w3.Body.Bytes()); err != nil || !bytes.Equal(b.Payload, bytes.TrimSpace(re.CredentialJSON)) {
			t.Errorf("%s after re-issue: baked payload is not the re-issued credential", ext)
		}
		di = re
	}

	w = get(t, e.mux, "/credentials/"+di.ID+"/qr.svg")
	wantHeader(t, w, "Content-Type", "image/svg+xml")
	wantContains(t, w.Body.String(), "<svg")
}

func TestBakedIntoUploadedImage(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	src, err := badgeimg.Design{Title: "Uploaded", Shape: badgeimg.Circle}.PNG(320)
	if err != nil {
		t.Fatal(err)
	}
	img := &cairn.Image{OrgID: e.org.ID, ContentType: "image/png", Data: src, SHA256: "abc123"}
	if err := e.store.CreateImage(context.Background(), img); err != nil {
		t.Fatal(err)
	}
	ach := e.achievement(t, img.ID)
	aw := e.award(t, ach, false)

	w := get(t, e.mux, "/credentials/"+aw.ID+".png")
	cfg, err := png.DecodeConfig(bytes.NewReader(w.Body.Bytes()))
	if err != nil || cfg.Width != 320 {
		t.Errorf("baked PNG is not the uploaded 320 px image: %v %+v", err, cfg)
	}
	if b, err := bake.Unbake(w.Body.Bytes()); err != nil || !bytes.Equal(b.Payload, bytes.TrimSpace(aw.CredentialJSON)) {
		t.Errorf("baked payload: %v", err)
	}
	// The uploaded PNG cannot be an SVG: the SVG is a generated design.
	if w := get(t, e.mux, "/credentials/"+aw.ID+".svg"); w.Code != 200 || !strings.Contains(w.Body.String(), "Data Analysis") {
		t.Errorf(".svg of a PNG-image achievement: %d", w.Code)
	}
	body := get(t, e.mux, "/credentials/"+aw.ID).Body.String()
	wantContains(t, body, `<img class="badge" src="/images/`+img.ID+`"`)

	w = get(t, e.mux, "/images/"+img.ID)
	wantHeader(t, w, "Content-Type", "image/png")
	wantHeader(t, w, "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	wantHeader(t, w, "X-Content-Type-Options", "nosniff")
	wantHeader(t, w, "Cache-Control", "public, max-age=31536000, immutable")
	if !bytes.Equal(w.Body.Bytes(), src) {
		t.Error("image bytes differ")
	}

	svg := &cairn.Image{OrgID: e.org.ID, ContentType: "image/svg+xml", Data: badgeimg.Design{Title: "S"}.SVG()}
	if err := e.store.CreateImage(context.Background(), svg); err != nil {
		t.Fatal(err)
	}
	w = get(t, e.mux, "/images/"+svg.ID)
	wantHeader(t, w, "Content-Type", "image/svg+xml")
	wantHeader(t, w, "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
}

func TestStatusList(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	aw := e.award(t, e.ach, false)
	path := "/status/" + aw.StatusListID

	w := get(t, e.mux, path)
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	wantHeader(t, w, "Content-Type", "application/vc+ld+json")
	wantHeader(t, w, "Cache-Control", "public, max-age=60")
	etag := w.Header().Get("ETag")
	if !regexp.MustCompile(`^"[0-9]+"$`).MatchString(etag) {
		t.Errorf("ETag %q, want a quoted version", etag)
	}
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || doc["id"] != testBase+path {
		t.Errorf("status list credential id %v (%v)", doc["id"], err)
	}
	if w := get(t, e.mux, path, "If-None-Match", etag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d, want an empty 304", w.Code)
	}
	if w := get(t, e.mux, path, "If-None-Match", `"other", `+etag); w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match list: %d, want 304", w.Code)
	}

	if _, err := e.svc.SetState(context.Background(), e.org.ID, aw.ID, cairn.StateRevoked, "fraud"); err != nil {
		t.Fatal(err)
	}
	w = get(t, e.mux, path, "If-None-Match", etag)
	if w.Code != 200 || w.Header().Get("ETag") == etag {
		t.Errorf("after a revocation: %d with ETag %s (was %s)", w.Code, w.Header().Get("ETag"), etag)
	}
	if w := get(t, e.mux, "/status/"+aw.SuspensionListID); w.Code != 200 {
		t.Errorf("suspension list: %d", w.Code)
	}
}

func TestIssuerAndDID(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	did := e.svc.IssuerDID(e.issuer)

	w := get(t, e.mux, "/issuers/"+e.issuer.ID+"/did.json")
	wantHeader(t, w, "Content-Type", "application/did+json")
	if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=300") {
		t.Errorf("Cache-Control %q", cc)
	}
	var doc struct {
		ID                 string `json:"id"`
		VerificationMethod []struct {
			ID string `json:"id"`
		} `json:"verificationMethod"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || doc.ID != did || len(doc.VerificationMethod) != 2 {
		t.Fatalf("DID document %s (%v)", w.Body, err)
	}

	w = get(t, e.mux, "/issuers/"+e.issuer.ID)
	wantHeader(t, w, "Content-Type", "text/html; charset=utf-8")
	body := w.Body.String()
	wantContains(t, body, "<h1>Example University</h1>", "A university that issues badges.", did,
		`href="https://uni.example.org"`, "badges@uni.example.org", `href="/issuers/`+e.issuer.ID+`/did.json"`)
	for _, vm := range doc.VerificationMethod {
		wantContains(t, body, vm.ID[strings.IndexByte(vm.ID, '#'):])
	}

	for _, accept := range []string{"application/ld+json", "application/json", "application/vc+ld+json"} {
		w = get(t, e.mux, "/issuers/"+e.issuer.ID, "Accept", accept)
		var prof map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &prof); err != nil {
			t.Fatalf("Accept %s: %v", accept, err)
		}
		if prof["id"] != did || prof["name"] != "Example University" || prof["@context"] == nil {
			t.Errorf("Accept %s: profile %s", accept, w.Body)
		}
		if ct := w.Header().Get("Content-Type"); ct == "application/vc+ld+json" || !strings.HasPrefix(ct, "application/") {
			t.Errorf("Accept %s: Content-Type %q", accept, ct)
		}
	}
}

func TestAchievementPage(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	w := get(t, e.mux, "/achievements/"+e.ach.ID)
	wantHeader(t, w, "Content-Type", "text/html; charset=utf-8")
	wantContains(t, w.Body.String(), "<h1>Data Analysis Foundations</h1>", "Complete the four projects",
		"Micro Credential", "Final grade (A, B, C)", "24 months", "ESCO", `src="data:image/svg&#43;xml;base64,`,
		`<link rel="canonical" href="`+testBase+"/achievements/"+e.ach.ID+`">`)

	w = get(t, e.mux, "/achievements/"+e.ach.ID, "Accept", "application/json")
	wantHeader(t, w, "Content-Type", "application/json")
	var a ob.Achievement
	if err := ob.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if a.ID != e.svc.AchievementURL(e.ach.ID) || a.Name != e.ach.Name || a.Criteria.Narrative == "" || a.Creator == nil {
		t.Errorf("achievement JSON %s", w.Body)
	}
	if !strings.HasPrefix(w.Body.String(), `{"@context":["https://www.w3.org/ns/credentials/v2",`) {
		t.Errorf("achievement JSON has no @context: %.80s", w.Body)
	}
}

func TestNotFound(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	aw := e.award(t, e.ach, false)
	for _, path := range []string{
		"/credentials/00000000-0000-4000-8000-000000000000", "/credentials/nope", "/credentials/" + aw.ID + ".exe",
		"/credentials/" + aw.ID + ".json.png", "/credentials/%00", "/credentials/..%2f..%2fetc", "/credentials/" + strings.Repeat("a", 300),
		"/credentials/" + aw.ID + "/other", "/credentials/a/b/c", "/credentials/", "/credentials/x/qr.svg",
		"/achievements/nope", "/achievements/%27%22%3C", "/issuers/nope", "/issuers/nope/did.json", "/issuers/" + e.issuer.ID + "/x",
		"/status/nope", "/status/" + aw.ID, "/images/nope", "/images/" + e.issuer.ID,
	} {
		w := get(t, e.mux, path)
		if w.Code != 404 {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
			continue
		}
		if !strings.Contains(w.Body.String(), "<h1>Not found</h1>") || !strings.Contains(w.Body.String(), "<style>") {
			t.Errorf("GET %s: not the styled 404 page: %.200s", path, w.Body)
		}
		w = get(t, e.mux, path, "Accept", "application/json")
		if w.Code != 404 || w.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s as JSON: %d %s", path, w.Code, w.Header().Get("Content-Type"))
		}
	}
}

// The verifier pages keep working beside the public pages.
func TestVerifierBesidePublic(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	if w := get(t, e.mux, "/"); w.Code != 200 || !strings.Contains(w.Body.String(), "Verify a badge") {
		t.Errorf("home: %d", w.Code)
	}
}

func TestNegotiate(t *testing.T) {
	offers := []string{"text/html", "application/vc+ld+json", "application/json"}
	for _, tc := range []struct{ accept, want string }{
		{"", "text/html"},
		{"application/json", "application/json"},
		{"APPLICATION/JSON", "application/json"},
		{"*/*;q=0.1, application/json;q=0.2", "application/json"},
		{"*/*, text/html;q=0", "application/vc+ld+json"},
		{"application/vc+ld+json;q=0.9, application/json", "application/json"},
		{"garbage;;, ,", "text/html"},
		{"text/plain", "text/html"},
		{"application/json;q=abc", "application/json"},
		{"Application/*;q=0.5, text/html;q=0.4", "application/vc+ld+json"},
		{"text/*;q=0.5, */*;q=0.1", "text/html"},
		{"application", "text/html"},
		{"tex/*, text/html;q=0.1, applicationx/*", "text/html"},
		{"text/html;q=0, application/json; Q = 0.5 ", "application/json"},
	} {
		if got := negotiate(tc.accept, offers...); got != tc.want {
			t.Errorf("negotiate(%q) = %q, want %q", tc.accept, got, tc.want)
		}
	}
}

func TestTTLCache(t *testing.T) {
	c := newTTLCache[int](4)
	now := time.Now()
	calls := 0
	build := func() (int, time.Time, error) { calls++; return calls, now.Add(time.Minute), nil }
	if v, _ := c.get("a", now, build); v != 1 {
		t.Fatal(v)
	}
	if v, _ := c.get("a", now.Add(30*time.Second), build); v != 1 {
		t.Errorf("cached value rebuilt: %d", v)
	}
	if v, _ := c.get("a", now.Add(2*time.Minute), build); v != 2 {
		t.Errorf("expired value kept: %d", v)
	}
	if _, err := c.get("e", now, func() (int, time.Time, error) { return 0, now.Add(time.Hour), fmt.Errorf("boom") }); err == nil {
		t.Error("error lost")
	}
	if v, err := c.get("e", now, build); err != nil || v != 3 {
		t.Errorf("error cached: %d %v", v, err)
	}
	for i := range 20 {
		c.get(fmt.Sprint(i), now, build)
	}
	if n := len(c.m); n > 4 {
		t.Errorf("cache holds %d entries, limit 4", n)
	}
}

type countingVerifier struct {
	mu sync.Mutex
	n  int
	v  Verifier
}

func (c *countingVerifier) Verify(ctx context.Context, input []byte) *verify.Report {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.v.Verify(ctx, input)
}

func (c *countingVerifier) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// A page is verified once per award version and ReportTTL, however many
// read it at once; a state change shows at once.
func TestCredentialPageCache(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	cv := &countingVerifier{}
	e := newEnv(t, testBase, PublicOptions{Verifier: cv, Now: clock, ReportTTL: time.Minute})
	cv.v = verify.New(e.svc.Fetcher(nil))
	aw := e.award(t, e.ach, false)

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			get(t, e.mux, "/credentials/"+aw.ID)
		}()
	}
	wg.Wait()
	if n := cv.count(); n != 1 {
		t.Errorf("8 concurrent views verified %d times, want 1", n)
	}
	if _, err := e.svc.SetState(context.Background(), e.org.ID, aw.ID, cairn.StateSuspended, "check"); err != nil {
		t.Fatal(err)
	}
	if body := get(t, e.mux, "/credentials/"+aw.ID).Body.String(); !strings.Contains(body, "suspended") || cv.count() != 2 {
		t.Errorf("after a state change: verified %d times, suspended shown: %v", cv.count(), strings.Contains(body, "suspended"))
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	get(t, e.mux, "/credentials/"+aw.ID)
	if n := cv.count(); n != 3 {
		t.Errorf("after ReportTTL: verified %d times in all, want 3", n)
	}
}
