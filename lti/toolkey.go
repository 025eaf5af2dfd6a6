package lti

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// ClientAssertionType is the client_assertion_type of a JWT client
// assertion (RFC 7523 §2.2).
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime is how long a client assertion is valid.
const assertionLifetime = 5 * time.Minute

// GenerateToolKey makes a tool key: RSA 2048, since LTI requires RS256
// (LTI Security Framework 1.0). It is not an issuer's key and must
// never sign credentials.
func GenerateToolKey() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, 2048)
}

// ToolJWKS returns the JWKS document that publishes keys, by kid, for
// signatures with RS256, in the order of their kids. It holds public keys
// only.
func ToolJWKS(keys map[string]*rsa.PublicKey) ([]byte, error) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	kids := make([]string, 0, len(keys))
	for kid := range keys {
		kids = append(kids, kid)
	}
	slices.Sort(kids)
	for _, kid := range kids {
		if kid == "" {
			return nil, errors.New("lti: tool JWKS: a key has an empty kid")
		}
		if keys[kid] == nil {
			return nil, fmt.Errorf("lti: tool JWKS: key %q is nil", kid)
		}
		set.Keys = append(set.Keys, jose.JSONWebKey{
			Key: keys[kid], KeyID: kid, Use: "sig", Algorithm: string(jose.RS256),
		})
	}
	return json.Marshal(set)
}

// ClientAssertion returns the JWT with which the tool authenticates to the
// platform's token endpoint (LTI Security Framework 1.0 §4.1, RFC 7523
// §3): signed RS256 by key, kid in the header, iss = sub = clientID,
// aud = tokenURL, iat = now, exp five minutes later and a random jti.
func ClientAssertion(key *rsa.PrivateKey, kid, clientID, tokenURL string, now time.Time) (string, error) {
	if key == nil {
		return "", errors.New("lti: client assertion: no key")
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), kid))
	if err != nil {
		return "", fmt.Errorf("lti: client assertion: %w", err)
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", fmt.Errorf("lti: client assertion: jti: %w", err)
	}
	claims, err := json.Marshal(map[string]any{
		"iss": clientID,
		"sub": clientID,
		"aud": tokenURL,
		"iat": now.Unix(),
		"exp": now.Add(assertionLifetime).Unix(),
		"jti": base64.RawURLEncoding.EncodeToString(jti),
	})
	if err != nil {
		return "", fmt.Errorf("lti: client assertion: %w", err)
	}
	jws, err := signer.Sign(claims)
	if err != nil {
		return "", fmt.Errorf("lti: client assertion: %w", err)
	}
	return jws.CompactSerialize()
}
