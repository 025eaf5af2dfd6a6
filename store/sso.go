package store

import (
	"context"
	"encoding/json"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/sso"
)

// This file is the store of package sso: set-ups in sso_configs, the
// sessions single sign-on started in sso_sessions.

var _ sso.Store = (*DB)(nil)

const ssoCols = `org_id, enabled, issuer_url, client_id, client_secret_sealed, email_domains, role_claim, role_map,
	default_role, password_login, login_button, created_at, updated_at`

func scanSSO(s scanner) (*sso.Config, error) {
	var c sso.Config
	if err := s.Scan(&c.OrgID, &c.Enabled, &c.IssuerURL, &c.ClientID, bytesCol{&c.SecretSealed}, jsonCol{&c.EmailDomains},
		&c.RoleClaim, jsonCol{&c.RoleMap}, &c.DefaultRole, &c.PasswordLogin, &c.LoginButton,
		timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}); err != nil {
		return nil, err
	}
	return &c, nil
}

// SSOConfig implements [sso.Store.SSOConfig].
func (db *DB) SSOConfig(ctx context.Context, orgID string) (*sso.Config, error) {
	c, err := scanSSO(db.read().prow(ctx, "SELECT "+ssoCols+" FROM sso_configs WHERE org_id = ?", orgID))
	if err != nil {
		return nil, orNotFound(err, "single sign-on set-up")
	}
	return c, nil
}

