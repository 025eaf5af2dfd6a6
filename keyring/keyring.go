// Package keyring keeps issuer signing keys encrypted at rest and hands out
// [keys.Signer] values for them.
//
// # Model
//
// One master key (32 random bytes, see [LoadMasterKey]) lives outside the
// database: in a file in the data folder, or in CAIRN_MASTER_KEY. Every issuer
// signing key is stored in the database only as a sealed blob: its private
// JWK encrypted with XChaCha20-Poly1305 under a key derived from the master
// key. A stolen database without the master key yields no private key.
//
// Each blob is bound to its row by associated data (aad): the caller passes
// the issuer key id (for instance the verification method id
// "did:web:example.org:issuers:42#key-1") when sealing and again when
// opening. A blob copied into another row, for another key id, fails to open,
// so an attacker with write access to the database cannot make issuer A sign
// with issuer B's key.
//
// # Sealed format (version 1)
//
//	offset  size  field
//	0       1     version, 0x01
//	1       8     master key id: SHA-256(master key)[:8]
//	9       24    XChaCha20-Poly1305 nonce (random)
//	33      n+16  ciphertext of the private JWK, with the Poly1305 tag
//
// The AEAD key is HKDF-SHA256(master key, info "cairn keyring v1 seal"). The
// AEAD's associated data is the 9-byte header followed by the caller's aad,
// so the version and master key id are authenticated too. The master key id
// lets a [Keyring] hold the previous master keys during a rotation
// ([Options.Previous]) and tell which blobs still need [Keyring.Reseal].
//
// # Rotating the master key without downtime
//
// A server's Keyring may be given [Options.Reload] (the server passes
// [LoadMasterKeys] over its key files). It calls it when it meets a blob
// sealed under a master key it does not hold, and before sealing, so a
// running server follows a rotation made by another process (cairn keys
// rotate-master): it opens the blobs re-sealed under the new key, and
// seals new keys under it, without a restart. See [LoadMasterKeys] for the
// files of a rotation in progress and why every step of it can be
// interrupted.
//
// # Signers
//
// [Keyring.NewSigner] opens a blob into a [keys.Signer]; handlers and jobs
// sign through it and never see key bytes (STYLE.md convention 6). Opened
// signers are cached by key id, up to [Options.CacheSize] of them, so issuing
// hundreds of awards a second does not decrypt and parse a key each time.
package keyring

import (
	"container/list"
	"crypto"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/cairn-badges/cairn/keys"
)

// Version1 is the first byte of blobs written by this package.
const Version1 = 0x01

const (
	headerSize = 1 + MasterKeyIDSize
	overhead   = headerSize + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead
	hkdfInfo   = "cairn keyring v1 seal"
)

// DefaultCacheSize is the number of opened signers a [Keyring] keeps when
// [Options.CacheSize] is zero.
const DefaultCacheSize = 1024

// Errors returned (wrapped) by [Keyring.Open] and [Keyring.NewSigner].
// Callers branch with [errors.Is].
var (
	// ErrMalformed: the blob is not a sealed key of a known version.
	ErrMalformed = errors.New("malformed sealed key")
	// ErrUnknownMasterKey: the blob was sealed under a master key this
	// Keyring does not hold (the wrong CAIRN_MASTER_KEY or key file).
	ErrUnknownMasterKey = errors.New("sealed under an unknown master key")
	// ErrAuthentication: the blob does not authenticate under the aad given:
	// it was altered, or belongs to another key id.
	ErrAuthentication = errors.New("sealed key does not authenticate (tampered, or bound to another key id)")
)

// Options tune a [Keyring]. The zero value is fine.
type Options struct {
	// CacheSize bounds the number of opened signers kept in memory; zero
	// means DefaultCacheSize, a negative value disables the cache.
	CacheSize int
	// Previous lists older master keys whose blobs can still be opened
	// during a master key rotation. New blobs are always sealed under the
	// current master key; Reseal moves old blobs over.
	Previous []*MasterKey
	// Reload, if set, gives the master keys afresh: the Keyring calls it
	// before each Seal and when a blob names a master key it does not hold,
	// and from then on seals under the current key it returned and opens
	// with all. An error leaves the keys as they were.
	Reload func() (MasterKeys, error)
}

