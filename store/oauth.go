package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
)

// This file keeps the OAuth 2.0 authorization server of the Open Badges
// 3.0 API host (package oauth): registered clients, the grants learners
// made them (connected applications), and the hashed codes and tokens of
// each grant. Like the rest of the wallet they belong to a learner, not
// to an organization.

// OAuth token kinds (OAuthToken.Kind).
const (
	OAuthCode    = "code"
	OAuthAccess  = "access"
	OAuthRefresh = "refresh"
)

// OAuthClient is an application registered by dynamic client
// registration (RFC 7591).
type OAuthClient struct {
	ClientID        string
	SecretHash      string // hex SHA-256 of the client secret
	Name            string
	URI             string
	LogoURI         string
	TOSURI          string
	PolicyURI       string
	SoftwareID      string
	SoftwareVersion string
	RedirectURIs    []string
	Contacts        []string
	Scope           string // space-separated
	CreatedAt       time.Time
}

// OAuthGrant is what a learner allowed one client: a connected
// application.
type OAuthGrant struct {
	ID         string
	LearnerID  string
	ClientID   string
	Scope      string // space-separated
	CreatedAt  time.Time
	UpdatedAt  time.Time
	LastUsedAt *time.Time
	Client     *OAuthClient // set by LearnerOAuthGrants
}

// OAuthToken is an authorization code, access token or refresh token, by
// its hash, with the learner and client of its grant.
type OAuthToken struct {
	Hash          string
	Kind          string // OAuthCode, OAuthAccess or OAuthRefresh
	GrantID       string
	Family        string
	Scope         string
	RedirectURI   string
	CodeChallenge string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	UsedAt        *time.Time
	// Of its grant (read only).
	LearnerID string
	ClientID  string
}

const oauthClientColumns = `client_id, secret_hash, client_name, client_uri, logo_uri, tos_uri, policy_uri, software_id, software_version,
	redirect_uris, contacts, scope, created_at`

func scanOAuthClient(s scanner) (*OAuthClient, error) {
	var c OAuthClient
	var uris, contacts string
	if err := s.Scan(&c.ClientID, &c.SecretHash, &c.Name, &c.URI, &c.LogoURI, &c.TOSURI, &c.PolicyURI, &c.SoftwareID,
		&c.SoftwareVersion, &uris, &contacts, &c.Scope, timeCol{&c.CreatedAt}); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(uris), &c.RedirectURIs); err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "oauth client %s: redirect_uris", c.ClientID)
	}
	if err := json.Unmarshal([]byte(contacts), &c.Contacts); err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "oauth client %s: contacts", c.ClientID)
	}
	return &c, nil
}

// CreateOAuthClient stores a registered client, setting CreatedAt.
// Errors: Invalid.
func (db *DB) CreateOAuthClient(ctx context.Context, c *OAuthClient) error {
	if err := required("client_id", c.ClientID, "secret_hash", c.SecretHash, "client_name", c.Name); err != nil {
		return err
	}
	if len(c.RedirectURIs) == 0 {
		return cairn.Invalidf("redirect_uris", "is required")
	}
	uris, err := json.Marshal(c.RedirectURIs)
	if err != nil {
		return err
	}
	contacts, err := json.Marshal(append([]string{}, c.Contacts...))
	if err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		c.CreatedAt = db.now()
		_, err := x.exec(ctx, `INSERT INTO oauth_clients (`+oauthClientColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ClientID, c.SecretHash, c.Name, c.URI, c.LogoURI, c.TOSURI, c.PolicyURI, c.SoftwareID, c.SoftwareVersion,
			string(uris), string(contacts), c.Scope, c.CreatedAt)
		return err
	})
}

// OAuthClient returns a registered client. Errors: NotFound.
func (db *DB) OAuthClient(ctx context.Context, clientID string) (*OAuthClient, error) {
	c, err := scanOAuthClient(db.read().row(ctx, "SELECT "+oauthClientColumns+" FROM oauth_clients WHERE client_id = ?", clientID))
	if err != nil {
		return nil, orNotFound(mapErr(err), "client")
	}
	return c, nil
}

