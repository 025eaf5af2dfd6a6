package store

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
)

// This file keeps the credentials learners imported into their wallets
// (package wallet): from other platforms, as JSON, a VC-JWT, a baked image
// or a URL. Like the rest of the wallet they belong to a learner, not to
// an organization.

// LearnerImport is a credential a learner imported, with what it says for
// display and its latest verification.
type LearnerImport struct {
	ID        string
	LearnerID string
	// Digest is the hex SHA-256 of Credential: one row per credential and
	// learner.
	Digest string
	// Format is what the credential is: "ob3", "clr", "vc" or "ob2".
	Format string
	// SourceURL is where it was fetched from ("" for an upload).
	SourceURL string
	// Credential is the credential as received: its JSON, or the compact
	// JWS of a VC-JWT. Nil in lists that leave it out.
	Credential []byte
	// Original is the baked PNG or SVG the credential came in, with its
	// media type; nil when it came as JSON or a JWT (and in lists).
	Original     []byte
	OriginalType string
	// What the credential says (not vouched for unless Result is
	// "verified").
	CredentialID string
	Name         string
	Description  string
	IssuerID     string
	IssuerName   string
	IssuedAt     *time.Time
	ValidUntil   *time.Time
	Skills       []string // the names of its alignments
	// Addressed says whether the credential's subject is one of the
	// learner's verified identities: "you", "other" or "" (it names none
	// the wallet can compare); AddressedTo is what it names, for display.
	Addressed   string
	AddressedTo string
	// Image is the badge image to show (a PNG as received, or a sanitized
	// SVG) with its media type; nil in lists, and when it has none.
	Image     []byte
	ImageType string
	HasImage  bool // Image is stored (set in lists too)
	// The latest verification: its result ("verified", "failed",
	// "indeterminate"), the verifier's JSON report, and when.
	Result      string
	Report      []byte
	CheckedAt   time.Time
	NextCheckAt time.Time
	CreatedAt   time.Time
}

const learnerImportListColumns = `id, learner_id, digest, format, source_url, original_type, credential_id, name, description,
	issuer_id, issuer_name, issued_at, valid_until, skills, addressed, addressed_to, image_type, image IS NOT NULL, result, report,
	checked_at, next_check_at, created_at`

func scanLearnerImport(s scanner, extra ...any) (*LearnerImport, error) {
	var li LearnerImport
	var skills string
	dest := []any{&li.ID, &li.LearnerID, &li.Digest, &li.Format, &li.SourceURL, &li.OriginalType, &li.CredentialID, &li.Name,
		&li.Description, &li.IssuerID, &li.IssuerName, nullTimeCol{&li.IssuedAt}, nullTimeCol{&li.ValidUntil}, &skills,
		&li.Addressed, &li.AddressedTo, &li.ImageType, &li.HasImage, &li.Result, &li.Report, timeCol{&li.CheckedAt}, timeCol{&li.NextCheckAt}, timeCol{&li.CreatedAt}}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(skills), &li.Skills); err != nil {
		return nil, fmt.Errorf("store: learner import %s: skills: %w", li.ID, err)
	}
	return &li, nil
}

