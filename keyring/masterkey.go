package keyring

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode"
)

// Names of the environment variables read by [LoadMasterKey].
const (
	// EnvMasterKey holds the master key itself, base64-encoded (standard or
	// URL alphabet, padded or not). Meant for containers whose secrets arrive
	// as environment variables.
	EnvMasterKey = "CAIRN_MASTER_KEY"
	// EnvMasterKeyFile names the master key file.
	EnvMasterKeyFile = "CAIRN_MASTER_KEY_FILE"
	// EnvMasterKeyPrevious holds earlier master keys, base64-encoded and
	// separated by commas or white space, that still open what they sealed
	// while a rotation re-seals it (with CAIRN_MASTER_KEY; a key file has
	// its own rotation files, see [LoadMasterKeys]).
	EnvMasterKeyPrevious = "CAIRN_MASTER_KEY_PREVIOUS"
)

// Suffixes of the files of a master key rotation in progress, beside the
// master key file (see [LoadMasterKeys]).
const (
	NextSuffix = ".next"
	OldSuffix  = ".old"
)

// MasterKeySize is the size of a master key in bytes.
const MasterKeySize = 32

// MasterKeyIDSize is the size of a master key id in bytes.
const MasterKeyIDSize = 8

// MasterKey is the 256-bit key that encrypts issuer signing keys at rest.
// It is never printed: its String method shows only its id.
type MasterKey struct {
	key [MasterKeySize]byte
	id  [MasterKeyIDSize]byte
}

// NewMasterKey makes a master key from exactly [MasterKeySize] bytes. The
// bytes are copied.
func NewMasterKey(b []byte) (*MasterKey, error) {
	if len(b) != MasterKeySize {
		return nil, fmt.Errorf("keyring: master key is %d bytes, want %d", len(b), MasterKeySize)
	}
	mk := &MasterKey{}
	copy(mk.key[:], b)
	sum := sha256.Sum256(mk.key[:])
	copy(mk.id[:], sum[:MasterKeyIDSize])
	return mk, nil
}

// GenerateMasterKey makes a new random master key.
func GenerateMasterKey() *MasterKey {
	var b [MasterKeySize]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	mk, _ := NewMasterKey(b[:])
	return mk
}

// ParseMasterKey decodes a base64-encoded master key, as found in
// [EnvMasterKey]. Surrounding white space is ignored; the standard and URL
// alphabets are accepted, with or without padding.
func ParseMasterKey(s string) (*MasterKey, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("keyring: master key is empty")
	}
	b, err := decodeBase64(s)
	if err != nil {
		return nil, errors.New("keyring: master key is not valid base64")
	}
	if len(b) != MasterKeySize {
		return nil, fmt.Errorf("keyring: master key decodes to %d bytes, want %d", len(b), MasterKeySize)
	}
	return NewMasterKey(b)
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.Strict().DecodeString(s)
	}
	return base64.RawStdEncoding.Strict().DecodeString(s)
}

// ID returns the master key id: the first 8 bytes of SHA-256 of the key,
// written in every sealed blob so that the key that sealed it can be found.
func (mk *MasterKey) ID() [MasterKeyIDSize]byte { return mk.id }

// String returns "master key " followed by the id in hex. It never shows the
// key.
func (mk *MasterKey) String() string { return "master key " + hex.EncodeToString(mk.id[:]) }

// LoadMasterKey finds the master key from the environment, through getenv
// (normally [os.Getenv]):
//
//   - if CAIRN_MASTER_KEY is set, it is the key, base64-encoded (32 bytes);
//     nothing is read or written on disk. Setting CAIRN_MASTER_KEY_FILE as
//     well is an error: one source of truth.
//   - otherwise, if CAIRN_MASTER_KEY_FILE is set, it names the key file,
//     loaded or created as [LoadOrCreateMasterKey] does.
//   - otherwise defaultPath is used the same way (the server passes
//     "master.key" in its data folder).
//
// Losing the master key loses every issuer signing key sealed under it:
// back it up apart from the database, and never beside it.
func LoadMasterKey(getenv func(string) string, defaultPath string) (*MasterKey, error) {
	val, file := getenv(EnvMasterKey), getenv(EnvMasterKeyFile)
	switch {
	case val != "" && file != "":
		return nil, fmt.Errorf("keyring: both %s and %s are set; set one", EnvMasterKey, EnvMasterKeyFile)
	case val != "":
		mk, err := ParseMasterKey(val)
		if err != nil {
			return nil, fmt.Errorf("%w (from %s)", err, EnvMasterKey)
		}
		return mk, nil
	case file != "":
		return LoadOrCreateMasterKey(file)
	case defaultPath != "":
		return LoadOrCreateMasterKey(defaultPath)
	}
	return nil, fmt.Errorf("keyring: no master key: set %s or %s", EnvMasterKey, EnvMasterKeyFile)
}

