package keyring

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-badges/cairn/keys"
)

func testKeyring(t testing.TB, opts *Options) (*Keyring, *MasterKey) {
	t.Helper()
	mk := GenerateMasterKey()
	kr, err := New(mk, opts)
	if err != nil {
		t.Fatal(err)
	}
	return kr, mk
}

func TestSealOpenRoundTrip(t *testing.T) {
	kr, mk := testKeyring(t, nil)
	for _, pt := range [][]byte{nil, []byte("{}"), bytes.Repeat([]byte("k"), 5000)} {
		aad := []byte("did:web:example.org:issuers:1#key-1")
		sealed, err := kr.Seal(pt, aad)
		if err != nil {
			t.Fatal(err)
		}
		if len(sealed) != overhead+len(pt) {
			t.Errorf("sealed length %d, want %d", len(sealed), overhead+len(pt))
		}
		if sealed[0] != Version1 {
			t.Errorf("version byte %#x", sealed[0])
		}
		if id := mk.ID(); !bytes.Equal(sealed[1:9], id[:]) {
			t.Errorf("master key id %x, want %x", sealed[1:9], id)
		}
		if len(pt) > 8 && bytes.Contains(sealed, pt[:8]) {
			t.Error("plaintext visible in sealed blob")
		}
		got, err := kr.Open(sealed, aad)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pt) {
			t.Errorf("Open = %q, want %q", got, pt)
		}
		again, _ := kr.Seal(pt, aad)
		if bytes.Equal(again, sealed) {
			t.Error("two seals of the same plaintext are identical (nonce reuse?)")
		}
	}
}

func TestOpenFailures(t *testing.T) {
	kr, _ := testKeyring(t, nil)
	other, _ := testKeyring(t, nil)
	aad := []byte("issuer-key-1")
	sealed, _ := kr.Seal([]byte(`{"kty":"OKP"}`), aad)

	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 1
		return b
	}
	tests := []struct {
		name   string
		kr     *Keyring
		sealed []byte
		aad    []byte
		want   error
	}{
		{"wrong aad", kr, sealed, []byte("issuer-key-2"), ErrAuthentication},
		{"empty aad", kr, sealed, nil, ErrAuthentication},
		{"aad prefix", kr, sealed, aad[:len(aad)-1], ErrAuthentication},
		{"wrong master key", other, sealed, aad, ErrUnknownMasterKey},
		{"tampered ciphertext", kr, flip(len(sealed) - 20), aad, ErrAuthentication},
		{"tampered tag", kr, flip(len(sealed) - 1), aad, ErrAuthentication},
		{"tampered nonce", kr, flip(headerSize + 3), aad, ErrAuthentication},
		{"tampered key id", kr, flip(2), aad, ErrUnknownMasterKey},
		{"unknown version", kr, flip(0), aad, ErrMalformed},
		{"truncated", kr, sealed[:overhead-1], aad, ErrMalformed},
		{"empty", kr, nil, aad, ErrMalformed},
		{"extended", kr, append(bytes.Clone(sealed), 0), aad, ErrAuthentication},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := tt.kr.Open(tt.sealed, tt.aad)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open error = %v, want %v", err, tt.want)
			}
			if pt != nil {
				t.Errorf("Open returned plaintext %q with an error", pt)
			}
			if _, err := tt.kr.NewSigner(tt.sealed, tt.aad); !errors.Is(err, tt.want) {
				t.Errorf("NewSigner error = %v, want %v", err, tt.want)
			}
		})
	}
}

// A forged blob whose master key id is right but which was sealed under
// another key (same id bytes copied in) must not open.
func TestOpenWrongKeySameID(t *testing.T) {
	kr, _ := testKeyring(t, nil)
	other, _ := testKeyring(t, nil)
	aad := []byte("k")
	sealed, _ := other.Seal([]byte("secret"), aad)
	cur := kr.Current()
	copy(sealed[1:headerSize], cur[:])
	if _, err := kr.Open(sealed, aad); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("Open = %v, want ErrAuthentication", err)
	}
}

