package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/internal/app"
	"github.com/cairn-badges/cairn/store/storetest"
)

// server is a running App that a test stops when it wants.
type server struct {
	*app.App
	stop func()
}

func startApp(t *testing.T, cfg app.Config) *server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	cfg.Offline = true
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	s := &server{App: a}
	s.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(s.stop)
	return s
}

// run runs the cairn command line in this process, without changing the
// working directory (servers run beside it).
func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// apiCall sends an API request with the first run's key.
func apiCall(base, key, method, path, body string) (int, []byte, error) {
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func issueAward(base, key, achievementID, recipient string) (string, error) {
	body := fmt.Sprintf(`{"achievementId":%q,"recipient":{"email":%q}}`, achievementID, recipient)
	code, out, err := apiCall(base, key, "POST", "/api/v1/awards", body)
	if err != nil {
		return "", err
	}
	if code != http.StatusCreated {
		return "", fmt.Errorf("issue: status %d: %s", code, out)
	}
	var aw struct{ ID string }
	if err := json.Unmarshal(out, &aw); err != nil || aw.ID == "" {
		return "", fmt.Errorf("issue: %s", out)
	}
	return aw.ID, nil
}

// TestBackupUnderLoad takes a backup while awards are issued from several
// goroutines, restores it into a fresh data folder, and boots a server on
// it: every award acknowledged before the backup began is there, the
// transparency log audits clean (with the credentials' bytes), and the
// restored server signs.
func TestBackupUnderLoad(t *testing.T) {
	dir := t.TempDir()
	dataA, dataB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	a := startApp(t, app.Config{DataDir: dataA})
	base, fr := a.BaseURL(), a.FirstRun

	var (
		mu       sync.Mutex
		before   []string // acknowledged before the backup began
		during   []string // acknowledged after
		started  atomic.Bool
		stop     = make(chan struct{})
		wg       sync.WaitGroup
		failures = make(chan error, 16)
	)
	const workers, maxEach = 4, 60
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < maxEach; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id, err := issueAward(base, fr.APIKey, fr.AchievementID, fmt.Sprintf("w%d-%d@example.org", w, i))
				if err != nil {
					failures <- err
					return
				}
				// The flag is read once the answer is in: an award recorded
				// with the flag unset was acknowledged, so committed, before
				// the backup began.
				mu.Lock()
				if started.Load() {
					during = append(during, id)
				} else {
					before = append(before, id)
				}
				mu.Unlock()
			}
		}()
	}
	// Let some awards in, then back up while the workers go on.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(before)
		mu.Unlock()
		if n >= 20 || time.Now().After(deadline) {
			break
		}
	}
	archive := filepath.Join(dir, "backup.tar.gz")
	mu.Lock() // no worker records an award while the flag flips
	started.Store(true)
	mu.Unlock()
	code, out, errOut := run("backup", "--data", dataA, "--out", archive, "--include-master-key")
	if code != 0 || !strings.Contains(out, "wrote "+archive) {
		t.Fatalf("backup: %d %q %q", code, out, errOut)
	}
	if strings.Contains(errOut, "warning") {
		t.Errorf("backup with --include-master-key warns: %q", errOut)
	}
	close(stop)
	wg.Wait()
	close(failures)
	for err := range failures {
		t.Errorf("issuing during the backup: %v", err)
	}
	t.Logf("%d awards acknowledged before the backup, %d during or after", len(before), len(during))
	if len(before) == 0 {
		t.Fatal("no award was acknowledged before the backup")
	}

	// A restore never replaces the database of a running server.
	if code, _, errOut := run("restore", "--data", dataA, "--in", archive, "--force"); code != ExitUsage || !strings.Contains(errOut, "running Cairn server") {
		t.Fatalf("restore over a running server: %d %q", code, errOut)
	}
	addr := strings.TrimPrefix(base, "http://")
	a.stop()
	// Nor that of a stopped one, without --force.
	if code, _, errOut := run("restore", "--data", dataA, "--in", archive); code != ExitUsage || !strings.Contains(errOut, "already has a database") {
		t.Fatalf("restore over a database: %d %q", code, errOut)
	}

	code, out, errOut = run("restore", "--data", dataB, "--in", archive)
	if code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore: %d %q %q", code, out, errOut)
	}
	if strings.Contains(errOut, "warning") {
		t.Errorf("restore warns: %q", errOut)
	}
	// The restored server takes the old one's place (its address, so its
	// base URL: the credentials' ids are made from it).
	b := startApp(t, app.Config{DataDir: dataB, Addr: addr})
	if b.FirstRun != nil {
		t.Fatal("the restored data folder is bootstrapped again")
	}
	if b.BaseURL() != base {
		t.Fatalf("restored server at %s, want %s", b.BaseURL(), base)
	}
	ctx := context.Background()
	for _, id := range before {
		code, out, err := apiCall(base, fr.APIKey, "GET", "/api/v1/awards/"+id, "")
		if err != nil || code != http.StatusOK {
			t.Fatalf("award %s, acknowledged before the backup, after the restore: %d %s %v", id, code, out, err)
		}
		if _, err := b.TransparencyLog().WaitIncluded(ctx, b.Service().CredentialURL(id), 20*time.Second); err != nil {
			t.Fatalf("award %s is not in the restored log: %v", id, err)
		}
	}
	// The restored server signs, with the restored master key.
	if _, err := issueAward(base, fr.APIKey, fr.AchievementID, "after-restore@example.org"); err != nil {
		t.Fatalf("issuing on the restored server: %v", err)
	}
	code, out, errOut = run("log", "audit", "--checkpoint", filepath.Join(dir, "restored.checkpoint"), "--update", "--credentials", base)
	if code != 0 || !strings.HasPrefix(out, "ok: log ") {
		t.Fatalf("log audit of the restored server: %d %q %q", code, out, errOut)
	}
}

