// Package storetest is the conformance suite of Cairn's store: every
// database the store supports runs the same tests through Run, so SQLite and
// PostgreSQL behave alike (the idea of golang.org/x/mod/sumdb/tlog's
// TestStorage).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/translog"
)

// Run runs the suite. open must return a new, empty database for each call
// (Run migrates it) and arrange for it to be closed and removed when t ends.
func Run(t *testing.T, open func(t *testing.T) *store.DB) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"Migrate", testMigrate},
		{"Organizations", testOrganizations},
		{"Accounts", testAccounts},
		{"Sessions", testSessions},
		{"APIKeys", testAPIKeys},
		{"Issuers", testIssuers},
		{"IssuerKeys", testIssuerKeys},
		{"RewriteSealedKeys", testRewriteSealedKeys},
		{"Images", testImages},
		{"Achievements", testAchievements},
		{"CreateAward", testCreateAward},
		{"ReserveInsert", testReserveInsert},
		{"ReserveAwards", testReserveAwards},
		{"FinishAwardJobRows", testFinishAwardJobRows},
		{"Idempotency", testIdempotency},
		{"AwardState", testAwardState},
		{"UpdateAward", testUpdateAward},
		{"StatusListSigned", testStatusListSigned},
		{"RenderedPages", testRenderedPages},
		{"Rules", testRules},
		{"Events", testEvents},
		{"AwardHeads", testAwardHeads},
		{"Paging", testPaging},
		{"Tenancy", testTenancy},
		{"ConcurrentAwards", testConcurrentAwards},
		{"Outbox", testOutbox},
		{"OutboxConcurrentClaims", testOutboxConcurrentClaims},
		{"Mail", testMail},
		{"Webhooks", testWebhooks},
		{"Pathways", testPathways},
		{"Learners", testLearners},
		{"Team", testTeam},
		{"LearnerProfiles", testLearnerProfiles},
		{"LearnerImports", testLearnerImports},
		{"CertificateTemplates", testCertificateTemplates},
		{"SSO", testSSO},
		{"LTI", testLTI},
		{"Endorsements", testEndorsements},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := open(t)
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			tt.fn(t, db)
		})
	}
}

// wantKind fails t unless err is of the kind.
func wantKind(t *testing.T, what string, err error, kind cairn.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %v", what, kind)
	}
	if got := cairn.KindOf(err); got != kind {
		t.Fatalf("%s: error %q is %v, want %v", what, err, got, kind)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// tenant is an organization with an issuer and an achievement.
type tenant struct {
	org         *cairn.Organization
	owner       *cairn.Account
	key         *cairn.APIKey
	issuer      *cairn.Issuer
	achievement *cairn.Achievement
}

func newTenant(t *testing.T, db *store.DB, slug string) *tenant {
	t.Helper()
	ctx := context.Background()
	tn := &tenant{
		org:   &cairn.Organization{Slug: slug, Name: "Org " + slug},
		owner: &cairn.Account{Email: slug + "@example.org", Name: "Owner", PasswordHash: "hash-" + slug},
		key:   &cairn.APIKey{Name: "first", Prefix: "ck_" + slug, Hash: "keyhash-" + slug},
	}
	must(t, "CreateOrganizationWithOwner", db.CreateOrganizationWithOwner(ctx, tn.org, tn.owner, tn.key))
	tn.issuer = &cairn.Issuer{OrgID: tn.org.ID, Name: "Issuer " + slug, URL: "https://" + slug + ".example", Email: "badges@" + slug + ".example"}
	must(t, "CreateIssuer", db.CreateIssuer(ctx, tn.issuer))
	tn.achievement = &cairn.Achievement{OrgID: tn.org.ID, IssuerID: tn.issuer.ID, Name: "Achievement " + slug,
		Description: "Did the thing", CriteriaNarrative: "Do the thing", AchievementType: "Badge"}
	must(t, "CreateAchievement", db.CreateAchievement(ctx, tn.achievement))
	return tn
}

// sign is a stand-in for signing: it records the status entry in the
// credential bytes, so tests can see that sign ran with the index known.
func sign(a *cairn.Award) error {
	a.CredentialJSON = fmt.Appendf(nil, `{"id":"urn:uuid:%s","list":%q,"index":%d}`, a.ID, a.StatusListID, a.StatusIndex)
	return nil
}

func newAward(tn *tenant, recipient string) *cairn.Award {
	now := time.Now()
	return &cairn.Award{
		OrgID:         tn.org.ID,
		AchievementID: tn.achievement.ID,
		Recipient:     cairn.Recipient{Type: cairn.RecipientEmail, Identity: recipient, Name: "Ada", Salt: "salt"},
		AwardedDate:   now,
		ValidFrom:     now,
		Formats:       []string{cairn.FormatDataIntegrity},
	}
}

func createAward(t *testing.T, db *store.DB, a *cairn.Award) *cairn.Award {
	t.Helper()
	created, err := db.CreateAward(context.Background(), a, sign)
	must(t, "CreateAward", err)
	if !created {
		t.Fatal("CreateAward: created = false for a new award")
	}
	return a
}

func testMigrate(t *testing.T, db *store.DB) {
	ctx := context.Background()
	applied, err := db.Migrate(ctx)
	must(t, "second Migrate", err)
	if len(applied) != 0 {
		t.Errorf("second Migrate applied %v, want nothing", applied)
	}
	ms, err := store.Migrations(db.Dialect())
	must(t, "Migrations", err)
	v, err := db.SchemaVersion(ctx)
	must(t, "SchemaVersion", err)
	if v != len(ms) {
		t.Errorf("SchemaVersion = %d, want %d", v, len(ms))
	}
}

func testOrganizations(t *testing.T, db *store.DB) {
	ctx := context.Background()
	n, err := db.CountOrganizations(ctx)
	must(t, "CountOrganizations", err)
	if n != 0 {
		t.Fatalf("CountOrganizations on an empty database = %d", n)
	}
	tn := newTenant(t, db, "alpha")
	if tn.org.ID == "" || tn.owner.ID == "" || tn.key.ID == "" || tn.org.CreatedAt.IsZero() {
		t.Fatalf("IDs or CreatedAt not set: %+v %+v %+v", tn.org, tn.owner, tn.key)
	}
	got, err := db.Organization(ctx, tn.org.ID)
	must(t, "Organization", err)
	if !reflect.DeepEqual(got, tn.org) {
		t.Errorf("Organization = %+v, want %+v", got, tn.org)
	}
	got, err = db.OrganizationBySlug(ctx, "alpha")
	must(t, "OrganizationBySlug", err)
	if got.ID != tn.org.ID {
		t.Errorf("OrganizationBySlug = %s, want %s", got.ID, tn.org.ID)
	}
	m, err := db.Membership(ctx, tn.org.ID, tn.owner.ID)
	must(t, "Membership", err)
	if m.Role != cairn.RoleOwner {
		t.Errorf("owner membership role = %q", m.Role)
	}
	k, err := db.APIKeyByPrefix(ctx, tn.key.Prefix)
	must(t, "APIKeyByPrefix", err)
	if k.OrgID != tn.org.ID || k.Role != cairn.RoleOwner || k.Hash != tn.key.Hash {
		t.Errorf("first API key = %+v", k)
	}

	// Nothing half-written: a clash on the email leaves no organization.
	err = db.CreateOrganizationWithOwner(ctx, &cairn.Organization{Slug: "beta", Name: "B"},
		&cairn.Account{Email: tn.owner.Email, PasswordHash: "x"}, nil)
	wantKind(t, "CreateOrganizationWithOwner with a taken email", err, cairn.Conflict)
	if f := cairn.FieldOf(err); f != "email" {
		t.Errorf("conflict field = %q, want email", f)
	}
	_, err = db.OrganizationBySlug(ctx, "beta")
	wantKind(t, "organization of a failed CreateOrganizationWithOwner", err, cairn.NotFound)

	err = db.CreateOrganization(ctx, &cairn.Organization{Slug: "alpha", Name: "again"})
	wantKind(t, "CreateOrganization with a taken slug", err, cairn.Conflict)
	if f := cairn.FieldOf(err); f != "slug" {
		t.Errorf("conflict field = %q, want slug", f)
	}
	wantKind(t, "CreateOrganization without slug", db.CreateOrganization(ctx, &cairn.Organization{Name: "x"}), cairn.Invalid)

	tn.org.Name = "Renamed"
	must(t, "UpdateOrganization", db.UpdateOrganization(ctx, tn.org))
	got, err = db.Organization(ctx, tn.org.ID)
	must(t, "Organization", err)
	if got.Name != "Renamed" {
		t.Errorf("name after update = %q", got.Name)
	}
	wantKind(t, "UpdateOrganization of a missing one",
		db.UpdateOrganization(ctx, &cairn.Organization{ID: "nope", Slug: "s", Name: "n"}), cairn.NotFound)
	_, err = db.Organization(ctx, "nope")
	wantKind(t, "Organization(missing)", err, cairn.NotFound)
	if !errors.Is(err, cairn.ErrNotFound) {
		t.Errorf("errors.Is(%v, ErrNotFound) = false", err)
	}
	n, err = db.CountOrganizations(ctx)
	must(t, "CountOrganizations", err)
	if n != 1 {
		t.Errorf("CountOrganizations = %d, want 1", n)
	}
}

func testAccounts(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tn := newTenant(t, db, "acme")
	a := &cairn.Account{Email: "bob@example.org", Name: "Bob", PasswordHash: "h"}
	must(t, "CreateAccount", db.CreateAccount(ctx, a))
	got, err := db.Account(ctx, a.ID)
	must(t, "Account", err)
	if !reflect.DeepEqual(got, a) {
		t.Errorf("Account = %+v, want %+v", got, a)
	}
	got, err = db.AccountByEmail(ctx, "bob@example.org")
	must(t, "AccountByEmail", err)
	if got.ID != a.ID {
		t.Errorf("AccountByEmail = %s", got.ID)
	}
	wantKind(t, "CreateAccount with a taken email", db.CreateAccount(ctx, &cairn.Account{Email: a.Email, PasswordHash: "h"}), cairn.Conflict)
	wantKind(t, "CreateAccount without email", db.CreateAccount(ctx, &cairn.Account{PasswordHash: "h"}), cairn.Invalid)

	a.Name, a.PasswordHash = "Robert", "h2"
	must(t, "UpdateAccount", db.UpdateAccount(ctx, a))
	got, err = db.Account(ctx, a.ID)
	must(t, "Account", err)
	if got.Name != "Robert" || got.PasswordHash != "h2" {
		t.Errorf("after update: %+v", got)
	}
	a2 := *a
	a2.Email = tn.owner.Email
	wantKind(t, "UpdateAccount to a taken email", db.UpdateAccount(ctx, &a2), cairn.Conflict)
	_, err = db.AccountByEmail(ctx, "nobody@example.org")
	wantKind(t, "AccountByEmail(missing)", err, cairn.NotFound)

	must(t, "SetMembership", db.SetMembership(ctx, cairn.Membership{OrgID: tn.org.ID, AccountID: a.ID, Role: cairn.RoleViewer}))
	must(t, "SetMembership (change role)", db.SetMembership(ctx, cairn.Membership{OrgID: tn.org.ID, AccountID: a.ID, Role: cairn.RoleIssuer}))
	m, err := db.Membership(ctx, tn.org.ID, a.ID)
	must(t, "Membership", err)
	if m.Role != cairn.RoleIssuer {
		t.Errorf("role = %q, want issuer", m.Role)
	}
	wantKind(t, "SetMembership with a bad role", db.SetMembership(ctx, cairn.Membership{OrgID: tn.org.ID, AccountID: a.ID, Role: "god"}), cairn.Invalid)
	wantKind(t, "SetMembership in a missing org", db.SetMembership(ctx, cairn.Membership{OrgID: "nope", AccountID: a.ID, Role: cairn.RoleViewer}), cairn.NotFound)
	wantKind(t, "SetMembership of a missing account", db.SetMembership(ctx, cairn.Membership{OrgID: tn.org.ID, AccountID: "nope", Role: cairn.RoleViewer}), cairn.NotFound)
	members, err := db.OrgMembers(ctx, tn.org.ID)
	must(t, "OrgMembers", err)
	if len(members) != 2 {
		t.Errorf("OrgMembers = %d, want 2", len(members))
	}
	ms, err := db.AccountMemberships(ctx, a.ID)
	must(t, "AccountMemberships", err)
	if len(ms) != 1 || ms[0].OrgID != tn.org.ID || ms[0].Role != cairn.RoleIssuer {
		t.Errorf("AccountMemberships = %+v", ms)
	}
	must(t, "RemoveMembership", db.RemoveMembership(ctx, tn.org.ID, a.ID))
	_, err = db.Membership(ctx, tn.org.ID, a.ID)
	wantKind(t, "Membership after removal", err, cairn.NotFound)
	wantKind(t, "RemoveMembership again", db.RemoveMembership(ctx, tn.org.ID, a.ID), cairn.NotFound)
}

func testSessions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tn := newTenant(t, db, "sess")
	now := time.Now()
	db.Now = func() time.Time { return now }
	s := &cairn.Session{TokenHash: "th1", AccountID: tn.owner.ID, CSRFToken: "csrf", ExpiresAt: now.Add(time.Hour)}
	must(t, "CreateSession", db.CreateSession(ctx, s))
	got, err := db.SessionByTokenHash(ctx, "th1")
	must(t, "SessionByTokenHash", err)
	if !reflect.DeepEqual(got, s) {
		t.Errorf("SessionByTokenHash = %+v, want %+v", got, s)
	}
	wantKind(t, "CreateSession with a taken hash", db.CreateSession(ctx,
		&cairn.Session{TokenHash: "th1", AccountID: tn.owner.ID, CSRFToken: "c", ExpiresAt: now.Add(time.Hour)}), cairn.Conflict)
	wantKind(t, "CreateSession for a missing account", db.CreateSession(ctx,
		&cairn.Session{TokenHash: "th9", AccountID: "nope", CSRFToken: "c", ExpiresAt: now.Add(time.Hour)}), cairn.NotFound)
	s2 := &cairn.Session{TokenHash: "th2", AccountID: tn.owner.ID, CSRFToken: "c", ExpiresAt: now.Add(time.Minute)}
	must(t, "CreateSession", db.CreateSession(ctx, s2))

	now = now.Add(2 * time.Minute) // s2 expired
	_, err = db.SessionByTokenHash(ctx, "th2")
	wantKind(t, "expired session", err, cairn.NotFound)
	n, err := db.DeleteExpiredSessions(ctx)
	must(t, "DeleteExpiredSessions", err)
	if n != 1 {
		t.Errorf("DeleteExpiredSessions = %d, want 1", n)
	}
	must(t, "DeleteSession", db.DeleteSession(ctx, s.ID))
	_, err = db.SessionByTokenHash(ctx, "th1")
	wantKind(t, "deleted session", err, cairn.NotFound)

	for i := range 3 {
		must(t, "CreateSession", db.CreateSession(ctx, &cairn.Session{TokenHash: fmt.Sprint("many", i),
			AccountID: tn.owner.ID, CSRFToken: "c", ExpiresAt: now.Add(time.Hour)}))
	}
	must(t, "DeleteAccountSessions", db.DeleteAccountSessions(ctx, tn.owner.ID))
	_, err = db.SessionByTokenHash(ctx, "many1")
	wantKind(t, "session after DeleteAccountSessions", err, cairn.NotFound)
}

