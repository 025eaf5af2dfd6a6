package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cairnpkg "github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/jobs"
)

// jobServer is the real API with award job workers, over a fresh store:
// its URL, an owner key and an achievement.
func jobServer(t *testing.T) (base, key, achID string) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, svc := testenv.Service(t, "https://badges.example.org", log)
	jb := jobs.New(db, svc, jobs.Options{Log: log, Poll: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { jb.Run(ctx, true); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	mux := http.NewServeMux()
	(&api.Server{Service: svc, Store: db, Log: log, Jobs: jb}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	key, k := api.NewAPIKey("", "owner", cairnpkg.RoleOwner)
	o := &cairnpkg.Organization{Slug: "cli", Name: "CLI"}
	owner := &cairnpkg.Account{Email: "owner@example.org", Name: "Owner", PasswordHash: "$argon2id$x"}
	if err := db.CreateOrganizationWithOwner(context.Background(), o, owner, k); err != nil {
		t.Fatal(err)
	}
	post := func(path string, body any) string {
		data, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader(data))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v struct{ ID string }
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.ID == "" {
			t.Fatalf("POST %s: %d (%v)", path, resp.StatusCode, err)
		}
		return v.ID
	}
	is := post("/api/v1/issuers", map[string]any{"name": "CLI Issuer", "url": "https://example.org"})
	achID = post("/api/v1/achievements", map[string]any{"issuerId": is, "name": "Bulk", "description": "Bulk issued.",
		"criteriaNarrative": "Was in the file."})
	return srv.URL, key, achID
}

func TestAwardJobCommand(t *testing.T) {
	base, key, achID := jobServer(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.csv", "email,name\na@example.com,Ann\nb@example.com,Bo\nc@example.com,Cy\n")
	bad := write("bad.csv", "email,name\nd@example.com,Di\nnot-an-email,X\n")
	unknown := write("unknown.csv", "email,colour\ne@example.com,red\n")

	for _, tc := range []struct {
		name      string
		args      []string
		code      int
		out, errs string
	}{
		{"all issued", []string{"--server", base, "--key", key, "--achievement", achID, good}, ExitOK, "done: 3 issued, 0 failed, 0 skipped of 3 rows", "job "},
		{"a row failed", []string{"--server", base, "--key", key, "--achievement", achID, bad}, ExitFailed, "done: 1 issued, 1 failed", "row 3, column email:"},
		{"dry run", []string{"--server", base, "--key", key, "--achievement", achID, "--dry-run", bad}, ExitFailed, "dry run: 2 rows, 1 would be issued, 1 would fail", "row 3, column email"},
		{"dry run clean", []string{"--server", base, "--key", key, "--achievement", achID, "--dry-run", good}, ExitOK, "3 would be issued, 0 would fail", ""},
		{"file rejected", []string{"--server", base, "--key", key, "--achievement", achID, unknown}, ExitFailed, "", `cairn: award-job: 422 Unprocessable Entity: file: row 1: unknown column "colour"`},
		{"bad key", []string{"--server", base, "--key", "nope", "--achievement", achID, good}, ExitFailed, "", "cairn: award-job: 401"},
		{"no file", []string{"--server", base, "--key", key}, ExitUsage, "", "want one FILE"},
		{"missing file", []string{"--server", base, "--key", key, filepath.Join(dir, "none.csv")}, ExitUsage, "", "no such file"},
		{"no server", []string{"--key", key, good}, ExitUsage, "", "--server and --key are required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CAIRN_SERVER", "")
			t.Setenv("CAIRN_API_KEY", "")
			var out, errb bytes.Buffer
			code := Run(context.Background(), append([]string{"award-job"}, tc.args...), strings.NewReader(""), &out, &errb)
			if code != tc.code || !strings.Contains(out.String(), tc.out) || !strings.Contains(errb.String(), tc.errs) {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out.String(), errb.String())
			}
			if tc.code != ExitOK && tc.out == "" && strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 {
				t.Errorf("the error is not one line: %q", errb.String())
			}
		})
	}
}
