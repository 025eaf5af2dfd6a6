package auth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Session lifetimes.
const (
	// IdleTimeout ends a session not used for this long.
	IdleTimeout = 12 * time.Hour
	// AbsoluteTimeout ends a session this long after login, used or not.
	AbsoluteTimeout = 7 * 24 * time.Hour
	// TouchInterval is how stale LastSeen may get before [Session.NeedsTouch]
	// asks the store to update it: one write per session per interval, not
	// one per request.
	TouchInterval = 5 * time.Minute
)

// Errors about sessions, wrapped by the functions below; both mean 401 (log
// in again).
var (
	// ErrNoSession: the request carries no session cookie, or one that is
	// not a session token.
	ErrNoSession = errors.New("no session")
	// ErrSessionExpired: the session exists but is past its idle or
	// absolute timeout.
	ErrSessionExpired = errors.New("session expired")
)

// Session is the server-side state of a login session, as the store keeps it
// (beside the account it belongs to). The session token itself is only in
// the browser's cookie; the store finds the session by the token's hash.
type Session struct {
	// Hash is HashToken(token): the store's lookup key.
	Hash TokenHash
	// CSRF is the session's anti-CSRF token (synchronizer pattern): random,
	// unrelated to the session token, embedded in forms by [CSRFToken].
	CSRF string
	// Created is the login time; LastSeen the last recorded use.
	Created, LastSeen time.Time
}

// NewSession starts a session at now. token goes in the cookie
// ([Cookies.Set]) and nowhere else; s goes to the store. Make a new session
// at every login (never reuse a token from before authentication).
func NewSession(now time.Time) (token string, s *Session) {
	token = NewToken()
	return token, &Session{Hash: HashToken(token), CSRF: NewToken(), Created: now, LastSeen: now}
}

// Check reports whether s is still valid at now: nil, or an error wrapping
// [ErrSessionExpired]. The store deletes expired sessions.
func (s *Session) Check(now time.Time) error {
	switch {
	case now.Sub(s.Created) >= AbsoluteTimeout:
		return fmt.Errorf("auth: %w (logged in %s ago, limit %s)", ErrSessionExpired, now.Sub(s.Created).Round(time.Minute), AbsoluteTimeout)
	case now.Sub(s.LastSeen) >= IdleTimeout:
		return fmt.Errorf("auth: %w (idle for %s, limit %s)", ErrSessionExpired, now.Sub(s.LastSeen).Round(time.Minute), IdleTimeout)
	}
	return nil
}

// Expires returns when s ends at the latest: the earlier of its idle and
// absolute deadlines.
func (s *Session) Expires() time.Time {
	idle, abs := s.LastSeen.Add(IdleTimeout), s.Created.Add(AbsoluteTimeout)
	if idle.Before(abs) {
		return idle
	}
	return abs
}

// NeedsTouch reports whether LastSeen is more than [TouchInterval] old, so
// the store should set it to now.
func (s *Session) NeedsTouch(now time.Time) bool { return now.Sub(s.LastSeen) >= TouchInterval }

// SessionHash reads the session token from the request's cookie and returns
// its hash, to look the session up. Errors wrap [ErrNoSession].
func (c Cookies) SessionHash(r *http.Request) (TokenHash, error) {
	ck, err := r.Cookie(c.Name())
	if err != nil {
		return TokenHash{}, fmt.Errorf("auth: %w", ErrNoSession)
	}
	if !validToken(ck.Value) {
		return TokenHash{}, fmt.Errorf("auth: %w (malformed session cookie)", ErrNoSession)
	}
	return HashToken(ck.Value), nil
}

// Cookie names. Browsers accept a "__Host-" cookie only with Secure,
// Path=/ and no Domain, which pins it to this exact host and keeps sibling
// subdomains from planting or overwriting it.
const (
	SessionCookie         = "__Host-cairn_session"
	InsecureSessionCookie = "cairn_session" // over plain http (development) only
)

// Cookies writes and reads the session cookie for one base URL.
type Cookies struct {
	secure bool
}

// NewCookies returns the cookie settings for a server whose public base URL
// is baseURL. Over https the cookie is Secure and named
// [SessionCookie]; over plain http (a laptop, tests) it cannot be Secure, so
// it is [InsecureSessionCookie].
func NewCookies(baseURL string) (Cookies, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return Cookies{}, fmt.Errorf("auth: base URL: %w", err)
	}
	switch u.Scheme {
	case "https":
		return Cookies{secure: true}, nil
	case "http":
		return Cookies{secure: false}, nil
	}
	return Cookies{}, fmt.Errorf("auth: base URL %q: scheme must be http or https", baseURL)
}

// Secure reports whether the cookie is sent over https only.
func (c Cookies) Secure() bool { return c.secure }

// Name returns the session cookie's name.
func (c Cookies) Name() string {
	if c.secure {
		return SessionCookie
	}
	return InsecureSessionCookie
}

// Set writes the session cookie: HttpOnly, SameSite=Lax, Path=/, Secure over
// https, expiring with the session's absolute timeout (the idle timeout is
// enforced by the server, [Session.Check]).
func (c Cookies) Set(w http.ResponseWriter, token string, s *Session) {
	exp := s.Created.Add(AbsoluteTimeout)
	http.SetCookie(w, &http.Cookie{
		Name:     c.Name(),
		Value:    token,
		Path:     "/",
		Expires:  exp,
		MaxAge:   max(1, int(time.Until(exp).Seconds())),
		Secure:   c.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// Clear tells the browser to drop the session cookie (at logout, after the
// store deleted the session).
func (c Cookies) Clear(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name:     c.Name(),
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		Secure:   c.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}
