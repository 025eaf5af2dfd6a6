package translog

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/mod/sumdb/note"
)

// cosignatureAlg is the signature type byte of Ed25519 cosignatures
// (https://c2sp.org/tlog-cosignature#format): it enters the key ID and
// the vkey encoding.
const cosignatureAlg = 0x04

// cosignatureHeader is the first line of the signed message
// (https://c2sp.org/tlog-cosignature#ed25519-signed-message): "The header
// line MUST be the fixed string cosignature/v1".
const cosignatureHeader = "cosignature/v1\n"

// Cosigner makes C2SP tlog-cosignature/v1 Ed25519 cosignatures: a
// witness's timestamped statement that a checkpoint is the largest
// consistent tree it has seen for the log. It is a [note.Signer], so
// note.Sign and [SignCheckpoint] accept it.
//
// A Cosigner signs whatever note text it is given: the witness must check
// the checkpoint's consistency with everything it cosigned before (that is
// the statement the signature makes) and must use a key for nothing else.
type Cosigner struct {
	name string
	hash uint32
	key  crypto.Signer
	now  func() time.Time
}

// NewCosigner returns a Cosigner named name (a schema-less URL such as
// "witness.example.org/w1") signing with key, whose public key must be an
// ed25519.PublicKey. now gives the cosignature timestamps; nil means
// time.Now.
func NewCosigner(name string, key crypto.Signer, now func() time.Time) (*Cosigner, error) {
	pub, ok := key.Public().(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("translog: cosigner key is %T, not Ed25519: %w", key.Public(), ErrInvalid)
	}
	if !isKeyName(name) {
		return nil, fmt.Errorf("translog: cosigner name %q is empty or has spaces or +: %w", name, ErrInvalid)
	}
	if now == nil {
		now = time.Now
	}
	return &Cosigner{name: name, hash: cosignerKeyHash(name, pub), key: key, now: now}, nil
}

// Name implements note.Signer.
func (c *Cosigner) Name() string { return c.name }

// KeyHash implements note.Signer: the key ID
// SHA-256(name || "\n" || 0x04 || public key)[:4].
func (c *Cosigner) KeyHash() uint32 { return c.hash }

// Sign implements note.Signer: it returns the timestamped_signature, an
// 8-byte big-endian POSIX timestamp and the Ed25519 signature of the
// cosigned message.
func (c *Cosigner) Sign(msg []byte) ([]byte, error) {
	ts := c.now().Unix()
	if ts < 0 {
		return nil, fmt.Errorf("translog: cosignature time %d is before 1970", ts)
	}
	sig, err := c.key.Sign(nil, cosignedMessage(uint64(ts), msg), crypto.Hash(0))
	if err != nil {
		return nil, err
	}
	return append(binary.BigEndian.AppendUint64(nil, uint64(ts)), sig...), nil
}

// cosignedMessage is the Ed25519 cosignature's signed message: header,
// timestamp line, then the note text.
func cosignedMessage(ts uint64, text []byte) []byte {
	b := make([]byte, 0, len(cosignatureHeader)+30+len(text))
	b = append(b, cosignatureHeader...)
	b = append(b, "time "...)
	b = strconv.AppendUint(b, ts, 10)
	b = append(b, '\n')
	return append(b, text...)
}

func cosignerKeyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', cosignatureAlg})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

func isKeyName(name string) bool {
	return name != "" && !strings.ContainsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || r == '+' || r < 0x20 })
}

// cosignatureVerifier verifies Ed25519 cosignatures.
type cosignatureVerifier struct {
	name string
	hash uint32
	pub  ed25519.PublicKey
}

func (v *cosignatureVerifier) Name() string    { return v.name }
func (v *cosignatureVerifier) KeyHash() uint32 { return v.hash }
func (v *cosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	ts := binary.BigEndian.Uint64(sig)
	if ts > 1<<63-1 { // "It MUST NOT exceed 2^63 - 1"
		return false
	}
	return ed25519.Verify(v.pub, cosignedMessage(ts, msg), sig[8:])
}

// NewCosignatureVerifier returns the note.Verifier of an Ed25519 cosigner
// from its vkey, "<name>+<hex key ID>+base64(0x04 || public key)"
// (https://c2sp.org/signed-note#verifier-keys), as printed by
// [GenerateCosignerKey]. Pass it to [OpenCheckpoint] to check witnesses'
// cosignatures.
func NewCosignatureVerifier(vkey string) (note.Verifier, error) {
	name, rest, ok1 := strings.Cut(vkey, "+")
	hexHash, b64, ok2 := strings.Cut(rest, "+")
	key, err := base64.StdEncoding.DecodeString(b64)
	h, err2 := strconv.ParseUint(hexHash, 16, 32)
	if !ok1 || !ok2 || err != nil || err2 != nil || len(hexHash) != 8 || !isKeyName(name) ||
		len(key) != 1+ed25519.PublicKeySize || key[0] != cosignatureAlg {
		return nil, fmt.Errorf("translog: malformed cosigner verifier key: %w", ErrInvalid)
	}
	v := &cosignatureVerifier{name: name, pub: ed25519.PublicKey(key[1:])}
	v.hash = cosignerKeyHash(name, v.pub)
	if uint32(h) != v.hash {
		return nil, fmt.Errorf("translog: cosigner verifier key %s: key ID does not match the key: %w", name, ErrInvalid)
	}
	return v, nil
}

// GenerateCosignerKey generates an Ed25519 cosigner key named name from
// rand (crypto/rand.Reader when nil). It returns the private key (keep it
// behind a [Cosigner]) and the vkey that clients configure.
func GenerateCosignerKey(rand io.Reader, name string) (ed25519.PrivateKey, string, error) {
	if !isKeyName(name) {
		return nil, "", fmt.Errorf("translog: cosigner name %q is empty or has spaces or +: %w", name, ErrInvalid)
	}
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, "", err
	}
	return priv, CosignerVerifierKey(name, pub), nil
}

// CosignerVerifierKey returns the vkey of the cosigner name with public
// key pub.
func CosignerVerifierKey(name string, pub ed25519.PublicKey) string {
	return fmt.Sprintf("%s+%08x+%s", name, cosignerKeyHash(name, pub),
		base64.StdEncoding.EncodeToString(append([]byte{cosignatureAlg}, pub...)))
}

// CosignatureTime returns the timestamp of a cosignature, such as one in
// the Sigs of the note returned by [OpenCheckpoint]. It does not verify it.
func CosignatureTime(s note.Signature) (time.Time, error) {
	b, err := base64.StdEncoding.DecodeString(s.Base64)
	if err != nil || len(b) != 4+8+ed25519.SignatureSize {
		return time.Time{}, errors.New("translog: not an Ed25519 cosignature")
	}
	ts := binary.BigEndian.Uint64(b[4:])
	if ts > 1<<63-1 {
		return time.Time{}, errors.New("translog: cosignature timestamp out of range")
	}
	return time.Unix(int64(ts), 0).UTC(), nil
}
