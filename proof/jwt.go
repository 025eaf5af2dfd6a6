package proof

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/jsonld"
	"github.com/cairn-badges/cairn/keys"
	jose "github.com/go-jose/go-jose/v4"
)

// JWT formats recognised by VerifyJWT.
const (
	// FormatVCJWT is the OB 3.0 form: the payload is the credential plus the
	// registered claims (VC-JOSE-COSE "vc+jwt" style).
	FormatVCJWT = "vc+jwt"
	// FormatJWTVCJSON is the VC Data Model 1.1 form: the credential is in
	// the "vc" claim (OpenID4VC "jwt_vc_json").
	FormatJWTVCJSON = "jwt_vc_json"
)

// Defaults of JWTOptions.
const (
	DefaultMaxTokenBytes = 1 << 20
	DefaultClockSkew     = 5 * time.Minute
)

// Key sources reported in JWTResult.KeySource.
const (
	KeyFromKid    = "kid"    // the header's kid, dereferenced through the KeyResolver
	KeyFromJWK    = "jwk"    // the header's jwk: no binding to the issuer
	KeyFromIssuer = "issuer" // the issuer DID's assertionMethod (no kid, no jwk)
)

// registeredClaims are the JWT claims (RFC 7519 §4.1) that are not part of
// the credential in the OB 3.0 payload form.
var registeredClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

// acceptedAlgs are the JWS algorithms VerifyJWT accepts.
var acceptedAlgs = map[string]jose.SignatureAlgorithm{
	"RS256": jose.RS256, "RS384": jose.RS384, "RS512": jose.RS512,
	"PS256": jose.PS256, "PS384": jose.PS384, "PS512": jose.PS512,
	"ES256": jose.ES256, "ES384": jose.ES384, "ES512": jose.ES512,
	"EdDSA": jose.EdDSA,
}

// SignJWT returns a compact JWS of cred in the OB 3.0 payload form: the
// credential's JSON plus iss (issuer id), jti (id), nbf (validFrom, or
// issuanceDate), sub (credentialSubject.id) and exp (validUntil, or
// expirationDate), each when the credential has it. The header is
// {alg, kid, typ: "JWT"}; alg is RS256, ES256 or EdDSA after the key type.
// The public 1EdTech validator accepts RS256 and ES256 only.
//
// kid is the verification method (a DID URL, or "#fragment" relative to the
// issuer DID); when it is a DID URL its DID must be the issuer id.
// Errors wrap ErrCannotSign for bad input.
func SignJWT(cred map[string]any, s keys.Signer, kid string) (string, error) {
	alg, err := algFor(s.Public())
	if err != nil {
		return "", err
	}
	issuer := IssuerID(cred)
	if issuer == "" {
		return "", cannotSign("credential has no issuer id")
	}
	if kid == "" {
		return "", cannotSign("no kid")
	}
	if err := checkController(issuer, kid); err != nil {
		return "", err
	}
	payload := without(cred, registeredClaims...)
	payload["iss"] = issuer
	if id, ok := cred["id"].(string); ok {
		payload["jti"] = id
	}
	if sub := subjectID(cred); sub != "" {
		payload["sub"] = sub
	}
	for _, c := range []struct{ claim, a, b string }{
		{"nbf", "validFrom", "issuanceDate"},
		{"exp", "validUntil", "expirationDate"},
	} {
		v, name := firstString(cred, c.a, c.b)
		if name == "" {
			continue
		}
		t, err := parseDateTime(v)
		if err != nil {
			return "", cannotSign("%s: %v", name, err)
		}
		payload[c.claim] = t.Unix()
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return "", cannotSign("credential is not JSON: %v", err)
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), kid)
	js, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: opaqueSigner{s, alg}}, opts)
	if err != nil {
		return "", fmt.Errorf("proof: jwt: %w", err)
	}
	obj, err := js.Sign(body)
	if err != nil {
		return "", fmt.Errorf("proof: jwt: %w", err)
	}
	return obj.CompactSerialize()
}

// algFor returns the JWS alg Cairn signs with for a key.
func algFor(pub crypto.PublicKey) (jose.SignatureAlgorithm, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return jose.EdDSA, nil
	case *ecdsa.PublicKey:
		if k.Curve.Params().Name == "P-256" {
			return jose.ES256, nil
		}
	case *rsa.PublicKey:
		return jose.RS256, nil
	}
	return "", cannotSign("no JWS algorithm for a %T key", pub)
}

