package store

import (
	"context"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
)

// This file keeps learner accounts (package wallet): the learners, their
// email addresses and DIDs with their verification, their sessions and API
// tokens, and the awards they claimed. Learners are global: no method here
// takes an organization, and no organization-scoped method reads these
// tables except through AwardClaims (claimed or not, never by whom).

// Learner is a person with a wallet. Email is the sign-in address, lower
// case; it is also one of the learner's LearnerEmails.
type Learner struct {
	ID           string
	Email        string
	Name         string
	PasswordHash string
	CreatedAt    time.Time
}

// LearnerEmail is one address of a learner; VerifiedAt is nil until the
// link mailed to it was opened.
type LearnerEmail struct {
	LearnerID  string
	Email      string
	VerifiedAt *time.Time
	SentAt     *time.Time // when the last verification link was made
	CreatedAt  time.Time
}

// LearnerDID is one DID of a learner; VerifiedAt is nil until the learner
// signed its challenge.
type LearnerDID struct {
	LearnerID          string
	DID                string
	VerifiedAt         *time.Time
	ChallengeHash      string
	ChallengeExpiresAt *time.Time
	CreatedAt          time.Time
}

// Learner session kinds.
const (
	LearnerWebSession = "web" // a browser's cookie, with a CSRF token
	LearnerAPIToken   = "api" // a bearer token for the learner API
)

