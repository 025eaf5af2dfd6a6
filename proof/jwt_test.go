package proof

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/keys"
	jose "github.com/go-jose/go-jose/v4"
)

var fixedClock = JWTOptions{Now: func() time.Time { return testNow }}

// TestVerifyJWTFixtures verifies the JWTs made by vc-verify (jose) and the
// 1EdTech validator's fixtures.
func TestVerifyJWTFixtures(t *testing.T) {
	ctx := context.Background()
	r := didWebResolver(t)
	tests := []struct {
		file    string
		format  string
		source  string
		check   string // "" = verified
		warning string
	}{
		{"vc-verify/examples/ob3-basic.EdDSA.jwt", FormatVCJWT, KeyFromKid, "", ""},
		{"vc-verify/examples/ob3-basic.ES256.jwt", FormatVCJWT, KeyFromKid, "", ""},
		{"vc-verify/examples/ob3-basic.EdDSA.jwt_vc_json.jwt", FormatJWTVCJSON, KeyFromKid, "", ""},
		{"vc-verify/examples/ob3-basic.RS256.didweb.jwt", FormatVCJWT, KeyFromKid, "", ""},
		{"vc-verify/examples/ob3-basic.RS256.embedded-jwk.jwt", FormatVCJWT, KeyFromJWK, "", "jwk"},
		{"vc-verify/examples/ob3-basic.EdDSA.TAMPERED.jwt", FormatVCJWT, KeyFromKid, "signature", ""},
		{"1edtech-validator/clr20-simple.jwt", FormatJWTVCJSON, KeyFromJWK, "", "jwk"},
		// No kid, no jwk, and an https issuer: there is no key to be found.
		{"1edtech-validator/ob30-simple.jwt", FormatJWTVCJSON, "", "kid", ""},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			res, err := VerifyJWTWithOptions(ctx, string(readFile(t, tc.file)), r, fixedClock)
			if res == nil {
				t.Fatalf("no result: %v", err)
			}
			if tc.check != "" {
				wantOutcome(t, err, Failed, tc.check)
			} else if err != nil || res.Outcome != Verified {
				t.Fatalf("got %v (%s)", err, res.Outcome)
			}
			if res.Format != tc.format || res.KeySource != tc.source {
				t.Errorf("format %q key source %q, want %q %q", res.Format, res.KeySource, tc.format, tc.source)
			}
			if tc.warning != "" && !strings.Contains(strings.Join(res.Warnings, "\n"), tc.warning) {
				t.Errorf("warnings %q lack %q", res.Warnings, tc.warning)
			}
			if res.Credential["id"] == nil || IssuerID(res.Credential) == "" {
				t.Errorf("credential %v", res.Credential)
			}
			for _, c := range registeredClaims {
				if _, ok := res.Credential[c]; ok && res.Format == FormatVCJWT {
					t.Errorf("claim %s left in the credential", c)
				}
			}
			if tc.source == KeyFromKid && tc.check == "" && res.Controller != IssuerID(res.Credential) {
				t.Errorf("controller %q", res.Controller)
			}
		})
	}
}

// TestSignJWT signs with each key type and checks the token's form and that
// it verifies; a modified payload does not.
func TestSignJWT(t *testing.T) {
	ctx := context.Background()
	r := didWebResolver(t)
	for _, tc := range []struct {
		key, alg, issuer, kid string
	}{
		{"ed25519", "EdDSA", "did:key:z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB", "did:key:z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB#z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB"},
		{"p256", "ES256", "did:web:issuer.example", "did:web:issuer.example#key-p256"},
		{"rsa", "RS256", "did:web:issuer.example", "did:web:issuer.example#key-rsa"},
		{"rsa", "RS256", "did:web:issuer.example", "#key-rsa"},
	} {
		t.Run(tc.alg+tc.kid, func(t *testing.T) {
			k := vcVerifyKey(t, tc.key)
			cred := ob3Unsigned(t)
			cred["issuer"].(map[string]any)["id"] = tc.issuer
			cred["validUntil"] = "2030-01-01T00:00:00Z"
			tok, err := SignJWT(cred, k, tc.kid)
			if err != nil {
				t.Fatal(err)
			}
			header, payload := decodeJWT(t, tok)
			if len(header) != 3 || header["alg"] != tc.alg || header["kid"] != tc.kid || header["typ"] != "JWT" {
				t.Errorf("header %v", header)
			}
			for claim, want := range map[string]any{
				"iss": tc.issuer, "jti": cred["id"], "sub": "did:example:ebfeb1f712ebc6f1c276e12ec21",
				"nbf": float64(1262304000), "exp": float64(1893456000),
			} {
				if payload[claim] != want {
					t.Errorf("claim %s = %v, want %v", claim, payload[claim], want)
				}
			}
			res, err := VerifyJWTWithOptions(ctx, tok, r, fixedClock)
			if err != nil {
				t.Fatal(err)
			}
			if res.Credential["validUntil"] != "2030-01-01T00:00:00Z" || res.Alg != tc.alg {
				t.Errorf("%+v", res)
			}
			// Expired at the end of 2029 + 5 min skew.
			late := JWTOptions{Now: func() time.Time { return time.Date(2030, 1, 1, 0, 6, 0, 0, time.UTC) }}
			_, err = VerifyJWTWithOptions(ctx, tok, r, late)
			wantOutcome(t, err, Failed, "exp")
			early := JWTOptions{Now: func() time.Time { return time.Date(2009, 12, 31, 23, 54, 0, 0, time.UTC) }}
			_, err = VerifyJWTWithOptions(ctx, tok, r, early)
			wantOutcome(t, err, Failed, "nbf")
			within := JWTOptions{Now: func() time.Time { return time.Date(2009, 12, 31, 23, 56, 0, 0, time.UTC) }}
			if _, err = VerifyJWTWithOptions(ctx, tok, r, within); err != nil {
				t.Errorf("within the skew: %v", err)
			}

			parts := strings.Split(tok, ".")
			payload["name"] = "Tampered"
			b, _ := json.Marshal(payload)
			parts[1] = base64.RawURLEncoding.EncodeToString(b)
			_, err = VerifyJWTWithOptions(ctx, strings.Join(parts, "."), r, fixedClock)
			wantOutcome(t, err, Failed, "signature")
		})
	}
	t.Run("issuer not controller", func(t *testing.T) {
		_, err := SignJWT(ob3Unsigned(t), vcVerifyKey(t, "rsa"), "did:web:issuer.example#key-rsa")
		if !errors.Is(err, ErrCannotSign) || !strings.Contains(err.Error(), "did:web:issuer.example") {
			t.Fatalf("got %v", err)
		}
	})
}

