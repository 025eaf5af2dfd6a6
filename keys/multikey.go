package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"errors"
	"fmt"
	"strings"

	"github.com/mr-tron/base58"
)

// Multicodec prefixes (unsigned varints) of the key formats handled here.
// See https://github.com/multiformats/multicodec/blob/master/table.csv.
var (
	prefixEd25519Pub  = []byte{0xed, 0x01} // ed25519-pub 0xed
	prefixP256Pub     = []byte{0x80, 0x24} // p256-pub 0x1200
	prefixEd25519Priv = []byte{0x80, 0x26} // ed25519-priv 0x1300
	prefixP256Priv    = []byte{0x86, 0x26} // p256-priv 0x1306
)

// maxMultibaseLen bounds multibase input before base58 decoding, whose cost
// grows with the square of the length. The longest value handled here (an
// Ed25519 secret key with its public half) is under 100 characters.
const maxMultibaseLen = 256

// EncodeMultikey encodes a public key as a Multikey publicKeyMultibase value
// (https://www.w3.org/TR/controller-document/#multikey): "z" + base58btc of
// the multicodec prefix and the key. Ed25519 keys give "z6Mk…" (0xed01 + 32
// bytes); P-256 keys give "zDn…" (0x8024 + 33-byte compressed point). Other
// key types (RSA) have no Multikey form here and yield an error.
func EncodeMultikey(pub crypto.PublicKey) (string, error) {
	switch pub := pub.(type) {
	case ed25519.PublicKey:
		if len(pub) != ed25519.PublicKeySize {
			return "", fmt.Errorf("keys: Ed25519 public key is %d bytes, want 32", len(pub))
		}
		return "z" + base58.Encode(append(bytes.Clone(prefixEd25519Pub), pub...)), nil
	case *ecdsa.PublicKey:
		c, err := compressP256(pub)
		if err != nil {
			return "", err
		}
		return "z" + base58.Encode(append(bytes.Clone(prefixP256Pub), c...)), nil
	}
	return "", fmt.Errorf("keys: no Multikey encoding for public key type %T", pub)
}

// DecodeMultikey decodes a Multikey publicKeyMultibase value made by
// [EncodeMultikey]: an Ed25519 key (ed25519.PublicKey) or a P-256 key
// (*ecdsa.PublicKey). It checks the multibase prefix, the base58btc alphabet,
// the multicodec prefix, the key length and that a P-256 point is on the
// curve, and says which check failed.
func DecodeMultikey(s string) (crypto.PublicKey, error) {
	raw, err := decodeMultibase(s)
	if err != nil {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(raw, prefixEd25519Pub):
		k := raw[len(prefixEd25519Pub):]
		if len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("keys: multikey: Ed25519 public key is %d bytes, want 32", len(k))
		}
		return ed25519.PublicKey(bytes.Clone(k)), nil
	case bytes.HasPrefix(raw, prefixP256Pub):
		k := raw[len(prefixP256Pub):]
		if len(k) != 33 {
			return nil, fmt.Errorf("keys: multikey: P-256 public key is %d bytes, want 33 (compressed point)", len(k))
		}
		return decompressP256(k)
	case bytes.HasPrefix(raw, prefixEd25519Priv), bytes.HasPrefix(raw, prefixP256Priv):
		return nil, errors.New("keys: multikey: this is a secret key, not a public key")
	}
	// A truncated or extended key changes every base58 digit, so the prefix
	// no longer decodes; the characters still show what was meant.
	switch {
	case strings.HasPrefix(s, "z6Mk") && len(s) != ed25519MultikeyLen:
		return nil, fmt.Errorf("keys: multikey: Ed25519 Multikey (z6Mk…) has %d characters, want %d (truncated or extended?)", len(s), ed25519MultikeyLen)
	case strings.HasPrefix(s, "zDn") && len(s) != p256MultikeyLen:
		return nil, fmt.Errorf("keys: multikey: P-256 Multikey (zDn…) has %d characters, want %d (truncated or extended?)", len(s), p256MultikeyLen)
	}
	return nil, fmt.Errorf("keys: multikey: unsupported multicodec prefix %s (want Ed25519 0xed01 or P-256 0x8024)", hexPrefix(raw))
}

// Lengths of the Multikey strings of Ed25519 and P-256 public keys.
const (
	ed25519MultikeyLen = 48
	p256MultikeyLen    = 49
)