func testAPIKeys(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b := newTenant(t, db, "keya"), newTenant(t, db, "keyb")
	k := &cairn.APIKey{OrgID: a.org.ID, Name: "ci", Prefix: "ck_ci", Hash: "h", Role: cairn.RoleIssuer}
	must(t, "CreateAPIKey", db.CreateAPIKey(ctx, k))
	wantKind(t, "CreateAPIKey with a taken prefix", db.CreateAPIKey(ctx,
		&cairn.APIKey{OrgID: b.org.ID, Name: "x", Prefix: "ck_ci", Hash: "h", Role: cairn.RoleViewer}), cairn.Conflict)
	wantKind(t, "CreateAPIKey with a bad role", db.CreateAPIKey(ctx,
		&cairn.APIKey{OrgID: b.org.ID, Prefix: "ck_x", Hash: "h", Role: "root"}), cairn.Invalid)
	wantKind(t, "CreateAPIKey in a missing org", db.CreateAPIKey(ctx,
		&cairn.APIKey{OrgID: "nope", Prefix: "ck_y", Hash: "h", Role: cairn.RoleViewer}), cairn.NotFound)

	keys, err := db.APIKeys(ctx, a.org.ID)
	must(t, "APIKeys", err)
	if len(keys) != 2 || keys[0].ID != a.key.ID || !reflect.DeepEqual(keys[1], k) {
		t.Errorf("APIKeys = %+v, want [first, %+v]", keys, k)
	}
	used := time.Now().Add(-time.Second)
	must(t, "TouchAPIKey", db.TouchAPIKey(ctx, k.ID, used))
	got, err := db.APIKeyByPrefix(ctx, "ck_ci")
	must(t, "APIKeyByPrefix", err)
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(used.Truncate(time.Microsecond)) {
		t.Errorf("LastUsedAt = %v, want %v", got.LastUsedAt, used)
	}
	wantKind(t, "TouchAPIKey(missing)", db.TouchAPIKey(ctx, "nope", used), cairn.NotFound)

	wantKind(t, "RevokeAPIKey from another org", db.RevokeAPIKey(ctx, b.org.ID, k.ID), cairn.NotFound)
	if _, err := db.APIKeyByPrefix(ctx, "ck_ci"); err != nil {
		t.Fatalf("key revoked by another org: %v", err)
	}
	must(t, "RevokeAPIKey", db.RevokeAPIKey(ctx, a.org.ID, k.ID))
	must(t, "RevokeAPIKey again", db.RevokeAPIKey(ctx, a.org.ID, k.ID))
	_, err = db.APIKeyByPrefix(ctx, "ck_ci")
	wantKind(t, "APIKeyByPrefix(revoked)", err, cairn.NotFound)
	keys, err = db.APIKeys(ctx, a.org.ID)
	must(t, "APIKeys", err)
	if len(keys) != 2 || keys[1].RevokedAt == nil {
		t.Errorf("revoked key not listed as revoked: %+v", keys)
	}
	keys, err = db.APIKeys(ctx, b.org.ID)
	must(t, "APIKeys", err)
	if len(keys) != 1 || keys[0].ID != b.key.ID {
		t.Errorf("org B's keys = %+v", keys)
	}
}

func testIssuers(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b := newTenant(t, db, "isa"), newTenant(t, db, "isb")
	got, err := db.Issuer(ctx, a.org.ID, a.issuer.ID)
	must(t, "Issuer", err)
	if !reflect.DeepEqual(got, a.issuer) {
		t.Errorf("Issuer = %+v, want %+v", got, a.issuer)
	}
	got, err = db.PublicIssuer(ctx, a.issuer.ID)
	must(t, "PublicIssuer", err)
	if got.ID != a.issuer.ID {
		t.Errorf("PublicIssuer = %s", got.ID)
	}
	img := &cairn.Image{OrgID: a.org.ID, ContentType: "image/png", Data: []byte("png"), SHA256: "00"}
	must(t, "CreateImage", db.CreateImage(ctx, img))
	second := &cairn.Issuer{OrgID: a.org.ID, Name: "Second", ImageID: img.ID, Description: "d"}
	must(t, "CreateIssuer", db.CreateIssuer(ctx, second))
	list, err := db.Issuers(ctx, a.org.ID)
	must(t, "Issuers", err)
	if len(list) != 2 || list[0].ID != a.issuer.ID || !reflect.DeepEqual(list[1], second) {
		t.Errorf("Issuers = %+v", list)
	}
	bImg := &cairn.Image{OrgID: b.org.ID, ContentType: "image/png", Data: []byte("png"), SHA256: "00"}
	must(t, "CreateImage", db.CreateImage(ctx, bImg))
	err = db.CreateIssuer(ctx, &cairn.Issuer{OrgID: a.org.ID, Name: "x", ImageID: bImg.ID})
	wantKind(t, "CreateIssuer with another org's image", err, cairn.NotFound)
	wantKind(t, "CreateIssuer in a missing org", db.CreateIssuer(ctx, &cairn.Issuer{OrgID: "nope", Name: "x"}), cairn.NotFound)
	wantKind(t, "CreateIssuer without a name", db.CreateIssuer(ctx, &cairn.Issuer{OrgID: a.org.ID}), cairn.Invalid)

	second.Name, second.URL = "Second renamed", "https://second.example"
	before := second.UpdatedAt
	must(t, "UpdateIssuer", db.UpdateIssuer(ctx, second))
	got, err = db.Issuer(ctx, a.org.ID, second.ID)
	must(t, "Issuer", err)
	if !reflect.DeepEqual(got, second) || got.UpdatedAt.Before(before) {
		t.Errorf("after update %+v, want %+v", got, second)
	}
}

