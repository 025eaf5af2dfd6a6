package webui

import (
	"context"
	_ "embed"
	"errors"
	"html/template"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/wallet"
	"github.com/cairn-badges/cairn/web"
)

// Imported credentials in the web wallet: the import form on the wallet
// page (a file input that works without script; with the small script
// import.js, a file dropped on the drop zone is sent at once), by URL, or
// pasted JSON or JWT; their cards; a page per imported credential with its
// checks, "Check again" and "Delete"; and its badge image, served as the
// importer stored it (a PNG checked, an SVG sanitized) with a sandboxing
// CSP.

// WithImports lets the wallet pages import credentials with im.
func (h *Handler) WithImports(im *wallet.Importer) *Handler {
	h.imports = im
	return h
}

//go:embed static/import.js
var importJS []byte

//go:embed static/import.css
var importCSS string

// maxImportForm caps the import form: a baked image of
// verify.MaxInputBytes and the form's other fields.
const maxImportForm = verify.MaxInputBytes + 64<<10

// importFuncs name checks, outcomes and formats in English, as the
// catalog keys them: the pages translate each.
var importFuncs = template.FuncMap{
	"checkTitle": wallet.CheckTitle,
	// reason and warnings write the verifier's words in the reader's
	// language.
	"reason":   web.CheckReason,
	"warnings": web.ReportWarnings,
	"outcomeText": func(o verify.Outcome) string {
		switch o {
		case verify.Verified:
			return "verified"
		case verify.Failed:
			return "failed"
		}
		return "not sure"
	},
	"formatName": func(f string) string {
		switch f {
		case wallet.FormatOB3:
			return "Open Badges 3.0"
		case wallet.FormatCLR:
			return "Comprehensive Learner Record 2.0"
		case wallet.FormatOB2:
			return "Open Badges 2.0"
		}
		return "Verifiable Credential"
	},
}

func (h *Handler) registerImports(mux *http.ServeMux) {
	mux.HandleFunc("GET /wallet/assets/import.js", h.importScript)
	mux.Handle("POST /wallet/import", h.postImport(h.importCredential))
	mux.HandleFunc("GET /wallet/credentials/{id}", h.importedPage)
	mux.HandleFunc("GET /wallet/credentials/{id}/image", h.importedImage)
	mux.Handle("POST /wallet/credentials/{id}/verify", h.post(h.checkAgain))
	mux.Handle("POST /wallet/credentials/{id}/delete", h.post(h.deleteImported))
}

func (h *Handler) importScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(importJS)
}

// loadImports adds the learner's imports to the wallet page.
func (h *Handler) loadImports(ctx context.Context, p *wallet.Principal, hp *homePage) error {
	if h.imports == nil {
		return nil
	}
	hp.Imports = true
	ims, err := h.imports.List(ctx, p.Learner.ID, false)
	hp.Imported = ims
	return err
}

// postImport is post for the import form: a multipart body up to
// maxImportForm, the session and its CSRF token.
func (h *Handler) postImport(fn func(http.ResponseWriter, *http.Request, *wallet.Principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxImportForm)
		p, err := h.principal(r)
		if err != nil {
			h.fail(w, r, nil, err)
			return
		}
		if p == nil {
			h.message(w, r, http.StatusUnauthorized, nil, "Sign in again", "Your session has ended. Sign in, then repeat what you were doing.")
			return
		}
		if h.imports == nil {
			h.message(w, r, http.StatusServiceUnavailable, p, "Not available", "Importing badges is not enabled on this server.")
			return
		}
		var perr error
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			perr = r.ParseMultipartForm(1 << 20)
		} else {
			perr = r.ParseForm()
		}
		if perr != nil {
			var mbe *http.MaxBytesError
			if errors.As(perr, &mbe) {
				h.showHome(w, r, p, http.StatusRequestEntityTooLarge, homePage{ImportError: h.t(r, "The file is too large: a badge may have at most 8 MiB.")})
				return
			}
			h.message(w, r, http.StatusBadRequest, p, "Form refused", "The form could not be read. Go back, reload the page and try again.")
			return
		}
		if err := auth.CheckCSRF(r, &auth.Session{CSRF: p.Session.CSRFToken}); err != nil {
			h.message(w, r, http.StatusForbidden, p, "Request refused",
				"This form did not come from this site's page, or the page was too old. Go back, reload the page and try again.")
			return
		}
		fn(w, r, p)
	})
}

