// Package keys holds Cairn's signing keys behind the [Signer] interface.
//
// Three key types are supported: Ed25519 (for eddsa-rdfc-2022 Data Integrity
// proofs and EdDSA JWS), P-256 (ES256 JWS, ecdsa-rdfc-2019) and RSA (RS256 JWS,
// the Open Badges 3.0 VC-JWT interoperability minimum).
//
// A key is stored on disk as a private JSON Web Key (RFC 7517, RFC 7518 §6,
// RFC 8037 for Ed25519 where "d" is the 32-byte seed). [ParsePrivateKey] also
// reads the key files of the vc-verify test tool (with "privateKeyJwk" or a
// Multikey "secretKeyMultibase") and bare multibase secret keys.
//
// Public keys travel as Multikey strings ([EncodeMultikey], [DecodeMultikey];
// https://www.w3.org/TR/controller-document/#multikey) or public JWKs
// ([PublicJWK], [ParsePublicJWK]).
//
// Code outside this package must not reach for private key bytes: it signs
// through [Signer] and only ever sees public keys.
package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
)

// Type names a key type.
type Type string

// The supported key types.
const (
	Ed25519 Type = "ed25519"
	P256    Type = "p256"
	RSA     Type = "rsa"
)

// RSA key sizes accepted by [GenerateRSA] and [ParsePrivateKey].
const (
	DefaultRSABits = 2048
	MinRSABits     = 2048
	MaxRSABits     = 4096
)

// JWSAlgorithm returns the JOSE "alg" value that matches the semantics of
// [Signer.Sign] for keys of type t: "EdDSA", "ES256" or "RS256", or "" for an
// unknown type.
func (t Type) JWSAlgorithm() string {
	switch t {
	case Ed25519:
		return "EdDSA"
	case P256:
		return "ES256"
	case RSA:
		return "RS256"
	}
	return ""
}

// ParseType parses a key type name as accepted on command lines: "ed25519",
// "p256" (also "p-256", "es256") or "rsa" (also "rs256").
func ParseType(s string) (Type, error) {
	switch s {
	case "ed25519", "Ed25519", "eddsa", "EdDSA":
		return Ed25519, nil
	case "p256", "p-256", "P-256", "P256", "es256", "ES256":
		return P256, nil
	case "rsa", "RSA", "rs256", "RS256":
		return RSA, nil
	}
	return "", fmt.Errorf("keys: unknown key type %q (want ed25519, p256 or rsa)", s)
}

// Signer signs with a private key it never reveals.
type Signer interface {
	// Type reports the key type.
	Type() Type
	// Public returns the public key: ed25519.PublicKey, *ecdsa.PublicKey or
	// *rsa.PublicKey.
	Public() crypto.PublicKey
	// Sign signs msg: Ed25519 over msg itself; P-256 ECDSA over SHA-256(msg)
	// returning 64-byte r||s; RSA PKCS#1 v1.5 over SHA-256(msg).
	// These are the JOSE EdDSA, ES256 and RS256 signature formats.
	Sign(msg []byte) ([]byte, error)
}

// PrivateKey is a private key of one of the supported types. It implements
// [Signer]. The zero value is not usable; make one with [Generate],
// [ParsePrivateKey] or [LoadFile].
type PrivateKey struct {
	typ Type
	ed  ed25519.PrivateKey
	ec  *ecdsa.PrivateKey
	rsa *rsa.PrivateKey
}

var _ Signer = (*PrivateKey)(nil)

// Generate makes a new random key of type t. RSA keys have [DefaultRSABits]
// bits.
func Generate(t Type) (*PrivateKey, error) {
	switch t {
	case Ed25519:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("keys: generate Ed25519: %w", err)
		}
		return &PrivateKey{typ: Ed25519, ed: priv}, nil
	case P256:
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("keys: generate P-256: %w", err)
		}
		return &PrivateKey{typ: P256, ec: priv}, nil
	case RSA:
		return GenerateRSA(DefaultRSABits)
	}
	return nil, fmt.Errorf("keys: unknown key type %q", t)
}