// MasterKeys is a set of master keys: Current seals, Current and Previous
// open.
type MasterKeys struct {
	Current  *MasterKey
	Previous []*MasterKey
}

// Keyring seals and opens issuer signing keys under a master key. It is safe
// for concurrent use.
type Keyring struct {
	keys     atomic.Pointer[keySet]
	reload   func() (MasterKeys, error)
	reloadMu sync.Mutex // one reload at a time

	mu       sync.Mutex
	capacity int
	lru      *list.List // of *cacheEntry, most recently used first
	byID     map[string]*list.Element
}

// keySet is the AEADs of the master keys a Keyring holds, by id; current
// seals.
type keySet struct {
	current [MasterKeyIDSize]byte
	aeads   map[[MasterKeyIDSize]byte]cipher.AEAD
}

func newKeySet(master *MasterKey, previous []*MasterKey) (*keySet, error) {
	if master == nil {
		return nil, errors.New("keyring: nil master key")
	}
	ks := &keySet{current: master.id, aeads: make(map[[MasterKeyIDSize]byte]cipher.AEAD)}
	for _, mk := range append([]*MasterKey{master}, previous...) {
		if mk == nil {
			return nil, errors.New("keyring: nil previous master key")
		}
		if _, dup := ks.aeads[mk.id]; dup {
			continue
		}
		sub, err := hkdf.Key(sha256.New, mk.key[:], nil, hkdfInfo, chacha20poly1305.KeySize)
		if err != nil {
			return nil, fmt.Errorf("keyring: derive key: %w", err)
		}
		aead, err := chacha20poly1305.NewX(sub)
		if err != nil {
			return nil, fmt.Errorf("keyring: %w", err)
		}
		ks.aeads[mk.id] = aead
	}
	return ks, nil
}

type cacheEntry struct {
	keyID  string
	digest [sha256.Size]byte // SHA-256 of the sealed blob the signer came from
	signer *Signer
}

// New returns a Keyring that seals under master. opts may be nil.
func New(master *MasterKey, opts *Options) (*Keyring, error) {
	if master == nil {
		return nil, errors.New("keyring: nil master key")
	}
	if opts == nil {
		opts = &Options{}
	}
	ks, err := newKeySet(master, opts.Previous)
	if err != nil {
		return nil, err
	}
	kr := &Keyring{
		reload:   opts.Reload,
		capacity: opts.CacheSize,
		lru:      list.New(),
		byID:     make(map[string]*list.Element),
	}
	kr.keys.Store(ks)
	if kr.capacity == 0 {
		kr.capacity = DefaultCacheSize
	}
	return kr, nil
}

// Reload asks [Options.Reload] for the master keys and holds them from now
// on. Without Options.Reload it does nothing.
func (kr *Keyring) Reload() error {
	if kr.reload == nil {
		return nil
	}
	kr.reloadMu.Lock()
	defer kr.reloadMu.Unlock()
	mks, err := kr.reload()
	if err != nil {
		return fmt.Errorf("keyring: reloading the master keys: %w", err)
	}
	ks, err := newKeySet(mks.Current, mks.Previous)
	if err != nil {
		return err
	}
	kr.keys.Store(ks)
	return nil
}

// Current returns the id of the master key that seals.
func (kr *Keyring) Current() [MasterKeyIDSize]byte { return kr.keys.Load().current }

// Seal encrypts a private JWK under the current master key, bound to aad
// (the issuer key id: see the package documentation). Each call uses a fresh
// random nonce, so sealing the same key twice gives different blobs.
// An empty aad is refused: every blob must be bound to a key id.
func (kr *Keyring) Seal(plaintextJWK, aad []byte) ([]byte, error) {
	if len(aad) == 0 {
		return nil, errors.New("keyring: seal: aad (the issuer key id) is empty; every sealed key must be bound to its key id")
	}
	_ = kr.Reload() // on error, seal under the key held
	ks := kr.keys.Load()
	aead := ks.aeads[ks.current]
	out := make([]byte, headerSize+chacha20poly1305.NonceSizeX, overhead+len(plaintextJWK))
	out[0] = Version1
	copy(out[1:headerSize], ks.current[:])
	nonce := out[headerSize:]
	rand.Read(nonce) // never fails (crypto/rand, Go 1.24+)
	return aead.Seal(out, nonce, plaintextJWK, additionalData(out[:headerSize], aad)), nil
}

