package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ltitool"
	"github.com/cairn-badges/cairn/store"
)

// testLTI: registrations (unique issuer and client id, tenancy), logins
// taken once and not after they expire, launches, users, courses put twice
// into one, leases that one poller holds at a time, and deletes that take
// the courses with them.
func testLTI(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, b := newTenant(t, db, "lti-a"), newTenant(t, db, "lti-b")
	now := time.Now().UTC().Truncate(time.Second)
	reg := &ltitool.Registration{ID: "reg-a", OrgID: a.org.ID, Name: "Moodle", ToolKID: "lti-kid-a", ToolKeySealed: []byte{1, 2, 3},
		CreatedAt: now, UpdatedAt: now}
	reg.Issuer, reg.ClientID, reg.DeploymentIDs = "https://moodle.example.org", "cairn", []string{"1", "2"}
	reg.AuthLoginURL, reg.AuthTokenURL, reg.JWKSURL = "https://moodle.example.org/auth", "https://moodle.example.org/token", "https://moodle.example.org/jwks"
	must(t, "CreateLTIRegistration", db.CreateLTIRegistration(ctx, reg))
	dup := *reg
	dup.ID, dup.OrgID, dup.ToolKID = "reg-b", b.org.ID, "lti-kid-b"
	wantKind(t, "the same issuer and client id again", db.CreateLTIRegistration(ctx, &dup), cairn.Conflict)
	got, err := db.LTIRegistration(ctx, a.org.ID, reg.ID)
	must(t, "LTIRegistration", err)
	if !reflect.DeepEqual(got, reg) {
		t.Fatalf("LTIRegistration = %+v, want %+v", got, reg)
	}
	_, err = db.LTIRegistration(ctx, b.org.ID, reg.ID)
	wantKind(t, "another organization's registration", err, cairn.NotFound)
	if byIss, err := db.LTIRegistrationsByIssuer(ctx, reg.Issuer); err != nil || len(byIss) != 1 {
		t.Fatalf("LTIRegistrationsByIssuer: %v, %v", byIss, err)
	}
	reg.Name, reg.DeploymentIDs, reg.UpdatedAt = "Moodle 4", []string{"3"}, now.Add(time.Second)
	must(t, "UpdateLTIRegistration", db.UpdateLTIRegistration(ctx, reg))
	if got, _ := db.LTIRegistration(ctx, "", reg.ID); got.Name != "Moodle 4" || !reflect.DeepEqual(got.DeploymentIDs, []string{"3"}) {
		t.Fatalf("after the update: %+v", got)
	}
	other := *reg
	other.OrgID = b.org.ID
	wantKind(t, "updating another organization's", db.UpdateLTIRegistration(ctx, &other), cairn.NotFound)

	must(t, "CreateLTILogin", db.CreateLTILogin(ctx, "state-1", reg.ID, "nonce-1", now.Add(time.Minute)))
	must(t, "CreateLTILogin expired", db.CreateLTILogin(ctx, "state-2", reg.ID, "nonce-2", now.Add(-time.Minute)))
	if rid, nonce, err := db.TakeLTILogin(ctx, "state-1", now); err != nil || rid != reg.ID || nonce != "nonce-1" {
		t.Fatalf("TakeLTILogin: %q %q %v", rid, nonce, err)
	}
	_, _, err = db.TakeLTILogin(ctx, "state-1", now)
	wantKind(t, "a login taken twice", err, cairn.NotFound)
	_, _, err = db.TakeLTILogin(ctx, "state-2", now)
	wantKind(t, "an expired login", err, cairn.NotFound)

	must(t, "CreateLTILaunch", db.CreateLTILaunch(ctx, "launch-1", reg.ID, []byte(`{"Subject":"u1"}`), now.Add(time.Hour)))
	if rid, claims, err := db.LTILaunch(ctx, "launch-1", now); err != nil || rid != reg.ID || string(claims) != `{"Subject":"u1"}` {
		t.Fatalf("LTILaunch: %q %s %v", rid, claims, err)
	}
	_, _, err = db.LTILaunch(ctx, "launch-1", now.Add(2*time.Hour))
	wantKind(t, "an expired launch", err, cairn.NotFound)
	must(t, "DeleteExpiredLTI", db.DeleteExpiredLTI(ctx, now.Add(2*time.Hour)))
	_, _, err = db.LTILaunch(ctx, "launch-1", now)
	wantKind(t, "a launch after DeleteExpiredLTI", err, cairn.NotFound)

	must(t, "PutLTIUser", db.PutLTIUser(ctx, reg.ID, "u1", ltitool.User{Email: "ada@example.org", Name: "Ada"}, now))
	must(t, "PutLTIUser again", db.PutLTIUser(ctx, reg.ID, "u1", ltitool.User{Email: "ada@example.net", Name: "Ada L"}, now))
	if u, err := db.LTIUser(ctx, reg.ID, "u1"); err != nil || u.Email != "ada@example.net" {
		t.Fatalf("LTIUser: %+v %v", u, err)
	}

	c := &ltitool.Course{ID: "course-1", OrgID: a.org.ID, RegistrationID: reg.ID, DeploymentID: "3", ContextID: "ds101", Title: "DS",
		LineItemsURL: "https://moodle.example.org/li", Scopes: []string{"s1"}, EventType: "lti.score", ConnectedBy: "Somsri", ConnectedAt: now}
	must(t, "PutLTICourse", db.PutLTICourse(ctx, c))
	again := *c
	again.ID, again.Title, again.EventType = "course-2", "Data Science", "course.completed"
	must(t, "PutLTICourse again", db.PutLTICourse(ctx, &again))
	if again.ID != c.ID {
		t.Errorf("the course connected twice has ID %q, want %q", again.ID, c.ID)
	}
	cs, err := db.LTICourses(ctx, a.org.ID)
	if err != nil || len(cs) != 1 || cs[0].Title != "Data Science" || cs[0].EventType != "course.completed" || cs[0].PolledAt != nil {
		t.Fatalf("LTICourses: %+v %v", cs, err)
	}
	if cs, _ := db.LTICourses(ctx, b.org.ID); len(cs) != 0 {
		t.Errorf("another organization sees %d courses", len(cs))
	}
	leased, err := db.LeaseLTICourses(ctx, now, now, now.Add(time.Minute), 10)
	if err != nil || len(leased) != 1 {
		t.Fatalf("LeaseLTICourses: %v %v", leased, err)
	}
	if again, _ := db.LeaseLTICourses(ctx, now, now, now.Add(time.Minute), 10); len(again) != 0 {
		t.Errorf("a leased course leased again: %v", again)
	}
	sum := ltitool.PollSummary{LineItems: 1, Results: 3, New: 2, Awarded: 1, Waiting: 1}
	must(t, "FinishLTIPoll", db.FinishLTIPoll(ctx, c.ID, now, sum, "the platform answered 500"))
	got1, err := db.LTICourse(ctx, a.org.ID, c.ID)
	if err != nil || got1.PolledAt == nil || got1.Summary != sum || got1.Error != "the platform answered 500" {
		t.Fatalf("after the poll: %+v %v", got1, err)
	}
	if due, _ := db.LeaseLTICourses(ctx, now, now, now.Add(time.Minute), 10); len(due) != 0 {
		t.Errorf("a course polled now is due again: %v", due)
	}
	if due, _ := db.LeaseLTICourses(ctx, now.Add(time.Hour), now.Add(time.Hour), now.Add(2*time.Hour), 10); len(due) != 1 {
		t.Errorf("a course polled an hour ago is not due: %v", due)
	}
	wantKind(t, "deleting another organization's course", db.DeleteLTICourse(ctx, b.org.ID, c.ID), cairn.NotFound)
	wantKind(t, "deleting another organization's registration", db.DeleteLTIRegistration(ctx, b.org.ID, reg.ID), cairn.NotFound)
	must(t, "DeleteLTIRegistration", db.DeleteLTIRegistration(ctx, a.org.ID, reg.ID))
	if cs, _ := db.LTICourses(ctx, a.org.ID); len(cs) != 0 {
		t.Errorf("%d courses after their registration's delete", len(cs))
	}
}
