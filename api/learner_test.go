package api_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/keys"
	"github.com/cairn-badges/cairn/wallet"
)

// learnerLink matches the verification links the wallet logs when mail
// is off.
var learnerLink = regexp.MustCompile(`link=(\S+)`)

// verifyLinkToken returns the token of the newest verification link logged
// for email.
func (e *env) verifyLinkToken(email string) string {
	e.t.Helper()
	tok := ""
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if !strings.Contains(line, "email verification link") || !strings.Contains(line, "email="+email+" ") {
			continue
		}
		m := learnerLink.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		u, err := url.Parse(strings.Trim(m[1], `"`))
		if err != nil {
			e.t.Fatal(err)
		}
		tok = u.Query().Get("token")
	}
	if tok == "" {
		e.t.Fatalf("no verification link logged for %s in\n%s", email, e.logs)
	}
	return tok
}

// newLearner signs a learner up and in, and returns their API token.
func (e *env) newLearner(email string, verify bool) string {
	e.t.Helper()
	e.do("POST", "/api/v1/learner/signup", "", map[string]any{"email": email, "password": "correct horse battery", "name": "Ada " + email}).must(e.t, 201, nil)
	if verify {
		e.do("POST", "/api/v1/learner/emails/verify", "", map[string]any{"token": e.verifyLinkToken(email)}).must(e.t, 200, nil)
	}
	var tok struct{ Token string }
	e.do("POST", "/api/v1/learner/session", "", map[string]any{"email": email, "password": "correct horse battery"}).must(e.t, 201, &tok)
	if !strings.HasPrefix(tok.Token, wallet.APITokenPrefix) {
		e.t.Fatalf("token %q", tok.Token)
	}
	return tok.Token
}

// claimToken records a claim token for the award, as the award mail does.
func (e *env) claimToken(awardID string) string {
	e.t.Helper()
	tok := auth.NewToken()
	if _, err := e.db.RecordClaimToken(context.Background(), awardID, auth.HashToken(tok).String()); err != nil {
		e.t.Fatal(err)
	}
	return tok
}

type learnerMe struct {
	ID, Name, Email string
	Emails          []struct {
		Email            string
		Verified, SignIn bool
	}
	DIDs []struct {
		DID      string
		Verified bool
	}
}

func TestLearnerAccount(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", "/api/v1/learner/signup", "", map[string]any{"email": " Ada@Example.ORG ", "password": "correct horse battery", "name": "Ada"})
	var me learnerMe
	r.must(t, 201, &me)
	if me.Email != "ada@example.org" || len(me.Emails) != 1 || me.Emails[0].Verified || !me.Emails[0].SignIn {
		t.Fatalf("after sign-up: %+v", me)
	}
	// The same address again: 409 naming email.
	if p := e.do("POST", "/api/v1/learner/signup", "", map[string]any{"email": "ada@example.org", "password": "another good one", "name": "Eve"}).problem(t, 409); p.Field != "email" {
		t.Errorf("second sign-up: %+v", p)
	}
	// Wrong password, unknown email: the same 401.
	for _, body := range []map[string]any{{"email": "ada@example.org", "password": "wrong password!"}, {"email": "nobody@example.org", "password": "wrong password!"}} {
		p := e.do("POST", "/api/v1/learner/session", "", body).problem(t, 401)
		if p.Detail != "the email or the password is not right" {
			t.Errorf("sign-in %v: %+v", body, p)
		}
	}
	var tok struct {
		Token, LearnerID string
	}
	e.do("POST", "/api/v1/learner/session", "", map[string]any{"email": "ADA@example.org", "password": "correct horse battery"}).must(t, 201, &tok)
	e.do("GET", "/api/v1/learner/me", tok.Token, nil).must(t, 200, &me)
	if me.ID != tok.LearnerID {
		t.Fatalf("me %+v, token of %s", me, tok.LearnerID)
	}
	// The verification link, logged (mail is off), verifies once.
	vt := e.verifyLinkToken("ada@example.org")
	e.do("POST", "/api/v1/learner/emails/verify", "", map[string]any{"token": vt}).must(t, 200, nil)
	if p := e.do("POST", "/api/v1/learner/emails/verify", "", map[string]any{"token": vt}).problem(t, 404); p.Field != "token" {
		t.Errorf("used link: %+v", p)
	}
	// A second address: added unverified, resent, verified, removed.
	e.do("POST", "/api/v1/learner/emails", tok.Token, map[string]any{"email": "ada@old-school.example"}).must(t, 201, &me)
	if len(me.Emails) != 2 || me.Emails[1].Verified {
		t.Fatalf("after adding: %+v", me)
	}
	first := e.verifyLinkToken("ada@old-school.example")
	e.do("POST", "/api/v1/learner/emails/ada@old-school.example/resend", tok.Token, nil).must(t, 202, nil)
	second := e.verifyLinkToken("ada@old-school.example")
	e.do("POST", "/api/v1/learner/emails/verify", "", map[string]any{"token": first}).problem(t, 404) // replaced
	e.do("POST", "/api/v1/learner/emails/verify", "", map[string]any{"token": second}).must(t, 200, nil)
	e.do("GET", "/api/v1/learner/me", tok.Token, nil).must(t, 200, &me)
	if !me.Emails[0].Verified || !me.Emails[1].Verified {
		t.Fatalf("after verifying both: %+v", me)
	}
	// Sign in with the second, verified address works too.
	e.do("POST", "/api/v1/learner/session", "", map[string]any{"email": "ada@old-school.example", "password": "correct horse battery"}).must(t, 201, nil)
	if p := e.do("DELETE", "/api/v1/learner/emails/ada@example.org", tok.Token, nil).problem(t, 409); p.Field != "email" {
		t.Errorf("removing the sign-in address: %+v", p)
	}
	e.do("DELETE", "/api/v1/learner/emails/ada@old-school.example", tok.Token, nil).must(t, 204, nil)
	// Sign out ends the token.
	e.do("DELETE", "/api/v1/learner/session", tok.Token, nil).must(t, 204, nil)
	e.do("GET", "/api/v1/learner/me", tok.Token, nil).problem(t, 401)
}