func testIssuerKeys(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b := newTenant(t, db, "ka"), newTenant(t, db, "kb")
	k1 := &cairn.IssuerKey{IssuerID: a.issuer.ID, Type: "Ed25519", Fragment: "key-1", PublicJWK: []byte(`{"kty":"OKP"}`), PrivateSealed: []byte{1, 2, 3}}
	must(t, "AddIssuerKey", db.AddIssuerKey(ctx, a.org.ID, k1, false))
	r1 := &cairn.IssuerKey{IssuerID: a.issuer.ID, Type: "RSA", Fragment: "rsa-1", PublicJWK: []byte(`{"kty":"RSA"}`), PrivateSealed: []byte{4}}
	must(t, "AddIssuerKey", db.AddIssuerKey(ctx, a.org.ID, r1, false))
	wantKind(t, "AddIssuerKey with a taken fragment", db.AddIssuerKey(ctx, a.org.ID,
		&cairn.IssuerKey{IssuerID: a.issuer.ID, Type: "Ed25519", Fragment: "key-1", PublicJWK: []byte("{}")}, false), cairn.Conflict)
	wantKind(t, "AddIssuerKey to another org's issuer", db.AddIssuerKey(ctx, b.org.ID,
		&cairn.IssuerKey{IssuerID: a.issuer.ID, Type: "Ed25519", Fragment: "evil", PublicJWK: []byte("{}")}, false), cairn.NotFound)

	k2 := &cairn.IssuerKey{IssuerID: a.issuer.ID, Type: "Ed25519", Fragment: "key-2", PublicJWK: []byte(`{"kty":"OKP","x":"2"}`), PrivateSealed: []byte{5}}
	must(t, "AddIssuerKey (rotate)", db.AddIssuerKey(ctx, a.org.ID, k2, true))
	keys, err := db.IssuerKeys(ctx, a.issuer.ID)
	must(t, "IssuerKeys", err)
	if len(keys) != 3 {
		t.Fatalf("IssuerKeys = %d keys, want 3", len(keys))
	}
	byFrag := map[string]*cairn.IssuerKey{}
	for _, k := range keys {
		byFrag[k.Fragment] = k
	}
	if byFrag["key-1"].RetiredAt == nil {
		t.Error("rotation did not retire the old Ed25519 key")
	}
	if byFrag["rsa-1"].RetiredAt != nil {
		t.Error("rotation of Ed25519 retired the RSA key")
	}
	if !reflect.DeepEqual(byFrag["key-2"], k2) {
		t.Errorf("new key = %+v, want %+v", byFrag["key-2"], k2)
	}
	wantKind(t, "RetireIssuerKey from another org", db.RetireIssuerKey(ctx, b.org.ID, a.issuer.ID, r1.ID, time.Now()), cairn.NotFound)
	wantKind(t, "RetireIssuerKey through another issuer", db.RetireIssuerKey(ctx, b.org.ID, b.issuer.ID, r1.ID, time.Now()), cairn.NotFound)
	must(t, "RetireIssuerKey", db.RetireIssuerKey(ctx, a.org.ID, a.issuer.ID, r1.ID, time.Now()))
	keys, err = db.IssuerKeys(ctx, a.issuer.ID)
	must(t, "IssuerKeys", err)
	for _, k := range keys {
		if k.Fragment == "rsa-1" && k.RetiredAt == nil {
			t.Error("RetireIssuerKey did not retire")
		}
	}
	keys, err = db.IssuerKeys(ctx, b.issuer.ID)
	must(t, "IssuerKeys", err)
	if len(keys) != 0 {
		t.Errorf("org B's issuer has keys: %+v", keys)
	}
}

// testRewriteSealedKeys: master key rotation sees every sealed key (issuer
// keys and the log key), replaces what it is given, and rolls back whole.
func testRewriteSealedKeys(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a := newTenant(t, db, "sealed")
	for i, sealed := range [][]byte{{1}, {2}, nil} {
		must(t, "AddIssuerKey", db.AddIssuerKey(ctx, a.org.ID, &cairn.IssuerKey{IssuerID: a.issuer.ID, Type: "Ed25519",
			Fragment: fmt.Sprintf("key-%d", i), PublicJWK: []byte(`{"kty":"OKP"}`), PrivateSealed: sealed}, false))
	}
	_, _, err := db.LogStorage().CreateLogKey(ctx, "example.org/log", []byte{9}, []byte{3})
	must(t, "CreateLogKey", err)
	seen := map[string]bool{}
	n, err := db.RewriteSealedKeys(ctx, func(k *store.SealedKey) ([]byte, error) {
		seen[fmt.Sprintf("%s|%s|%s|%x", k.IssuerID, k.Fragment, k.LogName, k.Sealed)] = true
		if k.Fragment == "key-1" {
			return nil, nil // left as it is
		}
		return append([]byte{0xff}, k.Sealed...), nil
	})
	must(t, "RewriteSealedKeys", err)
	want := map[string]bool{a.issuer.ID + "|key-0||01": true, a.issuer.ID + "|key-1||02": true, "||example.org/log|03": true}
	if n != 2 || !reflect.DeepEqual(seen, want) {
		t.Fatalf("RewriteSealedKeys replaced %d and saw %v, want 2 and %v", n, seen, want)
	}
	sealedOf := func() map[string]string {
		m := map[string]string{}
		keys, err := db.IssuerKeys(ctx, a.issuer.ID)
		must(t, "IssuerKeys", err)
		for _, k := range keys {
			m[k.Fragment] = fmt.Sprintf("%x", k.PrivateSealed)
		}
		_, logSealed, err := db.LogStorage().LogKey(ctx)
		must(t, "LogKey", err)
		m["log"] = fmt.Sprintf("%x", logSealed)
		return m
	}
	after := map[string]string{"key-0": "ff01", "key-1": "02", "key-2": "", "log": "ff03"}
	if got := sealedOf(); !reflect.DeepEqual(got, after) {
		t.Fatalf("after RewriteSealedKeys: %v, want %v", got, after)
	}
	// An error rolls back what was already replaced.
	calls := 0
	_, err = db.RewriteSealedKeys(ctx, func(k *store.SealedKey) ([]byte, error) {
		if calls++; calls == 2 {
			return nil, errors.New("cannot open")
		}
		return []byte{0}, nil
	})
	if err == nil {
		t.Fatal("RewriteSealedKeys ignored fn's error")
	}
	if got := sealedOf(); !reflect.DeepEqual(got, after) {
		t.Fatalf("a failed RewriteSealedKeys changed %v, want %v", got, after)
	}
}

func testImages(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b := newTenant(t, db, "ima"), newTenant(t, db, "imb")
	img := &cairn.Image{OrgID: a.org.ID, ContentType: "image/svg+xml", Data: []byte("<svg/>"), SHA256: "abc"}
	must(t, "CreateImage", db.CreateImage(ctx, img))
	got, err := db.Image(ctx, a.org.ID, img.ID)
	must(t, "Image", err)
	if !reflect.DeepEqual(got, img) {
		t.Errorf("Image = %+v, want %+v", got, img)
	}
	got, err = db.PublicImage(ctx, img.ID)
	must(t, "PublicImage", err)
	if got.ID != img.ID {
		t.Errorf("PublicImage = %s", got.ID)
	}
	_, err = db.Image(ctx, b.org.ID, img.ID)
	wantKind(t, "Image of another org", err, cairn.NotFound)
	wantKind(t, "CreateImage without data", db.CreateImage(ctx, &cairn.Image{OrgID: a.org.ID, ContentType: "image/png"}), cairn.Invalid)
}

