package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// jwk is a JSON Web Key (RFC 7517) with the members used by the supported key
// types, in a fixed order so that MarshalJWK is deterministic.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	D   string `json:"d,omitempty"`
	P   string `json:"p,omitempty"`
	Q   string `json:"q,omitempty"`
	DP  string `json:"dp,omitempty"`
	DQ  string `json:"dq,omitempty"`
	QI  string `json:"qi,omitempty"`
}

var b64 = base64.RawURLEncoding

func b64int(n *big.Int) string { return b64.EncodeToString(n.Bytes()) }

// MarshalJWK returns the private key as private JWK JSON, the format of Cairn
// key files: kty/crv/x/d for Ed25519 (d = 32-byte seed, RFC 8037),
// kty/crv/x/y/d for P-256, kty/n/e/d/p/q/dp/dq/qi for RSA.
func (k *PrivateKey) MarshalJWK() ([]byte, error) {
	var j jwk
	switch k.typ {
	case Ed25519:
		j = jwk{Kty: "OKP", Crv: "Ed25519",
			X: b64.EncodeToString(k.ed[ed25519.SeedSize:]),
			D: b64.EncodeToString(k.ed.Seed())}
	case P256:
		u, err := k.ec.PublicKey.Bytes()
		if err != nil {
			return nil, fmt.Errorf("keys: %v", err)
		}
		d, err := k.ec.Bytes()
		if err != nil {
			return nil, fmt.Errorf("keys: %v", err)
		}
		j = jwk{Kty: "EC", Crv: "P-256",
			X: b64.EncodeToString(u[1:33]), Y: b64.EncodeToString(u[33:]),
			D: b64.EncodeToString(d)}
	case RSA:
		r := k.rsa
		if len(r.Primes) != 2 {
			return nil, errors.New("keys: multi-prime RSA keys are not supported")
		}
		r.Precompute()
		j = jwk{Kty: "RSA", N: b64int(r.N), E: b64int(big.NewInt(int64(r.E))),
			D: b64int(r.D), P: b64int(r.Primes[0]), Q: b64int(r.Primes[1]),
			DP: b64int(r.Precomputed.Dp), DQ: b64int(r.Precomputed.Dq),
			QI: b64int(r.Precomputed.Qinv)}
	default:
		return nil, errors.New("keys: uninitialized private key")
	}
	out, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// maxKeyFile bounds the size of key material accepted by ParsePrivateKey.
const maxKeyFile = 64 << 10

// ParsePrivateKey parses a private key from any of these forms:
//   - a private JWK (the Cairn key file written by [PrivateKey.MarshalJWK]);
//   - a vc-verify test key file: a JSON object with "privateKeyJwk", or with
//     a Multikey "secretKeyMultibase" at the top level or under "multikey"
//     (also W3C's "privateKeyMultibase");
//   - a bare multibase secret key ("z…"): Ed25519 0x8026 followed by the
//     32-byte seed or by 64 bytes seed‖public (the public half must match);
//     P-256 0x8626 followed by the 32-byte scalar.
//
// When the input also carries a public key ("x"/"y", "publicKeyMultibase"),
// it must match the private key.
func ParsePrivateKey(data []byte) (*PrivateKey, error) {
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("keys: key data is %d bytes, more than the %d-byte limit", len(data), maxKeyFile)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("keys: empty key data")
	}
	if trimmed[0] == 'z' {
		return decodeSecretMultibase(string(trimmed))
	}
	if trimmed[0] != '{' {
		return nil, errors.New("keys: unrecognized key format (want private JWK JSON or a 'z…' multibase secret key)")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &obj); err != nil {
		return nil, fmt.Errorf("keys: key file is not valid JSON: %v", err)
	}
	if _, ok := obj["kty"]; ok {
		return parsePrivateJWK(trimmed)
	}
	if raw, ok := obj["privateKeyJwk"]; ok {
		k, err := parsePrivateJWK(raw)
		if err != nil {
			return nil, fmt.Errorf("%w (in privateKeyJwk)", err)
		}
		return k, nil
	}
	for _, o := range []map[string]json.RawMessage{obj, sub(obj, "multikey")} {
		var mk struct {
			Public  string `json:"publicKeyMultibase"`
			Secret  string `json:"secretKeyMultibase"`
			Private string `json:"privateKeyMultibase"`
		}
		if o == nil {
			continue
		}
		b, _ := json.Marshal(o)
		if err := json.Unmarshal(b, &mk); err != nil {
			return nil, fmt.Errorf("keys: key file: %v", err)
		}
		secret := mk.Secret
		if secret == "" {
			secret = mk.Private
		}
		if secret == "" {
			continue
		}
		k, err := decodeSecretMultibase(secret)
		if err != nil {
			return nil, err
		}
		if mk.Public != "" {
			pub, err := DecodeMultikey(mk.Public)
			if err != nil {
				return nil, err
			}
			if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Public()) {
				return nil, errors.New("keys: publicKeyMultibase does not match the secret key")
			}
		}
		return k, nil
	}
	return nil, errors.New("keys: JSON key file has no private key (want a private JWK, privateKeyJwk or secretKeyMultibase)")
}

