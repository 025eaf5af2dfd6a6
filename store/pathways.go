package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/pathway"
)

// This file keeps stackable pathways (package pathway): their versions,
// the index "achievement → pathways that involve it", the awards they gave
// and what those were made of, recognitions of prior learning and the
// external badges learners presented.

const pathwayColumns = `p.id, p.org_id, v.version, v.name, v.description, v.achievement_id, v.rule, v.auto_award, p.created_at, v.created_at`

const pathwayFrom = ` FROM pathways p JOIN pathway_versions v ON v.pathway_id = p.id AND v.version = p.version`

func scanPathway(s scanner) (*pathway.Pathway, error) {
	var p pathway.Pathway
	var rule string
	if err := s.Scan(&p.ID, &p.OrgID, &p.Version, &p.Name, &p.Description, &p.AchievementID, &rule, &p.AutoAward,
		timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt}); err != nil {
		return nil, err
	}
	r, err := parseStoredRule(rule)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "stored rule of pathway %s", p.ID)
	}
	p.Rule = r
	return &p, nil
}

// ruleCache holds parsed stored rules by their JSON: a version's rule never
// changes, and parsing it is a third of a re-evaluation's CPU. Rules from
// it are shared: callers must not change them (nobody does; an edit makes
// a new rule). It is emptied when it reaches maxCachedRules.
var ruleCache struct {
	sync.Mutex
	m map[string]*pathway.Rule
}

const maxCachedRules = 4096

func parseStoredRule(text string) (*pathway.Rule, error) {
	ruleCache.Lock()
	r := ruleCache.m[text]
	ruleCache.Unlock()
	if r != nil {
		return r, nil
	}
	r, err := pathway.ParseRule([]byte(text))
	if err != nil {
		return nil, err
	}
	ruleCache.Lock()
	if ruleCache.m == nil || len(ruleCache.m) >= maxCachedRules {
		ruleCache.m = map[string]*pathway.Rule{}
	}
	ruleCache.m[text] = r
	ruleCache.Unlock()
	return r, nil
}

func validPathway(p *pathway.Pathway) error {
	if err := required("orgId", p.OrgID, "name", p.Name, "achievementId", p.AchievementID); err != nil {
		return err
	}
	if p.Rule == nil {
		return cairn.Invalidf("rule", "is required")
	}
	return nil
}

// CreatePathway stores version 1 of a new pathway of p.OrgID and updates
// the organization's index of involved achievements, in one transaction.
// It sets p.ID (if ""), p.Version, CreatedAt and UpdatedAt. Errors:
// Invalid, NotFound (achievement not of the organization).
func (db *DB) CreatePathway(ctx context.Context, p *pathway.Pathway) error {
	if err := validPathway(p); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		if err := checkOwned(ctx, x, "achievements", "achievement", p.OrgID, p.AchievementID); err != nil {
			return &cairn.Error{Kind: cairn.NotFound, Field: "achievementId", Message: "no such achievement", Err: err}
		}
		if p.ID == "" {
			p.ID = newID()
		}
		p.Version = 1
		p.CreatedAt = db.now()
		p.UpdatedAt = p.CreatedAt
		if _, err := x.exec(ctx, "INSERT INTO pathways (id, org_id, version, created_at, updated_at) VALUES (?, ?, 1, ?, ?)",
			p.ID, p.OrgID, p.CreatedAt, p.UpdatedAt); err != nil {
			return err
		}
		if err := insertVersion(ctx, x, p); err != nil {
			return err
		}
		return reindexPathways(ctx, x, p.OrgID)
	})
}

