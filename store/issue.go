package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-badges/cairn"
)

// Issuing an award (cairn.AwardStore: ReserveAward, sign, InsertAwards)
//
// Signing used to run inside the write transaction, after the status index
// was picked, so on SQLite every award waited for the previous one's
// signature. Now:
//
//   - ReserveAward reads (idempotency key; the achievement's issuer and the
//     current lists, both kept in memory) on the read pool and picks a
//     random index of the issuer's current revocation list that is neither
//     known to be taken (taken.go: a bitmap per list, read once, kept by
//     the process's inserts) nor held, and holds it in memory
//     (awardState.held) until InsertAwards or ReleaseAward.
//     Only creating the next pair of lists, once per ~118,000 awards of an
//     issuer, writes.
//   - The caller signs, on its own goroutine: concurrent requests sign on
//     every core.
//   - InsertAwards queues the signed awards for a group commit: a caller
//     that finds a transaction free (one on SQLite, four on PostgreSQL)
//     leads it, takes everything queued (up to maxBatch awards), writes it
//     in one transaction (award rows, their log events in the outbox, one
//     used-count update per list) and commits once; callers that queued
//     meanwhile wait, and the first of them leads the next transaction.
//     Each caller returns only after the commit of its awards: durable
//     before acknowledged.
//
// The database, not the hold, decides: an award row is inserted with ON
// CONFLICT DO NOTHING, and the unique (status_list_id, status_index) makes
// the second of two processes that picked one index find it taken. That
// award gets ErrStatusEntryTaken and is reserved and signed again by its
// caller; the other awards of the transaction are unaffected. The same
// statement tells an idempotency key used meanwhile (the stored award is
// returned) and a taken ID (Conflict).

// maxBatch is the most awards one group-commit transaction writes.
const maxBatch = 256

// holdTTL is how long a status entry stays held for an award that was
// reserved and neither inserted nor released (a caller that forgot):
// after it the index may be picked again, and the database still decides.
const holdTTL = 2 * time.Minute

// listTTL is how long ReserveAward trusts the issuer's current pair of
// lists and its used count without reading them again. Another process
// may have moved to a newer pair meanwhile; awards then still go to the
// older one, which is not full.
const listTTL = 2 * time.Second

// commitTimeout bounds one group-commit transaction. The transaction does
// not use any one caller's context: a caller that gives up must not fail
// the awards of the others.
const commitTimeout = 30 * time.Second

// The statements of the issuing path, prepared once per connection.
const (
	qAwardByKey = "SELECT " + awardColumns + " FROM awards WHERE org_id = ? AND idempotency_key = ? AND idempotency_key <> ''"
	// "idempotency_key <> ''" repeats the partial index's condition, so
	// that SQLite can use it instead of scanning the org's awards.
	qAchievementIssuer = "SELECT issuer_id FROM achievements WHERE id = ? AND org_id = ?"
	qNewestPair        = `SELECT r.id, s.id, r.seq, r.size, r.used FROM status_lists r
			JOIN status_lists s ON s.issuer_id = r.issuer_id AND s.seq = r.seq AND s.purpose = 'suspension'
			WHERE r.issuer_id = ? AND r.purpose = 'revocation' ORDER BY r.seq DESC LIMIT 1`
	// ON CONFLICT DO NOTHING without a target covers every unique
	// constraint: the status entry, the idempotency key and the ID.
	qInsertAward   = "INSERT INTO awards (" + awardColumns + ") VALUES (" + awardPlaceholders + ") ON CONFLICT DO NOTHING"
	qAwardIDExists = "SELECT 1 FROM awards WHERE id = ?"
	qAddUsed       = "UPDATE status_lists SET used = used + ? WHERE id = ?"
	qInsertOutbox  = "INSERT INTO translog_outbox (credential_id, data, created_at) VALUES (?, ?, ?)"
	qIssueVersion  = `SELECT a.updated_at, i.id, i.updated_at,
			(SELECT COUNT(*) FROM issuer_keys k WHERE k.issuer_id = i.id),
			(SELECT COUNT(k.retired_at) FROM issuer_keys k WHERE k.issuer_id = i.id)
		FROM achievements a JOIN issuers i ON i.id = a.issuer_id AND i.org_id = a.org_id
		WHERE a.id = ? AND a.org_id = ?`
)

