package store

import (
	"context"

	"github.com/cairn-badges/cairn"
)

const endorsementColumns = `id, org_id, origin, issuer_id, endorser_id, endorser_name, subject_id, subject_type, subject_org_id,
	achievement_id, subject_issuer_id, comment, credential_json, credential_jwt, status_list_id, status_index, state,
	state_reason, valid_from, created_at, updated_at`

func scanEndorsement(s scanner) (*cairn.Endorsement, error) {
	var e cairn.Endorsement
	var origin, jwt, listID string
	var index int
	err := s.Scan(&e.ID, &e.OrgID, &origin, &e.IssuerID, &e.EndorserID, &e.EndorserName, &e.SubjectID, &e.SubjectType,
		&e.SubjectOrgID, &e.AchievementID, &e.SubjectIssuerID, &e.Comment, &e.CredentialJSON, &jwt, &listID, &index,
		&e.State, &e.StateReason, timeCol{&e.ValidFrom}, timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt})
	return &e, err
}

// CreateEndorsement implements cairn.EndorsementStore. The endorsements
// issued here have origin 'issued' and no status list entry (revocation
// is kept in the row; see the migration for the columns kept for later).
func (db *DB) CreateEndorsement(ctx context.Context, e *cairn.Endorsement) error {
	if err := required("id", e.ID, "org_id", e.OrgID, "issuer_id", e.IssuerID, "subject_id", e.SubjectID); err != nil {
		return err
	}
	if len(e.CredentialJSON) == 0 {
		return cairn.Invalidf("credential_json", "is required")
	}
	return db.write(ctx, func(x q) error {
		now := db.now()
		e.CreatedAt, e.UpdatedAt, e.State = now, now, cairn.EndorsementActive
		_, err := x.exec(ctx, "INSERT INTO endorsements ("+endorsementColumns+`) VALUES
			(?, ?, 'issued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 0, ?, ?, ?, ?, ?)`,
			e.ID, e.OrgID, e.IssuerID, e.EndorserID, e.EndorserName, e.SubjectID, string(e.SubjectType), e.SubjectOrgID,
			e.AchievementID, e.SubjectIssuerID, e.Comment, e.CredentialJSON, string(e.State), e.StateReason,
			e.ValidFrom, e.CreatedAt, e.UpdatedAt)
		if err != nil {
			return err
		}
		return db.writeEndorsementEvent(ctx, x, e)
	})
}

// writeEndorsementEvent records the log event of an endorsement in the
// log's outbox, in the transaction x.
func (db *DB) writeEndorsementEvent(ctx context.Context, x q, e *cairn.Endorsement) error {
	if db.EndorsementEvent == nil {
		return nil
	}
	ev, err := db.EndorsementEvent(ctx, e)
	if err != nil || ev == nil {
		return err
	}
	data, err := ev.Marshal()
	if err != nil {
		return cairn.Wrapf(cairn.Internal, err, "the log event of endorsement %s cannot be encoded", e.ID)
	}
	_, err = x.exec(ctx, qInsertOutbox, ev.CredentialID, data, db.now())
	return err
}

// Endorsement implements cairn.EndorsementStore.
func (db *DB) Endorsement(ctx context.Context, orgID, id string) (*cairn.Endorsement, error) {
	e, err := scanEndorsement(db.read().row(ctx, "SELECT "+endorsementColumns+
		" FROM endorsements WHERE id = ? AND (org_id = ? OR subject_org_id = ?)", id, orgID, orgID))
	if err != nil {
		return nil, orNotFound(err, "endorsement")
	}
	return e, nil
}

// PublicEndorsement implements cairn.EndorsementStore.
func (db *DB) PublicEndorsement(ctx context.Context, id string) (*cairn.Endorsement, error) {
	e, err := scanEndorsement(db.read().row(ctx, "SELECT "+endorsementColumns+" FROM endorsements WHERE id = ?", id))
	if err != nil {
		return nil, orNotFound(err, "endorsement")
	}
	return e, nil
}

func (db *DB) endorsements(ctx context.Context, where string, args ...any) ([]*cairn.Endorsement, error) {
	rows, err := db.read().query(ctx, "SELECT "+endorsementColumns+" FROM endorsements WHERE "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*cairn.Endorsement
	for rows.Next() {
		e, err := scanEndorsement(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// Endorsements implements cairn.EndorsementStore.
func (db *DB) Endorsements(ctx context.Context, orgID string) (given, received []*cairn.Endorsement, err error) {
	if given, err = db.endorsements(ctx, "org_id = ? AND origin = 'issued' ORDER BY created_at DESC, id", orgID); err != nil {
		return nil, nil, err
	}
	received, err = db.endorsements(ctx, "subject_org_id = ? ORDER BY created_at DESC, id", orgID)
	return given, received, err
}

// EndorsementsOf implements cairn.EndorsementStore.
func (db *DB) EndorsementsOf(ctx context.Context, typ cairn.EndorsementSubjectType, id string) ([]*cairn.Endorsement, error) {
	col := "achievement_id"
	if typ == cairn.EndorseProfile {
		col = "subject_issuer_id"
	}
	return db.endorsements(ctx, "subject_type = ? AND "+col+" = ? AND state = 'active' ORDER BY created_at, id", string(typ), id)
}

// RevokeEndorsement implements cairn.EndorsementStore.
func (db *DB) RevokeEndorsement(ctx context.Context, orgID, id, reason string) (*cairn.Endorsement, error) {
	var e *cairn.Endorsement
	err := db.write(ctx, func(x q) error {
		var err error
		e, err = scanEndorsement(x.row(ctx, "SELECT "+endorsementColumns+
			" FROM endorsements WHERE id = ? AND org_id = ? AND origin = 'issued'", id, orgID))
		if err != nil {
			return orNotFound(err, "endorsement")
		}
		if e.State == cairn.EndorsementRevoked {
			return cairn.Errorf(cairn.Conflict, "the endorsement is revoked already")
		}
		e.State, e.StateReason, e.UpdatedAt = cairn.EndorsementRevoked, reason, db.now()
		if _, err = x.exec(ctx, "UPDATE endorsements SET state = ?, state_reason = ?, updated_at = ? WHERE id = ?",
			string(e.State), reason, e.UpdatedAt, id); err != nil {
			return err
		}
		return db.writeEndorsementEvent(ctx, x, e)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}