// importCredential imports what the form holds: a file, else a URL, else
// pasted text.
func (h *Handler) importCredential(w http.ResponseWriter, r *http.Request, p *wallet.Principal) {
	var in wallet.ImportInput
	if r.MultipartForm != nil {
		if f, fh, err := r.FormFile("file"); err == nil {
			data, err := io.ReadAll(io.LimitReader(f, verify.MaxInputBytes+1))
			f.Close()
			if err != nil {
				h.showHome(w, r, p, http.StatusBadRequest, homePage{ImportError: h.t(r, "The file could not be read. Try again.")})
				return
			}
			if len(data) > verify.MaxInputBytes {
				h.showHome(w, r, p, http.StatusRequestEntityTooLarge, homePage{ImportError: h.t(r, "The file is too large: a badge may have at most 8 MiB.")})
				return
			}
			in.Data = data
			if mt, _, err := mime.ParseMediaType(fh.Header.Get("Content-Type")); err == nil && (mt == "image/png" || mt == "image/svg+xml") {
				in.ContentType = mt
			}
		}
	}
	if len(in.Data) == 0 {
		if u := strings.TrimSpace(r.PostFormValue("url")); u != "" {
			in.URL = u
		} else if c := strings.TrimSpace(r.PostFormValue("credential")); c != "" {
			in.Data = []byte(c)
		}
	}
	if len(in.Data) == 0 && in.URL == "" {
		h.showHome(w, r, p, http.StatusBadRequest, homePage{ImportError: h.t(r, "Choose a badge file, give its URL, or paste the credential.")})
		return
	}
	im, created, err := h.imports.Import(r.Context(), p.Learner.ID, in)
	if err != nil {
		var rl *wallet.RateLimitError
		switch {
		case errors.As(err, &rl):
			w.Header().Set("Retry-After", "10")
			h.showHome(w, r, p, http.StatusTooManyRequests, homePage{ImportError: h.t(r, "Too many imports at once; wait a few seconds and try again.")})
		case cairn.KindOf(err) == cairn.Invalid, cairn.KindOf(err) == cairn.Conflict:
			h.showHome(w, r, p, statusOf(err), homePage{ImportError: h.t(r, "That could not be imported: %s", fieldText(err))})
		default:
			h.fail(w, r, p, err)
		}
		return
	}
	done := "imported"
	if !created {
		done = "already"
	}
	h.redirect(w, r, "/wallet/credentials/"+im.ID+"?done="+done)
}

var importNotices = map[string]string{
	"imported": "The badge is in your wallet.",
	"already":  "This badge was in your wallet already.",
	"checked":  "Checked again just now.",
}

type importedPage struct {
	Imported *wallet.Imported
}

func (h *Handler) imported(w http.ResponseWriter, r *http.Request) (*wallet.Principal, *wallet.Imported, bool) {
	p, err := h.principal(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return nil, nil, false
	}
	if p == nil {
		h.redirect(w, r, "/wallet/signin?next=/wallet")
		return nil, nil, false
	}
	if h.imports == nil {
		h.notFound(w, r)
		return nil, nil, false
	}
	im, err := h.imports.Get(r.Context(), p.Learner.ID, r.PathValue("id"))
	if cairn.KindOf(err) == cairn.NotFound {
		h.message(w, r, http.StatusNotFound, p, "Not found", "There is no such badge in your wallet.")
		return nil, nil, false
	}
	if err != nil {
		h.fail(w, r, p, err)
		return nil, nil, false
	}
	return p, im, true
}

func (h *Handler) importedPage(w http.ResponseWriter, r *http.Request) {
	p, im, ok := h.imported(w, r)
	if !ok {
		return
	}
	done := r.URL.Query().Get("done")
	notice := importNotices[done]
	if done == "imported" && im.Result == string(verify.Failed) {
		notice = "The badge is in your wallet, marked failed: it did not pass verification."
	}
	h.render(w, r, http.StatusOK, "imported.html", p, view{Title: im.Name, Notice: h.t(r, notice), Data: importedPage{im}})
}

func (h *Handler) importedImage(w http.ResponseWriter, r *http.Request) {
	p, err := h.principal(r)
	if err != nil || p == nil || h.imports == nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	data, ctype, err := h.imports.Image(r.Context(), p.Learner.ID, r.PathValue("id"))
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if ctype != "image/png" && ctype != "image/svg+xml" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", ctype)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
	hd.Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(data)
}

func (h *Handler) checkAgain(w http.ResponseWriter, r *http.Request, p *wallet.Principal) {
	if h.imports == nil {
		h.notFound(w, r)
		return
	}
	im, err := h.imports.Reverify(r.Context(), p.Learner.ID, r.PathValue("id"))
	var rl *wallet.RateLimitError
	switch {
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", "10")
		h.message(w, r, http.StatusTooManyRequests, p, "Too many checks", "Wait a few seconds, then check again.")
		return
	case err != nil:
		h.fail(w, r, p, err)
		return
	}
	h.redirect(w, r, "/wallet/credentials/"+im.ID+"?done=checked")
}

func (h *Handler) deleteImported(w http.ResponseWriter, r *http.Request, p *wallet.Principal) {
	if h.imports == nil {
		h.notFound(w, r)
		return
	}
	if err := h.imports.Delete(r.Context(), p.Learner.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.redirect(w, r, "/wallet?done=deleted")
}
