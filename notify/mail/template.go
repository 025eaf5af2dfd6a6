package mail

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"regexp"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
)

// The kinds of mail, each with its own template.
const (
	KindAward    = "award"    // a new award: the badge, its page and the claim link
	KindReminder = "reminder" // an award expires soon: ask for a renewal
)

// Kinds lists the kinds of mail, in the order staff see them.
var Kinds = []string{KindAward, KindReminder}

// ValidKind reports whether kind is one of Kinds.
func ValidKind(kind string) bool { return kind == KindAward || kind == KindReminder }

// Limits of a template.
const (
	MaxSubjectLen = 300
	MaxBodyLen    = 20_000
)

// Template is the subject and body of one kind of mail: Go text/template
// texts (https://pkg.go.dev/text/template) over [Fields], e.g.
// {{.LearnerName}}. The body is plain text; the HTML part of the mail is
// made from it (paragraphs, links) around the badge image.
type Template struct {
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// Fields are what a template can use.
type Fields struct {
	LearnerName            string // the recipient's name, or their address when none was given
	LearnerEmail           string
	AchievementName        string
	AchievementDescription string
	IssuerName             string
	OrganizationName       string
	CredentialURL          string // the public credential page
	ClaimURL               string // the claim link: the wallet's claim page
	AwardedDate            string // e.g. 2 January 2026
	ValidUntil             string // "" when the award does not expire
	DaysLeft               int    // reminders: whole days until ValidUntil
}

// FieldNames lists the fields of [Fields], for documentation and errors.
var FieldNames = []string{"LearnerName", "LearnerEmail", "AchievementName", "AchievementDescription", "IssuerName",
	"OrganizationName", "CredentialURL", "ClaimURL", "AwardedDate", "ValidUntil", "DaysLeft"}

// sampleAwarded is SampleFields' AwardedDate (ValidUntil is two years on).
var sampleAwarded = time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)

// SampleFields fill a preview when no award is chosen (its dates written
// in the organization's language).
var SampleFields = Fields{
	LearnerName: "Ada Lovelace", LearnerEmail: "ada@example.org",
	AchievementName: "Analytical Engine Operator", AchievementDescription: "Operates the engine safely.",
	IssuerName: "Example College", OrganizationName: "Example College",
	CredentialURL: "https://badges.example.org/credentials/00000000-0000-4000-8000-000000000000",
	ClaimURL:      "https://badges.example.org/claim/sample-token",
	AwardedDate:   "2 January 2026", ValidUntil: "2 January 2028", DaysLeft: 30,
}

// Default returns the template Cairn uses for kind when the organization
// has none of its own, in English.
func Default(kind string) Template { return DefaultIn(kind, i18n.English) }

// DefaultIn returns the default template of kind in the language l: its
// sentences are translated around the same fields.
func DefaultIn(kind string, l i18n.Lang) Template {
	p := i18n.For(l)
	if kind == KindReminder {
		return Template{
			Subject: p.T("Your %s badge expires in %s days", "{{.AchievementName}}", "{{.DaysLeft}}"),
			Body: p.T("Hello %s,", "{{.LearnerName}}") + "\n\n" +
				p.T("your %s badge from %s is valid until %s, %s days from now.", "{{.AchievementName}}", "{{.IssuerName}}", "{{.ValidUntil}}", "{{.DaysLeft}}") + "\n\n" +
				p.T("See it here: %s", "{{.CredentialURL}}") + "\n\n" +
				p.T("To keep it, ask %s to renew it before then.", "{{.IssuerName}}") + "\n",
		}
	}
	return Template{
		Subject: p.T("You earned %s", "{{.AchievementName}}"),
		Body: p.T("Hello %s,", "{{.LearnerName}}") + "\n\n" +
			p.T("%s awarded you the %s badge on %s.", "{{.IssuerName}}", "{{.AchievementName}}", "{{.AwardedDate}}") + "\n" +
			"{{- if .ValidUntil}} " + p.T("It is valid until %s.", "{{.ValidUntil}}") + "{{end}}\n\n" +
			p.T("See and share it: %s", "{{.CredentialURL}}") + "\n\n" +
			p.T("Claim it, to keep it with your other badges: %s", "{{.ClaimURL}}") + "\n\n" +
			p.T("The badge image attached holds the credential itself: anyone can check it at %s.", "{{.CredentialURL}}") + "\n",
	}
}

var unknownField = regexp.MustCompile(`can't evaluate field (\w+)`)

// parse parses one text of a template, naming field in its errors.
func parse(field, text string, max int) (*texttemplate.Template, error) {
	if strings.TrimSpace(text) == "" {
		return nil, cairn.Invalidf(field, "is required")
	}
	if len(text) > max {
		return nil, cairn.Invalidf(field, "is %d bytes; the limit is %d", len(text), max)
	}
	t, err := texttemplate.New(field).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, cairn.Invalidf(field, "does not parse: %s", strings.TrimPrefix(err.Error(), "template: "))
	}
	return t, nil
}

