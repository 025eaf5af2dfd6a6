package mail

import (
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/i18n"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url, from string
		want      string // Config.String(), or the error's text
		password  string
	}{
		{"smtp://u:p%40ss@mail.example.org?from=badges@example.org", "", "u@mail.example.org:587 (starttls), from badges@example.org", "p@ss"},
		{"smtps://mail.example.org", "Badges <b@example.org>", "mail.example.org:465 (tls), from b@example.org", ""},
		{"smtp://127.0.0.1:2525?tls=none&from=b@example.org", "", "127.0.0.1:2525 (none), from b@example.org", ""},
		{"smtp://mail.example.org:465?tls=tls&from=b@example.org", "", "mail.example.org:465 (tls), from b@example.org", ""},
		{"smtp://mail.example.org?from=a@example.org", "b@example.org", "mail.example.org:587 (starttls), from b@example.org", ""},
		{"http://mail.example.org", "b@example.org", `scheme "http"`, ""},
		{"smtp://:587", "b@example.org", "host is missing", ""},
		{"smtp://mail.example.org:99999", "b@example.org", "not a port", ""},
		{"smtp://mail.example.org?tls=maybe", "b@example.org", `tls="maybe"`, ""},
		{"smtps://mail.example.org?tls=none", "b@example.org", "does not go with smtps", ""},
		{"smtp://mail.example.org?port=25", "b@example.org", `unknown parameter "port"`, ""},
		{"smtp://mail.example.org", "", "no sender address", ""},
		{"smtp://mail.example.org", "not an address", "sender address", ""},
		{"smtp://u:se cret@[bad", "b@example.org", "not a URL", ""},
	} {
		t.Run(tc.url, func(t *testing.T) {
			c, err := ParseURL(tc.url, tc.from)
			got := ""
			if err != nil {
				got = err.Error()
				if strings.Contains(got, "se cret") {
					t.Errorf("the error repeats the password: %s", got)
				}
			} else {
				got = c.String()
				if c.Password != tc.password {
					t.Errorf("password %q, want %q", c.Password, tc.password)
				}
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzParseURL(f *testing.F) {
	f.Add("smtp://u:p@mail.example.org:587?tls=starttls&from=b@example.org")
	f.Add("smtps://mail.example.org?from=Badges%20%3Cb@example.org%3E")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseURL(s, "")
		if err == nil && (c.Host == "" || c.Port <= 0 || c.From.Address == "") {
			t.Fatalf("accepted an incomplete config %+v", c)
		}
	})
}

// FuzzTemplate: any template text is either refused as Invalid or
// renders, and a rendered subject is one line.
func FuzzTemplate(f *testing.F) {
	f.Add("You earned {{.AchievementName}}", "Hello {{.LearnerName}} {{.CredentialURL}}")
	f.Add("{{.Nope}}", "{{if .ValidUntil}}x{{end}}")
	f.Fuzz(func(t *testing.T, subject, body string) {
		s, b, err := Template{Subject: subject, Body: body}.Render(SampleFields)
		if err != nil {
			return
		}
		if strings.ContainsAny(s, "\r\n") {
			t.Fatalf("subject %q holds a line break", s)
		}
		if _, err := HTML(i18n.Thai, s, b, "badge", "alt", SampleFields.ClaimURL); err != nil {
			t.Fatal(err)
		}
	})
}
