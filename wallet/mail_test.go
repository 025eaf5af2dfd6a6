package wallet_test

import (
	"context"
	"mime"
	"net/mail"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/internal/testenv"
	cmail "github.com/cairn-badges/cairn/notify/mail"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/wallet"
)

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

// The English verification mail is word for word what it was.
func TestVerificationMessageEnglish(t *testing.T) {
	m := wallet.VerificationMessage("https://badges.example.org", "Ada", "https://badges.example.org/wallet/verify?token=x")
	want := "Hello Ada,\n\nConfirm that this address is yours, so that the badges sent to it can go into your wallet on badges.example.org:\n\n" +
		"https://badges.example.org/wallet/verify?token=x\n\nThe link works for 48 hours. If you did not ask for this, ignore this mail: nothing happens without the link.\n"
	if m.Subject != "Confirm your email address for your badge wallet" || m.Text != want {
		t.Errorf("%q\n%q", m.Subject, m.Text)
	}
	if m := wallet.VerificationMessage("https://badges.example.org", "", "L"); !strings.HasPrefix(m.Text, "Hello,\n\n") {
		t.Errorf("no name: %q", m.Text)
	}
}

// The verification mail of a sign-up and of an added address is in the
// language of the request (i18n.NewContext).
func TestVerificationMailLanguage(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	box := &sent{}
	w := wallet.New(db, "https://badges.example.org", wallet.Options{Mail: &cmail.Config{From: mail.Address{Address: "badges@example.org"}}, Sender: box})
	ob := outbox.NewWorker(db, "test", nil)
	ob.Register(w.Consumer())
	last := func() (string, string) {
		t.Helper()
		for ob.RunOnce(ctx, wallet.OutboxKind) > 0 {
		}
		box.mu.Lock()
		defer box.mu.Unlock()
		if len(box.mail) == 0 {
			t.Fatal("no mail")
		}
		m := box.mail[len(box.mail)-1]
		subject, err := new(mime.WordDecoder).DecodeHeader(m.Header(t).Get("Subject"))
		if err != nil {
			t.Fatal(err)
		}
		bodies, _ := m.Parts(t)
		return subject, string(bodies["text/plain"])
	}

	th := i18n.For(i18n.Thai)
	l, err := w.SignUp(i18n.NewContext(ctx, i18n.Thai), "somchai@example.org", "correct horse battery", "สมชาย", "", netip.MustParseAddr("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	subject, text := last()
	if subject != th.T("Confirm your email address for your badge wallet") || !strings.Contains(text, "สวัสดี สมชาย") ||
		!strings.Contains(text, strings.TrimSuffix(th.T("Confirm that this address is yours, so that the badges sent to it can go into your wallet on %s:", "badges.example.org"), ":")) {
		t.Errorf("Thai sign-up mail: %q\n%s", subject, text)
	}

	tok, _, err := w.NewSession(ctx, l.ID, store.LearnerWebSession)
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.Authenticate(ctx, store.LearnerWebSession, tok)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddEmail(i18n.NewContext(ctx, i18n.Korean), p, "other@example.org"); err != nil {
		t.Fatal(err)
	}
	if subject, _ := last(); subject != i18n.For(i18n.Korean).T("Confirm your email address for your badge wallet") {
		t.Errorf("Korean added-address mail: %q", subject)
	}
	if err := w.ResendVerification(ctx, p, "other@example.org"); err != nil {
		t.Fatal(err)
	}
	if subject, _ := last(); subject != "Confirm your email address for your badge wallet" {
		t.Errorf("no language: %q, want English", subject)
	}
}
