package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password policy bounds.
const (
	// MinPasswordLength is the minimum length of a new password, in
	// characters (NIST SP 800-63B asks for at least 8; Cairn asks for 10).
	MinPasswordLength = 10
	// MaxPasswordBytes is the maximum length of a password in bytes.
	MaxPasswordBytes = 1024
)

// ErrPasswordMismatch is returned (wrapped) when a password does not match
// its hash.
var ErrPasswordMismatch = errors.New("password does not match")

// FieldError reports bad input for one named field, for a 400 response that
// names the field and the reason.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// CheckPasswordPolicy reports whether password is acceptable as a new
// password: valid UTF-8, at least [MinPasswordLength] characters and at most
// [MaxPasswordBytes] bytes. Any character is allowed, spaces included, and no
// composition rules apply (NIST SP 800-63B §3.1.1.2). Failures are a
// [*FieldError] for the field "password".
func CheckPasswordPolicy(password string) error {
	switch {
	case !utf8.ValidString(password):
		return &FieldError{"password", "must be valid UTF-8 text"}
	case len(password) > MaxPasswordBytes:
		return &FieldError{"password", fmt.Sprintf("must be at most %d bytes long", MaxPasswordBytes)}
	case utf8.RuneCountInString(password) < MinPasswordLength:
		return &FieldError{"password", fmt.Sprintf("must be at least %d characters long", MinPasswordLength)}
	}
	return nil
}

// Argon2Params are argon2id parameters (RFC 9106).
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultArgon2Params are the parameters of new hashes: 64 MiB, one pass, two
// lanes, 16-byte salt, 32-byte hash. Measured on the reference 2-core server
// (AMD EPYC, Go 1.26, golang.org/x/crypto v0.58.0): one hash takes about
// 54 ms of wall time when the machine is idle (both cores busy, about 75 ms
// of CPU time); t=2 took 97 ms and t=3 132 ms. The memory cost is what makes
// GPU and ASIC guessing expensive. Re-measure with BenchmarkHashPassword
// when the hardware changes; [NeedsRehash] upgrades stored hashes at login.
var DefaultArgon2Params = Argon2Params{Memory: 64 * 1024, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}

// Bounds on parameters read from stored hashes, so a corrupt or hostile row
// cannot make Verify allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 16
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

// hashSlots bounds concurrent argon2 computations: each holds Memory KiB.
var hashSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

func acquire(ctx context.Context) error {
	select {
	case hashSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("auth: waiting to hash a password: %w", context.Cause(ctx))
	}
}

func release() { <-hashSlots }

// HashPassword hashes password with argon2id and [DefaultArgon2Params] and
// returns a PHC string:
//
//	$argon2id$v=19$m=65536,t=1,p=2$<salt>$<hash>
//
// with salt and hash in unpadded standard base64. It does not apply the
// password policy (call [CheckPasswordPolicy] first when setting a password)
// but refuses passwords over [MaxPasswordBytes]. It waits for a free hashing
// slot (at most GOMAXPROCS hashes run at once) unless ctx ends first.
func HashPassword(ctx context.Context, password string) (string, error) {
	return DefaultArgon2Params.Hash(ctx, password)
}

// Hash is [HashPassword] with parameters p.
func (p Argon2Params) Hash(ctx context.Context, password string) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", &FieldError{"password", fmt.Sprintf("must be at most %d bytes long", MaxPasswordBytes)}
	}
	if err := p.check(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	rand.Read(salt) // never fails (crypto/rand, Go 1.24+)
	if err := acquire(ctx); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	release()
	return p.encode(salt, key), nil
}

func (p Argon2Params) check() error {
	switch {
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("auth: argon2 memory %d KiB out of range", p.Memory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("auth: argon2 time %d out of range 1–%d", p.Time, maxTime)
	case p.Threads < 1:
		return errors.New("auth: argon2 needs at least one thread")
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("auth: argon2 salt length %d out of range %d–%d", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("auth: argon2 hash length %d out of range %d–%d", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

var b64 = base64.RawStdEncoding.Strict()

func (p Argon2Params) encode(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// errBadHash is wrapped by errors about malformed stored hashes.
var errBadHash = errors.New("auth: malformed argon2id hash")

// decodeHash parses a PHC argon2id string.
func decodeHash(encoded string) (p Argon2Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: want $argon2id$v=19$m=…,t=…,p=…$salt$hash", errBadHash)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: unsupported version %q", errBadHash, parts[2])
	}
	var vals [3]uint64 // m, t, p
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", errBadHash, parts[3])
	}
	for i, want := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(fields[i], want)
		if !ok {
			return p, nil, nil, fmt.Errorf("%w: parameters %q", errBadHash, parts[3])
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, fmt.Errorf("%w: parameter %q", errBadHash, fields[i])
		}
		vals[i] = n
	}
	m, t, threads := vals[0], vals[1], vals[2]
	if threads > 255 {
		return p, nil, nil, fmt.Errorf("%w: p=%d", errBadHash, threads)
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt is not base64", errBadHash)
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: hash is not base64", errBadHash)
	}
	p = Argon2Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(threads),
		SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	if err := p.check(); err != nil {
		return p, nil, nil, fmt.Errorf("%w: %v", errBadHash, err)
	}
	return p, salt, key, nil
}

// VerifyPassword checks password against a hash made by [HashPassword]. It
// returns nil on a match, an error wrapping [ErrPasswordMismatch] when the
// password is wrong, and another error when encoded is not a valid argon2id
// hash. The final comparison is constant-time.
func VerifyPassword(ctx context.Context, encoded, password string) error {
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return err
	}
	if len(password) > MaxPasswordBytes {
		return fmt.Errorf("auth: %w", ErrPasswordMismatch)
	}
	if err := acquire(ctx); err != nil {
		return err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	release()
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return fmt.Errorf("auth: %w", ErrPasswordMismatch)
	}
	return nil
}

// dummyHash is verified against by FakeVerifyPassword.
var dummyHash = DefaultArgon2Params.encode(make([]byte, 16), make([]byte, 32))

// FakeVerifyPassword does the work of [VerifyPassword] with the default
// parameters and always returns an error wrapping [ErrPasswordMismatch]. Call
// it when the account does not exist, so that a failed login takes as long,
// and answers the same, whether or not the account exists.
func FakeVerifyPassword(ctx context.Context, password string) error {
	if err := VerifyPassword(ctx, dummyHash, password); err != nil {
		return err
	}
	return fmt.Errorf("auth: %w", ErrPasswordMismatch)
}

// NeedsRehash reports whether a stored hash should be replaced, after a
// successful login, by a new [HashPassword] of the same password: because
// its parameters differ from [DefaultArgon2Params] or it cannot be parsed.
func NeedsRehash(encoded string) bool {
	p, _, _, err := decodeHash(encoded)
	return err != nil || p != DefaultArgon2Params
}
