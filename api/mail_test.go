package api_test

import (
	"strings"
	"testing"
)

// TestMailTemplates: an organization reads the default, stores its own,
// previews it, and gets 422 naming the field for a template that uses an
// unknown field; the listing says SMTP is not configured.
func TestMailTemplates(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("a")
	a := e.makeFixture(o)
	var tpl struct {
		Subject, Body string
		Custom        bool
		Fields        []string
	}
	e.do("GET", "/api/v1/mail-templates/award", o.key, nil).must(t, 200, &tpl)
	if tpl.Custom || !strings.Contains(tpl.Subject, "{{.AchievementName}}") || len(tpl.Fields) == 0 {
		t.Errorf("default template %+v", tpl)
	}
	p := e.do("PUT", "/api/v1/mail-templates/award", o.key, map[string]any{"subject": "Hi {{.LearnerName}}", "body": "Dear {{.StudentName}}"}).problem(t, 422)
	if p.Field != "body" || !strings.Contains(p.Detail, "StudentName") {
		t.Errorf("bad template: %+v", p)
	}
	e.do("PUT", "/api/v1/mail-templates/award", o.key, map[string]any{"subject": "Hi {{.LearnerName}}", "body": "See {{.CredentialURL}}"}).must(t, 200, &tpl)
	e.do("GET", "/api/v1/mail-templates/award", o.key, nil).must(t, 200, &tpl)
	if !tpl.Custom || tpl.Subject != "Hi {{.LearnerName}}" {
		t.Errorf("stored template %+v", tpl)
	}
	var pv struct{ Subject, Text, HTML string }
	e.do("POST", "/api/v1/mail-templates/award/preview", o.key, map[string]any{"awardId": a.awardID}).must(t, 200, &pv)
	if !strings.HasPrefix(pv.Subject, "Hi ") || !strings.Contains(pv.Text, "/credentials/"+a.awardID) {
		t.Errorf("preview %+v", pv)
	}
	e.do("GET", "/api/v1/mail-templates/newsletter", o.key, nil).problem(t, 404)
	e.do("DELETE", "/api/v1/mail-templates/award", o.key, nil).must(t, 204, nil)
	e.do("GET", "/api/v1/mail-templates/award", o.key, nil).must(t, 200, &tpl)
	if tpl.Custom {
		t.Error("the template is still custom after DELETE")
	}
	var list struct {
		SMTP  struct{ Configured bool }
		Items []any
	}
	e.do("GET", "/api/v1/mail", o.key, nil).must(t, 200, &list)
	if list.SMTP.Configured || len(list.Items) != 0 {
		t.Errorf("mail listing %+v", list)
	}
	e.do("GET", "/api/v1/mail?limit=0", o.key, nil).problem(t, 400)
}
