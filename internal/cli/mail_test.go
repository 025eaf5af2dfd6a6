package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/internal/testenv"
)

// TestMailTest sends a test mail to an in-process SMTP server, and refuses
// to run without configuration or a recipient.
func TestMailTest(t *testing.T) {
	s := testenv.StartSMTP(t)
	t.Setenv("CAIRN_SMTP_URL", "")
	if code, _, errOut := cairn(t, t.TempDir(), "", "mail-test", "--to", "ops@example.org"); code != ExitUsage || !strings.Contains(errOut, "CAIRN_SMTP_URL") {
		t.Errorf("without CAIRN_SMTP_URL: %d %s", code, errOut)
	}
	t.Setenv("CAIRN_SMTP_URL", s.URL("badges@example.org"))
	if code, _, errOut := cairn(t, t.TempDir(), "", "mail-test"); code != ExitUsage || !strings.Contains(errOut, "--to") {
		t.Errorf("without --to: %d %s", code, errOut)
	}
	code, out, errOut := cairn(t, t.TempDir(), "", "mail-test", "--to", "ops@example.org")
	if code != ExitOK || !strings.Contains(out, "Sent a test mail to ops@example.org") {
		t.Fatalf("mail-test: %d %s %s", code, out, errOut)
	}
	m := s.Wait(t, 1, 10*time.Second)[0]
	if m.To[0] != "ops@example.org" || m.Header(t).Get("Subject") != "Cairn test mail" {
		t.Errorf("received %v %q", m.To, m.Header(t).Get("Subject"))
	}
}
