// Package web serves Cairn's public, server-rendered pages: for now the
// verifier (upload or paste a credential, see every check and its outcome)
// and the first-run demo badge. Pages use html/template and embedded assets
// only: no external CDN, readable on a phone and on a desktop.
package web

import (
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/verify"
)

//go:embed templates/*.html
var templateFS embed.FS

// Stylesheet is the CSS every Cairn page shares: the public pages inline it,
// the staff pages (package admin) extend it.
//
//go:embed static/cairn.css
var Stylesheet string

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"join":       strings.Join,
	"goalNode":   func(c BadgeCard) MapNode { return MapNode{Badge: &c, Kind: "goal"} },
	"stylesheet": func() template.CSS { return template.CSS(Stylesheet) },
	// resultTitle is the key of a result's banner: {{.L.T (resultTitle …)}}.
	"resultTitle": func(o verify.Outcome) string {
		switch o {
		case verify.Verified:
			return "Verified: every check passed"
		case verify.Failed:
			return "Not valid: a check failed"
		}
		return "Could not be fully verified: a check could not run"
	},
	"loc":      func(l *i18n.Printer, v any) localized { return localized{l, v} },
	"reason":   CheckReason,
	"warnings": ReportWarnings,
	"notes":    ReportNotes,
	"trHTML":   trHTML,
	"link":     link,
	"code": func(s string) template.HTML {
		return template.HTML("<code>" + template.HTMLEscapeString(s) + "</code>")
	},
}).ParseFS(templateFS, "templates/*.html"))

// CheckReason is the reason of check c in l's language: the verifier's
// English where the check has no translatable form (a report stored before
// they were recorded) or the catalog lacks its message.
func CheckReason(l *i18n.Printer, c verify.Check) string { return c.Text(l.Text) }

// ReportWarnings are the warnings of r in l's language (see CheckReason).
func ReportWarnings(l *i18n.Printer, r *verify.Report) []string { return r.WarningTexts(l.Text) }

// ReportNotes are the notes of r in l's language (see CheckReason).
func ReportNotes(l *i18n.Printer, r *verify.Report) []string { return r.NoteTexts(l.Text) }

// localized is a value handed to a shared template with the language to
// write it in: {{template "checkrows" (loc $.L .Checks)}}.
type localized struct {
	L *i18n.Printer
	V any
}

// trHTML translates key, a sentence with an element in it, and puts the
// HTML parts in place of its verbs: the text is escaped, the parts are
// not (they are made by link, or by code that escapes what it writes).
func trHTML(l *i18n.Printer, key string, parts ...template.HTML) template.HTML {
	args := make([]any, len(parts))
	for i := range parts {
		args[i] = "\x00" + strconv.Itoa(i) + "\x00"
	}
	var b strings.Builder
	for i, s := range strings.Split(l.T(key, args...), "\x00") {
		if i%2 == 0 {
			b.WriteString(template.HTMLEscapeString(s))
		} else if n, err := strconv.Atoi(s); err == nil && n < len(parts) {
			b.WriteString(string(parts[n]))
		}
	}
	return template.HTML(b.String())
}

// link is an <a> element for trHTML; href is a path or an http(s) URL
// (anything else links nowhere).
func link(href, text string) template.HTML {
	return template.HTML(`<a href="` + template.HTMLEscapeString(safeHref(href)) + `">` + template.HTMLEscapeString(text) + `</a>`)
}

// safeHref returns href when it is a path or an http(s) URL, else "#".
func safeHref(href string) string {
	if strings.HasPrefix(href, "/") && !strings.HasPrefix(href, "//") || strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "http://") {
		return href
	}
	return "#"
}

// MaxUpload caps a credential uploaded for verification.
const MaxUpload = verify.MaxInputBytes

// Demo is the first-run demo badge shown on the home page.
type Demo struct {
	URL       string // the credential page
	IssuerDID string
	JSON      []byte // signed credential (Data Integrity)
	JWT       []byte // the same credential as VC-JWT
	PNG, SVG  []byte // baked images
}

// Verifier verifies credentials; *verify.Verifier implements it.
type Verifier interface {
	Verify(ctx context.Context, input []byte) *verify.Report
}

// Handler serves the pages.
type Handler struct {
	Verifier Verifier
	Demo     *Demo // nil: no demo
	Log      *slog.Logger
}

// Register adds the handler's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", h.home)
	mux.HandleFunc("POST /verify", h.verifyPage)
	mux.HandleFunc("GET /demo/{file}", h.demoFile)
}

