package store

import (
	"context"
	"time"

	"github.com/cairn-badges/cairn"
)

// checkOrg returns NotFound unless the organization exists.
func checkOrg(ctx context.Context, x q, orgID string) error {
	var one int
	err := x.row(ctx, "SELECT 1 FROM organizations WHERE id = ?", orgID).Scan(&one)
	return orNotFound(err, "organization")
}

// checkOwned returns NotFound unless table has a row id in the organization.
// table is one of this package's constant table names.
func checkOwned(ctx context.Context, x q, table, what, orgID, id string) error {
	var one int
	err := x.row(ctx, "SELECT 1 FROM "+table+" WHERE id = ? AND org_id = ?", id, orgID).Scan(&one)
	if err != nil {
		return orNotFound(err, what)
	}
	return nil
}

// checkImage returns NotFound unless id is "" or an image of the
// organization.
func checkImage(ctx context.Context, x q, orgID, id string) error {
	if id == "" {
		return nil
	}
	if err := checkOwned(ctx, x, "images", "image", orgID, id); err != nil {
		return &cairn.Error{Kind: cairn.NotFound, Field: "image_id", Message: "image not found", Err: err}
	}
	return nil
}

// Issuers

func validIssuer(is *cairn.Issuer) error {
	return required("org_id", is.OrgID, "name", is.Name)
}

// CreateIssuer implements cairn.IssuerStore.
func (db *DB) CreateIssuer(ctx context.Context, is *cairn.Issuer) error {
	if err := validIssuer(is); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		if err := checkOrg(ctx, x, is.OrgID); err != nil {
			return err
		}
		if err := checkImage(ctx, x, is.OrgID, is.ImageID); err != nil {
			return err
		}
		if is.ID == "" {
			is.ID = newID()
		}
		is.CreatedAt = db.now()
		is.UpdatedAt = is.CreatedAt
		_, err := x.exec(ctx, `INSERT INTO issuers (id, org_id, name, url, email, description, image_id,
			phone, linkedin_org_id, address, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			is.ID, is.OrgID, is.Name, is.URL, is.Email, is.Description, is.ImageID,
			is.Phone, is.LinkedInOrgID, addressArg(is.Address), is.CreatedAt, is.UpdatedAt)
		return err
	})
}

const issuerColumns = "id, org_id, name, url, email, description, image_id, phone, linkedin_org_id, address, created_at, updated_at"

func scanIssuer(s scanner) (*cairn.Issuer, error) {
	var is cairn.Issuer
	err := s.Scan(&is.ID, &is.OrgID, &is.Name, &is.URL, &is.Email, &is.Description, &is.ImageID,
		&is.Phone, &is.LinkedInOrgID, jsonCol{&is.Address}, timeCol{&is.CreatedAt}, timeCol{&is.UpdatedAt})
	return &is, err
}

// addressArg is the address column of an issuer: "" for none, else JSON.
func addressArg(a cairn.Address) string {
	if a.IsZero() {
		return ""
	}
	s, _ := jsonArg(a) // a struct of strings always encodes
	return s
}

// Issuer implements cairn.IssuerStore.
func (db *DB) Issuer(ctx context.Context, orgID, id string) (*cairn.Issuer, error) {
	is, err := scanIssuer(db.read().row(ctx, "SELECT "+issuerColumns+" FROM issuers WHERE id = ? AND org_id = ?", id, orgID))
	if err != nil {
		return nil, orNotFound(err, "issuer")
	}
	return is, nil
}

// PublicIssuer implements cairn.IssuerStore.
func (db *DB) PublicIssuer(ctx context.Context, id string) (*cairn.Issuer, error) {
	is, err := scanIssuer(db.read().row(ctx, "SELECT "+issuerColumns+" FROM issuers WHERE id = ?", id))
	if err != nil {
		return nil, orNotFound(err, "issuer")
	}
	return is, nil
}

// Issuers implements cairn.IssuerStore.
func (db *DB) Issuers(ctx context.Context, orgID string) ([]*cairn.Issuer, error) {
	rows, err := db.read().query(ctx, "SELECT "+issuerColumns+" FROM issuers WHERE org_id = ? ORDER BY created_at, id", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*cairn.Issuer
	for rows.Next() {
		is, err := scanIssuer(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, is)
	}
	return out, mapErr(rows.Err())
}

// UpdateIssuer implements cairn.IssuerStore.
func (db *DB) UpdateIssuer(ctx context.Context, is *cairn.Issuer) error {
	if err := validIssuer(is); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		if err := checkOwned(ctx, x, "issuers", "issuer", is.OrgID, is.ID); err != nil {
			return err
		}
		if err := checkImage(ctx, x, is.OrgID, is.ImageID); err != nil {
			return err
		}
		now := db.now()
		if _, err := x.exec(ctx, `UPDATE issuers SET name = ?, url = ?, email = ?, description = ?, image_id = ?,
			phone = ?, linkedin_org_id = ?, address = ?, updated_at = ?
			WHERE id = ? AND org_id = ?`,
			is.Name, is.URL, is.Email, is.Description, is.ImageID,
			is.Phone, is.LinkedInOrgID, addressArg(is.Address), now, is.ID, is.OrgID); err != nil {
			return err
		}
		is.UpdatedAt = now
		return nil
	})
}

// Issuer keys

// AddIssuerKey implements cairn.IssuerStore.
func (db *DB) AddIssuerKey(ctx context.Context, orgID string, k *cairn.IssuerKey, retireOthers bool) error {
	if err := required("issuer_id", k.IssuerID, "type", k.Type, "fragment", k.Fragment); err != nil {
		return err
	}
	if len(k.PublicJWK) == 0 {
		return cairn.Invalidf("public_jwk", "is required")
	}
	return db.write(ctx, func(x q) error {
		if err := checkOwned(ctx, x, "issuers", "issuer", orgID, k.IssuerID); err != nil {
			return err
		}
		if k.ID == "" {
			k.ID = newID()
		}
		k.CreatedAt = db.now()
		k.RetiredAt = normp(k.RetiredAt)
		if retireOthers {
			if _, err := x.exec(ctx, "UPDATE issuer_keys SET retired_at = ? WHERE issuer_id = ? AND type = ? AND retired_at IS NULL",
				k.CreatedAt, k.IssuerID, k.Type); err != nil {
				return err
			}
		}
		_, err := x.exec(ctx, `INSERT INTO issuer_keys (id, issuer_id, type, fragment, public_jwk, private_sealed, created_at, retired_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			k.ID, k.IssuerID, k.Type, k.Fragment, k.PublicJWK, bytesArg(k.PrivateSealed), k.CreatedAt, k.RetiredAt)
		return err
	})
}