// execute runs t over f, naming field and the unknown template field in
// its errors.
func execute(field string, t *texttemplate.Template, f Fields) (string, error) {
	b := &capWriter{max: 4 * MaxBodyLen}
	if err := t.Execute(b, f); err != nil {
		if errors.Is(err, errTooLong) {
			return "", cairn.Invalidf(field, "renders to more than %d bytes", b.max)
		}
		if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
			return "", cairn.Invalidf(field, "uses the unknown field .%s; the fields are .%s", m[1], strings.Join(FieldNames, ", ."))
		}
		return "", cairn.Invalidf(field, "does not render: %s", strings.TrimPrefix(err.Error(), "template: "))
	}
	return b.String(), nil
}

var errTooLong = errors.New("mail: template output too long")

// capWriter fails once more than max bytes are written, so that a
// template such as {{range 1000000000}} stops early.
type capWriter struct {
	bytes.Buffer
	max int
}

func (w *capWriter) Write(p []byte) (int, error) {
	if w.Len()+len(p) > w.max {
		return 0, errTooLong
	}
	return w.Buffer.Write(p)
}

// Check reports whether t parses and renders with the sample fields: an
// Invalid error names "subject" or "body" and what is wrong, e.g. an
// unknown field.
func (t Template) Check() error {
	_, _, err := t.Render(SampleFields)
	return err
}

// Render renders the subject (on one line) and the text body. Errors:
// Invalid, naming "subject" or "body".
func (t Template) Render(f Fields) (subject, body string, err error) {
	st, err := parse("subject", t.Subject, MaxSubjectLen)
	if err != nil {
		return "", "", err
	}
	bt, err := parse("body", t.Body, MaxBodyLen)
	if err != nil {
		return "", "", err
	}
	if subject, err = execute("subject", st, f); err != nil {
		return "", "", err
	}
	if body, err = execute("body", bt, f); err != nil {
		return "", "", err
	}
	// A header holds one line: a field holding a newline cannot add headers.
	subject = strings.Join(strings.Fields(subject), " ")
	if subject == "" {
		return "", "", cairn.Invalidf("subject", "renders empty")
	}
	return subject, body, nil
}

var urlPattern = regexp.MustCompile(`https?://[^\s<>"]+[^\s<>".,;:!?)]`)

// htmlPage lays out the HTML part: the badge image, the body's paragraphs
// with their links, and a claim button.
var htmlPage = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.Subject}}</title></head>
<body style="margin:0;padding:24px;background:#f4f4f2;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d1d1b">
<div style="max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:24px">
{{if .ImageCID}}<p style="text-align:center;margin:0 0 16px"><img src="cid:{{.ImageCID}}" alt="{{.Alt}}" width="160" height="160" style="width:160px;height:160px"></p>{{end}}
{{range .Paragraphs}}<p style="line-height:1.5;margin:0 0 12px">{{.}}</p>
{{end}}{{if .ClaimURL}}<p style="text-align:center;margin:20px 0 8px"><a href="{{.ClaimURL}}" style="background:#2d5b3f;color:#fff;text-decoration:none;padding:10px 18px;border-radius:6px;display:inline-block">{{.Claim}}</a></p>{{end}}
</div></body></html>
`))

// HTML makes the HTML part, in the language l, from the rendered text
// body: each paragraph escaped, its URLs made links, the image (by
// Content-ID, "" for none) above and a claim button below when claimURL
// is not "".
func HTML(l i18n.Lang, subject, body, imageCID, alt, claimURL string) (string, error) {
	paras := Paragraphs(body)
	p := i18n.For(l)
	var b bytes.Buffer
	err := htmlPage.Execute(&b, map[string]any{"Lang": p.Code(), "Subject": subject, "ImageCID": imageCID, "Alt": alt,
		"Paragraphs": paras, "ClaimURL": claimURL, "Claim": p.T("Claim your badge")})
	if err != nil {
		return "", fmt.Errorf("mail: html part: %w", err)
	}
	return b.String(), nil
}

// Paragraphs splits a rendered text body at blank lines into HTML
// paragraphs: escaped, URLs made links, line breaks kept. The HTML part
// and the staff preview show them.
func Paragraphs(body string) []template.HTML {
	var paras []template.HTML
	for p := range strings.SplitSeq(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		paras = append(paras, linkify(p))
	}
	return paras
}

// linkify escapes text and makes its http(s) URLs links, its newlines
// line breaks.
func linkify(text string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range urlPattern.FindAllStringIndex(text, -1) {
		b.WriteString(template.HTMLEscapeString(text[last:m[0]]))
		u := template.HTMLEscapeString(text[m[0]:m[1]])
		b.WriteString(`<a href="` + u + `">` + u + `</a>`)
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(strings.ReplaceAll(b.String(), "\n", "<br>\n")) // #nosec: escaped above
}
