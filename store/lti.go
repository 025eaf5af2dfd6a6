package store

import (
	"context"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ltitool"
)

// This file is the store of package ltitool: LMS registrations, logins
// and launches, what launches said of users, and connected courses
// (migration 0022).

var _ ltitool.Store = (*DB)(nil)

const ltiRegCols = `id, org_id, name, issuer, client_id, deployment_ids, auth_login_url, auth_token_url, jwks_url,
	tool_kid, tool_key_sealed, created_at, updated_at`

func scanLTIRegistration(s scanner) (*ltitool.Registration, error) {
	var r ltitool.Registration
	if err := s.Scan(&r.ID, &r.OrgID, &r.Name, &r.Issuer, &r.ClientID, jsonCol{&r.DeploymentIDs}, &r.AuthLoginURL, &r.AuthTokenURL,
		&r.JWKSURL, &r.ToolKID, bytesCol{&r.ToolKeySealed}, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt}); err != nil {
		return nil, err
	}
	return &r, nil
}

func (db *DB) ltiRegistrations(ctx context.Context, where string, args ...any) ([]*ltitool.Registration, error) {
	rows, err := db.read().query(ctx, "SELECT "+ltiRegCols+" FROM lti_registrations "+where+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ltitool.Registration
	for rows.Next() {
		r, err := scanLTIRegistration(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// CreateLTIRegistration implements ltitool.Store.
func (db *DB) CreateLTIRegistration(ctx context.Context, r *ltitool.Registration) error {
	if err := required("id", r.ID, "org_id", r.OrgID, "issuer", r.Issuer, "clientId", r.ClientID); err != nil {
		return err
	}
	deployments, err := jsonArg(nonNil(r.DeploymentIDs))
	if err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		_, err := x.exec(ctx, "INSERT INTO lti_registrations ("+ltiRegCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			r.ID, r.OrgID, r.Name, r.Issuer, r.ClientID, deployments, r.AuthLoginURL, r.AuthTokenURL, r.JWKSURL,
			r.ToolKID, r.ToolKeySealed, norm(r.CreatedAt), norm(r.UpdatedAt))
		return err
	})
}

// UpdateLTIRegistration implements ltitool.Store.
func (db *DB) UpdateLTIRegistration(ctx context.Context, r *ltitool.Registration) error {
	deployments, err := jsonArg(nonNil(r.DeploymentIDs))
	if err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, `UPDATE lti_registrations SET name = ?, issuer = ?, client_id = ?, deployment_ids = ?, auth_login_url = ?,
			auth_token_url = ?, jwks_url = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
			r.Name, r.Issuer, r.ClientID, deployments, r.AuthLoginURL, r.AuthTokenURL, r.JWKSURL, norm(r.UpdatedAt), r.ID, r.OrgID)
		if err == nil && n == 0 {
			err = notFound("LMS registration")
		}
		return err
	})
}

// LTIRegistration implements ltitool.Store.
func (db *DB) LTIRegistration(ctx context.Context, orgID, id string) (*ltitool.Registration, error) {
	where, args := "WHERE id = ?", []any{id}
	if orgID != "" {
		where, args = "WHERE id = ? AND org_id = ?", []any{id, orgID}
	}
	rs, err := db.ltiRegistrations(ctx, where, args...)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, notFound("LMS registration")
	}
	return rs[0], nil
}

// LTIRegistrations implements ltitool.Store.
func (db *DB) LTIRegistrations(ctx context.Context, orgID string) ([]*ltitool.Registration, error) {
	if orgID == "" {
		return db.ltiRegistrations(ctx, "")
	}
	return db.ltiRegistrations(ctx, "WHERE org_id = ?", orgID)
}

// LTIRegistrationsByIssuer implements ltitool.Store.
func (db *DB) LTIRegistrationsByIssuer(ctx context.Context, issuer string) ([]*ltitool.Registration, error) {
	return db.ltiRegistrations(ctx, "WHERE issuer = ?", issuer)
}

// DeleteLTIRegistration implements ltitool.Store.
func (db *DB) DeleteLTIRegistration(ctx context.Context, orgID, id string) error {
	return db.deleteOrgRow(ctx, "lti_registrations", orgID, id, "LMS registration")
}

// deleteOrgRow deletes table's row id of orgID (NotFound naming what).
func (db *DB) deleteOrgRow(ctx context.Context, table, orgID, id, what string) error {
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "DELETE FROM "+table+" WHERE id = ? AND org_id = ?", id, orgID)
		if err == nil && n == 0 {
			err = notFound(what)
		}
		return err
	})
}

// CreateLTILogin implements ltitool.Store.
func (db *DB) CreateLTILogin(ctx context.Context, state, registrationID, nonce string, expires time.Time) error {
	return db.write(ctx, func(x q) error {
		_, err := x.exec(ctx, "INSERT INTO lti_logins (state, registration_id, nonce, expires_at) VALUES (?, ?, ?, ?)",
			state, registrationID, nonce, norm(expires))
		return err
	})
}

// TakeLTILogin implements ltitool.Store.
func (db *DB) TakeLTILogin(ctx context.Context, state string, now time.Time) (registrationID, nonce string, err error) {
	err = db.write(ctx, func(x q) error {
		var expires time.Time
		if err := x.row(ctx, "SELECT registration_id, nonce, expires_at FROM lti_logins WHERE state = ?"+db.dialect.forUpdate(), state).
			Scan(&registrationID, &nonce, timeCol{&expires}); err != nil {
			return orNotFound(err, "LTI login")
		}
		if _, err := x.exec(ctx, "DELETE FROM lti_logins WHERE state = ?", state); err != nil {
			return err
		}
		if !now.Before(expires) {
			return notFound("LTI login")
		}
		return nil
	})
	if cairn.KindOf(err) == cairn.NotFound {
		return "", "", err
	}
	return registrationID, nonce, err
}

// CreateLTILaunch implements ltitool.Store.
func (db *DB) CreateLTILaunch(ctx context.Context, id, registrationID string, claims []byte, expires time.Time) error {
	return db.write(ctx, func(x q) error {
		_, err := x.exec(ctx, "INSERT INTO lti_launches (id, registration_id, claims, expires_at) VALUES (?, ?, ?, ?)",
			id, registrationID, string(claims), norm(expires))
		return err
	})
}

// LTILaunch implements ltitool.Store.
func (db *DB) LTILaunch(ctx context.Context, id string, now time.Time) (registrationID string, claims []byte, err error) {
	var expires time.Time
	var c string
	if err := db.read().row(ctx, "SELECT registration_id, claims, expires_at FROM lti_launches WHERE id = ?", id).
		Scan(&registrationID, &c, timeCol{&expires}); err != nil {
		return "", nil, orNotFound(err, "LTI launch")
	}
	if !now.Before(expires) {
		return "", nil, notFound("LTI launch")
	}
	return registrationID, []byte(c), nil
}

// DeleteExpiredLTI implements ltitool.Store.
func (db *DB) DeleteExpiredLTI(ctx context.Context, now time.Time) error {
	return db.write(ctx, func(x q) error {
		if _, err := x.exec(ctx, "DELETE FROM lti_logins WHERE expires_at <= ?", norm(now)); err != nil {
			return err
		}
		_, err := x.exec(ctx, "DELETE FROM lti_launches WHERE expires_at <= ?", norm(now))
		return err
	})
}

// PutLTIUser implements ltitool.Store.
func (db *DB) PutLTIUser(ctx context.Context, registrationID, userID string, u ltitool.User, at time.Time) error {
	return db.write(ctx, func(x q) error {
		_, err := x.exec(ctx, `INSERT INTO lti_users (registration_id, user_id, email, name, seen_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (registration_id, user_id) DO UPDATE SET email = excluded.email, name = excluded.name, seen_at = excluded.seen_at`,
			registrationID, userID, u.Email, u.Name, norm(at))
		return err
	})
}

// LTIUser implements ltitool.Store.
func (db *DB) LTIUser(ctx context.Context, registrationID, userID string) (*ltitool.User, error) {
	var u ltitool.User
	if err := db.read().prow(ctx, "SELECT email, name FROM lti_users WHERE registration_id = ? AND user_id = ?", registrationID, userID).
		Scan(&u.Email, &u.Name); err != nil {
		return nil, orNotFound(err, "LTI user")
	}
	return &u, nil
}

const ltiCourseCols = `id, org_id, registration_id, deployment_id, context_id, title, lineitems_url, memberships_url, scopes, event_type,
	connected_by, connected_at, polled_at, poll_summary, poll_error`

func scanLTICourse(s scanner) (*ltitool.Course, error) {
	var c ltitool.Course
	if err := s.Scan(&c.ID, &c.OrgID, &c.RegistrationID, &c.DeploymentID, &c.ContextID, &c.Title, &c.LineItemsURL, &c.MembershipsURL,
		jsonCol{&c.Scopes}, &c.EventType, &c.ConnectedBy, timeCol{&c.ConnectedAt}, nullTimeCol{&c.PolledAt}, jsonCol{&c.Summary}, &c.Error); err != nil {
		return nil, err
	}
	return &c, nil
}

func (db *DB) ltiCourses(ctx context.Context, x q, where string, args ...any) ([]*ltitool.Course, error) {
	rows, err := x.query(ctx, "SELECT "+ltiCourseCols+" FROM lti_courses "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ltitool.Course
	for rows.Next() {
		c, err := scanLTICourse(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

// PutLTICourse implements ltitool.Store.
func (db *DB) PutLTICourse(ctx context.Context, c *ltitool.Course) error {
	scopes, err := jsonArg(nonNil(c.Scopes))
	if err != nil {
		return err
	}
	summary, err := jsonArg(c.Summary)
	if err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		var id string
		err := x.row(ctx, "SELECT id FROM lti_courses WHERE registration_id = ? AND deployment_id = ? AND context_id = ?",
			c.RegistrationID, c.DeploymentID, c.ContextID).Scan(&id)
		switch {
		case err == nil:
			c.ID = id
			_, err = x.exec(ctx, `UPDATE lti_courses SET title = ?, lineitems_url = ?, memberships_url = ?, scopes = ?, event_type = ?,
				connected_by = ?, connected_at = ? WHERE id = ?`, c.Title, c.LineItemsURL, c.MembershipsURL, scopes, c.EventType,
				c.ConnectedBy, norm(c.ConnectedAt), id)
			return err
		case cairn.KindOf(orNotFound(err, "course")) != cairn.NotFound:
			return mapErr(err)
		}
		_, err = x.exec(ctx, "INSERT INTO lti_courses ("+ltiCourseCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, '')",
			c.ID, c.OrgID, c.RegistrationID, c.DeploymentID, c.ContextID, c.Title, c.LineItemsURL, c.MembershipsURL, scopes,
			c.EventType, c.ConnectedBy, norm(c.ConnectedAt), summary)
		return err
	})
}

// LTICourse implements ltitool.Store.
func (db *DB) LTICourse(ctx context.Context, orgID, id string) (*ltitool.Course, error) {
	cs, err := db.ltiCourses(ctx, db.read(), "WHERE id = ? AND org_id = ?", id, orgID)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, notFound("connected course")
	}
	return cs[0], nil
}

// LTICourseByContext implements ltitool.Store.
func (db *DB) LTICourseByContext(ctx context.Context, registrationID, deploymentID, contextID string) (*ltitool.Course, error) {
	cs, err := db.ltiCourses(ctx, db.read(), "WHERE registration_id = ? AND deployment_id = ? AND context_id = ?", registrationID, deploymentID, contextID)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, notFound("connected course")
	}
	return cs[0], nil
}

// LTICourses implements ltitool.Store.
func (db *DB) LTICourses(ctx context.Context, orgID string) ([]*ltitool.Course, error) {
	return db.ltiCourses(ctx, db.read(), "WHERE org_id = ? ORDER BY connected_at, id", orgID)
}

// DeleteLTICourse implements ltitool.Store.
func (db *DB) DeleteLTICourse(ctx context.Context, orgID, id string) error {
	return db.deleteOrgRow(ctx, "lti_courses", orgID, id, "connected course")
}

// LeaseLTICourses implements ltitool.Store.
func (db *DB) LeaseLTICourses(ctx context.Context, now, due, until time.Time, limit int) ([]*ltitool.Course, error) {
	var out []*ltitool.Course
	skipLocked := ""
	if db.dialect == postgresDialect {
		skipLocked = " FOR UPDATE SKIP LOCKED"
	}
	err := db.write(ctx, func(x q) error {
		cs, err := db.ltiCourses(ctx, x, "WHERE (polled_at IS NULL OR polled_at < ?) AND (poll_lease_until IS NULL OR poll_lease_until < ?) ORDER BY polled_at, id LIMIT ?"+
			skipLocked, norm(due), norm(now), limit)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if _, err := x.exec(ctx, "UPDATE lti_courses SET poll_lease_until = ? WHERE id = ?", norm(until), c.ID); err != nil {
				return err
			}
		}
		out = cs
		return nil
	})
	return out, err
}

// FinishLTIPoll implements ltitool.Store.
func (db *DB) FinishLTIPoll(ctx context.Context, courseID string, at time.Time, s ltitool.PollSummary, errText string) error {
	summary, err := jsonArg(s)
	if err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		_, err := x.exec(ctx, "UPDATE lti_courses SET polled_at = ?, poll_summary = ?, poll_error = ?, poll_lease_until = NULL WHERE id = ?",
			norm(at), summary, errText, courseID)
		return err
	})
}