func insertVersion(ctx context.Context, x q, p *pathway.Pathway) error {
	rule, err := json.Marshal(p.Rule)
	if err != nil {
		return cairn.Wrapf(cairn.Internal, err, "encoding a rule")
	}
	_, err = x.exec(ctx, `INSERT INTO pathway_versions (pathway_id, version, name, description, achievement_id, rule, auto_award, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, p.Version, p.Name, p.Description, p.AchievementID, string(rule), p.AutoAward, p.UpdatedAt)
	return err
}

// UpdatePathway stores a new version of pathway p.ID of p.OrgID with p's
// name, description, achievement, rule and auto-award, and sets p.Version,
// CreatedAt and UpdatedAt. Older versions stay. Errors: Invalid, NotFound.
func (db *DB) UpdatePathway(ctx context.Context, p *pathway.Pathway) error {
	if err := validPathway(p); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		if err := checkOwned(ctx, x, "achievements", "achievement", p.OrgID, p.AchievementID); err != nil {
			return &cairn.Error{Kind: cairn.NotFound, Field: "achievementId", Message: "no such achievement", Err: err}
		}
		var version int
		err := x.row(ctx, "SELECT version, created_at FROM pathways WHERE id = ? AND org_id = ? AND deleted_at IS NULL"+x.d.forUpdate(),
			p.ID, p.OrgID).Scan(&version, timeCol{&p.CreatedAt})
		if err != nil {
			return orNotFound(err, "pathway")
		}
		p.Version = version + 1
		p.UpdatedAt = db.now()
		if _, err := x.exec(ctx, "UPDATE pathways SET version = ?, updated_at = ? WHERE id = ?", p.Version, p.UpdatedAt, p.ID); err != nil {
			return err
		}
		if err := insertVersion(ctx, x, p); err != nil {
			return err
		}
		return reindexPathways(ctx, x, p.OrgID)
	})
}

// DeletePathway deletes a pathway of the organization: it no longer
// awards, and its index entries go; its versions stay for the awards it
// gave. Errors: NotFound.
func (db *DB) DeletePathway(ctx context.Context, orgID, id string) error {
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "UPDATE pathways SET deleted_at = ? WHERE id = ? AND org_id = ? AND deleted_at IS NULL", db.now(), id, orgID)
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound("pathway")
		}
		return reindexPathways(ctx, x, orgID)
	})
}

// reindexPathways rebuilds the organization's rows of
// pathway_achievements from its current pathways.
func reindexPathways(ctx context.Context, x q, orgID string) error {
	rows, err := x.query(ctx, "SELECT "+pathwayColumns+pathwayFrom+" WHERE p.org_id = ? AND p.deleted_at IS NULL", orgID)
	if err != nil {
		return err
	}
	ps := map[string]*pathway.Pathway{}
	for rows.Next() {
		p, err := scanPathway(rows)
		if err != nil {
			rows.Close()
			return mapErr(err)
		}
		ps[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return mapErr(err)
	}
	if _, err := x.exec(ctx, "DELETE FROM pathway_achievements WHERE org_id = ?", orgID); err != nil {
		return err
	}
	for id, achs := range pathway.Involved(ps) {
		for _, a := range achs {
			if _, err := x.exec(ctx, "INSERT INTO pathway_achievements (achievement_id, pathway_id, org_id) VALUES (?, ?, ?)", a, id, orgID); err != nil {
				return err
			}
		}
	}
	return nil
}

// Pathway returns the current version of a pathway of the organization.
// Errors: NotFound (none, or deleted).
func (db *DB) Pathway(ctx context.Context, orgID, id string) (*pathway.Pathway, error) {
	p, err := scanPathway(db.read().row(ctx, "SELECT "+pathwayColumns+pathwayFrom+" WHERE p.id = ? AND p.org_id = ? AND p.deleted_at IS NULL", id, orgID))
	if err != nil {
		return nil, orNotFound(err, "pathway")
	}
	return p, nil
}

// PathwayVersion returns one version of a pathway of the organization,
// deleted or not. Errors: NotFound.
func (db *DB) PathwayVersion(ctx context.Context, orgID, id string, version int) (*pathway.Pathway, error) {
	p, err := scanPathway(db.read().row(ctx, `SELECT p.id, p.org_id, v.version, v.name, v.description, v.achievement_id, v.rule, v.auto_award, p.created_at, v.created_at
		FROM pathways p JOIN pathway_versions v ON v.pathway_id = p.id WHERE p.id = ? AND p.org_id = ? AND v.version = ?`, id, orgID, version))
	if err != nil {
		return nil, orNotFound(err, "pathway version")
	}
	return p, nil
}

// PublicPathway returns the current version of a pathway by ID, for its
// public page. Errors: NotFound.
func (db *DB) PublicPathway(ctx context.Context, id string) (*pathway.Pathway, error) {
	p, err := scanPathway(db.read().row(ctx, "SELECT "+pathwayColumns+pathwayFrom+" WHERE p.id = ? AND p.deleted_at IS NULL", id))
	if err != nil {
		return nil, orNotFound(err, "pathway")
	}
	return p, nil
}

// Pathways returns the organization's current pathways, oldest first.
func (db *DB) Pathways(ctx context.Context, orgID string) ([]*pathway.Pathway, error) {
	return db.pathways(ctx, "SELECT "+pathwayColumns+pathwayFrom+" WHERE p.org_id = ? AND p.deleted_at IS NULL ORDER BY p.created_at, p.id", orgID)
}

// PathwaysInvolving returns the current pathways that involve an
// achievement (of any organization: achievement IDs are unique), by the
// index, oldest first: those an award change of the achievement may
// change.
func (db *DB) PathwaysInvolving(ctx context.Context, achievementID string) ([]*pathway.Pathway, error) {
	return db.pathways(ctx, "SELECT "+pathwayColumns+pathwayFrom+` JOIN pathway_achievements i ON i.pathway_id = p.id
		WHERE i.achievement_id = ? AND p.deleted_at IS NULL ORDER BY p.created_at, p.id`, achievementID)
}

func (db *DB) pathways(ctx context.Context, query string, args ...any) ([]*pathway.Pathway, error) {
	rows, err := db.read().pquery(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*pathway.Pathway
	for rows.Next() {
		p, err := scanPathway(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, p)
	}
	return out, mapErr(rows.Err())
}

// InvolvedAchievements returns every achievement some pathway involves,
// of every organization (for the in-memory filter of award changes).
func (db *DB) InvolvedAchievements(ctx context.Context) ([]string, error) {
	rows, err := db.read().query(ctx, "SELECT DISTINCT achievement_id FROM pathway_achievements")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, id)
	}
	return out, mapErr(rows.Err())
}

// LearnerAwards returns what the evaluator needs of every award of the
// organization to recipient (an email or DID, as stored), with each
// achievement's creditsAvailable: one indexed query, without the signed
// credentials.
func (db *DB) LearnerAwards(ctx context.Context, orgID, recipient string) ([]pathway.Award, error) {
	var out []pathway.Award
	err := db.learnerAwards(ctx, qLearnerAwards+" = ?", []any{orgID, recipient}, func(_ string, a pathway.Award) {
		out = append(out, a)
	})
	return out, err
}

const qLearnerAwards = `SELECT a.recipient_identity, a.id, a.achievement_id, a.state, a.awarded_date, a.valid_from, a.valid_until, a.results,
	a.credits_earned, c.credits_available, EXISTS (SELECT 1 FROM pathway_awards pa WHERE pa.award_id = a.id)
	FROM awards a JOIN achievements c ON c.id = a.achievement_id
	WHERE a.org_id = ? AND a.recipient_identity`

// learnersChunk is how many learners one query of LearnersAwards reads
// (a fixed IN list, padded, so that it is one prepared statement).
const learnersChunk = 100

// LearnersAwards is LearnerAwards for many learners of the organization
// at once (a bulk job's batch): their awards by recipient, in queries of
// learnersChunk learners on the same index. A learner without awards has
// no entry.
func (db *DB) LearnersAwards(ctx context.Context, orgID string, recipients []string) (map[string][]pathway.Award, error) {
	out := make(map[string][]pathway.Award, len(recipients))
	add := func(r string, a pathway.Award) { out[r] = append(out[r], a) }
	query := qLearnerAwards + " IN (?" + strings.Repeat(", ?", learnersChunk-1) + ")"
	args := make([]any, 1+learnersChunk)
	args[0] = orgID
	for len(recipients) > 0 {
		n := min(len(recipients), learnersChunk)
		for i := range learnersChunk {
			args[1+i] = recipients[min(i, n-1)] // padded with the last
		}
		if err := db.learnerAwards(ctx, query, args, add); err != nil {
			return nil, err
		}
		recipients = recipients[n:]
	}
	return out, nil
}

func (db *DB) learnerAwards(ctx context.Context, query string, args []any, add func(recipient string, a pathway.Award)) error {
	rows, err := db.read().pquery(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a pathway.Award
		var recipient, state, results string
		if err := rows.Scan(&recipient, &a.ID, &a.AchievementID, &state, timeCol{&a.AwardedDate}, timeCol{&a.ValidFrom}, nullTimeCol{&a.ValidUntil},
			&results, nullFloatCol{&a.CreditsEarned}, nullFloatCol{&a.CreditsAvailable}, &a.FromPathway); err != nil {
			return mapErr(err)
		}
		a.State = cairn.AwardState(state)
		if results != "" && results != "null" && results != "[]" {
			var rs []ob.Result
			if json.Unmarshal([]byte(results), &rs) == nil {
				a.Score = pathway.Score(rs)
			}
		}
		add(recipient, a)
	}
	return mapErr(rows.Err())
}

// AwardByIdempotencyKey returns the organization's award created with the
// idempotency key. Errors: NotFound.
func (db *DB) AwardByIdempotencyKey(ctx context.Context, orgID, key string) (*cairn.Award, error) {
	if key == "" {
		return nil, notFound("award")
	}
	a, err := scanAward(db.read().prow(ctx, qAwardByKey, orgID, key))
	if err != nil {
		return nil, orNotFound(err, "award")
	}
	return a, nil
}

// PathwayAward returns the award pathwayID gave to recipient, with its
// sources. Errors: NotFound.
func (db *DB) PathwayAward(ctx context.Context, orgID, pathwayID, recipient string) (*pathway.Earned, error) {
	var e pathway.Earned
	err := db.read().prow(ctx, `SELECT award_id, org_id, pathway_id, version, recipient_identity, suspended_by_pathway, created_at, updated_at
		FROM pathway_awards WHERE org_id = ? AND pathway_id = ? AND recipient_identity = ?`, orgID, pathwayID, recipient).Scan(
		&e.AwardID, &e.OrgID, &e.PathwayID, &e.Version, &e.Recipient, &e.SuspendedByPathway, timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt})
	if err != nil {
		return nil, orNotFound(err, "pathway award")
	}
	rows, err := db.read().pquery(ctx, "SELECT kind, source_id FROM pathway_award_sources WHERE award_id = ? ORDER BY kind, source_id", e.AwardID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s pathway.Source
		if err := rows.Scan(&s.Kind, &s.ID); err != nil {
			return nil, mapErr(err)
		}
		e.Sources = append(e.Sources, s)
	}
	return &e, mapErr(rows.Err())
}

// PathwayAwardByID returns the record of a pathway award by the award's
// ID, with its sources. Errors: NotFound (no pathway gave this award).
func (db *DB) PathwayAwardByID(ctx context.Context, awardID string) (*pathway.Earned, error) {
	var e pathway.Earned
	err := db.read().prow(ctx, `SELECT award_id, org_id, pathway_id, version, recipient_identity, suspended_by_pathway, created_at, updated_at
		FROM pathway_awards WHERE award_id = ?`, awardID).Scan(
		&e.AwardID, &e.OrgID, &e.PathwayID, &e.Version, &e.Recipient, &e.SuspendedByPathway, timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt})
	if err != nil {
		return nil, orNotFound(err, "pathway award")
	}
	if e.Sources, err = db.pathwaySources(ctx, e.AwardID); err != nil {
		return nil, err
	}
	return &e, nil
}

// LearnerPathwayAwards returns the records of every pathway award of the
// organization to recipient, with their sources, oldest first.
func (db *DB) LearnerPathwayAwards(ctx context.Context, orgID, recipient string) ([]*pathway.Earned, error) {
	// Through the awards' (org, recipient) index.
	rows, err := db.read().pquery(ctx, `SELECT pa.award_id, pa.org_id, pa.pathway_id, pa.version, pa.recipient_identity, pa.suspended_by_pathway,
		pa.created_at, pa.updated_at FROM awards a JOIN pathway_awards pa ON pa.award_id = a.id
		WHERE a.org_id = ? AND a.recipient_identity = ? ORDER BY pa.created_at, pa.award_id`, orgID, recipient)
	if err != nil {
		return nil, err
	}
	var out []*pathway.Earned
	for rows.Next() {
		var e pathway.Earned
		if err := rows.Scan(&e.AwardID, &e.OrgID, &e.PathwayID, &e.Version, &e.Recipient, &e.SuspendedByPathway,
			timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt}); err != nil {
			rows.Close()
			return nil, mapErr(err)
		}
		out = append(out, &e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	for _, e := range out {
		if e.Sources, err = db.pathwaySources(ctx, e.AwardID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (db *DB) pathwaySources(ctx context.Context, awardID string) ([]pathway.Source, error) {
	rows, err := db.read().pquery(ctx, "SELECT kind, source_id FROM pathway_award_sources WHERE award_id = ? ORDER BY kind, source_id", awardID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pathway.Source
	for rows.Next() {
		var s pathway.Source
		if err := rows.Scan(&s.Kind, &s.ID); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, s)
	}
	return out, mapErr(rows.Err())
}

// RecordPathwayAward records that a pathway gave award e.AwardID, with its
// sources, and sets CreatedAt and UpdatedAt. Recording the same award
// again changes nothing. Errors: Invalid, Conflict (the pathway gave the
// learner another award).
func (db *DB) RecordPathwayAward(ctx context.Context, e *pathway.Earned) error {
	if err := required("awardId", e.AwardID, "pathwayId", e.PathwayID, "recipient", e.Recipient); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		var existing string
		err := x.row(ctx, "SELECT award_id FROM pathway_awards WHERE pathway_id = ? AND recipient_identity = ?", e.PathwayID, e.Recipient).Scan(&existing)
		switch {
		case err == nil && existing == e.AwardID:
			return nil
		case err == nil:
			return cairn.Errorf(cairn.Conflict, "pathway %s already gave award %s to this learner", e.PathwayID, existing)
		case !isNoRows(err):
			return mapErr(err)
		}
		e.CreatedAt = db.now()
		e.UpdatedAt = e.CreatedAt
		if _, err := x.exec(ctx, `INSERT INTO pathway_awards (award_id, org_id, pathway_id, version, recipient_identity, suspended_by_pathway, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.AwardID, e.OrgID, e.PathwayID, e.Version, e.Recipient, e.SuspendedByPathway, e.CreatedAt, e.UpdatedAt); err != nil {
			return err
		}
		return writeSources(ctx, x, e.AwardID, e.Sources)
	})
}

