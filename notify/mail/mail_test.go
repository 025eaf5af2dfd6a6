package mail_test

import (
	"context"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/notify/mail"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/store"
)

const base = "https://badges.example.org"

type fixture struct {
	db     *store.DB
	svc    *issuing.Service
	smtp   *testenv.SMTPServer
	m      *mail.Mailer
	w      *outbox.Worker
	org    *cairn.Organization
	ach    *cairn.Achievement
	offset time.Duration // the store's clock runs this far ahead
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{}
	f.db, f.svc = testenv.Service(t, base, nil)
	f.db.Now = func() time.Time { return time.Now().Add(f.offset) }
	f.smtp = testenv.StartSMTP(t)
	cfg, err := mail.ParseURL(f.smtp.URL("badges@example.org"), "Example Badges <badges@example.org>")
	if err != nil {
		t.Fatal(err)
	}
	f.m = &mail.Mailer{Store: f.db, Config: cfg, BaseURL: base,
		Badge: func(context.Context, *cairn.Award) ([]byte, error) { return []byte("\x89PNG\r\n\x1a\nbaked"), nil }}
	f.db.AwardMessages = f.m.AwardMessages
	f.w = outbox.NewWorker(f.db, "test", nil)
	c := f.m.Consumer()
	c.MaxAttempts, c.Backoff = 3, func(int) time.Duration { return 0 }
	c.Timeout = 5 * time.Second
	f.w.Register(c)
	f.org, f.ach = f.newOrg(t, "uni", nil)
	return f
}

func (f *fixture) newOrg(t *testing.T, slug string, reminders []int) (*cairn.Organization, *cairn.Achievement) {
	t.Helper()
	ctx := context.Background()
	org := &cairn.Organization{Slug: slug, Name: "University " + slug}
	if err := f.db.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	is, err := f.svc.CreateIssuer(ctx, org.ID, issuing.IssuerInput{Name: "School of " + slug, URL: "https://example.org/" + slug})
	if err != nil {
		t.Fatal(err)
	}
	ach, err := f.svc.CreateAchievement(ctx, org.ID, issuing.AchievementInput{IssuerID: is.ID, Name: "Data Structures",
		Description: "Core data structures.", CriteriaNarrative: "Pass the project.", ReminderDays: reminders})
	if err != nil {
		t.Fatal(err)
	}
	return org, ach
}

