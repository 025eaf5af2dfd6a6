package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	_ "modernc.org/sqlite"

	"github.com/cairn-badges/cairn/internal/app"
	"github.com/cairn-badges/cairn/internal/fail500"
	"github.com/cairn-badges/cairn/logserver"
	"github.com/cairn-badges/cairn/translog"
)

// bootApp runs the real server on 127.0.0.1:0 with a fresh data folder.
func bootApp(t *testing.T, dir string) *app.App {
	t.Helper()
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DataDir: dir, Offline: true},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return a
}

// TestAuditErrorUnservedResource: a tile or bundle the log does not serve
// is a divergence over the entries it covers, unless the status says the
// server is busy or a proxy could not reach it.
func TestAuditErrorUnservedResource(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   int
		out    string
	}{
		{500, ExitFailed, "DIVERGENCE: log diverges in indexes [256, 300) (tile/entries/001.p/44): the log's checkpoint covers them and the log does not serve them (HTTP 500)\n"},
		{404, ExitFailed, "DIVERGENCE: log diverges in indexes [256, 300) (tile/entries/001.p/44): the log's checkpoint covers them and the log does not serve them (HTTP 404)\n"},
		{503, ExitIndeterminate, ""},
		{429, ExitIndeterminate, ""},
	} {
		var out, errb bytes.Buffer
		e := &env{ctx: context.Background(), stdout: &out, stderr: &errb}
		fe := &translog.FetchError{Start: 256, End: 300, Path: "tile/entries/001.p/44",
			Err: &logserver.StatusError{Path: "tile/entries/001.p/44", Code: tc.status}}
		var ee *exitError
		if err := auditError(e, fe); !errors.As(err, &ee) || ee.code != tc.code || out.String() != tc.out {
			t.Errorf("HTTP %d: %v, output %q; want exit %d, output %q", tc.status, err, out.String(), tc.code, tc.out)
		}
	}
}