func TestLearnerBadInput(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("bad")
	for _, c := range []struct {
		body  any
		code  int
		field string
	}{
		{map[string]any{"email": "", "password": "correct horse battery", "name": "A"}, 422, "email"},
		{map[string]any{"email": "not-an-address", "password": "correct horse battery", "name": "A"}, 422, "email"},
		{map[string]any{"email": "a@example.org", "password": "short", "name": "A"}, 422, "password"},
		{map[string]any{"email": "a@example.org", "password": "correct horse battery", "name": " "}, 422, "name"},
		{map[string]any{"email": "a@example.org", "password": "correct horse battery", "name": strings.Repeat("n", 201)}, 422, "name"},
		{map[string]any{"email": "a@example.org", "password": "correct horse battery", "name": "A", "extra": 1}, 400, "extra"},
		{`{"email": `, 400, ""},
	} {
		p := e.do("POST", "/api/v1/learner/signup", "", c.body).problem(t, c.code)
		if p.Field != c.field {
			t.Errorf("%v: field %q, want %q (%s)", c.body, p.Field, c.field, p.Detail)
		}
	}
	// A staff API key is no learner token, and a learner token no API key.
	tok := e.newLearner("b@example.org", false)
	e.do("GET", "/api/v1/learner/me", o.key, nil).problem(t, 401)
	e.do("GET", "/api/v1/me", tok, nil).problem(t, 401)
	e.do("GET", "/api/v1/learner/credentials", "", nil).problem(t, 401)
	e.do("GET", "/api/v1/learner/credentials", "cairn_learner_nonsense", nil).problem(t, 401)
	e.do("POST", "/api/v1/learner/claims", tok, map[string]any{"token": ""}).problem(t, 422)
	if p := e.do("POST", "/api/v1/learner/claims", tok, map[string]any{"token": "no-such-token"}).problem(t, 404); p.Field != "token" {
		t.Errorf("unknown claim token: %+v", p)
	}
	if p := e.do("POST", "/api/v1/learner/dids", tok, map[string]any{"did": "did:web:example.org"}).problem(t, 422); p.Field != "did" {
		t.Errorf("did:web: %+v", p)
	}
	if p := e.do("POST", "/api/v1/learner/dids", tok, map[string]any{"did": "did:key:zNotAKey"}).problem(t, 422); p.Field != "did" {
		t.Errorf("bad did:key: %+v", p)
	}
	if p := e.do("DELETE", "/api/v1/learner/me", tok, map[string]any{"password": "not my password"}).problem(t, 403); p.Field != "password" {
		t.Errorf("deletion with a wrong password: %+v", p)
	}
	if p := e.do("POST", "/api/v1/learner/emails/verify", "", map[string]any{"token": strings.Repeat("x", 500)}).problem(t, 404); p.Field != "token" {
		t.Errorf("long token: %+v", p)
	}
}