func sub(obj map[string]json.RawMessage, name string) map[string]json.RawMessage {
	raw, ok := obj[name]
	if !ok {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

func parsePrivateJWK(data []byte) (*PrivateKey, error) {
	var j jwk
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("keys: JWK: %v", err)
	}
	if j.D == "" {
		return nil, errors.New("keys: JWK has no private part \"d\"")
	}
	d, err := b64field("d", j.D)
	if err != nil {
		return nil, err
	}
	switch j.Kty {
	case "OKP":
		if j.Crv != "Ed25519" {
			return nil, fmt.Errorf("keys: JWK: unsupported OKP curve %q (want Ed25519)", j.Crv)
		}
		if len(d) != ed25519.SeedSize {
			return nil, fmt.Errorf("keys: JWK: Ed25519 \"d\" is %d bytes, want the 32-byte seed (RFC 8037)", len(d))
		}
		k := &PrivateKey{typ: Ed25519, ed: ed25519.NewKeyFromSeed(d)}
		if err := checkPublic(j, k); err != nil {
			return nil, err
		}
		return k, nil
	case "EC":
		if j.Crv != "P-256" {
			return nil, fmt.Errorf("keys: JWK: unsupported EC curve %q (want P-256)", j.Crv)
		}
		if len(d) != 32 {
			return nil, fmt.Errorf("keys: JWK: P-256 \"d\" is %d bytes, want 32", len(d))
		}
		ec, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
		if err != nil {
			return nil, fmt.Errorf("keys: JWK: invalid P-256 private key: %v", err)
		}
		k := &PrivateKey{typ: P256, ec: ec}
		if err := checkPublic(j, k); err != nil {
			return nil, err
		}
		return k, nil
	case "RSA":
		pub, err := parseRSAPublic(j)
		if err != nil {
			return nil, err
		}
		if j.P == "" || j.Q == "" {
			return nil, errors.New("keys: JWK: RSA private key without \"p\" and \"q\" is not supported")
		}
		p, err := b64field("p", j.P)
		if err != nil {
			return nil, err
		}
		q, err := b64field("q", j.Q)
		if err != nil {
			return nil, err
		}
		if bits := pub.N.BitLen(); bits > MaxRSABits {
			return nil, fmt.Errorf("keys: JWK: RSA private key is %d bits, want %d–%d", bits, MinRSABits, MaxRSABits)
		}
		if nlen := len(pub.N.Bytes()); len(d) > nlen || len(p) > nlen || len(q) > nlen {
			return nil, errors.New("keys: JWK: RSA \"d\", \"p\" or \"q\" is longer than the modulus")
		}
		priv := &rsa.PrivateKey{PublicKey: *pub, D: new(big.Int).SetBytes(d),
			Primes: []*big.Int{new(big.Int).SetBytes(p), new(big.Int).SetBytes(q)}}
		if err := priv.Validate(); err != nil {
			return nil, fmt.Errorf("keys: JWK: invalid RSA private key: %v", err)
		}
		priv.Precompute()
		return &PrivateKey{typ: RSA, rsa: priv}, nil
	}
	return nil, fmt.Errorf("keys: JWK: unsupported kty %q (want OKP, EC or RSA)", j.Kty)
}

// checkPublic checks that the public members of a private JWK, when present,
// match the private key.
func checkPublic(j jwk, k *PrivateKey) error {
	if j.X == "" && j.Y == "" {
		return nil
	}
	pj := j
	pj.D = ""
	pub, err := parsePublic(pj)
	if err != nil {
		return err
	}
	if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Public()) {
		return errors.New("keys: JWK: public key (x/y) does not match the private key d")
	}
	return nil
}