func additionalData(header, aad []byte) []byte {
	ad := make([]byte, 0, len(header)+len(aad))
	return append(append(ad, header...), aad...)
}

// Open decrypts a blob made by [Keyring.Seal] with the same aad, returning
// the private JWK. Errors wrap [ErrMalformed], [ErrUnknownMasterKey] or
// [ErrAuthentication].
//
// Open hands out private key bytes: it is for export, backup and migration
// tools only. Everything else signs through [Keyring.NewSigner].
func (kr *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < overhead {
		return nil, fmt.Errorf("keyring: %w: %d bytes, shorter than the %d-byte minimum", ErrMalformed, len(sealed), overhead)
	}
	if sealed[0] != Version1 {
		return nil, fmt.Errorf("keyring: %w: unknown version %d", ErrMalformed, sealed[0])
	}
	var id [MasterKeyIDSize]byte
	copy(id[:], sealed[1:headerSize])
	ks := kr.keys.Load()
	aead, ok := ks.aeads[id]
	if !ok && kr.reload != nil {
		// A rotation may have re-sealed the blob under a new master key.
		if err := kr.Reload(); err != nil {
			return nil, fmt.Errorf("keyring: %w: blob master key id %s: %w", ErrUnknownMasterKey, hex.EncodeToString(id[:]), err)
		}
		ks = kr.keys.Load()
		aead, ok = ks.aeads[id]
	}
	if !ok {
		return nil, fmt.Errorf("keyring: %w: blob master key id %s, keyring holds %s", ErrUnknownMasterKey,
			hex.EncodeToString(id[:]), hex.EncodeToString(ks.current[:]))
	}
	nonce := sealed[headerSize : headerSize+chacha20poly1305.NonceSizeX]
	ct := sealed[headerSize+chacha20poly1305.NonceSizeX:]
	pt, err := aead.Open(nil, nonce, ct, additionalData(sealed[:headerSize], aad))
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", ErrAuthentication)
	}
	return pt, nil
}

// NeedsReseal reports whether a blob was sealed under a master key other
// than the current one (or is not a version 1 blob).
func (kr *Keyring) NeedsReseal(sealed []byte) bool {
	return len(sealed) < headerSize || sealed[0] != Version1 ||
		[MasterKeyIDSize]byte(sealed[1:headerSize]) != kr.keys.Load().current
}

// Reseal opens a blob (possibly sealed under a previous master key) and
// seals it again under the current master key with the same aad, for master
// key rotation. The caller stores the result in place of the old blob.
func (kr *Keyring) Reseal(sealed, aad []byte) ([]byte, error) {
	pt, err := kr.Open(sealed, aad)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	return kr.Seal(pt, aad)
}

// Generate makes a new private key of type t and seals it bound to aad. It
// returns the sealed blob (for the database), the public JWK as JSON (for
// DID documents) and a signer, already cached under aad.
func (kr *Keyring) Generate(t keys.Type, aad []byte) (sealed, publicJWK []byte, signer keys.Signer, err error) {
	priv, err := keys.Generate(t)
	if err != nil {
		return nil, nil, nil, err
	}
	jwk, err := priv.MarshalJWK()
	if err != nil {
		return nil, nil, nil, err
	}
	sealed, err = kr.Seal(jwk, aad)
	clear(jwk)
	if err != nil {
		return nil, nil, nil, err
	}
	pub, err := keys.PublicJWK(priv.Public())
	if err != nil {
		return nil, nil, nil, err
	}
	publicJWK, err = json.Marshal(pub)
	if err != nil {
		return nil, nil, nil, err
	}
	s := &Signer{keyID: string(aad), priv: priv}
	kr.put(string(aad), sha256.Sum256(sealed), s)
	return sealed, publicJWK, s, nil
}

