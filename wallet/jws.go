package wallet

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/keys"
)

// A DID is proven by a compact JWS (RFC 7515 §7.1) of the challenge: the
// header names the algorithm (EdDSA for Ed25519, ES256 for P-256) and,
// optionally, the key (kid: the DID or its verification method); the
// payload is the challenge text, byte for byte.

// MaxJWSLen bounds a DID proof.
const MaxJWSLen = 8 << 10

var b64u = base64.RawURLEncoding

// SignKeyJWS signs payload as a compact JWS with k, naming the did:key
// verification method of k's public key as kid: what a learner sends to
// prove a did:key DID (cairn learner did-proof does it).
func SignKeyJWS(k *keys.PrivateKey, payload []byte) (string, error) {
	alg := k.Type().JWSAlgorithm()
	if alg == "" || k.Type() == keys.RSA {
		return "", fmt.Errorf("a %s key has no did:key; use an Ed25519 or P-256 key", k.Type())
	}
	_, vm, err := did.KeyDID(k.Public())
	if err != nil {
		return "", err
	}
	h, _ := json.Marshal(map[string]string{"alg": alg, "kid": vm})
	input := b64u.EncodeToString(h) + "." + b64u.EncodeToString(payload)
	sig, err := k.Sign([]byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + b64u.EncodeToString(sig), nil
}

// VerifyKeyJWS checks a compact JWS against the key of the did:key DID d
// and returns its payload. The errors say what is wrong, for the learner.
func VerifyKeyJWS(d, jws string) ([]byte, error) {
	doc, err := did.ResolveKey(d)
	if err != nil {
		return nil, fmt.Errorf("the DID cannot be resolved: %v", err)
	}
	pub, err := doc.VerificationMethod[0].PublicKey()
	if err != nil {
		return nil, err
	}
	if len(jws) > MaxJWSLen {
		return nil, fmt.Errorf("is longer than %d bytes", MaxJWSLen)
	}
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return nil, errors.New("is not a compact JWS (header.payload.signature)")
	}
	hb, err := b64u.DecodeString(parts[0])
	if err != nil {
		return nil, errors.New("the JWS header is not base64url")
	}
	var h struct {
		Alg  string   `json:"alg"`
		Kid  string   `json:"kid"`
		Crit []string `json:"crit"`
		B64  *bool    `json:"b64"`
	}
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, errors.New("the JWS header is not a JSON object")
	}
	t, err := keys.TypeOf(pub)
	if err != nil {
		return nil, err
	}
	if h.Alg != t.JWSAlgorithm() {
		return nil, fmt.Errorf("the JWS alg is %q; the DID's %s key signs with %s", h.Alg, t, t.JWSAlgorithm())
	}
	if len(h.Crit) > 0 || h.B64 != nil {
		return nil, errors.New("the JWS header has crit or b64, which are not supported")
	}
	if h.Kid != "" && h.Kid != d && h.Kid != doc.VerificationMethod[0].ID {
		return nil, fmt.Errorf("the JWS kid %q is not the DID's key", h.Kid)
	}
	payload, err := b64u.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("the JWS payload is not base64url")
	}
	sig, err := b64u.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("the JWS signature is not base64url")
	}
	if err := keys.Verify(pub, []byte(parts[0]+"."+parts[1]), sig); err != nil {
		return nil, errors.New("the signature does not verify with the DID's key")
	}
	return payload, nil
}