func mergeScopes(a, b string) string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(strings.Fields(a), strings.Fields(b)...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// PutOAuthGrant records that the learner allowed the client scope: a new
// grant, or the learner's grant to that client with scope added. Errors:
// NotFound (no such learner or client).
func (db *DB) PutOAuthGrant(ctx context.Context, learnerID, clientID, scope string) (*OAuthGrant, error) {
	var g OAuthGrant
	err := db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM learners WHERE id = ?", learnerID).Scan(&one); err != nil {
			return orNotFound(err, "learner")
		}
		if err := x.row(ctx, "SELECT 1 FROM oauth_clients WHERE client_id = ?", clientID).Scan(&one); err != nil {
			return orNotFound(err, "client")
		}
		now := db.now()
		err := x.row(ctx, "SELECT id, scope, created_at FROM oauth_grants WHERE learner_id = ? AND client_id = ?", learnerID, clientID).
			Scan(&g.ID, &g.Scope, timeCol{&g.CreatedAt})
		switch {
		case err == nil:
			g.Scope = mergeScopes(g.Scope, scope)
			_, err = x.exec(ctx, "UPDATE oauth_grants SET scope = ?, updated_at = ? WHERE id = ?", g.Scope, now, g.ID)
		case isNoRows(err):
			g = OAuthGrant{ID: newID(), Scope: mergeScopes("", scope), CreatedAt: now}
			_, err = x.exec(ctx, `INSERT INTO oauth_grants (id, learner_id, client_id, scope, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?)`, g.ID, learnerID, clientID, g.Scope, now, now)
		}
		g.LearnerID, g.ClientID, g.UpdatedAt = learnerID, clientID, now
		return err
	})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// LearnerOAuthGrants returns the learner's grants with their clients, the
