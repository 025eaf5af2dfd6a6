package lti

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// CheckError is a launch that failed one check of LTI Security Framework
// 1.0 §5.1.3, LTI Core 1.3 or docs/LTI.md. Check names it ("format", "alg",
// "kid", "jwks", "signature", "iss", "aud", "azp", "exp", "iat", "nonce",
// "version", "message_type", "deployment_id", "sub", "resource_link");
// Reason says why. The caller shows both on a 400 page.
type CheckError struct {
	Check, Reason string
}

func (e *CheckError) Error() string { return e.Check + ": " + e.Reason }

func fail(check, format string, args ...any) error {
	return &CheckError{Check: check, Reason: fmt.Sprintf(format, args...)}
}

// Time tolerances of VerifyLaunch.
const (
	leeway       = time.Minute     // for clocks apart
	maxIssuedIn  = 5 * time.Minute // how far in the future iat may be, beyond leeway
	refetchEvery = time.Minute     // the least time between two JWKS fetches of one URL
	maxKeySetAge = time.Hour       // a cached JWKS older than this is fetched again, so removed keys go
	maxTokenSize = 64 << 10        // an id_token longer than this is refused unread
)

// KeySet fetches and caches platforms' JWKS by URL and kid. A kid the
// cached set lacks makes it fetch the set again (the platform rotated its
// key), at most once a minute per URL; so does a set cached for more than
// an hour, so that a key the platform withdrew stops verifying. It is safe
// for concurrent use.
type KeySet struct {
	get func(ctx context.Context, url string) ([]byte, error)

	mu   sync.Mutex
	sets map[string]*cachedSet
}

// cachedSet is one URL's keys; its mutex makes concurrent launches wait for
// one fetch instead of each fetching.
type cachedSet struct {
	mu      sync.Mutex
	keys    *jose.JSONWebKeySet // nil before the first successful fetch
	fetched time.Time           // the last fetch attempted, successful or not
	loaded  time.Time           // the last fetch that succeeded
}

// NewKeySet returns a KeySet that fetches with get, which should bound the
// time and size of the fetch and refuse private addresses (package fetch
// does).
func NewKeySet(get func(ctx context.Context, url string) ([]byte, error)) *KeySet {
	return &KeySet{get: get, sets: make(map[string]*cachedSet)}
}

// key returns the RSA key kid names in the JWKS at url. The set is fetched
// when it is not cached, lacks kid or is older than an hour, but never
// twice within a minute; a stale set whose fetch fails still serves its
// keys.
func (k *KeySet) key(ctx context.Context, url, kid string, now time.Time) (*rsa.PublicKey, error) {
	k.mu.Lock()
	cs := k.sets[url]
	if cs == nil {
		cs = &cachedSet{}
		k.sets[url] = cs
	}
	k.mu.Unlock()

	cs.mu.Lock()
	defer cs.mu.Unlock()
	jwk, found := lookup(cs.keys, kid)
	stale := cs.keys != nil && now.Sub(cs.loaded) >= maxKeySetAge
	fetched, mayFetch := false, cs.fetched.IsZero() || now.Sub(cs.fetched) >= refetchEvery || cs.fetched.After(now)
	var fetchErr error
	if (!found || stale) && mayFetch {
		cs.fetched, fetched = now, true
		if fetchErr = k.fetch(ctx, cs, url); fetchErr == nil {
			cs.loaded = now
			jwk, found = lookup(cs.keys, kid)
		}
	}
	switch {
	case found:
	case fetchErr != nil:
		return nil, fetchErr
	case cs.keys == nil:
		return nil, fail("jwks", "the platform's JWKS could not be fetched less than a minute ago")
	case !fetched:
		return nil, fail("kid", "the platform's JWKS has no key %q (fetched again less than a minute ago)", kid)
	default:
		return nil, fail("kid", "the platform's JWKS has no key %q", kid)
	}
	pub, ok := jwk.Key.(*rsa.PublicKey)
	if !ok {
		return nil, fail("kid", "the platform's key %q is not an RSA public key", kid)
	}
	if jwk.Algorithm != "" && jwk.Algorithm != string(jose.RS256) {
		return nil, fail("alg", "the platform's key %q is for %s, not RS256", kid, jwk.Algorithm)
	}
	if jwk.Use != "" && jwk.Use != "sig" {
		return nil, fail("kid", "the platform's key %q is for %q, not signatures", kid, jwk.Use)
	}
	if pub.N.BitLen() < 2048 {
		return nil, fail("kid", "the platform's key %q has %d bits, fewer than 2048", kid, pub.N.BitLen())
	}
	return pub, nil
}