// TestLearnerSignInRateLimited: past the burst, 429 with Retry-After,
// without checking the password.
func TestLearnerSignInRateLimited(t *testing.T) {
	e := newEnv(t)
	e.newLearner("c@example.org", false)
	var last resp
	for range 12 {
		last = e.do("POST", "/api/v1/learner/session", "", map[string]any{"email": "c@example.org", "password": "wrong password!"})
		if last.code == http.StatusTooManyRequests {
			break
		}
	}
	last.problem(t, 429)
	if last.hdr.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	// Even the right password waits.
	e.do("POST", "/api/v1/learner/session", "", map[string]any{"email": "c@example.org", "password": "correct horse battery"}).problem(t, 429)
}

func TestLearnerClaim(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("claim"))
	claim := e.claimToken(f.awardID) // to learner@example.com, hashed
	var aw struct {
		Claimed   bool
		ClaimedAt *string
		Recipient struct{ Hashed bool }
	}
	e.do("GET", "/api/v1/awards/"+f.awardID, f.org.key, nil).must(t, 200, &aw)
	if aw.Claimed || aw.ClaimedAt != nil || !aw.Recipient.Hashed {
		t.Fatalf("before the claim: %+v", aw)
	}

	// Not verified yet: the claim is refused, 403.
	tok := e.newLearner("learner@example.com", false)
	if p := e.do("POST", "/api/v1/learner/claims", tok, map[string]any{"token": claim}).problem(t, 403); p.Field != "token" {
		t.Errorf("unverified: %+v", p)
	}
	// Another learner, verified, with another address: 403 too.
	other := e.newLearner("someone@example.com", true)
	e.do("POST", "/api/v1/learner/claims", other, map[string]any{"token": claim}).problem(t, 403)

	// Verified: the claim (the whole link works too) attaches it.
	e.do("POST", "/api/v1/learner/emails/verify", "", map[string]any{"token": e.verifyLinkToken("learner@example.com")}).must(t, 200, nil)
	var c struct {
		ID, Source, Name, URL string
		Issuer                struct{ Name string }
		Credential            map[string]any
	}
	e.do("POST", "/api/v1/learner/claims", tok, map[string]any{"token": testBase + "/claim/" + claim}).must(t, 201, &c)
	if c.ID != f.awardID || c.Source != "cairn" || c.Name != "Go Programming" || c.Credential == nil || c.URL != testBase+"/credentials/"+f.awardID {
		t.Fatalf("claimed %+v", c)
	}
	e.do("POST", "/api/v1/learner/claims", tok, map[string]any{"token": claim}).must(t, 200, nil) // again: idempotent
	var list struct {
		Items []struct {
			ID         string
			Credential map[string]any
		}
	}
	e.do("GET", "/api/v1/learner/credentials", tok, nil).must(t, 200, &list)
	if len(list.Items) != 1 || list.Items[0].ID != f.awardID || list.Items[0].Credential != nil {
		t.Fatalf("credentials: %+v", list)
	}
	e.do("GET", "/api/v1/learner/credentials?full=true", tok, nil).must(t, 200, &list)
	if list.Items[0].Credential == nil {
		t.Error("full=true has no credential")
	}
	e.do("GET", "/api/v1/learner/credentials/"+f.awardID, tok, nil).must(t, 200, nil)

	// Staff see it claimed, in the award and the list, not by whom.
	e.do("GET", "/api/v1/awards/"+f.awardID, f.org.key, nil).must(t, 200, &aw)
	if !aw.Claimed || aw.ClaimedAt == nil {
		t.Fatalf("after the claim: %+v", aw)
	}
	r := e.do("GET", "/api/v1/awards", f.org.key, nil)
	if !strings.Contains(string(r.body), `"claimed":true`) || strings.Contains(string(r.body), "someone@") {
		t.Errorf("award list: %s", r.body)
	}

	// Every learner route, with another learner's token, sees nothing of
	// the first's.
	e.do("GET", "/api/v1/learner/credentials/"+f.awardID, other, nil).problem(t, 404)
	e.do("GET", "/api/v1/learner/credentials", other, nil).must(t, 200, &list)
	if len(list.Items) != 0 {
		t.Errorf("the other learner sees %+v", list)
	}
	e.do("DELETE", "/api/v1/learner/emails/learner@example.com", other, nil).problem(t, 404)
	e.do("POST", "/api/v1/learner/emails/learner@example.com/resend", other, nil).problem(t, 404)
	e.do("POST", "/api/v1/learner/claims", other, map[string]any{"token": claim}).problem(t, 403)
	// The address is verified in one wallet only.
	e.do("POST", "/api/v1/learner/emails", other, map[string]any{"email": "learner@example.com"}).problem(t, 409)

	// Deleting the account removes its data; the award is unclaimed.
	e.do("DELETE", "/api/v1/learner/me", tok, map[string]any{"password": "correct horse battery"}).must(t, 204, nil)
	e.do("GET", "/api/v1/learner/me", tok, nil).problem(t, 401)
	e.do("POST", "/api/v1/learner/session", "", map[string]any{"email": "learner@example.com", "password": "correct horse battery"}).problem(t, 401)
	e.do("GET", "/api/v1/awards/"+f.awardID, f.org.key, nil).must(t, 200, &aw)
	if aw.Claimed {
		t.Error("still claimed after the learner deleted their account")
	}
	// The address is free again: the other learner can verify it and claim.
	e.do("POST", "/api/v1/learner/emails", other, map[string]any{"email": "learner@example.com"}).must(t, 201, nil)
	e.do("POST", "/api/v1/learner/emails/verify", "", map[string]any{"token": e.verifyLinkToken("learner@example.com")}).must(t, 200, nil)
	e.do("POST", "/api/v1/learner/claims", other, map[string]any{"token": claim}).must(t, 201, nil)
}

