package webui

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/badgeimg"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/keyring"
	cmail "github.com/cairn-badges/cairn/notify/mail"
	"github.com/cairn-badges/cairn/oauth"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/review"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/wallet"
	"github.com/cairn-badges/cairn/web"
)

var testAddr = netip.MustParseAddr("192.0.2.1")

// cheapArgon2 makes the learner's password hash fast to check.
var cheapArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

const (
	learnerEmail = "ada@example.org"
	password     = "correct horse battery staple"
)

// env is a real SQLite store and issuing service with the wallet's
// pages (portfolio, imports, applications, the OB 3.0 API's consent) and
// the public pages on one mux; a learner, Ada, with her address
// confirmed, a claimed award, an imported credential, a connected
// application and a public portfolio; and a second award waiting at a
// claim link.
type env struct {
	base     string
	db       *store.DB
	svc      *issuing.Service
	w        *wallet.Service
	mux      *http.ServeMux
	org      *cairn.Organization
	ach      *cairn.Achievement
	learner  *store.Learner
	claimed  *cairn.Award
	imported *wallet.Imported
	// importShared: the portfolio shows the imported credential.
	importShared bool
	claim        string // the claim token of the unclaimed award
	consent      url.Values
	app          *review.Service
	appID        string // Ada's application
	log          *logLinks
	outbox       *outbox.Worker // with a sender: runs the verification mails
}

// logLinks keeps the links the wallet logs when mail is off.
type logLinks struct {
	mu    sync.Mutex
	links []string
}

func (l *logLinks) Enabled(context.Context, slog.Level) bool { return true }
func (l *logLinks) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "link" {
			l.mu.Lock()
			l.links = append(l.links, a.Value.String())
			l.mu.Unlock()
		}
		return true
	})
	return nil
}
func (l *logLinks) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logLinks) WithGroup(string) slog.Handler      { return l }