// LearnerSession is a signed-in browser or an API token of a learner.
type LearnerSession struct {
	ID        string
	TokenHash string // hex SHA-256 of the token
	LearnerID string
	Kind      string // LearnerWebSession or LearnerAPIToken
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// LearnerAward is an award a learner claimed.
type LearnerAward struct {
	Award     *cairn.Award
	ClaimedAt time.Time
}

var learnerConflicts = map[string]conflictInfo{
	"learners.email":                                  {"email", "a wallet with this email already exists; sign in instead"},
	"learners_email_key":                              {"email", "a wallet with this email already exists; sign in instead"},
	"learner_emails.email":                            {"email", "this address is verified in another wallet"},
	"learner_emails_verified":                         {"email", "this address is verified in another wallet"},
	"learner_emails.learner_id, learner_emails.email": {"email", "this address is in the wallet already"},
	"learner_emails_pkey":                             {"email", "this address is in the wallet already"},
	"learner_dids.did":                                {"did", "this DID is verified in another wallet"},
	"learner_dids_verified":                           {"did", "this DID is verified in another wallet"},
	"learner_awards.award_id":                         {"token", "this badge is claimed by another wallet"},
	"learner_awards_pkey":                             {"token", "this badge is claimed by another wallet"},
}

func init() {
	for k, v := range learnerConflicts {
		conflicts[k] = v
	}
}

const learnerColumns = "id, email, name, password_hash, created_at"

func scanLearner(s scanner) (*Learner, error) {
	var l Learner
	err := s.Scan(&l.ID, &l.Email, &l.Name, &l.PasswordHash, timeCol{&l.CreatedAt})
	return &l, err
}

// CreateLearner creates learner l and its sign-in address, unverified,
// with the verification token hash tokenHash valid until expires. An
// account holding the same sign-in address that never verified any address
// and was created before staleBefore is deleted first (someone typed an
// address they do not own; its owner may then sign up). Errors: Invalid,
// Conflict (email).
func (db *DB) CreateLearner(ctx context.Context, l *Learner, tokenHash string, expires, staleBefore time.Time) error {
	if err := required("email", l.Email, "password_hash", l.PasswordHash, "token_hash", tokenHash); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		var oldID string
		var created time.Time
		err := x.row(ctx, "SELECT id, created_at FROM learners WHERE email = ?", l.Email).Scan(&oldID, timeCol{&created})
		switch {
		case err == nil:
			var n int
			if err := x.row(ctx, "SELECT COUNT(*) FROM learner_emails WHERE learner_id = ? AND verified_at IS NOT NULL", oldID).Scan(&n); err != nil {
				return mapErr(err)
			}
			if n > 0 || !created.Before(staleBefore) {
				return &cairn.Error{Kind: cairn.Conflict, Field: "email", Message: learnerConflicts["learners.email"].msg}
			}
			if err := deleteLearner(ctx, x, oldID); err != nil {
				return err
			}
		case !isNoRows(err):
			return mapErr(err)
		}
		if l.ID == "" {
			l.ID = newID()
		}
		l.CreatedAt = db.now()
		if _, err := x.exec(ctx, "INSERT INTO learners ("+learnerColumns+") VALUES (?, ?, ?, ?, ?)",
			l.ID, l.Email, l.Name, l.PasswordHash, l.CreatedAt); err != nil {
			return err
		}
		_, err = x.exec(ctx, `INSERT INTO learner_emails (learner_id, email, token_hash, token_expires_at, sent_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, l.ID, l.Email, tokenHash, norm(expires), l.CreatedAt, l.CreatedAt)
		return err
	})
}

// Learner returns a learner by ID. Errors: NotFound.
func (db *DB) Learner(ctx context.Context, id string) (*Learner, error) {
	l, err := scanLearner(db.read().row(ctx, "SELECT "+learnerColumns+" FROM learners WHERE id = ?", id))
	return l, orNotFound(err, "learner")
}

// LearnerByEmail returns the learner who signs in with email, or else the
// learner who verified it. Errors: NotFound.
func (db *DB) LearnerByEmail(ctx context.Context, email string) (*Learner, error) {
	l, err := scanLearner(db.read().row(ctx, "SELECT "+learnerColumns+" FROM learners WHERE email = ?", email))
	if isNoRows(err) {
		l, err = scanLearner(db.read().row(ctx, `SELECT l.id, l.email, l.name, l.password_hash, l.created_at
			FROM learners l JOIN learner_emails e ON e.learner_id = l.id WHERE e.email = ? AND e.verified_at IS NOT NULL`, email))
	}
	return l, orNotFound(err, "learner")
}

// UpdateLearnerPassword replaces the learner's password hash (a rehash at
// sign-in). Errors: NotFound.
func (db *DB) UpdateLearnerPassword(ctx context.Context, id, hash string) error {
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "UPDATE learners SET password_hash = ? WHERE id = ?", hash, id)
		if err == nil && n == 0 {
			err = notFound("learner")
		}
		return err
	})
}

// DeleteLearner removes the learner and everything kept about them:
// addresses, DIDs, sessions and tokens, and their claims (the awards stay
// with their issuers, unclaimed). Errors: NotFound.
func (db *DB) DeleteLearner(ctx context.Context, id string) error {
	return db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM learners WHERE id = ?", id).Scan(&one); err != nil {
			return orNotFound(err, "learner")
		}
		return deleteLearner(ctx, x, id)
	})
}

func deleteLearner(ctx context.Context, x q, id string) error {
	for _, s := range []string{
		`UPDATE award_claims SET claimed_at = NULL WHERE award_id IN (SELECT award_id FROM learner_awards WHERE learner_id = ?)`,
		"DELETE FROM learner_awards WHERE learner_id = ?",
		"DELETE FROM learner_sessions WHERE learner_id = ?",
		"DELETE FROM learner_emails WHERE learner_id = ?",
		"DELETE FROM learner_dids WHERE learner_id = ?",
		"DELETE FROM learner_profiles WHERE learner_id = ?",
		"DELETE FROM learner_credential_visibility WHERE learner_id = ?",
		"DELETE FROM learner_keys WHERE learner_id = ?",
		"DELETE FROM oauth_tokens WHERE grant_id IN (SELECT id FROM oauth_grants WHERE learner_id = ?)",
		"DELETE FROM oauth_grants WHERE learner_id = ?",
		"DELETE FROM learners WHERE id = ?",
	} {
		if _, err := x.exec(ctx, s, id); err != nil {
			return err
		}
	}
	return nil
}

// Emails

const learnerEmailColumns = "learner_id, email, verified_at, sent_at, created_at"

func scanLearnerEmail(s scanner) (*LearnerEmail, error) {
	var e LearnerEmail
	err := s.Scan(&e.LearnerID, &e.Email, nullTimeCol{&e.VerifiedAt}, nullTimeCol{&e.SentAt}, timeCol{&e.CreatedAt})
	return &e, err
}

// LearnerEmails returns the learner's addresses, sign-in address first,
// then by when they were added.
func (db *DB) LearnerEmails(ctx context.Context, learnerID string) ([]*LearnerEmail, error) {
	rows, err := db.read().query(ctx, `SELECT e.learner_id, e.email, e.verified_at, e.sent_at, e.created_at
		FROM learner_emails e JOIN learners l ON l.id = e.learner_id WHERE e.learner_id = ?
		ORDER BY CASE WHEN e.email = l.email THEN 0 ELSE 1 END, e.created_at, e.email`, learnerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*LearnerEmail
	for rows.Next() {
		e, err := scanLearnerEmail(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// VerifiedLearnerEmails returns the learner's verified addresses.
func (db *DB) VerifiedLearnerEmails(ctx context.Context, learnerID string) ([]string, error) {
	return db.strings(ctx, "SELECT email FROM learner_emails WHERE learner_id = ? AND verified_at IS NOT NULL ORDER BY email", learnerID)
}

// VerifiedLearnerDIDs returns the learner's verified DIDs.
func (db *DB) VerifiedLearnerDIDs(ctx context.Context, learnerID string) ([]string, error) {
	return db.strings(ctx, "SELECT did FROM learner_dids WHERE learner_id = ? AND verified_at IS NOT NULL ORDER BY did", learnerID)
}

func (db *DB) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := db.read().query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, s)
	}
	return out, mapErr(rows.Err())
}

// AddLearnerEmail adds an unverified address to the learner, with the
// verification token hash tokenHash valid until expires. Errors: Invalid,
// NotFound (no such learner), Conflict (the learner has it already, or
// another learner verified it).
func (db *DB) AddLearnerEmail(ctx context.Context, learnerID, email, tokenHash string, expires time.Time) error {
	if err := required("email", email, "token_hash", tokenHash); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM learners WHERE id = ?", learnerID).Scan(&one); err != nil {
			return orNotFound(err, "learner")
		}
		if err := x.row(ctx, "SELECT 1 FROM learner_emails WHERE email = ? AND verified_at IS NOT NULL AND learner_id <> ?", email, learnerID).Scan(&one); err == nil {
			return &cairn.Error{Kind: cairn.Conflict, Field: "email", Message: learnerConflicts["learner_emails.email"].msg}
		} else if !isNoRows(err) {
			return mapErr(err)
		}
		now := db.now()
		_, err := x.exec(ctx, `INSERT INTO learner_emails (learner_id, email, token_hash, token_expires_at, sent_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, learnerID, email, tokenHash, norm(expires), now, now)
		return err
	})
}