// IssueVersion implements cairn.IssueVersionStore: one prepared read on
// the read pool.
func (db *DB) IssueVersion(ctx context.Context, orgID, achID string) (cairn.IssueVersion, error) {
	v, err := readIssueVersion(ctx, db.read(), orgID, achID)
	if err != nil {
		return cairn.IssueVersion{}, orNotFound(err, "achievement")
	}
	return v, nil
}

// readIssueVersion runs qIssueVersion on x (the read pool, or the
// transaction of InsertAwardsAt).
func readIssueVersion(ctx context.Context, x q, orgID, achID string) (cairn.IssueVersion, error) {
	var v cairn.IssueVersion
	err := x.prow(ctx, qIssueVersion, achID, orgID).Scan(timeCol{&v.AchievementUpdated}, &v.IssuerID,
		timeCol{&v.IssuerUpdated}, &v.Keys, &v.RetiredKeys)
	return v, err
}

// hotWrites are prepared on the write pool before the first group commit
// (a transaction can only use statements prepared before it).
var hotWrites = []string{qInsertAward, qAwardByKey, qAwardIDExists, qAddUsed, qInsertOutbox, qInsertMessage, qIssueVersion}

// awardState is a DB's in-process state for issuing.
type awardState struct {
	mu    sync.Mutex
	held  map[string]map[int]time.Time // revocation list ID → held index → when
	lists map[string]*cachedPair       // issuer ID → its current pair
	taken map[string]*takenSet         // revocation list ID → its taken indexes (taken.go)
	// achIssuer: achievement and organization IDs → the achievement's
	// issuer, which never changes (achievements are not deleted).
	achIssuer map[[2]string]string

	group    groupCommit
	prepared atomic.Bool // hotWrites are prepared on the write pool
}

type cachedPair struct {
	listPair
	fetched time.Time
}

func (s *awardState) init(d dialect) {
	s.held = map[string]map[int]time.Time{}
	s.lists = map[string]*cachedPair{}
	s.taken = map[string]*takenSet{}
	s.achIssuer = map[[2]string]string{}
	s.group.limit = 1
	if d == postgresDialect {
		s.group.limit = 4
	}
}

// listPair is the current revocation list of an issuer and its suspension
// twin.
type listPair struct {
	revocation, suspension string
	seq, size, used        int
}

// full reports whether the pair has room for no more awards, counting
// extra indexes held or being inserted.
func (l listPair) full(extra int) bool { return (l.used+extra)*100 >= l.size*fullPercent }

func (s *awardState) isHeld(list string, idx int, now time.Time) bool {
	t, ok := s.held[list][idx]
	return ok && now.Sub(t) < holdTTL
}

// release gives back a held index.
func (s *awardState) release(list string, idx int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.held[list]
	delete(m, idx)
	if len(m) == 0 {
		delete(s.held, list)
	}
}

// heldCount is how many indexes of list are held.
func (s *awardState) heldCount(list string) int {
	return len(s.held[list])
}

// ReserveAward implements cairn.AwardStore.
func (db *DB) ReserveAward(ctx context.Context, a *cairn.Award) (*cairn.Award, error) {
	return db.reserveAward(ctx, a, true)
}

// ReserveAwardLateKey implements cairn.LateKeyStore: InsertAwards
// resolves the key in its transaction (insertConflict).
func (db *DB) ReserveAwardLateKey(ctx context.Context, a *cairn.Award) error {
	_, err := db.reserveAward(ctx, a, false)
	return err
}

// reserveAward is ReserveAward; lookUp false skips its first step.
func (db *DB) reserveAward(ctx context.Context, a *cairn.Award, lookUp bool) (*cairn.Award, error) {
	if err := validAward(a); err != nil {
		return nil, err
	}
	r := db.read()
	if a.IdempotencyKey != "" && lookUp {
		prev, err := scanAward(r.prow(ctx, qAwardByKey, a.OrgID, a.IdempotencyKey))
		switch {
		case err == nil:
			if prev.RequestHash != a.RequestHash {
				return nil, idempotencyConflict()
			}
			return prev, nil
		case !errors.Is(err, sqlNoRows):
			return nil, mapErr(err)
		}
	}
	issuerID, err := db.achievementIssuer(ctx, a.AchievementID, a.OrgID)
	if err != nil {
		return nil, err
	}
	if a.IssuerID == "" {
		a.IssuerID = issuerID
	} else if a.IssuerID != issuerID {
		return nil, cairn.Invalidf("issuer_id", "the achievement belongs to another issuer")
	}
	if a.ID == "" {
		a.ID = newID()
	}
	now := db.now()
	a.CreatedAt, a.UpdatedAt = now, now
	a.State, a.StateReason = cairn.StateActive, ""
	a.AwardedDate, a.ValidFrom = norm(a.AwardedDate), norm(a.ValidFrom)
	a.ValidUntil, a.ActivityStart, a.ActivityEnd = normp(a.ValidUntil), normp(a.ActivityStart), normp(a.ActivityEnd)
	l, idx, err := db.reserveEntry(ctx, a.IssuerID, now)
	if err != nil {
		return nil, err
	}
	a.StatusListID, a.SuspensionListID, a.StatusIndex = l.revocation, l.suspension, idx
	return nil, nil
}

