package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
)

// TestRulesPages: staff create, edit, disable and delete rules through the
// forms (bad input comes back next to the field, values kept); the events
// an event matched and the awards it made show on the events page;
// viewers see rules read-only and cannot change them.
func TestRulesPages(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	ctx := context.Background()
	c := e.client(t)
	c.mustLogin(issuerEmail)

	res := c.get("/admin/rules")
	if res.StatusCode != 200 || !strings.Contains(res.body, "No rules yet") || !strings.Contains(res.body, `id="rule-form"`) || !strings.Contains(res.body, "No events yet") {
		t.Fatalf("empty rules page: %d\n%s", res.StatusCode, res.body)
	}
	form := url.Values{"name": {"Finished CS101"}, "eventType": {"course.completed"}, "courseId": {"CS101"}, "minScore": {"eighty"},
		"achievement": {e.ach.ID}, "narrative": {"Completed {courseId} with {score}%."}, "enabled": {"on"}}
	res = c.post("/admin/rules", form)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(res.body, "Give a percentage from 0 to 100") || !strings.Contains(res.body, `value="Finished CS101"`) {
		t.Fatalf("bad minimum: %d\n%s", res.StatusCode, res.body)
	}
	form.Set("minScore", "120")
	if res = c.post("/admin/rules", form); res.StatusCode != http.StatusBadRequest || !strings.Contains(res.body, "This must be a percentage from 0 to 100, not 120") {
		t.Fatalf("minimum over 100: %d\n%s", res.StatusCode, res.body)
	}
	form.Set("minScore", "80")
	form.Set("narrative", "Scored {grade}")
	if res = c.post("/admin/rules", form); res.StatusCode != http.StatusBadRequest || !strings.Contains(res.body, "{grade} is not a placeholder") {
		t.Fatalf("unknown placeholder: %d\n%s", res.StatusCode, res.body)
	}
	form.Set("narrative", "Completed {courseId} with {score}%.")
	if res = c.post("/admin/rules", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", res.StatusCode, res.body)
	}
	rs, _ := e.db.Rules(ctx, e.org.ID)
	if len(rs) != 1 || *rs[0].MinScore != 80 || !rs[0].Enabled || rs[0].CourseID != "CS101" {
		t.Fatalf("rules after create: %+v", rs)
	}
	id := rs[0].ID
	res = c.get("/admin/rules?done=created")
	if !strings.Contains(res.body, "course.completed in CS101 with a score of at least 80") || !strings.Contains(res.body, "The rule is created") {
		t.Errorf("rules page after create:\n%s", res.body)
	}

	// An event through the service: the page shows its award.
	ev, _, err := e.svc.HandleEvent(ctx, e.org.ID, issuing.EventInput{Type: "course.completed", CourseID: "CS101", Score: ptr(91.0),
		Recipient: issuing.RecipientInput{Email: "ada@example.org"}, OccurredAt: ptr(time.Now()), ExternalID: "lms-1"})
	if err != nil || ev.Outcome != cairn.EventAwarded {
		t.Fatalf("HandleEvent: %v %+v", err, ev)
	}
	if _, _, err := e.svc.HandleEvent(ctx, e.org.ID, issuing.EventInput{Type: "course.completed", CourseID: "CS101", Score: ptr(20.0),
		Recipient: issuing.RecipientInput{Email: "bob@example.org"}, OccurredAt: ptr(time.Now()), ExternalID: "lms-2"}); err != nil {
		t.Fatal(err)
	}
	res = c.get("/admin/events")
	if !strings.Contains(res.body, "/admin/awards/"+ev.Matches[0].AwardID) || !strings.Contains(res.body, "No rule matched") ||
		!strings.Contains(res.body, "lms-1") || !strings.Contains(res.body, "CS101, score 91") {
		t.Errorf("events page:\n%s", res.body)
	}
	if res := c.get("/admin/events?outcome=no-match"); strings.Contains(res.body, "lms-1") || !strings.Contains(res.body, "lms-2") {
		t.Errorf("events filtered by no-match:\n%s", res.body)
	}
	if res := c.get("/admin/events?outcome=maybe"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad outcome filter: %d", res.StatusCode)
	}
	if res := c.get("/admin/events?cursor=junk"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad cursor: %d", res.StatusCode)
	}

	// Edit: clear the minimum, rename.
	res = c.get("/admin/rules/" + id)
	if !strings.Contains(res.body, `value="80"`) || !strings.Contains(res.body, "Save changes") {
		t.Fatalf("rule page:\n%s", res.body)
	}
	form.Set("minScore", "")
	form.Set("name", "Any CS101 completion")
	if res = c.post("/admin/rules/"+id, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, res.body)
	}
	ru, _ := e.db.Rule(ctx, e.org.ID, id)
	if ru.MinScore != nil || ru.Name != "Any CS101 completion" {
		t.Errorf("after save: %+v", ru)
	}
	form.Set("achievement", "nope")
	if res = c.post("/admin/rules/"+id, form); res.StatusCode != http.StatusBadRequest || !strings.Contains(res.body, "No such achievement in this organization") {
		t.Errorf("save with an unknown achievement: %d\n%s", res.StatusCode, res.body)
	}

	// Viewers read, and may not change.
	v := e.client(t)
	v.mustLogin(viewerEmail)
	if res := v.get("/admin/rules/" + id); res.StatusCode != 200 || !strings.Contains(res.body, `<fieldset class="bare" disabled>`) || strings.Contains(res.body, "Save changes") {
		t.Errorf("viewer's rule page: %d", res.StatusCode)
	}
	if res := v.get("/admin/rules"); strings.Contains(res.body, `id="rule-form"`) || strings.Contains(res.body, "/delete") {
		t.Errorf("viewer's rules page offers changes")
	}
	for path, f := range map[string]url.Values{"/admin/rules": form, "/admin/rules/" + id: form, "/admin/rules/" + id + "/enabled": nil, "/admin/rules/" + id + "/delete": nil} {
		if res := v.post(path, f); res.StatusCode != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d, want 403", path, res.StatusCode)
		}
	}

	// Disable, enable, delete.
	c.get("/admin/rules")
	if res = c.post("/admin/rules/"+id+"/enabled", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	if ru, _ := e.db.Rule(ctx, e.org.ID, id); ru.Enabled {
		t.Error("the rule is still enabled")
	}
	if res := c.get("/admin/rules?done=disabled"); !strings.Contains(res.body, "Disabled") || !strings.Contains(res.body, ">Enable<") {
		t.Errorf("disabled rule not shown as such")
	}
	c.post("/admin/rules/"+id+"/enabled", url.Values{"enabled": {"on"}})
	if ru, _ := e.db.Rule(ctx, e.org.ID, id); !ru.Enabled {
		t.Error("the rule was not enabled again")
	}
	if res = c.post("/admin/rules/"+id+"/delete", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if _, err := e.db.Rule(ctx, e.org.ID, id); cairn.KindOf(err) != cairn.NotFound {
		t.Errorf("after delete: %v", err)
	}
	if res := c.get("/admin/rules/" + id); res.StatusCode != http.StatusNotFound {
		t.Errorf("deleted rule's page: %d", res.StatusCode)
	}
	if res := c.get("/admin/events"); !strings.Contains(res.body, "Finished CS101") {
		t.Errorf("the events page forgot the deleted rule's name")
	}
}

func ptr[T any](v T) *T { return &v }
