package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
)

type eventAnswer struct {
	ID           string
	ExternalID   string
	Outcome      string
	Error        string
	MatchedRules []struct{ ID, Name, AchievementID string }
	Awards       []struct {
		ID, RuleID, AchievementID, CredentialID string
		Links                                   struct{ Credential, JSON, PNG, SVG string }
	}
}

func (a eventAnswer) achievements() string {
	var s []string
	for _, aw := range a.Awards {
		s = append(s, aw.AchievementID)
	}
	return strings.Join(s, ",")
}

// TestEvents: rules turn events into awards: exact type, course or any,
// minimum score (an event without a score does not meet one), disabled
// rules skipped; a retried event answers the same body and makes nothing;
// the same externalId with other content is a 409.
func TestEvents(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("ev"))
	var ach2, ach3 struct{ ID string }
	e.do("POST", "/api/v1/achievements", f.org.key, achievementBody(f.issuerID, "")).must(t, 201, &ach2)
	e.do("POST", "/api/v1/achievements", f.org.key, achievementBody(f.issuerID, "")).must(t, 201, &ach3)
	var completion, disabled struct{ ID string }
	e.do("POST", "/api/v1/rules", f.org.key, map[string]any{"name": "Completion", "eventType": "course.completed",
		"achievementId": ach2.ID, "narrative": "Completed {courseId} on {date} with {score}%."}).must(t, 201, &completion)
	e.do("POST", "/api/v1/rules", f.org.key, map[string]any{"name": "Off", "eventType": "course.completed",
		"achievementId": ach3.ID, "enabled": false}).must(t, 201, &disabled)
	awardsBefore, _ := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: f.org.id})

	// Score 95: the distinction (min 90, CS101) and the completion (any).
	first := e.do("POST", "/api/v1/events", f.org.key, eventBody("e1", "Ada@Example.com", 95))
	var ev eventAnswer
	first.must(t, 201, &ev)
	if ev.Outcome != "awarded" || ev.achievements() != f.achievementID+","+ach2.ID || len(ev.MatchedRules) != 2 ||
		ev.MatchedRules[0].ID != f.ruleID || ev.MatchedRules[1].ID != completion.ID {
		t.Fatalf("event answer %s", first.body)
	}
	if loc := first.hdr.Get("Location"); loc != "/api/v1/events/"+ev.ID {
		t.Errorf("Location %q", loc)
	}
	var aw struct {
		Narrative     string
		AchievementID string
		Recipient     struct{ Identity string }
		ActivityEnd   string `json:"activityEndDate"`
	}
	e.do("GET", "/api/v1/awards/"+ev.Awards[1].ID, f.org.key, nil).must(t, 200, &aw)
	if aw.Narrative != "Completed CS101 on 2025-06-30 with 95%." || aw.Recipient.Identity != "ada@example.com" ||
		aw.AchievementID != ach2.ID || aw.ActivityEnd != "2025-06-30T12:00:00Z" {
		t.Errorf("award made by the rule: %+v", aw)
	}
	if ev.Awards[1].CredentialID != testBase+"/credentials/"+ev.Awards[1].ID || ev.Awards[1].Links.PNG != ev.Awards[1].CredentialID+".png" {
		t.Errorf("award links %+v", ev.Awards[1])
	}

	// The retry: same body, 200, nothing new.
	again := e.do("POST", "/api/v1/events", f.org.key, eventBody("e1", "ada@example.com", 95))
	again.must(t, 200, nil)
	if !bytes.Equal(again.body, first.body) || again.hdr.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry answered %s\nfirst answered %s", again.body, first.body)
	}
	if n, _ := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: f.org.id}); n != awardsBefore+2 {
		t.Errorf("%d awards after the event and its retry, want %d", n, awardsBefore+2)
	}
	// Another event under the same externalId.
	p := e.do("POST", "/api/v1/events", f.org.key, eventBody("e1", "ada@example.com", 96)).problem(t, 409)
	if p.Field != "externalId" || !strings.Contains(p.Detail, `"e1"`) {
		t.Errorf("reused externalId: %+v", p)
	}

	for _, tt := range []struct {
		name, ext, typ string
		score          float64
		outcome, want  string
	}{
		{"below the minimum", "e2", "course.completed", 80, "awarded", ach2.ID},
		{"no score", "e3", "course.completed", -1, "awarded", ach2.ID},
		{"other type", "e4", "assessment.passed", 100, "no-match", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := eventBody(tt.ext, "bob@example.com", tt.score)
			body["type"] = tt.typ
			var ev eventAnswer
			e.do("POST", "/api/v1/events", f.org.key, body).must(t, 201, &ev)
			if ev.Outcome != tt.outcome || ev.achievements() != tt.want {
				t.Fatalf("outcome %s, awards %q; want %s, %q", ev.Outcome, ev.achievements(), tt.outcome, tt.want)
			}
		})
	}

	// Disable the completion; remove the distinction's minimum.
	var ru struct {
		Enabled     bool
		MinScore    *float64
		Description string
	}
	e.do("PATCH", "/api/v1/rules/"+completion.ID, f.org.key, map[string]any{"enabled": false}).must(t, 200, &ru)
	if ru.Enabled {
		t.Fatal("PATCH enabled=false left the rule enabled")
	}
	e.do("PATCH", "/api/v1/rules/"+f.ruleID, f.org.key, `{"minScore": null}`).must(t, 200, &ru)
	if ru.MinScore != nil || ru.Description != "course.completed in CS101" {
		t.Fatalf("PATCH minScore=null: %+v", ru)
	}
	e.do("POST", "/api/v1/events", f.org.key, eventBody("e5", "bob@example.com", -1)).must(t, 201, &ev)
	if ev.Outcome != "awarded" || ev.achievements() != f.achievementID {
		t.Errorf("after the changes: %+v", ev)
	}
	body := eventBody("e6", "bob@example.com", 10)
	body["courseId"] = "BIO2"
	e.do("POST", "/api/v1/events", f.org.key, body).must(t, 201, &ev)
	if ev.Outcome != "no-match" || len(ev.Awards) != 0 || len(ev.MatchedRules) != 0 {
		t.Errorf("no enabled rule for BIO2: %+v", ev)
	}

	// The list, newest first, in pages.
	var page struct {
		Items []eventAnswer
		Next  *string
	}
	r := e.do("GET", "/api/v1/events?limit=2", f.org.key, nil)
	r.must(t, 200, &page)
	if len(page.Items) != 2 || page.Items[0].ExternalID != "e6" || page.Items[1].ExternalID != "e5" || page.Next == nil ||
		!strings.Contains(r.hdr.Get("Link"), `rel="next"`) {
		t.Fatalf("first page %s (Link %q)", r.body, r.hdr.Get("Link"))
	}
	e.do("GET", "/api/v1/events?limit=50&cursor="+*page.Next, f.org.key, nil).must(t, 200, &page)
	if len(page.Items) != 5 || page.Items[4].ExternalID != "fixture-ev" || page.Next != nil {
		t.Fatalf("second page: %d items, next %v", len(page.Items), page.Next)
	}
	e.do("GET", "/api/v1/events?outcome=no-match", f.org.key, nil).must(t, 200, &page)
	if len(page.Items) != 3 {
		t.Errorf("no-match events: %d, want 3", len(page.Items))
	}
	e.do("GET", "/api/v1/events?outcome=maybe", f.org.key, nil).problem(t, 400)
	e.do("GET", "/api/v1/events?cursor=nonsense", f.org.key, nil).problem(t, 400)
	e.do("GET", "/api/v1/events/"+ev.ID, f.org.key, nil).must(t, 200, nil)

	var list struct{ Items []struct{ ID string } }
	e.do("GET", "/api/v1/rules", f.org.key, nil).must(t, 200, &list)
	if len(list.Items) != 3 || list.Items[0].ID != f.ruleID {
		t.Errorf("rules %+v", list)
	}
	e.do("DELETE", "/api/v1/rules/"+disabled.ID, f.org.key, nil).must(t, 204, nil)
	e.do("GET", "/api/v1/rules/"+disabled.ID, f.org.key, nil).problem(t, 404)
	e.do("DELETE", "/api/v1/rules/"+disabled.ID, f.org.key, nil).problem(t, 404)
	// Events keep the rules they matched, deleted or not.
	e.do("DELETE", "/api/v1/rules/"+completion.ID, f.org.key, nil).must(t, 204, nil)
	e.do("GET", "/api/v1/events?limit=200", f.org.key, nil).must(t, 200, &page)
	for _, it := range page.Items {
		if it.ExternalID == "e1" && (len(it.MatchedRules) != 2 || it.MatchedRules[1].Name != "Completion") {
			t.Errorf("e1 after its rule was deleted: %+v", it)
		}
	}
}

