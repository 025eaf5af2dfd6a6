package lti

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Limits of the service clients. A platform that exceeds one gets an
// error, not a truncated list: a silently short roster or gradebook would
// make missing awards look like missing results.
const (
	MaxPages    = 100     // pages read of one container
	MaxItems    = 10_000  // items read of one container
	MaxBodySize = 4 << 20 // bytes read of one response
)

// Media types of the services (AGS 2.0 line item and result
// services; NRPS 2.0 membership service).
const (
	MediaLineItemContainer   = "application/vnd.ims.lis.v2.lineitemcontainer+json"
	MediaResultContainer     = "application/vnd.ims.lis.v2.resultcontainer+json"
	MediaMembershipContainer = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
)

// tokenMargin is how long before its expiry a cached token is replaced.
const tokenMargin = 30 * time.Second

// Services is a client of one registration's platform services: the
// OAuth 2.0 token endpoint, the AGS line item and result services and the
// NRPS membership service. It caches a bearer token per set of scopes
// until 30 seconds before it expires or a service refuses it (401), and is
// safe for concurrent use. It
// never logs or returns tokens in errors.
type Services struct {
	reg Registration
	key *rsa.PrivateKey
	kid string
	hc  *http.Client
	now func() time.Time

	scopes []string // what the service calls ask for; defaultScopes when nil

	mu     sync.Mutex
	tokens map[string]cachedToken // by space-separated sorted scopes
}

// UseScopes sets the scopes the service calls' token asks for (all three
// read-only scopes until then): a platform refuses a token request naming
// a scope it does not grant, so a course without NRPS asks for the AGS
// scopes only. Call it before the Services is used.
func (s *Services) UseScopes(scopes ...string) { s.scopes = scopes }

type cachedToken struct {
	value   string
	expires time.Time
}

// NewServices returns a client for reg's platform that signs its client
// assertions with key under kid, sends requests with hc (which should
// bound their time and refuse private addresses) and reads the time from
// now.
func NewServices(reg Registration, key *rsa.PrivateKey, kid string, hc *http.Client, now func() time.Time) *Services {
	if hc == nil {
		hc = http.DefaultClient
	}
	if now == nil {
		now = time.Now
	}
	return &Services{reg: reg, key: key, kid: kid, hc: hc, now: now, tokens: make(map[string]cachedToken)}
}

