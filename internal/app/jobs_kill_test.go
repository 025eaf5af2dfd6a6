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
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/jobs"
	"github.com/cairn-badges/cairn/store/storetest"
)

// jobFile is a CSV of n rows, each to its own DID with its own externalId.
func jobFile(n int) string {
	var b strings.Builder
	b.WriteString("did,name,externalId\n")
	for i := range n {
		fmt.Fprintf(&b, "did:example:row%d,Learner %d,ext-%d\n", i, i, i)
	}
	return b.String()
}

type jobStatus struct {
	ID, State                      string
	Total, Issued, Failed, Skipped int
}

func uploadJob(t *testing.T, base, key, achID, file string) jobStatus {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/v1/award-jobs?achievementId="+achID, strings.NewReader(file))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j jobStatus
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(data, &j) != nil {
		t.Fatalf("upload: %d %s", resp.StatusCode, data)
	}
	return j
}

func getJob(base, key, id string) (jobStatus, error) {
	req, _ := http.NewRequest("GET", base+"/api/v1/award-jobs/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return jobStatus{}, err
	}
	defer resp.Body.Close()
	var j jobStatus
	err = json.NewDecoder(resp.Body).Decode(&j)
	return j, err
}

// waitJob polls the job until until(j) holds.
func waitJob(t *testing.T, base, key, id string, timeout time.Duration, until func(jobStatus) bool) jobStatus {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		j, err := getJob(base, key, id)
		if err == nil && until(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: %+v (%v) after %s", id, j, err, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkExactlyOnce checks that every row of the job gave exactly one
// award: one per recipient, under the row's idempotency key.
func checkExactlyOnce(t *testing.T, st cairn.Store, orgID, jobID string, rows int) {
	t.Helper()
	ctx := context.Background()
	for i := range rows {
		did := fmt.Sprintf("did:example:row%d", i)
		page, _, err := st.Awards(ctx, cairn.AwardFilter{OrgID: orgID, Recipient: did, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 1 {
			t.Fatalf("row %d (%s): %d awards, want exactly 1", i+2, did, len(page))
		}
		if want := jobs.RowKey(jobID, i+2); page[0].IdempotencyKey != want {
			t.Fatalf("row %d: award key %q, want %q", i+2, page[0].IdempotencyKey, want)
		}
	}
}

// TestKillDuringAwardJob: a real server process is killed with SIGKILL
// in the middle of a 3,000-row job. Started again on its data folder, it
// resumes the job, and every row gives exactly one award.
func TestKillDuringAwardJob(t *testing.T) {
	if testing.Short() {
		t.Skip("boots and kills a server process")
	}
	const rows = 3000 / raceScale
	dir := t.TempDir()
	hello, kill := startKillHelper(t, dir)
	base := "http://" + hello.Addr
	j := uploadJob(t, base, hello.APIKey, hello.AchievementID, jobFile(rows))
	if j.Total != rows {
		t.Fatalf("job %+v, want %d rows", j, rows)
	}
	mid := waitJob(t, base, hello.APIKey, j.ID, 2*time.Minute, func(j jobStatus) bool { return j.Issued >= 300/raceScale })
	kill() // SIGKILL, batches in flight
	if mid.Issued >= rows {
		t.Fatalf("the job was done before the kill: %+v", mid)
	}
	t.Logf("killed with %d of %d rows recorded as issued", mid.Issued, rows)

	cfg := Config{Addr: "127.0.0.1:0", BaseURL: killBaseURL, DataDir: dir, Offline: true}
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("reopening after the kill: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	end := waitJob(t, "http://"+a.listener.Addr().String(), hello.APIKey, j.ID, 3*time.Minute, func(j jobStatus) bool { return j.State == "done" })
	if end.Issued != rows || end.Failed != 0 || end.Skipped != 0 {
		t.Fatalf("resumed job %+v, want all %d rows issued", end, rows)
	}
	checkExactlyOnce(t, a.db, hello.OrgID, j.ID, rows)
}

// startKillHelper runs TestKillHelper as a server process on dir (and on
// the PostgreSQL database and master key of env, if given) and returns
// what it printed and a function that kills it with SIGKILL.
func startKillHelper(t *testing.T, dir string, env ...string) (killHello, func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$")
	cmd.Env = append(append(os.Environ(), killHelperEnv+"="+dir), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	kill := func() {
		if !killed {
			killed = true
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	t.Cleanup(kill)
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
	return hello, kill
}

// TestKillReplicaDuringAwardJob: two replicas on one PostgreSQL database,
// one a real process; the job is uploaded to it, and it is killed with
// SIGKILL mid-job. The other takes its rows once their leases end; every
// row gives exactly one award.
func TestKillReplicaDuringAwardJob(t *testing.T) {
	dbURL := storetest.PostgresSchema(t)
	if testing.Short() {
		t.Skip("boots and kills a server process")
	}
	keyFile := filepath.Join(t.TempDir(), "master.key")
	hello, kill := startKillHelper(t, t.TempDir(), killHelperDBEnv+"="+dbURL, killHelperKeyEnv+"="+keyFile)
	cfg := Config{Addr: "127.0.0.1:0", BaseURL: killBaseURL, DataDir: t.TempDir(), DatabaseURL: dbURL, MasterKeyFile: keyFile,
		Offline: true, Jobs: JobLimits{Lease: 2 * time.Second, BatchSize: 64}}
	b, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	defer func() { cancel(); <-done }()

	const rows = 2000 / raceScale
	base := "http://" + hello.Addr
	j := uploadJob(t, base, hello.APIKey, hello.AchievementID, jobFile(rows))
	mid := waitJob(t, base, hello.APIKey, j.ID, 2*time.Minute, func(j jobStatus) bool { return j.Issued >= 300/raceScale })
	kill()
	t.Logf("killed one replica with %d of %d rows recorded as issued", mid.Issued, rows)
	end := waitJob(t, "http://"+b.listener.Addr().String(), hello.APIKey, j.ID, 3*time.Minute, func(j jobStatus) bool { return j.State == "done" })
	if end.Issued != rows || end.Failed != 0 {
		t.Fatalf("job %+v, want all %d rows issued", end, rows)
	}
	checkExactlyOnce(t, b.db, hello.OrgID, j.ID, rows)
}

// TestTwoServersShareAwardJob: two replicas on one PostgreSQL database
// work on one job at once; one stops in the middle (its leases then run
// out and the other takes its rows). Every row gives exactly one award.
func TestTwoServersShareAwardJob(t *testing.T) {
	dbURL := storetest.PostgresSchema(t)
	keyFile := filepath.Join(t.TempDir(), "master.key")
	start := func() (*App, func()) {
		cfg := Config{Addr: "127.0.0.1:0", BaseURL: "https://badges.example.test", DataDir: t.TempDir(),
			DatabaseURL: dbURL, MasterKeyFile: keyFile, Offline: true,
			Jobs: JobLimits{Lease: 2 * time.Second, BatchSize: 64}}
		a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		stopped := false
		return a, func() {
			if !stopped {
				stopped = true
				cancel()
				<-done
			}
		}
	}
	a, stopA := start()
	defer stopA()
	b, stopB := start()
	defer stopB()
	const rows = 2000 / raceScale
	base := "http://" + a.listener.Addr().String()
	key, achID := a.FirstRun.APIKey, a.FirstRun.AchievementID
	j := uploadJob(t, base, key, achID, jobFile(rows))
	waitJob(t, base, key, j.ID, 2*time.Minute, func(j jobStatus) bool { return j.Issued >= 400/raceScale })
	stopA() // B carries on, and takes A's rows once their leases end
	baseB := "http://" + b.listener.Addr().String()
	end := waitJob(t, baseB, key, j.ID, 3*time.Minute, func(j jobStatus) bool { return j.State == "done" })
	if end.Issued != rows || end.Failed != 0 {
		t.Fatalf("job %+v, want all %d rows issued", end, rows)
	}
	checkExactlyOnce(t, b.db, a.FirstRun.OrgID, j.ID, rows)
}