// firstString returns the value and name of the first of names that is a
// string in m.
func firstString(m map[string]any, names ...string) (string, string) {
	for _, n := range names {
		if s, ok := m[n].(string); ok {
			return s, n
		}
	}
	return "", ""
}

// opaqueSigner lets go-jose sign through a keys.Signer, whose signature
// formats are the JOSE ones.
type opaqueSigner struct {
	s   keys.Signer
	alg jose.SignatureAlgorithm
}

func (o opaqueSigner) Public() *jose.JSONWebKey { return &jose.JSONWebKey{Key: o.s.Public()} }
func (o opaqueSigner) Algs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{o.alg}
}
func (o opaqueSigner) SignPayload(payload []byte, alg jose.SignatureAlgorithm) ([]byte, error) {
	if alg != o.alg {
		return nil, fmt.Errorf("alg %s not supported by this key", alg)
	}
	return o.s.Sign(payload)
}

// JWTOptions adjust VerifyJWTWithOptions. The zero value gives the defaults.
type JWTOptions struct {
	// Now is the clock for exp and nbf (default time.Now).
	Now func() time.Time
	// Skew is the clock skew allowed on exp and nbf (default 5 minutes;
	// negative means none).
	Skew time.Duration
	// MaxTokenBytes caps the token size (default 1 MiB).
	MaxTokenBytes int
	// Key, when set, is the only key used (no discovery): like vc-verify's
	// --jwk. The controller check is then skipped.
	Key crypto.PublicKey
}

// JWTResult describes a VC-JWT and the outcome of its verification.
type JWTResult struct {
	Outcome Outcome
	// Credential is the credential: the payload without the registered
	// claims (OB form), or the "vc" claim with the missing id, issuer,
	// issuanceDate, expirationDate and credentialSubject.id filled in from
	// the claims (VC 1.1 form).
	Credential map[string]any
	Format     string         // FormatVCJWT or FormatJWTVCJSON
	Header     map[string]any // the JOSE header
	Claims     map[string]any // the registered claims present in the payload
	Alg        string
	// KeySource is KeyFromKid, KeyFromJWK or KeyFromIssuer ("" when no key
	// was found or JWTOptions.Key was used).
	KeySource          string
	VerificationMethod string // the dereferenced kid, when the key came from a DID or URL
	Controller         string
	// Warnings are what OB 3.0 asks that the token does not do; each is
	// also in WarningMessages, as its format (every verb %s) and arguments,
	// for a reader to translate.
	Warnings        []string
	WarningMessages []JWTWarning
}

// A JWTWarning is one of JWTResult.Warnings as a format whose verbs are all
// %s, and its arguments.
type JWTWarning struct {
	Format string
	Args   []string
}

func (r *JWTResult) warn(format string, args ...string) {
	a := make([]any, len(args))
	for i, s := range args {
		a[i] = s
	}
	r.Warnings = append(r.Warnings, fmt.Sprintf(format, a...))
	r.WarningMessages = append(r.WarningMessages, JWTWarning{Format: format, Args: args})
}

// Indeterminate reports whether the result is Indeterminate.
func (r *JWTResult) Indeterminate() bool { return r.Outcome == Indeterminate }

// VerifyJWT verifies a VC-JWT with the default options: see
// VerifyJWTWithOptions.
func VerifyJWT(ctx context.Context, token string, r KeyResolver) (*JWTResult, error) {
	return VerifyJWTWithOptions(ctx, token, r, JWTOptions{})
}

// VerifyJWTWithOptions verifies a compact JWS holding a credential, in the
// OB 3.0 payload form or the VC 1.1 "vc" claim form.
//
// Accepted algs: RS256/384/512, PS256/384/512, ES256/384/512, EdDSA; "none"
// and HMAC are refused (a shared secret proves nothing about the issuer).
// The key comes from kid (a DID URL or URL dereferenced through r for
// assertionMethod; "#frag" or a bare name is taken relative to iss), else
// from the header jwk (public only; a warning says its provenance is not
// established), else from the issuer DID's assertionMethod when r can also
// resolve DID documents. When the key comes through r its controller must be
// iss. The claims must agree with the credential (iss = issuer id, jti = id,
// sub = credentialSubject.id, nbf = validFrom or issuanceDate, exp =
// validUntil or expirationDate) and exp/nbf hold at opts.Now ± opts.Skew.
//
// The result is non-nil once the token is decoded. The error is nil only
// when the token verified; otherwise it is an *Error: errors.Is(err,
// ErrIndeterminate) when the key could not be fetched, ErrFailed otherwise.
func VerifyJWTWithOptions(ctx context.Context, token string, r KeyResolver, opts JWTOptions) (*JWTResult, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Skew == 0 {
		opts.Skew = DefaultClockSkew
	} else if opts.Skew < 0 {
		opts.Skew = 0
	}
	if opts.MaxTokenBytes <= 0 {
		opts.MaxTokenBytes = DefaultMaxTokenBytes
	}
	res := &JWTResult{Outcome: Failed}
	err := verifyJWT(ctx, token, r, opts, res)
	if err != nil {
		res.Outcome = err.Outcome
		return res, err
	}
	res.Outcome = Verified
	return res, nil
}

