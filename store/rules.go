package store

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
)

// Issuing rules

const ruleColumns = "id, org_id, name, event_type, course_id, min_score, achievement_id, narrative, enabled, created_at, updated_at"

func scanRule(s scanner) (*cairn.Rule, error) {
	var r cairn.Rule
	err := s.Scan(&r.ID, &r.OrgID, &r.Name, &r.EventType, &r.CourseID, nullFloatCol{&r.MinScore}, &r.AchievementID,
		&r.Narrative, &r.Enabled, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt})
	return &r, err
}

func validRule(r *cairn.Rule) error {
	return required("org_id", r.OrgID, "name", r.Name, "event_type", r.EventType, "achievement_id", r.AchievementID)
}

// checkAchievement returns NotFound naming achievement_id unless id is an
// achievement of the organization.
func checkAchievement(ctx context.Context, x q, orgID, id string) error {
	if err := checkOwned(ctx, x, "achievements", "achievement", orgID, id); err != nil {
		return &cairn.Error{Kind: cairn.NotFound, Field: "achievement_id", Message: "achievement not found", Err: err}
	}
	return nil
}

// CreateRule implements cairn.RuleStore.
func (db *DB) CreateRule(ctx context.Context, r *cairn.Rule) error {
	if err := validRule(r); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		if err := checkOrg(ctx, x, r.OrgID); err != nil {
			return err
		}
		if err := checkAchievement(ctx, x, r.OrgID, r.AchievementID); err != nil {
			return err
		}
		if r.ID == "" {
			r.ID = newID()
		}
		r.CreatedAt = db.now()
		r.UpdatedAt = r.CreatedAt
		_, err := x.exec(ctx, "INSERT INTO issuing_rules ("+ruleColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			r.ID, r.OrgID, r.Name, r.EventType, r.CourseID, floatArg(r.MinScore), r.AchievementID, r.Narrative, r.Enabled,
			r.CreatedAt, r.UpdatedAt)
		return err
	})
}

// Rule implements cairn.RuleStore.
func (db *DB) Rule(ctx context.Context, orgID, id string) (*cairn.Rule, error) {
	r, err := scanRule(db.read().row(ctx, "SELECT "+ruleColumns+" FROM issuing_rules WHERE id = ? AND org_id = ?", id, orgID))
	if err != nil {
		return nil, orNotFound(err, "rule")
	}
	return r, nil
}

