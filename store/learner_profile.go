package store

import (
	"context"
	"time"

	"github.com/cairn-badges/cairn"
)

// This file keeps what a learner's public portfolio needs (package
// wallet): the profile (handle, whether it is public, what it shares),
// the learner's choice for each credential, and the did:key the wallet
// holds for the learner to sign the portfolio's presentation with.

// LearnerProfile is a learner's portfolio settings. Handle is lower case
// and unique among learners.
type LearnerProfile struct {
	LearnerID string
	Handle    string
	Public    bool // the portfolio page and its presentation are served
	ShareAll  bool // every credential is shown, else only those marked public
	Headline  string
	Bio       string
	UpdatedAt time.Time
}

// LearnerKey is the signing key the wallet holds for a learner: a did:key
// (Ed25519) whose private JWK is sealed by the keyring.
type LearnerKey struct {
	LearnerID     string
	DID           string
	PublicJWK     []byte
	PrivateSealed []byte
	CreatedAt     time.Time
}

func init() {
	for k, v := range map[string]conflictInfo{
		"learner_profiles.handle":     {"handle", "this handle is taken; choose another"},
		"learner_profiles_handle_key": {"handle", "this handle is taken; choose another"},
	} {
		conflicts[k] = v
	}
}

const learnerProfileColumns = "learner_id, handle, public, share_all, headline, bio, updated_at"

func scanLearnerProfile(s scanner) (*LearnerProfile, error) {
	var p LearnerProfile
	err := s.Scan(&p.LearnerID, &p.Handle, &p.Public, &p.ShareAll, &p.Headline, &p.Bio, timeCol{&p.UpdatedAt})
	return &p, err
}

// LearnerProfile returns the learner's portfolio settings. Errors:
// NotFound (the learner never set them).
func (db *DB) LearnerProfile(ctx context.Context, learnerID string) (*LearnerProfile, error) {
	p, err := scanLearnerProfile(db.read().row(ctx, "SELECT "+learnerProfileColumns+" FROM learner_profiles WHERE learner_id = ?", learnerID))
	return p, orNotFound(err, "profile")
}

// LearnerProfileByHandle returns the portfolio settings with the handle
// (public or not: the caller decides what to show). Errors: NotFound.
func (db *DB) LearnerProfileByHandle(ctx context.Context, handle string) (*LearnerProfile, error) {
	p, err := scanLearnerProfile(db.read().row(ctx, "SELECT "+learnerProfileColumns+" FROM learner_profiles WHERE handle = ?", handle))
	return p, orNotFound(err, "portfolio")
}

// PutLearnerProfile creates or replaces the learner's portfolio settings
// and sets p.UpdatedAt. Errors: Invalid, NotFound (no such learner),
// Conflict (handle taken).
func (db *DB) PutLearnerProfile(ctx context.Context, p *LearnerProfile) error {
	if err := required("learner_id", p.LearnerID, "handle", p.Handle); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM learners WHERE id = ?", p.LearnerID).Scan(&one); err != nil {
			return orNotFound(err, "learner")
		}
		p.UpdatedAt = db.now()
		_, err := x.exec(ctx, `INSERT INTO learner_profiles (`+learnerProfileColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (learner_id) DO UPDATE SET handle = excluded.handle, public = excluded.public, share_all = excluded.share_all,
			headline = excluded.headline, bio = excluded.bio, updated_at = excluded.updated_at`,
			p.LearnerID, p.Handle, p.Public, p.ShareAll, p.Headline, p.Bio, p.UpdatedAt)
		return err
	})
}

// CredentialVisibility returns the learner's choices: credential id →
// public. Credentials without a choice are absent.
func (db *DB) CredentialVisibility(ctx context.Context, learnerID string) (map[string]bool, error) {
	rows, err := db.read().query(ctx, "SELECT credential_id, public FROM learner_credential_visibility WHERE learner_id = ?", learnerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		var pub bool
		if err := rows.Scan(&id, &pub); err != nil {
			return nil, mapErr(err)
		}
		out[id] = pub
	}
	return out, mapErr(rows.Err())
}

// SetCredentialVisibility records whether the learner shows one credential
// of their wallet on their portfolio. The caller checked that the
// credential is the learner's. Errors: Invalid, NotFound (no such learner).
func (db *DB) SetCredentialVisibility(ctx context.Context, learnerID, credentialID string, public bool) error {
	if err := required("learner_id", learnerID, "credential_id", credentialID); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM learners WHERE id = ?", learnerID).Scan(&one); err != nil {
			return orNotFound(err, "learner")
		}
		_, err := x.exec(ctx, `INSERT INTO learner_credential_visibility (learner_id, credential_id, public, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (learner_id, credential_id) DO UPDATE SET public = excluded.public, updated_at = excluded.updated_at`,
			learnerID, credentialID, public, db.now())
		return err
	})
}

const learnerKeyColumns = "learner_id, did, public_jwk, private_sealed, created_at"

func scanLearnerKey(s scanner) (*LearnerKey, error) {
	var k LearnerKey
	err := s.Scan(&k.LearnerID, &k.DID, bytesCol{&k.PublicJWK}, bytesCol{&k.PrivateSealed}, timeCol{&k.CreatedAt})
	return &k, err
}

// LearnerKey returns the key the wallet holds for the learner. Errors:
// NotFound (none made yet).
func (db *DB) LearnerKey(ctx context.Context, learnerID string) (*LearnerKey, error) {
	k, err := scanLearnerKey(db.read().row(ctx, "SELECT "+learnerKeyColumns+" FROM learner_keys WHERE learner_id = ?", learnerID))
	return k, orNotFound(err, "learner key")
}

// CreateLearnerKey stores k as the learner's key unless they have one
// already, and returns the key the learner has (k, or the one another
// request stored first). Errors: Invalid, NotFound (no such learner).
func (db *DB) CreateLearnerKey(ctx context.Context, k *LearnerKey) (*LearnerKey, error) {
	if err := required("learner_id", k.LearnerID, "did", k.DID); err != nil {
		return nil, err
	}
	if len(k.PrivateSealed) == 0 || len(k.PublicJWK) == 0 {
		return nil, cairn.Invalidf("private_sealed", "is required")
	}
	var out *LearnerKey
	err := db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM learners WHERE id = ?", k.LearnerID).Scan(&one); err != nil {
			return orNotFound(err, "learner")
		}
		if _, err := x.exec(ctx, "INSERT INTO learner_keys ("+learnerKeyColumns+") VALUES (?, ?, ?, ?, ?) ON CONFLICT (learner_id) DO NOTHING",
			k.LearnerID, k.DID, k.PublicJWK, k.PrivateSealed, db.now()); err != nil {
			return err
		}
		var err error
		out, err = scanLearnerKey(x.row(ctx, "SELECT "+learnerKeyColumns+" FROM learner_keys WHERE learner_id = ?", k.LearnerID))
		return mapErr(err)
	})
	return out, err
}