func verifyJWT(ctx context.Context, token string, r KeyResolver, opts JWTOptions, res *JWTResult) *Error {
	if len(token) > opts.MaxTokenBytes {
		return failed("token", "token is %d bytes, more than the %d allowed", len(token), opts.MaxTokenBytes)
	}
	token = strings.TrimSpace(token)
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return failed("token", "malformed JWT: %d dot-separated parts, want 3 (compact JWS)", len(parts))
	}
	header, err := decodePart(parts[0])
	if err != nil {
		return failed("header", "malformed JWT header: %v", err)
	}
	res.Header = header
	payload, err := decodePart(parts[1])
	if errors.Is(err, jsonld.ErrLimit) {
		return &Error{Outcome: Indeterminate, Check: "payload", Err: fmt.Errorf("the JWT payload is larger than this verifier handles: %w", err)}
	}
	if err != nil {
		return failed("payload", "malformed JWT payload: %v", err)
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(parts[2]); err != nil || parts[2] == "" {
		return failed("signature", "malformed JWT signature: not base64url")
	}

	// Header checks.
	algName, _ := header["alg"].(string)
	res.Alg = algName
	alg, ok := acceptedAlgs[algName]
	switch {
	case ok:
	case algName == "":
		return failed("alg", "the JOSE header has no alg")
	case strings.EqualFold(algName, "none"):
		return failed("alg", "alg %q (an unsigned token) is not accepted", algName)
	case strings.HasPrefix(algName, "HS"):
		return failed("alg", "alg %q (HMAC) is not accepted: a shared secret cannot prove who issued the credential", algName)
	default:
		return failed("alg", "alg %q is not supported", algName)
	}
	if _, ok := header["crit"]; ok {
		return failed("header", "critical header parameters (crit) are not supported")
	}
	if typ, ok := header["typ"]; ok && typ != "JWT" {
		res.warn("typ is %s, OB 3.0 says \"JWT\"", fmt.Sprint(typ))
	}
	var extra []string
	for k := range header {
		switch k {
		case "alg", "kid", "jwk", "typ":
		default:
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		res.warn("extra JOSE header parameters: %s", strings.Join(extra, ", "))
	}

	// Payload: credential and claims.
	if err := decodeCredential(payload, res); err != nil {
		return err
	}
	cred := res.Credential
	iss, _ := res.Claims["iss"].(string)
	if iss == "" {
		iss = IssuerID(cred)
	}
	if cerr := checkClaims(res, opts); cerr != nil {
		return cerr
	}

	// Key.
	key, kerr := jwtKey(ctx, header, iss, r, opts, res)
	if kerr != nil {
		return kerr
	}
	if kerr := checkKeyAlg(key, alg); kerr != nil {
		return kerr
	}

	// Signature.
	jws, perr := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{alg})
	if perr != nil {
		return failed("token", "malformed JWS: %v", perr)
	}
	if _, verr := jws.Verify(key); verr != nil {
		return failed("signature", "JWS signature does not verify (%s)", algName)
	}
	return nil
}

// decodePart decodes one base64url JSON object part of a compact JWS.
func decodePart(s string) (map[string]any, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New("not base64url (unpadded)")
	}
	if err := jsonld.CheckJSONLimits(b, jsonld.Limits{}); err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, errors.New("not a JSON object")
	}
	return m, nil
}

