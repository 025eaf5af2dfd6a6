package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/bake"
	"github.com/cairn-badges/cairn/internal/testenv"
)

// TestMailEndToEnd boots the real server with CAIRN_SMTP_URL pointing at
// an in-process SMTP server, issues through the API, and receives one
// mail with the credential baked into its badge, whose claim link opens
// the claim page (which links the credential page); the API lists it as done.
func TestMailEndToEnd(t *testing.T) {
	smtp := testenv.StartSMTP(t)
	a, stop := bootWith(t, Config{SMTPURL: smtp.URL("badges@example.org")})
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	call := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+fr.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, out := call("POST", "/api/v1/awards", `{"achievementId":"`+fr.AchievementID+`","recipient":{"email":"learner@example.org","name":"A. Learner"}}`)
	if code != http.StatusCreated {
		t.Fatalf("issue: %d %s", code, out)
	}
	var award struct{ ID string }
	json.Unmarshal(out, &award)

	m := smtp.Wait(t, 1, 30*time.Second)[0]
	if m.To[0] != "learner@example.org" {
		t.Errorf("sent to %v", m.To)
	}
	bodies, _ := m.Parts(t)
	b, err := bake.Unbake(bodies["image/png"])
	if err != nil || !strings.Contains(string(b.Payload), award.ID) {
		t.Errorf("the attached image does not hold the credential: %v", err)
	}
	text := string(bodies["text/plain"])
	i := strings.Index(text, base+"/claim/")
	if i < 0 {
		t.Fatalf("no claim link in\n%s", text)
	}
	claim := strings.Fields(text[i:])[0]
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(claim)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// The claim page: sign in or up to claim, and the credential page.
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `href="`+base+"/credentials/"+award.ID+`"`) ||
		!strings.Contains(string(page), "/wallet/signup?next=") {
		t.Errorf("claim link: %d\n%s", resp.StatusCode, page)
	}

	var list struct {
		SMTP  struct{ Configured bool }
		Items []struct{ State, To string }
	}
	for range 100 { // the worker marks the mail done just after the server accepted it
		code, out = call("GET", "/api/v1/mail", "")
		json.Unmarshal(out, &list)
		if len(list.Items) == 1 && list.Items[0].State == "done" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code != 200 || !list.SMTP.Configured || len(list.Items) != 1 || list.Items[0].State != "done" || list.Items[0].To != "learner@example.org" {
		t.Errorf("mail listing: %d %s", code, out)
	}
	if n := len(smtp.Mail()); n != 1 {
		t.Errorf("%d mails", n)
	}
}

// TestSMTPConfigErrors: a bad CAIRN_SMTP_URL stops the start with an error
// naming the variable, never the password.
func TestSMTPConfigErrors(t *testing.T) {
	for _, tc := range []struct{ url, from, want string }{
		{"smtp://user:hunter2@[::1", "b@example.org", "CAIRN_SMTP_URL: not a URL"},
		{"imap://user:hunter2@mail.example.org", "b@example.org", `CAIRN_SMTP_URL: scheme "imap"`},
		{"smtp://user:hunter2@mail.example.org", "", "CAIRN_SMTP_URL: no sender address"},
		{"", "b@example.org", "CAIRN_SMTP_FROM is set but CAIRN_SMTP_URL is not"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, err := New(context.Background(), Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true,
				SMTPURL: tc.url, SMTPFrom: tc.from}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}