// GenerateRSA makes a new random RSA key of the given size, which must lie
// between [MinRSABits] and [MaxRSABits].
func GenerateRSA(bits int) (*PrivateKey, error) {
	if bits < MinRSABits || bits > MaxRSABits {
		return nil, fmt.Errorf("keys: RSA key size %d out of range %d–%d", bits, MinRSABits, MaxRSABits)
	}
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("keys: generate RSA: %w", err)
	}
	return &PrivateKey{typ: RSA, rsa: priv}, nil
}

// Type reports the key type.
func (k *PrivateKey) Type() Type { return k.typ }

// Public returns the public key: ed25519.PublicKey, *ecdsa.PublicKey or
// *rsa.PublicKey.
func (k *PrivateKey) Public() crypto.PublicKey {
	switch k.typ {
	case Ed25519:
		return k.ed.Public()
	case P256:
		return &k.ec.PublicKey
	case RSA:
		return &k.rsa.PublicKey
	}
	return nil
}

// Sign signs msg as described for [Signer.Sign].
func (k *PrivateKey) Sign(msg []byte) ([]byte, error) {
	switch k.typ {
	case Ed25519:
		return ed25519.Sign(k.ed, msg), nil
	case P256:
		h := sha256.Sum256(msg)
		r, s, err := ecdsa.Sign(rand.Reader, k.ec, h[:])
		if err != nil {
			return nil, fmt.Errorf("keys: P-256 sign: %w", err)
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return sig, nil
	case RSA:
		h := sha256.Sum256(msg)
		sig, err := rsa.SignPKCS1v15(rand.Reader, k.rsa, crypto.SHA256, h[:])
		if err != nil {
			return nil, fmt.Errorf("keys: RSA sign: %w", err)
		}
		return sig, nil
	}
	return nil, errors.New("keys: uninitialized private key")
}

// ErrBadSignature is returned (wrapped) by [Verify] when a signature does not
// verify.
var ErrBadSignature = errors.New("signature does not verify")

// Verify checks sig over msg with the semantics of [Signer.Sign] for the type
// of pub (ed25519.PublicKey, *ecdsa.PublicKey on P-256, *rsa.PublicKey). A
// signature that does not verify yields an error wrapping [ErrBadSignature].
func Verify(pub crypto.PublicKey, msg, sig []byte) error {
	switch pub := pub.(type) {
	case ed25519.PublicKey:
		if len(pub) != ed25519.PublicKeySize {
			return fmt.Errorf("keys: Ed25519 public key is %d bytes, want 32", len(pub))
		}
		if len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, msg, sig) {
			return fmt.Errorf("keys: Ed25519: %w", ErrBadSignature)
		}
		return nil
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() {
			return errors.New("keys: unsupported ECDSA curve (want P-256)")
		}
		if len(sig) != 64 {
			return fmt.Errorf("keys: P-256 signature is %d bytes, want 64 (r||s): %w", len(sig), ErrBadSignature)
		}
		h := sha256.Sum256(msg)
		r := new(big.Int).SetBytes(sig[:32])
		s := new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(pub, h[:], r, s) {
			return fmt.Errorf("keys: P-256: %w", ErrBadSignature)
		}
		return nil
	case *rsa.PublicKey:
		h := sha256.Sum256(msg)
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig); err != nil {
			return fmt.Errorf("keys: RSA: %w", ErrBadSignature)
		}
		return nil
	}
	return fmt.Errorf("keys: unsupported public key type %T", pub)
}

// TypeOf reports the key type of a public key.
func TypeOf(pub crypto.PublicKey) (Type, error) {
	switch pub := pub.(type) {
	case ed25519.PublicKey:
		if len(pub) == ed25519.PublicKeySize {
			return Ed25519, nil
		}
		return "", fmt.Errorf("keys: Ed25519 public key is %d bytes, want 32", len(pub))
	case *ecdsa.PublicKey:
		if pub.Curve == elliptic.P256() {
			return P256, nil
		}
		return "", errors.New("keys: unsupported ECDSA curve (want P-256)")
	case *rsa.PublicKey:
		return RSA, nil
	}
	return "", fmt.Errorf("keys: unsupported public key type %T", pub)
}