// SSOConfigs implements [sso.Store.SSOConfigs].
func (db *DB) SSOConfigs(ctx context.Context) ([]*sso.Config, error) {
	rows, err := db.read().pquery(ctx, "SELECT "+ssoCols+" FROM sso_configs ORDER BY org_id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sso.Config
	for rows.Next() {
		c, err := scanSSO(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

// PutSSOConfig implements [sso.Store.PutSSOConfig].
func (db *DB) PutSSOConfig(ctx context.Context, c *sso.Config) error {
	if err := required("org_id", c.OrgID, "issuer_url", c.IssuerURL, "client_id", c.ClientID); err != nil {
		return err
	}
	if len(c.SecretSealed) == 0 {
		return cairn.Invalidf("clientSecret", "is required")
	}
	if c.DefaultRole != "" && !c.DefaultRole.Valid() {
		return cairn.Invalidf("defaultRole", "must be owner, issuer, viewer or none")
	}
	domains := c.EmailDomains
	if domains == nil {
		domains = []string{}
	}
	roleMap := c.RoleMap
	if roleMap == nil {
		roleMap = []sso.RoleMapping{}
	}
	db1, err := json.Marshal(domains)
	if err != nil {
		return cairn.Wrapf(cairn.Invalid, err, "emailDomains")
	}
	rm, err := json.Marshal(roleMap)
	if err != nil {
		return cairn.Wrapf(cairn.Invalid, err, "roleMappings")
	}
	return db.write(ctx, func(x q) error {
		if err := x.row(ctx, "SELECT id FROM organizations WHERE id = ?", c.OrgID).Scan(new(string)); err != nil {
			return orNotFound(err, "organization")
		}
		now := db.now()
		created := now
		err := x.row(ctx, "SELECT created_at FROM sso_configs WHERE org_id = ?", c.OrgID).Scan(timeCol{&created})
		if err != nil && err != sqlNoRows {
			return mapErr(err)
		}
		c.CreatedAt, c.UpdatedAt = created, now
		_, err = x.exec(ctx, `INSERT INTO sso_configs (`+ssoCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET enabled = excluded.enabled, issuer_url = excluded.issuer_url,
			client_id = excluded.client_id, client_secret_sealed = excluded.client_secret_sealed,
			email_domains = excluded.email_domains, role_claim = excluded.role_claim, role_map = excluded.role_map,
			default_role = excluded.default_role, password_login = excluded.password_login,
			login_button = excluded.login_button, updated_at = excluded.updated_at`,
			c.OrgID, c.Enabled, c.IssuerURL, c.ClientID, c.SecretSealed, string(db1), c.RoleClaim, string(rm),
			string(c.DefaultRole), c.PasswordLogin, c.LoginButton, c.CreatedAt, c.UpdatedAt)
		return err
	})
}

// ApplySSOLogin implements [sso.Store.ApplySSOLogin]. The organization's
// owners are locked while it counts them, so two sign-ins at once cannot
// both demote one of the last two owners.
func (db *DB) ApplySSOLogin(ctx context.Context, ch sso.Change) (*sso.Applied, error) {
	if err := required("org_id", ch.OrgID, "email", ch.Email); err != nil {
		return nil, err
	}
	if ch.Role != "" && !ch.Role.Valid() {
		return nil, cairn.Invalidf("role", "must be owner, issuer, assessor or viewer")
	}
	var ap *sso.Applied
	err := db.write(ctx, func(x q) error {
		ap = &sso.Applied{}
		a, err := scanAccount(x.row(ctx, "SELECT "+accountColumns+" FROM accounts WHERE email = ?", ch.Email))
		switch {
		case err == sqlNoRows && ch.Role == "":
			return nil // no access, and no account to remove it from
		case err == sqlNoRows:
			a = &cairn.Account{Email: ch.Email, Name: ch.Name, PasswordHash: ch.PasswordHash}
			if err := db.insertAccount(ctx, x, a); err != nil {
				return err
			}
			ap.Created = true
		case err != nil:
			return mapErr(err)
		case ch.Name != "" && ch.Name != a.Name:
			a.Name = ch.Name
			if _, err := x.exec(ctx, "UPDATE accounts SET name = ? WHERE id = ?", a.Name, a.ID); err != nil {
				return err
			}
		}
		ap.Account = a
		var prev string
		err = x.row(ctx, "SELECT role FROM memberships WHERE org_id = ? AND account_id = ?", ch.OrgID, a.ID).Scan(&prev)
		if err != nil && err != sqlNoRows {
			return mapErr(err)
		}
		ap.Previous, ap.Role = cairn.Role(prev), ch.Role
		if ch.KeepExisting && prev != "" {
			ap.Role = ap.Previous
			return nil
		}
		if ap.Previous == cairn.RoleOwner && ch.Role != cairn.RoleOwner {
			rows, err := x.query(ctx, "SELECT account_id FROM memberships WHERE org_id = ? AND role = 'owner'"+x.d.forUpdate(), ch.OrgID)
			if err != nil {
				return err
			}
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Close(); err != nil {
				return mapErr(err)
			}
			if n <= 1 {
				ap.Role, ap.KeptOwner = cairn.RoleOwner, true
				return nil
			}
		}
		switch {
		case ap.Role == ap.Previous:
			return nil
		case ap.Role == "":
			_, err = x.exec(ctx, "DELETE FROM memberships WHERE org_id = ? AND account_id = ?", ch.OrgID, a.ID)
		default:
			_, err = x.exec(ctx, `INSERT INTO memberships (org_id, account_id, role) VALUES (?, ?, ?)
				ON CONFLICT (org_id, account_id) DO UPDATE SET role = excluded.role`, ch.OrgID, a.ID, string(ap.Role))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return ap, nil
}

// CreateSSOSession implements [sso.Store.CreateSSOSession].
func (db *DB) CreateSSOSession(ctx context.Context, s *cairn.Session, orgID string) error {
	if err := required("token_hash", s.TokenHash, "account_id", s.AccountID, "csrf_token", s.CSRFToken, "org_id", orgID); err != nil {
		return err
	}
	if s.ExpiresAt.IsZero() {
		return cairn.Invalidf("expires_at", "is required")
	}
	return db.write(ctx, func(x q) error {
		if err := x.row(ctx, "SELECT 1 FROM accounts WHERE id = ?", s.AccountID).Scan(new(int)); err != nil {
			return orNotFound(err, "account")
		}
		if s.ID == "" {
			s.ID = newID()
		}
		s.CreatedAt = db.now()
		s.ExpiresAt = norm(s.ExpiresAt)
		if _, err := x.exec(ctx, `INSERT INTO sessions (id, token_hash, account_id, csrf_token, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, s.ID, s.TokenHash, s.AccountID, s.CSRFToken, s.CreatedAt, s.ExpiresAt); err != nil {
			return err
		}
		_, err := x.exec(ctx, "INSERT INTO sso_sessions (session_id, org_id) VALUES (?, ?)", s.ID, orgID)
		return err
	})
}

// SessionScope implements [sso.Store.SessionScope], in one query: the
// organization that started the session, if any, and the account's
// organizations that refuse password login.
func (db *DB) SessionScope(ctx context.Context, sessionID, accountID string) (sso.Scope, error) {
	rows, err := db.read().pquery(ctx, `SELECT 's', org_id FROM sso_sessions WHERE session_id = ?
		UNION ALL
		SELECT 'p', c.org_id FROM sso_configs c JOIN memberships m ON m.org_id = c.org_id
		WHERE m.account_id = ? AND c.enabled AND NOT c.password_login`, sessionID, accountID)
	if err != nil {
		return sso.Scope{}, err
	}
	defer rows.Close()
	var sc sso.Scope
	for rows.Next() {
		var kind, org string
		if err := rows.Scan(&kind, &org); err != nil {
			return sso.Scope{}, mapErr(err)
		}
		if kind == "s" {
			sc.SSOOrgID = org
			continue
		}
		if sc.NoPassword == nil {
			sc.NoPassword = map[string]bool{}
		}
		sc.NoPassword[org] = true
	}
	return sc, mapErr(rows.Err())
}