func TestGenerateAndSign(t *testing.T) {
	kr, mk := testKeyring(t, nil)
	for _, typ := range []keys.Type{keys.Ed25519, keys.P256, keys.RSA} {
		t.Run(string(typ), func(t *testing.T) {
			aad := []byte("did:web:example.org#" + string(typ))
			sealed, pubJWK, signer, err := kr.Generate(typ, aad)
			if err != nil {
				t.Fatal(err)
			}
			if signer.Type() != typ {
				t.Errorf("Type = %s", signer.Type())
			}
			var m map[string]any
			if err := json.Unmarshal(pubJWK, &m); err != nil {
				t.Fatal(err)
			}
			if _, ok := m["d"]; ok {
				t.Fatal("public JWK carries d")
			}
			pub, err := keys.ParsePublicJWK(m)
			if err != nil {
				t.Fatal(err)
			}
			msg := []byte("credential bytes")
			sig, err := signer.Sign(msg)
			if err != nil {
				t.Fatal(err)
			}
			if err := keys.Verify(pub, msg, sig); err != nil {
				t.Fatalf("signature from Generate's signer: %v", err)
			}

			// A fresh keyring (no cache) with the same master key opens it.
			kr2, err := New(mk, nil)
			if err != nil {
				t.Fatal(err)
			}
			s2, err := kr2.NewSigner(sealed, aad)
			if err != nil {
				t.Fatal(err)
			}
			sig, _ = s2.Sign(msg)
			if err := keys.Verify(pub, msg, sig); err != nil {
				t.Fatalf("signature from NewSigner: %v", err)
			}
			if s2.(*Signer).KeyID() != string(aad) {
				t.Errorf("KeyID = %q", s2.(*Signer).KeyID())
			}
			if str := fmt.Sprint(s2); strings.Contains(str, "d\":") || !strings.Contains(str, string(aad)) {
				t.Errorf("String = %q", str)
			}
		})
	}
}

func TestSignerCache(t *testing.T) {
	kr, _ := testKeyring(t, &Options{CacheSize: 3})
	var blobs [][]byte
	for i := range 5 {
		priv, _ := keys.Generate(keys.Ed25519)
		jwk, _ := priv.MarshalJWK()
		sealed, _ := kr.Seal(jwk, fmt.Appendf(nil, "key-%d", i))
		blobs = append(blobs, sealed)
	}
	first, err := kr.NewSigner(blobs[0], []byte("key-0"))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := kr.NewSigner(blobs[0], []byte("key-0"))
	if first != again {
		t.Error("second NewSigner for the same blob and key id was not served from the cache")
	}
	for i := 1; i < 5; i++ {
		if _, err := kr.NewSigner(blobs[i], fmt.Appendf(nil, "key-%d", i)); err != nil {
			t.Fatal(err)
		}
		if n := kr.CacheLen(); n > 3 {
			t.Fatalf("cache holds %d signers, bound is 3", n)
		}
	}
	if n := kr.CacheLen(); n != 3 {
		t.Errorf("cache holds %d signers, want 3", n)
	}
	// key-0 was evicted (least recently used): a new signer is opened.
	if s, _ := kr.NewSigner(blobs[0], []byte("key-0")); s == first {
		t.Error("evicted signer still served")
	}
	// A cache hit still requires the right aad: the blob of key-4 under
	// key id key-0 must not be served the cached key-0 signer.
	if _, err := kr.NewSigner(blobs[4], []byte("key-0")); !errors.Is(err, ErrAuthentication) {
		t.Errorf("blob of key-4 under key id key-0: %v, want ErrAuthentication", err)
	}
	// A replaced blob under the same key id is opened afresh.
	priv, _ := keys.Generate(keys.Ed25519)
	jwk, _ := priv.MarshalJWK()
	replaced, _ := kr.Seal(jwk, []byte("key-0"))
	s, err := kr.NewSigner(replaced, []byte("key-0"))
	if err != nil {
		t.Fatal(err)
	}
	if !priv.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(s.Public()) {
		t.Error("replaced blob under a cached key id returned the old key")
	}
	kr.Forget([]byte("key-0"))
	if s2, _ := kr.NewSigner(replaced, []byte("key-0")); s2 == s {
		t.Error("Forget did not drop the cached signer")
	}

	if _, err := kr.Seal(jwk, nil); err == nil {
		t.Error("Seal accepted an empty aad")
	}
	if _, _, _, err := kr.Generate(keys.Ed25519, nil); err == nil {
		t.Error("Generate accepted an empty aad")
	}

	off, _ := testKeyring(t, &Options{CacheSize: -1})
	sealed, _, _, _ := off.Generate(keys.Ed25519, []byte("x"))
	off.NewSigner(sealed, []byte("x"))
	if n := off.CacheLen(); n != 0 {
		t.Errorf("disabled cache holds %d", n)
	}
}