// StatusError is a service or token response whose status is not 2xx.
// Detail is the OAuth error code of a token response, when there is one.
type StatusError struct {
	Op     string // "token", "line items", "results", "members"
	URL    string
	Status int
	Detail string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("lti: %s: %s answered %d %s", e.Op, e.URL, e.Status, http.StatusText(e.Status))
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// defaultScopes are the scopes Token asks for when given none: the three
// read-only scopes, so that one token serves every call.
var defaultScopes = []string{ScopeLineItemReadOnly, ScopeResultReadOnly, ScopeMembershipReadOnly}

// Token returns a bearer token for scopes (all three read-only scopes when
// none are given), from the cache or from the platform's token endpoint
// with a client assertion (LTI Security Framework 1.0 §4.1, RFC 7523).
func (s *Services) Token(ctx context.Context, scopes ...string) (string, error) {
	if len(scopes) == 0 {
		scopes = defaultScopes
	}
	scopes = slices.Clone(scopes)
	slices.Sort(scopes)
	scope := strings.Join(slices.Compact(scopes), " ")

	// The lock is held during the request, so concurrent callers wait for
	// one token instead of each asking for one.
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if t, ok := s.tokens[scope]; ok && now.Before(t.expires) {
		return t.value, nil
	}
	assertion, err := ClientAssertion(s.key, s.kid, s.reg.ClientID, s.reg.AuthTokenURL, now)
	if err != nil {
		return "", err
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {ClientAssertionType},
		"client_assertion":      {assertion},
		"scope":                 {scope},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.reg.AuthTokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("lti: token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("lti: token: %w", err)
	}
	defer resp.Body.Close()
	body, err := readBody(resp)
	if err != nil {
		return "", fmt.Errorf("lti: token: %w", err)
	}
	var tr struct {
		AccessToken string  `json:"access_token"`
		TokenType   string  `json:"token_type"`
		ExpiresIn   float64 `json:"expires_in"`
		Error       string  `json:"error"`
	}
	if resp.StatusCode/100 != 2 {
		_ = json.Unmarshal(body, &tr)
		return "", &StatusError{Op: "token", URL: s.reg.AuthTokenURL, Status: resp.StatusCode, Detail: printable(tr.Error)}
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return "", fmt.Errorf("lti: token: the response is not a JSON token response: %v", err)
	}
	if tr.AccessToken == "" {
		return "", errors.New("lti: token: the response has no access_token")
	}
	if !strings.EqualFold(tr.TokenType, "bearer") {
		return "", fmt.Errorf("lti: token: token_type is %q, not Bearer", printable(tr.TokenType))
	}
	if life := time.Duration(tr.ExpiresIn * float64(time.Second)); life > tokenMargin {
		s.tokens[scope] = cachedToken{value: tr.AccessToken, expires: now.Add(life - tokenMargin)}
	} else {
		delete(s.tokens, scope)
	}
	return tr.AccessToken, nil
}

// forget drops token from the cache: the platform refused it, so the next
// call asks for a new one.
func (s *Services) forget(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for scope, t := range s.tokens {
		if t.value == token {
			delete(s.tokens, scope)
		}
	}
}

// LineItem is an AGS line item (AGS 2.0, line item service): a column of the gradebook.
type LineItem struct {
	ID             string  `json:"id"`
	Label          string  `json:"label"`
	ResourceID     string  `json:"resourceId,omitempty"`
	ResourceLinkID string  `json:"resourceLinkId,omitempty"`
	Tag            string  `json:"tag,omitempty"`
	ScoreMaximum   float64 `json:"scoreMaximum"`
}

// Result is an AGS result (AGS 2.0, result service): one user's score for a line
// item. ResultScore and ResultMaximum are nil when absent.
type Result struct {
	ID            string   `json:"id"`
	ScoreOf       string   `json:"scoreOf"`
	UserID        string   `json:"userId"`
	Comment       string   `json:"comment,omitempty"`
	ResultScore   *float64 `json:"resultScore,omitempty"`
	ResultMaximum *float64 `json:"resultMaximum,omitempty"`
}

// Member is one member of a context in NRPS (NRPS 2.0). Email and Name
// are empty when the platform does not share them.
type Member struct {
	UserID string   `json:"user_id"`
	Email  string   `json:"email,omitempty"`
	Name   string   `json:"name,omitempty"`
	Status string   `json:"status,omitempty"`
	Roles  []string `json:"roles"`
}

// LineItems returns every line item of the container at lineItemsURL (the
// AGS claim's lineitems), following rel="next" links.
func (s *Services) LineItems(ctx context.Context, lineItemsURL string) ([]LineItem, error) {
	return getAll(ctx, s, "line items", lineItemsURL, MediaLineItemContainer, func(b []byte) ([]LineItem, error) {
		var items []LineItem
		err := json.Unmarshal(b, &items)
		return items, err
	})
}

// Results returns every result of the line item lineItemID, read from
// {lineItemID}/results (the path gains "/results" before any query),
// following rel="next" links.
func (s *Services) Results(ctx context.Context, lineItemID string) ([]Result, error) {
	return getAll(ctx, s, "results", ResultsURL(lineItemID), MediaResultContainer, func(b []byte) ([]Result, error) {
		var results []Result
		err := json.Unmarshal(b, &results)
		return results, err
	})
}

// Members returns every member of the context whose membership container
// is at membershipsURL (the NRPS claim's context_memberships_url),
// following rel="next" links.
func (s *Services) Members(ctx context.Context, membershipsURL string) ([]Member, error) {
	return getAll(ctx, s, "members", membershipsURL, MediaMembershipContainer, func(b []byte) ([]Member, error) {
		var c struct {
			Members []Member `json:"members"`
		}
		err := json.Unmarshal(b, &c)
		return c.Members, err
	})
}

// ResultsURL returns the results service URL of a line item: its id with
// "/results" appended to the path, before any query (AGS 2.0, result
// service).
func ResultsURL(lineItemID string) string {
	base, query, hasQuery := strings.Cut(lineItemID, "?")
	u := strings.TrimSuffix(base, "/") + "/results"
	if hasQuery {
		u += "?" + query
	}
	return u
}

// getAll reads every page of a container, starting at first. Each next
// link must stay on the first page's scheme and host, since the bearer
// token goes with it.
func getAll[T any](ctx context.Context, s *Services, op, first, accept string, decode func([]byte) ([]T, error)) ([]T, error) {
	start, err := url.Parse(first)
	if err != nil || (start.Scheme != "https" && start.Scheme != "http") || start.Host == "" {
		return nil, fmt.Errorf("lti: %s: %q is not an absolute http(s) URL", op, first)
	}
	token, err := s.Token(ctx, s.scopes...)
	if err != nil {
		return nil, err
	}
	var all []T
	next := start
	for page := 1; next != nil; page++ {
		if page > MaxPages {
			return nil, fmt.Errorf("lti: %s: %s has more than %d pages", op, first, MaxPages)
		}
		body, link, err := s.get(ctx, op, next.String(), accept, token)
		if err != nil {
			return nil, err
		}
		items, err := decode(body)
		if err != nil {
			return nil, fmt.Errorf("lti: %s: page %d of %s cannot be read: %v", op, page, first, err)
		}
		if len(all)+len(items) > MaxItems {
			return nil, fmt.Errorf("lti: %s: %s has more than %d items", op, first, MaxItems)
		}
		all = append(all, items...)
		next = nil
		if link != "" {
			if next, err = resolveNext(start, link); err != nil {
				return nil, fmt.Errorf("lti: %s: page %d of %s: %w", op, page, first, err)
			}
		}
	}
	return all, nil
}

// resolveNext resolves a next link against the first page and checks that
// it stays on the first page's origin.
func resolveNext(start *url.URL, link string) (*url.URL, error) {
	ref, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("the next link %q is not a URL", link)
	}
	u := start.ResolveReference(ref)
	if u.Scheme != start.Scheme || u.Host != start.Host {
		return nil, fmt.Errorf("the next link leads to %s://%s, away from %s://%s", u.Scheme, u.Host, start.Scheme, start.Host)
	}
	return u, nil
}

// get fetches one page and returns its body and its rel="next" link.
func (s *Services) get(ctx context.Context, op, u, accept, token string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", fmt.Errorf("lti: %s: %w", op, err)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("lti: %s: %w", op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		if resp.StatusCode == http.StatusUnauthorized {
			s.forget(token)
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, MaxBodySize))
		return nil, "", &StatusError{Op: op, URL: u, Status: resp.StatusCode}
	}
	body, err := readBody(resp)
	if err != nil {
		return nil, "", fmt.Errorf("lti: %s: %s: %w", op, u, err)
	}
	return body, NextLink(resp.Header.Values("Link")), nil
}

// readBody reads a response body of at most MaxBodySize bytes.
func readBody(resp *http.Response) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodySize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBodySize {
		return nil, fmt.Errorf("the response is larger than %d bytes", MaxBodySize)
	}
	return b, nil
}

// NextLink returns the target of the rel="next" link among Link header
// values (RFC 8288 §3), or "" when there is none.
func NextLink(values []string) string {
	for _, v := range values {
		for v != "" {
			v = strings.TrimLeft(v, " \t,")
			if !strings.HasPrefix(v, "<") {
				break
			}
			end := strings.IndexByte(v, '>')
			if end < 0 {
				break
			}
			target := v[1:end]
			v = v[end+1:]
			params := v
			if i := strings.IndexByte(v, '<'); i >= 0 {
				params, v = v[:i], v[i:]
			} else {
				v = ""
			}
			for p := range strings.SplitSeq(params, ";") {
				name, value, ok := strings.Cut(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(p), ",")), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				for rel := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(value), `"`)) {
					if strings.EqualFold(rel, "next") {
						return target
					}
				}
			}
		}
	}
	return ""
}

// printable cuts an untrusted string from a response to a short line of
// printable ASCII, for an error message.
func printable(s string) string {
	if len(s) > 100 {
		s = s[:100]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}