// Rules implements cairn.RuleStore.
func (db *DB) Rules(ctx context.Context, orgID string) ([]*cairn.Rule, error) {
	rows, err := db.read().query(ctx, "SELECT "+ruleColumns+" FROM issuing_rules WHERE org_id = ? ORDER BY created_at, id", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*cairn.Rule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// UpdateRule implements cairn.RuleStore.
func (db *DB) UpdateRule(ctx context.Context, r *cairn.Rule) error {
	if err := validRule(r); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		if err := checkOwned(ctx, x, "issuing_rules", "rule", r.OrgID, r.ID); err != nil {
			return err
		}
		if err := checkAchievement(ctx, x, r.OrgID, r.AchievementID); err != nil {
			return err
		}
		now := db.now()
		if _, err := x.exec(ctx, `UPDATE issuing_rules SET name = ?, event_type = ?, course_id = ?, min_score = ?, achievement_id = ?,
			narrative = ?, enabled = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
			r.Name, r.EventType, r.CourseID, floatArg(r.MinScore), r.AchievementID, r.Narrative, r.Enabled, now, r.ID, r.OrgID); err != nil {
			return err
		}
		r.UpdatedAt = now
		return nil
	})
}

// DeleteRule implements cairn.RuleStore.
func (db *DB) DeleteRule(ctx context.Context, orgID, id string) error {
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "DELETE FROM issuing_rules WHERE id = ? AND org_id = ?", id, orgID)
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound("rule")
		}
		return nil
	})
}

// Events

const eventColumns = `id, org_id, external_id, type, course_id, score, recipient, occurred_at, received_at, payload,
	payload_sha256, outcome, matches, error, updated_at`

func scanEvent(s scanner) (*cairn.Event, error) {
	var e cairn.Event
	var payload string
	err := s.Scan(&e.ID, &e.OrgID, &e.ExternalID, &e.Type, &e.CourseID, nullFloatCol{&e.Score}, &e.Recipient,
		timeCol{&e.OccurredAt}, timeCol{&e.ReceivedAt}, &payload, &e.PayloadHash, &e.Outcome, jsonCol{&e.Matches},
		&e.Error, timeCol{&e.UpdatedAt})
	e.Payload = []byte(payload)
	return &e, err
}

func matchesArg(ms []cairn.EventMatch) (string, error) {
	if ms == nil {
		ms = []cairn.EventMatch{}
	}
	return jsonArg(ms)
}

// RecordEvent implements cairn.RuleStore. The insert does nothing when
// the organization has the external ID already (ON CONFLICT DO NOTHING,
// which on PostgreSQL waits for a concurrent insert of it to finish), and
// the stored event is read instead.
func (db *DB) RecordEvent(ctx context.Context, e *cairn.Event) (*cairn.Event, error) {
	if err := required("org_id", e.OrgID, "external_id", e.ExternalID, "type", e.Type, "payload_sha256", e.PayloadHash); err != nil {
		return nil, err
	}
	if !e.Outcome.Valid() {
		return nil, cairn.Invalidf("outcome", "%q is not an event outcome", e.Outcome)
	}
	if e.OccurredAt.IsZero() {
		return nil, cairn.Invalidf("occurred_at", "is required")
	}
	matches, err := matchesArg(e.Matches)
	if err != nil {
		return nil, err
	}
	var existing *cairn.Event
	err = db.write(ctx, func(x q) error {
		existing = nil
		if err := checkOrg(ctx, x, e.OrgID); err != nil {
			return err
		}
		id := e.ID
		if id == "" {
			id = newID()
		}
		now := db.now()
		n, err := x.execN(ctx, "INSERT INTO issuing_events ("+eventColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id, external_id) DO NOTHING`,
			id, e.OrgID, e.ExternalID, e.Type, e.CourseID, floatArg(e.Score), e.Recipient, e.OccurredAt, now, string(e.Payload),
			e.PayloadHash, string(e.Outcome), matches, e.Error, now)
		if err != nil {
			return err
		}
		if n == 0 {
			existing, err = scanEvent(x.row(ctx, "SELECT "+eventColumns+" FROM issuing_events WHERE org_id = ? AND external_id = ?",
				e.OrgID, e.ExternalID))
			return orNotFound(err, "event")
		}
		e.ID, e.ReceivedAt, e.UpdatedAt, e.OccurredAt = id, now, now, norm(e.OccurredAt)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return existing, nil
}

// SetEventOutcome implements cairn.RuleStore.
func (db *DB) SetEventOutcome(ctx context.Context, orgID, id string, outcome cairn.EventOutcome, ms []cairn.EventMatch, errText string) (*cairn.Event, error) {
	if !outcome.Valid() {
		return nil, cairn.Invalidf("outcome", "%q is not an event outcome", outcome)
	}
	matches, err := matchesArg(ms)
	if err != nil {
		return nil, err
	}
	var e *cairn.Event
	err = db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "UPDATE issuing_events SET outcome = ?, matches = ?, error = ?, updated_at = ? WHERE id = ? AND org_id = ?",
			string(outcome), matches, errText, db.now(), id, orgID)
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound("event")
		}
		e, err = scanEvent(x.row(ctx, "SELECT "+eventColumns+" FROM issuing_events WHERE id = ?", id))
		return orNotFound(err, "event")
	})
	return e, err
}

// Event implements cairn.RuleStore.
func (db *DB) Event(ctx context.Context, orgID, id string) (*cairn.Event, error) {
	e, err := scanEvent(db.read().row(ctx, "SELECT "+eventColumns+" FROM issuing_events WHERE id = ? AND org_id = ?", id, orgID))
	if err != nil {
		return nil, orNotFound(err, "event")
	}
	return e, nil
}

// eventCursor encodes the position after an event of a page.
func eventCursor(e *cairn.Event) string {
	s := strconv.FormatInt(e.ReceivedAt.UnixMicro(), 10) + "." + e.ID
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// Events implements cairn.RuleStore.
func (db *DB) Events(ctx context.Context, f cairn.EventFilter) ([]*cairn.Event, string, error) {
	if f.OrgID == "" {
		return nil, "", cairn.Invalidf("org_id", "is required")
	}
	limit := f.Limit
	switch {
	case limit == 0:
		limit = DefaultPageSize
	case limit < 0 || limit > MaxPageSize:
		return nil, "", cairn.Invalidf("limit", "must be between 1 and %d", MaxPageSize)
	}
	var where strings.Builder
	where.WriteString(" WHERE org_id = ?")
	args := []any{f.OrgID}
	if f.Outcome != "" {
		if !f.Outcome.Valid() {
			return nil, "", cairn.Invalidf("outcome", "%q: want pending, awarded, no-match or error", f.Outcome)
		}
		where.WriteString(" AND outcome = ?")
		args = append(args, string(f.Outcome))
	}
	if f.Cursor != "" {
		t, id, err := parseCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		where.WriteString(" AND (received_at < ? OR (received_at = ? AND id < ?))")
		args = append(args, t, t, id)
	}
	args = append(args, limit+1)
	rows, err := db.read().query(ctx, "SELECT "+eventColumns+" FROM issuing_events"+where.String()+
		" ORDER BY received_at DESC, id DESC LIMIT ?", args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var page []*cairn.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, "", mapErr(err)
		}
		page = append(page, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", mapErr(err)
	}
	next := ""
	if len(page) > limit {
		page = page[:limit]
		next = eventCursor(page[limit-1])
	}
	return page, next, nil
}

var _ cairn.RuleStore = (*DB)(nil)