// UpdatePathwayAward sets whether the pathway holds award awardID
// suspended and, if sources is not nil, replaces its sources. Errors:
// NotFound.
func (db *DB) UpdatePathwayAward(ctx context.Context, awardID string, suspendedByPathway bool, sources []pathway.Source) error {
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "UPDATE pathway_awards SET suspended_by_pathway = ?, updated_at = ? WHERE award_id = ?", suspendedByPathway, db.now(), awardID)
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound("pathway award")
		}
		if sources == nil {
			return nil
		}
		if _, err := x.exec(ctx, "DELETE FROM pathway_award_sources WHERE award_id = ?", awardID); err != nil {
			return err
		}
		return writeSources(ctx, x, awardID, sources)
	})
}

func writeSources(ctx context.Context, x q, awardID string, sources []pathway.Source) error {
	seen := map[pathway.Source]bool{}
	for _, s := range sources {
		if seen[s] {
			continue
		}
		seen[s] = true
		if _, err := x.exec(ctx, "INSERT INTO pathway_award_sources (award_id, kind, source_id) VALUES (?, ?, ?)", awardID, s.Kind, s.ID); err != nil {
			return err
		}
	}
	return nil
}

// PathwayCompletions returns how many awards each pathway of the
// organization gave, by state of the award (active, suspended, revoked).
func (db *DB) PathwayCompletions(ctx context.Context, orgID string) (map[string]map[cairn.AwardState]int, error) {
	rows, err := db.read().query(ctx, `SELECT pa.pathway_id, a.state, COUNT(*) FROM pathway_awards pa JOIN awards a ON a.id = pa.award_id
		WHERE pa.org_id = ? GROUP BY pa.pathway_id, a.state`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[cairn.AwardState]int{}
	for rows.Next() {
		var id, state string
		var n int
		if err := rows.Scan(&id, &state, &n); err != nil {
			return nil, mapErr(err)
		}
		if out[id] == nil {
			out[id] = map[cairn.AwardState]int{}
		}
		out[id][cairn.AwardState(state)] = n
	}
	return out, mapErr(rows.Err())
}

// PathwayRecipients returns the recipients of the organization who hold
// an award of any of the achievements, at most limit of them, after the
// recipient after (for sweeps over every learner a new pathway concerns).
func (db *DB) PathwayRecipients(ctx context.Context, orgID string, achievementIDs []string, after string, limit int) ([]string, error) {
	if len(achievementIDs) == 0 {
		return nil, nil
	}
	args := []any{orgID}
	for _, a := range achievementIDs {
		args = append(args, a)
	}
	args = append(args, after, limit)
	rows, err := db.read().query(ctx, `SELECT DISTINCT recipient_identity FROM awards WHERE org_id = ? AND achievement_id IN (?`+
		strings.Repeat(", ?", len(achievementIDs)-1)+`) AND recipient_identity > ? ORDER BY recipient_identity LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// CreateRecognition stores a kind of prior learning the organization
// recognizes and sets its ID (if "") and CreatedAt. Errors: Invalid.
func (db *DB) CreateRecognition(ctx context.Context, r *pathway.RecognitionDef) error {
	if err := required("orgId", r.OrgID, "name", r.Name); err != nil {
		return err
	}
	return db.write(ctx, func(x q) error {
		if r.ID == "" {
			r.ID = newID()
		}
		r.CreatedAt = db.now()
		_, err := x.exec(ctx, "INSERT INTO recognitions (id, org_id, name, description, credits, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			r.ID, r.OrgID, r.Name, r.Description, floatArg(r.Credits), r.CreatedAt)
		return err
	})
}

// Recognitions returns the organization's recognitions, oldest first.
func (db *DB) Recognitions(ctx context.Context, orgID string) ([]*pathway.RecognitionDef, error) {
	rows, err := db.read().query(ctx, "SELECT id, org_id, name, description, credits, created_at FROM recognitions WHERE org_id = ? ORDER BY created_at, id", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*pathway.RecognitionDef
	for rows.Next() {
		var r pathway.RecognitionDef
		if err := rows.Scan(&r.ID, &r.OrgID, &r.Name, &r.Description, nullFloatCol{&r.Credits}, timeCol{&r.CreatedAt}); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, &r)
	}
	return out, mapErr(rows.Err())
}

// RecordRecognition stores a recognition of prior learning for a learner,
// and msgs (package outbox: the re-evaluation it causes) in the same
// transaction. It sets r.ID (if "") and CreatedAt. Errors: Invalid,
// NotFound (no such recognition in the organization).
func (db *DB) RecordRecognition(ctx context.Context, r *pathway.LearnerRecognition, msgs ...outbox.Message) error {
	if err := required("orgId", r.OrgID, "recognitionId", r.RecognitionID, "recipient", r.Recipient); err != nil {
		return err
	}
	ev, err := jsonArg(orEmpty(r.Evidence))
	if err != nil {
		return cairn.Wrapf(cairn.Invalid, err, "evidence")
	}
	var stored bool
	err = db.write(ctx, func(x q) error {
		if err := checkOwned(ctx, x, "recognitions", "recognition", r.OrgID, r.RecognitionID); err != nil {
			return &cairn.Error{Kind: cairn.NotFound, Field: "recognitionId", Message: "no such recognition", Err: err}
		}
		if r.ID == "" {
			r.ID = newID()
		}
		r.CreatedAt = db.now()
		if _, err := x.exec(ctx, `INSERT INTO learner_recognitions (id, org_id, recognition_id, recipient_identity, evidence, note, recorded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.OrgID, r.RecognitionID, r.Recipient, ev, r.Note, r.RecordedBy, r.CreatedAt); err != nil {
			return err
		}
		stored, err = db.writeMessages(ctx, x, msgs)
		return err
	})
	if err == nil && stored {
		db.wakeOutbox()
	}
	return err
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// LearnerRecognitions returns the recognitions recorded for a learner of
// the organization, with each recognition's credits, oldest first.
func (db *DB) LearnerRecognitions(ctx context.Context, orgID, recipient string) ([]pathway.Recognition, error) {
	rows, err := db.read().pquery(ctx, `SELECT l.id, l.recognition_id, r.credits FROM learner_recognitions l JOIN recognitions r ON r.id = l.recognition_id
		WHERE l.org_id = ? AND l.recipient_identity = ? ORDER BY l.created_at, l.id`, orgID, recipient)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pathway.Recognition
	for rows.Next() {
		var r pathway.Recognition
		if err := rows.Scan(&r.ID, &r.RecognitionID, nullFloatCol{&r.Credits}); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// AddExternalBadge records a verified badge of another issuer that a
// learner presented (the same credential again replaces its record), and
// msgs in the same transaction. It sets e.ID (if "") and VerifiedAt.
// Errors: Invalid.
func (db *DB) AddExternalBadge(ctx context.Context, e *pathway.ExternalRecord, msgs ...outbox.Message) error {
	if err := required("orgId", e.OrgID, "recipient", e.Recipient, "credential.id", e.CredentialID, "credential.issuer", e.Issuer); err != nil {
		return err
	}
	var stored bool
	err := db.write(ctx, func(x q) error {
		if e.ID == "" {
			e.ID = newID()
		}
		e.VerifiedAt = db.now()
		if _, err := x.exec(ctx, "DELETE FROM external_badges WHERE org_id = ? AND recipient_identity = ? AND credential_id = ?",
			e.OrgID, e.Recipient, e.CredentialID); err != nil {
			return err
		}
		if _, err := x.exec(ctx, `INSERT INTO external_badges (id, org_id, recipient_identity, credential_id, issuer, achievement_id, achievement_name, valid_until, verified_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, e.OrgID, e.Recipient, e.CredentialID, e.Issuer, e.AchievementID, e.AchievementName,
			normp(e.ValidUntil), e.VerifiedAt); err != nil {
			return err
		}
		var err error
		stored, err = db.writeMessages(ctx, x, msgs)
		return err
	})
	if err == nil && stored {
		db.wakeOutbox()
	}
	return err
}

// ExternalBadges returns the verified external badges of a learner of the
// organization.
func (db *DB) ExternalBadges(ctx context.Context, orgID, recipient string) ([]pathway.ExternalBadge, error) {
	rows, err := db.read().pquery(ctx, `SELECT id, issuer, achievement_id, achievement_name, valid_until FROM external_badges
		WHERE org_id = ? AND recipient_identity = ? ORDER BY verified_at, id`, orgID, recipient)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pathway.ExternalBadge
	for rows.Next() {
		var b pathway.ExternalBadge
		if err := rows.Scan(&b.ID, &b.Issuer, &b.AchievementID, &b.AchievementName, nullTimeCol{&b.ValidUntil}); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, b)
	}
	return out, mapErr(rows.Err())
}

// ExpiredInvolvedAwards returns, at most limit of them in (validUntil, id)
// order, the awards whose validUntil is in [from, to) (or equal to from
// with an id after afterID) and whose achievement some pathway involves:
// the award changes that time makes. Page with the last one's ValidUntil
// and AwardID.
func (db *DB) ExpiredInvolvedAwards(ctx context.Context, from time.Time, afterID string, to time.Time, limit int) ([]ExpiredAward, error) {
	rows, err := db.read().query(ctx, `SELECT a.org_id, a.recipient_identity, a.achievement_id, a.id, a.valid_until FROM awards a
		WHERE (a.valid_until > ? OR (a.valid_until = ? AND a.id > ?)) AND a.valid_until < ?
		AND a.achievement_id IN (SELECT achievement_id FROM pathway_achievements)
		ORDER BY a.valid_until, a.id LIMIT ?`, from, from, afterID, to, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ExpiredAward
	for rows.Next() {
		var e ExpiredAward
		if err := rows.Scan(&e.OrgID, &e.Recipient, &e.AchievementID, &e.AwardID, timeCol{&e.ValidUntil}); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// ExpiredAward is an award whose validUntil passed.
type ExpiredAward struct {
	OrgID, Recipient, AchievementID, AwardID string
	ValidUntil                               time.Time
}

func isNoRows(err error) bool { return errors.Is(err, sqlNoRows) }