// RenewLearnerEmailToken replaces the verification token of the learner's
// unverified address. Errors: NotFound, Conflict (verified already).
func (db *DB) RenewLearnerEmailToken(ctx context.Context, learnerID, email, tokenHash string, expires time.Time) error {
	return db.write(ctx, func(x q) error {
		var verified *time.Time
		if err := x.row(ctx, "SELECT verified_at FROM learner_emails WHERE learner_id = ? AND email = ?", learnerID, email).
			Scan(nullTimeCol{&verified}); err != nil {
			return orNotFound(err, "email address")
		}
		if verified != nil {
			return &cairn.Error{Kind: cairn.Conflict, Field: "email", Message: "this address is verified already"}
		}
		_, err := x.exec(ctx, "UPDATE learner_emails SET token_hash = ?, token_expires_at = ?, sent_at = ? WHERE learner_id = ? AND email = ?",
			tokenHash, norm(expires), db.now(), learnerID, email)
		return err
	})
}

// VerifyLearnerEmail marks verified the address whose unexpired
// verification token hashes to tokenHash, and returns its learner and
// address. Errors: NotFound (unknown or expired token), Conflict (another
// learner verified the address meanwhile).
func (db *DB) VerifyLearnerEmail(ctx context.Context, tokenHash string) (learnerID, email string, err error) {
	err = db.write(ctx, func(x q) error {
		var expires time.Time
		if err := x.row(ctx, "SELECT learner_id, email, token_expires_at FROM learner_emails WHERE token_hash = ? AND verified_at IS NULL", tokenHash).
			Scan(&learnerID, &email, timeCol{&expires}); err != nil {
			return orNotFound(err, "verification link")
		}
		now := db.now()
		if !now.Before(expires) {
			return cairn.Errorf(cairn.NotFound, "the verification link has expired; ask for a new one from your wallet")
		}
		var one int
		if err := x.row(ctx, "SELECT 1 FROM learner_emails WHERE email = ? AND verified_at IS NOT NULL", email).Scan(&one); err == nil {
			return &cairn.Error{Kind: cairn.Conflict, Field: "email", Message: learnerConflicts["learner_emails.email"].msg}
		} else if !isNoRows(err) {
			return mapErr(err)
		}
		_, err := x.exec(ctx, "UPDATE learner_emails SET verified_at = ?, token_hash = NULL, token_expires_at = NULL WHERE learner_id = ? AND email = ?",
			now, learnerID, email)
		return err
	})
	return learnerID, email, err
}