func TestLearnerDID(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("did"))
	k, err := keys.Generate(keys.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	d, _, _ := did.KeyDID(k.Public())
	var aw struct{ ID string }
	e.do("POST", "/api/v1/awards", f.org.key, map[string]any{"achievementId": f.achievementID, "recipient": map[string]any{"did": d}}).must(t, 201, &aw)
	claim := e.claimToken(aw.ID)
	tok := e.newLearner("holder@example.org", true)
	e.do("POST", "/api/v1/learner/claims", tok, map[string]any{"token": claim}).problem(t, 403)

	var ch struct{ DID, Challenge string }
	e.do("POST", "/api/v1/learner/dids", tok, map[string]any{"did": d}).must(t, 201, &ch)
	if !strings.Contains(ch.Challenge, testBase) {
		t.Errorf("challenge %q does not name the server", ch.Challenge)
	}
	// A proof by another key, or of another text, is refused.
	k2, _ := keys.Generate(keys.Ed25519)
	bad, _ := wallet.SignKeyJWS(k2, []byte(ch.Challenge))
	if p := e.do("POST", "/api/v1/learner/dids/verify", tok, map[string]any{"did": d, "proof": bad}).problem(t, 422); p.Field != "proof" {
		t.Errorf("other key: %+v", p)
	}
	wrong, _ := wallet.SignKeyJWS(k, []byte("something else"))
	e.do("POST", "/api/v1/learner/dids/verify", tok, map[string]any{"did": d, "proof": wrong}).problem(t, 422)
	e.do("POST", "/api/v1/learner/dids/verify", tok, map[string]any{"did": d, "proof": "a.b"}).problem(t, 422)

	proof, err := wallet.SignKeyJWS(k, []byte(ch.Challenge))
	if err != nil {
		t.Fatal(err)
	}
	var me learnerMe
	e.do("POST", "/api/v1/learner/dids/verify", tok, map[string]any{"did": d, "proof": proof}).must(t, 200, &me)
	if len(me.DIDs) != 1 || !me.DIDs[0].Verified {
		t.Fatalf("DIDs %+v", me.DIDs)
	}
	// The challenge is spent.
	e.do("POST", "/api/v1/learner/dids/verify", tok, map[string]any{"did": d, "proof": proof}).problem(t, 404)
	e.do("POST", "/api/v1/learner/claims", tok, map[string]any{"token": claim}).must(t, 201, nil)
	// Another wallet cannot take the DID.
	other := e.newLearner("other@example.org", false)
	e.do("POST", "/api/v1/learner/dids", other, map[string]any{"did": d}).problem(t, 409)
	e.do("DELETE", "/api/v1/learner/dids/"+d, tok, nil).must(t, 204, nil)
}