func (f *fixture) award(t *testing.T, org *cairn.Organization, ach *cairn.Achievement, email string, validUntil *time.Time) *cairn.Award {
	t.Helper()
	in := issuing.AwardInput{AchievementID: ach.ID, Recipient: issuing.RecipientInput{Email: email, Name: "Grace Hopper"}, ValidUntil: validUntil}
	if strings.HasPrefix(email, "did:") {
		in.Recipient = issuing.RecipientInput{DID: email}
	}
	aw, _, err := f.svc.Award(context.Background(), org.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	return aw
}

// run drives the worker until no mail is due.
func (f *fixture) run() {
	for f.w.RunOnce(context.Background(), mail.OutboxKind) > 0 {
	}
}

func (f *fixture) list(t *testing.T, org *cairn.Organization) []mail.Sent {
	t.Helper()
	l, err := f.m.List(context.Background(), org.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestAwardMail: a new award to an email recipient sends exactly one mail
// with the right recipient, subject, links and badge image, and the claim
// link opens the credential page; a DID recipient, a re-issue and a
// revocation send nothing.
func TestAwardMail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	aw := f.award(t, f.org, f.ach, "grace@example.org", nil)
	f.award(t, f.org, f.ach, "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", nil)
	f.run()
	if _, err := f.svc.Reissue(ctx, f.org.ID, aw.ID); err != nil {
		t.Fatal(err)
	}
	f.run()
	got := f.smtp.Mail()
	if len(got) != 1 {
		t.Fatalf("%d mails, want 1", len(got))
	}
	m := got[0]
	if m.From != "badges@example.org" || len(m.To) != 1 || m.To[0] != "grace@example.org" {
		t.Errorf("envelope from %q to %q", m.From, m.To)
	}
	h := m.Header(t)
	if s, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject")); s != "You earned Data Structures" {
		t.Errorf("subject %q", s)
	}
	if to := h.Get("To"); !strings.Contains(to, "grace@example.org") {
		t.Errorf("To %q", to)
	}
	if id := h.Get("Message-Id"); id != "<cairn.award."+aw.ID+"@badges.example.org>" {
		t.Errorf("Message-ID %q", id)
	}
	bodies, cids := m.Parts(t)
	text, html := string(bodies["text/plain"]), string(bodies["text/html"])
	cred := base + "/credentials/" + aw.ID
	if !strings.Contains(text, "Hello Grace Hopper") || !strings.Contains(text, cred) || !strings.Contains(text, base+"/claim/") {
		t.Errorf("text part lacks the name or links:\n%s", text)
	}
	if !strings.Contains(html, `href="`+cred+`"`) || !strings.Contains(html, `src="cid:badge@cairn"`) || !strings.Contains(html, "Claim your badge") {
		t.Errorf("html part lacks links or image:\n%s", html)
	}
	if string(bodies["image/png"]) != "\x89PNG\r\n\x1a\nbaked" || cids["image/png"] != "<badge@cairn>" {
		t.Errorf("image part %q (cid %q)", bodies["image/png"], cids["image/png"])
	}

	// The claim link opens the credential page.
	i := strings.Index(text, base+"/claim/")
	tok := strings.Fields(text[i+len(base+"/claim/"):])[0]
	mux := http.NewServeMux()
	mux.Handle("GET /claim/{token}", f.m.ClaimHandler(http.NotFound))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/claim/"+tok, nil))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/credentials/"+aw.ID {
		t.Errorf("claim: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/claim/not-a-token", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("unknown claim token: %d", rec.Code)
	}

	l := f.list(t, f.org)
	if len(l) != 1 || l[0].State != outbox.Done || l[0].To != "grace@example.org" || l[0].Type != mail.KindAward || l[0].AwardID != aw.ID {
		t.Errorf("listing %+v", l)
	}
}

// TestRevokedBeforeSending: an award revoked before its mail went out
// sends none.
func TestRevokedBeforeSending(t *testing.T) {
	f := newFixture(t)
	aw := f.award(t, f.org, f.ach, "grace@example.org", nil)
	if _, err := f.svc.SetState(context.Background(), f.org.ID, aw.ID, cairn.StateRevoked, "mistake"); err != nil {
		t.Fatal(err)
	}
	f.run()
	if n := len(f.smtp.Mail()); n != 0 {
		t.Fatalf("%d mails for a revoked award", n)
	}
	if l := f.list(t, f.org); len(l) != 1 || l[0].State != outbox.Done {
		t.Errorf("listing %+v", l)
	}
}

// TestTemporaryFailure: a 451 is retried, and the mail delivered once.
func TestTemporaryFailure(t *testing.T) {
	f := newFixture(t)
	f.smtp.FailWith(func(n int) error {
		if n == 1 {
			return testenv.Temporary
		}
		return nil
	})
	f.award(t, f.org, f.ach, "grace@example.org", nil)
	f.run()
	if n := len(f.smtp.Mail()); n != 1 {
		t.Fatalf("%d mails delivered, want 1", n)
	}
	l := f.list(t, f.org)
	if len(l) != 1 || l[0].State != outbox.Done || l[0].Attempts != 2 {
		t.Errorf("listing %+v", l)
	}
}

// TestPermanentFailure: a 550 gives up at once, with the server's reason.
func TestPermanentFailure(t *testing.T) {
	f := newFixture(t)
	f.smtp.FailWith(func(int) error { return testenv.PermanentError })
	f.award(t, f.org, f.ach, "nobody@example.org", nil)
	f.run()
	l := f.list(t, f.org)
	if len(l) != 1 || l[0].State != outbox.Dead || l[0].Attempts != 1 || !strings.Contains(l[0].LastError, "no such mailbox") {
		t.Errorf("listing %+v", l)
	}
}

// TestCrash: a worker that dies before sending leaves the mail to the
// next one once its lease ends (delivered, not lost); one that dies after
// the server accepted it, before marking it done, makes the next send it
// again under the same Message-ID (the documented window).
func TestCrash(t *testing.T) {
	for _, tc := range []struct {
		name      string
		sendFirst bool
		want      int
	}{{"before sending", false, 1}, {"after sending", true, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.award(t, f.org, f.ach, "grace@example.org", nil)
			ctx, die := context.WithCancel(context.Background())
			dying := outbox.NewWorker(f.db, "dying", nil)
			dying.Register(outbox.Consumer{Kind: mail.OutboxKind, Timeout: time.Minute, Handle: func(hctx context.Context, m outbox.Message) error {
				if tc.sendFirst {
					if err := f.m.Handle(hctx, m); err != nil {
						t.Error(err)
					}
				}
				die() // the process dies here: nothing records the outcome
				<-hctx.Done()
				return hctx.Err()
			}})
			if n := dying.RunOnce(ctx, mail.OutboxKind); n != 1 {
				t.Fatalf("the dying worker claimed %d", n)
			}
			f.run() // leased to the dead worker: not due
			if n := len(f.smtp.Mail()); n != map[bool]int{true: 1, false: 0}[tc.sendFirst] {
				t.Fatalf("%d mails before the lease ended", n)
			}
			f.offset = 3 * time.Minute // past the lease
			f.run()
			got := f.smtp.Mail()
			if len(got) != tc.want {
				t.Fatalf("%d mails, want %d", len(got), tc.want)
			}
			if id0, id1 := got[0].Header(t).Get("Message-Id"), got[len(got)-1].Header(t).Get("Message-Id"); id0 != id1 {
				t.Errorf("a mail sent again has another Message-ID: %s, %s", id0, id1)
			}
			if l := f.list(t, f.org); len(l) != 1 || l[0].State != outbox.Done {
				t.Errorf("listing %+v", l)
			}
		})
	}
}

// TestTemplatesPerOrganization: one organization's template does not
// change another's mail, nor its listing.
func TestTemplatesPerOrganization(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	org2, ach2 := f.newOrg(t, "poly", nil)
	err := f.m.PutTemplate(ctx, f.org.ID, mail.KindAward, mail.Template{Subject: "Well done, {{.LearnerName}}", Body: "See {{.CredentialURL}}"})
	if err != nil {
		t.Fatal(err)
	}
	if tpl, custom, _ := f.m.Template(ctx, org2.ID, mail.KindAward); custom || tpl != mail.Default(mail.KindAward) {
		t.Errorf("the other organization's template: %+v (custom %v)", tpl, custom)
	}
	f.award(t, f.org, f.ach, "a@example.org", nil)
	f.award(t, org2, ach2, "b@example.org", nil)
	f.run()
	subjects := map[string]string{}
	for _, m := range f.smtp.Mail() {
		subjects[m.To[0]] = m.Header(t).Get("Subject")
	}
	if subjects["a@example.org"] != "Well done, Grace Hopper" || subjects["b@example.org"] != "You earned Data Structures" {
		t.Errorf("subjects %q", subjects)
	}
	for _, org := range []*cairn.Organization{f.org, org2} {
		if l := f.list(t, org); len(l) != 1 {
			t.Errorf("organization %s lists %d mails", org.Slug, len(l))
		}
	}
}

// TestBadTemplates: templates that do not parse or name unknown fields
// are refused, naming subject or body and the field.
func TestBadTemplates(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name        string
		tpl         mail.Template
		field, text string
	}{
		{"unknown field", mail.Template{Subject: "Hi", Body: "Dear {{.StudentName}}"}, "body", "StudentName"},
		{"does not parse", mail.Template{Subject: "Hi {{.LearnerName", Body: "x"}, "subject", "does not parse"},
		{"empty subject", mail.Template{Subject: " ", Body: "x"}, "subject", "required"},
		{"too long", mail.Template{Subject: "Hi", Body: "{{range 100000000}}xxxxxxxxxx{{end}}"}, "body", "more than"},
		{"field of a field", mail.Template{Subject: "{{.LearnerName.First}}", Body: "x"}, "subject", "First"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := f.m.PutTemplate(context.Background(), f.org.ID, mail.KindAward, tc.tpl)
			if cairn.KindOf(err) != cairn.Invalid || cairn.FieldOf(err) != tc.field || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("got %v (field %q), want Invalid naming %s and %q", err, cairn.FieldOf(err), tc.field, tc.text)
			}
		})
	}
	if err := f.m.PutTemplate(context.Background(), f.org.ID, "newsletter", mail.Default(mail.KindAward)); cairn.FieldOf(err) != "kind" {
		t.Errorf("unknown kind: %v", err)
	}
}

