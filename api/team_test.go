package api_test

import (
	"context"
	"strings"
	"testing"
)

// The team: an owner invites by email (the link comes back when mail is
// off), the invitation is accepted, roles change, the last owner stays,
// and none of it crosses organizations.
func TestTeam(t *testing.T) {
	e := newEnv(t)
	o, other := e.newOrg("team"), e.newOrg("team-other")
	var inv struct {
		ID, Email, Role, Link string
		Mailed                bool
	}
	e.do("POST", "/api/v1/invitations", o.key, map[string]any{"email": " Colleague@Example.ORG ", "role": "issuer"}).must(t, 201, &inv)
	if inv.Email != "colleague@example.org" || inv.Role != "issuer" || inv.Mailed || !strings.Contains(inv.Link, "/invite/") {
		t.Fatalf("invitation: %+v", inv)
	}
	var list struct{ Items []struct{ ID, Email string } }
	e.do("GET", "/api/v1/invitations", o.key, nil).must(t, 200, &list)
	if len(list.Items) != 1 || list.Items[0].ID != inv.ID {
		t.Fatalf("pending: %+v", list)
	}
	e.do("GET", "/api/v1/invitations", other.key, nil).must(t, 200, &list)
	if len(list.Items) != 0 {
		t.Fatalf("another organization sees the invitation: %+v", list)
	}
	e.do("DELETE", "/api/v1/invitations/"+inv.ID, other.key, nil).must(t, 404, nil)

	// Accepted (as the invitation page does), the colleague is a member.
	token := inv.Link[strings.LastIndex(inv.Link, "/")+1:]
	acct, _, err := e.srv.Team.AcceptNew(context.Background(), token, "Cole League", "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.srv.Team.AcceptNew(context.Background(), token, "Twice", "a long enough password"); err == nil {
		t.Error("an invitation was accepted twice")
	}
	var members struct {
		Items []struct{ AccountID, Email, Role string }
	}
	e.do("GET", "/api/v1/members", o.key, nil).must(t, 200, &members)
	if len(members.Items) != 2 {
		t.Fatalf("members: %+v", members)
	}
	e.do("POST", "/api/v1/invitations", o.key, map[string]any{"email": "colleague@example.org", "role": "viewer"}).mustProblem(t, 409, "email", "member already")

	// Roles: the colleague becomes owner, the first owner a viewer; the
	// colleague, now the only owner, cannot leave or step down.
	e.do("PATCH", "/api/v1/members/"+acct.ID, o.key, map[string]any{"role": "owner"}).must(t, 200, nil)
	e.do("PATCH", "/api/v1/members/"+o.ownerID, o.key, map[string]any{"role": "viewer"}).must(t, 200, nil)
	e.do("PATCH", "/api/v1/members/"+acct.ID, o.key, map[string]any{"role": "issuer"}).mustProblem(t, 409, "role", "only owner")
	e.do("DELETE", "/api/v1/members/"+acct.ID, o.key, nil).mustProblem(t, 409, "role", "only owner")
	e.do("PATCH", "/api/v1/members/"+acct.ID, o.key, map[string]any{"role": "king"}).mustProblem(t, 422, "role", "")
	e.do("PATCH", "/api/v1/members/"+acct.ID, other.key, map[string]any{"role": "viewer"}).must(t, 404, nil)
	e.do("DELETE", "/api/v1/members/"+o.ownerID, o.key, nil).must(t, 204, nil)

	// Bad input names the field.
	e.do("POST", "/api/v1/invitations", o.key, map[string]any{"email": "not an email", "role": "issuer"}).mustProblem(t, 422, "email", "")
	e.do("POST", "/api/v1/invitations", o.key, map[string]any{"email": "x@example.org", "role": "admin"}).mustProblem(t, 422, "role", "")
	e.do("POST", "/api/v1/invitations", o.key, map[string]any{"email": "x@example.org", "role": "viewer", "extra": 1}).mustProblem(t, 400, "extra", "unknown field")
}

// Password resets: a link works once and ends the account's sessions.
func TestPasswordReset(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("reset")
	ctx := context.Background()
	link, err := e.srv.Team.ResetLink(ctx, "reset@example.org")
	if err != nil {
		t.Fatal(err)
	}
	token := link[strings.LastIndex(link, "/")+1:]
	if _, err := e.srv.Team.Reset(ctx, token, "short"); err == nil || !strings.Contains(err.Error(), "10") {
		t.Errorf("a short password: %v", err)
	}
	acct, err := e.srv.Team.Reset(ctx, token, "correct horse battery")
	if err != nil || acct.ID != o.ownerID {
		t.Fatalf("reset: %v %+v", err, acct)
	}
	if _, err := e.srv.Team.Reset(ctx, token, "another good password"); err == nil {
		t.Error("a reset link worked twice")
	}
	if _, err := e.srv.Team.ResetLink(ctx, "nobody@example.org"); err == nil {
		t.Error("a reset link for no account")
	}
}

// mustProblem checks a problem's status, field and (when not "") that its
// detail holds detail.
func (r resp) mustProblem(t testing.TB, code int, field, detail string) {
	t.Helper()
	p := r.problem(t, code)
	if p.Field != field || !strings.Contains(p.Detail, detail) {
		t.Fatalf("problem %+v, want field %q and %q in the detail", p, field, detail)
	}
}
