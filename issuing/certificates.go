package issuing

import (
	"context"
	"errors"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/certificate"
)

// CertificateInput is the PDF certificate design of an achievement, as the
// API and the staff UI send it; empty fields take the defaults.
type CertificateInput struct {
	Layout           string `json:"layout,omitempty"` // classic, modern or minimal
	Title            string `json:"title,omitempty"`
	PrimaryColor     string `json:"primaryColor,omitempty"` // #rrggbb
	AccentColor      string `json:"accentColor,omitempty"`  // #rrggbb
	SignatureImageID string `json:"signatureImageId,omitempty"`
	SignatoryName    string `json:"signatoryName,omitempty"`
	SignatoryTitle   string `json:"signatoryTitle,omitempty"`
}

// Design returns the input as a certificate design.
func (in CertificateInput) Design() certificate.Design {
	return certificate.Design{Layout: certificate.Layout(in.Layout), Title: in.Title, Primary: in.PrimaryColor, Accent: in.AccentColor,
		SignatoryName: in.SignatoryName, SignatoryTitle: in.SignatoryTitle}
}

func (s *Service) certificateStore() (cairn.CertificateStore, error) {
	cs, ok := s.store.(cairn.CertificateStore)
	if !ok {
		return nil, cairn.Errorf(cairn.Unavailable, "this store keeps no certificate designs")
	}
	return cs, nil
}

// CertificateTemplate returns the certificate design of an achievement of
// the organization: the stored one, or the defaults (a zero UpdatedAt)
// when staff never chose one. Errors: NotFound (no such achievement).
func (s *Service) CertificateTemplate(ctx context.Context, orgID, achievementID string) (*cairn.CertificateTemplate, error) {
	if _, err := s.store.Achievement(ctx, orgID, achievementID); err != nil {
		return nil, err
	}
	cs, ok := s.store.(cairn.CertificateStore)
	if !ok {
		return &cairn.CertificateTemplate{OrgID: orgID, AchievementID: achievementID}, nil
	}
	t, err := cs.CertificateTemplate(ctx, orgID, achievementID)
	if cairn.KindOf(err) == cairn.NotFound {
		return &cairn.CertificateTemplate{OrgID: orgID, AchievementID: achievementID}, nil
	}
	return t, err
}

// SetCertificateTemplate sets the certificate design of an achievement of
// the organization, replacing the one before. The signature image must be
// a PNG of the organization. Errors: Invalid (naming the field), NotFound
// (no such achievement, or no such image).
func (s *Service) SetCertificateTemplate(ctx context.Context, orgID, achievementID string, in CertificateInput) (*cairn.CertificateTemplate, error) {
	in.Layout = strings.ToLower(strings.TrimSpace(in.Layout))
	in.PrimaryColor = strings.ToLower(strings.TrimSpace(in.PrimaryColor))
	in.AccentColor = strings.ToLower(strings.TrimSpace(in.AccentColor))
	in.Title, in.SignatoryName, in.SignatoryTitle = strings.TrimSpace(in.Title), strings.TrimSpace(in.SignatoryName), strings.TrimSpace(in.SignatoryTitle)
	if err := in.Design().Validate(); err != nil {
		var fe *certificate.FieldError
		if errors.As(err, &fe) {
			return nil, cairn.Invalidf(fe.Field, "%s", fe.Reason)
		}
		return nil, err
	}
	if _, err := s.store.Achievement(ctx, orgID, achievementID); err != nil {
		return nil, err
	}
	if in.SignatureImageID != "" {
		img, err := s.store.Image(ctx, orgID, in.SignatureImageID)
		if err != nil {
			if cairn.KindOf(err) == cairn.NotFound {
				return nil, &cairn.Error{Kind: cairn.NotFound, Field: "signatureImageId", Message: "no image " + in.SignatureImageID + " in this organization", Err: err}
			}
			return nil, err
		}
		if img.ContentType != "image/png" {
			return nil, cairn.Invalidf("signatureImageId", "the signature must be a PNG image (this one is %s)", img.ContentType)
		}
	}
	cs, err := s.certificateStore()
	if err != nil {
		return nil, err
	}
	t := &cairn.CertificateTemplate{OrgID: orgID, AchievementID: achievementID, Layout: in.Layout, Title: in.Title,
		PrimaryColor: in.PrimaryColor, AccentColor: in.AccentColor, SignatureImageID: in.SignatureImageID,
		SignatoryName: in.SignatoryName, SignatoryTitle: in.SignatoryTitle}
	if err := cs.PutCertificateTemplate(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}