// newEnv builds the env; with a sender, the wallet mails its
// verification links through it (else mail is off and they are logged).
func newEnv(t testing.TB, base string, sender ...cmail.Sender) *env {
	t.Helper()
	ctx := context.Background()
	db, svc := testenv.Service(t, base, nil)
	e := &env{base: base, db: db, svc: svc, log: &logLinks{}}
	log := slog.New(e.log)
	e.org = &cairn.Organization{Slug: "uni", Name: "Example University"}
	owner := &cairn.Account{Email: "owner@example.org", Name: "Olga Owner", PasswordHash: "x"}
	if err := db.CreateOrganizationWithOwner(ctx, e.org, owner, nil); err != nil {
		t.Fatal(err)
	}
	is, err := svc.CreateIssuer(ctx, e.org.ID, issuing.IssuerInput{Name: "Example University", URL: "https://uni.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	img := &cairn.Image{OrgID: e.org.ID, ContentType: "image/svg+xml", Data: badgeimg.Design{Title: "Data"}.SVG(), SHA256: "00"}
	if err := db.CreateImage(ctx, img); err != nil {
		t.Fatal(err)
	}
	if e.ach, err = svc.CreateAchievement(ctx, e.org.ID, issuing.AchievementInput{
		IssuerID: is.ID, Name: "Data Analysis Foundations", Description: "Cleans and explores data.",
		CriteriaNarrative: "Complete the four projects.", ImageID: img.ID, ValidForMonths: 24,
	}); err != nil {
		t.Fatal(err)
	}

	// Ada, her address confirmed.
	hash, err := cheapArgon2.Hash(ctx, password)
	if err != nil {
		t.Fatal(err)
	}
	e.learner = &store.Learner{Email: learnerEmail, Name: "Ada Lovelace", PasswordHash: hash}
	tok := auth.HashToken("verify-ada").String()
	if err := db.CreateLearner(ctx, e.learner, tok, time.Now().Add(time.Hour), time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.VerifyLearnerEmail(ctx, tok); err != nil {
		t.Fatal(err)
	}
	wo := wallet.Options{Log: log}
	if len(sender) > 0 {
		wo.Mail, wo.Sender = &cmail.Config{From: mail.Address{Address: "badges@example.org"}}, sender[0]
		e.outbox = outbox.NewWorker(db, "test", nil)
	}
	e.w = wallet.New(db, base, wo)
	if e.outbox != nil {
		e.outbox.Register(e.w.Consumer())
	}

	// A claimed award, and one waiting at a claim link.
	award := func() *cairn.Award {
		aw, _, err := svc.Award(ctx, e.org.ID, issuing.AwardInput{AchievementID: e.ach.ID,
			Recipient: issuing.RecipientInput{Email: learnerEmail, Name: "Ada Lovelace", ShowName: true}})
		if err != nil {
			t.Fatal(err)
		}
		return aw
	}
	e.claimed = award()
	if _, _, err := db.ClaimAward(ctx, e.learner.ID, e.claimed.ID); err != nil {
		t.Fatal(err)
	}
	waiting := award()
	e.claim = "claim-token-of-the-second-award-0123456789"
	if _, err := db.RecordClaimToken(ctx, waiting.ID, auth.HashToken(e.claim).String()); err != nil {
		t.Fatal(err)
	}

	// An imported credential: the first award's own JSON.
	v := verify.New(svc.Fetcher(nil))
	im := wallet.NewImporter(db, v, wallet.ImportOptions{Log: log})
	if e.imported, _, err = im.Import(ctx, e.learner.ID, wallet.ImportInput{Data: e.claimed.CredentialJSON}); err != nil {
		t.Fatal(err)
	}

	kr, err := keyring.New(keyring.GenerateMasterKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pf := wallet.NewPortfolio(e.w, db, kr, wallet.PortfolioOptions{})
	if _, err := pf.SetProfile(ctx, e.learner.ID, wallet.ProfileInput{Handle: "ada-lovelace", Public: true, ShareAll: true,
		Headline: "Student of data"}); err != nil {
		t.Fatal(err)
	}
	e.importShared = e.imported.Result == "verified" && e.imported.Addressed != wallet.AddressedToOther

	// An application open to applications, and Ada's application.
	e.app = review.New(db, svc, review.Options{})
	if _, err := e.app.SetSettings(ctx, e.org.ID, e.ach.ID, review.Settings{Open: true, Instructions: "Send your report."}); err != nil {
		t.Fatal(err)
	}
	sub := review.Submission{Learner: e.learner, Email: learnerEmail, Statement: "I did the four projects.",
		URLs: []string{"https://example.org/report"}}
	app, err := e.app.Submit(ctx, e.ach.ID, sub, testAddr)
	if err != nil {
		t.Fatal(err)
	}
	e.appID = app.ID

	// A connected application, and a request for the consent page.
	ob3 := oauth.New(db, base, oauth.Options{})
	reg, perr := oauth.ParseRegistration([]byte(`{"client_name": "Example Client", "client_uri": "https://client.example.org/",
		"policy_uri": "https://client.example.org/privacy", "redirect_uris": ["https://client.example.org/cb"],
		"token_endpoint_auth_method": "client_secret_basic", "grant_types": ["authorization_code", "refresh_token"],
		"response_types": ["code"], "scope": "` + oauth.ScopeCredentialRead + ` ` + oauth.ScopeProfileRead + ` offline_access"}`))
	if perr != nil {
		t.Fatal(perr)
	}
	client, _, err := ob3.Register(ctx, reg, testAddr)
	if err != nil {
		t.Fatal(err)
	}
	e.consent = url.Values{"response_type": {"code"}, "client_id": {client.ClientID}, "redirect_uri": {client.RedirectURIs[0]},
		"scope": {oauth.ScopeCredentialRead + " " + oauth.ScopeProfileRead}, "state": {"st4te"},
		"code_challenge": {oauth.ChallengeOf(strings.Repeat("v3rifier-", 6))}, "code_challenge_method": {"S256"}}
	a, oerr := ob3.CheckAuthorize(ctx, e.consent)
	if oerr != nil {
		t.Fatal(oerr.Description)
	}
	if _, err := ob3.Approve(ctx, e.learner.ID, a); err != nil {
		t.Fatal(err)
	}

	e.mux = http.NewServeMux()
	New(e.w, log).WithPortfolio(pf).WithImports(im).WithReview(e.app).WithOAuth(ob3).Register(e.mux)
	web.NewPublic(svc, web.PublicOptions{Verifier: v}).Register(e.mux)
	return e
}

// client is a browser: it keeps cookies.
type client struct {
	t       testing.TB
	h       http.Handler
	cookies map[string]*http.Cookie
}

func (e *env) client(t testing.TB) *client {
	return &client{t: t, h: e.mux, cookies: map[string]*http.Cookie{}}
}

// signedIn is a client with a session of Ada's.
func (e *env) signedIn(t testing.TB) *client {
	c := e.client(t)
	tok, ls, err := e.w.NewSession(context.Background(), e.learner.ID, store.LearnerWebSession)
	if err != nil {
		t.Fatal(err)
	}
	name := wallet.CookieName(strings.HasPrefix(e.base, "https:"))
	c.cookies[name] = &http.Cookie{Name: name, Value: tok, Expires: ls.ExpiresAt}
	return c
}

type response struct {
	*http.Response
	body string
}

func (c *client) do(method, path string, body io.Reader, ctype string) *response {
	c.t.Helper()
	req := httptest.NewRequest(method, path, body)
	req.RemoteAddr = "192.0.2.1:4321"
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	res := rec.Result()
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	b, _ := io.ReadAll(res.Body)
	return &response{res, string(b)}
}

func (c *client) get(path string) *response { return c.do("GET", path, nil, "") }

func (c *client) post(path string, form url.Values) *response {
	return c.do("POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}