func testAchievements(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b := newTenant(t, db, "acha"), newTenant(t, db, "achb")
	credits := 2.5
	full := &cairn.Achievement{
		OrgID: a.org.ID, IssuerID: a.issuer.ID, Name: "Welding", Description: "Welds well",
		CriteriaNarrative: "Weld three joints", CriteriaURL: "https://example.org/criteria",
		AchievementType: "Certificate",
		Alignments: []ob.Alignment{{Type: ob.List[string]{"Alignment"}, TargetName: "Welding",
			TargetURL: "https://skills.example/weld", TargetCode: "W1", TargetFramework: "ESCO", TargetType: "ext:ESCO"}},
		ResultDescriptions: []ob.ResultDescription{{ID: "urn:uuid:rd1", Type: ob.List[string]{"ResultDescription"},
			Name: "Grade", ResultType: "LetterGrade", AllowedValue: ob.List[string]{"A", "B"}}},
		CreditsAvailable: &credits,
		Tags:             []string{"metal", "trade"},
		FieldOfStudy:     "Engineering", InLanguage: "en", Version: "1.0", ValidFor: 24,
		ReminderDays: []int{30, 7},
		Translations: []cairn.Translation{{InLanguage: "ko", Name: "용접", Description: "세 개의 이음새를 용접합니다."}, {InLanguage: "th", Name: "การเชื่อม"}},
	}
	must(t, "CreateAchievement", db.CreateAchievement(ctx, full))
	got, err := db.Achievement(ctx, a.org.ID, full.ID)
	must(t, "Achievement", err)
	if !reflect.DeepEqual(got, full) {
		t.Errorf("Achievement round trip:\n got %+v\nwant %+v", got, full)
	}
	got, err = db.PublicAchievement(ctx, full.ID)
	must(t, "PublicAchievement", err)
	if got.ID != full.ID {
		t.Errorf("PublicAchievement = %s", got.ID)
	}
	list, err := db.Achievements(ctx, a.org.ID, "")
	must(t, "Achievements", err)
	if len(list) != 2 {
		t.Errorf("Achievements = %d, want 2", len(list))
	}
	other := &cairn.Issuer{OrgID: a.org.ID, Name: "Other"}
	must(t, "CreateIssuer", db.CreateIssuer(ctx, other))
	must(t, "CreateAchievement", db.CreateAchievement(ctx, &cairn.Achievement{OrgID: a.org.ID, IssuerID: other.ID, Name: "x"}))
	list, err = db.Achievements(ctx, a.org.ID, other.ID)
	must(t, "Achievements(issuer)", err)
	if len(list) != 1 || list[0].IssuerID != other.ID {
		t.Errorf("Achievements(issuer) = %+v", list)
	}
	wantKind(t, "CreateAchievement for another org's issuer", db.CreateAchievement(ctx,
		&cairn.Achievement{OrgID: a.org.ID, IssuerID: b.issuer.ID, Name: "x"}), cairn.NotFound)
	wantKind(t, "CreateAchievement without a name", db.CreateAchievement(ctx,
		&cairn.Achievement{OrgID: a.org.ID, IssuerID: a.issuer.ID}), cairn.Invalid)

	upd := *full
	upd.IssuerID = other.ID // ignored
	upd.Name, upd.CreditsAvailable, upd.Tags, upd.ValidFor, upd.ReminderDays = "Advanced welding", nil, nil, 0, nil
	must(t, "UpdateAchievement", db.UpdateAchievement(ctx, &upd))
	got, err = db.Achievement(ctx, a.org.ID, full.ID)
	must(t, "Achievement", err)
	if got.Name != "Advanced welding" || got.CreditsAvailable != nil || got.Tags != nil || got.ValidFor != 0 || got.ReminderDays != nil ||
		got.IssuerID != a.issuer.ID || !got.CreatedAt.Equal(full.CreatedAt) {
		t.Errorf("after update: %+v", got)
	}
	if !reflect.DeepEqual(got, &upd) {
		t.Errorf("UpdateAchievement left %+v, stored %+v", upd, got)
	}
}

func testCreateAward(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tn := newTenant(t, db, "aw")
	credits := 1.5
	start, end := time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
	until := time.Now().AddDate(2, 0, 0)
	a := newAward(tn, "ada@example.org")
	a.Recipient.ShowName = true
	a.Narrative = "Built a bridge"
	a.Evidence = []ob.Evidence{{ID: "https://example.org/ev/1", Type: ob.List[string]{"Evidence"}, Name: "Photo", Description: "The bridge"}}
	a.Results = []ob.Result{{Type: ob.List[string]{"Result"}, ResultDescription: "urn:uuid:rd1", Value: "A"}}
	a.CreditsEarned = &credits
	a.ActivityStart, a.ActivityEnd, a.ValidUntil = &start, &end, &until
	a.Formats = []string{cairn.FormatDataIntegrity, cairn.FormatJWT}
	a.IdempotencyKey, a.RequestHash = "k1", "r1"
	var seen cairn.Award
	created, err := db.CreateAward(ctx, a, func(a *cairn.Award) error {
		seen = *a
		if err := sign(a); err != nil {
			return err
		}
		a.CredentialJWT = "eyJ.jwt." + a.ID
		return nil
	})
	must(t, "CreateAward", err)
	if !created {
		t.Fatal("created = false")
	}
	if seen.ID == "" || seen.StatusListID == "" || seen.SuspensionListID == "" || seen.StatusListID == seen.SuspensionListID {
		t.Errorf("sign saw ID %q, lists %q %q", seen.ID, seen.StatusListID, seen.SuspensionListID)
	}
	if a.IssuerID != tn.issuer.ID || a.State != cairn.StateActive || a.CreatedAt.IsZero() {
		t.Errorf("CreateAward left %+v", a)
	}
	got, err := db.Award(ctx, tn.org.ID, a.ID)
	must(t, "Award", err)
	if !reflect.DeepEqual(got, a) {
		t.Errorf("Award round trip:\n got %+v\nwant %+v", got, a)
	}
	want := fmt.Sprintf(`{"id":"urn:uuid:%s","list":%q,"index":%d}`, a.ID, a.StatusListID, a.StatusIndex)
	if string(got.CredentialJSON) != want {
		t.Errorf("stored credential %s, want %s", got.CredentialJSON, want)
	}
	got, err = db.PublicAward(ctx, a.ID)
	must(t, "PublicAward", err)
	if !reflect.DeepEqual(got, a) {
		t.Errorf("PublicAward = %+v", got)
	}
	_, err = db.PublicAward(ctx, "00000000-0000-0000-0000-000000000000")
	wantKind(t, "PublicAward(missing)", err, cairn.NotFound)

	// The first award created the issuer's pair of lists.
	lists, err := db.StatusLists(ctx, tn.issuer.ID)
	must(t, "StatusLists", err)
	if len(lists) != 2 {
		t.Fatalf("StatusLists = %d, want 2", len(lists))
	}
	for _, l := range lists {
		if l.Size != cairn.StatusListSize || len(l.Bits) != cairn.StatusListSize/8 || l.Version != 1 || l.SignedVersion != 0 {
			t.Errorf("new list %s: size %d, %d bytes, version %d, signed %d", l.Purpose, l.Size, len(l.Bits), l.Version, l.SignedVersion)
		}
		if l.Bit(a.StatusIndex) {
			t.Errorf("new list %s has bit %d set", l.Purpose, a.StatusIndex)
		}
	}
	if lists[0].ID != a.StatusListID || lists[0].Purpose != cairn.PurposeRevocation ||
		lists[1].ID != a.SuspensionListID || lists[1].Purpose != cairn.PurposeSuspension {
		t.Errorf("lists %s/%s %s/%s, award %s %s", lists[0].ID, lists[0].Purpose, lists[1].ID, lists[1].Purpose, a.StatusListID, a.SuspensionListID)
	}

	// A failed sign stores nothing.
	failed := newAward(tn, "bob@example.org")
	boom := errors.New("boom")
	_, err = db.CreateAward(ctx, failed, func(*cairn.Award) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("CreateAward with a failing sign = %v, want boom", err)
	}
	n, err := db.CountAwards(ctx, cairn.AwardFilter{OrgID: tn.org.ID})
	must(t, "CountAwards", err)
	if n != 1 {
		t.Errorf("CountAwards after failed sign = %d, want 1", n)
	}

	bad := newAward(tn, "x@example.org")
	bad.Recipient.Type = "phone"
	_, err = db.CreateAward(ctx, bad, sign)
	wantKind(t, "CreateAward with a bad recipient type", err, cairn.Invalid)
	bad = newAward(tn, "x@example.org")
	bad.AchievementID = "nope"
	_, err = db.CreateAward(ctx, bad, sign)
	wantKind(t, "CreateAward for a missing achievement", err, cairn.NotFound)
	bad = newAward(tn, "x@example.org")
	bad.IssuerID = "someone-else"
	_, err = db.CreateAward(ctx, bad, sign)
	wantKind(t, "CreateAward with a mismatched issuer", err, cairn.Invalid)
	dup := newAward(tn, "x@example.org")
	dup.ID = a.ID
	_, err = db.CreateAward(ctx, dup, sign)
	wantKind(t, "CreateAward with a taken ID", err, cairn.Conflict)
}

