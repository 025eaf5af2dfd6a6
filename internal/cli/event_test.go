package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	domain "github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/issuing"
)

// TestEvent sends events with cairn event to an in-process server: flags
// and a file, a retry, no rule matched, and errors as one line with a
// non-zero exit.
func TestEvent(t *testing.T) {
	ctx := context.Background()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	defer srv.Close()
	db, svc := testenv.Service(t, srv.URL, nil)
	mux := http.NewServeMux()
	(&api.Server{Service: svc, Store: db}).Register(mux)
	h = mux
	org := &domain.Organization{Slug: "cli", Name: "CLI University"}
	if err := db.CreateOrganizationWithOwner(ctx, org, &domain.Account{Email: "o@example.org", PasswordHash: "x"}, nil); err != nil {
		t.Fatal(err)
	}
	key, k := api.NewAPIKey(org.ID, "lms", domain.RoleIssuer)
	viewerKey, vk := api.NewAPIKey(org.ID, "viewer", domain.RoleViewer)
	for _, k := range []*domain.APIKey{k, vk} {
		if err := db.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	is, err := svc.CreateIssuer(ctx, org.ID, issuing.IssuerInput{Name: "CLI University", URL: "https://cli.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	ach, err := svc.CreateAchievement(ctx, org.ID, issuing.AchievementInput{IssuerID: is.ID, Name: "Go", Description: "Writes Go.", CriteriaNarrative: "Pass the Go course."})
	if err != nil {
		t.Fatal(err)
	}
	min := 70.0
	if _, err := svc.CreateRule(ctx, org.ID, issuing.RuleInput{Name: "Go course", EventType: "course.completed", CourseID: "GO1",
		MinScore: &min, AchievementID: ach.ID}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	flags := []string{"event", "--server", srv.URL, "--key", key, "--course", "GO1", "--email", "ada@example.org", "--name", "Ada",
		"--score", "88", "--external-id", "cli-1", "--occurred-at", "2025-06-30T12:00:00Z"}

	code, out, errs := cairn(t, dir, "", flags...)
	if code != ExitOK || !strings.Contains(out, "event cli-1: awarded, 1 award(s)") || !strings.Contains(out, srv.URL+"/credentials/") || !strings.Contains(out, `rule "Go course"`) {
		t.Fatalf("first send: %d\n%s%s", code, out, errs)
	}
	code, out2, errs := cairn(t, dir, "", flags...)
	if code != ExitOK || !strings.Contains(out2, "sent before: nothing new") || strings.Fields(out2)[len(strings.Fields(out2))-5] != strings.Fields(out)[len(strings.Fields(out))-5] {
		t.Fatalf("retry: %d\n%s%s", code, out2, errs)
	}
	if n, _ := db.CountAwards(ctx, domain.AwardFilter{OrgID: org.ID}); n != 1 {
		t.Fatalf("%d awards after the send and its retry, want 1", n)
	}

	// A file; no rule matches a low score.
	file := filepath.Join(dir, "event.json")
	os.WriteFile(file, []byte(`{"type":"course.completed","courseId":"GO1","score":50,"recipient":{"email":"bob@example.org"},
		"occurredAt":"2025-06-30T12:00:00Z","externalId":"cli-2"}`), 0o644)
	code, out, errs = cairn(t, dir, "", "event", "--server", srv.URL, "--key", key, file)
	if code != ExitOK || !strings.Contains(out, "event cli-2: no rule matched") {
		t.Fatalf("file: %d\n%s%s", code, out, errs)
	}
	// From stdin, with the key from the environment.
	t.Setenv("CAIRN_API_KEY", key)
	code, out, errs = cairn(t, dir, `{"type":"course.completed","courseId":"GO1","score":90,"recipient":{"did":"did:example:123"},"occurredAt":"2025-06-30T12:00:00Z","externalId":"cli-3"}`,
		"event", "--server", srv.URL, "-")
	if code != ExitOK || !strings.Contains(out, "event cli-3: awarded, 1 award(s)") {
		t.Fatalf("stdin: %d\n%s%s", code, out, errs)
	}

	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"reused external ID", append(append([]string{}, flags[:len(flags)-4]...), "--external-id", "cli-1", "--score", "99"), ExitFailed, "409 Conflict: externalId:"},
		{"score over 100", append(append([]string{}, flags...), "--score", "150", "--external-id", "cli-9"), ExitUsage, "422 Unprocessable Entity: score: must be a percentage"},
		{"viewer key", []string{"event", "--server", srv.URL, "--key", viewerKey, "--email", "a@example.org", "--external-id", "v"}, ExitFailed, "403 Forbidden"},
		{"bad key", []string{"event", "--server", srv.URL, "--key", "nope", "--email", "a@example.org", "--external-id", "v"}, ExitFailed, "401 Unauthorized"},
		{"no server", []string{"event", "--key", key, "--email", "a@example.org", "--external-id", "v"}, ExitUsage, "--server"},
		{"no external ID", []string{"event", "--server", srv.URL, "--email", "a@example.org"}, ExitUsage, "--external-id is required"},
		{"no recipient", []string{"event", "--server", srv.URL, "--external-id", "x"}, ExitUsage, "--email or --did"},
		{"score not a number", []string{"event", "--server", srv.URL, "--email", "a@example.org", "--external-id", "x", "--score", "high"}, ExitUsage, "not a number"},
		{"file and flags", []string{"event", "--server", srv.URL, "--email", "a@example.org", file}, ExitUsage, "not both"},
		{"not JSON", []string{"event", "--server", srv.URL, filepath.Join(dir, "missing.json")}, ExitUsage, "no such file"},
		{"unreachable", []string{"event", "--server", "http://127.0.0.1:1", "--email", "a@example.org", "--external-id", "x"}, ExitFailed, "cannot reach"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := cairn(t, dir, "", tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.want) || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "cairn: event: ") {
				t.Errorf("exit %d, stderr %q, stdout %q; want %d and %q on one line", code, errs, out, tt.code, tt.want)
			}
		})
	}
}