// TestLogEndToEnd issues through the API of the running server, waits for
// the awards' inclusion, checks the inclusion proofs the server gives, and
// audits the log with cairn log audit: it passes, then reports a changed
// leaf, a deleted entry and a rewritten history signed at the same size.
func TestLogEndToEnd(t *testing.T) {
	dir := t.TempDir()
	a := bootApp(t, filepath.Join(dir, "data"))
	base := a.BaseURL()
	ctx := context.Background()
	issue := func(email string) string {
		t.Helper()
		body := `{"achievementId":"` + a.FirstRun.AchievementID + `","recipient":{"email":"` + email + `"}}`
		req, _ := http.NewRequest("POST", base+"/api/v1/awards", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+a.FirstRun.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ ID string }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("issue: %d %v", resp.StatusCode, err)
		}
		cred := a.Service().CredentialURL(out.ID)
		if _, err := a.TransparencyLog().WaitIncluded(ctx, cred, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		return out.ID
	}
	ids := []string{issue("a@example.org"), issue("b@example.org")}

	// The server's proofs check against its checkpoint, with its key.
	fetch := logserver.Fetcher(nil, base+"/log")
	vkey, err := fetch(ctx, "key")
	if err != nil || strings.TrimSpace(string(vkey)) != a.TransparencyLog().VerifierKey() {
		t.Fatalf("key: %q, %v", vkey, err)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		var lr logserver.LookupResponse
		resp, err := http.Get(base + "/log/lookup/" + id)
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&lr)
		resp.Body.Close()
		cp, _, err := translog.OpenCheckpoint([]byte(lr.Checkpoint), v)
		if err != nil || len(lr.Entries) != 1 {
			t.Fatalf("lookup %s: %+v, %v", id, lr, err)
		}
		e := lr.Entries[0]
		if err := translog.VerifyInclusion(cp, e.Index, e.Entry, e.InclusionProof); err != nil {
			t.Errorf("inclusion of %s: %v", id, err)
		}
	}

	// First audit: trust on first use, save the checkpoint and the key.
	file := filepath.Join(dir, "log.checkpoint")
	code, out, errOut := cairn(t, dir, "", "log", "audit", "--checkpoint", file, "--update", base)
	if code != 0 || !strings.HasPrefix(out, "ok: log ") || !strings.Contains(errOut, "trusting the key") {
		t.Fatalf("first audit: %d %q %q", code, out, errOut)
	}
	if b, _ := os.ReadFile(file + ".vkey"); strings.TrimSpace(string(b)) != a.TransparencyLog().VerifierKey() {
		t.Fatalf("pinned key %q", b)
	}
	ids = append(ids, issue("c@example.org"))
	older := filepath.Join(dir, "older.checkpoint")
	if b, err := os.ReadFile(file); err != nil || os.WriteFile(older, b, 0o600) != nil {
		t.Fatal(err)
	}
	code, out, errOut = cairn(t, dir, "", "log", "audit", "--checkpoint", file, "--update", base)
	if code != 0 || !strings.Contains(out, "extends the saved checkpoint") || errOut != "" {
		t.Fatalf("second audit: %d %q %q", code, out, errOut)
	}

	// The monitor prints the events of the log (here all of one issuer).
	code, out, _ = cairn(t, dir, "", "log", "monitor", "--rounds", "1", "--interval", "10ms", base)
	if code != 0 || !strings.Contains(out, a.Service().CredentialURL(ids[2])) {
		t.Fatalf("monitor: %d %q", code, out)
	}
	issuer := strings.Fields(strings.Split(out, "\n")[0])[3]
	code, out2, _ := cairn(t, dir, "", "log", "monitor", "--rounds", "1", "--issuer", issuer+"x", base)
	if code != 0 || out2 != "" {
		t.Fatalf("monitor of another issuer: %d %q", code, out2)
	}

	// Tamper with the database behind the server's back.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "data", "cairn.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var entry1 []byte
	if err := db.QueryRow("SELECT data FROM translog_entries WHERE idx = 1").Scan(&entry1); err != nil {
		t.Fatal(err)
	}
	forged := []byte(strings.Replace(string(entry1), "type issued", "type revoked", 1))
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	audit := func() (int, string) {
		code, out, _ := cairn(t, dir, "", "log", "audit", "--checkpoint", file, base)
		return code, out
	}

	exec("UPDATE translog_entries SET data = ? WHERE idx = 1", forged)
	if code, out := audit(); code != ExitFailed || !strings.Contains(out, "DIVERGENCE: log diverges at index 1 ") {
		t.Errorf("audit of a changed leaf: %d %q", code, out)
	}
	exec("UPDATE translog_entries SET data = ? WHERE idx = 1", entry1)

	// A deleted entry: the server refuses the bundle that holds it, and
	// serves the narrower ones before it, so the audit names the entry.
	restore500s := meant500s(t)
	exec("DELETE FROM translog_entries WHERE idx = 1")
	if code, out := audit(); code != ExitFailed || !strings.Contains(out, "DIVERGENCE: log diverges at index 1 (tile/entries/000.p/2): the log's checkpoint covers it and the log does not serve it (HTTP 500)") {
		t.Errorf("audit of a deleted entry: %d %q", code, out)
	}
	exec("INSERT INTO translog_entries (idx, credential_id, data) VALUES (1, ?, ?)", a.Service().CredentialURL(ids[1]), entry1)
	if code, out := audit(); code != 0 {
		t.Fatalf("audit with the entry restored: %d %q", code, out)
	}
	exec("DELETE FROM translog_entries WHERE idx = 2")
	if code, out := audit(); code != ExitFailed || !strings.Contains(out, "DIVERGENCE: log diverges at index 2 (tile/entries/000.p/3): ") {
		t.Errorf("audit of a deleted last entry: %d %q", code, out)
	}
	restore500s()
	exec("INSERT INTO translog_entries (idx, credential_id, data) SELECT 2, '', data FROM translog_entries WHERE idx = 1")
	if code, _ := audit(); code != ExitFailed {
		t.Errorf("audit with a duplicated entry passed")
	}

	// Rewrite history consistently (entry, leaf hash, tree) and have the
	// log sign it again at the same size: a fork of the saved checkpoint.
	var tile []byte
	if err := db.QueryRow("SELECT hashes FROM translog_tiles WHERE level = 0 AND idx = 0").Scan(&tile); err != nil {
		t.Fatal(err)
	}
	tile = append([]byte(nil), tile...)
	copy(tile[32:64], translog.LeafHash(forged))
	var data2 []byte
	db.QueryRow("SELECT data FROM translog_entries WHERE idx = 1").Scan(&data2)
	copy(tile[64:96], translog.LeafHash(data2))
	exec("UPDATE translog_entries SET data = ? WHERE idx = 1", forged)
	exec("UPDATE translog_tiles SET hashes = ? WHERE level = 0 AND idx = 0", tile)
	exec("UPDATE translog_state SET checkpoint = NULL, checkpoint_size = NULL")
	if _, err := a.TransparencyLog().Drain(ctx); err != nil {
		t.Fatal(err)
	}
	code, out, _ = cairn(t, dir, "", "log", "audit", "--checkpoint", file, base)
	if code != ExitFailed || !strings.Contains(out, "FORK: the log signed two checkpoints of size") || strings.Count(out, "— "+a.TransparencyLog().Origin()) != 2 {
		t.Errorf("audit of a rewritten history: %d %q", code, out)
	}
	// From an older saved checkpoint, the rewrite shows as a tree that
	// does not extend it, with both notes as evidence.
	code, out, _ = cairn(t, dir, "", "log", "audit", "--checkpoint", older, "--key", a.TransparencyLog().VerifierKey(), base)
	if code != ExitFailed || !strings.Contains(out, "is not the one of the saved checkpoint") || strings.Count(out, "— "+a.TransparencyLog().Origin()) != 2 {
		t.Errorf("audit of a rewritten history from an older checkpoint: %d %q", code, out)
	}

	// A log that cannot be reached is indeterminate, not failed.
	if code, _, _ := cairn(t, dir, "", "log", "audit", "--checkpoint", file, "http://127.0.0.1:1"); code != ExitIndeterminate {
		t.Errorf("audit of an unreachable log: exit %d, want %d", code, ExitIndeterminate)
	}
	if code, _, _ := cairn(t, dir, "", "log", "audit", base); code != ExitUsage {
		t.Errorf("audit without --checkpoint: exit %d", code)
	}
}