// RemoveLearnerEmail removes an address that is not the sign-in address.
// Errors: NotFound, Conflict (the sign-in address).
func (db *DB) RemoveLearnerEmail(ctx context.Context, learnerID, email string) error {
	return db.write(ctx, func(x q) error {
		var signIn string
		if err := x.row(ctx, "SELECT email FROM learners WHERE id = ?", learnerID).Scan(&signIn); err != nil {
			return orNotFound(err, "learner")
		}
		if signIn == email {
			return &cairn.Error{Kind: cairn.Conflict, Field: "email", Message: "this is the address you sign in with; it cannot be removed"}
		}
		n, err := x.execN(ctx, "DELETE FROM learner_emails WHERE learner_id = ? AND email = ?", learnerID, email)
		if err == nil && n == 0 {
			err = notFound("email address")
		}
		return err
	})
}

// DIDs

// LearnerDIDs returns the learner's DIDs, by when they were added.
func (db *DB) LearnerDIDs(ctx context.Context, learnerID string) ([]*LearnerDID, error) {
	rows, err := db.read().query(ctx, `SELECT learner_id, did, verified_at, COALESCE(challenge_hash, ''), challenge_expires_at, created_at
		FROM learner_dids WHERE learner_id = ? ORDER BY created_at, did`, learnerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*LearnerDID
	for rows.Next() {
		var d LearnerDID
		if err := rows.Scan(&d.LearnerID, &d.DID, nullTimeCol{&d.VerifiedAt}, &d.ChallengeHash, nullTimeCol{&d.ChallengeExpiresAt}, timeCol{&d.CreatedAt}); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, &d)
	}
	return out, mapErr(rows.Err())
}

// PutLearnerDIDChallenge adds the DID to the learner unverified (or keeps
// it so) with a new challenge hash valid until expires. Errors: NotFound
// (no such learner), Conflict (verified already, here or in another
// wallet).
func (db *DB) PutLearnerDIDChallenge(ctx context.Context, learnerID, did, challengeHash string, expires time.Time) error {
	return db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM learners WHERE id = ?", learnerID).Scan(&one); err != nil {
			return orNotFound(err, "learner")
		}
		var owner string
		if err := x.row(ctx, "SELECT learner_id FROM learner_dids WHERE did = ? AND verified_at IS NOT NULL", did).Scan(&owner); err == nil {
			msg := learnerConflicts["learner_dids.did"].msg
			if owner == learnerID {
				msg = "this DID is verified in your wallet already"
			}
			return &cairn.Error{Kind: cairn.Conflict, Field: "did", Message: msg}
		} else if !isNoRows(err) {
			return mapErr(err)
		}
		now := db.now()
		_, err := x.exec(ctx, `INSERT INTO learner_dids (learner_id, did, challenge_hash, challenge_expires_at, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (learner_id, did) DO UPDATE SET challenge_hash = excluded.challenge_hash, challenge_expires_at = excluded.challenge_expires_at`,
			learnerID, did, challengeHash, norm(expires), now)
		return err
	})
}

// VerifyLearnerDID marks the learner's DID verified when challengeHash is
// its unexpired challenge. Errors: NotFound (no such DID or challenge, or
// it expired), Conflict (verified in another wallet meanwhile).
func (db *DB) VerifyLearnerDID(ctx context.Context, learnerID, did, challengeHash string) error {
	return db.write(ctx, func(x q) error {
		var hash string
		var expires *time.Time
		if err := x.row(ctx, "SELECT COALESCE(challenge_hash, ''), challenge_expires_at FROM learner_dids WHERE learner_id = ? AND did = ? AND verified_at IS NULL",
			learnerID, did).Scan(&hash, nullTimeCol{&expires}); err != nil {
			return &cairn.Error{Kind: cairn.NotFound, Field: "did", Message: "no challenge is pending for this DID; ask for one first"}
		}
		now := db.now()
		if hash == "" || hash != challengeHash || expires == nil || !now.Before(*expires) {
			return &cairn.Error{Kind: cairn.Invalid, Field: "proof", Message: "the proof does not sign the DID's pending challenge (or the challenge expired: ask for a new one)"}
		}
		var one int
		if err := x.row(ctx, "SELECT 1 FROM learner_dids WHERE did = ? AND verified_at IS NOT NULL", did).Scan(&one); err == nil {
			return &cairn.Error{Kind: cairn.Conflict, Field: "did", Message: learnerConflicts["learner_dids.did"].msg}
		} else if !isNoRows(err) {
			return mapErr(err)
		}
		_, err := x.exec(ctx, "UPDATE learner_dids SET verified_at = ?, challenge_hash = NULL, challenge_expires_at = NULL WHERE learner_id = ? AND did = ?",
			now, learnerID, did)
		return err
	})
}

