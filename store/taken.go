package store

import (
	"context"
	"math/rand/v2"
	"time"
)

// The status indexes a process knows to be taken
//
// ReserveAward used to check random candidates against the awards table,
// one query per award. Now each process keeps, per revocation list it
// issues to, a bitmap of the indexes it knows are taken: read once from
// the database, then kept up to date by its own inserts. An index another
// process took meanwhile is not in it; the insert's unique constraint
// still decides, the award gets ErrStatusEntryTaken and is signed again,
// and the bitmap learns the index and is read again by the next
// reservation (the other process may have taken more), as it is every
// takenReload anyway. Reads after collisions limit themselves: each
// leaves the process knowing everything taken until then.

// takenReload is how often a list's bitmap is read again from the
// database (merged into what the process knows).
const takenReload = 30 * time.Second

const qListTaken = "SELECT status_index FROM awards WHERE status_list_id = ?"

// takenSet is what a process knows of one revocation list's taken indexes.
type takenSet struct {
	bits       []uint64
	loaded     time.Time     // when the last read from the database began
	collisions int           // ErrStatusEntryTaken since then
	loading    bool          // a read is under way
	ready      chan struct{} // closed once the first read ended
	err        error         // of the first read, for those that waited on it
}

func (t *takenSet) has(i int) bool {
	return i >= 0 && i/64 < len(t.bits) && t.bits[i/64]&(1<<(i%64)) != 0
}

func (t *takenSet) set(i int) {
	if i >= 0 && i/64 < len(t.bits) {
		t.bits[i/64] |= 1 << (i % 64)
	}
}

// markTaken records that idx of list is in the database (inserted by this
// process, or found taken by another: collision).
func (s *awardState) markTaken(list string, idx int, collision bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.taken[list]; t != nil {
		t.set(idx)
		if collision {
			t.collisions++
		}
	}
}

// takenFor returns the bitmap of l, reading it from the database first
// when the process has none, or when it is due again (then, calls that
// come during the read use what it knew).
func (db *DB) takenFor(ctx context.Context, l listPair, now time.Time) (*takenSet, error) {
	s := &db.awards
	s.mu.Lock()
	t := s.taken[l.revocation]
	switch {
	case t == nil:
		t = &takenSet{bits: make([]uint64, (l.size+63)/64), ready: make(chan struct{}), loading: true, loaded: now}
		s.taken[l.revocation] = t
		s.mu.Unlock()
		err := db.loadTaken(ctx, l.revocation, t)
		s.mu.Lock()
		t.loading, t.err = false, err
		if err != nil {
			delete(s.taken, l.revocation) // the next reservation tries again
		}
		s.mu.Unlock()
		close(t.ready)
		return t, err
	case !t.loading && (now.Sub(t.loaded) >= takenReload || t.collisions > 0):
		t.loading, t.loaded, t.collisions = true, now, 0
		s.mu.Unlock()
		err := db.loadTaken(ctx, l.revocation, t)
		s.mu.Lock()
		t.loading = false
		s.mu.Unlock()
		_ = err // what it knew is still good, and the database decides anyway
		return t, nil
	}
	s.mu.Unlock()
	select {
	case <-t.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return t, t.err
}

// loadTaken reads list's taken indexes into t (added to what it has: an
// index is never given back).
func (db *DB) loadTaken(ctx context.Context, list string, t *takenSet) error {
	rows, err := db.read().query(ctx, qListTaken, list)
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	var got []int
	for rows.Next() {
		var i int
		if err := rows.Scan(&i); err != nil {
			return mapErr(err)
		}
		got = append(got, i)
	}
	if err := rows.Err(); err != nil {
		return mapErr(err)
	}
	s := &db.awards
	s.mu.Lock()
	for _, i := range got {
		t.set(i)
	}
	s.mu.Unlock()
	return nil
}

// pick holds a random index of l that is neither known to be taken nor
// held, trying up to probes candidates; false when it found none (the
// list is as good as full).
func (db *DB) pick(ctx context.Context, l listPair, now time.Time) (int, bool, error) {
	got, err := db.pickMany(ctx, l, 1, now)
	if err != nil || len(got) == 0 {
		return 0, false, err
	}
	return got[0], true, nil
}

// pickMany holds up to n such indexes, trying up to probes candidates
// for each; it may find fewer.
func (db *DB) pickMany(ctx context.Context, l listPair, n int, now time.Time) ([]int, error) {
	t, err := db.takenFor(ctx, l, now)
	if err != nil {
		return nil, err
	}
	s := &db.awards
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.held[l.revocation]
	if m == nil {
		m = map[int]time.Time{}
		s.held[l.revocation] = m
	}
	placed := make([]int, 0, n)
	for tries := 0; len(placed) < n && tries < probes*n; tries++ {
		idx := rand.IntN(l.size)
		if t.has(idx) || s.isHeld(l.revocation, idx, now) {
			continue
		}
		m[idx] = now
		placed = append(placed, idx)
	}
	if len(m) == 0 {
		delete(s.held, l.revocation)
	}
	return placed, nil
}