// TestBackupWithoutMasterKey: a backup without --include-master-key says
// which key it needs; a restore into a folder without that key says so
// too, and the archive holds no key.
func TestBackupWithoutMasterKey(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	a := startApp(t, app.Config{DataDir: data})
	a.stop()
	archive := filepath.Join(dir, "b.tar.gz")
	code, _, errOut := run("backup", "--data", data, "--out", archive)
	if code != 0 || !strings.Contains(errOut, "warning: the backup holds no master key") {
		t.Fatalf("backup: %d %q", code, errOut)
	}
	if code, _, errOut := run("backup", "--data", data, "--out", archive); code != ExitUsage || !strings.Contains(errOut, "exists") {
		t.Fatalf("backup over an existing file: %d %q", code, errOut)
	}
	restored := filepath.Join(dir, "restored")
	code, _, errOut = run("restore", "--data", restored, "--in", archive)
	if code != 0 || !strings.Contains(errOut, "warning: the database's issuer keys are sealed under master key") {
		t.Fatalf("restore: %d %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(restored, "master.key")); err == nil {
		t.Error("a restore of an archive without a master key made one")
	}
	// With the key put back, the restored server starts and signs.
	key, err := os.ReadFile(filepath.Join(data, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored, "master.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	b := startApp(t, app.Config{DataDir: restored})
	if _, err := issueAward(b.BaseURL(), a.FirstRun.APIKey, a.FirstRun.AchievementID, "x@example.org"); err != nil {
		t.Fatal(err)
	}

	// A damaged archive is refused, and changes nothing.
	raw, _ := os.ReadFile(archive)
	bad := filepath.Join(dir, "bad.tar.gz")
	os.WriteFile(bad, raw[:len(raw)/2], 0o600)
	if code, _, errOut := run("restore", "--data", filepath.Join(dir, "x"), "--in", bad); code != ExitUsage {
		t.Fatalf("restore of a truncated archive: %d %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "x", "cairn.db")); err == nil {
		t.Error("a failed restore left a database")
	}
}

// TestBackupPostgres: with a PostgreSQL database, cairn backup runs
// pg_dump (custom format).
func TestBackupPostgres(t *testing.T) {
	dbURL := storetest.PostgresSchema(t)
	if _, err := exec.LookPath("pg_dump"); err != nil {
		t.Skip("pg_dump is not installed")
	}
	s := startApp(t, app.Config{DataDir: t.TempDir(), DatabaseURL: dbURL, MasterKeyFile: filepath.Join(t.TempDir(), "master.key")})
	s.stop()
	out := filepath.Join(t.TempDir(), "cairn.dump")
	code, stdout, errOut := run("backup", "--database-url", dbURL, "--out", out)
	if code != 0 {
		t.Fatalf("backup: %d %q %q", code, stdout, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(b, []byte("PGDMP")) {
		t.Fatalf("%s is not a pg_dump archive (%v)", out, err)
	}
	if code, _, errOut := run("restore", "--database-url", dbURL, "--in", out); code != ExitUsage || !strings.Contains(errOut, "pg_restore") {
		t.Fatalf("restore into PostgreSQL: %d %q", code, errOut)
	}
}