// fetch replaces the cached keys of cs by the JWKS at url.
func (k *KeySet) fetch(ctx context.Context, cs *cachedSet, url string) error {
	body, err := k.get(ctx, url)
	if err != nil {
		return fail("jwks", "the platform's JWKS cannot be fetched: %v", err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return fail("jwks", "the platform's JWKS is not a JWK set: %v", err)
	}
	cs.keys = &set
	return nil
}

// lookup returns the valid public key kid names in set.
func lookup(set *jose.JSONWebKeySet, kid string) (jose.JSONWebKey, bool) {
	if set == nil {
		return jose.JSONWebKey{}, false
	}
	for _, k := range set.Key(kid) {
		if k.Valid() && k.IsPublic() {
			return k, true
		}
	}
	return jose.JSONWebKey{}, false
}

// audience is the aud claim: one string or an array of them.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("aud is neither a string nor an array of strings")
	}
	*a = many
	return nil
}

// idClaims are the claims VerifyLaunch reads.
type idClaims struct {
	Issuer     string   `json:"iss"`
	Subject    string   `json:"sub"`
	Audience   audience `json:"aud"`
	AZP        string   `json:"azp"`
	Expiry     *float64 `json:"exp"`
	IssuedAt   *float64 `json:"iat"`
	Nonce      string   `json:"nonce"`
	Email      string   `json:"email"`
	Name       string   `json:"name"`
	GivenName  string   `json:"given_name"`
	FamilyName string   `json:"family_name"`

	MessageType   string   `json:"https://purl.imsglobal.org/spec/lti/claim/message_type"`
	Version       string   `json:"https://purl.imsglobal.org/spec/lti/claim/version"`
	DeploymentID  string   `json:"https://purl.imsglobal.org/spec/lti/claim/deployment_id"`
	Roles         []string `json:"https://purl.imsglobal.org/spec/lti/claim/roles"`
	TargetLinkURI string   `json:"https://purl.imsglobal.org/spec/lti/claim/target_link_uri"`
	Locale        string   `json:"locale"`
	Presentation  *struct {
		Locale string `json:"locale"`
	} `json:"https://purl.imsglobal.org/spec/lti/claim/launch_presentation"`
	Context *struct {
		ID    string `json:"id"`
		Label string `json:"label"`
		Title string `json:"title"`
	} `json:"https://purl.imsglobal.org/spec/lti/claim/context"`
	ResourceLink *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"https://purl.imsglobal.org/spec/lti/claim/resource_link"`
	AGS *struct {
		Scope     []string `json:"scope"`
		LineItems string   `json:"lineitems"`
		LineItem  string   `json:"lineitem"`
	} `json:"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"`
	NRPS *struct {
		MembershipsURL  string   `json:"context_memberships_url"`
		ServiceVersions []string `json:"service_versions"`
	} `json:"https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"`
}

// header is the part of a JWS header read before the signature is checked.
type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// splitToken returns the decoded header and payload of a compact JWS,
// unverified.
func splitToken(token string) (header, []byte, error) {
	if len(token) > maxTokenSize {
		return header{}, nil, fail("format", "the id_token is longer than %d bytes", maxTokenSize)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return header{}, nil, fail("format", "the id_token is not a compact JWS (three parts)")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return header{}, nil, fail("format", "the id_token's header is not base64url")
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return header{}, nil, fail("format", "the id_token's header is not a JSON object")
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return header{}, nil, fail("format", "the id_token's payload is not base64url")
	}
	return h, pb, nil
}

// PeekIssuer returns the iss and the first aud of an id_token without
// verifying it, so that the caller can find the registration to verify it
// against. Nothing it returns may be trusted before VerifyLaunch.
func PeekIssuer(idToken string) (iss, aud string, err error) {
	_, payload, err := splitToken(idToken)
	if err != nil {
		return "", "", err
	}
	var c struct {
		Issuer   string   `json:"iss"`
		Audience audience `json:"aud"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return "", "", fail("format", "the id_token's payload is not a JSON object with iss and aud: %v", err)
	}
	if c.Issuer == "" {
		return "", "", fail("iss", "the id_token has no iss")
	}
	if len(c.Audience) > 0 {
		aud = c.Audience[0]
	}
	return c.Issuer, aud, nil
}

// VerifyLaunch verifies a launch id_token against reg at time now (LTI
// Security Framework 1.0 §5.1.3, LTI Core 1.3 §5.3): the signature is RS256
// (none, HMAC and every other algorithm are refused) by the key of reg's
// JWKS the header's kid names; iss is reg.Issuer; aud contains
// reg.ClientID, and azp is reg.ClientID when there are several audiences
// or an azp at all; exp is after now and iat at most five minutes after it
// (each with a minute of leeway); there is a nonce; the version is 1.3.0;
// the message type is LtiResourceLinkRequest; the deployment is one of
// reg.DeploymentIDs; sub is present (anonymous launches are refused); the
// resource link has an id. A failed check is a *CheckError.
//
// VerifyLaunch does not know which nonces were seen: the caller must record
// Launch.Nonce until Launch.ExpiresAt and refuse it again.
func (k *KeySet) VerifyLaunch(ctx context.Context, reg Registration, idToken string, now time.Time) (*Launch, error) {
	h, _, err := splitToken(idToken)
	if err != nil {
		return nil, err
	}
	if h.Alg != string(jose.RS256) {
		return nil, fail("alg", "the id_token is signed with %q; LTI requires RS256", h.Alg)
	}
	if h.Kid == "" {
		return nil, fail("kid", "the id_token's header names no key (kid)")
	}
	jws, err := jose.ParseSigned(idToken, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fail("format", "the id_token is not a JWS: %v", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, fail("format", "the id_token has %d signatures, not one", len(jws.Signatures))
	}
	pub, err := k.key(ctx, reg.JWKSURL, h.Kid, now)
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify(pub)
	if err != nil {
		return nil, fail("signature", "the id_token's signature does not verify with the platform's key %q", h.Kid)
	}
	var c idClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fail("format", "the id_token's claims cannot be read: %v", err)
	}
	return checkClaims(reg, &c, now)
}

