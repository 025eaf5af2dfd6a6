// Package logserver serves the instance's transparency log over HTTP, under
// {base}/log/:
//
//	GET /log/checkpoint                  the latest signed checkpoint (https://c2sp.org/tlog-checkpoint)
//	GET /log/tile/<L>/<N>[.p/<W>]        hash tiles (https://c2sp.org/tlog-tiles)
//	GET /log/tile/entries/<N>[.p/<W>]    entry bundles (https://c2sp.org/tlog-tiles)
//	GET /log/key                         the log's note verifier key
//	GET /log/lookup/{id}                 a credential's entries with inclusion proofs (JSON)
//	GET /log/proof/consistency?old=N[&new=M]  a consistency proof between two tree sizes (JSON)
//
// The checkpoint, tiles and entry bundles are what auditors, monitors and
// witnesses read (translog.Auditor downloads a whole log through them);
// lookup and consistency proofs serve verifiers that want one answer
// without downloading tiles. Proofs are computed against the latest signed
// checkpoint, never an unsigned tree.
package logserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn/internal/fail500"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/translog"
)

// Cache lifetimes of the log's resources. "Full tiles and entry bundles
// are immutable and can be cached indefinitely" (tlog-tiles); partial ones
// are replaced by wider ones as the log grows, so they are cached briefly.
const (
	cacheFull       = "public, max-age=31536000, immutable"
	cachePartial    = "public, max-age=60"
	cacheCheckpoint = "no-cache"
)

// Handler serves one log. Log is required; CredentialURL, if set, lets
// lookups name a credential by its award ID instead of its full id URL.
type Handler struct {
	Log           *issuing.TransparencyLog
	CredentialURL func(awardID string) string
	Logger        *slog.Logger
}

// Register adds the log's routes to mux, relative to the base URL's path.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /log/checkpoint", h.checkpoint)
	mux.HandleFunc("GET /log/key", h.key)
	mux.HandleFunc("GET /log/tile/{path...}", h.tile)
	mux.HandleFunc("GET /log/lookup/{id}", h.lookup)
	mux.HandleFunc("GET /log/proof/consistency", h.consistency)
	mux.HandleFunc("GET /log/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, "no such log resource")
	})
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// fail writes a plain-text error that no cache keeps.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, code int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}

// failErr maps a log error to a status: not found and invalid requests are
// the client's; anything else is logged and answered without detail.
func (h *Handler) failErr(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, translog.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, "not found")
	case errors.Is(err, translog.ErrInvalid):
		h.fail(w, r, http.StatusBadRequest, "bad request: "+err.Error())
	default:
		h.logger().Error("transparency log", "path", r.URL.Path, "err", err)
		fail500.Record(r, err)
		h.fail(w, r, http.StatusInternalServerError, "the log cannot serve this resource")
	}
}

func (h *Handler) checkpoint(w http.ResponseWriter, r *http.Request) {
	msg, err := h.Log.Log().Checkpoint(r.Context())
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", cacheCheckpoint)
	w.Write(msg)
}

func (h *Handler) key(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	fmt.Fprintln(w, h.Log.VerifierKey())
}

func (h *Handler) tile(w http.ResponseWriter, r *http.Request) {
	path := "tile/" + r.PathValue("path")
	t, err := translog.ParseTilePath(path)
	if err != nil {
		h.fail(w, r, http.StatusNotFound, "not a tile path")
		return
	}
	b, err := h.Log.Log().ReadPath(r.Context(), path)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if t.Width == translog.TileWidth {
		w.Header().Set("Cache-Control", cacheFull)
	} else {
		w.Header().Set("Cache-Control", cachePartial)
	}
	w.Write(b)
}

// LookupResponse is the JSON of GET /log/lookup/{id}. A log with no entry
// about the credential answers 200 with no entries: a 404 under /log/
// means there is no log, which verifiers tell apart.
type LookupResponse = translog.LookupResponse

// LookupEntry is one log entry about a credential.
type LookupEntry = translog.LookupEntry

func (h *Handler) lookup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !strings.Contains(id, ":") && h.CredentialURL != nil {
		id = h.CredentialURL(id)
	}
	resp, err := h.Log.Lookup(r.Context(), id)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	writeJSON(w, resp)
}

// ConsistencyResponse is the JSON of GET /log/proof/consistency.
type ConsistencyResponse = translog.ConsistencyResponse

func (h *Handler) consistency(w http.ResponseWriter, r *http.Request) {
	size := func(name string) (uint64, bool) {
		v := r.URL.Query().Get(name)
		if v == "" && name == "new" {
			return 0, true // the checkpoint's size
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || (name == "new" && n == 0) {
			h.fail(w, r, http.StatusBadRequest, name+": want a tree size")
			return 0, false
		}
		return n, true
	}
	old, ok := size("old")
	if !ok {
		return
	}
	nw, ok := size("new")
	if !ok {
		return
	}
	resp, err := h.Log.Consistency(r.Context(), old, nw)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	writeJSON(w, resp)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	json.NewEncoder(w).Encode(v)
}