// CreateLearnerImport stores li for its learner, setting its ID and
// CreatedAt, unless the learner has imported the same credential (same
// Digest) before: then it returns that one (without its image and
// original) and false. A learner holds at most max imports. Errors:
// Invalid, NotFound (no such learner), Conflict (max reached).
func (db *DB) CreateLearnerImport(ctx context.Context, li *LearnerImport, max int) (*LearnerImport, bool, error) {
	if err := required("learner_id", li.LearnerID, "digest", li.Digest, "format", li.Format, "result", li.Result); err != nil {
		return nil, false, err
	}
	if len(li.Credential) == 0 || len(li.Report) == 0 {
		return nil, false, cairn.Invalidf("credential", "is required")
	}
	skills, err := json.Marshal(append([]string{}, li.Skills...))
	if err != nil {
		return nil, false, err
	}
	var out *LearnerImport
	created := false
	err = db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM learners WHERE id = ?", li.LearnerID).Scan(&one); err != nil {
			return orNotFound(err, "learner")
		}
		old, err := scanLearnerImport(x.row(ctx, "SELECT "+learnerImportListColumns+", credential FROM learner_imports WHERE learner_id = ? AND digest = ?",
			li.LearnerID, li.Digest), new([]byte))
		if err == nil {
			out = old
			return nil
		}
		if !isNoRows(err) {
			return mapErr(err)
		}
		var n int
		if err := x.row(ctx, "SELECT COUNT(*) FROM learner_imports WHERE learner_id = ?", li.LearnerID).Scan(&n); err != nil {
			return mapErr(err)
		}
		if n >= max {
			return &cairn.Error{Kind: cairn.Conflict, Field: "credential",
				Message: fmt.Sprintf("a wallet holds at most %d imported credentials; delete some first", max)}
		}
		c := *li
		if c.ID == "" {
			c.ID = newID()
		}
		c.CreatedAt = db.now()
		c.CheckedAt, c.NextCheckAt = norm(c.CheckedAt), norm(c.NextCheckAt)
		c.IssuedAt, c.ValidUntil = normp(c.IssuedAt), normp(c.ValidUntil)
		c.HasImage = c.Image != nil
		if _, err := x.exec(ctx, `INSERT INTO learner_imports (id, learner_id, digest, format, source_url, credential, original, original_type,
			credential_id, name, description, issuer_id, issuer_name, issued_at, valid_until, skills, addressed, addressed_to, image, image_type,
			result, report, checked_at, next_check_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.LearnerID, c.Digest, c.Format, c.SourceURL, c.Credential, nilIfEmpty(c.Original), c.OriginalType,
			c.CredentialID, c.Name, c.Description, c.IssuerID, c.IssuerName, c.IssuedAt, c.ValidUntil, string(skills),
			c.Addressed, c.AddressedTo, nilIfEmpty(c.Image), c.ImageType, c.Result, c.Report, c.CheckedAt, c.NextCheckAt, c.CreatedAt); err != nil {
			return err
		}
		out, created = &c, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

func nilIfEmpty(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// LearnerImports returns the learner's imports, newest first, without
// their images and originals, and without their credentials unless
// withCredential.
func (db *DB) LearnerImports(ctx context.Context, learnerID string, withCredential bool) ([]*LearnerImport, error) {
	cred := "NULL"
	if withCredential {
		cred = "credential"
	}
	rows, err := db.read().query(ctx, "SELECT "+learnerImportListColumns+", "+cred+
		" FROM learner_imports WHERE learner_id = ? ORDER BY created_at DESC, id", learnerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*LearnerImport
	for rows.Next() {
		var c []byte
		li, err := scanLearnerImport(rows, &c)
		if err != nil {
			return nil, mapErr(err)
		}
		li.Credential = c
		out = append(out, li)
	}
	return out, mapErr(rows.Err())
}

// LearnerImport returns one import of the learner with its credential and
// original (not its image: LearnerImportImage). Errors: NotFound (no such
// import, or another learner's).
func (db *DB) LearnerImport(ctx context.Context, learnerID, id string) (*LearnerImport, error) {
	var c, orig []byte
	li, err := scanLearnerImport(db.read().row(ctx, "SELECT "+learnerImportListColumns+", credential, original FROM learner_imports WHERE learner_id = ? AND id = ?",
		learnerID, id), &c, &orig)
	if err != nil {
		return nil, orNotFound(mapErr(err), "credential")
	}
	li.Credential, li.Original = c, orig
	return li, nil
}

// LearnerImportImage returns the badge image of one import of the learner
// and its media type. Errors: NotFound (no such import, or it has no
// image).
func (db *DB) LearnerImportImage(ctx context.Context, learnerID, id string) ([]byte, string, error) {
	var data []byte
	var ctype string
	err := db.read().row(ctx, "SELECT image, image_type FROM learner_imports WHERE learner_id = ? AND id = ?", learnerID, id).Scan(&data, &ctype)
	if err != nil {
		return nil, "", orNotFound(mapErr(err), "credential")
	}
	if data == nil {
		return nil, "", cairn.Errorf(cairn.NotFound, "this credential has no image")
	}
	return data, ctype, nil
}

// DeleteLearnerImport removes one import of the learner. Errors: NotFound.
func (db *DB) DeleteLearnerImport(ctx context.Context, learnerID, id string) error {
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "DELETE FROM learner_imports WHERE learner_id = ? AND id = ?", learnerID, id)
		if err == nil && n == 0 {
			err = notFound("credential")
		}
		return err
	})
}

// UpdateLearnerImportCheck records a verification of an import: its result
// and report, when it ran, and when the next is due. Errors: NotFound (it
// was deleted meanwhile).
func (db *DB) UpdateLearnerImportCheck(ctx context.Context, id, result string, report []byte, checkedAt, next time.Time) error {
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "UPDATE learner_imports SET result = ?, report = ?, checked_at = ?, next_check_at = ? WHERE id = ?",
			result, report, norm(checkedAt), norm(next), id)
		if err == nil && n == 0 {
			err = notFound("credential")
		}
		return err
	})
}

// DueLearnerImports returns up to limit imports (of any learner) whose next
// check is due at now, the longest due first, with their credentials and
// originals, without images.
func (db *DB) DueLearnerImports(ctx context.Context, now time.Time, limit int) ([]*LearnerImport, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := db.read().query(ctx, "SELECT "+learnerImportListColumns+", credential, original FROM learner_imports WHERE next_check_at <= ? ORDER BY next_check_at, id LIMIT ?",
		norm(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*LearnerImport
	for rows.Next() {
		var c, orig []byte
		li, err := scanLearnerImport(rows, &c, &orig)
		if err != nil {
			return nil, mapErr(err)
		}
		li.Credential, li.Original = c, orig
		out = append(out, li)
	}
	return out, mapErr(rows.Err())
}

// LeaseLearnerImportCheck moves the next check of an import from due to
// until, if it is still due: a background check takes it so, and reports
// false when another took it first.
func (db *DB) LeaseLearnerImportCheck(ctx context.Context, id string, due, until time.Time) (bool, error) {
	var n int64
	err := db.write(ctx, func(x q) (err error) {
		n, err = x.execN(ctx, "UPDATE learner_imports SET next_check_at = ? WHERE id = ? AND next_check_at = ?", norm(until), id, norm(due))
		return err
	})
	return n == 1, err
}

// sameCredentialID compares issuer or credential IDs as the OB 3.0
// credential equality algorithm does: after trimming white space and
// unescaping percent-encoded characters.
func sameCredentialID(a, b string) bool {
	norm := func(s string) string {
		s = strings.TrimSpace(s)
		if u, err := url.PathUnescape(s); err == nil {
			return u
		}
		return s
	}
	return a != "" && b != "" && norm(a) == norm(b)
}

// UpsertLearnerImport stores li for its learner as CreateLearnerImport
// does, unless the learner holds the same credential already: the same
// bytes (Digest), or, by the OB 3.0 credential equality algorithm
// (https://www.imsglobal.org/spec/ob/v3p0/#credential-equality-and-comparison-algorithm),
// one with the same issuer and credential IDs. That one is replaced by li
// (keeping its ID, creation time and visibility) unless it was issued
// later than li, and true is returned. Errors: as CreateLearnerImport.
func (db *DB) UpsertLearnerImport(ctx context.Context, li *LearnerImport, max int) (*LearnerImport, bool, error) {
	if err := required("learner_id", li.LearnerID, "digest", li.Digest, "format", li.Format, "result", li.Result); err != nil {
		return nil, false, err
	}
	var match string
	var matchIssued *time.Time
	err := db.readTx(ctx, func(x q) error {
		rows, err := x.query(ctx, `SELECT id, digest, issuer_id, credential_id, issued_at FROM learner_imports
			WHERE learner_id = ? AND (digest = ? OR credential_id <> '') ORDER BY created_at, id`, li.LearnerID, li.Digest)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, dg, iss, cid string
			var issued *time.Time
			if err := rows.Scan(&id, &dg, &iss, &cid, nullTimeCol{&issued}); err != nil {
				return err
			}
			if dg == li.Digest {
				match, matchIssued = id, nil
				return nil
			}
			if match == "" && sameCredentialID(iss, li.IssuerID) && sameCredentialID(cid, li.CredentialID) {
				match, matchIssued = id, issued
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, false, mapErr(err)
	}
	if match == "" {
		out, _, err := db.CreateLearnerImport(ctx, li, max)
		return out, false, err
	}
	old, err := db.LearnerImport(ctx, li.LearnerID, match)
	if err != nil {
		return nil, false, err
	}
	if old.Digest == li.Digest || matchIssued != nil && li.IssuedAt != nil && li.IssuedAt.Before(*matchIssued) {
		return old, true, nil // the same, or the one held is newer: kept
	}
	skills, err := json.Marshal(append([]string{}, li.Skills...))
	if err != nil {
		return nil, false, err
	}
	c := *li
	c.ID, c.CreatedAt = old.ID, old.CreatedAt
	c.CheckedAt, c.NextCheckAt = norm(c.CheckedAt), norm(c.NextCheckAt)
	c.IssuedAt, c.ValidUntil = normp(c.IssuedAt), normp(c.ValidUntil)
	c.HasImage = c.Image != nil
	err = db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, `UPDATE learner_imports SET digest = ?, format = ?, source_url = ?, credential = ?, original = ?, original_type = ?,
			credential_id = ?, name = ?, description = ?, issuer_id = ?, issuer_name = ?, issued_at = ?, valid_until = ?, skills = ?,
			addressed = ?, addressed_to = ?, image = ?, image_type = ?, result = ?, report = ?, checked_at = ?, next_check_at = ?
			WHERE id = ? AND learner_id = ?`,
			c.Digest, c.Format, c.SourceURL, c.Credential, nilIfEmpty(c.Original), c.OriginalType, c.CredentialID, c.Name, c.Description,
			c.IssuerID, c.IssuerName, c.IssuedAt, c.ValidUntil, string(skills), c.Addressed, c.AddressedTo, nilIfEmpty(c.Image),
			c.ImageType, c.Result, c.Report, c.CheckedAt, c.NextCheckAt, c.ID, c.LearnerID)
		if err == nil && n == 0 {
			err = notFound("credential")
		}
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return &c, true, nil
}
