package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/oauth"
	"github.com/cairn-badges/cairn/store"
)

// TestOB3Upsert: a platform with a learner's credential.upsert token
// pushes a credential into the wallet through the real importer: a
// did:key-signed OB 3.0 credential verifies offline and is kept (201,
// then 200 for the same one again); a VC-JWT naming no key fails
// verification and is refused. (The grant is approved through the
// service here; TestBrowserOB3Consent goes through the consent page.)
func TestOB3Upsert(t *testing.T) {
	a, stop := bootWith(t, Config{})
	defer stop()
	base, ctx := a.BaseURL(), context.Background()
	const redirect = "http://127.0.0.1:9/cb"
	resp, err := http.Post(base+"/oauth/ob3/register", "application/json", strings.NewReader(
		`{"client_name":"Pusher","redirect_uris":["`+redirect+`"],"scope":"`+oauth.ScopeCredentialUpsert+` `+oauth.ScopeCredentialRead+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&reg); err != nil || resp.StatusCode != 201 {
		t.Fatalf("register: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	l := &store.Learner{Email: "ada@example.org", Name: "Ada", PasswordHash: "x"}
	if err := a.db.CreateLearner(ctx, l, "tok", time.Now().Add(time.Hour), time.Now()); err != nil {
		t.Fatal(err)
	}
	svc := oauth.New(a.db, base, oauth.Options{})
	verifier := strings.Repeat("upsert-verifier-", 3)
	ar, oerr := svc.CheckAuthorize(ctx, url.Values{"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {redirect},
		"scope": {oauth.ScopeCredentialUpsert + " " + oauth.ScopeCredentialRead}, "code_challenge": {oauth.ChallengeOf(verifier)}, "code_challenge_method": {"S256"}})
	if oerr != nil {
		t.Fatal(oerr)
	}
	to, err := svc.Approve(ctx, l.ID, ar)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(to)
	req, _ := http.NewRequest("POST", base+"/oauth/ob3/token", strings.NewReader(url.Values{"grant_type": {"authorization_code"},
		"code": {u.Query().Get("code")}, "code_verifier": {verifier}, "redirect_uri": {redirect}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(reg.ClientID, reg.ClientSecret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tr oauth.TokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || resp.StatusCode != 200 {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	call := func(method, ctype, file string) (int, string, http.Header) {
		t.Helper()
		var body io.Reader
		if file != "" {
			b, err := os.ReadFile(filepath.Join("..", "..", "api", "testdata", "wallet", file))
			if err != nil {
				t.Fatal(err)
			}
			body = strings.NewReader(string(b))
		}
		req, _ := http.NewRequest(method, base+"/ims/ob/v3p0/credentials", body)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		req.Header.Set("Authorization", "Bearer "+tr.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	if st, b, _ := call("POST", "application/json", "foreign-ob3-didkey.json"); st != 201 {
		t.Fatalf("first upsert: %d %s", st, b)
	}
	if st, b, _ := call("POST", "application/json", "foreign-ob3-didkey.json"); st != 200 {
		t.Fatalf("second upsert: %d %s", st, b)
	}
	if st, b, _ := call("POST", "text/plain", "ob30-simple.jwt"); st != 400 || !strings.Contains(b, "invalid_data") {
		t.Fatalf("a JWT that fails: %d %s", st, b)
	}
	st, b, h := call("GET", "", "")
	if st != 200 || h.Get("X-Total-Count") != "1" {
		t.Fatalf("getCredentials: %d %v %s", st, h, b)
	}

	// A badge Cairn awarded her, once claimed, comes first, as signed.
	fr := a.FirstRun
	aw, _, err := a.svc.Award(ctx, fr.OrgID, issuing.AwardInput{AchievementID: fr.AchievementID, Recipient: issuing.RecipientInput{Email: l.Email}})
	if err != nil {
		t.Fatal(err)
	}
	if st, b, h = call("GET", "", ""); h.Get("X-Total-Count") != "1" {
		t.Fatalf("an award not claimed yet is listed: %d %v %s", st, h, b)
	}
	if _, _, err := a.db.ClaimAward(ctx, l.ID, aw.ID); err != nil {
		t.Fatal(err)
	}
	st, b, h = call("GET", "", "")
	var page struct{ Credential []json.RawMessage }
	if err := json.Unmarshal([]byte(b), &page); st != 200 || h.Get("X-Total-Count") != "2" || err != nil || len(page.Credential) != 2 ||
		!bytes.Equal(page.Credential[0], bytes.TrimSpace(aw.CredentialJSON)) {
		t.Fatalf("getCredentials after the claim: %d %v %s", st, h, b)
	}
}

// TestPrivacyPolicy: the OB 3.0 API's discovery names a privacy policy
// (x-imssf-privacyPolicyUrl) and an image that exist: Cairn's own page at
// /privacy, linked from the wallet's pages, or the operator's
// (CAIRN_PRIVACY_URL), to which /privacy then redirects. A URL that is
// not absolute stops the start with an error naming the setting.
func TestPrivacyPolicy(t *testing.T) {
	discovery := func(base string) (privacy, image string) {
		t.Helper()
		resp, err := http.Get(base + "/ims/ob/v3p0/discovery")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var d struct {
			Info struct {
				Privacy string `json:"x-imssf-privacyPolicyUrl"`
				Image   string `json:"x-imssf-image"`
			}
		}
		if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
			t.Fatal(err)
		}
		return d.Info.Privacy, d.Info.Image
	}
	get := func(u string) (int, string, http.Header) {
		t.Helper()
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}

	a, stop := bootWith(t, Config{})
	base := a.BaseURL()
	privacy, image := discovery(base)
	if privacy != base+"/privacy" {
		t.Errorf("privacy policy %q", privacy)
	}
	if code, body, _ := get(privacy); code != 200 || !strings.Contains(body, "What is public") || !strings.Contains(body, "Delete your account") {
		t.Errorf("/privacy: %d", code)
	}
	if code, _, h := get(image); code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "image/") {
		t.Errorf("x-imssf-image %s: %d %s", image, code, h.Get("Content-Type"))
	}
	if _, body, _ := get(base + "/wallet/signin"); !strings.Contains(body, `href="`+base+`/privacy" id="privacy-link"`) {
		t.Error("the wallet's pages do not link the privacy policy")
	}
	stop()

	const theirs = "https://university.example/privacy"
	a, stop = bootWith(t, Config{PrivacyURL: theirs})
	defer stop()
	if privacy, _ := discovery(a.BaseURL()); privacy != theirs {
		t.Errorf("configured privacy policy %q", privacy)
	}
	if code, _, h := get(a.BaseURL() + "/privacy"); code != 302 || h.Get("Location") != theirs {
		t.Errorf("/privacy with the operator's policy: %d %s", code, h.Get("Location"))
	}
	if _, body, _ := get(a.BaseURL() + "/wallet/signin"); !strings.Contains(body, `href="`+theirs+`"`) {
		t.Error("the wallet's pages do not link the operator's privacy policy")
	}

	_, err := New(context.Background(), Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), PrivacyURL: "/privacy.html"}, nil)
	if err == nil || !strings.Contains(err.Error(), "CAIRN_PRIVACY_URL") {
		t.Errorf("a relative privacy URL: %v", err)
	}
}
