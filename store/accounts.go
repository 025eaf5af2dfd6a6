package store

import (
	"context"
	"sync"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
)

// Organizations

func validOrg(org *cairn.Organization) error {
	if err := required("slug", org.Slug, "name", org.Name); err != nil {
		return err
	}
	if l := org.DefaultLanguage; l != "" {
		if got, ok := i18n.Parse(l); !ok || string(got) != l {
			return cairn.Invalidf("defaultLanguage", "%q is not a language Cairn speaks (%s)", l, i18n.Tags())
		}
	}
	return nil
}

func (db *DB) insertOrg(ctx context.Context, x q, org *cairn.Organization) error {
	if err := validOrg(org); err != nil {
		return err
	}
	if org.ID == "" {
		org.ID = newID()
	}
	org.CreatedAt = db.now()
	_, err := x.exec(ctx, "INSERT INTO organizations (id, slug, name, default_lang, created_at) VALUES (?, ?, ?, ?, ?)",
		org.ID, org.Slug, org.Name, org.DefaultLanguage, org.CreatedAt)
	return err
}

// CreateOrganizationWithOwner implements cairn.OrgStore.
func (db *DB) CreateOrganizationWithOwner(ctx context.Context, org *cairn.Organization, owner *cairn.Account, key *cairn.APIKey) error {
	if err := validOrg(org); err != nil {
		return err
	}
	if err := validAccount(owner); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		if err := db.insertOrg(ctx, x, org); err != nil {
			return err
		}
		if err := db.insertAccount(ctx, x, owner); err != nil {
			return err
		}
		if _, err := x.exec(ctx, "INSERT INTO memberships (org_id, account_id, role) VALUES (?, ?, ?)",
			org.ID, owner.ID, string(cairn.RoleOwner)); err != nil {
			return err
		}
		if key == nil {
			return nil
		}
		key.OrgID = org.ID
		if key.Role == "" {
			key.Role = cairn.RoleOwner
		}
		return db.insertAPIKey(ctx, x, key)
	})
}

// CreateOrganization implements cairn.OrgStore.
func (db *DB) CreateOrganization(ctx context.Context, org *cairn.Organization) error {
	if err := validOrg(org); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error { return db.insertOrg(ctx, x, org) })
}

const orgColumns = "id, slug, name, default_lang, created_at"

func scanOrg(s scanner) (*cairn.Organization, error) {
	var o cairn.Organization
	err := s.Scan(&o.ID, &o.Slug, &o.Name, &o.DefaultLanguage, timeCol{&o.CreatedAt})
	return &o, err
}

// Organization implements cairn.OrgStore.
func (db *DB) Organization(ctx context.Context, id string) (*cairn.Organization, error) {
	o, err := scanOrg(db.read().row(ctx, "SELECT "+orgColumns+" FROM organizations WHERE id = ?", id))
	return o, orNotFound(err, "organization")
}

// OrganizationBySlug implements cairn.OrgStore.
func (db *DB) OrganizationBySlug(ctx context.Context, slug string) (*cairn.Organization, error) {
	o, err := scanOrg(db.read().row(ctx, "SELECT "+orgColumns+" FROM organizations WHERE slug = ?", slug))
	return o, orNotFound(err, "organization")
}

// UpdateOrganization implements cairn.OrgStore.
func (db *DB) UpdateOrganization(ctx context.Context, org *cairn.Organization) error {
	if err := validOrg(org); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "UPDATE organizations SET slug = ?, name = ?, default_lang = ? WHERE id = ?",
			org.Slug, org.Name, org.DefaultLanguage, org.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound("organization")
		}
		return nil
	})
}

// CountOrganizations implements cairn.OrgStore.
func (db *DB) CountOrganizations(ctx context.Context) (int, error) {
	var n int
	err := db.read().row(ctx, "SELECT COUNT(*) FROM organizations").Scan(&n)
	return n, mapErr(err)
}

// Accounts

func validAccount(a *cairn.Account) error {
	return required("email", a.Email, "password_hash", a.PasswordHash)
}