// DecodeBase58Ed25519 decodes a publicKeyBase58 value of an
// Ed25519VerificationKey2018 verification method: the 32-byte key in base58btc
// without multibase or multicodec prefix.
func DecodeBase58Ed25519(s string) (ed25519.PublicKey, error) {
	if len(s) > maxMultibaseLen {
		return nil, fmt.Errorf("keys: publicKeyBase58 is %d characters, too long", len(s))
	}
	raw, err := base58.Decode(s)
	if err != nil || s == "" {
		return nil, errors.New("keys: publicKeyBase58: not valid base58btc")
	}
	if len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("keys: publicKeyBase58: Ed25519 public key is %d bytes, want 32", len(raw))
	}
	return ed25519.PublicKey(raw), nil
}

// decodeSecretMultibase decodes a Multikey secretKeyMultibase value: an
// Ed25519 seed (0x8026 + 32 bytes, or + 64 bytes seed‖public as 1EdTech and
// Digital Bazaar write it, in which case the public half must match) or a
// P-256 scalar (0x8626 + 32 bytes).
func decodeSecretMultibase(s string) (*PrivateKey, error) {
	raw, err := decodeMultibase(s)
	if err != nil {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(raw, prefixEd25519Priv):
		k := raw[len(prefixEd25519Priv):]
		switch len(k) {
		case ed25519.SeedSize:
			return &PrivateKey{typ: Ed25519, ed: ed25519.NewKeyFromSeed(k)}, nil
		case ed25519.PrivateKeySize:
			priv := ed25519.NewKeyFromSeed(k[:ed25519.SeedSize])
			if !bytes.Equal(priv[ed25519.SeedSize:], k[ed25519.SeedSize:]) {
				return nil, errors.New("keys: secret multikey: Ed25519 public half does not match the seed")
			}
			return &PrivateKey{typ: Ed25519, ed: priv}, nil
		}
		return nil, fmt.Errorf("keys: secret multikey: Ed25519 secret key is %d bytes, want 32 (seed) or 64 (seed and public key)", len(k))
	case bytes.HasPrefix(raw, prefixP256Priv):
		k := raw[len(prefixP256Priv):]
		if len(k) != 32 {
			return nil, fmt.Errorf("keys: secret multikey: P-256 secret key is %d bytes, want 32", len(k))
		}
		ec, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), k)
		if err != nil {
			return nil, fmt.Errorf("keys: secret multikey: invalid P-256 secret key: %v", err)
		}
		return &PrivateKey{typ: P256, ec: ec}, nil
	case bytes.HasPrefix(raw, prefixEd25519Pub), bytes.HasPrefix(raw, prefixP256Pub):
		return nil, errors.New("keys: secret multikey: this is a public key, not a secret key")
	}
	return nil, fmt.Errorf("keys: secret multikey: unsupported multicodec prefix %s (want Ed25519 0x8026 or P-256 0x8626)", hexPrefix(raw))
}

// decodeMultibase decodes a base58btc multibase string ("z…").
func decodeMultibase(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("keys: multikey: empty string")
	}
	if s[0] != 'z' {
		return nil, fmt.Errorf("keys: multikey: multibase prefix %q not supported (want 'z', base58btc)", s[0])
	}
	if len(s) > maxMultibaseLen {
		return nil, fmt.Errorf("keys: multikey: %d characters, too long", len(s))
	}
	raw, err := base58.Decode(s[1:])
	if err != nil || len(s) == 1 {
		return nil, errors.New("keys: multikey: not valid base58btc after the 'z' prefix")
	}
	return raw, nil
}

func hexPrefix(raw []byte) string {
	if len(raw) > 2 {
		raw = raw[:2]
	}
	return fmt.Sprintf("0x%x", raw)
}

// compressP256 returns the 33-byte SEC 1 compressed form of a P-256 point.
func compressP256(pub *ecdsa.PublicKey) ([]byte, error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil, errors.New("keys: unsupported ECDSA curve (want P-256)")
	}
	u, err := pub.Bytes() // 0x04 ‖ X ‖ Y
	if err != nil {
		return nil, fmt.Errorf("keys: invalid P-256 public key: %v", err)
	}
	c := make([]byte, 33)
	c[0] = 0x02 | u[64]&1
	copy(c[1:], u[1:33])
	return c, nil
}

// decompressP256 parses a 33-byte SEC 1 compressed P-256 point.
func decompressP256(c []byte) (*ecdsa.PublicKey, error) {
	x, y := elliptic.UnmarshalCompressed(elliptic.P256(), c)
	if x == nil {
		return nil, errors.New("keys: P-256 public key: not a valid compressed point on the curve")
	}
	u := make([]byte, 65)
	u[0] = 4
	x.FillBytes(u[1:33])
	y.FillBytes(u[33:])
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), u)
	if err != nil {
		return nil, fmt.Errorf("keys: P-256 public key: %v", err)
	}
	return pub, nil
}