// achievementIssuer returns the issuer of the organization's achievement,
// from memory once read.
func (db *DB) achievementIssuer(ctx context.Context, achID, orgID string) (string, error) {
	s, key := &db.awards, [2]string{achID, orgID}
	s.mu.Lock()
	id, ok := s.achIssuer[key]
	s.mu.Unlock()
	if ok {
		return id, nil
	}
	if err := db.read().prow(ctx, qAchievementIssuer, achID, orgID).Scan(&id); err != nil {
		if errors.Is(err, sqlNoRows) {
			return "", &cairn.Error{Kind: cairn.NotFound, Field: "achievement_id", Message: "achievement not found"}
		}
		return "", mapErr(err)
	}
	s.mu.Lock()
	if len(s.achIssuer) >= maxAchIssuers {
		clear(s.achIssuer)
	}
	s.achIssuer[key] = id
	s.mu.Unlock()
	return id, nil
}

// maxAchIssuers bounds awardState.achIssuer.
const maxAchIssuers = 100_000

func idempotencyConflict() error {
	return &cairn.Error{Kind: cairn.Conflict, Field: "idempotency_key",
		Message: "idempotency key already used with a different request"}
}

// ReleaseAward implements cairn.AwardStore.
func (db *DB) ReleaseAward(a *cairn.Award) {
	if a.StatusListID != "" {
		db.awards.release(a.StatusListID, a.StatusIndex)
	}
}

// reserveEntry picks and holds a free index in the issuer's current pair
// of lists, moving to the next pair when it finds none.
func (db *DB) reserveEntry(ctx context.Context, issuerID string, now time.Time) (listPair, int, error) {
	l, err := db.currentPair(ctx, issuerID, now)
	for range 4 {
		if err != nil {
			return listPair{}, 0, err
		}
		idx, ok, err := db.pick(ctx, l, now)
		if err != nil {
			return listPair{}, 0, err
		}
		if ok {
			return l, idx, nil
		}
		// probes random indexes were all taken: treat the list as full.
		l, err = db.nextPair(ctx, issuerID, l.seq, true, now)
	}
	return listPair{}, 0, cairn.Errorf(cairn.Unavailable, "status list allocation contended; try again")
}

// currentPair returns the issuer's current pair of lists: from the cache
// while it is fresh and not full, else from the database, creating the
// next pair when there is none or the newest is full.
func (db *DB) currentPair(ctx context.Context, issuerID string, now time.Time) (listPair, error) {
	s := &db.awards
	s.mu.Lock()
	if c := s.lists[issuerID]; c != nil && now.Sub(c.fetched) < listTTL && !c.full(s.heldCount(c.revocation)) {
		l := c.listPair
		s.mu.Unlock()
		return l, nil
	}
	s.mu.Unlock()
	var l listPair
	err := db.read().prow(ctx, qNewestPair, issuerID).Scan(&l.revocation, &l.suspension, &l.seq, &l.size, &l.used)
	switch {
	case err == nil && !l.full(0):
		db.cachePair(issuerID, l, now)
		return l, nil
	case err != nil && !errors.Is(err, sqlNoRows):
		return l, mapErr(err)
	}
	return db.nextPair(ctx, issuerID, l.seq, false, now)
}

func (db *DB) cachePair(issuerID string, l listPair, now time.Time) {
	s := &db.awards
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.lists[issuerID]; c != nil && c.seq > l.seq {
		return // a newer pair is known
	}
	s.lists[issuerID] = &cachedPair{listPair: l, fetched: now}
}

