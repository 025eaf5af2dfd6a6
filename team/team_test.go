package team_test

import (
	"context"
	"mime"
	"net/mail"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/internal/testenv"
	cmail "github.com/cairn-badges/cairn/notify/mail"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/team"
)

// sent keeps the mails instead of sending them.
type sent struct {
	mu   sync.Mutex
	mail []testenv.Mail
}

func (s *sent) Send(_ context.Context, from, to string, msg []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mail = append(s.mail, testenv.Mail{From: from, To: []string{to}, Data: msg})
	return nil
}

// deliver sends what the outbox holds and returns the last mail's
// subject and text.
func (s *sent) deliver(t *testing.T, w *outbox.Worker) (subject, text string) {
	t.Helper()
	for w.RunOnce(context.Background(), team.OutboxKind) > 0 {
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.mail) == 0 {
		t.Fatal("no mail sent")
	}
	m := s.mail[len(s.mail)-1]
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header(t).Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	bodies, _ := m.Parts(t)
	return subject, strings.ReplaceAll(string(bodies["text/plain"]), "\r\n", "\n")
}

type fixture struct {
	db    *store.DB
	s     *team.Service
	w     *outbox.Worker
	sent  *sent
	org   *cairn.Organization
	owner *cairn.Account
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, sent: &sent{}}
	f.org = &cairn.Organization{Slug: "uni", Name: "Example University"}
	f.owner = &cairn.Account{Email: "olga@example.org", Name: "Olga Owner", PasswordHash: "x"}
	if err := db.CreateOrganizationWithOwner(ctx, f.org, f.owner, nil); err != nil {
		t.Fatal(err)
	}
	f.s = team.New(db, "https://badges.example.org", team.Options{Mail: &cmail.Config{From: mail.Address{Address: "badges@example.org"}}, Sender: f.sent})
	f.w = outbox.NewWorker(db, "test", nil)
	f.w.Register(f.s.Consumer())
	return f
}

// The invitation is in the organization's default language; without one,
// in English, word for word as before.
func TestInvitationLanguage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, link, err := f.s.Invite(ctx, f.org, f.owner, "new@example.org", cairn.RoleIssuer)
	if err != nil {
		t.Fatal(err)
	}
	subject, text := f.sent.deliver(t, f.w)
	if want := "Join Example University on Cairn"; subject != want {
		t.Errorf("English subject %q, want %q", subject, want)
	}
	want := "Hello,\n\nOlga Owner invites you to join Example University on badges.example.org as an issuer.\n\nAccept the invitation here:\n\n" +
		link + "\n\nThe link works for 7 days. If you do not know Olga Owner, ignore this mail: nothing happens without the link.\n"
	if text != want {
		t.Errorf("English text\n%q\nwant\n%q", text, want)
	}

	f.org.DefaultLanguage = "th"
	_, link, err = f.s.Invite(ctx, f.org, f.owner, "somchai@example.org", cairn.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	subject, text = f.sent.deliver(t, f.w)
	th := i18n.For(i18n.Thai)
	if want := th.T("Join %s on Cairn", "Example University"); subject != want || !strings.Contains(subject, "เข้าร่วม") {
		t.Errorf("Thai subject %q, want %q", subject, want)
	}
	for _, want := range []string{th.T("%s invites you to join %s on %s as %s.", "Olga Owner", "Example University", "badges.example.org", th.T("a viewer")),
		th.T("Accept the invitation here:"), link, "ผู้ดู"} {
		if !strings.Contains(text, want) {
			t.Errorf("Thai text lacks %q:\n%s", want, text)
		}
	}
}

// The password reset is in the language of the request that asked for it
// (i18n.NewContext), else English as before.
func TestResetLanguage(t *testing.T) {
	f := newFixture(t)
	addr := netip.MustParseAddr("192.0.2.1")
	if err := f.s.RequestReset(context.Background(), f.owner.Email, addr); err != nil {
		t.Fatal(err)
	}
	subject, text := f.sent.deliver(t, f.w)
	if subject != "Set a new password for Cairn" || !strings.HasPrefix(text, "Hello Olga Owner,\n\nSomeone, probably you, asked to set a new password for your Cairn account on badges.example.org. Set it here:\n\nhttps://badges.example.org/") ||
		!strings.HasSuffix(text, "\n\nThe link works once, for 60 minutes. If you did not ask, ignore this mail: your password stays as it is.\n") {
		t.Errorf("English: %q\n%q", subject, text)
	}
	if err := f.s.RequestReset(i18n.NewContext(context.Background(), i18n.Vietnamese), f.owner.Email, addr); err != nil {
		t.Fatal(err)
	}
	subject, text = f.sent.deliver(t, f.w)
	vi := i18n.For(i18n.Vietnamese)
	if subject != vi.T("Set a new password for Cairn") || !strings.Contains(text, "Xin chào Olga Owner,") ||
		!strings.Contains(text, vi.T("The link works once, for %d minutes. If you did not ask, ignore this mail: your password stays as it is.", 60)) {
		t.Errorf("Vietnamese: %q\n%s", subject, text)
	}
}