// decodeCredential extracts the credential and the registered claims.
func decodeCredential(payload map[string]any, res *JWTResult) *Error {
	res.Claims = map[string]any{}
	for _, c := range registeredClaims {
		if v, ok := payload[c]; ok {
			res.Claims[c] = v
		}
	}
	if vcv, ok := payload["vc"]; ok {
		vc, ok := vcv.(map[string]any)
		if !ok {
			return failed("payload", "the vc claim is not an object")
		}
		res.Format = FormatJWTVCJSON
		cred := deepCopy(vc).(map[string]any)
		// VC Data Model 1.1 §6.3.1: claims stand for missing properties.
		fill := func(prop, claim string) {
			if _, ok := cred[prop]; !ok {
				if v, ok := payload[claim].(string); ok {
					cred[prop] = v
				}
			}
		}
		fill("id", "jti")
		fill("issuer", "iss")
		for _, d := range []struct{ prop, claim string }{{"issuanceDate", "nbf"}, {"expirationDate", "exp"}} {
			if _, ok := cred[d.prop]; ok {
				continue
			}
			if n, ok := payload[d.claim].(float64); ok {
				cred[d.prop] = time.Unix(int64(n), 0).UTC().Format(time.RFC3339)
			}
		}
		if sub, ok := payload["sub"].(string); ok {
			if cs, ok := cred["credentialSubject"].(map[string]any); ok {
				if _, has := cs["id"]; !has {
					cs["id"] = sub
				}
			}
		}
		res.Credential = cred
		return nil
	}
	res.Format = FormatVCJWT
	res.Credential = without(payload, registeredClaims...)
	if _, ok := res.Credential["@context"]; !ok {
		return failed("payload", "the payload is neither a credential (no @context) nor has a vc claim")
	}
	return nil
}

// checkClaims checks that the registered claims agree with the credential
// and that exp/nbf hold now.
func checkClaims(res *JWTResult, opts JWTOptions) *Error {
	cred, claims := res.Credential, res.Claims
	strClaim := func(name string) (string, bool, *Error) {
		v, ok := claims[name]
		if !ok {
			return "", false, nil
		}
		s, ok := v.(string)
		if !ok {
			return "", false, failed("claims", "claim %s is not a string", name)
		}
		return s, true, nil
	}
	for _, c := range []struct {
		claim, prop, value string
	}{
		{"iss", "issuer id", IssuerID(cred)},
		{"jti", "id", func() string { s, _ := cred["id"].(string); return s }()},
		{"sub", "credentialSubject.id", subjectID(cred)},
	} {
		v, ok, err := strClaim(c.claim)
		if err != nil {
			return err
		}
		if !ok {
			if c.value != "" && res.Format == FormatVCJWT {
				res.warn("claim %s is missing (OB 3.0 requires it)", c.claim)
			}
			continue
		}
		if v != c.value {
			return failed("claims", "claim %s %q does not match the credential's %s %q", c.claim, v, c.prop, c.value)
		}
	}
	now := opts.Now()
	for _, c := range []struct{ claim, a, b string }{
		{"nbf", "validFrom", "issuanceDate"},
		{"exp", "validUntil", "expirationDate"},
	} {
		raw, ok := claims[c.claim]
		date, name := firstString(cred, c.a, c.b)
		if !ok {
			if name != "" && res.Format == FormatVCJWT && c.claim == "nbf" {
				res.warn("claim %s is missing (OB 3.0 requires it)", "nbf")
			}
			if name != "" && c.claim == "exp" {
				return failed("claims", "the credential has %s but the token has no exp claim", name)
			}
			continue
		}
		n, ok := raw.(float64)
		if !ok || math.IsNaN(n) || math.IsInf(n, 0) || n < -1e15 || n > 1e15 {
			return failed("claims", "claim %s is not a NumericDate", c.claim)
		}
		t := time.Unix(int64(math.Floor(n)), 0)
		if name != "" {
			d, err := parseDateTime(date)
			if err != nil {
				return failed("claims", "%s: %v", name, err)
			}
			if d.Unix() != t.Unix() {
				return failed("claims", "claim %s %d does not match the credential's %s %q", c.claim, t.Unix(), name, date)
			}
		}
		switch c.claim {
		case "nbf":
			if now.Add(opts.Skew).Before(t) {
				return failed("nbf", "the token is not valid before %s", t.UTC().Format(time.RFC3339))
			}
		case "exp":
			if !now.Add(-opts.Skew).Before(t) {
				return failed("exp", "the token expired at %s", t.UTC().Format(time.RFC3339))
			}
		}
	}
	return nil
}

// DocumentResolver is implemented by resolvers that can also return a whole
// DID document (as *did.Resolver does). VerifyJWT uses it to find the key of
// a token that has neither kid nor jwk.
type DocumentResolver interface {
	Resolve(ctx context.Context, did string) (*did.Document, error)
}

