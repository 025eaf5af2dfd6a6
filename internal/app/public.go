package app

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/cairn-badges/cairn"
)

// registerPublic adds the public endpoints external verifiers need: issuer
// DID documents and status lists.
func registerPublic(mux *http.ServeMux, a *App) {
	mux.HandleFunc("GET /issuers/{id}/did.json", func(w http.ResponseWriter, r *http.Request) {
		doc, err := a.svc.DIDDocument(r.Context(), r.PathValue("id"))
		if err != nil {
			httpError(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/did+json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		json.NewEncoder(w).Encode(doc)
	})
	mux.HandleFunc("GET /status/{id}", func(w http.ResponseWriter, r *http.Request) {
		signed, version, err := a.svc.StatusListCredential(r.Context(), r.PathValue("id"))
		if err != nil {
			httpError(w, err)
			return
		}
		etag := `"` + strconv.FormatInt(version, 10) + `"`
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "public, max-age=60")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/vc+ld+json")
		w.Write(signed)
	})
	mux.HandleFunc("GET /credentials/{id}", func(w http.ResponseWriter, r *http.Request) {
		aw, err := a.db.PublicAward(r.Context(), r.PathValue("id"))
		if err != nil {
			httpError(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/vc+ld+json")
		w.Write(aw.CredentialJSON)
	})
}

func httpError(w http.ResponseWriter, err error) {
	switch cairn.KindOf(err) {
	case cairn.NotFound:
		http.NotFound(w, nil)
	case cairn.Unavailable:
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
	default:
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}