func TestRotation(t *testing.T) {
	oldKR, oldMK := testKeyring(t, nil)
	aad := []byte("key-1")
	sealed, pub, _, err := oldKR.Generate(keys.Ed25519, aad)
	if err != nil {
		t.Fatal(err)
	}
	newMK := GenerateMasterKey()
	kr, err := New(newMK, &Options{Previous: []*MasterKey{oldMK}})
	if err != nil {
		t.Fatal(err)
	}
	if !kr.NeedsReseal(sealed) {
		t.Error("blob under the previous master key does not need resealing")
	}
	resealed, err := kr.Reseal(sealed, aad)
	if err != nil {
		t.Fatal(err)
	}
	if kr.NeedsReseal(resealed) {
		t.Error("resealed blob still needs resealing")
	}
	newOnly, _ := New(newMK, nil)
	s, err := newOnly.NewSigner(resealed, aad)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(pub, &m)
	want, _ := keys.ParsePublicJWK(m)
	if !want.(interface{ Equal(crypto.PublicKey) bool }).Equal(s.Public()) {
		t.Error("resealed key differs")
	}
	if _, err := newOnly.Open(sealed, aad); !errors.Is(err, ErrUnknownMasterKey) {
		t.Errorf("old blob without the previous key: %v", err)
	}
	if _, err := kr.Reseal(sealed, []byte("key-2")); !errors.Is(err, ErrAuthentication) {
		t.Errorf("Reseal with wrong aad: %v", err)
	}
}

func TestConcurrentSigners(t *testing.T) {
	kr, _ := testKeyring(t, &Options{CacheSize: 4})
	const nkeys = 8
	blobs := make([][]byte, nkeys)
	pubs := make([]any, nkeys)
	for i := range nkeys {
		sealed, _, s, err := kr.Generate(keys.Ed25519, fmt.Appendf(nil, "key-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		blobs[i], pubs[i] = sealed, s.Public()
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Go(func() {
			for j := range 100 {
				i := (g + j) % nkeys
				s, err := kr.NewSigner(blobs[i], fmt.Appendf(nil, "key-%d", i))
				if err != nil {
					errs <- err
					return
				}
				msg := fmt.Appendf(nil, "msg %d %d", g, j)
				sig, _ := s.Sign(msg)
				if err := keys.Verify(pubs[i], msg, sig); err != nil {
					errs <- fmt.Errorf("key %d: %w", i, err)
					return
				}
				if j%25 == 0 {
					kr.Forget(fmt.Appendf(nil, "key-%d", i))
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := kr.CacheLen(); n > 4 {
		t.Errorf("cache holds %d, bound 4", n)
	}
}

func TestLoadOrCreateMasterKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "master.key")
	mk, err := LoadOrCreateMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("created with mode %04o, want 0600", fi.Mode().Perm())
	}
	if fi.Size() != MasterKeySize {
		t.Errorf("file is %d bytes", fi.Size())
	}
	again, err := LoadOrCreateMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.key != mk.key || again.ID() != mk.ID() {
		t.Error("second load returned a different key")
	}
	if strings.Contains(mk.String(), base64.StdEncoding.EncodeToString(mk.key[:])[:8]) {
		t.Error("String shows key material")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("data folder holds %d entries, want only master.key", len(entries))
	}
}

func TestLoadMasterKeyFileErrors(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	raw := bytes.Repeat([]byte{7}, 32)
	b64 := base64.StdEncoding.EncodeToString(raw)
	tests := []struct {
		name    string
		content []byte
		mode    os.FileMode
		wantErr string // "" means success
	}{
		{"raw 0600", raw, 0o600, ""},
		{"raw 0400", raw, 0o400, ""},
		{"group readable", raw, 0o640, ""},
		{"base64 with newline", []byte(b64 + "\n"), 0o600, ""},
		{"base64url unpadded", []byte(base64.RawURLEncoding.EncodeToString(raw)), 0o600, ""},
		{"world readable", raw, 0o644, "open to every user"},
		{"world writable", raw, 0o602, "open to every user"},
		{"short", raw[:31], 0o600, "want 32 raw bytes"},
		{"long", append(bytes.Clone(raw), 0), 0o600, "want 32 raw bytes"},
		{"empty", nil, 0o600, "want 32 raw bytes"},
		{"base64 of 16 bytes", []byte(base64.StdEncoding.EncodeToString(raw[:16])), 0o600, "want 32 raw bytes"},
		{"huge", bytes.Repeat([]byte("A"), 4096), 0o600, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "master.key")
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			mk, err := LoadOrCreateMasterKey(path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(mk.key[:], raw) {
					t.Error("wrong key loaded")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, tt.content) {
				t.Error("refused file was modified")
			}
		})
	}
	t.Run("directory", func(t *testing.T) {
		if _, err := LoadOrCreateMasterKey(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		if _, err := LoadOrCreateMasterKey(filepath.Join(t.TempDir(), "no", "master.key")); err == nil {
			t.Error("created a key in a missing directory")
		}
	})
}

func TestLoadOrCreateConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	ids := make([][MasterKeyIDSize]byte, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			mk, err := LoadOrCreateMasterKey(path)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = mk.ID()
		})
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatal("concurrent first runs created different master keys")
		}
	}
}

