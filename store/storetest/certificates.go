package storetest

import (
	"context"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// testCertificateTemplates: none until set; set, replaced, read by the
// organization and publicly; another organization's achievement or image
// is not found; every field round-trips.
func testCertificateTemplates(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tn, other := newTenant(t, db, "cert"), newTenant(t, db, "cert2")
	ach := tn.achievement.ID
	_, err := db.CertificateTemplate(ctx, tn.org.ID, ach)
	wantKind(t, "CertificateTemplate before any", err, cairn.NotFound)
	_, err = db.PublicCertificateTemplate(ctx, ach)
	wantKind(t, "PublicCertificateTemplate before any", err, cairn.NotFound)

	sig := &cairn.Image{OrgID: tn.org.ID, ContentType: "image/png", Data: []byte("\x89PNG sig"), SHA256: "00"}
	must(t, "CreateImage", db.CreateImage(ctx, sig))
	otherImg := &cairn.Image{OrgID: other.org.ID, ContentType: "image/png", Data: []byte("\x89PNG other"), SHA256: "01"}
	must(t, "CreateImage other", db.CreateImage(ctx, otherImg))

	want := &cairn.CertificateTemplate{OrgID: tn.org.ID, AchievementID: ach, Layout: "modern", Title: "Certificate of Completion",
		PrimaryColor: "#123456", AccentColor: "#654321", SignatureImageID: sig.ID, SignatoryName: "Dr Jane Roe", SignatoryTitle: "Dean"}
	must(t, "PutCertificateTemplate", db.PutCertificateTemplate(ctx, want))
	if want.UpdatedAt.IsZero() {
		t.Error("PutCertificateTemplate left UpdatedAt zero")
	}
	for name, get := range map[string]func() (*cairn.CertificateTemplate, error){
		"CertificateTemplate":       func() (*cairn.CertificateTemplate, error) { return db.CertificateTemplate(ctx, tn.org.ID, ach) },
		"PublicCertificateTemplate": func() (*cairn.CertificateTemplate, error) { return db.PublicCertificateTemplate(ctx, ach) },
	} {
		got, err := get()
		must(t, name, err)
		if !got.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("%s: UpdatedAt %v, want %v", name, got.UpdatedAt, want.UpdatedAt)
		}
		g, w := *got, *want
		g.UpdatedAt = w.UpdatedAt
		if g != w {
			t.Errorf("%s = %+v, want %+v", name, g, w)
		}
	}
	_, err = db.CertificateTemplate(ctx, other.org.ID, ach)
	wantKind(t, "CertificateTemplate of another organization", err, cairn.NotFound)

	// Replaced whole.
	repl := &cairn.CertificateTemplate{OrgID: tn.org.ID, AchievementID: ach, Layout: "minimal"}
	must(t, "PutCertificateTemplate again", db.PutCertificateTemplate(ctx, repl))
	got, err := db.CertificateTemplate(ctx, tn.org.ID, ach)
	must(t, "CertificateTemplate", err)
	if got.Layout != "minimal" || got.SignatureImageID != "" || got.Title != "" {
		t.Errorf("after replacing: %+v", got)
	}

	wantKind(t, "PutCertificateTemplate for another organization's achievement",
		db.PutCertificateTemplate(ctx, &cairn.CertificateTemplate{OrgID: other.org.ID, AchievementID: ach}), cairn.NotFound)
	wantKind(t, "PutCertificateTemplate with another organization's image",
		db.PutCertificateTemplate(ctx, &cairn.CertificateTemplate{OrgID: tn.org.ID, AchievementID: ach, SignatureImageID: otherImg.ID}), cairn.NotFound)
	wantKind(t, "PutCertificateTemplate without an achievement",
		db.PutCertificateTemplate(ctx, &cairn.CertificateTemplate{OrgID: tn.org.ID}), cairn.Invalid)
}
