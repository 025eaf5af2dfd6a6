package webui

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/share"
	"github.com/cairn-badges/cairn/wallet"
)

// The public page of an imported credential that a portfolio shows
// (/learners/{handle}/credentials/{id}): what it says, the wallet's latest
// verification of it, and the credential as received (/credential, and
// the baked image it came in at /badge) for an employer to check with any
// verifier, or with this server's at once. A credential the portfolio does
// not show answers 404, as an unknown one does.

// sharedCSP is publicCSP with the one form of the page (to /verify).
const sharedCSP = "default-src 'none'; style-src 'self'; img-src 'self' data: https:; form-action 'self'; base-uri 'none'; frame-ancestors *"

func (h *Handler) registerShared(mux *http.ServeMux) {
	mux.HandleFunc("GET /learners/{handle}/credentials/{id}", h.sharedPage)
	mux.HandleFunc("GET /learners/{handle}/credentials/{id}/{file}", h.sharedFile)
}

type sharedPage struct {
	*wallet.Imported
	Item         *wallet.Item
	Learner      string
	PortfolioURL string
	Base         string
	Meta         []share.MetaTag
	// Received is the credential as received, for the verifier's form;
	// "" for an OB 2.0 assertion, which that verifier does not read.
	Received     string
	CredentialDL string // the download's name
	BadgeDL      string // the baked image's, or ""
	L            *i18n.Printer
	Langs        i18n.Switcher
}

func (h *Handler) sharedPage(w http.ResponseWriter, r *http.Request) {
	pub, it, li, err := h.pf.SharedImport(r.Context(), r.PathValue("handle"), r.PathValue("id"))
	if cairn.KindOf(err) == cairn.NotFound {
		h.publicNotFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	lp := h.printer(r)
	pg := sharedPage{Imported: wallet.ReportOf(li), Item: it, Learner: pub.Learner.Name, PortfolioURL: pub.URL, Base: h.basePath,
		CredentialDL: it.URL + "/credential", L: lp, Langs: i18n.SwitcherFor(r, lp)}
	if li.Format != wallet.FormatOB2 {
		pg.Received = string(li.Credential)
	}
	if li.OriginalType == "image/png" || li.OriginalType == "image/svg+xml" {
		pg.BadgeDL = it.URL + "/badge"
	}
	desc := it.Description
	if desc == "" {
		desc = it.Name + " · " + it.IssuerName
	}
	pg.Meta = share.Meta{Title: it.Name + " · " + pub.Learner.Name, Description: desc, URL: it.URL, ImageURL: it.ImageURL,
		ImageAlt: it.Name, SiteName: "Cairn"}.Tags()
	h.renderPublic(w, r, "shared.html", pg, sharedCSP, lp)
}

// sharedFile serves image (the badge image shown), credential (as
// received: JSON or VC-JWT) and badge (the baked PNG or SVG it came in).
func (h *Handler) sharedFile(w http.ResponseWriter, r *http.Request) {
	handle, id := r.PathValue("handle"), r.PathValue("id")
	var data []byte
	var ctype, name string
	switch r.PathValue("file") {
	case "image":
		img, t, err := h.pf.SharedImportImage(r.Context(), handle, id)
		if err != nil || t != "image/png" && t != "image/svg+xml" {
			h.sharedMissing(w, r, err)
			return
		}
		data, ctype = img, t
	case "credential", "badge":
		_, _, li, err := h.pf.SharedImport(r.Context(), handle, id)
		if err != nil {
			h.sharedMissing(w, r, err)
			return
		}
		if r.PathValue("file") == "badge" {
			data, ctype, name = li.Original, li.OriginalType, "badge.png"
			if ctype == "image/svg+xml" {
				name = "badge.svg"
			}
			if ctype != "image/png" && ctype != "image/svg+xml" || len(data) == 0 {
				h.sharedMissing(w, r, nil)
				return
			}
			break
		}
		data = li.Credential
		switch c := bytes.TrimSpace(data); {
		case len(c) > 0 && c[0] == '{' && li.Format == wallet.FormatOB2:
			ctype, name = "application/json", "assertion.json"
		case len(c) > 0 && c[0] == '{':
			ctype, name = "application/vc+ld+json", "credential.json"
		default:
			ctype, name = "application/jwt", "credential.jwt"
		}
	default:
		h.sharedMissing(w, r, nil)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", ctype)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
	hd.Set("Cache-Control", "public, max-age=60")
	hd.Set("Access-Control-Allow-Origin", "*")
	if name != "" {
		hd.Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(name, `"`, "")+`"`)
	}
	_, _ = w.Write(data)
}

func (h *Handler) sharedMissing(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil && cairn.KindOf(err) != cairn.NotFound {
		h.fail(w, r, nil, err)
		return
	}
	http.Error(w, "not found", http.StatusNotFound)
}
