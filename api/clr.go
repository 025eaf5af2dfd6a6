package api

import (
	"net/http"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
)

// CLR 2.0 transcripts (issuing.Pathways.AwardCLR and LearnerCLR): a new
// signed ClrCredential on each request, as JSON with its Data Integrity
// proof (application/vc+ld+json), or as a VC-JWT with ?format=jwt or
// Accept: application/jwt (when the issuer issues JWTs).

// clrFormat reads ?format= (json or jwt) and Accept.
func clrFormat(r *http.Request, extra ...string) (string, error) {
	q, err := query(r, append([]string{"format"}, extra...)...)
	if err != nil {
		return "", err
	}
	switch f := q.Get("format"); f {
	case "json", "jwt":
		return f, nil
	case "":
	default:
		return "", badRequest("format", "%q is not a format: want json or jwt", f)
	}
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.TrimSpace(mt) {
		case "application/jwt", "application/vc+jwt":
			return "jwt", nil
		}
	}
	return "json", nil
}

func writeCLR(w http.ResponseWriter, clr *issuing.CLR, format string) error {
	w.Header().Set("Cache-Control", "no-store")
	if format == "jwt" {
		if clr.JWT == "" {
			return cairn.Errorf(cairn.NotFound, "this CLR is not issued as a VC-JWT: its issuer issues no JWT for these credentials; ask for format=json")
		}
		w.Header().Set("Content-Type", "application/jwt")
		_, _ = w.Write([]byte(clr.JWT))
		return nil
	}
	w.Header().Set("Content-Type", "application/vc+ld+json")
	_, _ = w.Write(clr.JSON)
	return nil
}

// awardCLR answers GET /awards/{id}/clr: the CLR of a pathway award.
func (s *Server) awardCLR(w http.ResponseWriter, r *http.Request, c *caller) error {
	pw, err := s.pathwaysService()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	format, err := clrFormat(r)
	if err != nil {
		return err
	}
	clr, err := pw.AwardCLR(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	return writeCLR(w, clr, format)
}

// learnerCLR answers GET /learners/{email}/clr: the learner's transcript
// across the organization.
func (s *Server) learnerCLR(w http.ResponseWriter, r *http.Request, c *caller) error {
	pw, err := s.pathwaysService()
	if err != nil {
		return err
	}
	learner, err := learnerID(r)
	if err != nil {
		return err
	}
	format, err := clrFormat(r, "issuerId")
	if err != nil {
		return err
	}
	clr, err := pw.LearnerCLR(r.Context(), c.orgID, learner, r.URL.Query().Get("issuerId"))
	if err != nil {
		return err
	}
	return writeCLR(w, clr, format)
}
