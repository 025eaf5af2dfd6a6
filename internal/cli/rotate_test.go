package cli

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/internal/app"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/store/storetest"
)

// TestRotateMasterSQLite and TestRotateMasterPostgres rotate the master key
// while a server issues awards, then issue again on the running server and
// after a restart.
func TestRotateMasterSQLite(t *testing.T) {
	data := t.TempDir()
	testRotateMaster(t, app.Config{DataDir: data}, "--data", data)
}

func TestRotateMasterPostgres(t *testing.T) {
	dbURL := storetest.PostgresSchema(t)
	key := filepath.Join(t.TempDir(), "master.key")
	cfg := app.Config{DataDir: t.TempDir(), DatabaseURL: dbURL, MasterKeyFile: key}
	testRotateMaster(t, cfg, "--database-url", dbURL, "--master-key-file", key)
}

func testRotateMaster(t *testing.T, cfg app.Config, flags ...string) {
	s := startApp(t, cfg)
	base, fr := s.BaseURL(), s.FirstRun
	keyPath := app.MasterKeyPath(cfg)
	oldKey, err := keyring.ReadMasterKeyFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}

	// Issue from two goroutines all through the rotation.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	issued := make([]int, 2)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := issueAward(base, fr.APIKey, fr.AchievementID, fmt.Sprintf("r%d-%d@example.org", w, i)); err != nil {
					errs <- err
					return
				}
				issued[w]++
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	code, out, errOut := run(append([]string{"keys", "rotate-master", "--grace", "200ms"}, flags...)...)
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("issuing during the rotation: %v", err)
	}
	if code != 0 || !strings.Contains(out, "rotated the "+oldKey.String()) {
		t.Fatalf("rotate-master: %d %q %q", code, out, errOut)
	}
	t.Logf("issued %v awards during the rotation\n%s", issued, errOut)
	newKey, err := keyring.ReadMasterKeyFile(keyPath)
	if err != nil || newKey.ID() == oldKey.ID() {
		t.Fatalf("the key file after the rotation: %v, %v", newKey, err)
	}
	for _, suffix := range []string{keyring.NextSuffix, keyring.OldSuffix} {
		if _, err := os.Stat(keyPath + suffix); err == nil {
			t.Errorf("%s is left after the rotation", keyPath+suffix)
		}
	}

	// The running server signs with re-sealed keys, and seals the keys of a
	// new issuer under the new master key.
	if _, err := issueAward(base, fr.APIKey, fr.AchievementID, "after@example.org"); err != nil {
		t.Fatalf("issuing after the rotation: %v", err)
	}
	if code, out, err := apiCall(base, fr.APIKey, "POST", "/api/v1/issuers", `{"name":"Issuer after the rotation"}`); err != nil || code != http.StatusCreated {
		t.Fatalf("creating an issuer after the rotation: %d %s %v", code, out, err)
	}
	checkSealedUnder(t, cfg, newKey)

	// After a restart, too, and the log (whose key was re-sealed) signs.
	s.stop()
	s = startApp(t, cfg)
	code, body, err := apiCall(s.BaseURL(), fr.APIKey, "POST", "/api/v1/awards?wait=inclusion&timeout=20s",
		fmt.Sprintf(`{"achievementId":%q,"recipient":{"email":"restart@example.org"}}`, fr.AchievementID))
	if err != nil || code != http.StatusCreated {
		t.Fatalf("issuing after a restart: %d %s %v", code, body, err)
	}
	if code, out, errOut := run("log", "audit", "--checkpoint", filepath.Join(t.TempDir(), "cp"), "--update", s.BaseURL()); code != 0 {
		t.Fatalf("log audit after the rotation: %d %q %q", code, out, errOut)
	}
}

// checkSealedUnder fails t unless every sealed key in cfg's database is
// sealed under mk.
func checkSealedUnder(t *testing.T, cfg app.Config, mk *keyring.MasterKey) {
	t.Helper()
	url := cfg.DatabaseURL
	if url == "" {
		url = filepath.Join(cfg.DataDir, "cairn.db")
	}
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	kr, _ := keyring.New(mk, nil)
	n := 0
	_, err = db.RewriteSealedKeys(context.Background(), func(k *store.SealedKey) ([]byte, error) {
		n++
		if kr.NeedsReseal(k.Sealed) {
			t.Errorf("key %s (issuer %s, log %q) is not sealed under the new master key", k.ID, k.IssuerID, k.LogName)
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 3 { // the first run's issuer key, the new issuer's, the log key
		t.Errorf("saw %d sealed keys, want at least 3", n)
	}
}

// TestRotateMasterResume: a rotation interrupted after it wrote the new
// key (master.key.next) leaves a data folder a server starts on, sealing
// under the new key; running the command again finishes the rotation.
func TestRotateMasterResume(t *testing.T) {
	data := t.TempDir()
	cfg := app.Config{DataDir: data}
	s := startApp(t, cfg)
	fr := s.FirstRun
	s.stop()
	keyPath := filepath.Join(data, "master.key")
	newKey := keyring.GenerateMasterKey()
	if err := keyring.CreateMasterKeyFile(filepath.Join(t.TempDir(), "new.key"), newKey); err != nil {
		t.Fatal(err)
	}
	if _, _, err := keyring.BeginRotation(keyPath, newKey); err != nil { // then the crash
		t.Fatal(err)
	}
	s = startApp(t, cfg)
	if _, err := issueAward(s.BaseURL(), fr.APIKey, fr.AchievementID, "mid@example.org"); err != nil {
		t.Fatalf("issuing mid-rotation: %v", err)
	}
	s.stop()
	other := filepath.Join(t.TempDir(), "other.key")
	if err := keyring.CreateMasterKeyFile(other, keyring.GenerateMasterKey()); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run("keys", "rotate-master", "--data", data, "--new-key-file", other); code != ExitUsage || !strings.Contains(errOut, "in progress") {
		t.Fatalf("starting another rotation mid-rotation: %d %q", code, errOut)
	}
	code, out, errOut := run("keys", "rotate-master", "--data", data, "--grace", "0")
	if code != 0 || !strings.Contains(errOut, "resuming the rotation") {
		t.Fatalf("resume: %d %q %q", code, out, errOut)
	}
	if cur, err := keyring.ReadMasterKeyFile(keyPath); err != nil || cur.ID() != newKey.ID() {
		t.Fatalf("after the resumed rotation the key file holds %v (%v), want %v", cur, err, newKey)
	}
	checkSealedUnder(t, cfg, newKey)
	s = startApp(t, cfg)
	if _, err := issueAward(s.BaseURL(), fr.APIKey, fr.AchievementID, "end@example.org"); err != nil {
		t.Fatalf("issuing after the resumed rotation: %v", err)
	}
}
