package cairn

import (
	"context"
	"time"
)

// CertificateTemplate is how the PDF certificates of an achievement look
// (package certificate draws them): chosen by the issuer's staff, the same
// for every award of the achievement. An achievement without one has the
// defaults: the classic layout and colours, no signature.
type CertificateTemplate struct {
	AchievementID string
	OrgID         string
	Layout        string // classic, modern or minimal ("" for classic)
	Title         string // the heading ("" for "Certificate of Achievement")
	PrimaryColor  string // #rrggbb, "" for the default
	AccentColor   string // #rrggbb, "" for the default
	// SignatureImageID is an image of the organization (a PNG of the
	// signature), "" for none.
	SignatureImageID string
	SignatoryName    string
	SignatoryTitle   string
	UpdatedAt        time.Time
}

// CertificateStore keeps certificate templates. The store of this
// repository implements it; a Store that does not serves certificates in
// the default design only.
type CertificateStore interface {
	// CertificateTemplate returns the template of an achievement of the
	// organization. Errors: NotFound (no such achievement, or it has no
	// template: the defaults apply).
	CertificateTemplate(ctx context.Context, orgID, achievementID string) (*CertificateTemplate, error)
	// PublicCertificateTemplate returns the template of an achievement,
	// for public certificates. Errors: NotFound.
	PublicCertificateTemplate(ctx context.Context, achievementID string) (*CertificateTemplate, error)
	// PutCertificateTemplate sets the template of t.AchievementID in
	// t.OrgID (replacing any) and sets t.UpdatedAt. The store checks only
	// what it can (the achievement and the image are the organization's);
	// callers validate the design (certificate.Design.Validate). Errors:
	// Invalid, NotFound (the achievement or the signature image is not
	// the organization's).
	PutCertificateTemplate(ctx context.Context, t *CertificateTemplate) error
}
