// Package web serves Cairn's public, server-rendered pages: for now the
// verifier (upload or paste a credential, see every check and its outcome)
// and the first-run demo badge. Pages use html/template and embedded assets
// only: no external CDN, readable on a phone and on a desktop.
package web

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

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
	"resultTitle": func(o verify.Outcome) string {
		switch o {
		case verify.Verified:
			return "Verified: every check passed"
		case verify.Failed:
			return "Not valid: a check failed"
		}
		return "Could not be fully verified: a check could not run"
	},
}).ParseFS(templateFS, "templates/*.html"))

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
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'")
	w.WriteHeader(status)
	if err := templates.ExecuteTemplate(w, name, p); err != nil && h.Log != nil {
		h.Log.Error("render", "template", name, "err", err)
	}
}

// WriteBusy answers a verification the server refused for now (429 for
// the client's rate, 503 when the verifier is busy: see package throttle)
// with a page saying so and when to try again; the caller sets
// Retry-After.
func WriteBusy(w http.ResponseWriter, status int, retryAfter time.Duration) {
	setPageHeaders(w.Header())
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	when := "in a moment"
	if s := int(math.Ceil(retryAfter.Seconds())); s > 1 {
		when = fmt.Sprintf("in %d seconds", s)
	}
	title, msg := "The verifier is busy", "Nothing was verified: the server is verifying as much as it can right now. Please try again "+when+"."
	if status == http.StatusTooManyRequests {
		title, msg = "Too many verifications", "Nothing was verified: this address has asked for more verifications than the server takes at a time. Please try again "+when+"."
	}
	_ = templates.ExecuteTemplate(w, "error.html", errorPage{Title: title, Message: msg, Status: status})
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusOK, "home.html", page{Title: "Verify a badge", Demo: h.Demo})
}

// verifyPage verifies an uploaded file, a pasted credential, or the demo.
func (h *Handler) verifyPage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxUpload+64<<10)
	input, msg := h.formInput(r)
	if msg != "" {
		rep := &verify.Report{Result: verify.Failed, Checks: []verify.Check{{Name: verify.CheckFormat, Outcome: verify.Failed, Reason: msg}}}
		h.render(w, http.StatusBadRequest, "report.html", page{Title: "Verification", Report: rep})
		return
	}
	rep := h.Verifier.Verify(r.Context(), input)
	h.render(w, http.StatusOK, "report.html", page{Title: "Verification", Report: rep})
}

func (h *Handler) formInput(r *http.Request) ([]byte, string) {
	if err := r.ParseMultipartForm(MaxUpload); err != nil && err != http.ErrNotMultipart {
		return nil, "the upload could not be read: " + err.Error()
	}
	if r.FormValue("demo") != "" && h.Demo != nil {
		return h.Demo.PNG, ""
	}
	if f, _, err := r.FormFile("file"); err == nil {
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, MaxUpload+1))
		if err != nil {
			return nil, "the upload could not be read: " + err.Error()
		}
		if len(data) > MaxUpload {
			return nil, fmt.Sprintf("the file is larger than the %d MiB limit", MaxUpload>>20)
		}
		if len(data) > 0 {
			return data, ""
		}
	}
	if s := strings.TrimSpace(r.FormValue("credential")); s != "" {
		return []byte(s), ""
	}
	return nil, "nothing to verify: choose a file or paste a credential"
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
