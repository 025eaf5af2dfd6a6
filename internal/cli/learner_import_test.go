package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/wallet"
)

// TestLearnerImportCommand: cairn learner import FILE|URL keeps a badge
// from elsewhere and prints its verification; a second import says it is
// there already; what cannot be imported is one line and a non-zero exit.
func TestLearnerImportCommand(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, svc := testenv.Service(t, "https://badges.example.org", log)
	v := verify.New(fetch.Offline)
	mux := http.NewServeMux()
	(&api.Server{Service: svc, Store: db, Log: log, Verifier: v, Wallet: wallet.New(db, "https://badges.example.org", wallet.Options{Log: log}),
		Imports: wallet.NewImporter(db, v, wallet.ImportOptions{Log: log})}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	run := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := Run(ctx, append([]string{"learner"}, append(args, "--server", srv.URL)...), strings.NewReader(stdin), &out, &errb)
		return code, out.String(), errb.String()
	}
	const pw = "correct horse battery\n"
	if code, _, errs := run(pw, "signup", "--email", "ada@example.org", "--name", "Ada"); code != 0 {
		t.Fatalf("signup: %s", errs)
	}
	code, out, errs := run(pw, "login", "--email", "ada@example.org")
	if code != 0 {
		t.Fatalf("login: %s", errs)
	}
	tok := strings.TrimSpace(out)
	vec := func(name string) string { return filepath.Join("..", "..", "api", "testdata", "wallet", name) }

	if code, out, errs := run("", "import", "--token", tok, vec("ob30-simple-jwt.svg")); code != 0 ||
		!strings.Contains(out, "imported Teamwork from Example Corp (ob3): verified") || !strings.Contains(out, "proof") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	if code, out, _ := run("", "import", "--token", tok, vec("ob30-simple-jwt.svg")); code != 0 || !strings.HasPrefix(out, "already in the wallet: Teamwork") {
		t.Errorf("import again: %d %q", code, out)
	}
	// A failed one is kept, flagged, unless refused.
	if code, out, _ := run("", "import", "--token", tok, vec("ob30-simple.jwt")); code != 0 || !strings.Contains(out, ": failed, id ") {
		t.Errorf("import a failing JWT: %d %q", code, out)
	}
	jwt, err := os.ReadFile(vec("ob30-simple.jwt"))
	if err != nil {
		t.Fatal(err)
	}
	if code, out, _ := run(string(jwt), "import", "--token", tok, "-"); code != 0 || !strings.HasPrefix(out, "already in the wallet") {
		t.Errorf("import from standard input: %d %q", code, out)
	}
	if code, out, _ := run("", "credentials", "--token", tok); code != 0 || !strings.Contains(out, "Teamwork") {
		t.Errorf("credentials: %d %q", code, out)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", "--token", tok, "--refuse-failed", vec("ob30-simple.jwt")}, ExitFailed, "422 Unprocessable Entity: credential: the credential failed verification"},
		{[]string{"import", "--token", tok, filepath.Join("..", "..", "bake", "testdata", "ob20-robotics-badge-unbaked.png")}, ExitFailed, "file: this PNG carries no badge"},
		{[]string{"import", "--token", tok, "no-such-file.png"}, ExitUsage, "no such file"},
		{[]string{"import", "--token", tok, "https://unreachable.example/badge"}, ExitFailed, "url: https://unreachable.example/badge could not be fetched"},
		{[]string{"import", "--token", tok}, ExitUsage, "want a FILE"},
		{[]string{"import", vec("ob30-simple.jwt")}, ExitUsage, "--token is required"},
	} {
		code, out, errs := run("", c.args...)
		if code != c.code || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: %d %q %q, want %d %q", c.args, code, out, errs, c.code, c.want)
		}
	}
}
