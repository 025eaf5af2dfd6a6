package auth

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
)

// CSRF token transport.
const (
	// CSRFField is the form field that carries the CSRF token.
	CSRFField = "csrf_token"
	// CSRFHeader is the header that carries it for scripts.
	CSRFHeader = "X-CSRF-Token"
)

// ErrCSRF is returned (wrapped) by [CheckCSRF] when a request is refused as
// cross-site or lacks the session's CSRF token: answer 403.
var ErrCSRF = errors.New("cross-site request refused")

// crossOrigin rejects browser requests from other origins, by
// Sec-Fetch-Site or, for older browsers, Origin against Host.
var crossOrigin = http.NewCrossOriginProtection()

// CSRFToken returns the token to embed in the session's forms (a hidden
// field named [CSRFField]) or to hand to scripts (sent back in
// [CSRFHeader]).
func CSRFToken(s *Session) string { return s.CSRF }

// CheckCSRF guards a state-changing request made with session s. Safe
// methods (GET, HEAD, OPTIONS) pass. Others must:
//
//  1. not come from another site: Sec-Fetch-Site must be same-origin or
//     none, or, when the browser sends no Sec-Fetch-Site, Origin must match
//     Host (net/http's CrossOriginProtection);
//  2. carry the session's CSRF token in the [CSRFHeader] header or the
//     [CSRFField] form field, compared in constant time.
//
// Reading the form field parses the body: cap it with http.MaxBytesReader
// before calling. Errors wrap [ErrCSRF]. Requests authenticated by API key
// (no cookie) need no CSRF check.
func CheckCSRF(r *http.Request, s *Session) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if err := crossOrigin.Check(r); err != nil {
		return fmt.Errorf("auth: %w: %v", ErrCSRF, err)
	}
	if s == nil || s.CSRF == "" {
		return fmt.Errorf("auth: %w: no session CSRF token", ErrCSRF)
	}
	tok := r.Header.Get(CSRFHeader)
	if tok == "" {
		tok = r.PostFormValue(CSRFField)
	}
	if tok == "" {
		return fmt.Errorf("auth: %w: missing %s form field or %s header", ErrCSRF, CSRFField, CSRFHeader)
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(s.CSRF)) != 1 {
		return fmt.Errorf("auth: %w: CSRF token does not match the session", ErrCSRF)
	}
	return nil
}
