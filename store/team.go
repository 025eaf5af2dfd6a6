package store

import (
	"context"
	"time"

	"github.com/cairn-badges/cairn"
)

// Teams: invitations to an organization, password resets, and when
// accounts and sessions were last used (package team).

// Invitation is an invitation to join an organization with a role. The
// link holds a random token; the store keeps its hash.
type Invitation struct {
	ID         string
	OrgID      string
	Email      string
	Role       cairn.Role
	TokenHash  string
	InvitedBy  string // account id
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt *time.Time
	AcceptedBy string
}

const invitationColumns = "id, org_id, email, role, token_hash, invited_by, created_at, expires_at, accepted_at, COALESCE(accepted_by, '')"

func scanInvitation(s scanner) (*Invitation, error) {
	var in Invitation
	err := s.Scan(&in.ID, &in.OrgID, &in.Email, &in.Role, &in.TokenHash, &in.InvitedBy,
		timeCol{&in.CreatedAt}, timeCol{&in.ExpiresAt}, nullTimeCol{&in.AcceptedAt}, &in.AcceptedBy)
	return &in, err
}

// CreateInvitation stores an invitation; an earlier pending invitation of
// the same email to the organization is replaced (its link stops working).
func (db *DB) CreateInvitation(ctx context.Context, in *Invitation) error {
	if err := required("org_id", in.OrgID, "email", in.Email, "token_hash", in.TokenHash, "invited_by", in.InvitedBy); err != nil {
		return err
	}
	if !in.Role.Valid() {
		return cairn.Invalidf("role", "must be owner, issuer, assessor or viewer")
	}
	return db.write(ctx, func(x q) error {
		if err := checkOrg(ctx, x, in.OrgID); err != nil {
			return err
		}
		if _, err := x.exec(ctx, "DELETE FROM invitations WHERE org_id = ? AND email = ? AND accepted_at IS NULL", in.OrgID, in.Email); err != nil {
			return err
		}
		if in.ID == "" {
			in.ID = newID()
		}
		in.CreatedAt = db.now()
		in.ExpiresAt = norm(in.ExpiresAt)
		_, err := x.exec(ctx, `INSERT INTO invitations (id, org_id, email, role, token_hash, invited_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			in.ID, in.OrgID, in.Email, string(in.Role), in.TokenHash, in.InvitedBy, in.CreatedAt, in.ExpiresAt)
		return err
	})
}

// PendingInvitations returns the organization's invitations not accepted
// yet (expired ones included, to show), newest first.
func (db *DB) PendingInvitations(ctx context.Context, orgID string) ([]*Invitation, error) {
	rows, err := db.read().query(ctx, "SELECT "+invitationColumns+
		" FROM invitations WHERE org_id = ? AND accepted_at IS NULL ORDER BY created_at DESC, id", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Invitation
	for rows.Next() {
		in, err := scanInvitation(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, in)
	}
	return out, mapErr(rows.Err())
}

// InvitationByTokenHash returns an invitation by its token's hash, accepted
// or not. Errors: NotFound.
func (db *DB) InvitationByTokenHash(ctx context.Context, tokenHash string) (*Invitation, error) {
	in, err := scanInvitation(db.read().row(ctx, "SELECT "+invitationColumns+" FROM invitations WHERE token_hash = ?", tokenHash))
	return in, orNotFound(err, "invitation")
}

// DeleteInvitation withdraws a pending invitation. Errors: NotFound.
func (db *DB) DeleteInvitation(ctx context.Context, orgID, id string) error {
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "DELETE FROM invitations WHERE id = ? AND org_id = ? AND accepted_at IS NULL", id, orgID)
		if err == nil && n == 0 {
			err = notFound("invitation")
		}
		return err
	})
}

// AcceptInvitation takes the invitation (by its token's hash) for the
// account, in one transaction: the account is created first when
// newAccount is set, the membership is set to the invitation's role (an
// existing membership keeps the higher of the two roles), and the
// invitation is marked accepted. Errors: NotFound (no such invitation),
// Conflict (accepted already, or expired; or, for a new account, the email
// taken).
func (db *DB) AcceptInvitation(ctx context.Context, tokenHash string, acct *cairn.Account, newAccount bool) (*Invitation, error) {
	var in *Invitation
	err := db.write(ctx, func(x q) error {
		var err error
		in, err = scanInvitation(x.row(ctx, "SELECT "+invitationColumns+" FROM invitations WHERE token_hash = ?", tokenHash))
		if err != nil {
			return orNotFound(err, "invitation")
		}
		now := db.now()
		switch {
		case in.AcceptedAt != nil:
			return cairn.Errorf(cairn.Conflict, "this invitation was accepted already")
		case !now.Before(in.ExpiresAt):
			return cairn.Errorf(cairn.Conflict, "this invitation expired on %s; ask for a new one", in.ExpiresAt.Format("2 January 2006"))
		}
		if newAccount {
			if err := db.insertAccount(ctx, x, acct); err != nil {
				return err
			}
		}
		role := in.Role
		var cur cairn.Role
		err = x.row(ctx, "SELECT role FROM memberships WHERE org_id = ? AND account_id = ?", in.OrgID, acct.ID).Scan(&cur)
		if err == nil && cur.Rank() > role.Rank() {
			role = cur
		}
		if _, err := x.exec(ctx, `INSERT INTO memberships (org_id, account_id, role) VALUES (?, ?, ?)
			ON CONFLICT (org_id, account_id) DO UPDATE SET role = excluded.role`, in.OrgID, acct.ID, string(role)); err != nil {
			return err
		}
		in.AcceptedAt, in.AcceptedBy = &now, acct.ID
		_, err = x.exec(ctx, "UPDATE invitations SET accepted_at = ?, accepted_by = ? WHERE id = ?", now, acct.ID, in.ID)
		return err
	})
	return in, err
}

// ChangeMembership sets (role non-nil) or removes (role nil) an account's
// membership, refusing with Conflict to leave the organization without an
// owner. Errors: NotFound (not a member), Invalid (bad role), Conflict.
func (db *DB) ChangeMembership(ctx context.Context, orgID, accountID string, role *cairn.Role) error {
	if role != nil && !role.Valid() {
		return cairn.Invalidf("role", "must be owner, issuer, assessor or viewer")
	}
	return db.write(ctx, func(x q) error {
		var cur cairn.Role
		if err := x.row(ctx, "SELECT role FROM memberships WHERE org_id = ? AND account_id = ?", orgID, accountID).Scan(&cur); err != nil {
			return orNotFound(err, "member")
		}
		if cur == cairn.RoleOwner && (role == nil || *role != cairn.RoleOwner) {
			var owners int
			if err := x.row(ctx, "SELECT COUNT(*) FROM memberships WHERE org_id = ? AND role = 'owner'", orgID).Scan(&owners); err != nil {
				return err
			}
			if owners <= 1 {
				return &cairn.Error{Kind: cairn.Conflict, Field: "role",
					Message: "this is the organization's only owner: make another member an owner first"}
			}
		}
		if role == nil {
			_, err := x.exec(ctx, "DELETE FROM memberships WHERE org_id = ? AND account_id = ?", orgID, accountID)
			if err == nil {
				// Sessions stay (the account may belong to other
				// organizations); the next request no longer sees this one.
				_, err = x.exec(ctx, "DELETE FROM invitations WHERE org_id = ? AND accepted_by = ?", orgID, accountID)
			}
			return err
		}
		_, err := x.exec(ctx, "UPDATE memberships SET role = ? WHERE org_id = ? AND account_id = ?", string(*role), orgID, accountID)
		return err
	})
}

// Member is one member of an organization, with their account.
type Member struct {
	Account    *cairn.Account
	Role       cairn.Role
	LastSeenAt *time.Time
}

// Members returns the organization's members with their accounts, by
// email.
func (db *DB) Members(ctx context.Context, orgID string) ([]*Member, error) {
	rows, err := db.read().query(ctx, `SELECT a.id, a.email, a.name, a.password_hash, a.created_at, a.last_seen_at, m.role
		FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.org_id = ? ORDER BY a.email`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Member
	for rows.Next() {
		m := &Member{Account: &cairn.Account{}}
		a := m.Account
		if err := rows.Scan(&a.ID, &a.Email, &a.Name, &a.PasswordHash, timeCol{&a.CreatedAt}, nullTimeCol{&m.LastSeenAt}, &m.Role); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, m)
	}
	return out, mapErr(rows.Err())
}

// TouchSession records that a session (and its account) was used at t.
func (db *DB) TouchSession(ctx context.Context, sessionID, accountID string, t time.Time) error {
	return db.write(ctx, func(x q) error {
		if _, err := x.exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", norm(t), sessionID); err != nil {
			return err
		}
		_, err := x.exec(ctx, "UPDATE accounts SET last_seen_at = ? WHERE id = ?", norm(t), accountID)
		return err
	})
}

// SessionLastSeen returns when a session was last recorded as used (nil
// if never since login).
func (db *DB) SessionLastSeen(ctx context.Context, sessionID string) (*time.Time, error) {
	var t *time.Time
	err := db.read().row(ctx, "SELECT last_seen_at FROM sessions WHERE id = ?", sessionID).Scan(nullTimeCol{&t})
	return t, orNotFound(err, "session")
}

// CreatePasswordReset stores the hash of a password-reset token for an
// account.
func (db *DB) CreatePasswordReset(ctx context.Context, accountID, tokenHash string, expires time.Time) error {
	return db.write(ctx, func(x q) error {
		_, err := x.exec(ctx, "INSERT INTO password_resets (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
			tokenHash, accountID, db.now(), norm(expires))
		return err
	})
}

// PasswordResetAccount returns the account a usable (unused, unexpired)
// reset token is for. Errors: NotFound.
func (db *DB) PasswordResetAccount(ctx context.Context, tokenHash string) (*cairn.Account, error) {
	a, err := scanAccount(db.read().row(ctx, "SELECT a."+accountColumnsA+` FROM password_resets r JOIN accounts a ON a.id = r.account_id
		WHERE r.token_hash = ? AND r.used_at IS NULL AND r.expires_at > ?`, tokenHash, db.now()))
	return a, orNotFound(err, "password reset")
}

// accountColumnsA is accountColumns for an accounts table aliased a.
const accountColumnsA = "id, a.email, a.name, a.password_hash, a.created_at"

// UsePasswordReset sets the account's new password hash with a usable
// token, once: in one transaction the token is spent, every other token of
// the account too, and the account's sessions end. Errors: NotFound (no
// usable token).
func (db *DB) UsePasswordReset(ctx context.Context, tokenHash, passwordHash string) (*cairn.Account, error) {
	var a *cairn.Account
	err := db.write(ctx, func(x q) error {
		var err error
		a, err = scanAccount(x.row(ctx, "SELECT a."+accountColumnsA+` FROM password_resets r JOIN accounts a ON a.id = r.account_id
			WHERE r.token_hash = ? AND r.used_at IS NULL AND r.expires_at > ?`, tokenHash, db.now()))
		if err != nil {
			return orNotFound(err, "password reset")
		}
		now := db.now()
		if _, err := x.exec(ctx, "UPDATE password_resets SET used_at = ? WHERE account_id = ? AND used_at IS NULL", now, a.ID); err != nil {
			return err
		}
		if _, err := x.exec(ctx, "UPDATE accounts SET password_hash = ? WHERE id = ?", passwordHash, a.ID); err != nil {
			return err
		}
		a.PasswordHash = passwordHash
		_, err = x.exec(ctx, "DELETE FROM sessions WHERE account_id = ?", a.ID)
		return err
	})
	return a, err
}