// jwtKey finds the verification key of a token.
func jwtKey(ctx context.Context, header map[string]any, iss string, r KeyResolver, opts JWTOptions, res *JWTResult) (crypto.PublicKey, *Error) {
	if opts.Key != nil {
		return opts.Key, nil
	}
	kid, _ := header["kid"].(string)
	if _, ok := header["kid"]; ok && kid == "" {
		return nil, failed("kid", "kid is not a non-empty string")
	}
	_, hasJWK := header["jwk"]
	if kid != "" {
		id := kid
		switch {
		case strings.HasPrefix(kid, "#"):
			id = iss + kid
		case !strings.Contains(kid, ":"):
			// A bare kid: a fragment of the issuer DID, when there is one.
			if _, isDID := didOf(iss); isDID {
				id = iss + "#" + kid
			} else if hasJWK {
				id = ""
			} else {
				return nil, failed("kid", "kid %q is neither a URL nor a DID URL, and the issuer %q is not a DID", kid, iss)
			}
		}
		if id != "" {
			if hasJWK {
				res.warn("header jwk ignored: the key comes from kid")
			}
			return resolvedKey(ctx, r, id, iss, KeyFromKid, res)
		}
	}
	if hasJWK {
		b, _ := json.Marshal(header["jwk"])
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(b); err != nil {
			return nil, failed("jwk", "header jwk: %v", err)
		}
		if !jwk.IsPublic() {
			return nil, failed("jwk", "header jwk is not a public key")
		}
		if !jwk.Valid() {
			return nil, failed("jwk", "header jwk is not a valid key")
		}
		res.KeySource = KeyFromJWK
		res.warn("public key taken from the JOSE header jwk: nothing binds it to the issuer")
		return jwk.Key, nil
	}
	// No kid, no jwk: the issuer DID's assertion methods.
	d, isDID := didOf(iss)
	dr, canResolve := r.(DocumentResolver)
	if !isDID || !canResolve || d != iss {
		return nil, failed("kid", "the JOSE header has neither kid nor jwk and the issuer %q is not a resolvable DID: no way to find the key", iss)
	}
	doc, err := dr.Resolve(ctx, iss)
	if err != nil {
		return nil, classify("kid", fmt.Errorf("resolving issuer %s: %w", iss, err))
	}
	if len(doc.AssertionMethod) != 1 {
		return nil, failed("kid", "no kid and the issuer DID has %d assertion methods: cannot choose", len(doc.AssertionMethod))
	}
	id := doc.AssertionMethod[0].ID
	if doc.AssertionMethod[0].Embedded != nil {
		id = doc.AssertionMethod[0].Embedded.ID
	}
	if strings.HasPrefix(id, "#") {
		id = iss + id
	}
	return resolvedKey(ctx, r, id, iss, KeyFromIssuer, res)
}

// resolvedKey dereferences id through r and checks its controller.
func resolvedKey(ctx context.Context, r KeyResolver, id, iss, source string, res *JWTResult) (crypto.PublicKey, *Error) {
	res.KeySource = source
	res.VerificationMethod = id
	if r == nil {
		return nil, failed("kid", "no resolver for %s", id)
	}
	m, err := r.VerificationMethod(ctx, id, PurposeAssertionMethod)
	if err != nil {
		return nil, classify("kid", fmt.Errorf("%s: %w", id, err))
	}
	res.Controller = m.Controller
	if m.Controller != iss {
		return nil, failed("controller", "verification method controller %q is not the issuer %q", m.Controller, iss)
	}
	pub, err := m.PublicKey()
	if err != nil {
		return nil, failed("kid", "%s: %v", id, err)
	}
	return pub, nil
}

// checkKeyAlg checks that key can verify alg.
func checkKeyAlg(key crypto.PublicKey, alg jose.SignatureAlgorithm) *Error {
	ok := false
	switch k := key.(type) {
	case ed25519.PublicKey:
		ok = alg == jose.EdDSA
	case *ecdsa.PublicKey:
		want := map[string]jose.SignatureAlgorithm{"P-256": jose.ES256, "P-384": jose.ES384, "P-521": jose.ES512}
		ok = want[k.Curve.Params().Name] == alg
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return failed("key", "RSA key of %d bits: at least 2048 needed", k.N.BitLen())
		}
		ok = strings.HasPrefix(string(alg), "RS") || strings.HasPrefix(string(alg), "PS")
	default:
		return failed("key", "unsupported key type %T", key)
	}
	if !ok {
		return failed("alg", "alg %s does not fit the %T key", alg, key)
	}
	return nil
}