// IssuerKeys implements cairn.IssuerStore.
func (db *DB) IssuerKeys(ctx context.Context, issuerID string) ([]*cairn.IssuerKey, error) {
	rows, err := db.read().query(ctx, `SELECT id, issuer_id, type, fragment, public_jwk, private_sealed, created_at, retired_at
		FROM issuer_keys WHERE issuer_id = ? ORDER BY created_at, id`, issuerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*cairn.IssuerKey
	for rows.Next() {
		var k cairn.IssuerKey
		if err := rows.Scan(&k.ID, &k.IssuerID, &k.Type, &k.Fragment, bytesCol{&k.PublicJWK}, bytesCol{&k.PrivateSealed},
			timeCol{&k.CreatedAt}, nullTimeCol{&k.RetiredAt}); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, &k)
	}
	return out, mapErr(rows.Err())
}

// RetireIssuerKey implements cairn.IssuerStore.
func (db *DB) RetireIssuerKey(ctx context.Context, orgID, issuerID, keyID string, t time.Time) error {
	return db.write(ctx, func(x q) error {
		if err := checkOwned(ctx, x, "issuers", "issuer", orgID, issuerID); err != nil {
			return err
		}
		n, err := x.execN(ctx, "UPDATE issuer_keys SET retired_at = ? WHERE id = ? AND issuer_id = ?", t, keyID, issuerID)
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound("issuer key")
		}
		return nil
	})
}

// Images

