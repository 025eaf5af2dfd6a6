package webui

import (
	"bytes"
	"context"
	"html"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/wallet"
)

const testBase = "https://badges.example.org"

// missingMessages makes every untranslated key a test failure.
func missingMessages(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	i18n.Missing = func(l i18n.Lang, key string) {
		mu.Lock()
		defer mu.Unlock()
		if !seen[string(l)+key] {
			seen[string(l)+key] = true
			t.Errorf("%s lacks %q", l, key)
		}
	}
	t.Cleanup(func() { i18n.Missing = nil })
}

func withLang(path string, l i18n.Lang) string {
	if strings.Contains(path, "?") {
		return path + "&lang=" + string(l)
	}
	return path + "?lang=" + string(l)
}

// Every page of the wallet, signed out and signed in (with a claimed
// award, an imported credential, an application and a connected
// application), the consent page and the public portfolio render in each
// language with no untranslated message, with their <html lang> and a
// message of the page in that language.
func TestWalletInEveryLanguage(t *testing.T) {
	missingMessages(t)
	e := newEnv(t, testBase)
	consent := AuthorizePath + "?" + e.consent.Encode()
	signedOut := []struct {
		path, key string
		status    int
	}{
		{"/wallet/signin", "Sign in to your wallet", 200},
		{"/wallet/signin?next=/claim/" + e.claim, "Sign in to add the badge you were sent to your wallet.", 200},
		{"/wallet/signup", "Create my wallet", 200},
		{"/claim/" + e.claim, "Keep this badge with your others: sign in to your wallet, or create one with the address it was sent to.", 200},
		{"/claim/no-such-token", "This claim link is not valid", 404},
		{"/achievements/" + e.ach.ID + "/apply", "Sign in to your wallet to apply: the badge goes into it when it is awarded, and you can follow your application there.", 200},
		{"/learners/ada-lovelace", "Kept in a Cairn wallet. Credentials are verified where they were issued: nothing here asks you to trust this page.", 200},
		{"/learners/nobody-here", "No public portfolio has this address. Its owner may have made it private, or changed its name.", 404},
		{"/wallet/verify?token=bad", "Not found", 404},
		{"/wallet/no-such-page", "There is no page here.", 404},
		{"/privacy", "What is public", 200},
	}
	signedIn := []struct {
		path, key string
		status    int
	}{
		{"/wallet", "Add a badge from elsewhere", 200},
		{"/wallet?done=signedup", "Your wallet is ready. This server sends no mail: the link that confirms your address is in the server's log.", 200},
		{"/wallet?done=claimed", "The badge is in your wallet.", 200},
		{"/wallet/credentials/" + e.imported.ID, "Check again", 200},
		{"/wallet/credentials/" + e.imported.ID + "?done=checked", "Checked again just now.", 200},
		{"/wallet/credentials/no-such", "There is no such badge in your wallet.", 404},
		{"/wallet/credentials/" + e.claimed.ID + "/share", "Add to LinkedIn profile", 200},
		{"/wallet/portfolio", "Which badges it shows", 200},
		{"/wallet/portfolio?done=saved", "Saved.", 200},
		{"/wallet/apps", "Connected applications", 200},
		{"/wallet/apps?done=disconnected", "Disconnected: the application can no longer use your wallet.", 200},
		{consent, "Allow", 200},
		{"/claim/" + e.claim, "Add to my wallet", 200},
		{"/achievements/" + e.ach.ID + "/apply", "Submit my application", 200},
		{"/wallet/applications", "My applications", 200},
		{"/wallet/applications/" + e.appID, "Your evidence is with the assessors.", 200},
		{"/wallet/applications/" + e.appID + "?done=submitted", "Your application is submitted. The issuer's assessors review it; its state shows here.", 200},
		{"/privacy", "Removing it", 200},
	}
	for _, l := range i18n.Langs {
		p := i18n.For(l.Lang)
		check := func(path, key string, status int, res *response) {
			t.Helper()
			if res.StatusCode != status {
				t.Errorf("%s %s: %d, want %d", l.Lang, path, res.StatusCode, status)
			}
			if !strings.Contains(res.body, `<html lang="`+string(l.Lang)+`">`) {
				t.Errorf("%s %s: no <html lang>", l.Lang, path)
			}
			if want := html.EscapeString(p.T(key)); !strings.Contains(res.body, want) {
				t.Errorf("%s %s: no %q", l.Lang, path, want)
			}
		}
		anon := e.client(t)
		for _, pg := range signedOut {
			check(pg.path, pg.key, pg.status, anon.get(withLang(pg.path, l.Lang)))
		}
		c := e.signedIn(t)
		for _, pg := range signedIn {
			check(pg.path, pg.key, pg.status, c.get(withLang(pg.path, l.Lang)))
		}
		// The public page of the imported credential, when the portfolio
		// shows it (it verified, and is addressed to the learner).
		if e.importShared {
			path := "/learners/ada-lovelace/credentials/" + e.imported.ID
			check(path, "Verify it now", 200, anon.get(withLang(path, l.Lang)))
		}
	}
	if !e.importShared {
		t.Log("the imported credential is not shown on the portfolio (not verified here): its public page is not checked")
	}
	// The verifier's reasons on the imported credential's page are in the
	// reader's language.
	c := e.signedIn(t)
	reasons := regexp.MustCompile(`</b>: ([^<]*)</span></li>`)
	hangul := regexp.MustCompile(`[가-힣]`)
	page := "/wallet/credentials/" + e.imported.ID
	en := reasons.FindAllStringSubmatch(c.get(withLang(page, i18n.English)).body, -1)
	ko := reasons.FindAllStringSubmatch(c.get(withLang(page, i18n.Korean)).body, -1)
	if len(en) == 0 || len(ko) != len(en) {
		t.Fatalf("%d reasons in English, %d in Korean", len(en), len(ko))
	}
	translated := 0
	for i := range en {
		if hangul.MatchString(en[i][1]) {
			t.Errorf("English reason %q", en[i][1])
		}
		if ko[i][1] != en[i][1] && hangul.MatchString(ko[i][1]) {
			translated++
		}
	}
	if translated == 0 {
		t.Errorf("no reason is in Korean: %q", ko)
	}
}

