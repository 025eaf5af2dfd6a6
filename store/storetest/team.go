package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// testTeam: invitations (replaced, accepted once, expired), the last
// owner kept, last-seen times, password resets used once.
func testTeam(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tn := newTenant(t, db, "team")
	now := time.Now().UTC().Truncate(time.Microsecond)
	db.Now = func() time.Time { return now }

	in := &store.Invitation{OrgID: tn.org.ID, Email: "new@example.org", Role: cairn.RoleIssuer, TokenHash: "t1", InvitedBy: tn.owner.ID, ExpiresAt: now.Add(time.Hour)}
	must(t, "CreateInvitation", db.CreateInvitation(ctx, in))
	again := &store.Invitation{OrgID: tn.org.ID, Email: "new@example.org", Role: cairn.RoleViewer, TokenHash: "t2", InvitedBy: tn.owner.ID, ExpiresAt: now.Add(time.Hour)}
	must(t, "CreateInvitation again", db.CreateInvitation(ctx, again))
	pending, err := db.PendingInvitations(ctx, tn.org.ID)
	must(t, "PendingInvitations", err)
	if len(pending) != 1 || pending[0].TokenHash != "t2" {
		t.Fatalf("pending after a second invitation: %+v", pending)
	}
	_, err = db.AcceptInvitation(ctx, "t1", &cairn.Account{Email: "new@example.org", PasswordHash: "h"}, true)
	wantKind(t, "accepting a replaced invitation", err, cairn.NotFound)
	acct := &cairn.Account{Email: "new@example.org", Name: "New", PasswordHash: "h"}
	got, err := db.AcceptInvitation(ctx, "t2", acct, true)
	must(t, "AcceptInvitation", err)
	if got.AcceptedAt == nil || got.AcceptedBy != acct.ID {
		t.Errorf("accepted invitation: %+v", got)
	}
	m, err := db.Membership(ctx, tn.org.ID, acct.ID)
	must(t, "Membership", err)
	if m.Role != cairn.RoleViewer {
		t.Errorf("role %q after accepting, want viewer", m.Role)
	}
	_, err = db.AcceptInvitation(ctx, "t2", acct, false)
	wantKind(t, "accepting twice", err, cairn.Conflict)
	old := &store.Invitation{OrgID: tn.org.ID, Email: "late@example.org", Role: cairn.RoleViewer, TokenHash: "t3", InvitedBy: tn.owner.ID, ExpiresAt: now.Add(-time.Minute)}
	must(t, "CreateInvitation expired", db.CreateInvitation(ctx, old))
	_, err = db.AcceptInvitation(ctx, "t3", &cairn.Account{Email: "late@example.org", PasswordHash: "h"}, true)
	wantKind(t, "accepting an expired invitation", err, cairn.Conflict)
	if _, err := db.AccountByEmail(ctx, "late@example.org"); cairn.KindOf(err) != cairn.NotFound {
		t.Errorf("an expired invitation left an account behind: %v", err)
	}

	// The last owner.
	viewer := cairn.RoleViewer
	wantKind(t, "demoting the only owner", db.ChangeMembership(ctx, tn.org.ID, tn.owner.ID, &viewer), cairn.Conflict)
	wantKind(t, "removing the only owner", db.ChangeMembership(ctx, tn.org.ID, tn.owner.ID, nil), cairn.Conflict)
	owner := cairn.RoleOwner
	must(t, "promoting", db.ChangeMembership(ctx, tn.org.ID, acct.ID, &owner))
	must(t, "removing the first owner", db.ChangeMembership(ctx, tn.org.ID, tn.owner.ID, nil))
	wantKind(t, "removing a non-member", db.ChangeMembership(ctx, tn.org.ID, tn.owner.ID, nil), cairn.NotFound)

	// Last seen.
	s := &cairn.Session{TokenHash: "team-session", AccountID: acct.ID, CSRFToken: "c", ExpiresAt: now.Add(time.Hour)}
	must(t, "CreateSession", db.CreateSession(ctx, s))
	later := now.Add(10 * time.Minute)
	must(t, "TouchSession", db.TouchSession(ctx, s.ID, acct.ID, later))
	gs, err := db.SessionByTokenHash(ctx, "team-session")
	must(t, "SessionByTokenHash", err)
	if !gs.LastSeenAt.Equal(later) {
		t.Errorf("session last seen %v, want %v", gs.LastSeenAt, later)
	}
	ms, err := db.Members(ctx, tn.org.ID)
	must(t, "Members", err)
	if len(ms) != 1 || ms[0].LastSeenAt == nil || !ms[0].LastSeenAt.Equal(later) {
		t.Errorf("members: %+v", ms)
	}

	// Password resets.
	must(t, "CreatePasswordReset", db.CreatePasswordReset(ctx, acct.ID, "r1", now.Add(time.Hour)))
	must(t, "CreatePasswordReset 2", db.CreatePasswordReset(ctx, acct.ID, "r2", now.Add(time.Hour)))
	a, err := db.UsePasswordReset(ctx, "r1", "new-hash")
	must(t, "UsePasswordReset", err)
	if a.PasswordHash != "new-hash" {
		t.Errorf("hash %q", a.PasswordHash)
	}
	_, err = db.UsePasswordReset(ctx, "r1", "again")
	wantKind(t, "a reset used twice", err, cairn.NotFound)
	_, err = db.UsePasswordReset(ctx, "r2", "again")
	wantKind(t, "the account's other reset after one was used", err, cairn.NotFound)
	_, err = db.SessionByTokenHash(ctx, "team-session")
	wantKind(t, "a session after a reset", err, cairn.NotFound)
}
