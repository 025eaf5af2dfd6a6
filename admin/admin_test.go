package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/auth"
)

const testBase = "https://badges.example.org"

func TestLogin(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	c := e.client(t)

	res := c.get("/admin/awards")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fadmin%2Fawards" {
		t.Fatalf("GET /admin/awards logged out: %d to %q, want 303 to the login page", res.StatusCode, res.Header.Get("Location"))
	}
	res = c.get(res.Header.Get("Location"))
	if res.StatusCode != 200 || !strings.Contains(res.body, `name="next" value="/admin/awards"`) {
		t.Fatalf("login page: %d\n%s", res.StatusCode, res.body)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q: want no script and no inline style", csp)
	}
	res = c.post("/login", url.Values{"email": {"  Owner@Example.org "}, "password": {password}, "next": {"/admin/awards"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/awards" {
		t.Fatalf("login: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}

	// The cookie.
	var ck *http.Cookie
	for _, x := range res.Cookies() {
		if x.Name == auth.SessionCookie {
			ck = x
		}
	}
	if ck == nil {
		t.Fatalf("no %s cookie in %v", auth.SessionCookie, res.Header["Set-Cookie"])
	}
	if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" || ck.MaxAge <= 0 {
		t.Errorf("session cookie %+v: want Secure, HttpOnly, SameSite=Lax, Path=/, no Domain, a Max-Age", ck)
	}
	s, err := e.db.SessionByTokenHash(context.Background(), api.SessionTokenHash(ck.Value))
	if err != nil {
		t.Fatalf("the session is not stored under api.SessionTokenHash(cookie): %v", err)
	}
	if s.AccountID != e.owner.ID {
		t.Errorf("session of %s, want the owner %s", s.AccountID, e.owner.ID)
	}
	if d := s.ExpiresAt.Sub(s.CreatedAt); d < DefaultSessionLifetime-time.Minute || d > DefaultSessionLifetime+time.Minute {
		t.Errorf("session lasts %s, want %s", d, DefaultSessionLifetime)
	}
	if _, ok := c.cookies["__Host-cairn_login"]; ok {
		t.Error("the login form's cookie outlives the login")
	}

	res = c.get("/admin")
	if res.StatusCode != 200 || !strings.Contains(res.body, "Example University") || !strings.Contains(res.body, "Data Analysis Foundations") {
		t.Fatalf("dashboard: %d\n%s", res.StatusCode, res.body)
	}
	// The API takes the same session.
	if res := c.get("/api/v1/me"); res.StatusCode != 200 || !strings.Contains(res.body, `"role":"owner"`) {
		t.Errorf("GET /api/v1/me with the session: %d %s", res.StatusCode, res.body)
	}
	// Logged in, the login page goes to the dashboard.
	if res := c.get("/login"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin" {
		t.Errorf("GET /login logged in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestLoginDefaultHash logs in as the first run's owner does: an account
// whose password was hashed by auth.HashPassword with the default
// parameters.
func TestLoginDefaultHash(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	ctx := context.Background()
	pw := "Abcdefghjk23456789"
	hash, err := auth.HashPassword(ctx, pw)
	if err != nil {
		t.Fatal(err)
	}
	e.member(t, "owner@cairn.localhost", hash, cairn.RoleOwner)
	c := e.client(t)
	if res := c.login("owner@cairn.localhost", pw); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d\n%s", res.StatusCode, res.body)
	}
}

func TestLoginFailures(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	for _, tc := range []struct {
		name, email, password string
		status                int
		want                  string
	}{
		{"wrong password", ownerEmail, "not the password", 401, "The email or the password is not right."},
		{"unknown email", "nobody@example.org", password, 401, "The email or the password is not right."},
		{"no email", "", password, 400, "Enter your email address."},
		{"not an email", "owner", password, 400, "This is not an email address."},
		{"no password", ownerEmail, "", 400, "Enter your password."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.client(t)
			res := c.login(tc.email, tc.password)
			if res.StatusCode != tc.status || !strings.Contains(res.body, tc.want) {
				t.Errorf("%d, want %d with %q\n%s", res.StatusCode, tc.status, tc.want, res.body)
			}
			if _, ok := c.cookies[auth.SessionCookie]; ok {
				t.Error("a failed login set a session cookie")
			}
			if tc.email != "" && !strings.Contains(res.body, `value="`+tc.email+`"`) {
				t.Error("the email typed is not kept in the form")
			}
		})
	}
	// The next parameter cannot send the browser elsewhere.
	for _, next := range []string{"https://evil.example/admin", "//evil.example/admin", "/credentials/x", "/\\evil.example"} {
		c := e.client(t)
		c.get("/login")
		res := c.post("/login", url.Values{"email": {ownerEmail}, "password": {password}, "next": {next}})
		if loc := res.Header.Get("Location"); loc != "/admin" {
			t.Errorf("next=%q: redirected to %q, want /admin", next, loc)
		}
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t, testBase, Options{Limiter: auth.NewLimiter(auth.LimiterConfig{Burst: 2, Every: time.Minute})})
	c := e.client(t)
	for i := range 2 {
		if res := c.login(ownerEmail, "wrong password"); res.StatusCode != 401 {
			t.Fatalf("attempt %d: %d", i+1, res.StatusCode)
		}
	}
	res := c.login(ownerEmail, password) // right, but too many attempts
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.body, "Too many login attempts. Try again in 60 s.") {
		t.Fatalf("third attempt: %d, want 429 with the wait\n%s", res.StatusCode, res.body)
	}
	if ra := res.Header.Get("Retry-After"); ra != "60" {
		t.Errorf("Retry-After %q, want 60", ra)
	}
	if _, ok := c.cookies[auth.SessionCookie]; ok {
		t.Error("a rate-limited login set a session cookie")
	}
	// Another address, or another account, is not limited.
	other := e.client(t)
	other.addr = "198.51.100.7:1000"
	if res := other.login(ownerEmail, password); res.StatusCode != http.StatusSeeOther {
		t.Errorf("login from another address: %d", res.StatusCode)
	}
	if res := c.login(viewerEmail, password); res.StatusCode != http.StatusSeeOther {
		t.Errorf("login to another account: %d", res.StatusCode)
	}
}

func TestLoginCSRF(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	form := url.Values{"email": {ownerEmail}, "password": {password}}

	c := e.client(t) // never saw the form: no cookie
	if res := c.post("/login", form); res.StatusCode != http.StatusForbidden {
		t.Errorf("login without the form's cookie: %d, want 403", res.StatusCode)
	}
	c = e.client(t)
	c.get("/login")
	// Change the token's first character (to another one: "x"+token[1:]
	// was the token itself whenever it began with x, one run in 64).
	wrong := "x"
	if c.csrf[0] == 'x' {
		wrong = "y"
	}
	bad := url.Values{"email": {ownerEmail}, "password": {password}, auth.CSRFField: {wrong + c.csrf[1:]}}
	if res := c.post("/login", bad); res.StatusCode != http.StatusForbidden {
		t.Errorf("login with a wrong token: %d, want 403", res.StatusCode)
	}
	c = e.client(t)
	c.get("/login")
	c.site = "cross-site"
	if res := c.post("/login", form); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site login: %d, want 403", res.StatusCode)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	c := e.client(t)
	c.mustLogin(ownerEmail)
	form := func() url.Values {
		return url.Values{"achievement": {e.ach.ID}, "recipient": {"ada@example.org"}, "formats": {"di"}, "idem": {auth.NewToken()}}
	}
	count := func() int {
		n, err := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: e.org.ID})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	noToken := form()
	noToken.Set(auth.CSRFField, "")
	if res := c.post("/admin/awards/new", noToken); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without the CSRF token: %d, want 403", res.StatusCode)
	}
	wrong := form()
	wrong.Set(auth.CSRFField, auth.NewToken())
	if res := c.post("/admin/awards/new", wrong); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST with another token: %d, want 403", res.StatusCode)
	}
	c.site = "cross-site"
	if res := c.post("/admin/awards/new", form()); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST with the token: %d, want 403", res.StatusCode)
	}
	c.site, c.origin = "", "https://evil.example"
	if res := c.post("/admin/awards/new", form()); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST from another Origin: %d, want 403", res.StatusCode)
	}
	c.site = "same-origin"
	c.origin = ""
	if res := c.post("/logout", url.Values{auth.CSRFField: {""}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("logout without the token: %d, want 403", res.StatusCode)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d awards after refused requests", n)
	}
	if res := c.post("/admin/awards/new", form()); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST with the token: %d\n%s", res.StatusCode, res.body)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d awards, want 1", n)
	}
}

