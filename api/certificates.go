package api

import (
	"net/http"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/certificate"
	"github.com/cairn-badges/cairn/issuing"
)

// certificateView is an achievement's PDF certificate design as the API
// shows it: the layout, title and colours in force (the defaults where
// staff chose none), the signature and signatory as set.
type certificateView struct {
	AchievementID string `json:"achievementId"`
	issuing.CertificateInput
	// Default is true while staff never set a design (the defaults apply).
	Default   bool       `json:"default"`
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
}

func certificateViewOf(t *cairn.CertificateTemplate) certificateView {
	v := certificateView{AchievementID: t.AchievementID, CertificateInput: issuing.CertificateInput{
		Layout: t.Layout, Title: t.Title, PrimaryColor: t.PrimaryColor, AccentColor: t.AccentColor,
		SignatureImageID: t.SignatureImageID, SignatoryName: t.SignatoryName, SignatoryTitle: t.SignatoryTitle,
	}, Default: t.UpdatedAt.IsZero()}
	if v.Layout == "" {
		v.Layout = string(certificate.Classic)
	}
	if v.Title == "" {
		v.Title = certificate.DefaultTitle
	}
	if v.PrimaryColor == "" {
		v.PrimaryColor = certificate.DefaultPrimary
	}
	if v.AccentColor == "" {
		v.AccentColor = certificate.DefaultAccent
	}
	if !v.Default {
		u := t.UpdatedAt
		v.UpdatedAt = &u
	}
	return v
}

// getCertificate serves GET /achievements/{id}/certificate.
func (s *Server) getCertificate(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := s.Service.CertificateTemplate(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, certificateViewOf(t))
}

// putCertificate serves PUT /achievements/{id}/certificate: it replaces
// the design (fields left out take the defaults).
func (s *Server) putCertificate(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in issuing.CertificateInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, err := s.Service.SetCertificateTemplate(r.Context(), c.orgID, id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, certificateViewOf(t))
}