// nextPair returns the issuer's newest pair of lists, in a write
// transaction, creating the next one when there is none, when the newest
// is full, or, with force, when the newest is still number seq (which the
// caller found full).
func (db *DB) nextPair(ctx context.Context, issuerID string, seq int, force bool, now time.Time) (listPair, error) {
	var out listPair
	err := db.write(ctx, func(x q) error {
		for range 3 {
			var l listPair
			err := x.row(ctx, qNewestPair, issuerID).Scan(&l.revocation, &l.suspension, &l.seq, &l.size, &l.used)
			if err != nil && !errors.Is(err, sqlNoRows) {
				return mapErr(err)
			}
			if err == nil && !l.full(0) && !(force && l.seq <= seq) {
				out = l
				return nil
			}
			// Create the next pair. Another process may be creating it
			// too: the unique (issuer_id, purpose, seq) makes one of us do
			// nothing, and we then read the winner's pair.
			next := l.seq + 1
			r := newID()
			size := cairn.StatusListSize
			if db.listSize > 0 {
				size = db.listSize
			}
			bits := make([]byte, size/8)
			n, err := x.execN(ctx, `INSERT INTO status_lists (id, issuer_id, purpose, seq, size, used, bits, version, signed, signed_version, signed_at, created_at, updated_at)
				VALUES (?, ?, 'revocation', ?, ?, 0, ?, 1, NULL, 0, NULL, ?, ?) ON CONFLICT (issuer_id, purpose, seq) DO NOTHING`,
				r, issuerID, next, size, bits, now, now)
			if err != nil {
				return err
			}
			if n == 1 {
				s := newID()
				if _, err := x.exec(ctx, `INSERT INTO status_lists (id, issuer_id, purpose, seq, size, used, bits, version, signed, signed_version, signed_at, created_at, updated_at)
					VALUES (?, ?, 'suspension', ?, ?, 0, ?, 1, NULL, 0, NULL, ?, ?)`,
					s, issuerID, next, size, bits, now, now); err != nil {
					return err
				}
				out = listPair{revocation: r, suspension: s, seq: next, size: size}
				return nil
			}
			force = false
		}
		return cairn.Errorf(cairn.Unavailable, "status list allocation contended; try again")
	})
	if err != nil {
		return listPair{}, err
	}
	db.cachePair(issuerID, out, now)
	return out, nil
}

// pendingInsert is one award of a group commit.
type pendingInsert struct {
	a    *cairn.Award
	args []any
	v    *cairn.IssueVersion // what a was signed from, checked before it is inserted (InsertAwardsAt); nil: not checked
	res  cairn.InsertResult
	prev *cairn.Award // the award stored meanwhile under a's idempotency key
}

// InsertAwards implements cairn.AwardStore.
func (db *DB) InsertAwards(ctx context.Context, awards []*cairn.Award) []cairn.InsertResult {
	return db.insertAwards(ctx, nil, awards)
}

// InsertAwardsAt implements cairn.IssueVersionStore: the check is one
// read per achievement and transaction, on the write connection (whose
// cache holds those rows), instead of a read per award before signing.
func (db *DB) InsertAwardsAt(ctx context.Context, v cairn.IssueVersion, awards []*cairn.Award) []cairn.InsertResult {
	return db.insertAwards(ctx, &v, awards)
}

func (db *DB) insertAwards(ctx context.Context, v *cairn.IssueVersion, awards []*cairn.Award) []cairn.InsertResult {
	out := make([]cairn.InsertResult, len(awards))
	items := make([]*pendingInsert, 0, len(awards))
	for i, a := range awards {
		if a.ID == "" || a.StatusListID == "" || a.IssuerID == "" || a.CreatedAt.IsZero() {
			out[i].Err = cairn.Errorf(cairn.Internal, "InsertAwards: award %q was not reserved", a.ID)
			continue
		}
		if len(a.CredentialJSON) == 0 {
			db.ReleaseAward(a)
			out[i].Err = cairn.Errorf(cairn.Internal, "InsertAwards: award %s is not signed", a.ID)
			continue
		}
		args, err := awardArgs(a)
		if err != nil {
			db.ReleaseAward(a)
			out[i].Err = err
			continue
		}
		items = append(items, &pendingInsert{a: a, args: db.dialect.args(args), v: v})
	}
	if len(items) > 0 {
		if err := ctx.Err(); err != nil {
			for _, it := range items {
				it.res.Err = cairn.Wrapf(cairn.Unavailable, err, "request cancelled")
			}
		} else {
			db.awards.group.do(items, db.commitBatch)
		}
	}
	j := 0
	for i, a := range awards {
		if out[i].Err != nil {
			continue
		}
		it := items[j]
		j++
		if it.res.Created || errors.Is(it.res.Err, cairn.ErrStatusEntryTaken) {
			db.awards.markTaken(a.StatusListID, a.StatusIndex, !it.res.Created)
		}
		db.ReleaseAward(a)
		out[i] = it.res
		if it.res.Err == nil && it.prev != nil {
			*a = *it.prev
		}
	}
	return out
}

