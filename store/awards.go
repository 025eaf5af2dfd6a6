package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
)

// fullPercent is how full (in allocated indexes) a revocation list may get
// before awards go to a new pair of lists: random allocation gets slow and a
// list's herd thins as it fills.
const fullPercent = 90

// probes is how many random indexes ReserveAward tries in one list before
// it treats the list as full.
const probes = 64

const awardColumns = `id, org_id, issuer_id, achievement_id, recipient_type, recipient_identity, recipient_name,
	recipient_show_name, recipient_salt, narrative, evidence, results, credits_earned, activity_start, activity_end,
	awarded_date, valid_from, valid_until, formats, credential_json, credential_jwt, status_list_id, suspension_list_id,
	status_index, state, state_reason, idempotency_key, request_hash, created_at, updated_at`

const awardPlaceholders = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"

func scanAward(s scanner) (*cairn.Award, error) {
	var a cairn.Award
	err := s.Scan(&a.ID, &a.OrgID, &a.IssuerID, &a.AchievementID, &a.Recipient.Type, &a.Recipient.Identity,
		&a.Recipient.Name, &a.Recipient.ShowName, &a.Recipient.Salt, &a.Narrative, jsonCol{&a.Evidence},
		jsonCol{&a.Results}, nullFloatCol{&a.CreditsEarned}, nullTimeCol{&a.ActivityStart}, nullTimeCol{&a.ActivityEnd},
		timeCol{&a.AwardedDate}, timeCol{&a.ValidFrom}, nullTimeCol{&a.ValidUntil}, jsonCol{&a.Formats},
		bytesCol{&a.CredentialJSON}, &a.CredentialJWT, &a.StatusListID, &a.SuspensionListID, &a.StatusIndex,
		&a.State, &a.StateReason, &a.IdempotencyKey, &a.RequestHash, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	return &a, err
}

// awardArgs returns the values of awardColumns for a.
func awardArgs(a *cairn.Award) ([]any, error) {
	ev, err := jsonArg(a.Evidence)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Invalid, err, "evidence cannot be encoded")
	}
	res, err := jsonArg(a.Results)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Invalid, err, "results cannot be encoded")
	}
	formats, err := jsonArg(a.Formats)
	if err != nil {
		return nil, err
	}
	return []any{a.ID, a.OrgID, a.IssuerID, a.AchievementID, string(a.Recipient.Type), a.Recipient.Identity,
		a.Recipient.Name, a.Recipient.ShowName, a.Recipient.Salt, a.Narrative, ev, res, floatArg(a.CreditsEarned),
		a.ActivityStart, a.ActivityEnd, a.AwardedDate, a.ValidFrom, a.ValidUntil, formats, bytesArg(a.CredentialJSON),
		a.CredentialJWT, a.StatusListID, a.SuspensionListID, a.StatusIndex, string(a.State), a.StateReason,
		a.IdempotencyKey, a.RequestHash, a.CreatedAt, a.UpdatedAt}, nil
}

func validAward(a *cairn.Award) error {
	if err := required("org_id", a.OrgID, "achievement_id", a.AchievementID, "recipient.identity", a.Recipient.Identity); err != nil {
		return err
	}
	switch a.Recipient.Type {
	case cairn.RecipientEmail, cairn.RecipientDID:
	default:
		return cairn.Invalidf("recipient.type", "must be email or did")
	}
	if a.AwardedDate.IsZero() {
		return cairn.Invalidf("awarded_date", "is required")
	}
	if a.ValidFrom.IsZero() {
		return cairn.Invalidf("valid_from", "is required")
	}
	return nil
}

// Award implements cairn.AwardStore.
func (db *DB) Award(ctx context.Context, orgID, id string) (*cairn.Award, error) {
	a, err := scanAward(db.read().row(ctx, "SELECT "+awardColumns+" FROM awards WHERE id = ? AND org_id = ?", id, orgID))
	if err != nil {
		return nil, orNotFound(err, "award")
	}
	return a, nil
}

