package api

import (
	"context"
	"net/http"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/sso"
)

// ssoView is an organization's single sign-on set-up, as GET and PUT
// /api/v1/sso answer it. The client secret is never shown.
type ssoView struct {
	Enabled         bool              `json:"enabled"`
	IssuerURL       string            `json:"issuerUrl"`
	ClientID        string            `json:"clientId"`
	ClientSecretSet bool              `json:"clientSecretSet"`
	EmailDomains    []string          `json:"emailDomains"`
	RoleClaim       string            `json:"roleClaim"`
	RoleMappings    []sso.RoleMapping `json:"roleMappings"`
	DefaultRole     string            `json:"defaultRole"` // "none" for no access
	PasswordLogin   bool              `json:"passwordLogin"`
	LoginButton     bool              `json:"loginButton"`
	RedirectURI     string            `json:"redirectUri"`
	LoginURL        string            `json:"loginUrl"`
	CreatedAt       *time.Time        `json:"createdAt,omitempty"`
	UpdatedAt       *time.Time        `json:"updatedAt,omitempty"`
}

// ssoInput is the body of PUT /api/v1/sso: the whole set-up (a member left
// out takes its zero value), except clientSecret, which when left out
// keeps the stored one.
type ssoInput struct {
	Enabled       bool              `json:"enabled"`
	IssuerURL     string            `json:"issuerUrl"`
	ClientID      string            `json:"clientId"`
	ClientSecret  string            `json:"clientSecret"`
	EmailDomains  []string          `json:"emailDomains"`
	RoleClaim     string            `json:"roleClaim"`
	RoleMappings  []sso.RoleMapping `json:"roleMappings"`
	DefaultRole   string            `json:"defaultRole"`
	PasswordLogin *bool             `json:"passwordLogin"`
	LoginButton   *bool             `json:"loginButton"`
}

func (s *Server) ssoService() (*sso.Service, error) {
	if s.SSO == nil {
		return nil, cairn.Errorf(cairn.Unavailable, "single sign-on is not available on this server")
	}
	return s.SSO, nil
}

func (s *Server) ssoViewOf(ctx context.Context, svc *sso.Service, orgID string, c *sso.Config) (ssoView, error) {
	org, err := s.Store.Organization(ctx, orgID)
	if err != nil {
		return ssoView{}, err
	}
	v := ssoView{EmailDomains: []string{}, RoleMappings: []sso.RoleMapping{}, DefaultRole: "none", PasswordLogin: true, LoginButton: true,
		RedirectURI: svc.RedirectURI(), LoginURL: svc.LoginURL(org.Slug)}
	if c == nil {
		return v, nil
	}
	v.Enabled, v.IssuerURL, v.ClientID, v.ClientSecretSet = c.Enabled, c.IssuerURL, c.ClientID, len(c.SecretSealed) > 0
	v.EmailDomains = append(v.EmailDomains, c.EmailDomains...)
	v.RoleClaim = c.RoleClaim
	v.RoleMappings = append(v.RoleMappings, c.RoleMap...)
	if c.DefaultRole != "" {
		v.DefaultRole = string(c.DefaultRole)
	}
	v.PasswordLogin, v.LoginButton = c.PasswordLogin, c.LoginButton
	v.CreatedAt, v.UpdatedAt = &c.CreatedAt, &c.UpdatedAt
	return v, nil
}

func (s *Server) getSSO(w http.ResponseWriter, r *http.Request, c *caller) error {
	svc, err := s.ssoService()
	if err != nil {
		return err
	}
	cfg, err := svc.Config(r.Context(), c.orgID)
	if cairn.KindOf(err) == cairn.NotFound {
		cfg, err = nil, nil
	}
	if err != nil {
		return err
	}
	v, err := s.ssoViewOf(r.Context(), svc, c.orgID, cfg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) putSSO(w http.ResponseWriter, r *http.Request, c *caller) error {
	svc, err := s.ssoService()
	if err != nil {
		return err
	}
	var in ssoInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	switch in.DefaultRole {
	case "", "none", string(cairn.RoleOwner), string(cairn.RoleIssuer), string(cairn.RoleViewer):
	default:
		return cairn.Invalidf("defaultRole", "must be owner, issuer, viewer or none")
	}
	si := sso.Input{Enabled: in.Enabled, IssuerURL: in.IssuerURL, ClientID: in.ClientID, ClientSecret: in.ClientSecret,
		EmailDomains: in.EmailDomains, RoleClaim: in.RoleClaim, RoleMap: in.RoleMappings, DefaultRole: cairn.Role(in.DefaultRole),
		PasswordLogin: in.PasswordLogin == nil || *in.PasswordLogin, LoginButton: in.LoginButton == nil || *in.LoginButton}
	// A program (API key) is trusted to turn password login off; a
	// browser session only when it came from this organization's sign-in.
	verified := c.apiKey != nil || c.ssoOrgID == c.orgID
	cfg, err := svc.Put(r.Context(), c.orgID, si, sso.PutOptions{Verified: verified})
	if err != nil {
		return err
	}
	v, err := s.ssoViewOf(r.Context(), svc, c.orgID, cfg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// ssoScope drops the memberships a session may not act in (see
// sso.Scope) and returns the organization whose single sign-on started
// it ("" for a password session).
func (s *Server) ssoScope(ctx context.Context, sessionID, accountID string, ms []*cairn.Membership) ([]*cairn.Membership, string, error) {
	if s.SSO == nil || len(ms) == 0 {
		return ms, "", nil
	}
	sc, err := s.SSO.Scope(ctx, sessionID, accountID)
	if err != nil {
		return nil, "", err
	}
	return sc.Filter(ms), sc.SSOOrgID, nil
}
