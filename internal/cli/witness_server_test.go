package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/internal/app"
	"github.com/cairn-badges/cairn/translog"
	"github.com/cairn-badges/cairn/verify"
)

// TestServerWitnessing runs a cairn witness (its handler, in process) as
// the witness of a running server (CAIRN_WITNESSES): the server sends it
// each new checkpoint, stores its cosignature and serves the cosigned
// checkpoint; a verifier requiring the witness's cosignature verifies the
// server's credentials.
func TestServerWitnessing(t *testing.T) {
	dir := t.TempDir()
	var wit atomic.Pointer[witness]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := wit.Load(); h != nil {
			h.ServeHTTP(w, r)
			return
		}
		http.Error(w, "not yet", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	wdir := filepath.Join(dir, "witness")
	w0, err := openWitness(wdir, "witness.example/w1", nil)
	if err != nil {
		t.Fatal(err)
	}

	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"), Offline: true,
		Witnesses: "witness.example/w1=" + srv.URL + "=" + w0.vkey},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	// The witness learns the log's key, as cairn witness --log does.
	w, err := openWitness(wdir, "", []string{a.TransparencyLog().VerifierKey()})
	if err != nil {
		t.Fatal(err)
	}
	wit.Store(w)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	base := a.BaseURL()
	logKey, _ := note.NewVerifier(a.TransparencyLog().VerifierKey())
	witnessKey, err := translog.NewCosignatureVerifier(w.vkey)
	if err != nil {
		t.Fatal(err)
	}
	// cosigned waits until the served checkpoint of at least size n carries
	// the witness's cosignature, and returns it.
	cosigned := func(n uint64) translog.Checkpoint {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			resp, err := http.Get(base + "/log/checkpoint")
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			c, nt, err := translog.OpenCheckpoint(msg, logKey, witnessKey)
			if err == nil && c.Size >= n && len(nt.Sigs) == 2 {
				return c
			}
			if time.Now().After(deadline) {
				t.Fatalf("no cosigned checkpoint of size ≥ %d: %v\n%s", n, err, msg)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	issue := func(email string) string {
		t.Helper()
		body := `{"achievementId":"` + a.FirstRun.AchievementID + `","recipient":{"email":"` + email + `"},"formats":["di"]}`
		req, _ := http.NewRequest("POST", base+"/api/v1/awards?wait=inclusion&timeout=10s", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+a.FirstRun.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("issue: %d %s", resp.StatusCode, b)
		}
		id := string(b)
		id = id[strings.Index(id, `"id":"`)+6:]
		return id[:strings.IndexByte(id, '"')]
	}

	first := cosigned(1) // the demo badge's issuance
	id := issue("w@example.org")
	second := cosigned(first.Size + 1) // a consistency proof from the first
	if second.Size <= first.Size {
		t.Fatalf("sizes %d, %d", first.Size, second.Size)
	}

	// A verifier that requires the witness verifies the new credential.
	httpFetch := fetch.Func(func(ctx context.Context, u string) ([]byte, error) {
		u = strings.Replace(u, "https://", "http://", 1)
		return (&fetch.HTTP{AllowLoopbackHTTP: true}).Fetch(ctx, u)
	})
	v := verify.New(httpFetch)
	v.LogWitnesses = []note.Verifier{witnessKey}
	cred, err := httpFetch(context.Background(), base+"/credentials/"+id+".json")
	if err != nil {
		t.Fatal(err)
	}
	rep := v.Verify(context.Background(), cred)
	if c := rep.Check(verify.CheckLog); rep.Result != verify.Verified || c == nil || c.Outcome != verify.Verified {
		t.Fatalf("%s; %+v", rep.Summary(), c)
	}
	// One that requires another witness cannot verify the inclusion.
	_, otherKey, _ := translog.GenerateCosignerKey(nil, "witness.example/w2")
	other, _ := translog.NewCosignatureVerifier(otherKey)
	v = verify.New(httpFetch)
	v.LogWitnesses = []note.Verifier{other}
	if c := v.Verify(context.Background(), cred).Check(verify.CheckLog); c == nil || c.Outcome != verify.Indeterminate {
		t.Fatalf("another witness: %+v", c)
	}
}
