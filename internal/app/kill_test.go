package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/verify"
)

// killHelperEnv names the data folder of the server TestKillHelper runs.
const killHelperEnv = "CAIRN_TEST_KILL_HELPER_DIR"

// killHelperDBEnv and killHelperKeyEnv give the helper a PostgreSQL
// database and master key file instead of SQLite in its data folder.
const (
	killHelperDBEnv  = "CAIRN_TEST_KILL_HELPER_DB"
	killHelperKeyEnv = "CAIRN_TEST_KILL_HELPER_KEY"
)

const killBaseURL = "https://badges.example.test"

// killHello is the line TestKillHelper prints once it serves.
type killHello struct {
	Addr, APIKey, OrgID, AchievementID string
}

// TestKillHelper is not a test: TestKillDuringIssue runs the test binary
// with only this function and killHelperEnv set, as the server to kill.
func TestKillHelper(t *testing.T) {
	dir := os.Getenv(killHelperEnv)
	if dir == "" {
		t.Skip("the server process of TestKillDuringIssue; runs only as its child")
	}
	cfg := Config{Addr: "127.0.0.1:0", BaseURL: killBaseURL, DataDir: dir, Offline: true}
	// A replica on PostgreSQL (TestKillReplicaDuringAwardJob).
	if db := os.Getenv(killHelperDBEnv); db != "" {
		cfg.DatabaseURL, cfg.MasterKeyFile = db, os.Getenv(killHelperKeyEnv)
		cfg.Jobs.Lease, cfg.Jobs.BatchSize = 2*time.Second, 64
	}
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	go a.Run(context.Background())
	hello, _ := json.Marshal(killHello{Addr: a.listener.Addr().String(), APIKey: a.FirstRun.APIKey,
		OrgID: a.FirstRun.OrgID, AchievementID: a.FirstRun.AchievementID})
	os.Stdout.Write(append(hello, '\n'))
	select {} // until killed
}

// TestKillDuringIssue: a real server issues from 16 concurrent clients and
// is killed with SIGKILL in the middle. Reopened, its data folder holds
// every award acknowledged (201) before the kill exactly once, each with a
// credential that verifies and a unique status entry, and the transparency
// log gets exactly one event for each.
func TestKillDuringIssue(t *testing.T) {
	if testing.Short() {
		t.Skip("boots and kills a server process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$")
	cmd.Env = append(os.Environ(), killHelperEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	lines := bufio.NewScanner(out)
	var hello killHello
	for lines.Scan() {
		if json.Unmarshal(lines.Bytes(), &hello) == nil && hello.Addr != "" {
			break
		}
	}
	if hello.Addr == "" {
		t.Fatal("the server process did not start")
	}
	go io.Copy(io.Discard, out)

	// 16 clients issue until the server dies; the server is killed once
	// killAfter awards are acknowledged, with requests in flight.
	const clients, killAfter = 16, 160
	type ack struct{ id, recipient string }
	var (
		mu    sync.Mutex
		acked []ack
		n     atomic.Int64
		dead  = make(chan struct{})
		once  sync.Once
		wg    sync.WaitGroup
	)
	client := &http.Client{Timeout: 30 * time.Second}
	for c := range clients {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-dead:
					return
				default:
				}
				recipient := fmt.Sprintf("did:example:c%d-%d", c, i)
				body := fmt.Sprintf(`{"achievementId":%q,"recipient":{"did":%q}}`, hello.AchievementID, recipient)
				req, _ := http.NewRequest("POST", "http://"+hello.Addr+"/api/v1/awards", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+hello.APIKey)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", recipient)
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					select {
					case <-dead:
					default:
						t.Errorf("client %d: status %d: %s", c, resp.StatusCode, data)
					}
					return
				}
				var aw struct{ ID string }
				if err := json.Unmarshal(data, &aw); err != nil || aw.ID == "" {
					t.Errorf("client %d: answer %s", c, data)
					return
				}
				mu.Lock()
				acked = append(acked, ack{aw.ID, recipient})
				mu.Unlock()
				if n.Add(1) == killAfter {
					once.Do(func() {
						cmd.Process.Kill() // SIGKILL
						killed = true
						close(dead)
					})
				}
			}
		})
	}
	wg.Wait()
	cmd.Wait()
	if !killed {
		t.Fatalf("the clients stopped after %d awards, before the kill", n.Load())
	}
	t.Logf("%d awards acknowledged before the kill", len(acked))

	cfg := Config{Addr: "127.0.0.1:0", BaseURL: killBaseURL, DataDir: dir, Offline: true}
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("reopening after the kill: %v", err)
	}
	defer a.Close()
	if a.FirstRun != nil {
		t.Fatal("the reopened data folder looks new")
	}
	ctx := context.Background()

	// Every event in the outbox reaches the log.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := a.tlog.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		pending, err := a.db.LogStorage().OutboxPending(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d log events still in the outbox", pending)
		}
	}

	v := a.verifier()
	entries := map[string]string{}
	for _, k := range acked {
		aw, err := a.db.Award(ctx, hello.OrgID, k.id)
		if err != nil {
			t.Fatalf("acknowledged award %s (%s) lost: %v", k.id, k.recipient, err)
		}
		if n, err := a.db.CountAwards(ctx, cairn.AwardFilter{OrgID: hello.OrgID, Recipient: k.recipient}); err != nil || n != 1 {
			t.Fatalf("%d awards to %s, want 1 (%v)", n, k.recipient, err)
		}
		e := fmt.Sprintf("%s#%d", aw.StatusListID, aw.StatusIndex)
		if other, dup := entries[e]; dup {
			t.Fatalf("status entry %s given to %s and %s", e, other, aw.ID)
		}
		entries[e] = aw.ID
		if rep := v.Verify(ctx, aw.CredentialJSON); rep.Result != verify.Verified {
			t.Fatalf("award %s: %s", aw.ID, rep.Summary())
		}
		idx, err := a.db.LogStorage().Lookup(ctx, a.svc.CredentialURL(aw.ID))
		if err != nil || len(idx) != 1 {
			t.Fatalf("award %s has %d log entries, want 1 (%v)", aw.ID, len(idx), err)
		}
	}
	// Awards the server stored but could not acknowledge are whole too.
	all, _, err := a.db.Awards(ctx, cairn.AwardFilter{OrgID: hello.OrgID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, aw := range all {
		idx, err := a.db.LogStorage().Lookup(ctx, a.svc.CredentialURL(aw.ID))
		if err != nil || len(idx) != 1 {
			t.Fatalf("stored award %s has %d log entries, want 1 (%v)", aw.ID, len(idx), err)
		}
	}
	t.Logf("%d awards stored in all", len(all))
}