func TestLoadMasterKeyEnv(t *testing.T) {
	raw := bytes.Repeat([]byte{9}, 32)
	b64 := base64.StdEncoding.EncodeToString(raw)
	dir := t.TempDir()
	file := filepath.Join(dir, "secret.key")
	os.WriteFile(file, []byte(b64+"\n"), 0o400)
	def := filepath.Join(dir, "default.key")

	tests := []struct {
		name    string
		env     map[string]string
		want    []byte // nil: a new random key at def
		wantErr string
	}{
		{"value", map[string]string{EnvMasterKey: b64}, raw, ""},
		{"value url unpadded", map[string]string{EnvMasterKey: base64.RawURLEncoding.EncodeToString(raw)}, raw, ""},
		{"file", map[string]string{EnvMasterKeyFile: file}, raw, ""},
		{"default", nil, nil, ""},
		{"both", map[string]string{EnvMasterKey: b64, EnvMasterKeyFile: file}, nil, "both"},
		{"bad base64", map[string]string{EnvMasterKey: "not base64!"}, nil, "CAIRN_MASTER_KEY"},
		{"short", map[string]string{EnvMasterKey: base64.StdEncoding.EncodeToString(raw[:31])}, nil, "31 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			mk, err := LoadMasterKey(getenv, def)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil && !bytes.Equal(mk.key[:], tt.want) {
				t.Error("wrong key")
			}
			if tt.want == nil {
				if _, err := os.Stat(def); err != nil {
					t.Errorf("default key file not created: %v", err)
				}
			}
		})
	}
	if _, err := LoadMasterKey(func(string) string { return "" }, ""); err == nil {
		t.Error("no source gave no error")
	}
}

func FuzzOpen(f *testing.F) {
	mk, _ := NewMasterKey(bytes.Repeat([]byte{1}, 32))
	kr, _ := New(mk, nil)
	secret := []byte(`{"kty":"OKP","crv":"Ed25519","d":"AAAA"}`)
	good, _ := kr.Seal(secret, []byte("k"))
	f.Add(good, []byte("k"))
	f.Add([]byte{}, []byte{})
	f.Add([]byte{1, 2, 3}, []byte("k"))
	f.Add(good[:overhead], []byte("k"))
	f.Fuzz(func(t *testing.T, sealed, aad []byte) {
		pt, err := kr.Open(sealed, aad)
		if err == nil {
			// Only genuine blobs open (seeds are sealed afresh in each
			// process): forging one needs the master key.
			if !bytes.Equal(pt, secret) || string(aad) != "k" {
				t.Fatalf("forged blob opened: %x", sealed)
			}
		}
		kr.NewSigner(sealed, aad)
		kr.NeedsReseal(sealed)
	})
}

func BenchmarkNewSignerCached(b *testing.B) {
	kr, _ := testKeyring(b, nil)
	sealed, _, _, _ := kr.Generate(keys.Ed25519, []byte("k"))
	for b.Loop() {
		kr.NewSigner(sealed, []byte("k"))
	}
}

func BenchmarkNewSignerUncached(b *testing.B) {
	kr, _ := testKeyring(b, &Options{CacheSize: -1})
	sealed, _, _, _ := kr.Generate(keys.Ed25519, []byte("k"))
	for b.Loop() {
		kr.NewSigner(sealed, []byte("k"))
	}
}