// meant500s stops recording HTTP 500s (internal/fail500) until the
// function it returns is called: while an entry is missing from the
// database the log server rightly answers 500, and the audit must say so.
func meant500s(t *testing.T) (restore func()) {
	old := os.Getenv(fail500.EnvVar)
	t.Setenv(fail500.EnvVar, "")
	return func() { os.Setenv(fail500.EnvVar, old) }
}

// TestLogAuditCredentials rewrites a stored credential behind the log's
// back: the tree audit cannot see it (the log holds only the digest of the
// bytes signed, and its events are intact), log audit --credentials does.
func TestLogAuditCredentials(t *testing.T) {
	dir := t.TempDir()
	a := bootApp(t, filepath.Join(dir, "data"))
	base := a.BaseURL()
	ctx := context.Background()
	api := func(path, body string) string {
		t.Helper()
		req, _ := http.NewRequest("POST", base+"/api/v1/awards"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+a.FirstRun.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ ID string }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode/100 != 2 {
			t.Fatalf("POST %s: %d %v", path, resp.StatusCode, err)
		}
		if _, err := a.TransparencyLog().WaitIncluded(ctx, a.Service().CredentialURL(out.ID), 10*time.Second); err != nil {
			t.Fatal(err)
		}
		return out.ID
	}
	award := func(email, formats string) string {
		return api("", `{"achievementId":"`+a.FirstRun.AchievementID+`","recipient":{"email":"`+email+`"},"formats":`+formats+`}`)
	}
	di := award("a@example.org", `["di"]`)
	jwtOnly := award("b@example.org", `["jwt"]`)
	both := award("c@example.org", `["di","jwt"]`)
	// A reissued credential's first event has the digest of bytes no
	// longer served: the check is against the latest event.
	api("/"+di+"/reissue", `{}`)

	file := filepath.Join(dir, "log.checkpoint")
	audit := func(args ...string) (int, string, string) {
		t.Helper()
		return cairn(t, dir, "", append([]string{"log", "audit", "--checkpoint", file, "--key", a.TransparencyLog().VerifierKey()}, append(args, base)...)...)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "data", "cairn.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	// served waits until the server serves body at path (404 for a nil
	// body) with the Accept header given, as the audit reads it. The
	// public reads take an award's head from a cache that a change made
	// behind the server's back (as here, in its database) takes up to a
	// second to leave (store.headTTL); the bound is for slow machines.
	served := func(path, accept string, body []byte) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			req, _ := http.NewRequest("GET", base+path, nil)
			req.Header.Set("Accept", accept)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && (body == nil && resp.StatusCode == http.StatusNotFound || body != nil && resp.StatusCode == http.StatusOK && bytes.Equal(got, body)) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: status %d, %d bytes: not the bytes written to the database after 10 s", path, resp.StatusCode, len(got))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	rewrite := func(award string, credJSON []byte, jwt string) {
		t.Helper()
		if credJSON != nil {
			exec("UPDATE awards SET credential_json = ? WHERE id = ?", credJSON, award)
			served("/credentials/"+award, "application/vc+ld+json", credJSON)
		} else {
			exec("UPDATE awards SET credential_jwt = ? WHERE id = ?", jwt, award)
			served("/credentials/"+award+".jwt", "application/vc+jwt", []byte(jwt))
		}
	}
	// The first run's sample award is in the log too.
	var nCreds int
	if err := db.QueryRow("SELECT COUNT(DISTINCT credential_id) FROM translog_entries").Scan(&nCreds); err != nil || nCreds < 3 {
		t.Fatalf("%d credentials in the log, %v", nCreds, err)
	}
	latest := func(award string) string {
		t.Helper()
		var idx int
		if err := db.QueryRow("SELECT MAX(idx) FROM translog_entries WHERE credential_id = ?", a.Service().CredentialURL(award)).Scan(&idx); err != nil {
			t.Fatal(err)
		}
		return strconv.Itoa(idx)
	}
	if code, out, errOut := audit("--credentials"); code != 0 || !strings.Contains(out, "ok: "+strconv.Itoa(nCreds)+" credentials served as the log records them") {
		t.Fatalf("audit --credentials: %d %q %q", code, out, errOut)
	}

	var js []byte
	if err := db.QueryRow("SELECT credential_json FROM awards WHERE id = ?", both).Scan(&js); err != nil {
		t.Fatal(err)
	}
	// A JWT-only credential's log digest is of its JWT: its JSON may
	// change without the log (and does not here), its JWT may not.
	var jwt string
	if err := db.QueryRow("SELECT credential_jwt FROM awards WHERE id = ?", jwtOnly).Scan(&jwt); err != nil || jwt == "" {
		t.Fatalf("JWT-only award has JWT %q, %v", jwt, err)
	}

	// Rewrite a credential in the database (the signature no longer
	// holds, which is beside the point: the issuer serves other bytes than
	// it logged).
	forged := []byte(strings.Replace(string(js), "c@example.org", "mallory@example.org", 1))
	if bytes.Equal(forged, js) {
		forged = append([]byte(nil), js...)
		forged[len(forged)-2] ^= 1
	}
	rewrite(both, forged, "")
	rewrite(jwtOnly, nil, jwt+"x")
	if code, out, errOut := audit(); code != 0 || !strings.HasPrefix(out, "ok: log ") || strings.Contains(out, "credential") {
		t.Errorf("tree audit of a log whose credentials were rewritten: %d %q %q (it cannot see them)", code, out, errOut)
	}
	code, out, _ := audit("--credentials")
	for _, want := range []string{
		"DIVERGENCE: credential " + a.Service().CredentialURL(both) + ": the bytes served differ from the log (latest event index " + latest(both) + ", type issued)\n",
		"DIVERGENCE: credential " + a.Service().CredentialURL(jwtOnly) + ": the bytes served differ from the log (latest event index " + latest(jwtOnly) + ", type issued)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("audit --credentials of rewritten credentials: output lacks %q", want)
		}
	}
	if code != ExitFailed || strings.Contains(out, a.Service().CredentialURL(di)) || strings.Count(out, "DIVERGENCE") != 2 {
		t.Errorf("audit --credentials of rewritten credentials: %d %q", code, out)
	}
	if code, out, _ := cairn(t, dir, "", "log", "monitor", "--rounds", "1", "--credentials", "--key", a.TransparencyLog().VerifierKey(), base); code != ExitFailed || strings.Count(out, "DIVERGENCE: credential ") != 2 {
		t.Errorf("monitor --credentials: %d %q", code, out)
	}
	rewrite(both, js, "")
	rewrite(jwtOnly, nil, jwt)
	if code, out, _ := audit("--credentials"); code != 0 {
		t.Errorf("audit --credentials with the credentials restored: %d %q", code, out)
	}

	// A credential the issuer no longer serves cannot be checked: the
	// audit is indeterminate, unless another one diverges.
	exec("UPDATE awards SET id = 'gone' WHERE id = ?", di)
	served("/credentials/"+di, "application/vc+ld+json", nil)
	code, out, _ = audit("--credentials")
	if code != ExitIndeterminate || !strings.Contains(out, "UNCHECKED: credential "+a.Service().CredentialURL(di)+": cannot fetch it: ") {
		t.Errorf("audit --credentials with a credential not served: %d %q", code, out)
	}
	rewrite(both, forged, "")
	if code, out, _ := audit("--credentials"); code != ExitFailed || !strings.Contains(out, "UNCHECKED: ") {
		t.Errorf("audit --credentials with one credential not served and one rewritten: %d %q", code, out)
	}
	// --max-credentials checks the most recently changed first: the
	// reissued one, not served.
	if code, out, errOut := audit("--credentials", "--max-credentials", "1"); code != ExitIndeterminate || strings.Contains(out, "DIVERGENCE") || !strings.Contains(errOut, "checked the 1 most recently changed of "+strconv.Itoa(nCreds)) {
		t.Errorf("audit --credentials --max-credentials 1: %d %q %q", code, out, errOut)
	}
}
