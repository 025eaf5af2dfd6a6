package api

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
)

// caller is who a request acts for: an organization and a role in it,
// through an API key or a login session.
type caller struct {
	orgID     string
	role      cairn.Role
	apiKey    *cairn.APIKey // nil for a session
	accountID string        // "" for an API key
	ssoOrgID  string        // the organization whose single sign-on started the session, if any
}

// OrgHeader chooses the organization of a session request when the
// account belongs to more than one.
const OrgHeader = "Cairn-Organization"

// touchInterval is how often the last use of an API key is written: once
// a minute at most, not once per request.
const touchInterval = time.Minute

// NewAPIKey makes an API key for an organization: key is the secret to show
// its owner once (cairn_<prefix>_<secret>); k is what to store, its Hash the
// hex SHA-256 of key (auth.HashToken), as the API checks it.
func NewAPIKey(orgID, name string, role cairn.Role) (key string, k *cairn.APIKey) {
	key, stored := auth.NewAPIKey()
	return key, &cairn.APIKey{OrgID: orgID, Name: name, Prefix: stored.Prefix, Hash: stored.Hash.String(), Role: role}
}

// SessionTokenHash is the value the store keeps as cairn.Session.TokenHash
// for a session token: the hex SHA-256 (auth.HashToken).
func SessionTokenHash(token string) string { return auth.HashToken(token).String() }

// unauthorized is a 401 with an RFC 6750 challenge.
func unauthorized(w http.ResponseWriter, code, msg string) error {
	ch := `Bearer realm="cairn"`
	if code != "" {
		ch += `, error="` + code + `", error_description="` + strings.ReplaceAll(msg, `"`, "'") + `"`
	}
	w.Header().Set("WWW-Authenticate", ch)
	return cairn.Errorf(cairn.Unauthorized, "%s", msg)
}

// authenticate finds the caller: by API key when the request has an
// Authorization header, else by session cookie (with a CSRF check on
// unsafe methods).
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*caller, error) {
	ctx := r.Context()
	if r.Header.Get("Authorization") != "" {
		return s.apiKeyCaller(ctx, w, r)
	}
	if _, err := r.Cookie(s.cookies.Name()); err != nil {
		return nil, unauthorized(w, "", "authentication required: send Authorization: Bearer cairn_… with an API key")
	}
	return s.sessionCaller(ctx, w, r)
}

func (s *Server) apiKeyCaller(ctx context.Context, w http.ResponseWriter, r *http.Request) (*caller, error) {
	tok := auth.BearerToken(r)
	if tok == "" {
		return nil, unauthorized(w, "invalid_request", "the Authorization header must be Bearer cairn_<prefix>_<secret>")
	}
	presented, err := auth.ParseAPIKey(tok)
	if err != nil {
		return nil, unauthorized(w, "invalid_token", "malformed API key")
	}
	k, err := s.Store.APIKeyByPrefix(ctx, presented.Prefix)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, unauthorized(w, "invalid_token", "unknown or revoked API key")
	}
	if err != nil {
		return nil, err
	}
	raw, err := hex.DecodeString(k.Hash)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "API key %s: stored hash is not hex", k.ID)
	}
	h, err := auth.ParseTokenHash(raw)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "API key %s", k.ID)
	}
	if !presented.Matches(auth.APIKey{Prefix: k.Prefix, Hash: h}) || k.RevokedAt != nil {
		return nil, unauthorized(w, "invalid_token", "unknown or revoked API key")
	}
	if !k.Role.Valid() {
		return nil, cairn.Errorf(cairn.Internal, "API key %s has role %q", k.ID, k.Role)
	}
	s.touch(ctx, k)
	return &caller{orgID: k.OrgID, role: k.Role, apiKey: k}, nil
}

// touch records the key's use, at most once per touchInterval per key and
// process. A failure is logged: it must not fail the request.
func (s *Server) touch(ctx context.Context, k *cairn.APIKey) {
	now := s.now()
	if k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < touchInterval {
		return
	}
	prev, loaded := s.touched.LoadOrStore(k.ID, now)
	if loaded {
		if now.Sub(prev.(time.Time)) < touchInterval || !s.touched.CompareAndSwap(k.ID, prev, now) {
			return
		}
	}
	if err := s.Store.TouchAPIKey(ctx, k.ID, now); err != nil {
		s.log().WarnContext(ctx, "api: recording API key use", "key", k.ID, "err", err)
	}
}

func (s *Server) sessionCaller(ctx context.Context, w http.ResponseWriter, r *http.Request) (*caller, error) {
	h, err := s.cookies.SessionHash(r)
	if err != nil {
		return nil, unauthorized(w, "", "the session cookie is malformed; log in again")
	}
	sess, err := s.Store.SessionByTokenHash(ctx, h.String())
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, unauthorized(w, "", "the session has expired; log in again")
	}
	if err != nil {
		return nil, err
	}
	if err := auth.CheckCSRF(r, &auth.Session{CSRF: sess.CSRFToken}); err != nil {
		if errors.Is(err, auth.ErrCSRF) {
			return nil, cairn.Wrapf(cairn.Forbidden, err, "cross-site request refused: send the session's CSRF token in the %s header", auth.CSRFHeader)
		}
		return nil, err
	}
	ms, err := s.Store.AccountMemberships(ctx, sess.AccountID)
	var ssoOrg string
	if err == nil {
		ms, ssoOrg, err = s.ssoScope(ctx, sess.ID, sess.AccountID, ms)
	}
	if err != nil {
		return nil, err
	}
	want := r.Header.Get(OrgHeader)
	var m *cairn.Membership
	switch {
	case want != "":
		for _, x := range ms {
			if x.OrgID == want {
				m = x
			}
		}
		if m == nil {
			return nil, cairn.Errorf(cairn.Forbidden, "the account is not a member of organization %q", want)
		}
	case len(ms) == 1:
		m = ms[0]
	case len(ms) == 0:
		return nil, cairn.Errorf(cairn.Forbidden, "the account is not a member of any organization")
	default:
		return nil, badRequest(OrgHeader, "the account belongs to %d organizations: name one in the %s header", len(ms), OrgHeader)
	}
	return &caller{orgID: m.OrgID, role: m.Role, accountID: sess.AccountID, ssoOrgID: ssoOrg}, nil
}
