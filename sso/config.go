package sso

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/fetch"
)

// Config is an organization's single sign-on set-up, as the store keeps
// it.
type Config struct {
	OrgID   string
	Enabled bool
	// IssuerURL is the provider's issuer identifier: discovery reads
	// IssuerURL + "/.well-known/openid-configuration", and ID tokens must
	// carry it as "iss".
	IssuerURL string
	ClientID  string
	// SecretSealed is the client secret sealed by the keyring, bound to
	// the organization ([SecretAAD]).
	SecretSealed []byte
	// EmailDomains are the domains (lower case) whose addresses may sign
	// in; at least one.
	EmailDomains []string
	// RoleClaim names the ID token claim that lists the account's groups
	// or roles ("groups", "roles", or a dotted path such as
	// "realm_access.roles"); "" gives a new member DefaultRole and
	// leaves existing members' roles as they are (managed in Cairn).
	RoleClaim string
	// RoleMap says which value of RoleClaim gives which role. When
	// several values match, the most powerful role wins.
	RoleMap []RoleMapping
	// DefaultRole is the role when no value maps; "" means no access.
	DefaultRole cairn.Role
	// PasswordLogin reports whether the organization's members may still
	// log in with a password.
	PasswordLogin bool
	// LoginButton shows a "Sign in with …" button on the login page.
	LoginButton bool

	CreatedAt, UpdatedAt time.Time
}

// RoleMapping maps one value of the role claim to a role.
type RoleMapping struct {
	Value string     `json:"value"`
	Role  cairn.Role `json:"role"`
}

// SecretAAD is the associated data an organization's client secret is
// sealed with: a blob cannot be moved to another organization.
func SecretAAD(orgID string) []byte { return []byte("cairn sso client secret " + orgID) }

// Limits of a Config.
const (
	MaxURLLen      = 2000
	MaxClientIDLen = 500
	MaxSecretLen   = 2000
	MaxDomains     = 50
	MaxMappings    = 200
	MaxClaimLen    = 200
	MaxValueLen    = 500
)

// Input is what an owner sets (PUT /api/v1/sso, the /admin/sso form).
// ClientSecret "" keeps the stored secret.
type Input struct {
	Enabled       bool
	IssuerURL     string
	ClientID      string
	ClientSecret  string
	EmailDomains  []string
	RoleClaim     string
	RoleMap       []RoleMapping
	DefaultRole   cairn.Role
	PasswordLogin bool
	LoginButton   bool
}

// normalize trims and lower-cases what should be, and drops empty list
// entries and duplicate domains.
func (in *Input) normalize() {
	in.IssuerURL = strings.TrimSpace(in.IssuerURL)
	in.ClientID = strings.TrimSpace(in.ClientID)
	in.ClientSecret = strings.TrimSpace(in.ClientSecret)
	in.RoleClaim = strings.TrimSpace(in.RoleClaim)
	var ds []string
	for _, d := range in.EmailDomains {
		d = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(d), "@")))
		if d != "" && !slices.Contains(ds, d) {
			ds = append(ds, d)
		}
	}
	in.EmailDomains = ds
	var ms []RoleMapping
	for _, m := range in.RoleMap {
		m.Value = strings.TrimSpace(m.Value)
		m.Role = cairn.Role(strings.ToLower(strings.TrimSpace(string(m.Role))))
		if m.Value == "" && m.Role == "" {
			continue
		}
		ms = append(ms, m)
	}
	in.RoleMap = ms
	if in.DefaultRole == "none" {
		in.DefaultRole = ""
	}
}