func TestRoles(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	aw := e.award(t, "ada@example.org")
	viewer := e.client(t)
	viewer.mustLogin(viewerEmail)

	res := viewer.get("/admin")
	if res.StatusCode != 200 || strings.Contains(res.body, "Issue a badge") || strings.Contains(res.body, "New achievement") || strings.Contains(res.body, "API keys") {
		t.Errorf("viewer's dashboard: %d, offers what a viewer may not do\n%s", res.StatusCode, res.body)
	}
	if res := viewer.get("/admin/awards/" + aw.ID); res.StatusCode != 200 || strings.Contains(res.body, "state-form") || strings.Contains(res.body, "/reissue") {
		t.Errorf("viewer's award page: %d, shows forms", res.StatusCode)
	}
	if res := viewer.get("/admin/achievements/" + e.ach.ID); res.StatusCode != 200 || !strings.Contains(res.body, `<fieldset class="bare" disabled>`) || strings.Contains(res.body, "Save changes") {
		t.Errorf("viewer's achievement page: %d, not read-only", res.StatusCode)
	}
	for _, path := range []string{"/admin/awards/new", "/admin/achievements/new", "/admin/api-keys"} {
		if res := viewer.get(path); res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, "Your role in Example University is viewer") {
			t.Errorf("viewer GET %s: %d, want 403 saying why", path, res.StatusCode)
		}
	}
	for path, form := range map[string]url.Values{
		"/admin/awards/new":                   {"achievement": {e.ach.ID}, "recipient": {"bob@example.org"}, "formats": {"di"}},
		"/admin/awards/" + aw.ID + "/state":   {"action": {"revoke"}, "reason": {"no"}},
		"/admin/awards/" + aw.ID + "/renew":   {"noExpiry": {"1"}},
		"/admin/achievements/" + e.ach.ID:     {"name": {"Renamed"}},
		"/admin/api-keys":                     {"name": {"k"}, "role": {"owner"}},
		"/admin/awards/" + aw.ID + "/reissue": nil,
	} {
		if res := viewer.post(path, form); res.StatusCode != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d, want 403", path, res.StatusCode)
		}
	}
	if n, _ := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: e.org.ID}); n != 1 {
		t.Errorf("%d awards after the viewer's attempts, want 1", n)
	}
	if got, _ := e.db.Award(context.Background(), e.org.ID, aw.ID); got.State != cairn.StateActive {
		t.Errorf("the viewer changed the award's state to %s", got.State)
	}

	// An issuer issues and revokes but does not manage API keys.
	iss := e.client(t)
	iss.mustLogin(issuerEmail)
	if res := iss.get("/admin/awards/new"); res.StatusCode != 200 {
		t.Errorf("issuer GET /admin/awards/new: %d", res.StatusCode)
	}
	if res := iss.get("/admin/api-keys"); res.StatusCode != http.StatusForbidden {
		t.Errorf("issuer GET /admin/api-keys: %d, want 403", res.StatusCode)
	}
}