// groupCommit runs the transactions of InsertAwards, at most limit at a
// time (one on SQLite, whose writes are serialized anyway; a few on
// PostgreSQL), each with every award queued when it starts.
type groupCommit struct {
	mu     sync.Mutex
	limit  int
	active int          // transactions being written
	queue  []*commitReq // waiting while active == limit
}

type commitReq struct {
	items []*pendingInsert
	wake  chan bool // true: the items are done; false: lead the next transaction
}

// do returns when items are committed or failed, having written them
// itself (with those queued meanwhile) or waited for the caller that did.
func (g *groupCommit) do(items []*pendingInsert, commit func([]*pendingInsert)) {
	r := &commitReq{items: items, wake: make(chan bool, 1)}
	g.mu.Lock()
	if g.active >= max(g.limit, 1) {
		g.queue = append(g.queue, r)
		g.mu.Unlock()
		if done := <-r.wake; done {
			return
		}
		g.mu.Lock() // handed the lead by a finished transaction
	} else {
		g.active++
	}
	batch, size := []*commitReq{r}, len(r.items)
	for len(g.queue) > 0 && size+len(g.queue[0].items) <= maxBatch {
		batch = append(batch, g.queue[0])
		size += len(g.queue[0].items)
		g.queue = g.queue[1:]
	}
	g.mu.Unlock()

	all := r.items
	if len(batch) > 1 {
		all = make([]*pendingInsert, 0, size)
		for _, b := range batch {
			all = append(all, b.items...)
		}
	}
	commit(all)
	for _, b := range batch[1:] {
		b.wake <- true
	}

	g.mu.Lock()
	if len(g.queue) == 0 {
		g.active--
		g.mu.Unlock()
		return
	}
	next := g.queue[0]
	g.queue = g.queue[1:]
	g.mu.Unlock()
	next.wake <- false
}

// commitBatch writes items in one transaction; if that fails, it writes
// each in its own, so that one award's error is its own.
func (db *DB) commitBatch(items []*pendingInsert) {
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	defer db.wakeOutbox()
	db.prepareWrites(ctx, &db.awards.prepared, hotWrites)
	err := db.write(ctx, func(x q) error { return db.insertBatch(ctx, x, items) })
	if err != nil && len(items) > 1 {
		for _, it := range items {
			if err := db.write(ctx, func(x q) error { return db.insertBatch(ctx, x, []*pendingInsert{it}) }); err != nil {
				it.res, it.prev = cairn.InsertResult{Err: err}, nil
			}
		}
		return
	}
	if err != nil {
		items[0].res, items[0].prev = cairn.InsertResult{Err: err}, nil
		return
	}
	// Count what this process added to its current lists.
	s := &db.awards
	s.mu.Lock()
	for _, it := range items {
		if !it.res.Created {
			continue
		}
		if c := s.lists[it.a.IssuerID]; c != nil && c.revocation == it.a.StatusListID {
			c.used++
		}
	}
	s.mu.Unlock()
}

