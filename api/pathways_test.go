package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestPathwayValidation: bad rules are 422 naming the field; an edit is a
// new version; progress says what is missing.
func TestPathwayValidation(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("pv"))
	var micro struct{ ID string }
	e.do("POST", "/api/v1/achievements", f.org.key, achievementBody(f.issuerID, "")).must(t, 201, &micro)
	body := func(rule string) string {
		return fmt.Sprintf(`{"name":"Micro","achievementId":%q,"autoAward":true,"rule":%s}`, micro.ID, rule)
	}
	a := f.achievementID
	for _, tc := range []struct{ rule, field, detail string }{
		{fmt.Sprintf(`{"atLeast":1,"of":[{"achievement":%q},{"achievement":%q},{"achievement":"nope"}]}`, a, a), "rule.of[2].achievement", "no such achievement"},
		{fmt.Sprintf(`{"atLeast":3,"of":[{"achievement":%q}]}`, a), "rule.atLeast", "lists 1"},
		{fmt.Sprintf(`{"achievement":%q,"within":"24 months"}`, a), "rule.within", "ISO 8601"},
		{fmt.Sprintf(`{"achievement":%q}`, micro.ID), "rule.achievement", "awards"},
		{`{"recognition":"nope"}`, "rule.recognition", "no such"},
		{fmt.Sprintf(`{"pathway":%q}`, f.pathwayID), "", ""},
		{`{"unknown":1}`, "rule", "none of"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			r := e.do("POST", "/api/v1/pathways", f.org.key, rawBody{"application/json", []byte(body(tc.rule))})
			if tc.field == "" {
				r.must(t, 201, nil)
				return
			}
			p := r.problem(t, 422)
			if p.Field != tc.field || !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("problem %+v, want field %s saying %q", p, tc.field, tc.detail)
			}
		})
	}
	// A cycle: the fixture's pathway names a new one that names it.
	var outer struct{ ID string }
	e.do("POST", "/api/v1/pathways", f.org.key, rawBody{"application/json", []byte(body(fmt.Sprintf(`{"pathway":%q}`, f.pathwayID)))}).must(t, 201, &outer)
	var inner map[string]any
	e.do("GET", "/api/v1/pathways/"+f.pathwayID, f.org.key, nil).must(t, 200, &inner)
	p := e.do("PUT", "/api/v1/pathways/"+f.pathwayID, f.org.key, map[string]any{"name": "Path", "achievementId": inner["achievementId"],
		"rule": map[string]any{"any": []any{map[string]any{"achievement": a}, map[string]any{"pathway": outer.ID}}}}).problem(t, 422)
	if p.Field != "rule.any[1].pathway" || !strings.Contains(p.Detail, "cycle") {
		t.Errorf("cycle: %+v", p)
	}

	// An edit is a new version.
	var v2 struct {
		Version int
		Rule    map[string]any
	}
	e.do("PUT", "/api/v1/pathways/"+f.pathwayID, f.org.key, map[string]any{"name": "Path 2", "achievementId": inner["achievementId"],
		"rule": map[string]any{"all": []any{map[string]any{"achievement": a, "minScore": 50}}}}).must(t, 200, &v2)
	if v2.Version != 2 || v2.Rule["all"] == nil {
		t.Errorf("after PUT: %+v", v2)
	}
	var v1 struct {
		Version int
		Rule    map[string]any
	}
	e.do("GET", "/api/v1/pathways/"+f.pathwayID+"?version=1", f.org.key, nil).must(t, 200, &v1)
	if v1.Version != 1 || v1.Rule["achievement"] == nil {
		t.Errorf("version 1: %+v", v1)
	}
	e.do("GET", "/api/v1/pathways/"+f.pathwayID+"?version=9", f.org.key, nil).problem(t, 404)
	e.do("GET", "/api/v1/pathways/"+f.pathwayID+"?version=x", f.org.key, nil).problem(t, 422)

	// Progress: the fixture's learner has the award but no score.
	var pr struct {
		Satisfied bool
		Missing   []struct{ Path, Reason string }
		Award     any
	}
	e.do("GET", "/api/v1/pathways/"+f.pathwayID+"/progress?recipient=Learner@example.com", f.org.key, nil).must(t, 200, &pr)
	if pr.Satisfied || len(pr.Missing) != 1 || pr.Missing[0].Path != "rule.all[0]" || !strings.Contains(pr.Missing[0].Reason, "score") || pr.Award != nil {
		t.Errorf("progress = %+v", pr)
	}
	e.do("GET", "/api/v1/pathways/"+f.pathwayID+"/progress", f.org.key, nil).problem(t, 422)
	e.do("DELETE", "/api/v1/pathways/"+outer.ID, f.org.key, nil).must(t, 204, nil)
	e.do("GET", "/api/v1/pathways/"+outer.ID, f.org.key, nil).problem(t, 404)
}