// CreateImage implements cairn.ImageStore.
func (db *DB) CreateImage(ctx context.Context, img *cairn.Image) error {
	if err := required("org_id", img.OrgID, "content_type", img.ContentType); err != nil {
		return err
	}
	if len(img.Data) == 0 {
		return cairn.Invalidf("data", "is empty")
	}
	return db.write(ctx, func(x q) error {
		if err := checkOrg(ctx, x, img.OrgID); err != nil {
			return err
		}
		if img.ID == "" {
			img.ID = newID()
		}
		img.CreatedAt = db.now()
		_, err := x.exec(ctx, "INSERT INTO images (id, org_id, content_type, data, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			img.ID, img.OrgID, img.ContentType, img.Data, img.SHA256, img.CreatedAt)
		return err
	})
}

const imageColumns = "id, org_id, content_type, data, sha256, created_at"

func scanImage(s scanner) (*cairn.Image, error) {
	var img cairn.Image
	err := s.Scan(&img.ID, &img.OrgID, &img.ContentType, bytesCol{&img.Data}, &img.SHA256, timeCol{&img.CreatedAt})
	return &img, err
}

// Image implements cairn.ImageStore.
func (db *DB) Image(ctx context.Context, orgID, id string) (*cairn.Image, error) {
	img, err := scanImage(db.read().row(ctx, "SELECT "+imageColumns+" FROM images WHERE id = ? AND org_id = ?", id, orgID))
	if err != nil {
		return nil, orNotFound(err, "image")
	}
	return img, nil
}

// PublicImage implements cairn.ImageStore.
func (db *DB) PublicImage(ctx context.Context, id string) (*cairn.Image, error) {
	img, err := scanImage(db.read().row(ctx, "SELECT "+imageColumns+" FROM images WHERE id = ?", id))
	if err != nil {
		return nil, orNotFound(err, "image")
	}
	return img, nil
}

// Achievements

func validAchievement(a *cairn.Achievement, create bool) error {
	if err := required("org_id", a.OrgID, "name", a.Name); err != nil {
		return err
	}
	if create && a.IssuerID == "" {
		return cairn.Invalidf("issuer_id", "is required")
	}
	if a.ValidFor < 0 {
		return cairn.Invalidf("valid_for", "must not be negative")
	}
	for _, d := range a.ReminderDays {
		if d <= 0 {
			return cairn.Invalidf("reminder_days", "must be positive")
		}
	}
	return nil
}

// achievementArgs returns the values of the columns after id, org_id and
// issuer_id, in achievementColumns order, without the timestamps.
func achievementArgs(a *cairn.Achievement) ([]any, error) {
	al, err := jsonArg(a.Alignments)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Invalid, err, "alignments cannot be encoded")
	}
	rd, err := jsonArg(a.ResultDescriptions)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Invalid, err, "result descriptions cannot be encoded")
	}
	tags, err := jsonArg(a.Tags)
	if err != nil {
		return nil, err
	}
	days := a.ReminderDays
	if days == nil {
		days = []int{}
	}
	reminders, err := jsonArg(days)
	if err != nil {
		return nil, err
	}
	reqs := a.EvidenceRequirements
	if reqs == nil {
		reqs = []cairn.EvidenceRequirement{}
	}
	er, err := jsonArg(reqs)
	if err != nil {
		return nil, err
	}
	trs := a.Translations
	if trs == nil {
		trs = []cairn.Translation{}
	}
	tr, err := jsonArg(trs)
	if err != nil {
		return nil, err
	}
	return []any{a.Name, a.Description, a.CriteriaNarrative, a.CriteriaURL, a.AchievementType, al, rd,
		floatArg(a.CreditsAvailable), tags, a.FieldOfStudy, a.InLanguage, a.Version, a.ImageID, a.ValidFor, reminders, er, tr}, nil
}

// CreateAchievement implements cairn.AchievementStore.
func (db *DB) CreateAchievement(ctx context.Context, a *cairn.Achievement) error {
	if err := validAchievement(a, true); err != nil {
		return err
	}
	args, err := achievementArgs(a)
	if err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		if err := checkOwned(ctx, x, "issuers", "issuer", a.OrgID, a.IssuerID); err != nil {
			return &cairn.Error{Kind: cairn.NotFound, Field: "issuer_id", Message: "issuer not found", Err: err}
		}
		if err := checkImage(ctx, x, a.OrgID, a.ImageID); err != nil {
			return err
		}
		if a.ID == "" {
			a.ID = newID()
		}
		a.CreatedAt = db.now()
		a.UpdatedAt = a.CreatedAt
		all := append([]any{a.ID, a.OrgID, a.IssuerID}, args...)
		all = append(all, a.CreatedAt, a.UpdatedAt)
		_, err := x.exec(ctx, "INSERT INTO achievements ("+achievementColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", all...)
		return err
	})
}

