package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// TokenBytes is the number of random bytes in session tokens, CSRF tokens
// and API key secrets.
const TokenBytes = 32

// tokenLen is the length of a token in unpadded base64url.
var tokenLen = base64.RawURLEncoding.EncodedLen(TokenBytes) // 43

var b64url = base64.RawURLEncoding.Strict()

// NewToken returns a new random token: 32 bytes from crypto/rand in unpadded
// base64url (43 characters).
func NewToken() string {
	var b [TokenBytes]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return b64url.EncodeToString(b[:])
}

// TokenHash is the SHA-256 of a token: what the store keeps in place of a
// session token or API key.
type TokenHash [sha256.Size]byte

// HashToken returns the SHA-256 of token.
func HashToken(token string) TokenHash { return sha256.Sum256([]byte(token)) }

// Equal reports whether h and o are equal, in constant time.
func (h TokenHash) Equal(o TokenHash) bool { return subtle.ConstantTimeCompare(h[:], o[:]) == 1 }

// String returns h in hex.
func (h TokenHash) String() string { return hex.EncodeToString(h[:]) }

// ParseTokenHash converts 32 bytes read from the store back to a TokenHash.
func ParseTokenHash(b []byte) (TokenHash, error) {
	if len(b) != sha256.Size {
		return TokenHash{}, fmt.Errorf("auth: token hash is %d bytes, want %d", len(b), sha256.Size)
	}
	return TokenHash(b), nil
}

// validToken reports whether s looks like a token from NewToken.
func validToken(s string) bool {
	if len(s) != tokenLen {
		return false
	}
	// The decoder skips \r and \n: a token with one decodes short.
	b, err := b64url.DecodeString(s)
	return err == nil && b64url.EncodeToString(b) == s
}

// API key format: cairn_<prefix>_<secret>.
const (
	// APIKeyPrefix starts every API key, so that secret scanners and people
	// recognize one.
	APIKeyPrefix = "cairn_"
	// APIKeyLookupLen is the length of the lookup prefix.
	APIKeyLookupLen = 8
)

// apiKeyLen is the length of an API key: "cairn_" + 8 + "_" + 43.
var apiKeyLen = len(APIKeyPrefix) + APIKeyLookupLen + 1 + tokenLen

// lookupEncoding writes the lookup prefix: 5 random bytes are exactly 8
// characters of lowercase base32 (a–z, 2–7), 40 bits.
var lookupEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ErrMalformedAPIKey is returned (wrapped) by [ParseAPIKey] for a string that
// is not an API key.
var ErrMalformedAPIKey = errors.New("malformed API key")

// ErrAPIKeyMismatch is returned (wrapped) by [VerifyAPIKey] for a well-formed
// key that is not the stored one.
var ErrAPIKeyMismatch = errors.New("API key does not match")

// APIKey is what the store keeps of an API key: the lookup prefix in clear
// (indexed, unique; shown in the UI as cairn_<prefix>_…) and the SHA-256 of
// the whole key.
type APIKey struct {
	Prefix string
	Hash   TokenHash
}

// NewAPIKey makes a new API key. key is shown to the user once and never
// stored; stored goes to the store. The prefix has 40 random bits: it is
// unique in practice but not guaranteed, so the store keeps a unique index
// on it and the caller makes a new key on a conflict.
func NewAPIKey() (key string, stored APIKey) {
	var p [5]byte
	rand.Read(p[:]) // never fails (crypto/rand, Go 1.24+)
	prefix := lookupEncoding.EncodeToString(p[:])
	key = APIKeyPrefix + prefix + "_" + NewToken()
	return key, APIKey{Prefix: prefix, Hash: HashToken(key)}
}

// ParseAPIKey checks the form of a presented API key and returns its lookup
// prefix and hash, to find the stored key (by Prefix) and compare it
// ([VerifyAPIKey]). Errors wrap [ErrMalformedAPIKey] and say what is wrong,
// without echoing the secret.
func ParseAPIKey(key string) (APIKey, error) {
	rest, ok := strings.CutPrefix(key, APIKeyPrefix)
	if !ok {
		return APIKey{}, fmt.Errorf("auth: %w: does not start with %q", ErrMalformedAPIKey, APIKeyPrefix)
	}
	if len(key) != apiKeyLen {
		return APIKey{}, fmt.Errorf("auth: %w: %d characters long, want %d", ErrMalformedAPIKey, len(key), apiKeyLen)
	}
	prefix, secret := rest[:APIKeyLookupLen], rest[APIKeyLookupLen+1:]
	if rest[APIKeyLookupLen] != '_' {
		return APIKey{}, fmt.Errorf("auth: %w: want %s<8 characters>_<secret>", ErrMalformedAPIKey, APIKeyPrefix)
	}
	if b, err := lookupEncoding.DecodeString(prefix); err != nil || lookupEncoding.EncodeToString(b) != prefix {
		return APIKey{}, fmt.Errorf("auth: %w: prefix %q is not 8 characters of a–z and 2–7", ErrMalformedAPIKey, prefix)
	}
	if !validToken(secret) {
		return APIKey{}, fmt.Errorf("auth: %w: secret is not 43 characters of base64url", ErrMalformedAPIKey)
	}
	return APIKey{Prefix: prefix, Hash: HashToken(key)}, nil
}

// Matches reports, in constant time, whether a presented key (parsed by
// [ParseAPIKey]) is the stored one.
func (k APIKey) Matches(stored APIKey) bool {
	return k.Prefix == stored.Prefix && k.Hash.Equal(stored.Hash)
}

// VerifyAPIKey checks a presented key against the stored one: nil when they
// match, an error wrapping [ErrMalformedAPIKey] or [ErrAPIKeyMismatch]
// otherwise.
func VerifyAPIKey(presented string, stored APIKey) error {
	k, err := ParseAPIKey(presented)
	if err != nil {
		return err
	}
	if !k.Matches(stored) {
		return fmt.Errorf("auth: API key %s…: %w", APIKeyPrefix+k.Prefix, ErrAPIKeyMismatch)
	}
	return nil
}

// BearerToken returns the credentials of an "Authorization: Bearer …"
// header, or "" when there is none. The scheme is matched case-insensitively
// (RFC 9110 §11.1).
func BearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}