func TestIssueAndRevoke(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	c := e.client(t)
	c.mustLogin(ownerEmail)
	res := c.get("/admin/awards/new?achievement=" + e.ach.ID)
	if res.StatusCode != 200 || !strings.Contains(res.body, `value="`+e.ach.ID+`" selected`) {
		t.Fatalf("issue form: %d, achievement not chosen\n%s", res.StatusCode, res.body)
	}
	idem := regexpValue(t, res.body, "idem")
	form := url.Values{"achievement": {e.ach.ID}, "recipient": {"Grace@Example.org"}, "name": {"Grace Hopper"},
		"showName": {"1"}, "narrative": {"Wrote the first compiler."}, "evidence": {"https://example.org/work/1"},
		"evidenceName": {"Compiler"}, "formats": {"di", "jwt"}, "idem": {idem}}
	res = c.post("/admin/awards/new", form)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/credentials/") {
		t.Fatalf("issue: %d to %q\n%s", res.StatusCode, loc, res.body)
	}
	id := strings.TrimPrefix(loc, "/credentials/")
	aw, err := e.db.Award(context.Background(), e.org.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if aw.Recipient.Identity != "grace@example.org" || aw.Recipient.Name != "Grace Hopper" || !aw.Recipient.ShowName ||
		len(aw.Evidence) != 1 || aw.Evidence[0].ID != "https://example.org/work/1" || aw.CredentialJWT == "" || aw.ValidUntil == nil {
		t.Errorf("award %+v", aw)
	}
	if page := c.get(loc); page.StatusCode != 200 || !strings.Contains(page.body, "Grace Hopper") {
		t.Errorf("credential page: %d", page.StatusCode)
	}
	// The same form sent again issues nothing new.
	if again := c.post("/admin/awards/new", form); again.Header.Get("Location") != loc {
		t.Errorf("resubmitted form: %d to %q, want the same award %q", again.StatusCode, again.Header.Get("Location"), loc)
	}

	list := c.get("/admin/awards")
	if !strings.Contains(list.body, "Grace Hopper") || !strings.Contains(list.body, "/admin/awards/"+id) || !strings.Contains(list.body, "1 award<") {
		t.Errorf("award list does not show the award\n%s", list.body)
	}
	if l := c.get("/admin/awards?state=revoked"); strings.Contains(l.body, "Grace Hopper") {
		t.Error("the revoked filter shows an active award")
	}

	// Revoke: a reason is required.
	c.get("/admin/awards/" + id)
	res = c.post("/admin/awards/"+id+"/state", url.Values{"action": {"revoke"}})
	if res.StatusCode != 400 || !strings.Contains(res.body, "Say why") {
		t.Errorf("revoke without reason: %d\n%s", res.StatusCode, res.body)
	}
	res = c.post("/admin/awards/"+id+"/state", url.Values{"action": {"revoke"}, "reason": {"Issued to the wrong person"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d\n%s", res.StatusCode, res.body)
	}
	aw, _ = e.db.Award(context.Background(), e.org.ID, id)
	if aw.State != cairn.StateRevoked || aw.StateReason != "Issued to the wrong person" {
		t.Errorf("after revoke: %s %q", aw.State, aw.StateReason)
	}
	res = c.get(res.Header.Get("Location"))
	if !strings.Contains(res.body, "The award is revoked") || !strings.Contains(res.body, "Issued to the wrong person") || strings.Contains(res.body, "state-form") {
		t.Errorf("award page after revoke\n%s", res.body)
	}
	if l := c.get("/admin/awards?state=revoked"); !strings.Contains(l.body, "Grace Hopper") || !strings.Contains(l.body, "Revoked") {
		t.Error("the revoked filter does not show the revoked award")
	}
	// Revocation is final.
	res = c.post("/admin/awards/"+id+"/state", url.Values{"action": {"reinstate"}})
	if res.StatusCode != 400 || !strings.Contains(res.body, "revocation is final") {
		t.Errorf("reinstate a revoked award: %d", res.StatusCode)
	}
	if res := c.post("/admin/awards/"+id+"/reissue", nil); res.StatusCode != http.StatusConflict {
		t.Errorf("re-issue a revoked award: %d, want 409", res.StatusCode)
	}
}

func TestSuspendReissueRenew(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	aw := e.award(t, "ada@example.org")
	c := e.client(t)
	c.mustLogin(issuerEmail)
	path := "/admin/awards/" + aw.ID
	c.get(path)
	if res := c.post(path+"/state", url.Values{"action": {"suspend"}, "reason": {"Under review"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("suspend: %d\n%s", res.StatusCode, res.body)
	}
	if res := c.post(path+"/state", url.Values{"action": {"reinstate"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reinstate: %d\n%s", res.StatusCode, res.body)
	}
	if got, _ := e.db.Award(context.Background(), e.org.ID, aw.ID); got.State != cairn.StateActive {
		t.Errorf("after reinstate: %s", got.State)
	}
	if res := c.post(path+"/reissue", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reissue: %d\n%s", res.StatusCode, res.body)
	}
	for _, tc := range []struct {
		form   url.Values
		status int
		want   string
	}{
		{url.Values{"validUntil": {"not a date"}}, 400, "Write the date as YYYY-MM-DD."},
		{url.Values{"validUntil": {"2001-01-01"}}, 400, "This is in the past"},
		{url.Values{}, 400, "Choose the new expiry date"},
		{url.Values{"validUntil": {"2099-06-30"}}, 303, ""},
	} {
		res := c.post(path+"/renew", tc.form)
		if res.StatusCode != tc.status || !strings.Contains(res.body, tc.want) {
			t.Errorf("renew %v: %d, want %d with %q\n%s", tc.form, res.StatusCode, tc.status, tc.want, res.body)
		}
	}
	got, _ := e.db.Award(context.Background(), e.org.ID, aw.ID)
	if got.ValidUntil == nil || got.ValidUntil.Format(time.DateOnly) != "2099-06-30" {
		t.Errorf("validUntil %v after renew", got.ValidUntil)
	}
	if !strings.Contains(c.get(path+"?done=renew").body, "new expiry date") {
		t.Error("no notice after renew")
	}
}

func TestIssueFormErrors(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	c := e.client(t)
	c.mustLogin(ownerEmail)
	for _, tc := range []struct {
		name string
		form url.Values
		want string // next to the field
	}{
		{"bad email", url.Values{"achievement": {e.ach.ID}, "recipient": {"not an email"}, "name": {"Kept Name"}, "formats": {"di"}}, "is not an email address"},
		{"bad DID", url.Values{"achievement": {e.ach.ID}, "recipient": {"did:has space"}, "name": {"Kept Name"}, "formats": {"di"}}, "is not a DID"},
		{"no recipient", url.Values{"achievement": {e.ach.ID}, "name": {"Kept Name"}, "formats": {"di"}}, "Enter the recipient"},
		{"no achievement", url.Values{"recipient": {"a@example.org"}, "name": {"Kept Name"}, "formats": {"di"}}, "Choose the achievement"},
		{"unknown achievement", url.Values{"achievement": {"00000000-0000-0000-0000-000000000000"}, "recipient": {"a@example.org"}, "name": {"Kept Name"}, "formats": {"di"}}, "No such achievement in this organization"},
		{"malformed achievement", url.Values{"achievement": {"../../x"}, "recipient": {"a@example.org"}, "name": {"Kept Name"}, "formats": {"di"}}, "No such achievement"},
		{"no format", url.Values{"achievement": {e.ach.ID}, "recipient": {"a@example.org"}, "name": {"Kept Name"}}, "Choose at least one format"},
		{"bad evidence", url.Values{"achievement": {e.ach.ID}, "recipient": {"a@example.org"}, "name": {"Kept Name"}, "formats": {"di"}, "evidence": {"javascript:alert(1)"}}, "is not an absolute http(s) URL"},
		{"show name without name", url.Values{"achievement": {e.ach.ID}, "recipient": {"a@example.org"}, "showName": {"1"}, "formats": {"di"}}, "There is no name to show"},
		{"bad UTF-8", url.Values{"achievement": {e.ach.ID}, "recipient": {"a@example.org"}, "name": {"Kept Name"}, "narrative": {"\xff"}, "formats": {"di"}}, "is not valid UTF-8"},
		{"evidence with a space", url.Values{"achievement": {e.ach.ID}, "recipient": {"a@example.org"}, "name": {"Kept Name"}, "formats": {"di"}, "evidence": {"https://e.org/a b"}}, "cannot be an IRI in a credential"},
		{"evidence with a brace", url.Values{"achievement": {e.ach.ID}, "recipient": {"a@example.org"}, "name": {"Kept Name"}, "formats": {"di"}, "evidence": {"https://e.org/{x}"}}, "cannot be an IRI in a credential"},
		{"evidence not UTF-8", url.Values{"achievement": {e.ach.ID}, "recipient": {"a@example.org"}, "name": {"Kept Name"}, "formats": {"di"}, "evidence": {"https://e.org/\xff"}}, "not valid UTF-8"},
		{"DID with a quote", url.Values{"achievement": {e.ach.ID}, "recipient": {`did:example:a"<b>`}, "name": {"Kept Name"}, "formats": {"di"}}, "is not a DID"},
		{"DID without an id", url.Values{"achievement": {e.ach.ID}, "recipient": {"did:x"}, "name": {"Kept Name"}, "formats": {"di"}}, "no method-specific id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := c.post("/admin/awards/new", tc.form)
			if res.StatusCode != 400 {
				t.Fatalf("%d, want 400\n%s", res.StatusCode, res.body)
			}
			if !strings.Contains(res.body, `<p class="field-error">`) || !strings.Contains(res.body, tc.want) {
				t.Errorf("no field error %q\n%s", tc.want, res.body)
			}
			if tc.form.Get("name") != "" && !strings.Contains(res.body, `value="Kept Name"`) {
				t.Error("the name typed is not kept")
			}
		})
	}
	if n, _ := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: e.org.ID}); n != 0 {
		t.Errorf("%d awards after bad forms", n)
	}
	// Bad paths and filters are 4xx.
	for path, want := range map[string]int{
		"/admin/awards/not-an-id":                         404,
		"/admin/awards/" + strings.Repeat("a", 200):       404,
		"/admin/achievements/00000000-0000-0000-0000-000": 404,
		"/admin/awards?state=lost":                        400,
		"/admin/awards?cursor=garbage":                    400,
		"/admin/awards?achievement=%00":                   400,
		"/admin/nothing":                                  404,
	} {
		if res := c.get(path); res.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, res.StatusCode, want)
		}
	}
}

func TestAchievementForm(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	c := e.client(t)
	c.mustLogin(ownerEmail)
	res := c.get("/admin/achievements/new")
	if res.StatusCode != 200 {
		t.Fatalf("new achievement form: %d", res.StatusCode)
	}
	form := url.Values{"issuer": {e.issuer.ID}, "name": {"Python Basics"}, "description": {"Writes small Python programs."},
		"criteria": {"Pass the exercises."}, "type": {"Badge"}, "tags": {"python, programming, "}, "validFor": {"12"}, "reminders": {"7, 30"},
		"imageMode": {"design"}, "shape": {"shield"}, "primary": {"#1f5c46"}, "secondary": {"#e6cf7a"}, "title": {""}, "icon": {"code"}}
	res = c.postMultipart("/admin/achievements/new", form, "", nil)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/achievements/") {
		t.Fatalf("create: %d to %q\n%s", res.StatusCode, loc, res.body)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/admin/achievements/"), "?done=created")
	ach, err := e.db.Achievement(context.Background(), e.org.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if ach.Name != "Python Basics" || ach.ValidFor != 12 || strings.Join(ach.Tags, "|") != "python|programming" || ach.ImageID == "" ||
		fmt.Sprint(ach.ReminderDays) != "[30 7]" {
		t.Errorf("achievement %+v", ach)
	}
	if page := c.get(loc); !strings.Contains(page.body, `name="reminders" value="30, 7"`) {
		t.Error("the form does not show the reminder days")
	}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Del("csrf_token")
	for _, tc := range []struct{ value, want string }{{"soon", "whole numbers of days"}, {"400", "from 1 to 365"}, {"7, 7", "Repeats 7"}} {
		bad.Set("reminders", tc.value)
		if res := c.postMultipart("/admin/achievements/new", bad, "", nil); res.StatusCode != 400 || !strings.Contains(res.body, tc.want) {
			t.Errorf("reminders %q: %d, want an error saying %q\n%s", tc.value, res.StatusCode, tc.want, res.body)
		}
		bad.Del("csrf_token")
	}
	img, err := e.db.Image(context.Background(), e.org.ID, ach.ImageID)
	if err != nil || img.ContentType != "image/svg+xml" || !strings.Contains(string(img.Data), "Python Basics") {
		t.Errorf("generated image: %v %s", err, img.ContentType)
	}
	if page := c.get(loc); !strings.Contains(page.body, "The achievement is created.") || !strings.Contains(page.body, `src="/images/`+ach.ImageID+`"`) {
		t.Errorf("achievement page after create\n%s", page.body)
	}

	// Errors next to fields, values kept, nothing stored.
	images := func() int {
		n := 0
		for _, a := range mustAchievements(t, e) {
			if a.ImageID != "" {
				n++
			}
		}
		return n
	}
	before := images()
	for _, tc := range []struct {
		name   string
		change url.Values
		file   string
		data   []byte
		want   string
	}{
		{"no name", url.Values{"name": {""}}, "", nil, "Give the achievement a name."},
		{"months", url.Values{"validFor": {"twelve"}}, "", nil, "Enter a whole number of months"},
		{"too many months", url.Values{"validFor": {"5000"}}, "", nil, "This must be between 0 (no expiry) and 1200"},
		{"type", url.Values{"type": {"Trophy"}}, "", nil, "is not an OB 3.0 achievement type"},
		{"colour", url.Values{"primary": {"red"}}, "", nil, "is not a colour written #rrggbb"},
		{"shape", url.Values{"shape": {"star"}}, "", nil, "Unknown shape"},
		{"no file", url.Values{"imageMode": {"upload"}}, "", nil, "Choose a PNG or SVG file."},
		{"not an image", url.Values{"imageMode": {"upload"}}, "x.png", []byte("hello"), "Not a PNG or SVG image"},
		{"criteria URL", url.Values{"criteriaUrl": {"ftp://x"}}, "", nil, "is not an absolute http(s) URL"},
		{"criteria URL with a space", url.Values{"criteriaUrl": {"https://e.org/a b"}}, "", nil, "cannot be an IRI in a credential"},
		{"criteria URL with a caret", url.Values{"criteriaUrl": {"https://e.org/^"}}, "", nil, "cannot be an IRI in a credential"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("name", "Kept Name")
			for k, v := range tc.change {
				f[k] = v
			}
			res := c.postMultipart("/admin/achievements/new", f, tc.file, tc.data)
			if res.StatusCode != 400 || !strings.Contains(res.body, tc.want) {
				t.Fatalf("%d, want 400 with %q\n%s", res.StatusCode, tc.want, res.body)
			}
			if tc.name != "no name" && !strings.Contains(res.body, `value="Kept Name"`) {
				t.Error("the name typed is not kept")
			}
		})
	}
	if n := len(mustAchievements(t, e)); n != 2 {
		t.Errorf("%d achievements after bad forms, want 2", n)
	}
	if images() != before {
		t.Error("a bad form stored an image")
	}

	// Edit: upload a PNG.
	png, err := os.ReadFile("../badgeimg/testdata/" + firstPNG(t))
	if err != nil {
		t.Fatal(err)
	}
	edit := url.Values{"name": {"Python Basics II"}, "description": {"Writes Python."}, "criteria": {"Pass."}, "type": {"Badge"},
		"tags": {""}, "validFor": {""}, "imageMode": {"upload"}}
	res = c.postMultipart("/admin/achievements/"+id, edit, "badge.png", png)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", res.StatusCode, res.body)
	}
	ach2, _ := e.db.Achievement(context.Background(), e.org.ID, id)
	if ach2.Name != "Python Basics II" || ach2.ValidFor != 0 || len(ach2.Tags) != 0 || ach2.ImageID == ach.ImageID || ach2.IssuerID != e.issuer.ID {
		t.Errorf("after edit: %+v", ach2)
	}
	if img, _ := e.db.Image(context.Background(), e.org.ID, ach2.ImageID); img == nil || img.ContentType != "image/png" {
		t.Error("the uploaded PNG is not the image")
	}
	// Keep the image.
	edit.Set("imageMode", "keep")
	if res := c.postMultipart("/admin/achievements/"+id, edit, "", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit keeping the image: %d", res.StatusCode)
	}
	if ach3, _ := e.db.Achievement(context.Background(), e.org.ID, id); ach3.ImageID != ach2.ImageID {
		t.Error("keeping the image changed it")
	}
}