// testReserveInsert: issuing in three steps. Awards inserted together are
// all stored, each with one log event in the outbox; one award's failure
// is its own; a status entry another process took, an idempotency key
// used meanwhile and a taken ID are told apart.
func testReserveInsert(t *testing.T, db *store.DB) {
	ctx := context.Background()
	db.AwardEvent = func(_ context.Context, prev, cur *cairn.Award) (*translog.Event, error) {
		return &translog.Event{CredentialID: "urn:uuid:" + cur.ID, Issuer: "did:example:" + cur.IssuerID,
			Type: translog.Issued, Time: cur.UpdatedAt}, nil
	}
	defer func() { db.AwardEvent = nil }()
	tn := newTenant(t, db, "ri")
	reserve := func(a *cairn.Award) *cairn.Award {
		t.Helper()
		existing, err := db.ReserveAward(ctx, a)
		must(t, "ReserveAward", err)
		if existing != nil {
			t.Fatalf("ReserveAward returned an existing award %s", existing.ID)
		}
		if a.ID == "" || a.IssuerID != tn.issuer.ID || a.StatusListID == "" || a.SuspensionListID == "" ||
			a.State != cairn.StateActive || a.CreatedAt.IsZero() {
			t.Fatalf("ReserveAward left %+v", a)
		}
		must(t, "sign", sign(a))
		return a
	}
	events := func(a *cairn.Award) int {
		t.Helper()
		n, err := db.LogStorage().OutboxPending(ctx, "urn:uuid:"+a.ID)
		must(t, "OutboxPending", err)
		return n
	}

	// A batch, with one award that was never signed.
	var batch []*cairn.Award
	for i := range 5 {
		batch = append(batch, reserve(newAward(tn, fmt.Sprintf("b%d@example.org", i))))
	}
	unsigned := newAward(tn, "unsigned@example.org")
	if _, err := db.ReserveAward(ctx, unsigned); err != nil {
		t.Fatal(err)
	}
	batch = append(batch, unsigned)
	res := db.InsertAwards(ctx, batch)
	if len(res) != len(batch) {
		t.Fatalf("%d results for %d awards", len(res), len(batch))
	}
	entries := map[string]bool{}
	for i, a := range batch[:5] {
		if res[i].Err != nil || !res[i].Created {
			t.Fatalf("award %d: %+v", i, res[i])
		}
		got, err := db.Award(ctx, tn.org.ID, a.ID)
		must(t, "Award", err)
		if !reflect.DeepEqual(got, a) {
			t.Errorf("Award round trip:\n got %+v\nwant %+v", got, a)
		}
		if n := events(a); n != 1 {
			t.Errorf("award %d has %d log events waiting, want 1", i, n)
		}
		e := fmt.Sprintf("%s#%d", a.StatusListID, a.StatusIndex)
		if entries[e] {
			t.Errorf("status entry %s given twice", e)
		}
		entries[e] = true
	}
	if res[5].Err == nil || res[5].Created {
		t.Errorf("the unsigned award: %+v, want an error", res[5])
	}
	if _, err := db.Award(ctx, tn.org.ID, unsigned.ID); cairn.KindOf(err) != cairn.NotFound {
		t.Errorf("the unsigned award was stored (%v)", err)
	}

	// Another process took the status entry: that award alone fails with
	// ErrStatusEntryTaken, and goes in once reserved and signed again.
	first, second := reserve(newAward(tn, "first@example.org")), reserve(newAward(tn, "second@example.org"))
	db.ReleaseAward(second)
	second.StatusListID, second.SuspensionListID, second.StatusIndex = first.StatusListID, first.SuspensionListID, first.StatusIndex
	must(t, "sign", sign(second))
	res = db.InsertAwards(ctx, []*cairn.Award{first, second})
	if res[0].Err != nil || !res[0].Created {
		t.Fatalf("first: %+v", res[0])
	}
	if !errors.Is(res[1].Err, cairn.ErrStatusEntryTaken) || cairn.KindOf(res[1].Err) != cairn.Conflict || res[1].Created {
		t.Fatalf("second, on a taken entry: %+v, want a Conflict wrapping ErrStatusEntryTaken", res[1])
	}
	if n := events(second); n != 0 {
		t.Errorf("the award not inserted has %d log events", n)
	}
	reserve(second)
	if res = db.InsertAwards(ctx, []*cairn.Award{second}); res[0].Err != nil || !res[0].Created {
		t.Fatalf("second, signed again: %+v", res[0])
	}

	// Awards signed from a version of the achievement that is no longer
	// current are not inserted (InsertAwardsAt); with the current one, in
	// the same batch, they are.
	v, err := db.IssueVersion(ctx, tn.org.ID, tn.achievement.ID)
	must(t, "IssueVersion", err)
	stale := v
	stale.Keys++
	old, cur := reserve(newAward(tn, "old@example.org")), reserve(newAward(tn, "cur@example.org"))
	res = db.InsertAwardsAt(ctx, stale, []*cairn.Award{old})
	if !errors.Is(res[0].Err, cairn.ErrIssueVersionChanged) || cairn.KindOf(res[0].Err) != cairn.Conflict || res[0].Created {
		t.Fatalf("an award signed from another version: %+v, want a Conflict wrapping ErrIssueVersionChanged", res[0])
	}
	if _, err := db.Award(ctx, tn.org.ID, old.ID); cairn.KindOf(err) != cairn.NotFound {
		t.Errorf("the award signed from another version was stored (%v)", err)
	}
	if n := events(old); n != 0 {
		t.Errorf("the award not inserted has %d log events", n)
	}
	reserve(old)
	if res = db.InsertAwardsAt(ctx, v, []*cairn.Award{old, cur}); res[0].Err != nil || !res[0].Created || res[1].Err != nil || !res[1].Created {
		t.Fatalf("awards signed from the current version: %+v", res)
	}

	// A key not looked up when reserving (ReserveAwardLateKey) is resolved
	// by InsertAwards: the same request gets the award stored under it,
	// another request a Conflict.
	keyed := newAward(tn, "keyed@example.org")
	keyed.IdempotencyKey, keyed.RequestHash = "late-1", "h1"
	reserve(keyed)
	if res = db.InsertAwards(ctx, []*cairn.Award{keyed}); res[0].Err != nil || !res[0].Created {
		t.Fatalf("keyed: %+v", res[0])
	}
	replay := newAward(tn, "keyed@example.org")
	replay.IdempotencyKey, replay.RequestHash = "late-1", "h1"
	must(t, "ReserveAwardLateKey", db.ReserveAwardLateKey(ctx, replay))
	must(t, "sign", sign(replay))
	if replay.ID == keyed.ID {
		t.Fatal("ReserveAwardLateKey looked the key up")
	}
	if res = db.InsertAwards(ctx, []*cairn.Award{replay}); res[0].Err != nil || res[0].Created || replay.ID != keyed.ID {
		t.Fatalf("a replay reserved without its key: %+v, award %s, want %s", res[0], replay.ID, keyed.ID)
	}
	stranger := newAward(tn, "other@example.org")
	stranger.IdempotencyKey, stranger.RequestHash = "late-1", "h2"
	must(t, "ReserveAwardLateKey", db.ReserveAwardLateKey(ctx, stranger))
	must(t, "sign", sign(stranger))
	if res = db.InsertAwards(ctx, []*cairn.Award{stranger}); cairn.KindOf(res[0].Err) != cairn.Conflict || res[0].Created {
		t.Fatalf("another request under the key: %+v, want a Conflict", res[0])
	}
	if second.StatusListID == first.StatusListID && second.StatusIndex == first.StatusIndex {
		t.Error("signed again with the taken entry")
	}

	// Two requests with one idempotency key, both reserved before either
	// was stored: one award, and the other caller gets it.
	x, y := newAward(tn, "idem@example.org"), newAward(tn, "idem@example.org")
	x.IdempotencyKey, x.RequestHash = "meanwhile", "h"
	y.IdempotencyKey, y.RequestHash = "meanwhile", "h"
	reserve(x)
	reserve(y)
	other := newAward(tn, "idem@example.org")
	other.IdempotencyKey, other.RequestHash = "meanwhile", "another request"
	reserve(other)
	res = db.InsertAwards(ctx, []*cairn.Award{x, y, other})
	if res[0].Err != nil || !res[0].Created {
		t.Fatalf("x: %+v", res[0])
	}
	if res[1].Err != nil || res[1].Created || y.ID != x.ID {
		t.Fatalf("y: %+v, ID %s; want not created and x's award %s", res[1], y.ID, x.ID)
	}
	if cairn.KindOf(res[2].Err) != cairn.Conflict || cairn.FieldOf(res[2].Err) != "idempotency_key" {
		t.Fatalf("same key, another request: %+v", res[2])
	}
	existing, err := db.ReserveAward(ctx, &cairn.Award{OrgID: tn.org.ID, AchievementID: tn.achievement.ID,
		Recipient: x.Recipient, AwardedDate: x.AwardedDate, ValidFrom: x.ValidFrom, IdempotencyKey: "meanwhile", RequestHash: "h"})
	must(t, "ReserveAward (retry)", err)
	if existing == nil || existing.ID != x.ID {
		t.Fatalf("ReserveAward of a retried request returned %+v, want award %s", existing, x.ID)
	}

	// A taken ID.
	dup := reserve(newAward(tn, "dup@example.org"))
	dup.ID = first.ID
	must(t, "sign", sign(dup))
	if res = db.InsertAwards(ctx, []*cairn.Award{dup}); cairn.KindOf(res[0].Err) != cairn.Conflict || cairn.FieldOf(res[0].Err) != "id" {
		t.Fatalf("a taken ID: %+v", res[0])
	}

	// Many callers at once: each award is stored once, with its event.
	var wg sync.WaitGroup
	conc := make([]*cairn.Award, 32)
	errs := make([]error, len(conc))
	for i := range conc {
		wg.Go(func() {
			a := newAward(tn, fmt.Sprintf("c%d@example.org", i))
			if _, errs[i] = db.ReserveAward(ctx, a); errs[i] != nil {
				return
			}
			sign(a)
			errs[i] = db.InsertAwards(ctx, []*cairn.Award{a})[0].Err
			conc[i] = a
		})
	}
	wg.Wait()
	for i, a := range conc {
		must(t, fmt.Sprintf("concurrent award %d", i), errs[i])
		if _, err := db.Award(ctx, tn.org.ID, a.ID); err != nil {
			t.Fatalf("concurrent award %d: %v", i, err)
		}
		if n := events(a); n != 1 {
			t.Errorf("concurrent award %d has %d log events, want 1", i, n)
		}
	}

	// ReserveAward checks what it is given.
	bad := newAward(tn, "x@example.org")
	bad.AchievementID = "nope"
	_, err = db.ReserveAward(ctx, bad)
	wantKind(t, "ReserveAward for a missing achievement", err, cairn.NotFound)
	b := newTenant(t, db, "ri-other")
	bad = newAward(b, "x@example.org")
	bad.AchievementID = tn.achievement.ID
	_, err = db.ReserveAward(ctx, bad)
	wantKind(t, "ReserveAward for another organization's achievement", err, cairn.NotFound)
	if res := db.InsertAwards(ctx, []*cairn.Award{newAward(tn, "never@example.org")}); res[0].Err == nil {
		t.Error("InsertAwards of an award never reserved succeeded")
	}
}

