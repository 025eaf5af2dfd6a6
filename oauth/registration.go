// Package oauth is the OAuth 2.0 authorization server of the Open Badges
// 3.0 API host (https://www.imsglobal.org/spec/ob/v3p0/#api-security): a
// learner's wallet is the resource, the learner its owner, and other
// platforms are clients that register themselves, are allowed in by the
// learner on a consent page, and then read and write the learner's
// credentials and profile with short-lived bearer tokens.
//
//   - Dynamic client registration (RFC 7591): [ParseRegistration] reads
//     and checks the client's metadata; [Service.Register] keeps the
//     client with the SHA-256 of its secret.
//   - The authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636),
//     S256 only: [Service.CheckAuthorize] checks the request the consent
//     page shows, [Service.Approve] records the learner's grant and makes
//     a single-use code bound to the redirect URI and the challenge.
//   - The token endpoint (client_secret_basic): codes and refresh tokens
//     are exchanged for an access token (an hour) and a new refresh token
//     (rotation); a code or refresh token presented twice revokes every
//     token that descends from the same code (RFC 9700 §4.14.2).
//   - Token revocation (RFC 7009), and the learner's own list of connected
//     applications, each of which they can disconnect.
//
// Every code and token is random, shown once, and kept only as its
// SHA-256. Every token belongs to one grant: one learner, one client, the
// scopes the learner allowed.
package oauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// The scopes of the Open Badges 3.0 API (§6.2.1), and offline_access,
// which clients of the specification's examples ask for (refresh tokens
// are issued either way).
const (
	ScopeCredentialRead   = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"
	ScopeCredentialUpsert = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert"
	ScopeProfileRead      = "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly"
	ScopeProfileUpdate    = "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.update"
	ScopeOfflineAccess    = "offline_access"
)

// Scopes lists the OB 3.0 scopes in the order the consent page shows them.
var Scopes = []string{ScopeCredentialRead, ScopeCredentialUpsert, ScopeProfileRead, ScopeProfileUpdate}

// ScopeDescription is what a scope allows, in the words of the discovery
// document.
var ScopeDescription = map[string]string{
	ScopeCredentialRead:   "Permission to read AchievementCredentials for the authenticated entity.",
	ScopeCredentialUpsert: "Permission to create or update AchievementCredentials for the authenticated entity.",
	ScopeProfileRead:      "Permission to read the profile for the authenticated entity.",
	ScopeProfileUpdate:    "Permission to update the profile for the authenticated entity.",
}

// ScopeText is what a scope lets an application do, in plain words for
// the learner on the consent page.
var ScopeText = map[string]string{
	ScopeCredentialRead:   "See the badges and credentials in your wallet",
	ScopeCredentialUpsert: "Add badges and credentials to your wallet (each is verified, and you can delete it)",
	ScopeProfileRead:      "See your name and email address",
	ScopeProfileUpdate:    "Change the name your wallet shows",
	ScopeOfflineAccess:    "Keep this access while you are away, until you disconnect it",
}

func knownScope(s string) bool { return ScopeText[s] != "" }

// Limits of a registration.
const (
	MaxRegistrationBytes = 64 << 10
	MaxRedirectURIs      = 10
	MaxURILen            = 2048
	MaxNameLen           = 200
	MaxContacts          = 10
)

// Error is an OAuth 2.0 error answer: Code is the error code of RFC 6749
// §5.2 (or RFC 7591 §3.2.2, RFC 7009 §2.2.1), Description says what is
// wrong in words that name the parameter.
type Error struct {
	Code        string
	Description string
	// Status is the HTTP status of the answer (400 unless set).
	Status int
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...)}
}

