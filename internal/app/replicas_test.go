package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store/storetest"
	"github.com/cairn-badges/cairn/verify"
)

// TestTwoServersOnePostgres runs two Cairn servers, as two replicas behind a
// load balancer would be (same database, master key and base URL), and
// issues through both at once: no award is lost, no status-list index is
// given out twice, and what either signed verifies.
func TestTwoServersOnePostgres(t *testing.T) {
	dbURL := storetest.PostgresSchema(t)
	keyFile := filepath.Join(t.TempDir(), "master.key")
	start := func() (*App, func()) {
		cfg := Config{Addr: "127.0.0.1:0", BaseURL: "https://badges.example.test", DataDir: t.TempDir(),
			DatabaseURL: dbURL, MasterKeyFile: keyFile, Offline: true}
		a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		return a, func() { cancel(); <-done }
	}
	a, stopA := start()
	defer stopA()
	b, stopB := start()
	defer stopB()
	if a.FirstRun == nil || b.FirstRun != nil {
		t.Fatal("exactly the first server should bootstrap the shared database")
	}
	addrs := []string{"http://" + a.listener.Addr().String(), "http://" + b.listener.Addr().String()}

	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	for s, addr := range addrs {
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					body := fmt.Sprintf(`{"achievementId":%q,"recipient":{"did":"did:example:s%d-w%d-%d"}}`, a.FirstRun.AchievementID, s, w, i)
					req, _ := http.NewRequest("POST", addr+"/api/v1/awards", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+a.FirstRun.APIKey)
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Idempotency-Key", fmt.Sprintf("s%d-w%d-%d", s, w, i))
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						errs <- err
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusCreated {
						errs <- fmt.Errorf("server %d: status %d", s, resp.StatusCode)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	ctx := context.Background()
	f := cairn.AwardFilter{OrgID: a.FirstRun.OrgID, Limit: 1000}
	awards, _, err := a.db.Awards(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	want := 2*workers*each + 1 // and the first run's
	if len(awards) != want {
		t.Fatalf("%d awards stored, want %d", len(awards), want)
	}
	seen := map[string]string{}
	for _, aw := range awards {
		k := fmt.Sprintf("%s#%d", aw.StatusListID, aw.StatusIndex)
		if other, dup := seen[k]; dup {
			t.Fatalf("status index %s given to %s and %s", k, other, aw.ID)
		}
		seen[k] = aw.ID
	}
	// What either replica signed verifies with the other's view of the keys.
	v := b.verifier()
	for _, aw := range awards[:10] {
		if rep := v.Verify(ctx, aw.CredentialJSON); rep.Result != verify.Verified {
			t.Fatalf("award %s: %s", aw.ID, rep.Summary())
		}
	}
}