// learnerTenancyCases are the learner routes in TestTenancy: an
// organization's key is no learner token (401), and the public routes
// refuse what it sends.
func learnerTenancyCases(a fixture) map[string]tenancyCase {
	return map[string]tenancyCase{
		"POST /api/v1/learner/signup":                  {path: "/api/v1/learner/signup", body: map[string]any{"email": "x"}, code: 422},
		"POST /api/v1/learner/session":                 {path: "/api/v1/learner/session", body: map[string]any{"email": "nobody@example.org", "password": "not a password"}, code: 401},
		"DELETE /api/v1/learner/session":               {path: "/api/v1/learner/session", code: 401},
		"GET /api/v1/learner/me":                       {path: "/api/v1/learner/me", code: 401},
		"DELETE /api/v1/learner/me":                    {path: "/api/v1/learner/me", body: map[string]any{"password": "x"}, code: 401},
		"POST /api/v1/learner/emails":                  {path: "/api/v1/learner/emails", body: map[string]any{"email": "b@example.org"}, code: 401},
		"POST /api/v1/learner/emails/verify":           {path: "/api/v1/learner/emails/verify", body: map[string]any{"token": "nope"}, code: 404},
		"POST /api/v1/learner/emails/{email}/resend":   {path: "/api/v1/learner/emails/learner@example.com/resend", code: 401},
		"DELETE /api/v1/learner/emails/{email}":        {path: "/api/v1/learner/emails/learner@example.com", code: 401},
		"POST /api/v1/learner/dids":                    {path: "/api/v1/learner/dids", body: map[string]any{"did": "did:key:z6Mk"}, code: 401},
		"POST /api/v1/learner/dids/verify":             {path: "/api/v1/learner/dids/verify", body: map[string]any{"did": "did:key:z6Mk", "proof": "x"}, code: 401},
		"DELETE /api/v1/learner/dids/{did}":            {path: "/api/v1/learner/dids/did:key:z6Mk", code: 401},
		"POST /api/v1/learner/claims":                  {path: "/api/v1/learner/claims", body: map[string]any{"token": "x"}, code: 401},
		"GET /api/v1/learner/credentials":              {path: "/api/v1/learner/credentials", code: 401},
		"GET /api/v1/learner/credentials/{id}":         {path: "/api/v1/learner/credentials/" + a.awardID, code: 401},
		"POST /api/v1/learner/credentials":             {path: "/api/v1/learner/credentials", body: map[string]any{"url": "https://x.example/a"}, code: 401},
		"POST /api/v1/learner/credentials/{id}/verify": {path: "/api/v1/learner/credentials/" + a.awardID + "/verify", code: 401},
		"DELETE /api/v1/learner/credentials/{id}":      {path: "/api/v1/learner/credentials/" + a.awardID, code: 401},
		"GET /api/v1/learner/credentials/{id}/image":   {path: "/api/v1/learner/credentials/" + a.awardID + "/image", code: 401},
		"GET /api/v1/learner/profile":                  {path: "/api/v1/learner/profile", code: 401},
		"PUT /api/v1/learner/profile":                  {path: "/api/v1/learner/profile", body: map[string]any{"handle": "ada"}, code: 401},
		"PATCH /api/v1/learner/credentials/{id}":       {path: "/api/v1/learner/credentials/" + a.awardID, body: map[string]any{"public": true}, code: 401},
		"GET /api/v1/learner/export":                   {path: "/api/v1/learner/export", code: 401},
		"GET /api/v1/learner/applications":             {path: "/api/v1/learner/applications", code: 401},
	}
}