// PublicAward implements cairn.AwardStore.
func (db *DB) PublicAward(ctx context.Context, id string) (*cairn.Award, error) {
	a, err := scanAward(db.read().row(ctx, "SELECT "+awardColumns+" FROM awards WHERE id = ?", id))
	if err != nil {
		return nil, orNotFound(err, "award")
	}
	return a, nil
}

// Page sizes for Awards.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// awardWhere returns the WHERE clause and arguments for f, without paging.
func awardWhere(f cairn.AwardFilter) (string, []any, error) {
	if f.OrgID == "" {
		return "", nil, cairn.Invalidf("org_id", "is required")
	}
	var b strings.Builder
	b.WriteString(" WHERE org_id = ?")
	args := []any{f.OrgID}
	add := func(cond string, v any) {
		b.WriteString(" AND ")
		b.WriteString(cond)
		args = append(args, v)
	}
	if f.IssuerID != "" {
		add("issuer_id = ?", f.IssuerID)
	}
	if f.AchievementID != "" {
		add("achievement_id = ?", f.AchievementID)
	}
	if f.State != "" {
		if !f.State.Valid() {
			return "", nil, cairn.Invalidf("state", "must be active, revoked or suspended")
		}
		add("state = ?", string(f.State))
	}
	if f.Recipient != "" {
		add("recipient_identity = ?", f.Recipient)
	}
	if !f.Since.IsZero() {
		add("updated_at >= ?", f.Since)
	}
	return b.String(), args, nil
}

// cursor encodes the position after the last award of a page.
func cursor(a *cairn.Award) string {
	s := strconv.FormatInt(a.CreatedAt.UnixMicro(), 10) + "." + a.ID
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func parseCursor(c string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		us, id, ok := strings.Cut(string(b), ".")
		if n, err := strconv.ParseInt(us, 10, 64); ok && err == nil && id != "" {
			return time.UnixMicro(n).UTC(), id, nil
		}
	}
	return time.Time{}, "", cairn.Invalidf("cursor", "is not a cursor this server returned")
}

