package store

import (
	"context"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
)

// ReserveAwards (cairn.AwardStore) is ReserveAward for a batch, with a
// few queries for the whole batch instead of three per award: the
// idempotency keys are looked up reserveChunk at a time, each
// achievement's issuer once, and the free status entries picked from
// what the process knows to be taken (taken.go). An award whose issuer's current
// lists have no room for the whole batch, or that the batch probes did
// not place, is reserved alone by ReserveAward (which moves to the next
// pair of lists), so the outcome per award is the same as ReserveAward's.

// reserveChunk is how many keys or candidate indexes one query of
// ReserveAwards names. The queries are prepared once: a shorter chunk
// repeats its last value.
const reserveChunk = 32

var (
	qAwardsByKeys = "SELECT " + awardColumns + " FROM awards WHERE org_id = ? AND idempotency_key IN (" +
		placeholders(reserveChunk) + ") AND idempotency_key <> ''"
)

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// ReserveAwards implements cairn.AwardStore.
func (db *DB) ReserveAwards(ctx context.Context, awards []*cairn.Award) []cairn.ReserveResult {
	out := make([]cairn.ReserveResult, len(awards))
	todo := make([]int, 0, len(awards))
	for i, a := range awards {
		if out[i].Err = validAward(a); out[i].Err == nil {
			todo = append(todo, i)
		}
	}
	if err := db.awardsByKeys(ctx, awards, todo, out); err != nil {
		for _, i := range todo {
			out[i].Err = err
		}
		return out
	}
	// Check the achievements and group by issuer what is left.
	type achKey struct{ org, ach string }
	issuers := map[achKey]string{}
	byIssuer := map[string][]int{}
	var order []string
	now := db.now()
	for _, i := range todo {
		a := awards[i]
		if out[i].Err != nil || out[i].Existing != nil {
			continue
		}
		k := achKey{a.OrgID, a.AchievementID}
		issuerID, ok := issuers[k]
		if !ok {
			id, err := db.achievementIssuer(ctx, a.AchievementID, a.OrgID)
			if err != nil && cairn.KindOf(err) != cairn.NotFound {
				out[i].Err = err
				continue
			}
			issuerID = id // "" when there is no such achievement
			issuers[k] = issuerID
		}
		switch {
		case issuerID == "":
			out[i].Err = &cairn.Error{Kind: cairn.NotFound, Field: "achievement_id", Message: "achievement not found"}
			continue
		case a.IssuerID == "":
			a.IssuerID = issuerID
		case a.IssuerID != issuerID:
			out[i].Err = cairn.Invalidf("issuer_id", "the achievement belongs to another issuer")
			continue
		}
		if a.ID == "" {
			a.ID = newID()
		}
		a.CreatedAt, a.UpdatedAt = now, now
		a.State, a.StateReason = cairn.StateActive, ""
		a.AwardedDate, a.ValidFrom = norm(a.AwardedDate), norm(a.ValidFrom)
		a.ValidUntil, a.ActivityStart, a.ActivityEnd = normp(a.ValidUntil), normp(a.ActivityStart), normp(a.ActivityEnd)
		if byIssuer[issuerID] == nil {
			order = append(order, issuerID)
		}
		byIssuer[issuerID] = append(byIssuer[issuerID], i)
	}
	for _, issuerID := range order {
		idx := byIssuer[issuerID]
		placed, l, err := db.reserveMany(ctx, issuerID, len(idx), now)
		if err != nil {
			for _, i := range idx {
				out[i].Err = err
			}
			continue
		}
		for k, i := range idx {
			a := awards[i]
			if k < len(placed) {
				a.StatusListID, a.SuspensionListID, a.StatusIndex = l.revocation, l.suspension, placed[k]
				continue
			}
			// Not placed by the batch probes: alone, as ReserveAward does.
			l1, n, err := db.reserveEntry(ctx, issuerID, now)
			if err != nil {
				out[i].Err = err
				continue
			}
			a.StatusListID, a.SuspensionListID, a.StatusIndex = l1.revocation, l1.suspension, n
		}
	}
	return out
}

// awardsByKeys sets out[i].Existing (or a Conflict) for the awards of
// todo whose idempotency key names a stored award.
func (db *DB) awardsByKeys(ctx context.Context, awards []*cairn.Award, todo []int, out []cairn.ReserveResult) error {
	byOrg := map[string]map[string][]int{} // org → key → indexes
	for _, i := range todo {
		a := awards[i]
		if a.IdempotencyKey == "" {
			continue
		}
		m := byOrg[a.OrgID]
		if m == nil {
			m = map[string][]int{}
			byOrg[a.OrgID] = m
		}
		m[a.IdempotencyKey] = append(m[a.IdempotencyKey], i)
	}
	args := make([]any, 1+reserveChunk)
	for org, keys := range byOrg {
		list := make([]string, 0, len(keys))
		for k := range keys {
			list = append(list, k)
		}
		for len(list) > 0 {
			n := min(len(list), reserveChunk)
			args[0] = org
			for j := range reserveChunk {
				args[1+j] = list[min(j, n-1)]
			}
			list = list[n:]
			rows, err := db.read().pquery(ctx, qAwardsByKeys, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				prev, err := scanAward(rows)
				if err != nil {
					rows.Close()
					return mapErr(err)
				}
				for _, i := range keys[prev.IdempotencyKey] {
					if prev.RequestHash != awards[i].RequestHash {
						out[i].Err = idempotencyConflict()
					} else {
						p := *prev
						out[i].Existing = &p
					}
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return mapErr(err)
			}
		}
	}
	return nil
}

// reserveMany picks and holds up to n free indexes of the issuer's
// current pair of lists, if it has room for all n; it may place fewer
// (the caller reserves the rest one at a time), or none when the pair has
// no room for the batch.
func (db *DB) reserveMany(ctx context.Context, issuerID string, n int, now time.Time) ([]int, listPair, error) {
	l, err := db.currentPair(ctx, issuerID, now)
	if err != nil {
		return nil, l, err
	}
	s := &db.awards
	s.mu.Lock()
	room := !l.full(s.heldCount(l.revocation) + n)
	s.mu.Unlock()
	if !room {
		return nil, l, nil
	}
	placed, err := db.pickMany(ctx, l, n, now)
	return placed, l, err
}

func (db *DB) releaseAll(list string, idx []int) {
	for _, v := range idx {
		db.awards.release(list, v)
	}
}
