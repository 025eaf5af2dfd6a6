package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/wallet"
)

// remoteHosts is what the verifier and the importer reach in these tests:
// documents served from memory by URL, and the httptest servers allowed;
// anything else is unavailable, as offline.
type remoteHosts struct {
	mu      sync.Mutex
	docs    map[string][]byte
	servers []string
}

func (r *remoteHosts) set(url string, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.docs == nil {
		r.docs = map[string][]byte{}
	}
	r.docs[url] = data
}

func (r *remoteHosts) allow(serverURL string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.servers = append(r.servers, serverURL)
}

func (r *remoteHosts) Fetch(ctx context.Context, url string) ([]byte, error) {
	r.mu.Lock()
	doc, ok := r.docs[url]
	servers := r.servers
	r.mu.Unlock()
	if ok {
		return doc, nil
	}
	for _, s := range servers {
		if strings.HasPrefix(url, s+"/") {
			return (&fetch.HTTP{AllowLoopbackHTTP: true}).Fetch(ctx, url)
		}
	}
	return nil, fmt.Errorf("%s: not served in this test: %w", url, fetch.ErrUnavailable)
}

func walletVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "wallet", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var multikeyVM = regexp.MustCompile(`"verificationMethod"\s*:\s*"(https://[^"#]+)#(z6Mk[A-Za-z0-9]+)"`)

// serveControllers serves, for each https verification method of the
// 1EdTech vectors (whose fragment is the Multikey), a controller document
// listing that key: no such document is published.
func (e *env) serveControllers(files ...string) {
	e.t.Helper()
	keys := map[string][]string{}
	for _, f := range files {
		for _, m := range multikeyVM.FindAllStringSubmatch(string(walletVector(e.t, f)), -1) {
			if !containsString(keys[m[1]], m[2]) {
				keys[m[1]] = append(keys[m[1]], m[2])
			}
		}
	}
	for base, frags := range keys {
		var vms, refs []any
		for _, f := range frags {
			vms = append(vms, map[string]any{"id": base + "#" + f, "type": "Multikey", "controller": base, "publicKeyMultibase": f})
			refs = append(refs, base+"#"+f)
		}
		doc, _ := json.Marshal(map[string]any{"@context": []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"},
			"id": base, "verificationMethod": vms, "assertionMethod": refs})
		e.remote.set(base, doc)
	}
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// walletItem is a credential as the learner API shows it.
type walletItem struct {
	ID, Source, Format, Name, URL, Image, CredentialID string
	Addressed, AddressedTo                             string
	Issuer                                             struct{ ID, Name string }
	Skills                                             []string
	AwardedDate                                        *time.Time
	Verification                                       *struct {
		Result    verify.Outcome
		Checks    []verify.Check
		CheckedAt *time.Time
	}
	Credential json.RawMessage
	JWT        string
}

func (w walletItem) check(name string) *verify.Check {
	for i := range w.Verification.Checks {
		if w.Verification.Checks[i].Name == name {
			return &w.Verification.Checks[i]
		}
	}
	return nil
}

// importRaw imports data sent as ctype and checks the status.
func (e *env) importRaw(tok, ctype string, data []byte, code int) walletItem {
	e.t.Helper()
	var it walletItem
	e.do("POST", "/api/v1/learner/credentials", tok, rawBody{ctype, data}).must(e.t, code, &it)
	return it
}

// ob2Hosted serves an OB 2.0 hosted assertion, its badge class and its
// issuer on srv, and returns the assertion's URL.
func ob2Hosted(t *testing.T, mux *http.ServeMux, base string, revoked *bool, gone *bool) string {
	assertion := base + "/assertions/1"
	mux.HandleFunc("GET /assertions/1", func(w http.ResponseWriter, r *http.Request) {
		if *gone {
			http.Error(w, "gone", http.StatusGone)
			return
		}
		a := map[string]any{"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": assertion,
			"recipient": map[string]any{"type": "email", "hashed": false, "identity": "ada@example.org"},
			"issuedOn":  "2024-05-01T10:00:00Z", "badge": base + "/badges/robotics", "verification": map[string]any{"type": "hosted"}}
		if *revoked {
			a["revoked"], a["revocationReason"] = true, "issued in error"
		}
		json.NewEncoder(w).Encode(a)
	})
	mux.HandleFunc("GET /badges/robotics", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass", "id": base + "/badges/robotics",
			"name": "Robotics Level 1", "description": "Built a robot.", "image": "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'%3E%3Ccircle cx='5' cy='5' r='4' fill='teal'/%3E%3C/svg%3E",
			"criteria": map[string]any{"narrative": "Build one."}, "issuer": base + "/issuer",
			"alignment": []any{map[string]any{"targetName": "Robotics", "targetUrl": "https://skills.example/robotics"}}})
	})
	mux.HandleFunc("GET /issuer", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"@context": "https://w3id.org/openbadges/v2", "type": "Issuer", "id": base + "/issuer",
			"name": "Old Platform School", "url": base, "email": "badges@old.example"})
	})
	return assertion
}

