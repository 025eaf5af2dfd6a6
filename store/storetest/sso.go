package storetest

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/sso"
	"github.com/cairn-badges/cairn/store"
)

// testSSO: a set-up is kept per organization and replaced whole; a sign-in
// creates the account, sets and removes its membership and never demotes
// the last owner (not even two at once); a single sign-on session is
// scoped to its organization; a password session loses the organizations
// that refuse passwords; key rotation sees the client secrets.
func testSSO(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b := newTenant(t, db, "sso-a"), newTenant(t, db, "sso-b")
	_, err := db.SSOConfig(ctx, a.org.ID)
	wantKind(t, "SSOConfig before Put", err, cairn.NotFound)
	c := &sso.Config{OrgID: a.org.ID, Enabled: true, IssuerURL: "https://idp.example.org", ClientID: "cairn",
		SecretSealed: []byte{1, 2, 3}, EmailDomains: []string{"sso-a.example"}, RoleClaim: "groups",
		RoleMap: []sso.RoleMapping{{Value: "staff", Role: cairn.RoleIssuer}}, DefaultRole: cairn.RoleViewer,
		PasswordLogin: true, LoginButton: true}
	must(t, "PutSSOConfig", db.PutSSOConfig(ctx, c))
	got, err := db.SSOConfig(ctx, a.org.ID)
	must(t, "SSOConfig", err)
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("SSOConfig = %+v, want %+v", got, c)
	}
	created := c.CreatedAt
	c.DefaultRole, c.RoleMap, c.PasswordLogin = "", nil, false
	must(t, "PutSSOConfig again", db.PutSSOConfig(ctx, c))
	got, _ = db.SSOConfig(ctx, a.org.ID)
	if got.DefaultRole != "" || len(got.RoleMap) != 0 || got.PasswordLogin || !got.CreatedAt.Equal(created) {
		t.Fatalf("after the second Put: %+v (created %v)", got, created)
	}
	wantKind(t, "PutSSOConfig of no organization", db.PutSSOConfig(ctx, &sso.Config{OrgID: "nope", IssuerURL: "https://x", ClientID: "x", SecretSealed: []byte{1}}), cairn.NotFound)
	all, err := db.SSOConfigs(ctx)
	must(t, "SSOConfigs", err)
	if len(all) != 1 || all[0].OrgID != a.org.ID {
		t.Fatalf("SSOConfigs = %v", all)
	}

	// No access, no account: nothing is created.
	ap, err := db.ApplySSOLogin(ctx, sso.Change{OrgID: a.org.ID, Email: "nobody@sso-a.example"})
	must(t, "ApplySSOLogin without role", err)
	if ap.Account != nil {
		t.Fatalf("ApplySSOLogin without role created %+v", ap.Account)
	}
	if _, err := db.AccountByEmail(ctx, "nobody@sso-a.example"); cairn.KindOf(err) != cairn.NotFound {
		t.Fatalf("AccountByEmail after a no-access sign-in: %v", err)
	}
	// Just-in-time provisioning, then a role change, then removal.
	ap, err = db.ApplySSOLogin(ctx, sso.Change{OrgID: a.org.ID, Email: "ada@sso-a.example", Name: "Ada", PasswordHash: "unusable", Role: cairn.RoleIssuer})
	must(t, "ApplySSOLogin", err)
	if !ap.Created || ap.Previous != "" || ap.Role != cairn.RoleIssuer || ap.Account.Name != "Ada" {
		t.Fatalf("first sign-in = %+v", ap)
	}
	ada := ap.Account
	ap, err = db.ApplySSOLogin(ctx, sso.Change{OrgID: a.org.ID, Email: "ada@sso-a.example", Name: "Ada L.", Role: cairn.RoleViewer})
	must(t, "ApplySSOLogin again", err)
	if ap.Created || ap.Previous != cairn.RoleIssuer || ap.Role != cairn.RoleViewer || ap.Account.ID != ada.ID || ap.Account.Name != "Ada L." {
		t.Fatalf("second sign-in = %+v", ap)
	}
	if m, err := db.Membership(ctx, a.org.ID, ada.ID); err != nil || m.Role != cairn.RoleViewer {
		t.Fatalf("Membership after the second sign-in = %+v, %v", m, err)
	}
	ap, err = db.ApplySSOLogin(ctx, sso.Change{OrgID: a.org.ID, Email: "ada@sso-a.example"})
	must(t, "ApplySSOLogin removing", err)
	if ap.Role != "" || ap.Previous != cairn.RoleViewer {
		t.Fatalf("removing sign-in = %+v", ap)
	}
	if _, err := db.Membership(ctx, a.org.ID, ada.ID); cairn.KindOf(err) != cairn.NotFound {
		t.Fatalf("Membership after removal: %v", err)
	}
	// The last owner keeps the role.
	for _, role := range []cairn.Role{cairn.RoleViewer, ""} {
		ap, err = db.ApplySSOLogin(ctx, sso.Change{OrgID: a.org.ID, Email: a.owner.Email, Role: role})
		must(t, "ApplySSOLogin of the last owner", err)
		if !ap.KeptOwner || ap.Role != cairn.RoleOwner {
			t.Fatalf("last owner signing in with role %q = %+v", role, ap)
		}
	}
	if m, _ := db.Membership(ctx, a.org.ID, a.owner.ID); m == nil || m.Role != cairn.RoleOwner {
		t.Fatalf("the last owner lost the role: %+v", m)
	}
	// Two owners demoted at once: one stays owner.
	_, err = db.ApplySSOLogin(ctx, sso.Change{OrgID: a.org.ID, Email: "ada@sso-a.example", Role: cairn.RoleOwner})
	must(t, "ApplySSOLogin to owner", err)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, email := range []string{a.owner.Email, "ada@sso-a.example"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.ApplySSOLogin(ctx, sso.Change{OrgID: a.org.ID, Email: email, Role: cairn.RoleViewer})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		must(t, "concurrent ApplySSOLogin", err)
	}
	ms, _ := db.OrgMembers(ctx, a.org.ID)
	owners := 0
	for _, m := range ms {
		if m.Role == cairn.RoleOwner {
			owners++
		}
	}
	if owners != 1 {
		t.Fatalf("after two owners were demoted at once, %d owners remain: %v", owners, ms)
	}

	// Scopes. b's owner also joins a; a refuses passwords (c above).
	must(t, "SetMembership", db.SetMembership(ctx, cairn.Membership{OrgID: a.org.ID, AccountID: b.owner.ID, Role: cairn.RoleIssuer}))
	pw := &cairn.Session{TokenHash: "pw-hash", AccountID: b.owner.ID, CSRFToken: "csrf", ExpiresAt: created.Add(3600e9)}
	must(t, "CreateSession", db.CreateSession(ctx, pw))
	sc, err := db.SessionScope(ctx, pw.ID, b.owner.ID)
	must(t, "SessionScope", err)
	if sc.SSOOrgID != "" || !reflect.DeepEqual(sc.NoPassword, map[string]bool{a.org.ID: true}) || sc.Allows(a.org.ID) || !sc.Allows(b.org.ID) {
		t.Fatalf("password session scope = %+v", sc)
	}
	s := &cairn.Session{TokenHash: "sso-hash", AccountID: b.owner.ID, CSRFToken: "csrf", ExpiresAt: created.Add(3600e9)}
	must(t, "CreateSSOSession", db.CreateSSOSession(ctx, s, a.org.ID))
	if got, err := db.SessionByTokenHash(ctx, "sso-hash"); err != nil || got.ID != s.ID {
		t.Fatalf("SessionByTokenHash of the SSO session = %+v, %v", got, err)
	}
	sc, err = db.SessionScope(ctx, s.ID, b.owner.ID)
	must(t, "SessionScope", err)
	if sc.SSOOrgID != a.org.ID || !sc.Allows(a.org.ID) || sc.Allows(b.org.ID) {
		t.Fatalf("SSO session scope = %+v", sc)
	}
	if got := sc.Filter([]*cairn.Membership{{OrgID: a.org.ID}, {OrgID: b.org.ID}}); len(got) != 1 || got[0].OrgID != a.org.ID {
		t.Fatalf("Filter = %v", got)
	}
	must(t, "DeleteSession", db.DeleteSession(ctx, s.ID))
	if sc, _ := db.SessionScope(ctx, s.ID, b.owner.ID); sc.SSOOrgID != "" {
		t.Fatalf("a deleted session keeps its SSO scope %+v", sc)
	}
	wantKind(t, "CreateSSOSession of no account", db.CreateSSOSession(ctx, &cairn.Session{TokenHash: "x", AccountID: "nope", CSRFToken: "c", ExpiresAt: created}, a.org.ID), cairn.NotFound)

	// Master key rotation sees and rewrites the client secret.
	var seen []string
	_, err = db.RewriteSealedKeys(ctx, func(k *store.SealedKey) ([]byte, error) {
		if k.SSOOrgID != "" {
			seen = append(seen, k.SSOOrgID)
			return []byte{9, 9}, nil
		}
		return nil, nil
	})
	must(t, "RewriteSealedKeys", err)
	got, _ = db.SSOConfig(ctx, a.org.ID)
	if !reflect.DeepEqual(seen, []string{a.org.ID}) || !reflect.DeepEqual(got.SecretSealed, []byte{9, 9}) {
		t.Fatalf("RewriteSealedKeys saw %v and left %x", seen, got.SecretSealed)
	}
}
