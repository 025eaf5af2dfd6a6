package admin

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/badgeimg"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/web"
)

// cheapArgon2 makes test password hashes fast; VerifyPassword reads the
// parameters from the hash.
var cheapArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

const (
	ownerEmail  = "owner@example.org"
	viewerEmail = "viewer@example.org"
	issuerEmail = "issuer@example.org"
	password    = "correct horse battery staple"
)

// env is a real SQLite store, issuing service, admin pages, public pages
// and API on one mux, with an organization whose owner, issuer and viewer
// log in with password.
type env struct {
	db      *store.DB
	svc     *issuing.Service
	h       *Handler
	mux     *http.ServeMux
	org     *cairn.Organization
	issuer  *cairn.Issuer
	ach     *cairn.Achievement
	owner   *cairn.Account
	viewer  *cairn.Account
	issuerA *cairn.Account
}

func newEnv(t testing.TB, base string, opts Options) *env {
	t.Helper()
	ctx := context.Background()
	db, svc := testenv.Service(t, base, nil)
	e := &env{db: db, svc: svc}
	hash, err := cheapArgon2.Hash(ctx, password)
	if err != nil {
		t.Fatal(err)
	}
	e.org = &cairn.Organization{Slug: "uni", Name: "Example University"}
	e.owner = &cairn.Account{Email: ownerEmail, Name: "Olga Owner", PasswordHash: hash}
	if err := db.CreateOrganizationWithOwner(ctx, e.org, e.owner, nil); err != nil {
		t.Fatal(err)
	}
	e.viewer = e.member(t, viewerEmail, hash, cairn.RoleViewer)
	e.issuerA = e.member(t, issuerEmail, hash, cairn.RoleIssuer)
	if e.issuer, err = e.svc.CreateIssuer(ctx, e.org.ID, issuing.IssuerInput{Name: "Example University", URL: "https://uni.example.org"}); err != nil {
		t.Fatal(err)
	}
	svg := badgeimg.Design{Title: "Data Analysis"}.SVG()
	img := &cairn.Image{OrgID: e.org.ID, ContentType: "image/svg+xml", Data: svg, SHA256: "00"}
	if err := db.CreateImage(ctx, img); err != nil {
		t.Fatal(err)
	}
	if e.ach, err = e.svc.CreateAchievement(ctx, e.org.ID, issuing.AchievementInput{
		IssuerID: e.issuer.ID, Name: "Data Analysis Foundations", Description: "Cleans and explores data.",
		CriteriaNarrative: "Complete the four projects.", ImageID: img.ID, ValidForMonths: 24,
	}); err != nil {
		t.Fatal(err)
	}
	e.h = New(e.svc, opts)
	e.mux = http.NewServeMux()
	e.h.Register(e.mux)
	(&web.Handler{Verifier: verify.New(nil)}).Register(e.mux) // as the app wires it: no clashing routes
	web.NewPublic(e.svc, web.PublicOptions{Verifier: verify.New(e.svc.Fetcher(nil))}).Register(e.mux)
	(&api.Server{Service: e.svc, Store: db}).Register(e.mux)
	return e
}

func (e *env) member(t testing.TB, email, hash string, role cairn.Role) *cairn.Account {
	t.Helper()
	ctx := context.Background()
	a := &cairn.Account{Email: email, PasswordHash: hash}
	if err := e.db.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetMembership(ctx, cairn.Membership{OrgID: e.org.ID, AccountID: a.ID, Role: role}); err != nil {
		t.Fatal(err)
	}
	return a
}

// award issues an award through the service.
func (e *env) award(t testing.TB, email string) *cairn.Award {
	t.Helper()
	aw, _, err := e.svc.Award(context.Background(), e.org.ID, issuing.AwardInput{
		AchievementID: e.ach.ID, Recipient: issuing.RecipientInput{Email: email, Name: "Ada Lovelace", ShowName: true}})
	if err != nil {
		t.Fatal(err)
	}
	return aw
}

// client is a browser: it keeps cookies and the CSRF token of the last
// page, and sends Sec-Fetch-Site as a browser does.
type client struct {
	t       testing.TB
	h       http.Handler
	cookies map[string]*http.Cookie
	site    string // Sec-Fetch-Site; "" sends none
	origin  string // Origin; "" sends none
	addr    string // RemoteAddr
	csrf    string // from the last page with a form
}

func (e *env) client(t testing.TB) *client {
	return &client{t: t, h: e.mux, cookies: map[string]*http.Cookie{}, site: "same-origin", addr: "192.0.2.1:4321"}
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// response is an answer and its body.
type response struct {
	*http.Response
	body string
}

func (c *client) do(method, path string, body io.Reader, ctype string) *response {
	c.t.Helper()
	r := httptest.NewRequest(method, path, body)
	r.RemoteAddr = c.addr
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if c.site != "" {
		r.Header.Set("Sec-Fetch-Site", c.site)
	}
	if c.origin != "" {
		r.Header.Set("Origin", c.origin)
	}
	for _, ck := range c.cookies {
		r.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, r)
	res := w.Result()
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	b, _ := io.ReadAll(res.Body)
	if m := csrfRE.FindStringSubmatch(string(b)); m != nil {
		c.csrf = m[1]
	}
	if res.StatusCode >= 500 {
		c.t.Errorf("%s %s: %d\n%s", method, path, res.StatusCode, b)
	}
	return &response{res, string(b)}
}

func (c *client) get(path string) *response { return c.do("GET", path, nil, "") }

// post sends a form with the CSRF token of the last page (unless the form
// has one).
func (c *client) post(path string, form url.Values) *response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if !form.Has(auth.CSRFField) && c.csrf != "" {
		form.Set(auth.CSRFField, c.csrf)
	}
	return c.do("POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// postMultipart sends a multipart form with one optional file.
func (c *client) postMultipart(path string, form url.Values, file string, data []byte) *response {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if !form.Has(auth.CSRFField) {
		form.Set(auth.CSRFField, c.csrf)
	}
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if file != "" {
		fw, _ := mw.CreateFormFile("file", file)
		fw.Write(data)
	}
	mw.Close()
	return c.do("POST", path, &b, mw.FormDataContentType())
}

// login logs in through the form.
func (c *client) login(email, pw string) *response {
	c.t.Helper()
	c.get("/login")
	return c.post("/login", url.Values{"email": {email}, "password": {pw}})
}

// mustLogin logs in and fails the test unless it worked.
func (c *client) mustLogin(email string) {
	c.t.Helper()
	if res := c.login(email, password); res.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login as %s: %d\n%s", email, res.StatusCode, res.body)
	}
	c.get("/admin") // for the CSRF token
}

func regexpMust(pat string) *regexp.Regexp { return regexp.MustCompile(pat) }
