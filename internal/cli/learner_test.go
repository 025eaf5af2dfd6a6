package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	cairnpkg "github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/wallet"
)

// TestLearnerCommands walks a learner's life on the command line: sign up,
// verify the address by the link the server logged, sign in, claim an
// award, prove a did:key, list, and delete the wallet; errors are one line
// and a non-zero exit.
func TestLearnerCommands(t *testing.T) {
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	db, svc := testenv.Service(t, "https://badges.example.org", log)
	mux := http.NewServeMux()
	(&api.Server{Service: svc, Store: db, Log: log, Wallet: wallet.New(db, "https://badges.example.org", wallet.Options{Log: log})}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	ctx := context.Background()

	// An award to ada@example.org, with a claim link.
	_, k := api.NewAPIKey("", "owner", cairnpkg.RoleOwner)
	o := &cairnpkg.Organization{Slug: "cli", Name: "CLI"}
	if err := db.CreateOrganizationWithOwner(ctx, o, &cairnpkg.Account{Email: "owner@example.org", PasswordHash: "$argon2id$x"}, k); err != nil {
		t.Fatal(err)
	}
	is, err := svc.CreateIssuer(ctx, o.ID, issuing.IssuerInput{Name: "Uni"})
	if err != nil {
		t.Fatal(err)
	}
	ach, err := svc.CreateAchievement(ctx, o.ID, issuing.AchievementInput{IssuerID: is.ID, Name: "Go", Description: "Go.", CriteriaNarrative: "Pass."})
	if err != nil {
		t.Fatal(err)
	}
	aw, _, err := svc.Award(ctx, o.ID, issuing.AwardInput{AchievementID: ach.ID, Recipient: issuing.RecipientInput{Email: "ada@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	claim := auth.NewToken()
	if _, err := db.RecordClaimToken(ctx, aw.ID, auth.HashToken(claim).String()); err != nil {
		t.Fatal(err)
	}

	run := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := Run(ctx, append([]string{"learner"}, append(args, "--server", srv.URL)...), strings.NewReader(stdin), &out, &errb)
		return code, out.String(), errb.String()
	}
	const pw = "correct horse battery\n"
	if code, out, errs := run(pw, "signup", "--email", "ada@example.org", "--name", "Ada"); code != 0 || !strings.Contains(out, "created wallet") {
		t.Fatalf("signup: %d %q %q", code, out, errs)
	}
	m := regexp.MustCompile(`link=(\S+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no link logged:\n%s", logs)
	}
	link := strings.Trim(m[1], `"`)
	if code, out, errs := run("", "verify-email", link); code != 0 || !strings.Contains(out, "verified ada@example.org") {
		t.Fatalf("verify-email: %d %q %q", code, out, errs)
	}
	code, out, errs := run(pw, "login", "--email", "ada@example.org")
	if code != 0 || !strings.HasPrefix(out, wallet.APITokenPrefix) {
		t.Fatalf("login: %d %q %q", code, out, errs)
	}
	tok := strings.TrimSpace(out)
	if code, out, errs := run("", "claim", "--token", tok, "https://badges.example.org/claim/"+claim); code != 0 || !strings.Contains(out, "claimed Go from Uni") {
		t.Fatalf("claim: %d %q %q", code, out, errs)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "me.jwk")
	if code, _, errs := Run(ctx, []string{"keys", "new", "--out", keyFile}, strings.NewReader(""), io.Discard, &bytes.Buffer{}), "", ""; code != 0 {
		t.Fatalf("keys new: %d %s", code, errs)
	}
	if code, out, errs := run("", "did-add", "--token", tok, "--key", keyFile); code != 0 || !strings.Contains(out, "verified did:key:") {
		t.Fatalf("did-add: %d %q %q", code, out, errs)
	}
	if code, out, errs := run("", "me", "--token", tok); code != 0 || !strings.Contains(out, "email ada@example.org verified") || !strings.Contains(out, "did   did:key:") {
		t.Fatalf("me: %d %q %q", code, out, errs)
	}
	if code, out, errs := run("", "credentials", "--token", tok); code != 0 || !strings.Contains(out, "Go") || !strings.Contains(out, aw.ID) {
		t.Fatalf("credentials: %d %q %q", code, out, errs)
	}

	// Errors: one line, non-zero.
	for _, c := range []struct {
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"wrong password\n", []string{"login", "--email", "ada@example.org"}, ExitFailed, "401 Unauthorized: the email or the password is not right"},
		{"", []string{"login", "--email", "ada@example.org"}, ExitUsage, "password on standard input"},
		{"", []string{"claim", "--token", tok, "nope"}, ExitFailed, "token: no badge has this claim link"},
		{"", []string{"claim", "nope"}, ExitUsage, "--token is required"},
		{"", []string{"fly"}, ExitUsage, "unknown subcommand"},
		{"x\n", []string{"delete", "--token", tok}, ExitFailed, "403 Forbidden: password: the password is not right"},
	} {
		code, _, errs := run(c.stdin, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: %d %q, want %d %q", c.args, code, errs, c.code, c.want)
		}
	}
	if code, out, errs := run(pw, "delete", "--token", tok); code != 0 || !strings.Contains(out, "deleted") {
		t.Fatalf("delete: %d %q %q", code, out, errs)
	}
	if code, _, _ := run("", "me", "--token", tok); code != ExitFailed {
		t.Errorf("me after delete: %d", code)
	}
}