// Awards implements cairn.AwardStore.
func (db *DB) Awards(ctx context.Context, f cairn.AwardFilter) ([]*cairn.Award, string, error) {
	where, args, err := awardWhere(f)
	if err != nil {
		return nil, "", err
	}
	limit := f.Limit
	switch {
	case limit == 0:
		limit = DefaultPageSize
	case limit < 0 || limit > MaxPageSize:
		return nil, "", cairn.Invalidf("limit", "must be between 1 and %d", MaxPageSize)
	}
	if f.Cursor != "" {
		t, id, err := parseCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		where += " AND (created_at < ? OR (created_at = ? AND id < ?))"
		args = append(args, t, t, id)
	}
	args = append(args, limit+1)
	rows, err := db.read().query(ctx, "SELECT "+awardColumns+" FROM awards"+where+" ORDER BY created_at DESC, id DESC LIMIT ?", args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var page []*cairn.Award
	for rows.Next() {
		a, err := scanAward(rows)
		if err != nil {
			return nil, "", mapErr(err)
		}
		page = append(page, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", mapErr(err)
	}
	next := ""
	if len(page) > limit {
		page = page[:limit]
		next = cursor(page[limit-1])
	}
	return page, next, nil
}

// CountAwards implements cairn.AwardStore.
func (db *DB) CountAwards(ctx context.Context, f cairn.AwardFilter) (int, error) {
	where, args, err := awardWhere(f)
	if err != nil {
		return 0, err
	}
	var n int
	err = db.read().row(ctx, "SELECT COUNT(*) FROM awards"+where, args...).Scan(&n)
	return n, mapErr(err)
}

// SetAwardState implements cairn.AwardStore.
func (db *DB) SetAwardState(ctx context.Context, orgID, id string, state cairn.AwardState, reason string) (*cairn.Award, error) {
	if !state.Valid() {
		return nil, cairn.Invalidf("state", "must be active, revoked or suspended")
	}
	defer db.markChanged(id) // after the commit: see headCache and watch.go
	var out *cairn.Award
	err := db.write(ctx, func(x q) error {
		a, err := scanAward(x.row(ctx, "SELECT "+awardColumns+" FROM awards WHERE id = ? AND org_id = ?"+x.d.forUpdate(), id, orgID))
		if err != nil {
			return orNotFound(err, "award")
		}
		if a.State == cairn.StateRevoked && state != cairn.StateRevoked {
			return cairn.Errorf(cairn.Conflict, "the award is revoked; revocation cannot be undone")
		}
		now := db.now()
		if a.State != state {
			// Lists in a fixed order (revocation, then suspension), so that
			// concurrent transactions lock them in the same order.
			if err := setBit(ctx, x, a.StatusListID, a.StatusIndex, state == cairn.StateRevoked, now); err != nil {
				return err
			}
			if err := setBit(ctx, x, a.SuspensionListID, a.StatusIndex, state == cairn.StateSuspended, now); err != nil {
				return err
			}
		}
		if _, err := x.exec(ctx, "UPDATE awards SET state = ?, state_reason = ?, updated_at = ? WHERE id = ?",
			string(state), reason, now, a.ID); err != nil {
			return err
		}
		prev := *a
		a.State, a.StateReason, a.UpdatedAt = state, reason, now
		if err := db.writeOutbox(ctx, x, &prev, a); err != nil {
			return err
		}
		out = a
		return nil
	})
	if err == nil {
		db.wakeOutbox()
	}
	return out, err
}

// setBit sets or clears entry idx of a list, bumping its version if the bit
// changes.
func setBit(ctx context.Context, x q, listID string, idx int, v bool, now time.Time) error {
	var bits []byte
	if err := x.row(ctx, "SELECT bits FROM status_lists WHERE id = ?"+x.d.forUpdate(), listID).Scan(bytesCol{&bits}); err != nil {
		return orNotFound(err, "status list")
	}
	if idx < 0 || idx/8 >= len(bits) {
		return cairn.Errorf(cairn.Internal, "status index %d outside list %s", idx, listID)
	}
	mask := byte(0x80) >> (idx % 8)
	old := bits[idx/8]
	if v {
		bits[idx/8] |= mask
	} else {
		bits[idx/8] &^= mask
	}
	if bits[idx/8] == old {
		return nil
	}
	_, err := x.exec(ctx, "UPDATE status_lists SET bits = ?, version = version + 1, updated_at = ? WHERE id = ?", bits, now, listID)
	return err
}

// UpdateAward implements cairn.AwardStore.
func (db *DB) UpdateAward(ctx context.Context, orgID, id string, change func(a *cairn.Award) error) (*cairn.Award, error) {
	defer db.markChanged(id) // after the commit: see headCache and watch.go
	var out *cairn.Award
	err := db.write(ctx, func(x q) error {
		cur, err := scanAward(x.row(ctx, "SELECT "+awardColumns+" FROM awards WHERE id = ? AND org_id = ?"+x.d.forUpdate(), id, orgID))
		if err != nil {
			return orNotFound(err, "award")
		}
		if cur.State == cairn.StateRevoked {
			return cairn.Errorf(cairn.Conflict, "the award is revoked")
		}
		c := *cur
		if err := change(&c); err != nil {
			return err
		}
		if c.ValidFrom.IsZero() {
			return cairn.Invalidf("valid_from", "is required")
		}
		n := *cur
		n.Recipient.Name, n.Recipient.ShowName = c.Recipient.Name, c.Recipient.ShowName
		n.Narrative, n.Evidence, n.Results, n.CreditsEarned = c.Narrative, c.Evidence, c.Results, c.CreditsEarned
		n.ActivityStart, n.ActivityEnd = normp(c.ActivityStart), normp(c.ActivityEnd)
		n.ValidFrom, n.ValidUntil = norm(c.ValidFrom), normp(c.ValidUntil)
		n.Formats, n.CredentialJSON, n.CredentialJWT = c.Formats, bytes.Clone(c.CredentialJSON), c.CredentialJWT
		n.UpdatedAt = db.now()
		ev, err := jsonArg(n.Evidence)
		if err != nil {
			return cairn.Wrapf(cairn.Invalid, err, "evidence cannot be encoded")
		}
		res, err := jsonArg(n.Results)
		if err != nil {
			return cairn.Wrapf(cairn.Invalid, err, "results cannot be encoded")
		}
		formats, err := jsonArg(n.Formats)
		if err != nil {
			return err
		}
		if _, err := x.exec(ctx, `UPDATE awards SET recipient_name = ?, recipient_show_name = ?, narrative = ?, evidence = ?,
			results = ?, credits_earned = ?, activity_start = ?, activity_end = ?, valid_from = ?, valid_until = ?, formats = ?,
			credential_json = ?, credential_jwt = ?, updated_at = ? WHERE id = ?`,
			n.Recipient.Name, n.Recipient.ShowName, n.Narrative, ev, res, floatArg(n.CreditsEarned), n.ActivityStart,
			n.ActivityEnd, n.ValidFrom, n.ValidUntil, formats, bytesArg(n.CredentialJSON), n.CredentialJWT, n.UpdatedAt,
			n.ID); err != nil {
			return err
		}
		if err := db.writeOutbox(ctx, x, cur, &n); err != nil {
			return err
		}
		out = &n
		return nil
	})
	if err == nil {
		db.wakeOutbox()
	}
	return out, err
}

// Status lists

const statusListColumns = "id, issuer_id, purpose, size, bits, version, signed, signed_version, signed_at, created_at, updated_at"

func scanStatusList(s scanner) (*cairn.StatusList, error) {
	var l cairn.StatusList
	err := s.Scan(&l.ID, &l.IssuerID, &l.Purpose, &l.Size, bytesCol{&l.Bits}, &l.Version, bytesCol{&l.Signed},
		&l.SignedVersion, nullTimeCol{&l.SignedAt}, timeCol{&l.CreatedAt}, timeCol{&l.UpdatedAt})
	return &l, err
}

// StatusList implements cairn.StatusListStore.
func (db *DB) StatusList(ctx context.Context, id string) (*cairn.StatusList, error) {
	l, err := scanStatusList(db.read().row(ctx, "SELECT "+statusListColumns+" FROM status_lists WHERE id = ?", id))
	if err != nil {
		return nil, orNotFound(err, "status list")
	}
	return l, nil
}

func (db *DB) statusLists(ctx context.Context, query string, args ...any) ([]*cairn.StatusList, error) {
	rows, err := db.read().query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*cairn.StatusList
	for rows.Next() {
		l, err := scanStatusList(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, l)
	}
	return out, mapErr(rows.Err())
}

// StatusLists implements cairn.StatusListStore.
func (db *DB) StatusLists(ctx context.Context, issuerID string) ([]*cairn.StatusList, error) {
	return db.statusLists(ctx, "SELECT "+statusListColumns+" FROM status_lists WHERE issuer_id = ? ORDER BY seq, purpose", issuerID)
}

// StaleStatusLists implements cairn.StatusListStore.
func (db *DB) StaleStatusLists(ctx context.Context, limit int) ([]*cairn.StatusList, error) {
	if limit <= 0 {
		limit = 100
	}
	return db.statusLists(ctx, "SELECT "+statusListColumns+" FROM status_lists WHERE signed_version < version ORDER BY updated_at, id LIMIT ?", limit)
}

// UpdateStatusListSigned implements cairn.StatusListStore.
func (db *DB) UpdateStatusListSigned(ctx context.Context, id string, version int64, signed []byte) error {
	if len(signed) == 0 {
		return cairn.Invalidf("signed", "is empty")
	}
	return db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, "UPDATE status_lists SET signed = ?, signed_version = ?, signed_at = ? WHERE id = ? AND version = ?",
			signed, version, db.now(), id, version)
		if err != nil {
			return err
		}
		if n == 1 {
			return nil
		}
		var cur int64
		if err := x.row(ctx, "SELECT version FROM status_lists WHERE id = ?", id).Scan(&cur); err != nil {
			return orNotFound(err, "status list")
		}
		return cairn.Errorf(cairn.Conflict, "status list %s is at version %d, not %d; sign it again", id, cur, version)
	})
}