func (db *DB) insertAccount(ctx context.Context, x q, a *cairn.Account) error {
	if err := validAccount(a); err != nil {
		return err
	}
	if a.ID == "" {
		a.ID = newID()
	}
	a.CreatedAt = db.now()
	_, err := x.exec(ctx, "INSERT INTO accounts (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
		a.ID, a.Email, a.Name, a.PasswordHash, a.CreatedAt)
	return err
}

// CreateAccount implements cairn.AccountStore.
func (db *DB) CreateAccount(ctx context.Context, a *cairn.Account) error {
	if err := validAccount(a); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error { return db.insertAccount(ctx, x, a) })
}

const accountColumns = "id, email, name, password_hash, created_at"

func scanAccount(s scanner) (*cairn.Account, error) {
	var a cairn.Account
	err := s.Scan(&a.ID, &a.Email, &a.Name, &a.PasswordHash, timeCol{&a.CreatedAt})
	return &a, err
}

// Account implements cairn.AccountStore.
func (db *DB) Account(ctx context.Context, id string) (*cairn.Account, error) {
	a, err := scanAccount(db.read().row(ctx, "SELECT "+accountColumns+" FROM accounts WHERE id = ?", id))
	return a, orNotFound(err, "account")
}

// AccountByEmail implements cairn.AccountStore.
func (db *DB) AccountByEmail(ctx context.Context, email string) (*cairn.Account, error) {
	a, err := scanAccount(db.read().row(ctx, "SELECT "+accountColumns+" FROM accounts WHERE email = ?", email))
	return a, orNotFound(err, "account")
}

// UpdateAccount implements cairn.AccountStore.
func (db *DB) UpdateAccount(ctx context.Context, a *cairn.Account) error {
	if err := validAccount(a); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "UPDATE accounts SET email = ?, name = ?, password_hash = ? WHERE id = ?",
			a.Email, a.Name, a.PasswordHash, a.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound("account")
		}
		return nil
	})
}

// Memberships

// SetMembership implements cairn.AccountStore.
func (db *DB) SetMembership(ctx context.Context, m cairn.Membership) error {
	if !m.Role.Valid() {
		return cairn.Invalidf("role", "must be owner, issuer, assessor or viewer")
	}
	return db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM organizations WHERE id = ?", m.OrgID).Scan(&one); err != nil {
			return orNotFound(err, "organization")
		}
		if err := x.row(ctx, "SELECT 1 FROM accounts WHERE id = ?", m.AccountID).Scan(&one); err != nil {
			return orNotFound(err, "account")
		}
		_, err := x.exec(ctx, `INSERT INTO memberships (org_id, account_id, role) VALUES (?, ?, ?)
			ON CONFLICT (org_id, account_id) DO UPDATE SET role = excluded.role`,
			m.OrgID, m.AccountID, string(m.Role))
		return err
	})
}

// Membership implements cairn.AccountStore.
func (db *DB) Membership(ctx context.Context, orgID, accountID string) (*cairn.Membership, error) {
	m := cairn.Membership{OrgID: orgID, AccountID: accountID}
	err := db.read().row(ctx, "SELECT role FROM memberships WHERE org_id = ? AND account_id = ?", orgID, accountID).Scan(&m.Role)
	if err != nil {
		return nil, orNotFound(err, "membership")
	}
	return &m, nil
}

// RemoveMembership implements cairn.AccountStore.
func (db *DB) RemoveMembership(ctx context.Context, orgID, accountID string) error {
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "DELETE FROM memberships WHERE org_id = ? AND account_id = ?", orgID, accountID)
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound("membership")
		}
		return nil
	})
}

