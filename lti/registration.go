package lti

import (
	"net"
	"net/url"

	"github.com/cairn-badges/cairn"
)

// Registration is what a tool knows of one platform registration: the
// platform's issuer and endpoints and the client and deployment ids it
// gave the tool (docs/LTI.md, "Registration").
type Registration struct {
	Issuer        string   // the platform's iss
	ClientID      string   // the tool's client id at the platform
	DeploymentIDs []string // the deployments launches may come from
	AuthLoginURL  string   // platform OIDC authorization endpoint
	AuthTokenURL  string   // platform OAuth 2.0 token endpoint
	JWKSURL       string   // platform JWKS
}

// Validate checks that the issuer, client id and at least one deployment id
// are set and that each endpoint is an absolute https URL (http only for
// 127.0.0.1, ::1 or localhost, for tests). Its error is a cairn.Invalid
// error naming the field as JSON spells it.
func (r Registration) Validate() error {
	if r.Issuer == "" {
		return cairn.Invalidf("issuer", "is required")
	}
	if r.ClientID == "" {
		return cairn.Invalidf("clientId", "is required")
	}
	if len(r.DeploymentIDs) == 0 {
		return cairn.Invalidf("deploymentIds", "needs at least one deployment id")
	}
	for i, d := range r.DeploymentIDs {
		if d == "" {
			return cairn.Invalidf("deploymentIds", "deployment id %d is empty", i+1)
		}
	}
	for _, f := range []struct{ name, value string }{
		{"authLoginUrl", r.AuthLoginURL},
		{"authTokenUrl", r.AuthTokenURL},
		{"jwksUrl", r.JWKSURL},
	} {
		if !secureURL(f.value) {
			return cairn.Invalidf(f.name, "must be an absolute https URL")
		}
	}
	return nil
}

// secureURL reports whether s is an absolute https URL with a host, or an
// http URL to the loopback names tests use.
func secureURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		if h == "localhost" {
			return true
		}
		ip := net.ParseIP(h)
		return ip != nil && ip.IsLoopback()
	}
	return false
}
