package store

import (
	"context"

	"github.com/cairn-badges/cairn"
)

// Certificate templates (cairn.CertificateStore).

const certificateColumns = `achievement_id, org_id, layout, title, primary_color, accent_color, signature_image_id,
	signatory_name, signatory_title, updated_at`

func scanCertificateTemplate(s scanner) (*cairn.CertificateTemplate, error) {
	var t cairn.CertificateTemplate
	err := s.Scan(&t.AchievementID, &t.OrgID, &t.Layout, &t.Title, &t.PrimaryColor, &t.AccentColor, &t.SignatureImageID,
		&t.SignatoryName, &t.SignatoryTitle, timeCol{&t.UpdatedAt})
	return &t, err
}

// CertificateTemplate implements cairn.CertificateStore.
func (db *DB) CertificateTemplate(ctx context.Context, orgID, achievementID string) (*cairn.CertificateTemplate, error) {
	t, err := scanCertificateTemplate(db.read().row(ctx, "SELECT "+certificateColumns+
		" FROM certificate_templates WHERE achievement_id = ? AND org_id = ?", achievementID, orgID))
	if err != nil {
		return nil, orNotFound(err, "certificate template")
	}
	return t, nil
}

// PublicCertificateTemplate implements cairn.CertificateStore.
func (db *DB) PublicCertificateTemplate(ctx context.Context, achievementID string) (*cairn.CertificateTemplate, error) {
	t, err := scanCertificateTemplate(db.read().row(ctx, "SELECT "+certificateColumns+
		" FROM certificate_templates WHERE achievement_id = ?", achievementID))
	if err != nil {
		return nil, orNotFound(err, "certificate template")
	}
	return t, nil
}

// PutCertificateTemplate implements cairn.CertificateStore.
func (db *DB) PutCertificateTemplate(ctx context.Context, t *cairn.CertificateTemplate) error {
	if err := required("orgId", t.OrgID, "achievementId", t.AchievementID); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		if err := checkOwned(ctx, x, "achievements", "achievement", t.OrgID, t.AchievementID); err != nil {
			return err
		}
		if err := checkImage(ctx, x, t.OrgID, t.SignatureImageID); err != nil {
			return &cairn.Error{Kind: cairn.NotFound, Field: "signatureImageId", Message: "image not found", Err: err}
		}
		now := db.now()
		if _, err := x.exec(ctx, "DELETE FROM certificate_templates WHERE achievement_id = ?", t.AchievementID); err != nil {
			return err
		}
		if _, err := x.exec(ctx, "INSERT INTO certificate_templates ("+certificateColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			t.AchievementID, t.OrgID, t.Layout, t.Title, t.PrimaryColor, t.AccentColor, t.SignatureImageID,
			t.SignatoryName, t.SignatoryTitle, now); err != nil {
			return err
		}
		t.UpdatedAt = now
		return nil
	})
}