// TestPreview renders a template being edited with sample fields and with
// a real award.
func TestPreview(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tpl := mail.Template{Subject: "For {{.LearnerName}}", Body: "Your page: {{.CredentialURL}}"}
	p, err := f.m.Preview(ctx, f.org.ID, mail.KindAward, &tpl, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "For Ada Lovelace" || !strings.Contains(p.HTML, `<a href="`+mail.SampleFields.CredentialURL+`">`) {
		t.Errorf("sample preview %+v", p)
	}
	aw := f.award(t, f.org, f.ach, "grace@example.org", nil)
	p, err = f.m.Preview(ctx, f.org.ID, mail.KindAward, &tpl, aw.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "For Grace Hopper" || !strings.Contains(p.Text, base+"/credentials/"+aw.ID) {
		t.Errorf("award preview %+v", p)
	}
	if _, err := f.m.Preview(ctx, f.org.ID, mail.KindAward, &tpl, "00000000-0000-4000-8000-000000000000"); cairn.FieldOf(err) != "awardId" {
		t.Errorf("preview of an unknown award: %v", err)
	}
}

// TestReminders: a pass enqueues the reminder due once, however often it
// runs; the reminder is sent with the reminder template; a renewal makes
// a new one due.
func TestReminders(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	org, ach := f.newOrg(t, "poly", []int{30, 7})
	until := time.Now().Add(20 * 24 * time.Hour).Truncate(time.Second)
	aw := f.award(t, org, ach, "grace@example.org", &until)
	f.award(t, f.org, f.ach, "other@example.org", &until) // no reminder days
	f.run()
	before := len(f.smtp.Mail())

	// Twenty days before, the 30-day reminder is not due: the award did
	// not exist thirty days before it expires.
	if n, err := f.m.Remind(ctx); err != nil || n != 0 {
		t.Fatalf("remind: %d, %v", n, err)
	}
	// Fifteen days on, five days are left: the 7-day reminder is due.
	f.m.Now = func() time.Time { return time.Now().Add(15 * 24 * time.Hour) }
	for range 2 {
		if n, err := f.m.Remind(ctx); err != nil || n != 1 {
			t.Fatalf("remind: %d, %v", n, err)
		}
	}
	f.run()
	got := f.smtp.Mail()[before:]
	if len(got) != 1 {
		t.Fatalf("%d reminders sent, want 1", len(got))
	}
	if s := got[0].Header(t).Get("Subject"); !strings.HasPrefix(s, "Your Data Structures badge expires in") {
		t.Errorf("reminder subject %q", s)
	}
	l := f.list(t, org)
	if len(l) != 2 || l[0].Type != mail.KindReminder || l[0].State != outbox.Done {
		t.Errorf("listing %+v", l)
	}
	// A renewal changes validUntil: its reminders are due anew.
	later := until.Add(24 * time.Hour)
	if _, err := f.svc.Renew(ctx, org.ID, aw.ID, &later); err != nil {
		t.Fatal(err)
	}
	if n, err := f.m.Remind(ctx); err != nil || n != 1 {
		t.Fatalf("remind after renewal: %d, %v", n, err)
	}
	if l := f.list(t, org); len(l) != 3 {
		t.Errorf("%d mails listed after the renewal's reminder", len(l))
	}
}

func TestMailOff(t *testing.T) {
	f := newFixture(t)
	f.m.Config = nil
	f.award(t, f.org, f.ach, "grace@example.org", nil)
	if l := f.list(t, f.org); len(l) != 0 {
		t.Errorf("mail off enqueued %+v", l)
	}
	if n, err := f.m.Remind(context.Background()); n != 0 || err != nil {
		t.Errorf("remind with mail off: %d, %v", n, err)
	}
}

// The default mails are in each language, every sentence in the catalog,
// with the dates written as the language does.
func TestDefaultsInEveryLanguage(t *testing.T) {
	var missing []string
	i18n.Missing = func(l i18n.Lang, key string) { missing = append(missing, string(l)+": "+key) }
	defer func() { i18n.Missing = nil }()
	f := mail.SampleFields
	for _, info := range i18n.Langs {
		p := i18n.For(info.Lang)
		for _, kind := range mail.Kinds {
			subject, body, err := mail.DefaultIn(kind, info.Lang).Render(f)
			if err != nil {
				t.Fatalf("%s %s: %v", info.Lang, kind, err)
			}
			wantSubject := p.T("You earned %s", f.AchievementName)
			wantBody := []string{p.T("Hello %s,", f.LearnerName), p.T("%s awarded you the %s badge on %s.", f.IssuerName, f.AchievementName, f.AwardedDate),
				p.T("It is valid until %s.", f.ValidUntil), p.T("Claim it, to keep it with your other badges: %s", f.ClaimURL)}
			if kind == mail.KindReminder {
				days := strconv.Itoa(f.DaysLeft)
				wantSubject = p.T("Your %s badge expires in %s days", f.AchievementName, days)
				wantBody = []string{p.T("your %s badge from %s is valid until %s, %s days from now.", f.AchievementName, f.IssuerName, f.ValidUntil, days),
					p.T("To keep it, ask %s to renew it before then.", f.IssuerName)}
			}
			if subject != wantSubject {
				t.Errorf("%s %s: subject %q, want %q", info.Lang, kind, subject, wantSubject)
			}
			for _, s := range wantBody {
				if !strings.Contains(body, s) {
					t.Errorf("%s %s: the body lacks %q:\n%s", info.Lang, kind, s, body)
				}
			}
			html, err := mail.HTML(info.Lang, subject, body, "badge", "alt", f.ClaimURL)
			if err != nil || !strings.Contains(html, `<html lang="`+string(info.Lang)+`">`) || !strings.Contains(html, p.T("Claim your badge")) {
				t.Errorf("%s: the HTML part is not in the language (%v)", info.Lang, err)
			}
		}
	}
	if subject, _, _ := mail.Default(mail.KindAward).Render(f); subject != "You earned Analytical Engine Operator" {
		t.Errorf("English subject %q", subject)
	}
	for _, m := range missing {
		t.Errorf("missing message %s", m)
	}
}

// An organization whose default language is Thai mails in Thai: the
// subject, the sentences, the dates in the Buddhist era and the button,
// sent through SMTP; its own template still wins, with Thai dates.
func TestAwardMailInThai(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.org.DefaultLanguage = "th"
	if err := f.db.UpdateOrganization(ctx, f.org); err != nil {
		t.Fatal(err)
	}
	until := time.Now().AddDate(2, 0, 0)
	aw := f.award(t, f.org, f.ach, "somchai@example.org", &until)
	f.run()
	got := f.smtp.Mail()
	if len(got) != 1 {
		t.Fatalf("%d mails, want 1", len(got))
	}
	p := i18n.For(i18n.Thai)
	if s, _ := new(mime.WordDecoder).DecodeHeader(got[0].Header(t).Get("Subject")); s != "คุณได้รับ Data Structures" {
		t.Errorf("subject %q", s)
	}
	bodies, _ := got[0].Parts(t)
	text, html := string(bodies["text/plain"]), string(bodies["text/html"])
	for _, s := range []string{"สวัสดี Grace Hopper", p.T("%s awarded you the %s badge on %s.", "School of uni", "Data Structures", p.Date(aw.AwardedDate)),
		p.T("It is valid until %s.", p.Date(until)), strconv.Itoa(until.Year() + 543)} {
		if !strings.Contains(text, s) {
			t.Errorf("the Thai mail lacks %q:\n%s", s, text)
		}
	}
	if !strings.Contains(html, `<html lang="th">`) || !strings.Contains(html, "รับเหรียญตรา") {
		t.Errorf("the HTML part is not in Thai:\n%s", html)
	}

	if err := f.m.PutTemplate(ctx, f.org.ID, mail.KindAward, mail.Template{Subject: "Badge: {{.AchievementName}}", Body: "Awarded {{.AwardedDate}}."}); err != nil {
		t.Fatal(err)
	}
	f.award(t, f.org, f.ach, "somying@example.org", nil)
	f.run()
	got = f.smtp.Mail()
	if len(got) != 2 {
		t.Fatalf("%d mails, want 2", len(got))
	}
	bodies, _ = got[1].Parts(t)
	if s, _ := new(mime.WordDecoder).DecodeHeader(got[1].Header(t).Get("Subject")); s != "Badge: Data Structures" ||
		!strings.Contains(string(bodies["text/plain"]), "Awarded "+p.Date(time.Now())) {
		t.Errorf("the organization's own template: %q %q", s, bodies["text/plain"])
	}

	// With a Thai name for the achievement, the Thai mail uses it.
	f.ach.InLanguage = "en"
	f.ach.Translations = []cairn.Translation{{InLanguage: "th", Name: "โครงสร้างข้อมูล"}}
	if err := f.db.UpdateAchievement(ctx, f.ach); err != nil {
		t.Fatal(err)
	}
	f.award(t, f.org, f.ach, "somsak@example.org", nil)
	f.run()
	got = f.smtp.Mail()
	if len(got) != 3 {
		t.Fatalf("%d mails, want 3", len(got))
	}
	if s, _ := new(mime.WordDecoder).DecodeHeader(got[2].Header(t).Get("Subject")); s != "Badge: โครงสร้างข้อมูล" {
		t.Errorf("with a Thai name: subject %q", s)
	}
}