// validate checks in (normalized) against the stored config old (nil for
// none). Errors are Invalid and name the field as the API spells it.
func (in *Input) validate(old *Config, allowPrivate bool) error {
	if err := checkIssuer(in.IssuerURL, allowPrivate); err != nil {
		return err
	}
	switch {
	case in.ClientID == "":
		return cairn.Invalidf("clientId", "is required: the client (application) id the provider gave Cairn")
	case len(in.ClientID) > MaxClientIDLen:
		return cairn.Invalidf("clientId", "is longer than %d bytes", MaxClientIDLen)
	case len(in.ClientSecret) > MaxSecretLen:
		return cairn.Invalidf("clientSecret", "is longer than %d bytes", MaxSecretLen)
	case in.ClientSecret == "" && (old == nil || len(old.SecretSealed) == 0):
		return cairn.Invalidf("clientSecret", "is required")
	case len(in.EmailDomains) == 0:
		return cairn.Invalidf("emailDomains", "needs at least one domain (example.org): only addresses in these domains may sign in")
	case len(in.EmailDomains) > MaxDomains:
		return cairn.Invalidf("emailDomains", "has %d domains; the limit is %d", len(in.EmailDomains), MaxDomains)
	case len(in.RoleClaim) > MaxClaimLen:
		return cairn.Invalidf("roleClaim", "is longer than %d bytes", MaxClaimLen)
	case len(in.RoleMap) > MaxMappings:
		return cairn.Invalidf("roleMappings", "has %d entries; the limit is %d", len(in.RoleMap), MaxMappings)
	case in.DefaultRole != "" && !in.DefaultRole.Valid():
		return cairn.Invalidf("defaultRole", "must be owner, issuer, viewer or none")
	case len(in.RoleMap) > 0 && in.RoleClaim == "":
		return cairn.Invalidf("roleClaim", "is required when there are role mappings: name the claim that lists groups or roles (groups, roles …)")
	}
	for _, d := range in.EmailDomains {
		if !validDomain(d) {
			return cairn.Invalidf("emailDomains", "%q is not a domain name (write example.org, without @ or *)", d)
		}
	}
	seen := map[string]bool{}
	for i, m := range in.RoleMap {
		switch {
		case m.Value == "":
			return cairn.Invalidf("roleMappings", "entry %d has no claim value", i+1)
		case len(m.Value) > MaxValueLen:
			return cairn.Invalidf("roleMappings", "entry %d: the value is longer than %d bytes", i+1, MaxValueLen)
		case !m.Role.Valid():
			return cairn.Invalidf("roleMappings", "entry %d (%q): the role must be owner, issuer, assessor or viewer", i+1, m.Value)
		case seen[m.Value]:
			return cairn.Invalidf("roleMappings", "the value %q is mapped twice", m.Value)
		}
		seen[m.Value] = true
	}
	return nil
}

// checkIssuer checks an issuer URL: https (http only with allowPrivate),
// a host, no query, fragment or user information; unless allowPrivate,
// no literal private address nor localhost.
func checkIssuer(raw string, allowPrivate bool) error {
	const field = "issuerUrl"
	if raw == "" {
		return cairn.Invalidf(field, "is required: the provider's issuer URL, e.g. https://login.microsoftonline.com/TENANT/v2.0")
	}
	if len(raw) > MaxURLLen {
		return cairn.Invalidf(field, "is longer than %d bytes", MaxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return cairn.Invalidf(field, "is not an absolute URL")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowPrivate {
			return cairn.Invalidf(field, "must be https")
		}
	default:
		return cairn.Invalidf(field, "must be an https URL")
	}
	switch {
	case u.User != nil:
		return cairn.Invalidf(field, "must not carry a user name or password")
	case u.RawQuery != "" || u.Fragment != "":
		return cairn.Invalidf(field, "must have no query or #fragment")
	case strings.HasSuffix(u.Path, "/.well-known/openid-configuration"):
		return cairn.Invalidf(field, "is the issuer, without /.well-known/openid-configuration")
	}
	if allowPrivate {
		return nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return cairn.Invalidf(field, "names this machine (localhost); private addresses are refused (the operator can allow them with CAIRN_SSO_ALLOW_PRIVATE)")
	}
	if a, err := netip.ParseAddr(host); err == nil && !fetch.PublicAddr(a) {
		return cairn.Invalidf(field, "is a private, loopback or link-local address; the operator can allow them with CAIRN_SSO_ALLOW_PRIVATE")
	}
	return nil
}

// validDomain reports whether d is a plausible DNS name: labels of
// letters, digits and hyphens, at least two of them.
func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, l := range strings.Split(d, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// rank orders roles by power (cairn.Role.Rank): none is 0.
func rank(r cairn.Role) int { return r.Rank() }

// RoleFor returns the role the claim values give under c: the most
// powerful mapped one, else DefaultRole ("" for no access). matched is
// the values that mapped.
func (c *Config) RoleFor(values []string) (role cairn.Role, matched []string) {
	for _, m := range c.RoleMap {
		if slices.Contains(values, m.Value) {
			matched = append(matched, m.Value)
			if rank(m.Role) > rank(role) {
				role = m.Role
			}
		}
	}
	if role == "" {
		role = c.DefaultRole
	}
	return role, matched
}

// AllowsDomain reports whether email's domain is one of c's.
func (c *Config) AllowsDomain(email string) bool {
	return slices.Contains(c.EmailDomains, domainOf(email))
}

func domainOf(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(email[i+1:])
}
