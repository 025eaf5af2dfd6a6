package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/notify/mail"
	"github.com/cairn-badges/cairn/outbox"
)

// withMail gives the env a mailer sending to an in-process SMTP server
// and an outbox worker that runs until t ends.
func withMail(t *testing.T, e *env) *testenv.SMTPServer {
	t.Helper()
	s := testenv.StartSMTP(t)
	cfg, err := mail.ParseURL(s.URL("badges@example.org"), "")
	if err != nil {
		t.Fatal(err)
	}
	m := &mail.Mailer{Store: e.db, Config: cfg, BaseURL: e.svc.BaseURL()}
	e.h.mail = m
	e.db.AwardMessages = m.AwardMessages
	w := outbox.NewWorker(e.db, "test", nil)
	w.Poll = 50 * time.Millisecond
	w.Register(m.Consumer())
	e.db.OutboxWake = w.Wake
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// TestMailPage: the page shows whether SMTP is configured; a preview
// renders the draft; a template with an unknown field is refused next to
// the field; a saved template is used for the next award's mail, which
// the list shows; a viewer may preview but not save.
func TestMailPage(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	c := e.client(t)
	c.mustLogin(ownerEmail)
	if r := c.get("/admin/mail"); r.StatusCode != 200 || !strings.Contains(r.body, "No mail is sent") || !strings.Contains(r.body, "You earned Analytical Engine Operator") {
		t.Fatalf("mail page without SMTP: %d\n%s", r.StatusCode, r.body)
	}
	smtp := withMail(t, e)
	form := url.Values{"kind": {"award"}, "subject": {"Well done {{.LearnerName}}"}, "body": {"Your badge: {{.CredentialURL}}"}, "action": {"preview"}}
	if r := c.post("/admin/mail", form); r.StatusCode != 200 || !strings.Contains(r.body, "Well done Ada Lovelace") {
		t.Errorf("preview: %d\n%s", r.StatusCode, r.body)
	}
	bad := url.Values{"kind": {"award"}, "subject": {"Hi"}, "body": {"{{.Nope}}"}, "action": {"save"}}
	if r := c.post("/admin/mail", bad); r.StatusCode != 400 || !strings.Contains(r.body, ".Nope") {
		t.Errorf("bad template: %d\n%s", r.StatusCode, r.body)
	}
	form.Set("action", "save")
	if r := c.post("/admin/mail", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.StatusCode, r.body)
	}
	aw := e.award(t, "grace@example.org")
	got := smtp.Wait(t, 1, 10*time.Second)
	if s := got[0].Header(t).Get("Subject"); s != "Well done Ada Lovelace" {
		t.Errorf("subject %q", s)
	}
	r := c.get("/admin/mail")
	if !strings.Contains(r.body, "grace@example.org") || !strings.Contains(r.body, "/admin/awards/"+aw.ID) || !strings.Contains(r.body, "is mailed to its learner through ") {
		t.Errorf("the list does not show the mail:\n%s", r.body)
	}

	v := e.client(t)
	v.mustLogin(viewerEmail)
	if r := v.get("/admin/mail"); strings.Contains(r.body, "save-button") {
		t.Error("a viewer is offered to save")
	}
	form.Del("csrf_token")
	form.Set("action", "preview")
	if r := v.post("/admin/mail", form); r.StatusCode != 200 {
		t.Errorf("viewer preview: %d\n%s", r.StatusCode, r.body)
	}
	form.Del("csrf_token")
	form.Set("action", "save")
	if r := v.post("/admin/mail", form); r.StatusCode != http.StatusForbidden {
		t.Errorf("viewer save: %d", r.StatusCode)
	}
}