// LoadMasterKeys is [LoadMasterKey] with the keys of a rotation:
//
//   - with CAIRN_MASTER_KEY, the previous keys are those of
//     CAIRN_MASTER_KEY_PREVIOUS;
//   - with a key file PATH, PATH.next, if it exists, is the current key and
//     PATH a previous one, and PATH.old, if it exists, is a previous key too.
//
// cairn keys rotate-master writes PATH.next first, re-seals every blob
// under it, copies PATH to PATH.old, renames PATH.next to PATH, re-seals
// what a server sealed under the old key meanwhile, and removes PATH.old.
// Whatever step a crash interrupts, these rules load a current key that
// every server agrees on and every key a blob may be sealed under.
func LoadMasterKeys(getenv func(string) string, defaultPath string) (MasterKeys, error) {
	mk, err := LoadMasterKey(getenv, defaultPath)
	if err != nil {
		return MasterKeys{}, err
	}
	mks := MasterKeys{Current: mk}
	if getenv(EnvMasterKey) != "" {
		for _, f := range strings.FieldsFunc(getenv(EnvMasterKeyPrevious), func(r rune) bool {
			return r == ',' || unicode.IsSpace(r)
		}) {
			prev, err := ParseMasterKey(f)
			if err != nil {
				return MasterKeys{}, fmt.Errorf("%w (from %s)", err, EnvMasterKeyPrevious)
			}
			mks.Previous = append(mks.Previous, prev)
		}
		return mks, nil
	}
	path := MasterKeyPath(getenv, defaultPath)
	next, err := readMasterKeyFile(path + NextSuffix)
	switch {
	case err == nil:
		mks.Current, mks.Previous = next, append(mks.Previous, mk)
	case !errors.Is(err, fs.ErrNotExist):
		return MasterKeys{}, err
	}
	old, err := readMasterKeyFile(path + OldSuffix)
	switch {
	case err == nil:
		mks.Previous = append(mks.Previous, old)
	case !errors.Is(err, fs.ErrNotExist):
		return MasterKeys{}, err
	}
	return mks, nil
}

// MasterKeyPath returns the master key file [LoadMasterKey] uses, or ""
// when the key comes from CAIRN_MASTER_KEY.
func MasterKeyPath(getenv func(string) string, defaultPath string) string {
	switch {
	case getenv(EnvMasterKey) != "":
		return ""
	case getenv(EnvMasterKeyFile) != "":
		return getenv(EnvMasterKeyFile)
	}
	return defaultPath
}

// ReadMasterKeyFile reads a master key file, with the checks of
// [LoadOrCreateMasterKey]; it creates nothing. A missing file is an error
// wrapping [fs.ErrNotExist].
func ReadMasterKeyFile(path string) (*MasterKey, error) { return readMasterKeyFile(path) }

// CreateMasterKeyFile writes mk to a new file at path, mode 0600, synced
// to disk. It fails with an error wrapping [fs.ErrExist] if path exists:
// a key file is never overwritten.
func CreateMasterKeyFile(path string, mk *MasterKey) error { return createMasterKeyFile(path, mk) }