func decodeJWT(t *testing.T, tok string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("%d parts", len(parts))
	}
	var err error
	if header, err = decodePart(parts[0]); err != nil {
		t.Fatal(err)
	}
	if payload, err = decodePart(parts[1]); err != nil {
		t.Fatal(err)
	}
	return header, payload
}

// rawJWT signs any header and payload with s, without SignJWT's checks.
func rawJWT(t *testing.T, s keys.Signer, header, payload map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	p, _ := json.Marshal(payload)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	sig := []byte("not signed")
	if s != nil {
		var err error
		if sig, err = s.Sign([]byte(in)); err != nil {
			t.Fatal(err)
		}
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestVerifyJWTRefusals(t *testing.T) {
	ctx := context.Background()
	r := didWebResolver(t)
	ed := vcVerifyKey(t, "ed25519")
	issuer, kid, _ := did.KeyDID(ed.Public())
	cred := ob3Unsigned(t)
	cred["issuer"].(map[string]any)["id"] = issuer
	tok, err := SignJWT(cred, ed, kid)
	if err != nil {
		t.Fatal(err)
	}
	_, payload := decodeJWT(t, tok)
	hdr := map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": kid}
	with := func(m map[string]any, k string, v any) map[string]any {
		c := deepCopy(m).(map[string]any)
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	rsaPub, _ := keys.PublicJWK(vcVerifyKey(t, "rsa").Public())
	rsaPriv := map[string]any{}
	if err := json.Unmarshal(readFile(t, "vc-verify/keys/rsa.json"), &struct {
		P *map[string]any `json:"privateKeyJwk"`
	}{&rsaPriv}); err != nil {
		t.Fatal(err)
	}
	p256 := vcVerifyKey(t, "p256")
	_, p256kid, _ := did.KeyDID(p256.Public())

	tests := []struct {
		name, token, check, msg string
	}{
		{"alg none", rawJWT(t, nil, with(hdr, "alg", "none"), payload), "alg", "unsigned"},
		{"alg none, no signature", strings.TrimSuffix(rawJWT(t, nil, with(hdr, "alg", "none"), payload), base64.RawURLEncoding.EncodeToString([]byte("not signed"))), "signature", ""},
		{"HS256", rawJWT(t, nil, with(hdr, "alg", "HS256"), payload), "alg", "HMAC"},
		{"no alg", rawJWT(t, nil, with(hdr, "alg", nil), payload), "alg", ""},
		{"unknown alg", rawJWT(t, nil, with(hdr, "alg", "ES256K"), payload), "alg", "ES256K"},
		{"crit", rawJWT(t, ed, with(hdr, "crit", []any{"exp"}), payload), "header", "crit"},
		{"two parts", "eyJhbGciOiJFZERTQSJ9.e30", "token", "2 dot-separated parts"},
		{"four parts", tok + ".x", "token", "4 dot-separated parts"},
		{"header not base64", "!!!." + strings.SplitN(tok, ".", 2)[1], "header", "header"},
		{"header not JSON", "bm90IGpzb24." + strings.SplitN(tok, ".", 2)[1], "header", "header"},
		{"payload not JSON", strings.Split(tok, ".")[0] + ".bm90IGpzb24." + strings.Split(tok, ".")[2], "payload", "payload"},
		{"payload not a credential", rawJWT(t, ed, hdr, map[string]any{"iss": issuer}), "payload", "@context"},
		{"too big", tok + strings.Repeat("A", DefaultMaxTokenBytes), "token", "bytes"},
		{"iss mismatch", rawJWT(t, ed, hdr, with(payload, "iss", "did:web:issuer.example")), "claims", "iss"},
		{"jti mismatch", rawJWT(t, ed, hdr, with(payload, "jti", "urn:other")), "claims", "jti"},
		{"sub mismatch", rawJWT(t, ed, hdr, with(payload, "sub", "did:example:other")), "claims", "sub"},
		{"nbf mismatch", rawJWT(t, ed, hdr, with(payload, "nbf", 1262304001)), "claims", "nbf"},
		{"nbf not a number", rawJWT(t, ed, hdr, with(payload, "nbf", "2010")), "claims", "nbf"},
		{"validUntil without exp", rawJWT(t, ed, hdr, with(payload, "validUntil", "2030-01-01T00:00:00Z")), "claims", "exp"},
		{"kid of another controller", rawJWT(t, p256, with(with(hdr, "alg", "ES256"), "kid", p256kid), payload), "controller", issuer},
		{"kid not in assertionMethod", rawJWT(t, ed, with(hdr, "kid", "did:web:issuer.example#nope"), payload), "kid", "not listed"},
		{"alg does not fit key", rawJWT(t, ed, with(hdr, "alg", "ES256"), payload), "alg", "ES256"},
		{"private jwk", rawJWT(t, nil, map[string]any{"alg": "RS256", "jwk": rsaPriv}, payload), "jwk", "not a public key"},
		{"bad jwk", rawJWT(t, nil, map[string]any{"alg": "RS256", "jwk": map[string]any{"kty": "RSA"}}, payload), "jwk", ""},
		{"no key", rawJWT(t, ed, with(hdr, "kid", nil), with(with(payload, "iss", "https://example.edu/i"), "issuer", "https://example.edu/i")), "kid", "neither kid nor jwk"},
		{"jwk of another key", rawJWT(t, ed, map[string]any{"alg": "RS256", "jwk": rsaPub}, payload), "signature", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := VerifyJWTWithOptions(ctx, tc.token, r, fixedClock)
			wantOutcome(t, err, Failed, tc.check)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
			if res == nil || res.Outcome != Failed {
				t.Errorf("result %+v", res)
			}
		})
	}

	t.Run("indeterminate", func(t *testing.T) {
		res, err := VerifyJWTWithOptions(ctx, readText(t, "vc-verify/examples/ob3-basic.RS256.didweb.jwt"), unavailableResolver{}, fixedClock)
		wantOutcome(t, err, Indeterminate, "kid")
		if !res.Indeterminate() {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("issuer DID without kid", func(t *testing.T) {
		// No kid, no jwk: the issuer's only assertion method.
		res, err := VerifyJWTWithOptions(ctx, rawJWT(t, ed, with(hdr, "kid", nil), payload), r, fixedClock)
		if err != nil || res.KeySource != KeyFromIssuer || res.VerificationMethod != kid {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("relative kid", func(t *testing.T) {
		for _, k := range []string{"#" + strings.TrimPrefix(issuer, "did:key:"), strings.TrimPrefix(issuer, "did:key:")} {
			if _, err := VerifyJWTWithOptions(ctx, rawJWT(t, ed, with(hdr, "kid", k), payload), r, fixedClock); err != nil {
				t.Errorf("kid %q: %v", k, err)
			}
		}
	})
	t.Run("explicit key", func(t *testing.T) {
		res, err := VerifyJWTWithOptions(ctx, rawJWT(t, ed, with(hdr, "kid", nil), with(with(payload, "iss", "https://example.edu/i"), "issuer", "https://example.edu/i")), nil,
			JWTOptions{Now: fixedClock.Now, Key: ed.Public()})
		if err != nil || res.KeySource != "" {
			t.Fatalf("%+v %v", res, err)
		}
	})
}

// TestJWTAlgsWithGoJose checks the accepted algorithms beyond those Cairn
// signs with, using tokens made by go-jose itself.
func TestJWTAlgsWithGoJose(t *testing.T) {
	rsaKey := vcVerifyKey(t, "rsa")
	var jwk struct {
		P jose.JSONWebKey `json:"privateKeyJwk"`
	}
	if err := json.Unmarshal(readFile(t, "vc-verify/keys/rsa.json"), &jwk); err != nil {
		t.Fatal(err)
	}
	cred := ob3Unsigned(t)
	cred["issuer"].(map[string]any)["id"] = "did:web:issuer.example"
	tok, err := SignJWT(cred, rsaKey, "did:web:issuer.example#key-rsa")
	if err != nil {
		t.Fatal(err)
	}
	_, payload := decodeJWT(t, tok)
	body, _ := json.Marshal(payload)
	for _, alg := range []jose.SignatureAlgorithm{jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512} {
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jwk.P.Key},
			(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "did:web:issuer.example#key-rsa"))
		if err != nil {
			t.Fatal(err)
		}
		obj, err := s.Sign(body)
		if err != nil {
			t.Fatal(err)
		}
		tok, _ := obj.CompactSerialize()
		if _, err := VerifyJWTWithOptions(context.Background(), tok, didWebResolver(t), fixedClock); err != nil {
			t.Errorf("%s: %v", alg, err)
		}
	}
}