// Registration is a client's metadata (RFC 7591 §2), checked.
type Registration struct {
	ClientName              string   `json:"client_name"`
	ClientURI               string   `json:"client_uri,omitempty"`
	LogoURI                 string   `json:"logo_uri,omitempty"`
	TOSURI                  string   `json:"tos_uri,omitempty"`
	PolicyURI               string   `json:"policy_uri,omitempty"`
	SoftwareID              string   `json:"software_id,omitempty"`
	SoftwareVersion         string   `json:"software_version,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	Scope                   string   `json:"scope"`
	Contacts                []string `json:"contacts,omitempty"`
}

// ParseRegistration reads and checks a registration request's JSON body.
// Members it does not know are ignored, as RFC 7591 §2 says; known ones
// of the wrong type, values out of bounds and URIs that are not absolute
// https (http only on a loopback host) are refused with
// invalid_client_metadata or invalid_redirect_uri naming the member.
// Defaults: token_endpoint_auth_method client_secret_basic, grant_types
// authorization_code and refresh_token, response_types code, scope every
// OB 3.0 scope.
func ParseRegistration(data []byte) (*Registration, *Error) {
	if len(data) > MaxRegistrationBytes {
		return nil, errorf("invalid_client_metadata", "the registration is larger than %d bytes", MaxRegistrationBytes)
	}
	if !utf8.Valid(data) {
		return nil, errorf("invalid_client_metadata", "the registration is not UTF-8 text")
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return nil, errorf("invalid_client_metadata", "the registration is not a JSON object")
	}
	if dec.More() {
		return nil, errorf("invalid_client_metadata", "the registration has more than one JSON value")
	}
	r := &Registration{}
	str := func(name string, dst *string, max int) *Error {
		v, ok := raw[name]
		if !ok || string(v) == "null" {
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return errorf("invalid_client_metadata", "%s must be a string", name)
		}
		*dst = strings.TrimSpace(*dst)
		if utf8.RuneCountInString(*dst) > max {
			return errorf("invalid_client_metadata", "%s is longer than %d characters", name, max)
		}
		if strings.ContainsAny(*dst, "\x00\r\n") {
			return errorf("invalid_client_metadata", "%s must be one line of text", name)
		}
		return nil
	}
	strs := func(name string, dst *[]string, max, maxLen int) *Error {
		v, ok := raw[name]
		if !ok || string(v) == "null" {
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return errorf("invalid_client_metadata", "%s must be an array of strings", name)
		}
		if len(*dst) > max {
			return errorf("invalid_client_metadata", "%s holds more than %d values", name, max)
		}
		for i, s := range *dst {
			if len(s) > maxLen || strings.ContainsAny(s, "\x00\r\n") {
				return errorf("invalid_client_metadata", "%s[%d] is longer than %d characters or not one line", name, i, maxLen)
			}
		}
		return nil
	}
	for _, f := range []struct {
		name string
		dst  *string
		max  int
	}{{"client_name", &r.ClientName, MaxNameLen}, {"client_uri", &r.ClientURI, MaxURILen}, {"logo_uri", &r.LogoURI, MaxURILen},
		{"tos_uri", &r.TOSURI, MaxURILen}, {"policy_uri", &r.PolicyURI, MaxURILen}, {"software_id", &r.SoftwareID, MaxNameLen},
		{"software_version", &r.SoftwareVersion, MaxNameLen}, {"token_endpoint_auth_method", &r.TokenEndpointAuthMethod, 100},
		{"scope", &r.Scope, 4096}} {
		if err := str(f.name, f.dst, f.max); err != nil {
			return nil, err
		}
	}
	if err := strs("redirect_uris", &r.RedirectURIs, MaxRedirectURIs, MaxURILen); err != nil {
		err.Code = "invalid_redirect_uri"
		return nil, err
	}
	if err := strs("grant_types", &r.GrantTypes, 5, 100); err != nil {
		return nil, err
	}
	if err := strs("response_types", &r.ResponseTypes, 5, 100); err != nil {
		return nil, err
	}
	if err := strs("contacts", &r.Contacts, MaxContacts, 254); err != nil {
		return nil, err
	}
	if r.ClientName == "" {
		return nil, errorf("invalid_client_metadata", "client_name is required: the name the learner sees when asked to allow the application")
	}
	if len(r.RedirectURIs) == 0 {
		return nil, errorf("invalid_redirect_uri", "redirect_uris is required: at least one URI the learner is sent back to")
	}
	for i, u := range r.RedirectURIs {
		if err := CheckRedirectURI(u); err != "" {
			return nil, errorf("invalid_redirect_uri", "redirect_uris[%d]: %s", i, err)
		}
	}
	for _, f := range []struct{ name, v string }{{"client_uri", r.ClientURI}, {"logo_uri", r.LogoURI}, {"tos_uri", r.TOSURI}, {"policy_uri", r.PolicyURI}} {
		if f.v == "" {
			continue
		}
		if err := checkWebURI(f.v); err != "" {
			return nil, errorf("invalid_client_metadata", "%s: %s", f.name, err)
		}
	}
	switch r.TokenEndpointAuthMethod {
	case "":
		r.TokenEndpointAuthMethod = "client_secret_basic"
	case "client_secret_basic":
	default:
		return nil, errorf("invalid_client_metadata", "token_endpoint_auth_method %q is not supported: use client_secret_basic", r.TokenEndpointAuthMethod)
	}
	if len(r.GrantTypes) == 0 {
		r.GrantTypes = []string{"authorization_code", "refresh_token"}
	}
	for _, g := range r.GrantTypes {
		if g != "authorization_code" && g != "refresh_token" {
			return nil, errorf("invalid_client_metadata", "grant_types: %q is not supported (authorization_code and refresh_token are)", g)
		}
	}
	if !slices.Contains(r.GrantTypes, "authorization_code") {
		return nil, errorf("invalid_client_metadata", "grant_types must include authorization_code")
	}
	if len(r.ResponseTypes) == 0 {
		r.ResponseTypes = []string{"code"}
	}
	for _, t := range r.ResponseTypes {
		if t != "code" {
			return nil, errorf("invalid_client_metadata", "response_types: %q is not supported (code is)", t)
		}
	}
	if r.Scope == "" {
		r.Scope = strings.Join(Scopes, " ")
	}
	scopes, serr := parseScope(r.Scope)
	if serr != "" {
		return nil, errorf("invalid_client_metadata", "scope: %s", serr)
	}
	r.Scope = strings.Join(scopes, " ")
	for i, c := range r.Contacts {
		if strings.TrimSpace(c) == "" {
			return nil, errorf("invalid_client_metadata", "contacts[%d] is empty", i)
		}
	}
	return r, nil
}

// parseScope splits a scope parameter and checks each scope is one the
// server knows; it returns them without repeats, or what is wrong.
func parseScope(s string) ([]string, string) {
	var out []string
	for _, sc := range strings.Fields(s) {
		if !knownScope(sc) {
			return nil, fmt.Sprintf("%q is not a scope of this server (it knows the four Open Badges 3.0 scopes and offline_access)", clip(sc, 100))
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, "is empty"
	}
	return out, ""
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// isLoopback reports whether host (of a URL) is this machine: 127.0.0.1,
// [::1] or localhost, for applications running on the learner's own
// computer (RFC 8252 §7.3).
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckRedirectURI returns what is wrong with a redirect URI, or "": it
// must be an absolute https URL (http only on a loopback host), without
// a fragment or user information (RFC 6749 §3.1.2).
func CheckRedirectURI(s string) string {
	if err := checkWebURI(s); err != "" {
		return err
	}
	u, _ := url.Parse(s)
	if u.Fragment != "" || strings.Contains(s, "#") {
		return "must not have a fragment (#…)"
	}
	return ""
}

func checkWebURI(s string) string {
	if len(s) > MaxURILen {
		return fmt.Sprintf("is longer than %d characters", MaxURILen)
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return fmt.Sprintf("%q is not an absolute URL", clip(s, 200))
	}
	if u.User != nil {
		return "must not hold a user name or password"
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "must be an https URL (http is allowed only for 127.0.0.1, [::1] and localhost)"
		}
	default:
		return fmt.Sprintf("must be an https URL, not %s:", u.Scheme)
	}
	if strings.ContainsAny(s, " \t<>\"\\^`{|}") {
		return "holds characters a URL cannot hold unencoded (spaces, quotes, <>, {}, …)"
	}
	return ""
}