func (db *DB) memberships(ctx context.Context, query string, arg string) ([]*cairn.Membership, error) {
	rows, err := db.read().query(ctx, query, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ms []*cairn.Membership
	for rows.Next() {
		var m cairn.Membership
		if err := rows.Scan(&m.OrgID, &m.AccountID, &m.Role); err != nil {
			return nil, mapErr(err)
		}
		ms = append(ms, &m)
	}
	return ms, mapErr(rows.Err())
}

// OrgMembers implements cairn.AccountStore.
func (db *DB) OrgMembers(ctx context.Context, orgID string) ([]*cairn.Membership, error) {
	return db.memberships(ctx, "SELECT org_id, account_id, role FROM memberships WHERE org_id = ? ORDER BY account_id", orgID)
}

// AccountMemberships implements cairn.AccountStore.
func (db *DB) AccountMemberships(ctx context.Context, accountID string) ([]*cairn.Membership, error) {
	return db.memberships(ctx, "SELECT org_id, account_id, role FROM memberships WHERE account_id = ? ORDER BY org_id", accountID)
}

// Sessions

// CreateSession implements cairn.SessionStore.
func (db *DB) CreateSession(ctx context.Context, s *cairn.Session) error {
	if err := required("token_hash", s.TokenHash, "account_id", s.AccountID, "csrf_token", s.CSRFToken); err != nil {
		return err
	}
	if s.ExpiresAt.IsZero() {
		return cairn.Invalidf("expires_at", "is required")
	}
	return db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM accounts WHERE id = ?", s.AccountID).Scan(&one); err != nil {
			return orNotFound(err, "account")
		}
		if s.ID == "" {
			s.ID = newID()
		}
		s.CreatedAt = db.now()
		s.LastSeenAt = s.CreatedAt
		s.ExpiresAt = norm(s.ExpiresAt)
		if _, err := x.exec(ctx, `INSERT INTO sessions (id, token_hash, account_id, csrf_token, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, s.ID, s.TokenHash, s.AccountID, s.CSRFToken, s.CreatedAt, s.ExpiresAt); err != nil {
			return err
		}
		// A login is a use of the account (see TouchSession).
		_, err := x.exec(ctx, "UPDATE accounts SET last_seen_at = ? WHERE id = ?", s.CreatedAt, s.AccountID)
		return err
	})
}

// SessionByTokenHash implements cairn.SessionStore.
func (db *DB) SessionByTokenHash(ctx context.Context, tokenHash string) (*cairn.Session, error) {
	var s cairn.Session
	err := db.read().row(ctx, `SELECT id, token_hash, account_id, csrf_token, created_at, expires_at, COALESCE(last_seen_at, created_at)
		FROM sessions WHERE token_hash = ? AND expires_at > ?`, tokenHash, db.now()).
		Scan(&s.ID, &s.TokenHash, &s.AccountID, &s.CSRFToken, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt}, timeCol{&s.LastSeenAt})
	if err != nil {
		return nil, orNotFound(err, "session")
	}
	return &s, nil
}

// DeleteSession implements cairn.SessionStore.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	return db.write(ctx, func(x q) error {
		_, err := x.exec(ctx, "DELETE FROM sessions WHERE id = ?", id)
		return err
	})
}

// DeleteAccountSessions implements cairn.SessionStore.
func (db *DB) DeleteAccountSessions(ctx context.Context, accountID string) error {
	return db.write(ctx, func(x q) error {
		_, err := x.exec(ctx, "DELETE FROM sessions WHERE account_id = ?", accountID)
		return err
	})
}

// DeleteExpiredSessions implements cairn.SessionStore.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int, error) {
	var n int64
	err := db.write(ctx, func(x q) error {
		var err error
		n, err = x.execN(ctx, "DELETE FROM sessions WHERE expires_at <= ?", db.now())
		return err
	})
	return int(n), err
}

// API keys

func (db *DB) insertAPIKey(ctx context.Context, x q, k *cairn.APIKey) error {
	if err := validAPIKey(k); err != nil {
		return err
	}
	if k.ID == "" {
		k.ID = newID()
	}
	k.CreatedAt = db.now()
	k.LastUsedAt, k.RevokedAt = normp(k.LastUsedAt), normp(k.RevokedAt)
	_, err := x.exec(ctx, `INSERT INTO api_keys (id, org_id, name, prefix, hash, role, created_at, last_used_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.OrgID, k.Name, k.Prefix, k.Hash, string(k.Role), k.CreatedAt, k.LastUsedAt, k.RevokedAt)
	return err
}

func validAPIKey(k *cairn.APIKey) error {
	if err := required("prefix", k.Prefix, "hash", k.Hash); err != nil {
		return err
	}
	if !k.Role.Valid() {
		return cairn.Invalidf("role", "must be owner, issuer, assessor or viewer")
	}
	return nil
}

// CreateAPIKey implements cairn.APIKeyStore.
func (db *DB) CreateAPIKey(ctx context.Context, k *cairn.APIKey) error {
	if err := validAPIKey(k); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		var one int
		if err := x.row(ctx, "SELECT 1 FROM organizations WHERE id = ?", k.OrgID).Scan(&one); err != nil {
			return orNotFound(err, "organization")
		}
		return db.insertAPIKey(ctx, x, k)
	})
}