// checkClaims applies the claim checks of VerifyLaunch to verified claims.
func checkClaims(reg Registration, c *idClaims, now time.Time) (*Launch, error) {
	if c.Issuer != reg.Issuer {
		return nil, fail("iss", "the id_token is from %q, not the registered issuer %q", c.Issuer, reg.Issuer)
	}
	if !slices.Contains(c.Audience, reg.ClientID) {
		return nil, fail("aud", "the id_token is not addressed to client id %q", reg.ClientID)
	}
	if (len(c.Audience) > 1 || c.AZP != "") && c.AZP != reg.ClientID {
		return nil, fail("azp", "the id_token's authorized party is %q, not client id %q", c.AZP, reg.ClientID)
	}
	exp, ok := unixTime(c.Expiry)
	if !ok {
		return nil, fail("exp", "the id_token has no valid expiry")
	}
	if !now.Before(exp.Add(leeway)) {
		return nil, fail("exp", "the id_token expired at %s", exp.UTC().Format(time.RFC3339))
	}
	iat, ok := unixTime(c.IssuedAt)
	if !ok {
		return nil, fail("iat", "the id_token has no valid issue time")
	}
	if iat.After(now.Add(maxIssuedIn + leeway)) {
		return nil, fail("iat", "the id_token is issued at %s, in the future", iat.UTC().Format(time.RFC3339))
	}
	if c.Nonce == "" {
		return nil, fail("nonce", "the id_token has no nonce")
	}
	if c.Version != Version {
		return nil, fail("version", "the LTI version is %q, not %q", c.Version, Version)
	}
	if c.MessageType != MessageTypeResourceLink {
		return nil, fail("message_type", "the message type is %q; Cairn accepts only %s", c.MessageType, MessageTypeResourceLink)
	}
	if c.DeploymentID == "" {
		return nil, fail("deployment_id", "the id_token has no deployment id")
	}
	if !slices.Contains(reg.DeploymentIDs, c.DeploymentID) {
		return nil, fail("deployment_id", "deployment %q is not registered", c.DeploymentID)
	}
	if c.Subject == "" {
		return nil, fail("sub", "the launch is anonymous (no sub); Cairn needs to know the user")
	}
	if c.ResourceLink == nil || c.ResourceLink.ID == "" {
		return nil, fail("resource_link", "the launch has no resource link id")
	}
	l := &Launch{
		Issuer:            c.Issuer,
		ClientID:          reg.ClientID,
		DeploymentID:      c.DeploymentID,
		Subject:           c.Subject,
		Email:             c.Email,
		Name:              c.Name,
		Roles:             c.Roles,
		MessageType:       c.MessageType,
		ResourceLinkID:    c.ResourceLink.ID,
		ResourceLinkTitle: c.ResourceLink.Title,
		TargetLinkURI:     c.TargetLinkURI,
		Nonce:             c.Nonce,
		IssuedAt:          iat,
		ExpiresAt:         exp,
	}
	if l.Name == "" {
		l.Name = strings.TrimSpace(c.GivenName + " " + c.FamilyName)
	}
	l.Locale = c.Locale
	if c.Presentation != nil && c.Presentation.Locale != "" {
		l.Locale = c.Presentation.Locale
	}
	if c.Context != nil {
		l.ContextID, l.ContextTitle, l.ContextLabel = c.Context.ID, c.Context.Title, c.Context.Label
	}
	if c.AGS != nil {
		l.AGS = &AGSEndpoint{Scopes: c.AGS.Scope, LineItems: c.AGS.LineItems, LineItem: c.AGS.LineItem}
	}
	if c.NRPS != nil {
		l.NRPS = &NRPSEndpoint{MembershipsURL: c.NRPS.MembershipsURL, Versions: c.NRPS.ServiceVersions}
	}
	return l, nil
}

// unixTime converts a NumericDate (RFC 7519 §2), refusing absent and
// unrepresentable values.
func unixTime(v *float64) (time.Time, bool) {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0 || *v > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(*v)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}