const achievementColumns = `id, org_id, issuer_id, name, description, criteria_narrative, criteria_url, achievement_type,
	alignments, result_descriptions, credits_available, tags, field_of_study, in_language, version, image_id, valid_for,
	reminder_days, evidence_requirements, translations, created_at, updated_at`

func scanAchievement(s scanner) (*cairn.Achievement, error) {
	var a cairn.Achievement
	err := s.Scan(&a.ID, &a.OrgID, &a.IssuerID, &a.Name, &a.Description, &a.CriteriaNarrative, &a.CriteriaURL,
		&a.AchievementType, jsonCol{&a.Alignments}, jsonCol{&a.ResultDescriptions}, nullFloatCol{&a.CreditsAvailable},
		jsonCol{&a.Tags}, &a.FieldOfStudy, &a.InLanguage, &a.Version, &a.ImageID, &a.ValidFor,
		jsonCol{&a.ReminderDays}, jsonCol{&a.EvidenceRequirements}, jsonCol{&a.Translations}, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	if len(a.Translations) == 0 {
		a.Translations = nil
	}
	if len(a.ReminderDays) == 0 {
		a.ReminderDays = nil
	}
	if len(a.EvidenceRequirements) == 0 {
		a.EvidenceRequirements = nil
	}
	return &a, err
}

// Achievement implements cairn.AchievementStore.
func (db *DB) Achievement(ctx context.Context, orgID, id string) (*cairn.Achievement, error) {
	a, err := scanAchievement(db.read().row(ctx, "SELECT "+achievementColumns+" FROM achievements WHERE id = ? AND org_id = ?", id, orgID))
	if err != nil {
		return nil, orNotFound(err, "achievement")
	}
	return a, nil
}

// PublicAchievement implements cairn.AchievementStore.
func (db *DB) PublicAchievement(ctx context.Context, id string) (*cairn.Achievement, error) {
	a, err := scanAchievement(db.read().row(ctx, "SELECT "+achievementColumns+" FROM achievements WHERE id = ?", id))
	if err != nil {
		return nil, orNotFound(err, "achievement")
	}
	return a, nil
}

// Achievements implements cairn.AchievementStore.
func (db *DB) Achievements(ctx context.Context, orgID, issuerID string) ([]*cairn.Achievement, error) {
	query := "SELECT " + achievementColumns + " FROM achievements WHERE org_id = ?"
	args := []any{orgID}
	if issuerID != "" {
		query += " AND issuer_id = ?"
		args = append(args, issuerID)
	}
	rows, err := db.read().query(ctx, query+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*cairn.Achievement
	for rows.Next() {
		a, err := scanAchievement(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, a)
	}
	return out, mapErr(rows.Err())
}

// UpdateAchievement implements cairn.AchievementStore.
func (db *DB) UpdateAchievement(ctx context.Context, a *cairn.Achievement) error {
	if err := validAchievement(a, false); err != nil {
		return err
	}
	args, err := achievementArgs(a)
	if err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		cur, err := scanAchievement(x.row(ctx, "SELECT "+achievementColumns+" FROM achievements WHERE id = ? AND org_id = ?"+x.d.forUpdate(), a.ID, a.OrgID))
		if err != nil {
			return orNotFound(err, "achievement")
		}
		if err := checkImage(ctx, x, a.OrgID, a.ImageID); err != nil {
			return err
		}
		now := db.now()
		all := append(args, now, a.ID, a.OrgID)
		if _, err := x.exec(ctx, `UPDATE achievements SET name = ?, description = ?, criteria_narrative = ?, criteria_url = ?,
			achievement_type = ?, alignments = ?, result_descriptions = ?, credits_available = ?, tags = ?, field_of_study = ?,
			in_language = ?, version = ?, image_id = ?, valid_for = ?, reminder_days = ?, evidence_requirements = ?, translations = ?, updated_at = ? WHERE id = ? AND org_id = ?`, all...); err != nil {
			return err
		}
		a.IssuerID, a.CreatedAt, a.UpdatedAt = cur.IssuerID, cur.CreatedAt, now
		return nil
	})
}
