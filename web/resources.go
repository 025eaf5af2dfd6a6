package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/cairn-badges/cairn"
)

// didDocument serves GET /issuers/{id}/did.json, the issuer's did:web DID
// document (https://w3c-ccg.github.io/did-method-web/#read-resolve).
func (p *Public) didDocument(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		p.NotFound(w, r)
		return
	}
	doc, err := p.svc.DIDDocument(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	data, err := json.Marshal(doc)
	if err != nil {
		p.fail(w, r, cairn.Wrapf(cairn.Internal, err, "DID document of issuer %s", id))
		return
	}
	setJSONHeaders(w.Header(), typeDID)
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(data)
}

// statusList serves GET /status/{id}, a signed Bitstring Status List
// credential, with its version as ETag
// (https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistcredential).
func (p *Public) statusList(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		p.NotFound(w, r)
		return
	}
	data, version, err := p.svc.StatusListCredential(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	setJSONHeaders(w.Header(), typeVC)
	w.Header().Set("Cache-Control", "public, max-age=60")
	serveBytes(w, r, `"`+strconv.FormatInt(version, 10)+`"`, data)
}

// image serves GET /images/{id}: an uploaded (sanitized) or generated
// image. Images are never changed once stored (cairn.ImageStore has no
// update; IDs are random), so they are cached for a year. An SVG is a
// document a browser could run scripts in if opened directly: the CSP
// sandboxes it.
func (p *Public) image(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		p.NotFound(w, r)
		return
	}
	img, err := p.store.PublicImage(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	h := w.Header()
	switch img.ContentType {
	case typePNG, typeSVG:
		h.Set("Content-Type", img.ContentType)
	default:
		h.Set("Content-Type", "application/octet-stream")
	}
	h.Set("Content-Security-Policy", imageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", longCache)
	h.Set("Access-Control-Allow-Origin", "*")
	etag := img.SHA256
	if !validID(etag) {
		etag = img.ID
	}
	serveBytes(w, r, `"`+etag+`"`, img.Data)
}