// testReserveAwards: a batch reserved at once gives each award what
// ReserveAward would: the stored award of a retried idempotency key, a
// Conflict for the key of another request, NotFound and Invalid for bad
// awards, and distinct status entries for the rest, which then insert.
func testReserveAwards(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tn := newTenant(t, db, "rb")
	prev := newAward(tn, "prev@example.org")
	prev.IdempotencyKey, prev.RequestHash = "job:1", "h1"
	if _, err := db.CreateAward(ctx, prev, sign); err != nil {
		t.Fatal(err)
	}
	var batch []*cairn.Award
	for i := range 70 { // more than one query's chunk of keys and candidates
		a := newAward(tn, fmt.Sprintf("rb%d@example.org", i))
		a.IdempotencyKey, a.RequestHash = fmt.Sprintf("job:new:%d", i), "h"
		batch = append(batch, a)
	}
	retry := newAward(tn, "prev@example.org")
	retry.IdempotencyKey, retry.RequestHash = "job:1", "h1"
	other := newAward(tn, "prev@example.org")
	other.IdempotencyKey, other.RequestHash = "job:1", "another request"
	missing := newAward(tn, "m@example.org")
	missing.AchievementID = "nope"
	invalid := newAward(tn, "i@example.org")
	invalid.Recipient.Type = "phone"
	batch = append(batch, retry, other, missing, invalid)
	res := db.ReserveAwards(ctx, batch)
	if len(res) != len(batch) {
		t.Fatalf("%d results for %d awards", len(res), len(batch))
	}
	n := len(batch)
	if r := res[n-4]; r.Err != nil || r.Existing == nil || r.Existing.ID != prev.ID {
		t.Errorf("the retried key: %+v, want award %s", r, prev.ID)
	}
	if r := res[n-3]; cairn.KindOf(r.Err) != cairn.Conflict || cairn.FieldOf(r.Err) != "idempotency_key" {
		t.Errorf("the key of another request: %+v, want a Conflict", r)
	}
	wantKind(t, "a missing achievement", res[n-2].Err, cairn.NotFound)
	wantKind(t, "an invalid award", res[n-1].Err, cairn.Invalid)
	entries := map[string]bool{}
	for i, a := range batch[:n-4] {
		if res[i].Err != nil || res[i].Existing != nil {
			t.Fatalf("award %d: %+v", i, res[i])
		}
		if a.ID == "" || a.IssuerID != tn.issuer.ID || a.StatusListID == "" || a.SuspensionListID == "" ||
			a.State != cairn.StateActive || a.CreatedAt.IsZero() {
			t.Fatalf("ReserveAwards left %+v", a)
		}
		e := fmt.Sprintf("%s#%d", a.StatusListID, a.StatusIndex)
		if entries[e] {
			t.Fatalf("status entry %s given twice", e)
		}
		entries[e] = true
		must(t, "sign", sign(a))
	}
	for i, r := range db.InsertAwards(ctx, batch[:n-4]) {
		if r.Err != nil || !r.Created {
			t.Fatalf("inserting award %d: %+v", i, r)
		}
	}
	// Reserved again (a retried batch): every award is found.
	for i, r := range db.ReserveAwards(ctx, batch[:n-4]) {
		if r.Err != nil || r.Existing == nil || r.Existing.ID != batch[i].ID {
			t.Fatalf("award %d reserved again: %+v, want the stored award", i, r)
		}
	}
}

// testFinishAwardJobRows: the outcomes of a claimed batch are recorded
// each once, with the job's counters: issued and failed rows, a row given
// back pending (claimable again), a row a cancel skipped meanwhile that
// was issued after all, and a batch recorded twice (counted once).
func testFinishAwardJobRows(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tn := newTenant(t, db, "fj")
	newJob := func(rows int) *cairn.AwardJob {
		t.Helper()
		j := &cairn.AwardJob{OrgID: tn.org.ID, AchievementID: tn.achievement.ID, FileName: "f.csv"}
		if _, err := db.CreateAwardJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		var rs []*cairn.AwardJobRow
		for i := 1; i <= rows; i++ {
			rs = append(rs, &cairn.AwardJobRow{JobID: j.ID, Num: i + 1, State: cairn.RowPending, Input: []byte(`{}`),
				Recipient: fmt.Sprintf("r%d@example.org", i), DedupeKey: fmt.Sprint("k", i)})
		}
		must(t, "AddAwardJobRows", db.AddAwardJobRows(ctx, j.ID, rs))
		j, err := db.QueueAwardJob(ctx, j.ID)
		must(t, "QueueAwardJob", err)
		return j
	}
	claim := func(limit int) []*cairn.AwardJobRow {
		t.Helper()
		_, rows, err := db.ClaimAwardJobRows(ctx, "me", time.Now().Add(time.Minute), limit)
		must(t, "ClaimAwardJobRows", err)
		return rows
	}
	j := newJob(5)
	rows := claim(10)
	if len(rows) != 5 {
		t.Fatalf("claimed %d rows, want 5", len(rows))
	}
	rows[0].State, rows[0].AwardID = cairn.RowIssued, "award-1"
	rows[1].State, rows[1].Column, rows[1].Reason = cairn.RowFailed, "email", "is not an email address"
	rows[2].State = cairn.RowPending
	rows[3].State, rows[3].AwardID = cairn.RowIssued, "award-4"
	rows[4].State, rows[4].AwardID = cairn.RowIssued, "award-5"
	got, err := db.FinishAwardJobRows(ctx, j.ID, rows)
	must(t, "FinishAwardJobRows", err)
	if got.Issued != 3 || got.Failed != 1 || got.Skipped != 0 || got.State.Finished() {
		t.Fatalf("job after the batch: %+v, want 3 issued, 1 failed, running", got)
	}
	// Recorded again (a retried call): nothing counts twice.
	got, err = db.FinishAwardJobRows(ctx, j.ID, rows)
	must(t, "FinishAwardJobRows again", err)
	if got.Issued != 3 || got.Failed != 1 {
		t.Fatalf("job after the batch recorded twice: %+v", got)
	}
	back := claim(10)
	if len(back) != 1 || back[0].Num != rows[2].Num {
		t.Fatalf("claimed again %+v, want only row %d", back, rows[2].Num)
	}
	back[0].State, back[0].AwardID = cairn.RowIssued, "award-3"
	if got, err = db.FinishAwardJobRows(ctx, j.ID, back); err != nil || got.State != cairn.JobDone || got.Issued != 4 {
		t.Fatalf("job after its last row: %+v, %v; want done with 4 issued", got, err)
	}
	all, _, err := db.AwardJobRows(ctx, cairn.AwardJobRowFilter{OrgID: tn.org.ID, JobID: j.ID})
	must(t, "AwardJobRows", err)
	want := []struct {
		state              cairn.AwardJobRowState
		award, col, reason string
	}{{cairn.RowIssued, "award-1", "", ""}, {cairn.RowFailed, "", "email", "is not an email address"},
		{cairn.RowIssued, "award-3", "", ""}, {cairn.RowIssued, "award-4", "", ""}, {cairn.RowIssued, "award-5", "", ""}}
	for i, r := range all {
		w := want[i]
		if r.State != w.state || r.AwardID != w.award || r.Column != w.col || r.Reason != w.reason {
			t.Errorf("row %d: %+v, want %+v", r.Num, r, w)
		}
	}

	// A cancel while a batch is being issued: the rows issued meanwhile
	// count as issued, the others stay skipped.
	j = newJob(3)
	rows = claim(10)
	if _, err := db.CancelAwardJob(ctx, tn.org.ID, j.ID); err != nil {
		t.Fatal(err)
	}
	rows[0].State, rows[0].AwardID = cairn.RowIssued, "award-c1"
	rows[1].State, rows[1].Column, rows[1].Reason = cairn.RowFailed, "did", "bad"
	rows[2].State = cairn.RowPending
	got, err = db.FinishAwardJobRows(ctx, j.ID, rows)
	must(t, "FinishAwardJobRows after a cancel", err)
	if got.State != cairn.JobCancelled || got.Issued != 1 || got.Skipped != 2 || got.Failed != 0 {
		t.Fatalf("cancelled job: %+v, want 1 issued and 2 skipped", got)
	}
	bad := []*cairn.AwardJobRow{{Num: rows[0].Num, State: cairn.RowSkipped}}
	_, err = db.FinishAwardJobRows(ctx, j.ID, bad)
	wantKind(t, "finishing a row as skipped", err, cairn.Invalid)
}

func testIdempotency(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b := newTenant(t, db, "ida"), newTenant(t, db, "idb")
	first := newAward(a, "ada@example.org")
	first.IdempotencyKey, first.RequestHash = "same-key", "hash-1"
	createAward(t, db, first)

	again := newAward(a, "ada@example.org")
	again.IdempotencyKey, again.RequestHash = "same-key", "hash-1"
	signed := false
	created, err := db.CreateAward(ctx, again, func(a *cairn.Award) error { signed = true; return sign(a) })
	must(t, "CreateAward (retry)", err)
	if created || signed {
		t.Errorf("retry: created = %v, signed = %v; want false, false", created, signed)
	}
	if !reflect.DeepEqual(again, first) {
		t.Errorf("retry returned %+v, want the first award %+v", again, first)
	}

	other := newAward(a, "bob@example.org")
	other.IdempotencyKey, other.RequestHash = "same-key", "hash-2"
	_, err = db.CreateAward(ctx, other, sign)
	wantKind(t, "same key, different request", err, cairn.Conflict)
	if other.ID != "" {
		t.Errorf("failed CreateAward changed the award: ID %q", other.ID)
	}

	// Keys are per organization.
	inB := newAward(b, "ada@example.org")
	inB.IdempotencyKey, inB.RequestHash = "same-key", "hash-9"
	createAward(t, db, inB)
	if inB.ID == first.ID {
		t.Error("org B's award with the same key returned org A's award")
	}

	// Concurrent retries of one request create one award.
	var wg sync.WaitGroup
	ids := make([]string, 8)
	errs := make([]error, 8)
	for i := range ids {
		wg.Go(func() {
			aw := newAward(a, "conc@example.org")
			aw.IdempotencyKey, aw.RequestHash = "concurrent", "h"
			_, errs[i] = db.CreateAward(ctx, aw, sign)
			ids[i] = aw.ID
		})
	}
	wg.Wait()
	for i := range ids {
		must(t, "concurrent CreateAward", errs[i])
		if ids[i] != ids[0] {
			t.Errorf("concurrent retries returned awards %s and %s", ids[0], ids[i])
		}
	}
	n, err := db.CountAwards(ctx, cairn.AwardFilter{OrgID: a.org.ID})
	must(t, "CountAwards", err)
	if n != 2 {
		t.Errorf("CountAwards = %d, want 2", n)
	}
}

func lists(t *testing.T, db *store.DB, a *cairn.Award) (rev, sus *cairn.StatusList) {
	t.Helper()
	rev, err := db.StatusList(context.Background(), a.StatusListID)
	must(t, "StatusList", err)
	sus, err = db.StatusList(context.Background(), a.SuspensionListID)
	must(t, "StatusList", err)
	return rev, sus
}

// setBits returns the indexes of the set bits.
func setBits(l *cairn.StatusList) []int {
	var out []int
	for i := range l.Size {
		if l.Bit(i) {
			out = append(out, i)
		}
	}
	return out
}