// TestEventConcurrentRetries sends one event many times at once: one
// award per matching rule, and every answer names the same awards.
func TestEventConcurrentRetries(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("race"))
	before, _ := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: f.org.id})
	var wg sync.WaitGroup
	answers := make([]eventAnswer, 8)
	codes := make([]int, 8)
	for i := range answers {
		wg.Go(func() {
			r := e.do("POST", "/api/v1/events", f.org.key, eventBody("burst", "ada@example.com", 99))
			codes[i] = r.code
			json.Unmarshal(r.body, &answers[i])
		})
	}
	wg.Wait()
	created := 0
	for i, a := range answers {
		if codes[i] == 201 {
			created++
		}
		if codes[i] != 200 && codes[i] != 201 || a.Outcome != "awarded" || len(a.Awards) != 1 || a.Awards[0].ID != answers[0].Awards[0].ID {
			t.Errorf("answer %d: %d %+v", i, codes[i], a)
		}
	}
	if created != 1 {
		t.Errorf("%d answers were 201, want 1", created)
	}
	if n, _ := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: f.org.id}); n != before+1 {
		t.Errorf("%d awards, want %d", n, before+1)
	}
}

// TestEventBadInput: each malformed or invalid event is refused, naming
// the field, and leaves nothing behind.
func TestEventBadInput(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("bad"))
	future := time.Now().Add(3 * time.Hour).UTC().Format(time.RFC3339)
	for _, tt := range []struct {
		name   string
		change func(m map[string]any)
		code   int
		field  string
	}{
		{"no type", func(m map[string]any) { delete(m, "type") }, 422, "type"},
		{"type with a space", func(m map[string]any) { m["type"] = "course completed" }, 422, "type"},
		{"type not a string", func(m map[string]any) { m["type"] = 7 }, 400, "type"},
		{"no recipient", func(m map[string]any) { delete(m, "recipient") }, 422, "recipient"},
		{"bad email", func(m map[string]any) { m["recipient"] = map[string]any{"email": "not-an-email"} }, 422, "recipient.email"},
		{"email and did", func(m map[string]any) {
			m["recipient"] = map[string]any{"email": "a@example.org", "did": "did:example:1"}
		}, 422, "recipient"},
		{"unknown recipient member", func(m map[string]any) { m["recipient"] = map[string]any{"mail": "a@example.org"} }, 400, "recipient.mail"},
		{"no externalId", func(m map[string]any) { delete(m, "externalId") }, 422, "externalId"},
		{"long externalId", func(m map[string]any) { m["externalId"] = strings.Repeat("x", 201) }, 422, "externalId"},
		{"externalId with a newline", func(m map[string]any) { m["externalId"] = "a\nb" }, 422, "externalId"},
		{"score over 100", func(m map[string]any) { m["score"] = 100.5 }, 422, "score"},
		{"negative score", func(m map[string]any) { m["score"] = -1 }, 422, "score"},
		{"score as text", func(m map[string]any) { m["score"] = "95" }, 400, "score"},
		{"no occurredAt", func(m map[string]any) { delete(m, "occurredAt") }, 422, "occurredAt"},
		{"occurredAt not RFC 3339", func(m map[string]any) { m["occurredAt"] = "30/06/2025" }, 400, "occurredAt"},
		{"occurredAt in the future", func(m map[string]any) { m["occurredAt"] = future }, 422, "occurredAt"},
		{"long courseId", func(m map[string]any) { m["courseId"] = strings.Repeat("c", 256) }, 422, "courseId"},
		{"unknown member", func(m map[string]any) { m["grade"] = "A" }, 400, "grade"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := eventBody("bad-1", "ada@example.com", 95)
			tt.change(m)
			p := e.do("POST", "/api/v1/events", f.org.key, m).problem(t, tt.code)
			if p.Field != tt.field {
				t.Errorf("field %q, want %q: %s", p.Field, tt.field, p.Detail)
			}
		})
	}
	e.do("POST", "/api/v1/events", f.org.key, `{"type":`).problem(t, 400)
	var page struct{ Items []eventAnswer }
	e.do("GET", "/api/v1/events", f.org.key, nil).must(t, 200, &page)
	if len(page.Items) != 1 {
		t.Errorf("%d events stored, want only the fixture's", len(page.Items))
	}

	for _, tt := range []struct {
		name   string
		method string
		body   any
		code   int
		field  string
	}{
		{"no name", "POST", map[string]any{"eventType": "x", "achievementId": f.achievementID}, 422, "name"},
		{"bad eventType", "POST", map[string]any{"name": "n", "eventType": "x y", "achievementId": f.achievementID}, 422, "eventType"},
		{"minScore over 100", "POST", map[string]any{"name": "n", "eventType": "x", "minScore": 150, "achievementId": f.achievementID}, 422, "minScore"},
		{"unknown achievement", "POST", map[string]any{"name": "n", "eventType": "x", "achievementId": "nope"}, 422, "achievementId"},
		{"unknown placeholder", "POST", map[string]any{"name": "n", "eventType": "x", "achievementId": f.achievementID, "narrative": "{grade}"}, 422, "narrative"},
		{"enabled as text", "POST", map[string]any{"name": "n", "eventType": "x", "achievementId": f.achievementID, "enabled": "yes"}, 400, "enabled"},
		{"PATCH name null", "PATCH", `{"name": null}`, 422, "name"},
		{"PATCH unknown member", "PATCH", map[string]any{"min": 3}, 400, "min"},
		{"PATCH bad minScore", "PATCH", map[string]any{"minScore": -3}, 422, "minScore"},
	} {
		t.Run("rule "+tt.name, func(t *testing.T) {
			path := "/api/v1/rules"
			if tt.method == "PATCH" {
				path += "/" + f.ruleID
			}
			p := e.do(tt.method, path, f.org.key, tt.body).problem(t, tt.code)
			if p.Field != tt.field {
				t.Errorf("field %q, want %q: %s", p.Field, tt.field, p.Detail)
			}
		})
	}
}

// TestEventRoles: viewers read rules and events, issuers send events and
// manage rules.
func TestEventRoles(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("evroles"))
	viewer, issuer := e.keyFor(f.org, cairn.RoleViewer), e.keyFor(f.org, cairn.RoleIssuer)
	e.do("GET", "/api/v1/rules", viewer, nil).must(t, 200, nil)
	e.do("GET", "/api/v1/events", viewer, nil).must(t, 200, nil)
	e.do("POST", "/api/v1/events", viewer, eventBody("v1", "a@example.org", 1)).problem(t, 403)
	e.do("PATCH", "/api/v1/rules/"+f.ruleID, viewer, map[string]any{"enabled": false}).problem(t, 403)
	e.do("POST", "/api/v1/events", issuer, eventBody("i1", "a@example.org", 1)).must(t, 201, nil)
	e.do("PATCH", "/api/v1/rules/"+f.ruleID, issuer, map[string]any{"enabled": false}).must(t, 200, nil)
	e.do("POST", "/api/v1/events", "", eventBody("n1", "a@example.org", 1)).problem(t, 401)
}
