package api

import (
	"encoding/json"
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
	data, err := readBody(r, verify.MaxInputBytes)
	if err != nil {
		return err
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