func testAwardState(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tn, other := newTenant(t, db, "st"), newTenant(t, db, "st2")
	a := createAward(t, db, newAward(tn, "ada@example.org"))
	bystander := createAward(t, db, newAward(tn, "bob@example.org"))

	check := func(step string, state cairn.AwardState, revBit, susBit bool, revV, susV int64) {
		t.Helper()
		got, err := db.Award(ctx, tn.org.ID, a.ID)
		must(t, "Award", err)
		if got.State != state {
			t.Errorf("%s: state %q, want %q", step, got.State, state)
		}
		rev, sus := lists(t, db, a)
		if rev.Bit(a.StatusIndex) != revBit || sus.Bit(a.StatusIndex) != susBit {
			t.Errorf("%s: revocation bit %v, suspension bit %v; want %v, %v", step, rev.Bit(a.StatusIndex), sus.Bit(a.StatusIndex), revBit, susBit)
		}
		if rev.Version != revV || sus.Version != susV {
			t.Errorf("%s: versions %d, %d; want %d, %d", step, rev.Version, sus.Version, revV, susV)
		}
		for _, l := range []*cairn.StatusList{rev, sus} {
			for _, i := range setBits(l) {
				if i != a.StatusIndex {
					t.Errorf("%s: %s list has bit %d set (the award's index is %d)", step, l.Purpose, i, a.StatusIndex)
				}
			}
		}
	}
	check("new", cairn.StateActive, false, false, 1, 1)

	got, err := db.SetAwardState(ctx, tn.org.ID, a.ID, cairn.StateSuspended, "under review")
	must(t, "suspend", err)
	if got.State != cairn.StateSuspended || got.StateReason != "under review" {
		t.Errorf("SetAwardState returned %q %q", got.State, got.StateReason)
	}
	check("suspended", cairn.StateSuspended, false, true, 1, 2)

	_, err = db.SetAwardState(ctx, tn.org.ID, a.ID, cairn.StateSuspended, "still under review")
	must(t, "suspend again", err)
	check("suspended again", cairn.StateSuspended, false, true, 1, 2)
	got, err = db.Award(ctx, tn.org.ID, a.ID)
	must(t, "Award", err)
	if got.StateReason != "still under review" {
		t.Errorf("reason = %q", got.StateReason)
	}

	_, err = db.SetAwardState(ctx, tn.org.ID, a.ID, cairn.StateActive, "cleared")
	must(t, "reinstate", err)
	check("reinstated", cairn.StateActive, false, false, 1, 3)

	_, err = db.SetAwardState(ctx, other.org.ID, a.ID, cairn.StateRevoked, "hostile")
	wantKind(t, "revoke from another org", err, cairn.NotFound)
	check("after another org's attempt", cairn.StateActive, false, false, 1, 3)

	_, err = db.SetAwardState(ctx, tn.org.ID, a.ID, cairn.StateSuspended, "again")
	must(t, "suspend", err)
	_, err = db.SetAwardState(ctx, tn.org.ID, a.ID, cairn.StateRevoked, "fraud")
	must(t, "revoke", err)
	check("revoked", cairn.StateRevoked, true, false, 2, 5)

	_, err = db.SetAwardState(ctx, tn.org.ID, a.ID, cairn.StateActive, "oops")
	wantKind(t, "reinstate a revoked award", err, cairn.Conflict)
	_, err = db.SetAwardState(ctx, tn.org.ID, a.ID, "deleted", "")
	wantKind(t, "bad state", err, cairn.Invalid)
	_, err = db.SetAwardState(ctx, tn.org.ID, "nope", cairn.StateRevoked, "")
	wantKind(t, "missing award", err, cairn.NotFound)

	b, err := db.Award(ctx, tn.org.ID, bystander.ID)
	must(t, "Award", err)
	if b.State != cairn.StateActive {
		t.Errorf("bystander state %q", b.State)
	}
}

