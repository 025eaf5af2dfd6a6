package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/verify"
)

// TestLogCheck boots the real server and checks the verifier's
// transparency-log check against it: a credential is included, rewriting
// its stored bytes in the database is detected, an unreachable log makes
// the check indeterminate, and the credential page shows the log line.
func TestLogCheck(t *testing.T) {
	dir := t.TempDir()
	a, stop := boot(t, dir)
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	issue := func(email string) string {
		t.Helper()
		body := `{"achievementId":"` + fr.AchievementID + `","recipient":{"email":"` + email + `"},"formats":["di"]}`
		req, _ := http.NewRequest("POST", base+"/api/v1/awards?wait=inclusion&timeout=20s", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+fr.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			ID string `json:"id"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("issue: %d %v", resp.StatusCode, err)
		}
		return out.ID
	}
	good, tampered := issue("one@example.org"), issue("two@example.org")

	httpFetch := fetch.Func(func(ctx context.Context, u string) ([]byte, error) {
		u = strings.Replace(u, "https://", "http://", 1) // did:web maps to https; the test server is http
		return (&fetch.HTTP{AllowLoopbackHTTP: true}).Fetch(ctx, u)
	})
	outsider := verify.New(httpFetch)

	credJSON := getOK(t, base+"/credentials/"+good+".json")
	rep := outsider.Verify(context.Background(), credJSON)
	if c := rep.Check(verify.CheckLog); rep.Result != verify.Verified || c == nil || c.Outcome != verify.Verified ||
		!strings.Contains(c.Reason, "included in the issuer's transparency log at index") {
		t.Fatalf("included: %s; %+v", rep.Summary(), c)
	}
	page := string(getOK(t, base+"/credentials/"+good))
	if !strings.Contains(page, "transparency-log") || !strings.Contains(page, "transparency log at index") {
		t.Fatal("the credential page has no transparency log line")
	}

	// Someone with access to the database rewrites a stored credential.
	// Re-encoding keeps the Data Integrity proof valid (it signs the
	// canonical form), so only the log can tell.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "cairn.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored []byte
	if err := db.QueryRow(`SELECT credential_json FROM awards WHERE id = ?`, tampered).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(stored, &m)
	rewritten, _ := json.MarshalIndent(m, "", "\t")
	if bytes.Equal(rewritten, stored) {
		t.Fatal("the rewrite changed nothing")
	}
	if _, err := db.Exec(`UPDATE awards SET credential_json = ? WHERE id = ?`, rewritten, tampered); err != nil {
		t.Fatal(err)
	}
	// The public reads take an award's head from a cache that a change
	// made behind the server's back leaves within a second
	// (store.headTTL); the bound is for slow machines.
	var served []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if served = getOK(t, base+"/credentials/"+tampered+".json"); bytes.Equal(served, rewritten) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server does not serve the rewritten credential")
		}
	}
	rep = outsider.Verify(context.Background(), served)
	if c := rep.Check(verify.CheckLog); rep.Result != verify.Failed || c == nil || c.Outcome != verify.Failed ||
		!strings.Contains(c.Reason, "changed after it was logged") || rep.Check(verify.CheckProof).Outcome != verify.Verified {
		t.Fatalf("rewritten: %s; %+v", rep.Summary(), c)
	}
	// The page held in memory learns of the change from the store's watch
	// of award changes (store/watch.go), within the same second.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if page = string(getOK(t, base+"/credentials/"+tampered)); strings.Contains(page, "changed after it was logged") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the credential page does not show the log check's failure")
		}
	}

	// The log cannot be reached: a Cairn credential's check is indeterminate.
	cut := verify.New(fetch.Func(func(ctx context.Context, u string) ([]byte, error) {
		if strings.Contains(u, "/log/") {
			return nil, fetch.ErrUnavailable
		}
		return httpFetch(ctx, u)
	}))
	rep = cut.Verify(context.Background(), credJSON)
	if c := rep.Check(verify.CheckLog); rep.Result != verify.Indeterminate || c == nil || c.Outcome != verify.Indeterminate {
		t.Fatalf("log unreachable: %s; %+v", rep.Summary(), c)
	}
}