// LoadOrCreateMasterKey reads the master key file at path, or, when there is
// no file there, creates one with mode 0600 holding 32 new random bytes.
// The directory must exist.
//
// The file holds either the 32 raw bytes or their base64 encoding (so a
// container secret can be the same text as CAIRN_MASTER_KEY). A file any
// other user can read, write or execute (mode & 0007 != 0) is refused, as is
// a file of the wrong length: chmod 600 it (in Kubernetes, give the secret
// volume defaultMode 0400 or 0440).
//
// Two processes starting at once on an empty data folder agree on one key:
// the file is written aside and linked into place, never overwritten.
func LoadOrCreateMasterKey(path string) (*MasterKey, error) {
	mk, err := readMasterKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return mk, err
	}
	mk = GenerateMasterKey()
	if err := createMasterKeyFile(path, mk); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readMasterKeyFile(path) // another process won the race
		}
		return nil, err
	}
	return mk, nil
}

// maxMasterKeyFile bounds what is read from a master key file: the base64
// form with padding and a newline is well under it.
const maxMasterKeyFile = 128

func readMasterKeyFile(path string) (*MasterKey, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("keyring: master key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keyring: master key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("keyring: master key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o007 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("keyring: master key file %s has mode %04o, open to every user; run chmod 600 %s", path, perm, path)
	}
	buf, err := io.ReadAll(io.LimitReader(f, maxMasterKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("keyring: master key file %s: %w", path, err)
	}
	n := len(buf)
	if n == MasterKeySize {
		return NewMasterKey(buf)
	}
	if n > maxMasterKeyFile {
		return nil, fmt.Errorf("keyring: master key file %s is too long: want %d raw bytes or their base64 encoding", path, MasterKeySize)
	}
	mk, err := ParseMasterKey(string(buf))
	if err != nil {
		return nil, fmt.Errorf("keyring: master key file %s is %d bytes: want %d raw bytes or their base64 encoding", path, n, MasterKeySize)
	}
	return mk, nil
}

func createMasterKeyFile(path string, mk *MasterKey) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".master.key-*")
	if err != nil {
		return fmt.Errorf("keyring: create master key file: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("keyring: create master key file: %w", err)
	}
	if _, err := tmp.Write(mk.key[:]); err != nil {
		tmp.Close()
		return fmt.Errorf("keyring: write master key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("keyring: write master key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keyring: write master key file: %w", err)
	}
	// Link fails if path exists, so a key another process just created is
	// never replaced.
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("keyring: create master key file: %w", err)
	}
	syncDir(dir)
	return nil
}

// BeginRotation starts, or resumes, a rotation of the master key file at
// path: it writes the new key to path.next, unless that file exists (an
// interrupted rotation), in which case it returns the key found there and
// resumed true. newKey nil means a fresh random key. From then on
// [LoadMasterKeys] seals under the new key and opens with both.
func BeginRotation(path string, newKey *MasterKey) (next *MasterKey, resumed bool, err error) {
	if _, err := readMasterKeyFile(path); err != nil {
		return nil, false, err
	}
	next, err = readMasterKeyFile(path + NextSuffix)
	if err == nil {
		return next, true, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if newKey == nil {
		newKey = GenerateMasterKey()
	}
	if err := createMasterKeyFile(path+NextSuffix, newKey); err != nil {
		return nil, false, err
	}
	return newKey, false, nil
}

// CommitRotation makes path.next the master key file: it copies path to
// path.old (replacing an older one), then renames path.next over path.
// Call it once every blob is re-sealed under the new key; path.old still
// opens what a server sealed under the old key meanwhile.
func CommitRotation(path string) error {
	cur, err := readMasterKeyFile(path)
	if err != nil {
		return err
	}
	if _, err := readMasterKeyFile(path + NextSuffix); err != nil {
		return err
	}
	tmp := path + OldSuffix + ".tmp"
	os.Remove(tmp)
	if err := createMasterKeyFile(tmp, cur); err != nil {
		return err
	}
	if err := renameFile(tmp, path+OldSuffix); err != nil {
		return err
	}
	return renameFile(path+NextSuffix, path)
}

// EndRotation removes path.old, the previous master key, once no blob is
// sealed under it.
func EndRotation(path string) error {
	if err := os.Remove(path + OldSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("keyring: %w", err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// renameFile renames from to to, replacing it, and syncs the directory so
// the rename survives a crash.
func renameFile(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	syncDir(filepath.Dir(to))
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