func b64field(name, s string) ([]byte, error) {
	b, err := b64.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("keys: JWK: %q is not valid base64url", name)
	}
	return b, nil
}

// PublicJWK returns the public JWK (RFC 7517) of an Ed25519, P-256 or RSA
// public key, as a map ready for JSON encoding or a JOSE "jwk" header.
func PublicJWK(pub crypto.PublicKey) (map[string]any, error) {
	switch pub := pub.(type) {
	case ed25519.PublicKey:
		if len(pub) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("keys: Ed25519 public key is %d bytes, want 32", len(pub))
		}
		return map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(pub)}, nil
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() {
			return nil, errors.New("keys: unsupported ECDSA curve (want P-256)")
		}
		u, err := pub.Bytes()
		if err != nil {
			return nil, fmt.Errorf("keys: invalid P-256 public key: %v", err)
		}
		return map[string]any{"kty": "EC", "crv": "P-256",
			"x": b64.EncodeToString(u[1:33]), "y": b64.EncodeToString(u[33:])}, nil
	case *rsa.PublicKey:
		return map[string]any{"kty": "RSA", "n": b64int(pub.N), "e": b64int(big.NewInt(int64(pub.E)))}, nil
	}
	return nil, fmt.Errorf("keys: unsupported public key type %T", pub)
}

// ParsePublicJWK parses a public JWK: OKP/Ed25519, EC/P-256 (the point must
// be on the curve) or RSA (2048 to 8192 bits). A JWK carrying private key
// material ("d") is refused: public keys must not travel with their secret.
func ParsePublicJWK(m map[string]any) (crypto.PublicKey, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("keys: JWK: %v", err)
	}
	var j jwk
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("keys: JWK: %v", err)
	}
	if _, ok := m["d"]; ok {
		return nil, errors.New("keys: JWK: public JWK contains private key material \"d\"")
	}
	return parsePublic(j)
}

func parsePublic(j jwk) (crypto.PublicKey, error) {
	switch j.Kty {
	case "OKP":
		if j.Crv != "Ed25519" {
			return nil, fmt.Errorf("keys: JWK: unsupported OKP curve %q (want Ed25519)", j.Crv)
		}
		x, err := b64field("x", j.X)
		if err != nil {
			return nil, err
		}
		if len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("keys: JWK: Ed25519 \"x\" is %d bytes, want 32", len(x))
		}
		return ed25519.PublicKey(x), nil
	case "EC":
		if j.Crv != "P-256" {
			return nil, fmt.Errorf("keys: JWK: unsupported EC curve %q (want P-256)", j.Crv)
		}
		x, err := b64field("x", j.X)
		if err != nil {
			return nil, err
		}
		y, err := b64field("y", j.Y)
		if err != nil {
			return nil, err
		}
		if len(x) != 32 || len(y) != 32 {
			return nil, fmt.Errorf("keys: JWK: P-256 \"x\" and \"y\" are %d and %d bytes, want 32 each", len(x), len(y))
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, errors.New("keys: JWK: P-256 point (x, y) is not on the curve")
		}
		return pub, nil
	case "RSA":
		return parseRSAPublic(j)
	case "":
		return nil, errors.New("keys: JWK: missing \"kty\"")
	}
	return nil, fmt.Errorf("keys: JWK: unsupported kty %q (want OKP, EC or RSA)", j.Kty)
}

// RSA public key sizes accepted from JWKs.
const (
	minRSAPublicBits = 2048
	maxRSAPublicBits = 8192
)

func parseRSAPublic(j jwk) (*rsa.PublicKey, error) {
	n, err := b64field("n", j.N)
	if err != nil {
		return nil, err
	}
	e, err := b64field("e", j.E)
	if err != nil {
		return nil, err
	}
	N := new(big.Int).SetBytes(n)
	if bits := N.BitLen(); bits < minRSAPublicBits || bits > maxRSAPublicBits {
		return nil, fmt.Errorf("keys: JWK: RSA modulus is %d bits, want %d–%d", bits, minRSAPublicBits, maxRSAPublicBits)
	}
	E := new(big.Int).SetBytes(e)
	if !E.IsInt64() || E.Int64() < 3 || E.Int64() > 1<<31-1 || E.Bit(0) == 0 {
		return nil, errors.New("keys: JWK: RSA exponent \"e\" must be odd and between 3 and 2^31-1")
	}
	return &rsa.PublicKey{N: N, E: int(E.Int64())}, nil
}