type page struct {
	Title  string
	Demo   *Demo
	Report *verify.Report
	L      *i18n.Printer
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, p page) {
	p.Title = p.L.T(p.Title)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'")
	w.WriteHeader(status)
	if err := templates.ExecuteTemplate(w, name, p); err != nil && h.Log != nil {
		h.Log.Error("render", "template", name, "err", err)
	}
}

// WriteBusy answers a verification the server refused for now (429 for
// the client's rate, 503 when the verifier is busy: see package throttle)
// with a page saying so and when to try again, in the reader's language;
// the caller sets Retry-After.
func WriteBusy(w http.ResponseWriter, r *http.Request, status int, retryAfter time.Duration) {
	l := readerPrinter(w, r, "")
	setPageHeaders(w.Header())
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	s := int(math.Ceil(retryAfter.Seconds()))
	title := l.T("The verifier is busy")
	msg := l.T("Nothing was verified: the server is verifying as much as it can right now. Please try again in a moment.")
	if s > 1 {
		msg = l.T("Nothing was verified: the server is verifying as much as it can right now. Please try again in %d seconds.", s)
	}
	if status == http.StatusTooManyRequests {
		title = l.T("Too many verifications")
		msg = l.T("Nothing was verified: this address has asked for more verifications than the server takes at a time. Please try again in a moment.")
		if s > 1 {
			msg = l.T("Nothing was verified: this address has asked for more verifications than the server takes at a time. Please try again in %d seconds.", s)
		}
	}
	_ = templates.ExecuteTemplate(w, "error.html", errorPage{Title: title, Message: msg, Status: status, L: l})
}

// readerPrinter is the language of a page view (see i18n.Negotiate):
// the switcher's choice remembered, fallback when the reader expresses
// none; the page varies with it.
func readerPrinter(w http.ResponseWriter, r *http.Request, fallback i18n.Lang) *i18n.Printer {
	i18n.Remember(w, r)
	w.Header().Add("Vary", "Accept-Language, Cookie")
	return i18n.For(i18n.Negotiate(r, fallback))
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusOK, "home.html", page{Title: "Verify a badge", Demo: h.Demo, L: readerPrinter(w, r, "")})
}

// verifyPage verifies an uploaded file, a pasted credential, or the demo.
func (h *Handler) verifyPage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxUpload+64<<10)
	l := readerPrinter(w, r, "")
	input, msg := h.formInput(r, l)
	if msg != "" {
		rep := &verify.Report{Result: verify.Failed, Checks: []verify.Check{{Name: verify.CheckFormat, Outcome: verify.Failed, Reason: msg}}}
		h.render(w, http.StatusBadRequest, "report.html", page{Title: "Verification", Report: rep, L: l})
		return
	}
	rep := h.Verifier.Verify(r.Context(), input)
	h.render(w, http.StatusOK, "report.html", page{Title: "Verification", Report: rep, L: l})
}

// formInput reads what the form submits; a message (in l) says why
// there is nothing to verify.
func (h *Handler) formInput(r *http.Request, l *i18n.Printer) ([]byte, string) {
	if err := r.ParseMultipartForm(MaxUpload); err != nil && err != http.ErrNotMultipart {
		return nil, l.T("the upload could not be read: %s", err.Error())
	}
	if r.FormValue("demo") != "" && h.Demo != nil {
		return h.Demo.PNG, ""
	}
	if f, _, err := r.FormFile("file"); err == nil {
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, MaxUpload+1))
		if err != nil {
			return nil, l.T("the upload could not be read: %s", err.Error())
		}
		if len(data) > MaxUpload {
			return nil, l.T("the file is larger than the %d MiB limit", MaxUpload>>20)
		}
		if len(data) > 0 {
			return data, ""
		}
	}
	if s := strings.TrimSpace(r.FormValue("credential")); s != "" {
		return []byte(s), ""
	}
	return nil, l.T("nothing to verify: choose a file or paste a credential")
}

func (h *Handler) demoFile(w http.ResponseWriter, r *http.Request) {
	if h.Demo == nil {
		http.NotFound(w, r)
		return
	}
	var body []byte
	var ctype string
	switch r.PathValue("file") {
	case "credential.json":
		body, ctype = h.Demo.JSON, "application/vc+ld+json"
	case "credential.jwt":
		body, ctype = h.Demo.JWT, "text/plain; charset=utf-8"
	case "badge.png":
		body, ctype = h.Demo.PNG, "image/png"
	case "badge.svg":
		body, ctype = h.Demo.SVG, "image/svg+xml"
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(body)
}

// writeProblem writes an RFC 9457 problem document naming the field.
func writeProblem(w http.ResponseWriter, status int, field, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "about:blank", "title": http.StatusText(status), "status": status,
		"detail": detail, "field": field,
	})
}