// RemoveLearnerDID removes a DID of the learner. Errors: NotFound.
func (db *DB) RemoveLearnerDID(ctx context.Context, learnerID, did string) error {
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "DELETE FROM learner_dids WHERE learner_id = ? AND did = ?", learnerID, did)
		if err == nil && n == 0 {
			err = notFound("DID")
		}
		return err
	})
}

// Sessions

// CreateLearnerSession stores s, setting its ID and CreatedAt. Errors:
// Invalid, NotFound (no such learner).
func (db *DB) CreateLearnerSession(ctx context.Context, s *LearnerSession) error {
	if err := required("token_hash", s.TokenHash, "learner_id", s.LearnerID, "csrf_token", s.CSRFToken); err != nil {
		return err
	}
	if s.Kind != LearnerWebSession && s.Kind != LearnerAPIToken {
		return cairn.Invalidf("kind", "must be web or api")
	}
	return db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM learners WHERE id = ?", s.LearnerID).Scan(&one); err != nil {
			return orNotFound(err, "learner")
		}
		if s.ID == "" {
			s.ID = newID()
		}
		s.CreatedAt, s.ExpiresAt = db.now(), norm(s.ExpiresAt)
		_, err := x.exec(ctx, `INSERT INTO learner_sessions (id, token_hash, learner_id, kind, csrf_token, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, s.ID, s.TokenHash, s.LearnerID, s.Kind, s.CSRFToken, s.CreatedAt, s.ExpiresAt)
		return err
	})
}

// LearnerSessionByTokenHash returns the unexpired session or token of kind
// whose token hashes to tokenHash. Errors: NotFound.
func (db *DB) LearnerSessionByTokenHash(ctx context.Context, kind, tokenHash string) (*LearnerSession, error) {
	var s LearnerSession
	err := db.read().prow(ctx, `SELECT id, token_hash, learner_id, kind, csrf_token, created_at, expires_at
		FROM learner_sessions WHERE token_hash = ? AND kind = ? AND expires_at > ?`, tokenHash, kind, db.now()).
		Scan(&s.ID, &s.TokenHash, &s.LearnerID, &s.Kind, &s.CSRFToken, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt})
	if err != nil {
		return nil, orNotFound(err, "session")
	}
	return &s, nil
}

// DeleteLearnerSession ends a session or token. Ending one that is gone is
// not an error.
func (db *DB) DeleteLearnerSession(ctx context.Context, id string) error {
	return db.write(ctx, func(x q) error {
		_, err := x.exec(ctx, "DELETE FROM learner_sessions WHERE id = ?", id)
		return err
	})
}

// DeleteExpiredLearnerSessions removes ended sessions and tokens.
func (db *DB) DeleteExpiredLearnerSessions(ctx context.Context) (int, error) {
	var n int64
	err := db.write(ctx, func(x q) (err error) {
		n, err = x.execN(ctx, "DELETE FROM learner_sessions WHERE expires_at <= ?", db.now())
		return err
	})
	return int(n), err
}

// Claims

// ClaimAward attaches the award to the learner and returns when it was
// claimed and whether by this call (false: the learner had claimed it
// before). The caller checked that the award was addressed to the learner.
// Errors: NotFound (no such learner or award), Conflict (another learner
// claimed it).
func (db *DB) ClaimAward(ctx context.Context, learnerID, awardID string) (time.Time, bool, error) {
	var at time.Time
	var created bool
	err := db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM learners WHERE id = ?", learnerID).Scan(&one); err != nil {
			return orNotFound(err, "learner")
		}
		if err := x.row(ctx, "SELECT 1 FROM awards WHERE id = ?", awardID).Scan(&one); err != nil {
			return orNotFound(err, "award")
		}
		var owner string
		err := x.row(ctx, "SELECT learner_id, claimed_at FROM learner_awards WHERE award_id = ?", awardID).Scan(&owner, timeCol{&at})
		switch {
		case err == nil && owner == learnerID:
			return nil
		case err == nil:
			return &cairn.Error{Kind: cairn.Conflict, Field: "token", Message: learnerConflicts["learner_awards.award_id"].msg}
		case !isNoRows(err):
			return mapErr(err)
		}
		at, created = db.now(), true
		if _, err := x.exec(ctx, "INSERT INTO learner_awards (award_id, learner_id, claimed_at) VALUES (?, ?, ?)", awardID, learnerID, at); err != nil {
			return err
		}
		_, err = x.exec(ctx, "UPDATE award_claims SET claimed_at = ? WHERE award_id = ? AND claimed_at IS NULL", at, awardID)
		return err
	})
	return at, created, err
}

// AwardClaims returns when each of the organization's awards ids that was
// claimed was claimed (awards not claimed, or of other organizations, are
// absent). It says nothing about who claimed them.
func (db *DB) AwardClaims(ctx context.Context, orgID string, ids []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		args := []any{orgID}
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := db.read().query(ctx, `SELECT c.award_id, c.claimed_at FROM learner_awards c JOIN awards a ON a.id = c.award_id
			WHERE a.org_id = ? AND c.award_id IN (?`+strings.Repeat(", ?", len(chunk)-1)+")", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var at time.Time
			if err := rows.Scan(&id, timeCol{&at}); err != nil {
				rows.Close()
				return nil, mapErr(err)
			}
			out[id] = at
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, mapErr(err)
		}
	}
	return out, nil
}

// ClaimedAwards returns the awards the learner claimed, newest claim
// first, up to limit (at most 1000).
func (db *DB) ClaimedAwards(ctx context.Context, learnerID string, limit int) ([]LearnerAward, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := db.read().query(ctx, "SELECT c.claimed_at, "+prefixed("a.", awardColumns)+
		" FROM learner_awards c JOIN awards a ON a.id = c.award_id WHERE c.learner_id = ? ORDER BY c.claimed_at DESC, c.award_id LIMIT ?", learnerID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LearnerAward
	for rows.Next() {
		var la LearnerAward
		aw, err := scanAward(prependScan{rows, timeCol{&la.ClaimedAt}})
		if err != nil {
			return nil, mapErr(err)
		}
		la.Award = aw
		out = append(out, la)
	}
	return out, mapErr(rows.Err())
}

// ClaimedAward returns one award the learner claimed. Errors: NotFound
// (no such award, or not claimed by this learner).
func (db *DB) ClaimedAward(ctx context.Context, learnerID, awardID string) (*LearnerAward, error) {
	var la LearnerAward
	aw, err := scanAward(prependScan{db.read().row(ctx, "SELECT c.claimed_at, "+prefixed("a.", awardColumns)+
		" FROM learner_awards c JOIN awards a ON a.id = c.award_id WHERE c.learner_id = ? AND c.award_id = ?", learnerID, awardID),
		timeCol{&la.ClaimedAt}})
	if err != nil {
		return nil, orNotFound(err, "credential")
	}
	la.Award = aw
	return &la, nil
}

// prependScan scans a first column into first, the rest with the wrapped
// scanner's caller.
type prependScan struct {
	s     scanner
	first any
}

func (p prependScan) Scan(dest ...any) error {
	return p.s.Scan(append([]any{p.first}, dest...)...)
}

// prefixed qualifies each of the comma-separated columns with p.
func prefixed(p, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// CreateClaimLink stores another claim token hash for the award (a link
// staff copy), besides the one its mail carries. Errors: Invalid, NotFound
// (no such award in the organization).
func (db *DB) CreateClaimLink(ctx context.Context, orgID, awardID, tokenHash string) error {
	if err := required("award_id", awardID, "token_hash", tokenHash); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM awards WHERE id = ? AND org_id = ?", awardID, orgID).Scan(&one); err != nil {
			return orNotFound(err, "award")
		}
		_, err := x.exec(ctx, "INSERT INTO claim_links (token_hash, award_id, created_at) VALUES (?, ?, ?)", tokenHash, awardID, db.now())
		return err
	})
}
