package store

import (
	"context"
	"time"
)

// This file keeps what mail to learners needs (package notify/mail): the
// organizations' templates, the claim tokens mailed with awards, and the
// awards whose expiry reminders may be due. The mail itself is an outbox
// message (effects.go).

// MailTemplate is an organization's own subject and body for one kind of
// mail.
type MailTemplate struct {
	OrgID     string
	Kind      string // "award", "reminder"
	Subject   string
	Body      string
	UpdatedAt time.Time
}

// MailTemplate returns the organization's template of kind. Errors:
// NotFound (the organization uses the default).
func (db *DB) MailTemplate(ctx context.Context, orgID, kind string) (*MailTemplate, error) {
	t := MailTemplate{OrgID: orgID, Kind: kind}
	err := db.read().row(ctx, "SELECT subject, body, updated_at FROM mail_templates WHERE org_id = ? AND kind = ?", orgID, kind).
		Scan(&t.Subject, &t.Body, timeCol{&t.UpdatedAt})
	if err != nil {
		return nil, orNotFound(err, "mail template")
	}
	return &t, nil
}

// PutMailTemplate stores t as the organization's template of its kind,
// replacing the one before, and sets t.UpdatedAt. The caller checks that
// the template renders. Errors: Invalid, NotFound (no such organization).
func (db *DB) PutMailTemplate(ctx context.Context, t *MailTemplate) error {
	if err := required("org_id", t.OrgID, "kind", t.Kind, "subject", t.Subject, "body", t.Body); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM organizations WHERE id = ?", t.OrgID).Scan(&one); err != nil {
			return orNotFound(err, "organization")
		}
		t.UpdatedAt = db.now()
		_, err := x.exec(ctx, `INSERT INTO mail_templates (org_id, kind, subject, body, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (org_id, kind) DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_at = excluded.updated_at`,
			t.OrgID, t.Kind, t.Subject, t.Body, t.UpdatedAt)
		return err
	})
}

// DeleteMailTemplate removes the organization's template of kind, so that
// the default applies again. Removing a missing one is not an error.
func (db *DB) DeleteMailTemplate(ctx context.Context, orgID, kind string) error {
	return db.write(ctx, func(x q) error {
		_, err := x.exec(ctx, "DELETE FROM mail_templates WHERE org_id = ? AND kind = ?", orgID, kind)
		return err
	})
}

// RecordClaimToken stores tokenHash (hex SHA-256 of the token mailed with
// the award) as the award's claim token unless the award has one, and
// returns the hash stored: tokenHash, or the one recorded first (a mail
// sent again keeps its first token). Errors: Invalid, NotFound (no such
// award).
func (db *DB) RecordClaimToken(ctx context.Context, awardID, tokenHash string) (string, error) {
	if err := required("award_id", awardID, "token_hash", tokenHash); err != nil {
		return "", err
	}
	var stored string
	err := db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM awards WHERE id = ?", awardID).Scan(&one); err != nil {
			return orNotFound(err, "award")
		}
		if _, err := x.exec(ctx, `INSERT INTO award_claims (award_id, token_hash, created_at) VALUES (?, ?, ?)
			ON CONFLICT (award_id) DO NOTHING`, awardID, tokenHash, db.now()); err != nil {
			return err
		}
		return mapErr(x.row(ctx, "SELECT token_hash FROM award_claims WHERE award_id = ?", awardID).Scan(&stored))
	})
	return stored, err
}

// ClaimTokenAward returns the ID of the award whose claim token (mailed,
// or a claim link staff made) hashes to tokenHash. Errors: NotFound.
func (db *DB) ClaimTokenAward(ctx context.Context, tokenHash string) (string, error) {
	var id string
	err := db.read().row(ctx, "SELECT award_id FROM award_claims WHERE token_hash = ?", tokenHash).Scan(&id)
	if isNoRows(err) {
		// A link staff made (learners.go).
		err = db.read().row(ctx, "SELECT award_id FROM claim_links WHERE token_hash = ?", tokenHash).Scan(&id)
	}
	if err != nil {
		return "", orNotFound(err, "claim")
	}
	return id, nil
}

// ExpiringAward is an active award to an email recipient whose validUntil
// is near, with its achievement's reminder days.
type ExpiringAward struct {
	AwardID      string
	OrgID        string
	CreatedAt    time.Time
	ValidUntil   time.Time
	ReminderDays []int
}

// ExpiringAwards returns up to limit (at most 1000) active awards to email
// recipients whose validUntil lies in (from, to] and whose achievement has
// reminder days, by ID, with IDs above after ("" from the first).
func (db *DB) ExpiringAwards(ctx context.Context, from, to time.Time, after string, limit int) ([]ExpiringAward, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := db.read().query(ctx, `SELECT a.id, a.org_id, a.created_at, a.valid_until, c.reminder_days
		FROM awards a JOIN achievements c ON c.id = a.achievement_id
		WHERE a.state = 'active' AND a.recipient_type = 'email' AND a.valid_until > ? AND a.valid_until <= ?
		AND c.reminder_days <> '[]' AND a.id > ? ORDER BY a.id LIMIT ?`, from, to, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ExpiringAward
	for rows.Next() {
		var e ExpiringAward
		if err := rows.Scan(&e.AwardID, &e.OrgID, timeCol{&e.CreatedAt}, timeCol{&e.ValidUntil}, jsonCol{&e.ReminderDays}); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}
