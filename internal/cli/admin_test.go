package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	cairnerr "github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// cairn admin reset-password prints a single-use link for a staff account,
// and says so plainly when there is no such account.
func TestAdminResetPassword(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccount(ctx, &cairnerr.Account{Email: "staff@example.org", Name: "Staff", PasswordHash: "h"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	t.Setenv("CAIRN_BASE_URL", "https://badges.example.edu")
	code, out, errOut := cairn(t, dir, "", "admin", "reset-password", "--data", dir, "Staff@Example.org")
	if code != 0 || !strings.Contains(out, "https://badges.example.edu/password-reset/") {
		t.Fatalf("exit %d, out %q, err %q", code, out, errOut)
	}
	code, _, errOut = cairn(t, dir, "", "admin", "reset-password", "--data", dir, "nobody@example.org")
	if code == 0 || !strings.Contains(errOut, "no staff account has the email nobody@example.org") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Errorf("unknown email: exit %d, %q", code, errOut)
	}
	code, _, errOut = cairn(t, dir, "", "admin", "reset-password", "--data", dir)
	if code == 0 || !strings.Contains(errOut, "EMAIL") {
		t.Errorf("no email: exit %d, %q", code, errOut)
	}
}