// insertBatch inserts the awards of items, their log events, their outbox
// messages (db.AwardBatchMessages' for the batch, or db.AwardMessages' for
// each) and their lists' used counts in transaction x, setting each item's
// result. An
// error fails the whole transaction (the caller retries per award).
func (db *DB) insertBatch(ctx context.Context, x q, items []*pendingInsert) error {
	used := map[string]int{}
	var created []*cairn.Award                     // when db.AwardBatchMessages is set
	versions := map[[2]string]cairn.IssueVersion{} // read in x, by organization and achievement
	for _, it := range items {
		it.res, it.prev = cairn.InsertResult{}, nil
		if it.v != nil {
			cur, err := versionIn(ctx, x, versions, it.a.OrgID, it.a.AchievementID)
			if err != nil {
				return err
			}
			if cur != *it.v {
				it.res.Err = &cairn.Error{Kind: cairn.Conflict, Field: "achievementId", Err: cairn.ErrIssueVersionChanged,
					Message: "the achievement, its issuer or the issuer's keys changed while the award was signed; sign again"}
				continue
			}
		}
		n, err := x.pexecN(ctx, qInsertAward, it.args...)
		if err != nil {
			return err
		}
		if n == 0 {
			if it.prev, it.res.Err, err = db.insertConflict(ctx, x, it.a); err != nil {
				return err
			}
			continue
		}
		if db.AwardBatchMessages != nil {
			err = db.writeAwardEvent(ctx, x, nil, it.a)
			created = append(created, it.a)
		} else {
			err = db.writeOutbox(ctx, x, nil, it.a)
		}
		if err != nil {
			return err
		}
		used[it.a.StatusListID]++
		it.res.Created = true
	}
	if len(created) > 0 {
		// The batch's messages, after its awards' (one per batch where an
		// effect can say so).
		msgs, err := db.AwardBatchMessages(ctx, created)
		if err != nil {
			return err
		}
		if _, err := db.writeMessages(ctx, x, msgs); err != nil {
			return err
		}
	}
	// Lists in a fixed order, so that concurrent transactions (other
	// processes on PostgreSQL) lock them in the same order; last, so that
	// they are locked only until the commit.
	ids := make([]string, 0, len(used))
	for id := range used {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if _, err := x.pexec(ctx, qAddUsed, used[id], id); err != nil {
			return err
		}
	}
	return nil
}

// versionIn returns the achievement's IssueVersion as transaction x sees
// it, read once per transaction (seen): none is the zero version, which
// no award was signed from.
func versionIn(ctx context.Context, x q, seen map[[2]string]cairn.IssueVersion, orgID, achID string) (cairn.IssueVersion, error) {
	k := [2]string{orgID, achID}
	if v, ok := seen[k]; ok {
		return v, nil
	}
	v, err := readIssueVersion(ctx, x, orgID, achID)
	if err != nil && !errors.Is(err, sqlNoRows) {
		return v, mapErr(err)
	}
	seen[k] = v
	return v, nil
}

// insertConflict says why a's row was not inserted: its idempotency key
// names an award stored meanwhile (prev, or a Conflict if that was another
// request), its ID is taken, or its status entry is. err fails the
// transaction.
func (db *DB) insertConflict(ctx context.Context, x q, a *cairn.Award) (prev *cairn.Award, result, err error) {
	if a.IdempotencyKey != "" {
		p, err := scanAward(x.prow(ctx, qAwardByKey, a.OrgID, a.IdempotencyKey))
		switch {
		case err == nil:
			if p.RequestHash != a.RequestHash {
				return nil, idempotencyConflict(), nil
			}
			return p, nil, nil
		case !errors.Is(err, sqlNoRows):
			return nil, nil, mapErr(err)
		}
	}
	var one int
	switch err := x.prow(ctx, qAwardIDExists, a.ID).Scan(&one); {
	case err == nil:
		return nil, &cairn.Error{Kind: cairn.Conflict, Field: "id", Message: "an award with this ID already exists"}, nil
	case !errors.Is(err, sqlNoRows):
		return nil, nil, mapErr(err)
	}
	return nil, &cairn.Error{Kind: cairn.Conflict, Field: "statusIndex",
		Message: "the status entry was taken meanwhile; sign again", Err: cairn.ErrStatusEntryTaken}, nil
}

// maxResign is how many times CreateAward signs again after the status
// entry was taken.
const maxResign = 8

// CreateAward implements cairn.AwardStore.
func (db *DB) CreateAward(ctx context.Context, a *cairn.Award, sign func(a *cairn.Award) error) (created bool, err error) {
	if sign == nil {
		return false, cairn.Errorf(cairn.Internal, "CreateAward without a sign function")
	}
	in := *a
	for attempt := 0; ; attempt++ {
		prev, err := db.ReserveAward(ctx, a)
		if err != nil {
			*a = in
			return false, err
		}
		if prev != nil {
			*a = *prev
			return false, nil
		}
		a.CredentialJSON, a.CredentialJWT = nil, ""
		if err := sign(a); err != nil {
			db.ReleaseAward(a)
			*a = in
			return false, err
		}
		r := db.InsertAwards(ctx, []*cairn.Award{a})[0]
		if r.Err == nil {
			return r.Created, nil
		}
		if !errors.Is(r.Err, cairn.ErrStatusEntryTaken) || attempt == maxResign {
			*a = in
			return false, r.Err
		}
	}
}