func TestLearnerImportVectors(t *testing.T) {
	e := newEnv(t)
	tok := e.newLearner("ada@example.org", true)
	e.serveControllers("ob30-simple.json", "clr20-simple.json", "ob30-simple-json.png", "ob30-simple-json.svg")

	for _, tc := range []struct {
		file, ctype, format string
		result              verify.Outcome
		image               bool
	}{
		{"ob30-simple.json", "application/vc+ld+json", "ob3", verify.Verified, false},
		{"ob30-simple.jwt", "application/jwt", "ob3", verify.Failed, false}, // no kid, and its issuer is no DID: kept, flagged
		{"ob30-simple-jwt.svg", "image/svg+xml", "ob3", verify.Verified, true},
		{"clr20-simple.json", "application/json", "clr", verify.Verified, false},
		{"ob30-simple-err-proof-value.json", "application/json", "ob3", verify.Failed, false},
	} {
		it := e.importRaw(tok, tc.ctype, walletVector(t, tc.file), 201)
		if it.Source != "import" || it.Format != tc.format || it.Verification == nil || it.Verification.Result != tc.result ||
			it.Verification.CheckedAt == nil || len(it.Verification.Checks) == 0 || it.Name == "" || (it.Image != "") != tc.image {
			t.Errorf("%s: %+v %+v", tc.file, it, it.Verification)
		}
		// The same credential again: 200 with the one kept.
		again := e.importRaw(tok, tc.ctype, walletVector(t, tc.file), 200)
		if again.ID != it.ID {
			t.Errorf("%s imported twice: %s then %s", tc.file, it.ID, again.ID)
		}
	}
	// A baked PNG and SVG of the same credential as ob30-simple.json are
	// the same credential (one card), whatever the container.
	var list struct{ Items []walletItem }
	e.do("GET", "/api/v1/learner/credentials", tok, nil).must(t, 200, &list)
	n := len(list.Items)
	for _, f := range []string{"ob30-simple-json.png", "ob30-simple-json.svg"} {
		ctype := "image/png"
		if strings.HasSuffix(f, ".svg") {
			ctype = "image/svg+xml"
		}
		r := e.do("POST", "/api/v1/learner/credentials", tok, rawBody{ctype, walletVector(t, f)})
		if r.code != 200 && r.code != 201 {
			t.Fatalf("%s: %d %s", f, r.code, r.body)
		}
		var it walletItem
		json.Unmarshal(r.body, &it)
		if it.Verification.Result != verify.Verified || it.Image == "" {
			t.Errorf("%s: %+v", f, it)
		}
		if r.code == 201 {
			n++
		}
	}
	e.do("GET", "/api/v1/learner/credentials", tok, nil).must(t, 200, &list)
	if len(list.Items) != n {
		t.Errorf("%d items, want %d", len(list.Items), n)
	}

	// The image of a baked SVG is served sanitized, as an image only.
	var svgItem walletItem
	for _, it := range list.Items {
		if it.Image != "" {
			svgItem = it
		}
	}
	r := e.do("GET", strings.TrimPrefix(svgItem.Image, testBase), tok, nil)
	if r.code != 200 || !strings.HasPrefix(r.hdr.Get("Content-Type"), "image/") || r.hdr.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(r.hdr.Get("Content-Security-Policy"), "sandbox") || bytes.Contains(r.body, []byte("<script")) {
		t.Errorf("image: %d %v", r.code, r.hdr)
	}

	// Refusing what fails: 422 with the report, nothing kept.
	before := len(list.Items)
	bad := walletVector(t, "ob30-simple-err-proof-value.json")
	bad = bytes.Replace(bad, []byte(`"name"`), []byte(`"name" `), 1) // another digest
	r = e.do("POST", "/api/v1/learner/credentials?onFailure=refuse", tok, rawBody{"application/json", bad})
	var refused struct {
		Field        string
		Verification struct{ Result verify.Outcome }
	}
	if r.code != 422 || json.Unmarshal(r.body, &refused) != nil || refused.Verification.Result != verify.Failed || refused.Field != "credential" {
		t.Errorf("refused: %d %s", r.code, r.body)
	}
	e.do("GET", "/api/v1/learner/credentials", tok, nil).must(t, 200, &list)
	if len(list.Items) != before {
		t.Errorf("a refused credential was kept")
	}

	// The JSON body forms: {"credential": object}, {"credential": "JWT"},
	// {"credential": "data:image/png;base64,…"}; multipart file.
	foreign := walletVector(t, "foreign-ob3-didkey.json")
	e.remote.set("https://status.example/lists/7", walletVector(t, "status-list.didweb.json"))
	e.remote.set("https://issuer.example/.well-known/did.json", walletVector(t, "did-web-issuer.example.json"))
	var it walletItem
	e.do("POST", "/api/v1/learner/credentials", tok, map[string]any{"credential": json.RawMessage(foreign)}).must(t, 201, &it)
	if it.Verification.Result != verify.Verified || it.Issuer.Name != "Other Platform Academy" || it.Name != "Data Analysis 101" {
		t.Errorf("foreign: %+v %+v", it, it.Verification)
	}
	e.do("POST", "/api/v1/learner/credentials", tok, map[string]any{"credential": string(walletVector(t, "ob30-simple.jwt"))}).must(t, 200, nil)
	var png bytes.Buffer
	png.WriteString("data:image/png;base64,")
	png.WriteString(b64(walletVector(t, "ob30-simple-json.png")))
	e.do("POST", "/api/v1/learner/credentials", tok, map[string]any{"credential": png.String()}).must(t, 200, nil)
	body, ctype := multipartFile(t, "badge.svg", "image/svg+xml", walletVector(t, "ob30-simple-jwt.svg"))
	e.do("POST", "/api/v1/learner/credentials", tok, rawBody{ctype, body}).must(t, 200, nil)

	// GET one: the credential as imported.
	var one walletItem
	e.do("GET", "/api/v1/learner/credentials/"+it.ID, tok, nil).must(t, 200, &one)
	if !json.Valid(one.Credential) || one.Verification.Result != verify.Verified {
		t.Errorf("GET one: %+v", one)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func multipartFile(t *testing.T, name, ctype string, data []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name="file"; filename=%q`, name)}
	h["Content-Type"] = []string{ctype}
	w, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// TestLearnerImportRevocation: an imported credential whose status list
// later says revoked shows failed at the next check, on demand and in the
// background (bounded per tick).
func TestLearnerImportRevocation(t *testing.T) {
	e := newEnv(t)
	tok := e.newLearner("ada@example.org", true)
	e.remote.set("https://status.example/lists/7", walletVector(t, "status-list.didweb.json"))
	e.remote.set("https://issuer.example/.well-known/did.json", walletVector(t, "did-web-issuer.example.json"))
	it := e.importRaw(tok, "application/vc+ld+json", walletVector(t, "foreign-ob3-didkey.json"), 201)
	if it.Verification.Result != verify.Verified {
		t.Fatalf("import: %+v", it.Verification)
	}
	e.remote.set("https://status.example/lists/7", walletVector(t, "status-list.didweb.revoked.json"))

	// In the background: nothing is due before a day has passed.
	now := time.Now()
	clock := now
	bg := wallet.NewImporter(e.db, e.verifier, wallet.ImportOptions{Fetcher: e.remote, Now: func() time.Time { return clock }, Batch: 1})
	if n, err := bg.CheckDue(context.Background()); err != nil || n != 0 {
		t.Fatalf("CheckDue now: %d, %v", n, err)
	}
	clock = now.Add(wallet.RecheckEvery + time.Minute)
	if n, err := bg.CheckDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("CheckDue a day later: %d, %v", n, err)
	}
	var got walletItem
	e.do("GET", "/api/v1/learner/credentials/"+it.ID, tok, nil).must(t, 200, &got)
	if got.Verification.Result != verify.Failed || got.check(verify.CheckStatus).Outcome != verify.Failed || !got.Verification.CheckedAt.After(*it.Verification.CheckedAt) {
		t.Errorf("after the background check: %+v", got.Verification)
	}
	if n, _ := bg.CheckDue(context.Background()); n != 0 {
		t.Errorf("checked again at once: %d", n)
	}

	// On demand, after the list is clean again.
	e.remote.set("https://status.example/lists/7", walletVector(t, "status-list.didweb.json"))
	e.do("POST", "/api/v1/learner/credentials/"+it.ID+"/verify", tok, nil).must(t, 200, &got)
	if got.Verification.Result != verify.Verified {
		t.Errorf("check again: %+v", got.Verification)
	}
}

// TestLearnerImportURLs: an OB 2.0 hosted assertion by its URL and baked
// in a PNG, a credential page with rel=alternate, one with the .json next
// to it, all against an httptest server; a hosted assertion revoked or
// gone fails at the next check.
func TestLearnerImportURLs(t *testing.T) {
	e := newEnv(t)
	tok := e.newLearner("ada@example.org", true)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	e.remote.allow(srv.URL)
	revoked, gone := false, false
	assertion := ob2Hosted(t, mux, srv.URL, &revoked, &gone)
	foreign := walletVector(t, "foreign-ob3-didkey.json")
	e.remote.set("https://status.example/lists/7", walletVector(t, "status-list.didweb.json"))
	e.remote.set("https://issuer.example/.well-known/did.json", walletVector(t, "did-web-issuer.example.json"))
	mux.HandleFunc("GET /credentials/abc", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><html><head><title>Badge</title><link rel="alternate" type="application/vc+ld+json" href="/data/abc"></head><body>A badge</body></html>`)
	})
	mux.HandleFunc("GET /data/abc", func(w http.ResponseWriter, r *http.Request) { w.Write(foreign) })
	mux.HandleFunc("GET /page/clr", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body>No link here</body></html>`)
	})
	mux.HandleFunc("GET /page/clr.json", func(w http.ResponseWriter, r *http.Request) { w.Write(walletVector(t, "clr20-simple.json")) })
	mux.HandleFunc("GET /page/none", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `<!doctype html><p>nothing`) })
	e.serveControllers("clr20-simple.json")

	var it walletItem
	e.do("POST", "/api/v1/learner/credentials", tok, map[string]any{"url": assertion}).must(t, 201, &it)
	if it.Format != "ob2" || it.Verification.Result != verify.Verified || it.Name != "Robotics Level 1" || it.Issuer.Name != "Old Platform School" ||
		it.URL != assertion || len(it.Skills) != 1 || it.Skills[0] != "Robotics" || it.Image == "" {
		t.Fatalf("OB 2.0 hosted: %+v %+v", it, it.Verification)
	}
	if c := it.check("hosted"); c == nil || c.Outcome != verify.Verified {
		t.Errorf("hosted check: %+v", it.Verification.Checks)
	}
	if it.Addressed != wallet.AddressedToYou || it.AddressedTo != "ada@example.org" {
		t.Errorf("OB 2.0 assertion to ada@example.org (plain): addressed %q %q", it.Addressed, it.AddressedTo)
	}
	// Pasted as text: the URL is fetched too (the same credential).
	e.do("POST", "/api/v1/learner/credentials", tok, rawBody{"text/plain", []byte(assertion + "\n")}).must(t, 200, nil)

	var page, next walletItem
	e.do("POST", "/api/v1/learner/credentials", tok, map[string]any{"url": srv.URL + "/credentials/abc"}).must(t, 201, &page)
	if page.Format != "ob3" || page.Verification.Result != verify.Verified || page.URL != srv.URL+"/data/abc" {
		t.Errorf("page with rel=alternate: %+v", page)
	}
	e.do("POST", "/api/v1/learner/credentials", tok, map[string]any{"url": srv.URL + "/page/clr"}).must(t, 201, &next)
	if next.Format != "clr" || next.URL != srv.URL+"/page/clr.json" {
		t.Errorf("page with .json: %+v", next)
	}
	if p := e.do("POST", "/api/v1/learner/credentials", tok, map[string]any{"url": srv.URL + "/page/none"}).problem(t, 422); p.Field != "url" {
		t.Errorf("page without a credential: %+v", p)
	}
	if p := e.do("POST", "/api/v1/learner/credentials", tok, map[string]any{"url": srv.URL + "/missing"}).problem(t, 422); p.Field != "url" || !strings.Contains(p.Detail, "404") {
		t.Errorf("404: %+v", p)
	}

	// Revoked at its host, then gone: failed at the next check.
	revoked = true
	var got walletItem
	e.do("POST", "/api/v1/learner/credentials/"+it.ID+"/verify", tok, nil).must(t, 200, &got)
	if got.Verification.Result != verify.Failed || !strings.Contains(got.check(verify.CheckStatus).Reason, "issued in error") {
		t.Errorf("revoked: %+v", got.Verification)
	}
	revoked, gone = false, true
	e.do("POST", "/api/v1/learner/credentials/"+it.ID+"/verify", tok, nil).must(t, 200, &got)
	if got.Verification.Result != verify.Failed || !strings.Contains(got.check(verify.CheckStatus).Reason, "410") {
		t.Errorf("gone: %+v", got.Verification)
	}

	// An OB 2.0 badge baked in a PNG whose assertion is hosted: the 1EdTech
	// sample, its documents served from memory.
	e.remote.set("https://example.org/beths-robotics-badge.json", walletVector(t, "ob20-basic-assertion.json"))
	e.remote.set("https://example.org/robotics-badge.json", []byte(`{"@context":"https://w3id.org/openbadges/v2","type":"BadgeClass","id":"https://example.org/robotics-badge.json","name":"Awesome Robotics Badge","description":"For doing awesome things with robots.","image":"https://example.org/robotics-badge.png","criteria":"https://example.org/robotics-badge.html","issuer":"https://example.org/organization.json"}`))
	e.remote.set("https://example.org/organization.json", []byte(`{"@context":"https://w3id.org/openbadges/v2","type":"Issuer","id":"https://example.org/organization.json","name":"An Example Badge Issuer","url":"https://example.org","email":"steved@example.org"}`))
	ob2png := e.importRaw(tok, "image/png", walletVector(t, "ob20-simple-badge.png"), 201)
	if ob2png.Format != "ob2" || ob2png.Verification.Result != verify.Verified || ob2png.Issuer.Name != "An Example Badge Issuer" || ob2png.Image == "" {
		t.Errorf("OB 2.0 baked PNG: %+v %+v", ob2png, ob2png.Verification)
	}
	// Its recipient is nobody@example.org, hashed with a salt.
	if ob2png.Addressed != wallet.AddressedToOther || ob2png.AddressedTo != "a hashed email address" {
		t.Errorf("OB 2.0 assertion to a hashed address not Ada's: addressed %q %q", ob2png.Addressed, ob2png.AddressedTo)
	}
	// The same badge in the wallet of nobody@example.org is theirs.
	tok2 := e.newLearner("nobody@example.org", true)
	if mine := e.importRaw(tok2, "image/png", walletVector(t, "ob20-simple-badge.png"), 201); mine.Addressed != wallet.AddressedToYou || mine.AddressedTo != "nobody@example.org" {
		t.Errorf("OB 2.0 assertion to the learner's hashed address: addressed %q %q", mine.Addressed, mine.AddressedTo)
	}
}

func TestLearnerImportBadInput(t *testing.T) {
	e := newEnv(t)
	tok := e.newLearner("ada@example.org", true)
	unbaked, err := os.ReadFile(filepath.Join("..", "bake", "testdata", "ob20-robotics-badge-unbaked.png"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		body  any
		code  int
		field string
	}{
		{"a PNG without a credential", rawBody{"image/png", unbaked}, 422, "file"},
		{"declared PNG, JSON inside", rawBody{"image/png", []byte(`{"a":1}`)}, 422, "file"},
		{"JSON that is no credential", rawBody{"application/json", []byte(`{"hello":"world"}`)}, 422, "credential"},
		{"not JSON", rawBody{"application/vc+ld+json", []byte(`{"hello"`)}, 422, "credential"},
		{"garbage text", rawBody{"text/plain", []byte("hello world")}, 422, "credential"},
		{"an unknown media type", rawBody{"application/pdf", []byte("%PDF")}, 415, "Content-Type"},
		{"no media type", rawBody{"", []byte("x")}, 415, "Content-Type"},
		{"empty", rawBody{"image/png", nil}, 400, ""},
		{"credential and url", map[string]any{"credential": map[string]any{"a": 1}, "url": "https://x.example/a"}, 422, "url"},
		{"neither", map[string]any{"onFailure": "keep"}, 422, "credential"},
		{"a bad onFailure", map[string]any{"url": "https://x.example/a", "onFailure": "maybe"}, 422, "onFailure"},
		{"ftp URL", map[string]any{"url": "ftp://x.example/a"}, 422, "url"},
		{"unreachable URL", map[string]any{"url": "https://unreachable.example/a"}, 422, "url"},
		{"a data: URL of a PDF", map[string]any{"credential": "data:application/pdf;base64,AAAA"}, 422, "credential"},
		{"an unknown member", map[string]any{"url": "https://x.example/a", "extra": 1}, 422, "credential"},
		{"a 50 MB file", rawBody{"image/png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 50<<20)...)}, 413, ""},
		{"multipart without file", multipartEmpty(t), 422, "file"},
	} {
		r := e.do("POST", "/api/v1/learner/credentials", tok, tc.body)
		if tc.code == 413 && r.code == 413 {
			continue
		}
		p := r.problem(t, tc.code)
		if p.Field != tc.field {
			t.Errorf("%s: field %q, want %q: %s", tc.name, p.Field, tc.field, p.Detail)
		}
	}
	var list struct{ Items []walletItem }
	e.do("GET", "/api/v1/learner/credentials", tok, nil).must(t, 200, &list)
	if len(list.Items) != 0 {
		t.Errorf("bad input kept: %+v", list.Items)
	}
	// Unknown and malformed ids.
	e.do("POST", "/api/v1/learner/credentials/00000000-0000-0000-0000-000000000000/verify", tok, nil).problem(t, 404)
	e.do("DELETE", "/api/v1/learner/credentials/not-an-id", tok, nil).problem(t, 404)
	e.do("GET", "/api/v1/learner/credentials/00000000-0000-0000-0000-000000000000/image", tok, nil).problem(t, 404)
	for _, q := range []string{"issuedAfter=yesterday", "issuedBefore=2024-13-01", "source=other"} {
		e.do("GET", "/api/v1/learner/credentials?"+q, tok, nil).problem(t, 400)
	}
}

func multipartEmpty(t *testing.T) rawBody {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("note", "nothing")
	mw.Close()
	return rawBody{mw.FormDataContentType(), b.Bytes()}
}

// TestLearnerImportListAndDelete: filters by issuer, skill and date over
// Cairn-issued and imported credentials; deleting an imported one; another
// learner sees none of it.
func TestLearnerImportListAndDelete(t *testing.T) {
	e := newEnv(t)
	a := e.makeFixture(e.newOrg("acme"))
	tok := e.newLearner("learner@example.com", true)
	// A Cairn-issued badge claimed into the wallet.
	var claimed walletItem
	e.do("POST", "/api/v1/learner/claims", tok, map[string]any{"token": e.claimToken(a.awardID)}).must(t, 201, &claimed)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	e.remote.allow(srv.URL)
	revoked, gone := false, false
	assertion := ob2Hosted(t, mux, srv.URL, &revoked, &gone)
	var ob2 walletItem
	e.do("POST", "/api/v1/learner/credentials", tok, map[string]any{"url": assertion}).must(t, 201, &ob2)
	e.serveControllers("clr20-simple.json")
	clr := e.importRaw(tok, "application/json", walletVector(t, "clr20-simple.json"), 201)

	ids := func(q string) []string {
		t.Helper()
		var list struct{ Items []walletItem }
		e.do("GET", "/api/v1/learner/credentials"+q, tok, nil).must(t, 200, &list)
		var out []string
		for _, it := range list.Items {
			out = append(out, it.ID)
		}
		return out
	}
	same := func(q string, want ...string) {
		t.Helper()
		got := ids(q)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
	all := ids("")
	if len(all) != 3 {
		t.Fatalf("all: %v", all)
	}
	same("?issuer=old+platform", ob2.ID)
	same("?issuer="+srv.URL+"/issuer", ob2.ID)
	same("?skill=robotics", ob2.ID)
	same("?skill=nothing")
	same("?source=cairn", claimed.ID)
	same("?issuedBefore=2024-05-01", idsWhere(t, e, tok, func(it walletItem) bool {
		return it.AwardedDate != nil && it.AwardedDate.Before(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
	})...)
	same("?issuedAfter=2024-04-30&issuedBefore=2024-05-02", ob2.ID)
	_ = clr

	// Another learner reaches none of it.
	other := e.newLearner("other@example.com", true)
	for _, id := range all {
		e.do("GET", "/api/v1/learner/credentials/"+id, other, nil).problem(t, 404)
		e.do("POST", "/api/v1/learner/credentials/"+id+"/verify", other, nil).problem(t, 404)
		e.do("DELETE", "/api/v1/learner/credentials/"+id, other, nil).problem(t, 404)
		e.do("GET", "/api/v1/learner/credentials/"+id+"/image", other, nil).problem(t, 404)
	}
	var none struct{ Items []walletItem }
	e.do("GET", "/api/v1/learner/credentials", other, nil).must(t, 200, &none)
	if len(none.Items) != 0 {
		t.Errorf("other learner lists %+v", none.Items)
	}
	// The same credential in another wallet is that wallet's own copy.
	e.do("POST", "/api/v1/learner/credentials", other, map[string]any{"url": assertion}).must(t, 201, nil)

	// A Cairn-issued badge is verified on demand, not deleted.
	var v walletItem
	e.do("POST", "/api/v1/learner/credentials/"+claimed.ID+"/verify", tok, nil).must(t, 200, &v)
	if v.Verification == nil || v.Verification.Result == "" || v.Source != "cairn" {
		t.Errorf("verify a Cairn-issued one: %s", e.do("POST", "/api/v1/learner/credentials/"+claimed.ID+"/verify", tok, nil).body)
	}
	e.do("DELETE", "/api/v1/learner/credentials/"+claimed.ID, tok, nil).problem(t, 409)
	e.do("DELETE", "/api/v1/learner/credentials/"+ob2.ID, tok, nil).must(t, 204, nil)
	e.do("DELETE", "/api/v1/learner/credentials/"+ob2.ID, tok, nil).problem(t, 404)
	if got := ids(""); len(got) != 2 {
		t.Errorf("after delete: %v", got)
	}
	// Deleting the account removes the imports.
	e.do("DELETE", "/api/v1/learner/me", tok, map[string]any{"password": "correct horse battery"}).must(t, 204, nil)
	if n := countImports(t, e); n != 1 { // the other learner's
		t.Errorf("imports left after deleting the account: %d", n)
	}
}

func idsWhere(t *testing.T, e *env, tok string, keep func(walletItem) bool) []string {
	t.Helper()
	var list struct{ Items []walletItem }
	e.do("GET", "/api/v1/learner/credentials", tok, nil).must(t, 200, &list)
	var out []string
	for _, it := range list.Items {
		if keep(it) {
			out = append(out, it.ID)
		}
	}
	return out
}

func countImports(t *testing.T, e *env) int {
	t.Helper()
	due, err := e.db.DueLearnerImports(context.Background(), time.Now().Add(1000*time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(due)
}

// TestLearnerImportAddressed: an imported credential says whether its
// subject is one of the learner's verified identities ("you"), someone
// else ("other", naming whom), and the learner's wallet page says so.
func TestLearnerImportAddressed(t *testing.T) {
	e := newEnv(t)
	tok := e.newLearner("learner@example.com", true)
	e.serveControllers("foreign-ob3-didkey.json")
	var it struct{ Addressed, AddressedTo string }
	e.do("POST", "/api/v1/learner/credentials", tok, rawBody{"application/json", walletVector(t, "foreign-ob3-didkey.json")}).must(t, 201, &it)
	if it.Addressed != wallet.AddressedToOther || it.AddressedTo != "did:example:learner-4711" {
		t.Fatalf("someone else's credential: %+v", it)
	}

	// The same DID verified in the wallet (the store's side of the
	// challenge; the proof is TestLearnerDIDs'): a new import is "you".
	l, err := e.db.LearnerByEmail(context.Background(), "learner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	const d = "did:example:learner-4711"
	if err := e.db.PutLearnerDIDChallenge(context.Background(), l.ID, d, "h", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := e.db.VerifyLearnerDID(context.Background(), l.ID, d, "h"); err != nil {
		t.Fatal(err)
	}
	tok2 := e.newLearner("other@example.com", true)
	e.do("POST", "/api/v1/learner/credentials", tok2, rawBody{"application/json", walletVector(t, "foreign-ob3-didkey.json")}).must(t, 201, &it)
	if it.Addressed != wallet.AddressedToOther {
		t.Fatalf("another learner's wallet: %+v", it)
	}
	e.do("DELETE", "/api/v1/learner/credentials/"+e.firstImport(tok), tok, nil).must(t, 204, nil)
	e.do("POST", "/api/v1/learner/credentials", tok, rawBody{"application/json", walletVector(t, "foreign-ob3-didkey.json")}).must(t, 201, &it)
	if it.Addressed != wallet.AddressedToYou || it.AddressedTo != d {
		t.Fatalf("the learner's own DID: %+v", it)
	}
}

// firstImport is the id of the first imported credential in tok's wallet.
func (e *env) firstImport(tok string) string {
	e.t.Helper()
	var list struct{ Items []walletItem }
	e.do("GET", "/api/v1/learner/credentials", tok, nil).must(e.t, 200, &list)
	for _, it := range list.Items {
		if it.Source == "import" {
			return it.ID
		}
	}
	e.t.Fatal("no imported credential")
	return ""
}
