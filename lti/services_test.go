package lti_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/cairn-badges/cairn/lti"
	"github.com/cairn-badges/cairn/lti/ltitest"
)

// toolKey is the tool's key, made once for all tests.
var toolKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := lti.GenerateToolKey()
	if err != nil {
		panic(err)
	}
	return k
})

// clock is a settable time for Services.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// servicesFixture is a platform with course c1 and a Services client for it.
func servicesFixture(t *testing.T) (*ltitest.Platform, *lti.Services, *clock) {
	p := ltitest.New(t)
	reg := p.Registration("tool-1", "dep-1")
	p.SetToolKey("tool-key-1", &toolKey().PublicKey)
	p.AddCourse("c1", "Course One")
	c := &clock{t: time.Now()}
	return p, lti.NewServices(reg, toolKey(), "tool-key-1", p.Client(), c.now), c
}

func TestServicesPagingAndTokenCache(t *testing.T) {
	p, s, c := servicesFixture(t)
	ctx := context.Background()
	p.SetPageSize(2)
	for i := range 5 {
		p.AddLineItem("c1", fmt.Sprint("li", i), fmt.Sprint("Quiz ", i), 10)
		p.AddUser(fmt.Sprint("u", i), fmt.Sprintf("u%d@example.test", i), fmt.Sprint("User ", i), lti.RoleLearner)
		p.SetResult("c1", "li0", fmt.Sprint("u", i), float64(i+5), 10)
	}

	items, err := s.LineItems(ctx, p.LineItemsURL("c1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 5 || items[0].Label != "Quiz 0" || items[4].Label != "Quiz 4" || items[0].ScoreMaximum != 10 ||
		items[0].ID != p.LineItemURL("c1", "li0") {
		t.Fatalf("LineItems over 3 pages = %+v", items)
	}
	results, err := s.Results(ctx, items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 5 || results[4].UserID != "u4" || *results[4].ResultScore != 9 || results[0].ScoreOf != items[0].ID {
		t.Fatalf("Results over 3 pages = %+v", results)
	}
	if pct, ok := lti.Score(results[3], items[0]); !ok || pct != 80 {
		t.Errorf("Score of u3 = %v, %v; want 80", pct, ok)
	}
	members, err := s.Members(ctx, p.MembershipsURL("c1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 5 || members[2].Email != "u2@example.test" || members[2].Name != "User 2" ||
		members[2].Status != "Active" || len(members[2].Roles) != 1 {
		t.Fatalf("Members over 3 pages = %+v", members)
	}
	if n := p.ServiceRequests(); n != 9 {
		t.Errorf("%d service requests, want 9 (3 pages each)", n)
	}
	if n := p.TokenRequests(); n != 1 {
		t.Errorf("%d token requests for three services, want 1", n)
	}

	// 3,600 s tokens are kept until 30 s before they expire.
	c.add(3569 * time.Second)
	if _, err := s.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if n := p.TokenRequests(); n != 1 {
		t.Errorf("%d token requests 31 s before expiry, want 1", n)
	}
	c.add(2 * time.Second)
	if _, err := s.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if n := p.TokenRequests(); n != 2 {
		t.Errorf("%d token requests 29 s before expiry, want 2", n)
	}
	// Another set of scopes is another token.
	if _, err := s.Token(ctx, lti.ScopeLineItemReadOnly); err != nil {
		t.Fatal(err)
	}
	if n := p.TokenRequests(); n != 3 {
		t.Errorf("%d token requests after asking for other scopes, want 3", n)
	}
}

func TestServicesConcurrentToken(t *testing.T) {
	p, s, _ := servicesFixture(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := s.LineItems(context.Background(), p.LineItemsURL("c1")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := p.TokenRequests(); n != 1 {
		t.Errorf("%d token requests for 8 concurrent calls, want 1", n)
	}
}

func TestServicesCaps(t *testing.T) {
	t.Run("pages", func(t *testing.T) {
		p, s, _ := servicesFixture(t)
		p.SetPageSize(1)
		for i := range lti.MaxPages + 1 {
			p.AddLineItem("c1", fmt.Sprint("li", i), "x", 1)
		}
		_, err := s.LineItems(context.Background(), p.LineItemsURL("c1"))
		if err == nil || !strings.Contains(err.Error(), "more than 100 pages") {
			t.Fatalf("LineItems of %d pages: %v, want a page cap error", lti.MaxPages+1, err)
		}
	})
	t.Run("items", func(t *testing.T) {
		p, s, _ := servicesFixture(t)
		p.SetPageSize(lti.MaxItems/lti.MaxPages + 1)
		p.AddLineItem("c1", "li", "x", 1)
		for i := range lti.MaxItems + 1 {
			p.AddUser(fmt.Sprint("u", i), "", "")
		}
		_, err := s.Members(context.Background(), p.MembershipsURL("c1"))
		if err == nil || !strings.Contains(err.Error(), "more than 10000 items") {
			t.Fatalf("Members of %d members: %v, want an item cap error", lti.MaxItems+1, err)
		}
	})
	t.Run("body", func(t *testing.T) {
		_, s, _ := servicesFixture(t)
		big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("["))
			for range lti.MaxBodySize / 16 {
				w.Write([]byte(`{"id":"x"},     `))
			}
			w.Write([]byte(`{"id":"y"}]`))
		}))
		defer big.Close()
		_, err := s.LineItems(context.Background(), big.URL+"/lineitems")
		if err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Fatalf("LineItems of a body over the cap: %v, want a size error", err)
		}
	})
}

func TestServicesErrors(t *testing.T) {
	p, s, _ := servicesFixture(t)
	ctx := context.Background()

	_, err := s.LineItems(ctx, p.LineItemsURL("no-such-course"))
	var se *lti.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusNotFound || se.Op != "line items" {
		t.Errorf("LineItems of an unknown course: %v, want a 404 StatusError", err)
	}

	// A next link to another host would take the token there: refused.
	away := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `<https://elsewhere.example/page2>; rel="next"`)
		w.Write([]byte(`[]`))
	}))
	defer away.Close()
	if _, err := s.LineItems(ctx, away.URL+"/lineitems"); err == nil || !strings.Contains(err.Error(), "away from") {
		t.Errorf("a next link to another host: %v, want an error", err)
	}

	// A revoked token is a 401, and the next call gets a new token.
	if _, err := s.LineItems(ctx, p.LineItemsURL("c1")); err != nil {
		t.Fatal(err)
	}
	p.RevokeTokens()
	if _, err := s.LineItems(ctx, p.LineItemsURL("c1")); !errors.As(err, &se) || se.Status != http.StatusUnauthorized {
		t.Errorf("LineItems with a revoked token: %v, want a 401 StatusError", err)
	}
	before := p.TokenRequests()
	if _, err := s.LineItems(ctx, p.LineItemsURL("c1")); err != nil {
		t.Errorf("LineItems after a 401: %v", err)
	}
	if n := p.TokenRequests(); n != before+1 {
		t.Errorf("%d token requests after a 401, want %d", n, before+1)
	}

	if _, err := s.Results(ctx, "not a url"); err == nil {
		t.Error("Results of a relative line item id succeeded")
	}
	if _, err := s.Members(ctx, away.URL+"/x"); err == nil {
		t.Error("Members of a line item body (an array) succeeded")
	}

	// A token endpoint that does not know the tool's key refuses it; the
	// error has the status and the OAuth error code, not the assertion.
	other := ltitest.New(t)
	reg := other.Registration("tool-1", "dep-1")
	_, err = lti.NewServices(reg, toolKey(), "tool-key-1", other.Client(), time.Now).Token(ctx)
	if !errors.As(err, &se) || se.Status != http.StatusUnauthorized || se.Detail != "invalid_client" {
		t.Errorf("Token with an unknown key: %v, want a 401 invalid_client StatusError", err)
	}
}

func TestResultsURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://lms.example/li/7":           "https://lms.example/li/7/results",
		"https://lms.example/li/7/":          "https://lms.example/li/7/results",
		"https://lms.example/li/7?type_id=1": "https://lms.example/li/7/results?type_id=1",
	} {
		if got := lti.ResultsURL(in); got != want {
			t.Errorf("ResultsURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNextLink(t *testing.T) {
	for _, tt := range []struct {
		values []string
		want   string
	}{
		{[]string{`<https://a/2>; rel="next"`}, "https://a/2"},
		{[]string{`<https://a/1>; rel="first", <https://a/9>; rel="last", <https://a/2>; rel="next"`}, "https://a/2"},
		{[]string{`<https://a/1>; rel="prev"`, `<https://a/3>; rel=next`}, "https://a/3"},
		{[]string{`<https://a/2>; title="x"; rel="prev next"`}, "https://a/2"},
		{[]string{`<https://a/1>; rel="prev"`}, ""},
		{[]string{`garbage`, `<unterminated; rel="next"`}, ""},
		{nil, ""},
	} {
		if got := lti.NextLink(tt.values); got != tt.want {
			t.Errorf("NextLink(%q) = %q, want %q", tt.values, got, tt.want)
		}
	}
}

func TestClientAssertion(t *testing.T) {
	now := time.Now()
	tok, err := lti.ClientAssertion(toolKey(), "tool-key-1", "tool-1", "https://lms.example/token", now)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	if kid := jws.Signatures[0].Header.KeyID; kid != "tool-key-1" {
		t.Errorf("kid = %q", kid)
	}
	payload, err := jws.Verify(&toolKey().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"iss":"tool-1"`, `"sub":"tool-1"`, `"aud":"https://lms.example/token"`,
		fmt.Sprintf(`"iat":%d`, now.Unix()), fmt.Sprintf(`"exp":%d`, now.Add(5*time.Minute).Unix()), `"jti":"`} {
		if !strings.Contains(string(payload), want) {
			t.Errorf("claims %s lack %s", payload, want)
		}
	}
	again, _ := lti.ClientAssertion(toolKey(), "tool-key-1", "tool-1", "https://lms.example/token", now)
	if again == tok {
		t.Error("two assertions are the same: the jti is not random")
	}
}

// TestTokenWithToolJWKS has the platform verify the client assertion with
// the tool's published JWKS, as a real platform does.
func TestTokenWithToolJWKS(t *testing.T) {
	jwks, err := lti.ToolJWKS(map[string]*rsa.PublicKey{"tool-key-1": &toolKey().PublicKey, "tool-key-0": &otherKey().PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwks, &set); err != nil || len(set.Keys) != 2 || set.Keys[0].KeyID != "tool-key-0" ||
		set.Keys[1].Use != "sig" || set.Keys[1].Algorithm != "RS256" || !set.Keys[1].IsPublic() {
		t.Fatalf("ToolJWKS = %s (%v)", jwks, err)
	}
	tool := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwks)
	}))
	defer tool.Close()
	p := ltitest.New(t)
	p.SetToolJWKS(tool.URL)
	reg := p.Registration("tool-1", "dep-1")
	s := lti.NewServices(reg, toolKey(), "tool-key-1", p.Client(), time.Now)
	tok, err := s.Token(context.Background())
	if err != nil || tok == "" {
		t.Fatalf("Token = %q, %v", tok, err)
	}
	if strings.Contains(fmt.Sprint(err), tok) {
		t.Error("the error holds the token")
	}
	// Signed with a key the JWKS lacks: refused.
	s = lti.NewServices(reg, otherKey(), "tool-key-9", p.Client(), time.Now)
	if _, err := s.Token(context.Background()); err == nil {
		t.Error("Token signed with an unpublished key succeeded")
	}
	// An unregistered client: refused.
	reg.ClientID = "tool-2"
	s = lti.NewServices(reg, toolKey(), "tool-key-1", p.Client(), time.Now)
	if _, err := s.Token(context.Background()); err == nil {
		t.Error("Token of an unregistered client succeeded")
	}
	if _, err := lti.ToolJWKS(map[string]*rsa.PublicKey{"": &toolKey().PublicKey}); err == nil {
		t.Error("ToolJWKS with an empty kid succeeded")
	}
}