// The language chosen with ?lang= sticks (the switcher's cookie), and
// Accept-Language speaks for a first visit.
func TestWalletLanguageRemembered(t *testing.T) {
	e := newEnv(t, testBase)
	c := e.signedIn(t)
	if res := c.get("/wallet?lang=vi"); !strings.Contains(res.body, `<html lang="vi">`) || !strings.Contains(res.body, "Địa chỉ email") {
		t.Errorf("?lang=vi: not Vietnamese")
	}
	if res := c.get("/wallet/portfolio"); !strings.Contains(res.body, `<html lang="vi">`) {
		t.Errorf("the switch did not stick")
	}
	anon := e.client(t)
	r := anon.do("GET", "/learners/ada-lovelace", nil, "")
	if !strings.Contains(r.body, `<html lang="en">`) || r.Header.Get("Vary") == "" {
		t.Errorf("portfolio without a language: not English, or no Vary (%q)", r.Header.Get("Vary"))
	}
	req, _ := http.NewRequest("GET", "/learners/ada-lovelace", nil)
	req.Header.Set("Accept-Language", "th-TH,th;q=0.9")
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `<html lang="th">`) {
		t.Errorf("Accept-Language th: not Thai")
	}
}

// The switcher keeps the page's query: on the consent page, the
// application's request; on the sign-in page, where to go next.
func TestWalletSwitcherKeepsTheQuery(t *testing.T) {
	e := newEnv(t, testBase)
	c := e.signedIn(t)
	res := c.get(AuthorizePath + "?" + e.consent.Encode())
	m := regexp.MustCompile(`<a href="([^"]+)" lang="th"`).FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("no Thai link:\n%s", res.body)
	}
	res = c.get(AuthorizePath + html.UnescapeString(m[1]))
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `<html lang="th">`) || !strings.Contains(res.body, `id="consent-approve"`) {
		t.Errorf("the consent page in Thai: %d\n%s", res.StatusCode, res.body)
	}
	res = e.client(t).get("/wallet/signin?next=/claim/" + e.claim)
	if !strings.Contains(res.body, `href="?lang=vi&amp;next=%2Fclaim%2F`+e.claim+`"`) {
		t.Errorf("the sign-in's switcher drops next:\n%s", res.body)
	}
}

// mailbox keeps the mails instead of sending them.
type mailbox struct {
	mu   sync.Mutex
	data [][]byte
}

func (m *mailbox) Send(_ context.Context, from, to string, msg []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data = append(m.data, msg)
	return nil
}

// Signing up in Vietnamese (the switcher's cookie) sends the
// verification mail in Vietnamese.
func TestSignUpMailInTheLanguage(t *testing.T) {
	box := &mailbox{}
	e := newEnv(t, "http://127.0.0.1", box)
	c := e.client(t)
	page := c.get("/wallet/signup?lang=vi")
	tok := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page.body)
	if tok == nil {
		t.Fatalf("no form token:\n%s", page.body)
	}
	res := c.post("/wallet/signup", url.Values{"csrf_token": {tok[1]}, "name": {"Nguyễn Văn An"}, "email": {"an@example.org"},
		"password": {"correct horse battery"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-up: %d\n%s", res.StatusCode, res.body)
	}
	for e.outbox.RunOnce(context.Background(), wallet.OutboxKind) > 0 {
	}
	box.mu.Lock()
	defer box.mu.Unlock()
	if len(box.data) != 1 {
		t.Fatalf("%d mails", len(box.data))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(box.data[0]))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if want := i18n.For(i18n.Vietnamese).T("Confirm your email address for your badge wallet"); subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
}