func testUpdateAward(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tn, other := newTenant(t, db, "up"), newTenant(t, db, "up2")
	a := createAward(t, db, newAward(tn, "ada@example.org"))
	newFrom := a.ValidFrom.Add(time.Hour)
	until := newFrom.AddDate(1, 0, 0)
	got, err := db.UpdateAward(ctx, tn.org.ID, a.ID, func(x *cairn.Award) error {
		x.ValidFrom, x.ValidUntil = newFrom, &until
		x.CredentialJSON = []byte(`{"reissued":true}`)
		x.Recipient.Name = "Ada L."
		x.AwardedDate = time.Time{}       // not changeable
		x.StatusIndex = x.StatusIndex + 1 // not changeable
		x.OrgID = other.org.ID            // not changeable
		return nil
	})
	must(t, "UpdateAward", err)
	stored, err := db.Award(ctx, tn.org.ID, a.ID)
	must(t, "Award", err)
	if !reflect.DeepEqual(stored, got) {
		t.Errorf("UpdateAward returned %+v, stored %+v", got, stored)
	}
	if !stored.ValidFrom.Equal(newFrom.Truncate(time.Microsecond)) || stored.ValidUntil == nil ||
		string(stored.CredentialJSON) != `{"reissued":true}` || stored.Recipient.Name != "Ada L." {
		t.Errorf("changes not stored: %+v", stored)
	}
	if !stored.AwardedDate.Equal(a.AwardedDate) || stored.StatusIndex != a.StatusIndex || stored.OrgID != tn.org.ID ||
		!stored.CreatedAt.Equal(a.CreatedAt) {
		t.Errorf("immutable fields changed: %+v", stored)
	}

	boom := errors.New("boom")
	_, err = db.UpdateAward(ctx, tn.org.ID, a.ID, func(x *cairn.Award) error {
		x.CredentialJSON = []byte("half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("UpdateAward with failing change = %v", err)
	}
	_, err = db.UpdateAward(ctx, other.org.ID, a.ID, func(*cairn.Award) error { return nil })
	wantKind(t, "UpdateAward from another org", err, cairn.NotFound)
	stored2, err := db.Award(ctx, tn.org.ID, a.ID)
	must(t, "Award", err)
	if !reflect.DeepEqual(stored, stored2) {
		t.Errorf("failed updates changed the award")
	}
	_, err = db.SetAwardState(ctx, tn.org.ID, a.ID, cairn.StateRevoked, "")
	must(t, "revoke", err)
	_, err = db.UpdateAward(ctx, tn.org.ID, a.ID, func(*cairn.Award) error { return nil })
	wantKind(t, "UpdateAward of a revoked award", err, cairn.Conflict)
}

func testStatusListSigned(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tn := newTenant(t, db, "sl")
	a := createAward(t, db, newAward(tn, "ada@example.org"))
	stale, err := db.StaleStatusLists(ctx, 10)
	must(t, "StaleStatusLists", err)
	if len(stale) != 2 {
		t.Fatalf("StaleStatusLists = %d, want the 2 new lists", len(stale))
	}
	for _, l := range stale {
		must(t, "UpdateStatusListSigned", db.UpdateStatusListSigned(ctx, l.ID, l.Version, []byte("signed-"+l.ID)))
	}
	stale, err = db.StaleStatusLists(ctx, 10)
	must(t, "StaleStatusLists", err)
	if len(stale) != 0 {
		t.Fatalf("StaleStatusLists after signing = %d", len(stale))
	}
	rev, _ := lists(t, db, a)
	if string(rev.Signed) != "signed-"+rev.ID || rev.SignedVersion != 1 || rev.SignedAt == nil {
		t.Errorf("signed list: %q version %d at %v", rev.Signed, rev.SignedVersion, rev.SignedAt)
	}

	_, err = db.SetAwardState(ctx, tn.org.ID, a.ID, cairn.StateRevoked, "r")
	must(t, "revoke", err)
	stale, err = db.StaleStatusLists(ctx, 10)
	must(t, "StaleStatusLists", err)
	if len(stale) != 1 || stale[0].ID != a.StatusListID || stale[0].Version != 2 {
		t.Fatalf("StaleStatusLists after revocation = %+v", stale)
	}
	// A signature of the old version is refused.
	err = db.UpdateStatusListSigned(ctx, a.StatusListID, 1, []byte("old"))
	wantKind(t, "UpdateStatusListSigned with an old version", err, cairn.Conflict)
	must(t, "UpdateStatusListSigned", db.UpdateStatusListSigned(ctx, a.StatusListID, 2, []byte("v2")))
	// Re-signing the same version (e.g. to renew validUntil) is fine.
	must(t, "UpdateStatusListSigned again", db.UpdateStatusListSigned(ctx, a.StatusListID, 2, []byte("v2b")))
	rev, _ = lists(t, db, a)
	if string(rev.Signed) != "v2b" || rev.SignedVersion != 2 {
		t.Errorf("signed %q at %d", rev.Signed, rev.SignedVersion)
	}
	wantKind(t, "UpdateStatusListSigned(missing)", db.UpdateStatusListSigned(ctx, "nope", 1, []byte("x")), cairn.NotFound)
	_, err = db.StatusList(ctx, "nope")
	wantKind(t, "StatusList(missing)", err, cairn.NotFound)
}

func testPaging(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b := newTenant(t, db, "pa"), newTenant(t, db, "pb")
	second := &cairn.Achievement{OrgID: a.org.ID, IssuerID: a.issuer.ID, Name: "Second"}
	must(t, "CreateAchievement", db.CreateAchievement(ctx, second))
	want := map[string]bool{}
	for i := range 25 {
		aw := newAward(a, fmt.Sprintf("r%d@example.org", i%5))
		if i%2 == 1 {
			aw.AchievementID = second.ID
		}
		createAward(t, db, aw)
		want[aw.ID] = true
	}
	for i := range 3 {
		createAward(t, db, newAward(b, fmt.Sprintf("b%d@example.org", i)))
	}

	var all []*cairn.Award
	cur := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		page, next, err := db.Awards(ctx, cairn.AwardFilter{OrgID: a.org.ID, Limit: 10, Cursor: cur})
		must(t, "Awards", err)
		all = append(all, page...)
		if next == "" {
			if len(page) != 5 {
				t.Errorf("last page has %d awards, want 5", len(page))
			}
			break
		}
		if len(page) != 10 {
			t.Errorf("page has %d awards, want 10", len(page))
		}
		cur = next
	}
	if len(all) != 25 {
		t.Fatalf("paged through %d awards, want 25", len(all))
	}
	seen := map[string]bool{}
	for i, aw := range all {
		if !want[aw.ID] || seen[aw.ID] {
			t.Errorf("award %s: foreign or repeated", aw.ID)
		}
		seen[aw.ID] = true
		if i > 0 && (aw.CreatedAt.After(all[i-1].CreatedAt) ||
			aw.CreatedAt.Equal(all[i-1].CreatedAt) && aw.ID > all[i-1].ID) {
			t.Errorf("awards %d and %d out of order", i-1, i)
		}
	}

	count := func(f cairn.AwardFilter) int {
		t.Helper()
		f.OrgID = a.org.ID
		n, err := db.CountAwards(ctx, f)
		must(t, "CountAwards", err)
		page, _, err := db.Awards(ctx, f)
		must(t, "Awards", err)
		if len(page) != n {
			t.Errorf("filter %+v: Awards gave %d, CountAwards %d", f, len(page), n)
		}
		return n
	}
	if n := count(cairn.AwardFilter{}); n != 25 {
		t.Errorf("count = %d", n)
	}
	if n := count(cairn.AwardFilter{AchievementID: second.ID}); n != 12 {
		t.Errorf("count by achievement = %d, want 12", n)
	}
	if n := count(cairn.AwardFilter{Recipient: "r0@example.org"}); n != 5 {
		t.Errorf("count by recipient = %d, want 5", n)
	}
	if n := count(cairn.AwardFilter{IssuerID: b.issuer.ID}); n != 0 {
		t.Errorf("count with org B's issuer = %d, want 0", n)
	}
	_, err := db.SetAwardState(ctx, a.org.ID, all[3].ID, cairn.StateRevoked, "")
	must(t, "revoke", err)
	if n := count(cairn.AwardFilter{State: cairn.StateRevoked}); n != 1 {
		t.Errorf("count revoked = %d, want 1", n)
	}
	revoked, err := db.Award(ctx, a.org.ID, all[3].ID)
	must(t, "Award", err)
	if n := count(cairn.AwardFilter{Since: revoked.UpdatedAt}); n < 1 {
		t.Errorf("count since the revocation = %d, want ≥ 1", n)
	}
	if n := count(cairn.AwardFilter{Since: time.Now().Add(time.Hour)}); n != 0 {
		t.Errorf("count since the future = %d", n)
	}

	_, _, err = db.Awards(ctx, cairn.AwardFilter{OrgID: a.org.ID, Cursor: "!!!"})
	wantKind(t, "bad cursor", err, cairn.Invalid)
	_, _, err = db.Awards(ctx, cairn.AwardFilter{OrgID: a.org.ID, Limit: store.MaxPageSize + 1})
	wantKind(t, "limit too large", err, cairn.Invalid)
	_, _, err = db.Awards(ctx, cairn.AwardFilter{OrgID: a.org.ID, State: "gone"})
	wantKind(t, "bad state", err, cairn.Invalid)
	_, _, err = db.Awards(ctx, cairn.AwardFilter{})
	wantKind(t, "no org", err, cairn.Invalid)
}

// testTenancy checks that nothing of organization B is reachable through
// organization A's ID, method by method.
func testTenancy(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b := newTenant(t, db, "ta"), newTenant(t, db, "tb")
	bAward := createAward(t, db, newAward(b, "victim@example.org"))
	bImg := &cairn.Image{OrgID: b.org.ID, ContentType: "image/png", Data: []byte("p"), SHA256: "0"}
	must(t, "CreateImage", db.CreateImage(ctx, bImg))
	bKey := &cairn.IssuerKey{IssuerID: b.issuer.ID, Type: "Ed25519", Fragment: "k", PublicJWK: []byte("{}")}
	must(t, "AddIssuerKey", db.AddIssuerKey(ctx, b.org.ID, bKey, false))

	org := a.org.ID
	checks := []struct {
		name string
		err  error
	}{
		{"Issuer", second(db.Issuer(ctx, org, b.issuer.ID))},
		{"UpdateIssuer", db.UpdateIssuer(ctx, &cairn.Issuer{ID: b.issuer.ID, OrgID: org, Name: "pwned"})},
		{"AddIssuerKey", db.AddIssuerKey(ctx, org, &cairn.IssuerKey{IssuerID: b.issuer.ID, Type: "Ed25519", Fragment: "x", PublicJWK: []byte("{}")}, true)},
		{"RetireIssuerKey", db.RetireIssuerKey(ctx, org, b.issuer.ID, bKey.ID, time.Now())},
		{"Image", second(db.Image(ctx, org, bImg.ID))},
		{"Achievement", second(db.Achievement(ctx, org, b.achievement.ID))},
		{"UpdateAchievement", db.UpdateAchievement(ctx, &cairn.Achievement{ID: b.achievement.ID, OrgID: org, Name: "pwned"})},
		{"CreateAchievement", db.CreateAchievement(ctx, &cairn.Achievement{OrgID: org, IssuerID: b.issuer.ID, Name: "x"})},
		{"CreateAchievement(image)", db.CreateAchievement(ctx, &cairn.Achievement{OrgID: org, IssuerID: a.issuer.ID, Name: "x", ImageID: bImg.ID})},
		{"CreateAward", second(db.CreateAward(ctx, &cairn.Award{OrgID: org, AchievementID: b.achievement.ID,
			Recipient: cairn.Recipient{Type: cairn.RecipientEmail, Identity: "x"}, AwardedDate: time.Now(), ValidFrom: time.Now()}, sign))},
		{"Award", second(db.Award(ctx, org, bAward.ID))},
		{"SetAwardState", second(db.SetAwardState(ctx, org, bAward.ID, cairn.StateRevoked, "x"))},
		{"UpdateAward", second(db.UpdateAward(ctx, org, bAward.ID, func(x *cairn.Award) error { x.CredentialJSON = []byte("x"); return nil }))},
		{"RevokeAPIKey", db.RevokeAPIKey(ctx, org, b.key.ID)},
	}
	for _, c := range checks {
		wantKind(t, c.name+" across organizations", c.err, cairn.NotFound)
	}
	// Lists filter by organization whatever else they are given.
	page, _, err := db.Awards(ctx, cairn.AwardFilter{OrgID: org, IssuerID: b.issuer.ID})
	must(t, "Awards", err)
	page2, _, err := db.Awards(ctx, cairn.AwardFilter{OrgID: org, AchievementID: b.achievement.ID})
	must(t, "Awards", err)
	page3, _, err := db.Awards(ctx, cairn.AwardFilter{OrgID: org, Recipient: "victim@example.org"})
	must(t, "Awards", err)
	if len(page)+len(page2)+len(page3) != 0 {
		t.Error("Awards returned another organization's awards")
	}
	achs, err := db.Achievements(ctx, org, b.issuer.ID)
	must(t, "Achievements", err)
	iss, err := db.Issuers(ctx, org)
	must(t, "Issuers", err)
	keys, err := db.APIKeys(ctx, org)
	must(t, "APIKeys", err)
	if len(achs) != 0 || len(iss) != 1 || len(keys) != 1 {
		t.Errorf("listings leak: %d achievements, %d issuers, %d keys", len(achs), len(iss), len(keys))
	}
	// And B's data is unchanged.
	got, err := db.Award(ctx, b.org.ID, bAward.ID)
	must(t, "Award", err)
	if !reflect.DeepEqual(got, bAward) {
		t.Errorf("org B's award changed: %+v", got)
	}
	gotIs, err := db.Issuer(ctx, b.org.ID, b.issuer.ID)
	must(t, "Issuer", err)
	gotAch, err := db.Achievement(ctx, b.org.ID, b.achievement.ID)
	must(t, "Achievement", err)
	bKeys, err := db.IssuerKeys(ctx, b.issuer.ID)
	must(t, "IssuerKeys", err)
	if gotIs.Name == "pwned" || gotAch.Name == "pwned" || len(bKeys) != 1 || bKeys[0].RetiredAt != nil {
		t.Error("org B's issuer, achievement or keys changed")
	}
	if _, err := db.APIKeyByPrefix(ctx, b.key.Prefix); err != nil {
		t.Errorf("org B's API key: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func testConcurrentAwards(t *testing.T, db *store.DB) {
	tn := newTenant(t, db, "conc")
	const workers, each = 8, 50
	IssueConcurrently(t, []*store.DB{db}, tn.org.ID, tn.achievement.ID, workers, each)
}

// IssueConcurrently issues workers×each awards of one achievement through
// the given handles (worker i uses dbs[i%len(dbs)]) and checks that every
// award was stored and that no two share a status entry.
func IssueConcurrently(t *testing.T, dbs []*store.DB, orgID, achievementID string, workers, each int) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	ids := make([][]string, workers)
	for w := range workers {
		db := dbs[w%len(dbs)]
		wg.Go(func() {
			for i := range each {
				now := time.Now()
				a := &cairn.Award{OrgID: orgID, AchievementID: achievementID, AwardedDate: now, ValidFrom: now,
					Recipient: cairn.Recipient{Type: cairn.RecipientEmail, Identity: fmt.Sprintf("w%d-%d@example.org", w, i)}}
				if _, err := db.CreateAward(ctx, a, sign); err != nil {
					errs <- fmt.Errorf("worker %d award %d: %w", w, i, err)
					return
				}
				ids[w] = append(ids[w], a.ID)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	db := dbs[0]
	type entry struct {
		list string
		idx  int
	}
	entries := map[entry]string{}
	total := 0
	for _, ws := range ids {
		for _, id := range ws {
			a, err := db.Award(ctx, orgID, id)
			if err != nil {
				t.Fatalf("award %s lost: %v", id, err)
			}
			e := entry{a.StatusListID, a.StatusIndex}
			if prev, dup := entries[e]; dup {
				t.Fatalf("awards %s and %s share status entry %v", prev, id, e)
			}
			entries[e] = id
			total++
		}
	}
	n, err := db.CountAwards(ctx, cairn.AwardFilter{OrgID: orgID, AchievementID: achievementID})
	must(t, "CountAwards", err)
	if total != workers*each || n != total {
		t.Fatalf("%d awards acknowledged, %d stored; want %d", total, n, workers*each)
	}
}
