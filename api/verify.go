package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/verify"
)

// verify verifies the body (credential JSON, a VC-JWT, or a PNG or SVG
// with a baked credential) and answers the report: 200 when verified or
// indeterminate, 422 when a check failed. No authentication is needed.
func (s *Server) verify(w http.ResponseWriter, r *http.Request, _ *caller) error {
	if s.Verifier == nil {
		return cairn.Errorf(cairn.Unavailable, "verification is not configured on this server")
	}
	if r.ContentLength > verify.MaxInputBytes {
		return tooLarge(verify.MaxInputBytes)
	}
	data, err := verify.ReadInput(r.Body)
	var tl *verify.TooLargeError
	switch {
	case errors.As(err, &tl):
		return &requestError{status: http.StatusRequestEntityTooLarge, detail: fmt.Sprintf("the %s is larger than the limit of %s", tl.What, byteSize(int64(tl.Limit)))}
	case err != nil:
		return badRequest("", "the request body could not be read: %v", err)
	}
	rep := s.Verifier.Verify(r.Context(), data)
	status := http.StatusOK
	if rep.Result == verify.Failed {
		status = http.StatusUnprocessableEntity
	}
	out, err := json.Marshal(rep)
	if err != nil {
		return cairn.Wrapf(cairn.Internal, err, "encoding the report")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(out, '\n'))
	return nil
}
