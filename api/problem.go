package api

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/internal/fail500"
)

// Problem is an RFC 9457 problem document
// (https://www.rfc-editor.org/rfc/rfc9457#section-3.1). Field is an
// extension member naming the input at fault: a JSON path such as
// recipient.email, a query parameter, or a header name. RequestID is set on
// 500 responses so that an operator can find the logged cause.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// problemType is the type URI of each status Cairn answers with. They are
// URNs: identifiers, not documents to fetch (RFC 9457 §3.1.1).
func problemType(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "urn:cairn:problem:malformed-request"
	case http.StatusUnauthorized:
		return "urn:cairn:problem:unauthorized"
	case http.StatusForbidden:
		return "urn:cairn:problem:forbidden"
	case http.StatusNotFound:
		return "urn:cairn:problem:not-found"
	case http.StatusMethodNotAllowed:
		return "urn:cairn:problem:method-not-allowed"
	case http.StatusConflict:
		return "urn:cairn:problem:conflict"
	case http.StatusRequestEntityTooLarge:
		return "urn:cairn:problem:too-large"
	case http.StatusUnsupportedMediaType:
		return "urn:cairn:problem:unsupported-media-type"
	case http.StatusUnprocessableEntity:
		return "urn:cairn:problem:invalid"
	case http.StatusServiceUnavailable:
		return "urn:cairn:problem:unavailable"
	}
	return "urn:cairn:problem:internal"
}

// kindStatus is the one table from error kinds to HTTP statuses. Invalid is
// 422: the request was read but breaks a rule. A request that cannot be read
// (malformed JSON, too large, wrong media type) is a *requestError, whose
// status says which.
var kindStatus = map[cairn.Kind]int{
	cairn.Invalid:      http.StatusUnprocessableEntity,
	cairn.NotFound:     http.StatusNotFound,
	cairn.Conflict:     http.StatusConflict,
	cairn.Unauthorized: http.StatusUnauthorized,
	cairn.Forbidden:    http.StatusForbidden,
	cairn.Unavailable:  http.StatusServiceUnavailable,
	cairn.Internal:     http.StatusInternalServerError,
}

// requestError is a request that could not be read: its body is not JSON,
// is too large or has the wrong media type, or a query parameter or header
// is malformed. It is of kind Invalid (errors.Is(err, cairn.ErrInvalid)) and
// carries its own status (400, 413 or 415).
type requestError struct {
	status int
	field  string
	detail string
}

func (e *requestError) Error() string {
	if e.field != "" {
		return e.field + ": " + e.detail
	}
	return e.detail
}

// Is makes errors.Is(err, cairn.ErrInvalid) hold.
func (e *requestError) Is(target error) bool { return target == cairn.ErrInvalid }

func badRequest(field, format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, field: field, detail: fmt.Sprintf(format, args...)}
}

// statusOf returns the HTTP status of err and the problem to show.
func statusOf(err error) (status int, field, detail string) {
	var re *requestError
	if errors.As(err, &re) {
		return re.status, re.field, re.Error()
	}
	kind := cairn.KindOf(err)
	status = kindStatus[kind]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status == http.StatusInternalServerError {
		return status, "", "internal error; the server logged it"
	}
	return status, cairn.FieldOf(err), cairn.PublicMessage(err)
}

// writeError answers err as a problem document. 500s are logged with their
// cause and a request ID that the problem repeats.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, field, detail := statusOf(err)
	p := Problem{Type: problemType(status), Title: http.StatusText(status), Status: status, Detail: detail, Field: field}
	if status == http.StatusInternalServerError {
		var id [8]byte
		rand.Read(id[:])
		p.RequestID = hex.EncodeToString(id[:])
		s.log().ErrorContext(r.Context(), "api: internal error", "method", r.Method, "path", r.URL.Path,
			"request_id", p.RequestID, "err", err)
		fail500.Record(r, err)
	} else if status == http.StatusServiceUnavailable {
		s.log().WarnContext(r.Context(), "api: unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "1")
	}
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cairn"`)
	}
	writeProblem(w, p)
}

func writeProblem(w http.ResponseWriter, p Problem) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// logger returns the server's logger, or slog's default.
func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
