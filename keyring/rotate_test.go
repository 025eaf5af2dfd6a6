package keyring

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/cairn-badges/cairn/keys"
)

// TestReload plays a running server during a master key rotation made by
// another process: its keyring follows the new key through Options.Reload,
// opening blobs re-sealed under it and sealing new ones under it.
func TestReload(t *testing.T) {
	oldKey, newKey := GenerateMasterKey(), GenerateMasterKey()
	var reloads atomic.Int32
	var held atomic.Pointer[MasterKeys]
	held.Store(&MasterKeys{Current: oldKey})
	server, err := New(oldKey, &Options{Reload: func() (MasterKeys, error) {
		reloads.Add(1)
		return *held.Load(), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	aad := []byte("did:web:example.org:issuers:1#key-1")
	sealed, _, _, err := server.Generate(keys.Ed25519, aad)
	if err != nil {
		t.Fatal(err)
	}

	// The rotation: another process re-seals under the new key.
	rotator, err := New(newKey, &Options{Previous: []*MasterKey{oldKey}})
	if err != nil {
		t.Fatal(err)
	}
	resealed, err := rotator.Reseal(sealed, aad)
	if err != nil {
		t.Fatal(err)
	}
	if rotator.NeedsReseal(resealed) || !rotator.NeedsReseal(sealed) {
		t.Fatal("NeedsReseal does not tell the old blob from the new")
	}
	// Before the key files change, the server cannot open the new blob.
	if _, err := server.NewSigner(resealed, aad); !errors.Is(err, ErrUnknownMasterKey) {
		t.Fatalf("NewSigner before the new key is on disk = %v, want ErrUnknownMasterKey", err)
	}
	held.Store(&MasterKeys{Current: newKey, Previous: []*MasterKey{oldKey}})
	n := reloads.Load()
	s, err := server.NewSigner(resealed, aad)
	if err != nil {
		t.Fatalf("NewSigner after the rotation: %v", err)
	}
	if reloads.Load() == n {
		t.Error("the keyring opened a blob under an unknown key without reloading")
	}
	if _, err := s.Sign([]byte("msg")); err != nil {
		t.Fatal(err)
	}
	if server.Current() != newKey.ID() {
		t.Error("the keyring does not seal under the new key after reloading")
	}
	// A server that did not meet a new blob yet still seals under the new
	// key: it reloads before sealing.
	other, _ := New(oldKey, &Options{Reload: func() (MasterKeys, error) { return *held.Load(), nil }})
	blob, err := other.Seal([]byte("{}"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if other.NeedsReseal(blob) || [MasterKeyIDSize]byte(blob[1:headerSize]) != newKey.ID() {
		t.Error("Seal did not use the new master key")
	}
	// A failed reload keeps the keys held.
	failing, _ := New(oldKey, &Options{Reload: func() (MasterKeys, error) { return MasterKeys{}, errors.New("disk gone") }})
	if _, err := failing.Seal([]byte("{}"), aad); err != nil {
		t.Fatalf("Seal with a failing reload: %v", err)
	}
	if _, err := failing.Open(resealed, aad); !errors.Is(err, ErrUnknownMasterKey) {
		t.Fatalf("Open with a failing reload = %v, want ErrUnknownMasterKey", err)
	}
}

// TestLoadMasterKeys checks the key sets of every state a rotation can be
// interrupted in.
func TestLoadMasterKeys(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "master.key")
	noEnv := func(string) string { return "" }
	k1, k2, k3 := GenerateMasterKey(), GenerateMasterKey(), GenerateMasterKey()
	if err := CreateMasterKeyFile(path, k1); err != nil {
		t.Fatal(err)
	}
	ids := func(mks MasterKeys) (cur [MasterKeyIDSize]byte, prev [][MasterKeyIDSize]byte) {
		for _, p := range mks.Previous {
			prev = append(prev, p.ID())
		}
		return mks.Current.ID(), prev
	}
	check := func(name string, want *MasterKey, wantPrev ...*MasterKey) {
		t.Helper()
		mks, err := LoadMasterKeys(noEnv, path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cur, prev := ids(mks)
		if cur != want.ID() || len(prev) != len(wantPrev) {
			t.Fatalf("%s: current %x previous %x", name, cur, prev)
		}
		for i, p := range wantPrev {
			if prev[i] != p.ID() {
				t.Fatalf("%s: previous %x, want %x first", name, prev, p.ID())
			}
		}
	}
	check("no rotation", k1)
	if err := CreateMasterKeyFile(path+NextSuffix, k2); err != nil {
		t.Fatal(err)
	}
	check("next written", k2, k1)
	if err := CreateMasterKeyFile(path+OldSuffix, k1); err != nil {
		t.Fatal(err)
	}
	check("old copied", k2, k1, k1)
	// The rename of next over the key file.
	if err := renameFile(path+NextSuffix, path); err != nil {
		t.Fatal(err)
	}
	check("next renamed", k2, k1)

	env := map[string]string{
		EnvMasterKey:         base64.StdEncoding.EncodeToString(k3.key[:]),
		EnvMasterKeyPrevious: base64.RawURLEncoding.EncodeToString(k1.key[:]) + ", " + base64.StdEncoding.EncodeToString(k2.key[:]),
	}
	mks, err := LoadMasterKeys(func(n string) string { return env[n] }, path)
	if err != nil {
		t.Fatal(err)
	}
	if cur, prev := ids(mks); cur != k3.ID() || len(prev) != 2 || prev[0] != k1.ID() || prev[1] != k2.ID() {
		t.Fatalf("from the environment: current %x previous %x", cur, prev)
	}
	env[EnvMasterKeyPrevious] = "nope"
	if _, err := LoadMasterKeys(func(n string) string { return env[n] }, path); err == nil {
		t.Fatal("a bad CAIRN_MASTER_KEY_PREVIOUS was accepted")
	}
}

func TestRotationFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	k1, err := LoadOrCreateMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	next, resumed, err := BeginRotation(path, nil)
	if err != nil || resumed || next.ID() == k1.ID() {
		t.Fatalf("BeginRotation = %v, %v, %v", next, resumed, err)
	}
	again, resumed, err := BeginRotation(path, GenerateMasterKey())
	if err != nil || !resumed || again.ID() != next.ID() {
		t.Fatalf("BeginRotation of an interrupted rotation = %v, %v, %v; want the key of path.next", again, resumed, err)
	}
	if err := CommitRotation(path); err != nil {
		t.Fatal(err)
	}
	cur, err := ReadMasterKeyFile(path)
	if err != nil || cur.ID() != next.ID() {
		t.Fatalf("after CommitRotation the key file holds %v (%v), want %v", cur, err, next)
	}
	if old, err := ReadMasterKeyFile(path + OldSuffix); err != nil || old.ID() != k1.ID() {
		t.Fatalf("after CommitRotation path.old holds %v (%v), want %v", old, err, k1)
	}
	if _, err := ReadMasterKeyFile(path + NextSuffix); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("path.next is still there: %v", err)
	}
	if err := EndRotation(path); err != nil {
		t.Fatal(err)
	}
	mks, err := LoadMasterKeys(func(string) string { return "" }, path)
	if err != nil || mks.Current.ID() != next.ID() || len(mks.Previous) != 0 {
		t.Fatalf("after EndRotation: %+v, %v", mks, err)
	}
}