// NewSigner returns a signer for the key sealed in blob, which must have been
// sealed with aad, the issuer key id. The concrete type is *[Signer]: read
// its documentation before handing one out.
//
// Signers are cached by aad: a second call with the same aad and the same
// blob returns the cached signer without decrypting. A different blob under
// the same aad (after a key was replaced or resealed) is opened afresh and
// replaces the cached one.
func (kr *Keyring) NewSigner(sealed, aad []byte) (keys.Signer, error) {
	digest := sha256.Sum256(sealed)
	keyID := string(aad)
	if s := kr.get(keyID, digest); s != nil {
		return s, nil
	}
	pt, err := kr.Open(sealed, aad)
	if err != nil {
		return nil, err
	}
	priv, err := keys.ParsePrivateKey(pt)
	clear(pt)
	if err != nil {
		return nil, fmt.Errorf("keyring: sealed key %q: %w", keyID, err)
	}
	s := &Signer{keyID: keyID, priv: priv}
	kr.put(keyID, digest, s)
	return s, nil
}

func (kr *Keyring) get(keyID string, digest [sha256.Size]byte) *Signer {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	el, ok := kr.byID[keyID]
	if !ok {
		return nil
	}
	e := el.Value.(*cacheEntry)
	if e.digest != digest {
		return nil
	}
	kr.lru.MoveToFront(el)
	return e.signer
}

func (kr *Keyring) put(keyID string, digest [sha256.Size]byte, s *Signer) {
	if kr.capacity < 0 {
		return
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if el, ok := kr.byID[keyID]; ok {
		el.Value = &cacheEntry{keyID: keyID, digest: digest, signer: s}
		kr.lru.MoveToFront(el)
		return
	}
	kr.byID[keyID] = kr.lru.PushFront(&cacheEntry{keyID: keyID, digest: digest, signer: s})
	for kr.lru.Len() > kr.capacity {
		last := kr.lru.Back()
		kr.lru.Remove(last)
		delete(kr.byID, last.Value.(*cacheEntry).keyID)
	}
}

// Forget drops the cached signer for a key id, if any: call it when a key is
// retired, so its private key leaves memory once no caller holds the signer.
func (kr *Keyring) Forget(aad []byte) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if el, ok := kr.byID[string(aad)]; ok {
		kr.lru.Remove(el)
		delete(kr.byID, string(aad))
	}
}

// CacheLen reports how many signers are cached.
func (kr *Keyring) CacheLen() int {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	return kr.lru.Len()
}

// Signer is an issuer's private key, opened from its sealed blob, that signs
// without revealing the key. It implements [keys.Signer].
//
// A Signer is the issuer's authority. Whoever can make it sign chosen bytes
// can forge credentials in the issuer's name, so:
//
//   - Sign only bytes the caller built itself from a credential it decided to
//     issue (the proof and status packages' canonical forms, JWS signing
//     inputs). Never pass it bytes, hashes or "to be signed" data taken from
//     a request, and never expose it behind an API as a signing service.
//   - Use it for one issuer key id only, the one it was opened for
//     ([Signer.KeyID]); check that the credential's issuer and proof
//     verificationMethod name that key before signing.
//   - Do not keep it past the job or request that needed it, do not put it
//     in logs, contexts or templates; ask the [Keyring] again (it caches).
//
// It has no method that returns private key material, and its fields are
// unexported: there is no way around it short of the Keyring's Open.
type Signer struct {
	keyID string
	priv  *keys.PrivateKey
}

var _ keys.Signer = (*Signer)(nil)

// KeyID returns the key id (the aad) the signer was opened for.
func (s *Signer) KeyID() string { return s.keyID }

// Type reports the key type.
func (s *Signer) Type() keys.Type { return s.priv.Type() }

// Public returns the public key.
func (s *Signer) Public() crypto.PublicKey { return s.priv.Public() }

// Sign signs msg with the semantics of [keys.Signer.Sign]. It is safe for
// concurrent use.
func (s *Signer) Sign(msg []byte) ([]byte, error) { return s.priv.Sign(msg) }

// String names the signer by type and key id, never by key material.
func (s *Signer) String() string {
	return fmt.Sprintf("keyring.Signer(%s, %q)", s.priv.Type(), s.keyID)
}