// most recently changed first.
func (db *DB) LearnerOAuthGrants(ctx context.Context, learnerID string) ([]*OAuthGrant, error) {
	rows, err := db.read().query(ctx, `SELECT g.id, g.learner_id, g.client_id, g.scope, g.created_at, g.updated_at, g.last_used_at, `+
		prefixed("c.", oauthClientColumns)+` FROM oauth_grants g JOIN oauth_clients c ON c.client_id = g.client_id
		WHERE g.learner_id = ? ORDER BY g.updated_at DESC, g.id`, learnerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*OAuthGrant
	for rows.Next() {
		var g OAuthGrant
		c, err := scanOAuthClient(prependScans{rows, []any{&g.ID, &g.LearnerID, &g.ClientID, &g.Scope, timeCol{&g.CreatedAt},
			timeCol{&g.UpdatedAt}, nullTimeCol{&g.LastUsedAt}}})
		if err != nil {
			return nil, mapErr(err)
		}
		g.Client = c
		out = append(out, &g)
	}
	return out, mapErr(rows.Err())
}

// prependScans scans the first columns into first, the rest with the
// wrapped scanner's caller.
type prependScans struct {
	s     scanner
	first []any
}

func (p prependScans) Scan(dest ...any) error {
	return p.s.Scan(append(append([]any{}, p.first...), dest...)...)
}

// DeleteOAuthGrant removes one grant of the learner, with its codes and
// tokens: the application is disconnected. Errors: NotFound.
func (db *DB) DeleteOAuthGrant(ctx context.Context, learnerID, grantID string) error {
	return db.write(ctx, func(x q) error {
		if _, err := x.exec(ctx, "DELETE FROM oauth_tokens WHERE grant_id IN (SELECT id FROM oauth_grants WHERE id = ? AND learner_id = ?)",
			grantID, learnerID); err != nil {
			return err
		}
		n, err := x.execN(ctx, "DELETE FROM oauth_grants WHERE id = ? AND learner_id = ?", grantID, learnerID)
		if err == nil && n == 0 {
			err = notFound("connected application")
		}
		return err
	})
}

// TouchOAuthGrant records that a grant's token was used at now, at most
// once a minute.
func (db *DB) TouchOAuthGrant(ctx context.Context, grantID string, now time.Time) error {
	now = norm(now)
	return db.write(ctx, func(x q) error {
		_, err := x.exec(ctx, "UPDATE oauth_grants SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
			now, grantID, now.Add(-time.Minute))
		return err
	})
}

// CreateOAuthToken stores a code or token of a grant, setting CreatedAt.
// Errors: Invalid, NotFound (no such grant).
func (db *DB) CreateOAuthToken(ctx context.Context, t *OAuthToken) error {
	if err := required("token_hash", t.Hash, "grant_id", t.GrantID, "family", t.Family); err != nil {
		return err
	}
	if t.Kind != OAuthCode && t.Kind != OAuthAccess && t.Kind != OAuthRefresh {
		return cairn.Invalidf("kind", "must be code, access or refresh")
	}
	return db.write(ctx, func(x q) error {
		if err := x.row(ctx, "SELECT learner_id, client_id FROM oauth_grants WHERE id = ?", t.GrantID).Scan(&t.LearnerID, &t.ClientID); err != nil {
			return orNotFound(err, "grant")
		}
		t.CreatedAt, t.ExpiresAt = db.now(), norm(t.ExpiresAt)
		_, err := x.exec(ctx, `INSERT INTO oauth_tokens (token_hash, kind, grant_id, family, scope, redirect_uri, code_challenge, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.Hash, t.Kind, t.GrantID, t.Family, t.Scope, t.RedirectURI, t.CodeChallenge, t.CreatedAt, t.ExpiresAt)
		return err
	})
}

// OAuthTokenByHash returns the code or token whose hash is hash, expired
// or used ones too (the caller decides). Errors: NotFound.
func (db *DB) OAuthTokenByHash(ctx context.Context, hash string) (*OAuthToken, error) {
	var t OAuthToken
	err := db.read().prow(ctx, `SELECT t.token_hash, t.kind, t.grant_id, t.family, t.scope, t.redirect_uri, t.code_challenge,
		t.created_at, t.expires_at, t.used_at, g.learner_id, g.client_id
		FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id WHERE t.token_hash = ?`, hash).
		Scan(&t.Hash, &t.Kind, &t.GrantID, &t.Family, &t.Scope, &t.RedirectURI, &t.CodeChallenge, timeCol{&t.CreatedAt},
			timeCol{&t.ExpiresAt}, nullTimeCol{&t.UsedAt}, &t.LearnerID, &t.ClientID)
	if err != nil {
		return nil, orNotFound(mapErr(err), "token")
	}
	return &t, nil
}

// UseOAuthToken marks a code or refresh token used at now, once: it
// reports false when it was used already (or is gone).
func (db *DB) UseOAuthToken(ctx context.Context, hash string, now time.Time) (bool, error) {
	var n int64
	err := db.write(ctx, func(x q) (err error) {
		n, err = x.execN(ctx, "UPDATE oauth_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL", norm(now), hash)
		return err
	})
	return n == 1, err
}

// DeleteOAuthToken removes one code or token (revocation); an unknown
// one is not an error.
func (db *DB) DeleteOAuthToken(ctx context.Context, hash string) error {
	return db.write(ctx, func(x q) error {
		_, err := x.exec(ctx, "DELETE FROM oauth_tokens WHERE token_hash = ?", hash)
		return err
	})
}

// DeleteOAuthFamily removes every code and token that descends from one
// authorization code.
func (db *DB) DeleteOAuthFamily(ctx context.Context, family string) error {
	return db.write(ctx, func(x q) error {
		_, err := x.exec(ctx, "DELETE FROM oauth_tokens WHERE family = ?", family)
		return err
	})
}

// DeleteExpiredOAuthTokens removes codes and tokens that expired before
// now, and returns how many.
func (db *DB) DeleteExpiredOAuthTokens(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := db.write(ctx, func(x q) (err error) {
		n, err = x.execN(ctx, "DELETE FROM oauth_tokens WHERE expires_at < ?", norm(now))
		return err
	})
	return int(n), err
}

// UpdateLearnerName sets the name a learner's wallet shows. Errors:
// NotFound.
func (db *DB) UpdateLearnerName(ctx context.Context, id, name string) error {
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "UPDATE learners SET name = ? WHERE id = ?", name, id)
		if err == nil && n == 0 {
			err = notFound("learner")
		}
		return err
	})
}