func mustAchievements(t *testing.T, e *env) []*cairn.Achievement {
	t.Helper()
	as, err := e.db.Achievements(context.Background(), e.org.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// firstPNG names a PNG in badgeimg's test data.
func firstPNG(t *testing.T) string {
	t.Helper()
	ents, err := os.ReadDir("../badgeimg/testdata")
	if err != nil {
		t.Skip("no badgeimg test data")
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".png") {
			return e.Name()
		}
	}
	t.Skip("no PNG in badgeimg test data")
	return ""
}

func TestAPIKeys(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	c := e.client(t)
	c.mustLogin(ownerEmail)
	c.get("/admin/api-keys")
	if res := c.post("/admin/api-keys", url.Values{"name": {""}, "role": {"issuer"}}); res.StatusCode != 400 || !strings.Contains(res.body, "Say what the key is for") {
		t.Errorf("key without a name: %d", res.StatusCode)
	}
	if res := c.post("/admin/api-keys", url.Values{"name": {"x"}, "role": {"admin"}}); res.StatusCode != 400 || !strings.Contains(res.body, "Choose viewer, issuer or owner.") {
		t.Errorf("key with a bad role: %d", res.StatusCode)
	}
	res := c.post("/admin/api-keys", url.Values{"name": {"LMS integration"}, "role": {"issuer"}})
	secret := regexpValue(t, res.body, "")
	if res.StatusCode != 200 || !strings.HasPrefix(secret, "cairn_") {
		t.Fatalf("create key: %d, secret %q\n%s", res.StatusCode, secret, res.body)
	}
	// The key works, once shown; the list shows only its prefix.
	r := c.get("/admin/api-keys")
	if strings.Contains(r.body, secret) || !strings.Contains(r.body, secret[:len("cairn_")+8]+"_…") {
		t.Error("the list shows the secret, or not the prefix")
	}
	keys, _ := e.db.APIKeys(context.Background(), e.org.ID)
	if len(keys) != 1 || keys[0].Role != cairn.RoleIssuer {
		t.Fatalf("keys %+v", keys)
	}
	if res := c.post("/admin/api-keys/"+keys[0].ID+"/revoke", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	keys, _ = e.db.APIKeys(context.Background(), e.org.ID)
	if keys[0].RevokedAt == nil {
		t.Error("the key is not revoked")
	}
}

func TestLogoutAndExpiry(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	e := newEnv(t, testBase, Options{Now: clock, SessionLifetime: time.Hour})
	c := e.client(t)
	c.mustLogin(ownerEmail)
	token := c.cookies[auth.SessionCookie].Value
	res := c.post("/logout", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?out=1" {
		t.Fatalf("logout: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	cleared := false
	for _, ck := range res.Cookies() {
		cleared = cleared || ck.Name == auth.SessionCookie && ck.MaxAge < 0
	}
	if !cleared {
		t.Error("logout did not clear the cookie")
	}
	if _, err := e.db.SessionByTokenHash(context.Background(), api.SessionTokenHash(token)); cairn.KindOf(err) != cairn.NotFound {
		t.Errorf("the session survives logout: %v", err)
	}
	// The old token no longer works, even if the browser kept it.
	c.cookies[auth.SessionCookie] = &http.Cookie{Name: auth.SessionCookie, Value: token}
	if res := c.get("/admin"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /admin after logout: %d, want a redirect to log in", res.StatusCode)
	}
	if res := c.post("/admin/awards/new", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST after logout: %d, want 401", res.StatusCode)
	}

	// A session ends at its ExpiresAt.
	c = e.client(t)
	c.mustLogin(ownerEmail)
	if res := c.get("/admin"); res.StatusCode != 200 {
		t.Fatalf("dashboard: %d", res.StatusCode)
	}
	now = now.Add(time.Hour + time.Second)
	if res := c.get("/admin"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /admin after the session's lifetime: %d, want a redirect to log in", res.StatusCode)
	}
}

func TestOrganizationSwitch(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	ctx := context.Background()
	other := &cairn.Organization{Slug: "acme", Name: "Acme Training"}
	if err := e.db.CreateOrganization(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetMembership(ctx, cairn.Membership{OrgID: other.ID, AccountID: e.viewer.ID, Role: cairn.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	c := e.client(t)
	c.mustLogin(viewerEmail)
	// Sorted by name: Acme Training first, where the account is owner.
	res := c.get("/admin")
	if !strings.Contains(res.body, "<h1>Acme Training</h1>") || !strings.Contains(res.body, "API keys") {
		t.Fatalf("dashboard of the first organization\n%s", res.body)
	}
	if res := c.post("/admin/organization", url.Values{"org": {e.org.ID}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch: %d", res.StatusCode)
	}
	res = c.get("/admin")
	if !strings.Contains(res.body, "<h1>Example University</h1>") || strings.Contains(res.body, ">API keys<") {
		t.Errorf("after the switch: not Example University as a viewer\n%s", res.body)
	}
	if res := c.post("/admin/organization", url.Values{"org": {"not-mine"}}); res.StatusCode != 404 {
		t.Errorf("switch to a foreign organization: %d, want 404", res.StatusCode)
	}
	// A forged organization cookie chooses nothing the account is not in.
	c.cookies["__Host-cairn_org"] = &http.Cookie{Name: "__Host-cairn_org", Value: "someone-else"}
	if res := c.get("/admin"); !strings.Contains(res.body, "<h1>Acme Training</h1>") {
		t.Error("a forged organization cookie was not ignored")
	}
}

// regexpValue returns the value of the input named name in body, or of the
// first read-only input when name is "".
func regexpValue(t *testing.T, body, name string) string {
	t.Helper()
	var pat string
	if name == "" {
		pat = `readonly value="([^"]+)"`
	} else {
		pat = `name="` + name + `" value="([^"]*)"`
	}
	m := regexpMust(pat).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %q in\n%s", pat, body)
	}
	return m[1]
}
