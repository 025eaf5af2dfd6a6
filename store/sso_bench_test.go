package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/sso"
	"github.com/cairn-badges/cairn/store"
)

// BenchmarkSessionScope is the query every staff page and session API
// request adds when single sign-on is on (sso.Scope): a password session
// of an account in 5 organizations, 2 of which refuse passwords, on
// SQLite. Run it with
//
//	go test ./store -run '^$' -bench SessionScope -benchmem
func BenchmarkSessionScope(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "cairn.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	acct := &cairn.Account{Email: "ada@example.org", PasswordHash: "x"}
	if err := db.CreateAccount(ctx, acct); err != nil {
		b.Fatal(err)
	}
	for i, slug := range []string{"a", "b", "c", "d", "e"} {
		org := &cairn.Organization{Slug: slug, Name: slug}
		if err := db.CreateOrganization(ctx, org); err != nil {
			b.Fatal(err)
		}
		if err := db.SetMembership(ctx, cairn.Membership{OrgID: org.ID, AccountID: acct.ID, Role: cairn.RoleViewer}); err != nil {
			b.Fatal(err)
		}
		if err := db.PutSSOConfig(ctx, &sso.Config{OrgID: org.ID, Enabled: true, IssuerURL: "https://idp.example.org", ClientID: "c",
			SecretSealed: []byte{1}, EmailDomains: []string{"example.org"}, PasswordLogin: i >= 2}); err != nil {
			b.Fatal(err)
		}
	}
	s := &cairn.Session{TokenHash: "h", AccountID: acct.ID, CSRFToken: "c", ExpiresAt: time.Now().Add(time.Hour)}
	if err := db.CreateSession(ctx, s); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		sc, err := db.SessionScope(ctx, s.ID, acct.ID)
		if err != nil || len(sc.NoPassword) != 2 {
			b.Fatalf("%+v, %v", sc, err)
		}
	}
}