const apiKeyColumns = "id, org_id, name, prefix, hash, role, created_at, last_used_at, revoked_at"

func scanAPIKey(s scanner) (*cairn.APIKey, error) {
	var k cairn.APIKey
	err := s.Scan(&k.ID, &k.OrgID, &k.Name, &k.Prefix, &k.Hash, &k.Role,
		timeCol{&k.CreatedAt}, nullTimeCol{&k.LastUsedAt}, nullTimeCol{&k.RevokedAt})
	return &k, err
}

// keyTTL is how long APIKeyByPrefix answers from its cache: how long a key
// revoked by another process (replica) may still be accepted here. A key
// revoked through this DB is dropped from the cache at once.
const keyTTL = 5 * time.Second

// maxCachedKeys bounds the cache; past it, it starts again empty.
const maxCachedKeys = 10_000

// keyCache holds the API keys APIKeyByPrefix found, by prefix. Only keys
// found are kept: an unknown prefix is asked of the database every time,
// so a key created by another process works at once.
type keyCache struct {
	mu sync.Mutex
	m  map[string]cachedKey
}

type cachedKey struct {
	k       cairn.APIKey
	fetched time.Time
}

func (c *keyCache) get(prefix string, now time.Time) (*cairn.APIKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[prefix]
	if !ok || now.Sub(e.fetched) >= keyTTL || now.Before(e.fetched) {
		return nil, false
	}
	k := e.k
	return &k, true
}

func (c *keyCache) put(k *cairn.APIKey, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedKeys {
		c.m = map[string]cachedKey{}
	}
	c.m[k.Prefix] = cachedKey{k: *k, fetched: now}
}

// drop forgets the key with this ID.
func (c *keyCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p, e := range c.m {
		if e.k.ID == id {
			delete(c.m, p)
		}
	}
}

// touched records a key's last use in the cache.
func (c *keyCache) touched(id string, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p, e := range c.m {
		if e.k.ID == id {
			t := t
			e.k.LastUsedAt = &t
			c.m[p] = e
		}
	}
}

// APIKeyByPrefix implements cairn.APIKeyStore. It answers from a cache of
// the keys it found in the last keyTTL (see keyCache).
func (db *DB) APIKeyByPrefix(ctx context.Context, prefix string) (*cairn.APIKey, error) {
	now := time.Now()
	if k, ok := db.keys.get(prefix, now); ok {
		return k, nil
	}
	k, err := scanAPIKey(db.read().prow(ctx, "SELECT "+apiKeyColumns+" FROM api_keys WHERE prefix = ? AND revoked_at IS NULL", prefix))
	if err != nil {
		return nil, orNotFound(err, "API key")
	}
	db.keys.put(k, now)
	return k, nil
}

// APIKeys implements cairn.APIKeyStore.
func (db *DB) APIKeys(ctx context.Context, orgID string) ([]*cairn.APIKey, error) {
	rows, err := db.read().query(ctx, "SELECT "+apiKeyColumns+" FROM api_keys WHERE org_id = ? ORDER BY created_at, id", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ks []*cairn.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		ks = append(ks, k)
	}
	return ks, mapErr(rows.Err())
}

// RevokeAPIKey implements cairn.APIKeyStore.
func (db *DB) RevokeAPIKey(ctx context.Context, orgID, id string) error {
	defer db.keys.drop(id)
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND org_id = ?",
			db.now(), id, orgID)
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound("API key")
		}
		return nil
	})
}

// TouchAPIKey implements cairn.APIKeyStore.
func (db *DB) TouchAPIKey(ctx context.Context, id string, t time.Time) error {
	err := db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", t, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound("API key")
		}
		return nil
	})
	if err == nil {
		db.keys.touched(id, norm(t))
	}
	return err
}
