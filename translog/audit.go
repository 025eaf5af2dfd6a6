package translog

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"
)

// Fetcher returns the resource at path under a log's prefix ("checkpoint",
// "tile/0/000", "tile/entries/x001/234.p/7", …), as served by the C2SP
// tlog-tiles HTTP API. An HTTP client implements it for remote logs;
// [Log.ReadPath] is one for a local log.
type Fetcher func(ctx context.Context, path string) ([]byte, error)

// ForkError reports two checkpoints, both validly signed by the log's key,
// that cannot describe one append-only log: same size and different roots,
// or a tree that does not extend the other. It is proof of misbehaviour
// that anyone can check with the log's public key; publish both notes.
type ForkError struct {
	A, B         Checkpoint
	NoteA, NoteB []byte
}

func (e *ForkError) Error() string {
	return fmt.Sprintf("translog: fork: log %s signed inconsistent checkpoints (size %d root %x, size %d root %x)",
		e.A.Origin, e.A.Size, e.A.Hash, e.B.Size, e.B.Hash)
}

// DivergenceError reports where the log's served data stops matching
// itself, its checkpoint or a saved checkpoint. The first divergent entry
// has an index in [Start, End): End is Start+1 when the entry is known
// exactly (an entry that does not hash to its leaf hash, a missing entry, a
// stored hash that differs from the one recomputed), a wider range when
// only a subtree's or a tree's hash tells (a consistently rewritten history
// under a saved checkpoint).
type DivergenceError struct {
	Start, End uint64
	// Path is the resource where the divergence showed, if one did.
	Path   string
	Reason string
	// Fork is set when the divergence contradicts the saved checkpoint.
	Fork *ForkError
}

func (e *DivergenceError) Error() string {
	where := fmt.Sprintf("at index %d", e.Start)
	if e.End != e.Start+1 {
		where = fmt.Sprintf("in indexes [%d, %d)", e.Start, e.End)
	}
	if e.Path != "" {
		where += " (" + e.Path + ")"
	}
	return fmt.Sprintf("translog: log diverges %s: %s", where, e.Reason)
}

// Unwrap returns the Fork, if any.
func (e *DivergenceError) Unwrap() error {
	if e.Fork == nil {
		return nil
	}
	return e.Fork
}

// FetchError reports a resource of the log's tree that the Auditor could
// not fetch while the log's checkpoint covers it. Start and End bound the
// entries the resource covers, within the tree: the entry bundle's or
// tile's range, or one index when the log served the entries before it (in
// narrower partial bundles, checked) and no bundle holding it. Whether the
// log failed to serve data it committed to (a divergence) or could not be
// reached depends on Err, which the Auditor, knowing no transport, leaves
// to its caller.
type FetchError struct {
	Start, End uint64
	Path       string
	Err        error
}

func (e *FetchError) Error() string {
	where := fmt.Sprintf("index %d", e.Start)
	if e.End != e.Start+1 {
		where = fmt.Sprintf("indexes [%d, %d)", e.Start, e.End)
	}
	return fmt.Sprintf("translog: fetching %s (%s): %v", e.Path, where, e.Err)
}

// Unwrap returns Err.
func (e *FetchError) Unwrap() error { return e.Err }

// CheckFork returns a *ForkError if a and b, two signed checkpoints that
// both verify with logKey, have the same size and different roots. Two
// checkpoints of different sizes need the log's data to compare: see
// [Auditor].
func CheckFork(a, b []byte, logKey note.Verifier) error {
	ca, _, err := OpenCheckpoint(a, logKey)
	if err != nil {
		return err
	}
	cb, _, err := OpenCheckpoint(b, logKey)
	if err != nil {
		return err
	}
	if ca.Size == cb.Size && !bytes.Equal(ca.Hash, cb.Hash) {
		return &ForkError{A: ca, B: cb, NoteA: a, NoteB: b}
	}
	return nil
}

// Auditor downloads a whole log through its tiles API and checks it: every
// entry hashes to its leaf hash and parses as an [Event], every stored hash
// the log serves is the one recomputed from the entries, the tree matches
// the log's signed checkpoint, and extends the checkpoint saved by the
// last audit. An auditor trusts nothing the log says but its signature.
type Auditor struct {
	// Fetch gets the log's resources. Required.
	Fetch Fetcher
	// LogKey verifies the log's checkpoints. Required.
	LogKey note.Verifier
	// Visit, if not nil, is called with every entry, in index order, after
	// its leaf hash checked. An error stops the audit and is returned.
	Visit func(Record) error
}

// AuditResult is the outcome of a successful audit.
type AuditResult struct {
	// Checkpoint is the log's checkpoint the audit verified.
	Checkpoint Checkpoint
	// Note is its signed note: save it and pass it to the next Audit.
	Note []byte
}

// Audit fetches the log's checkpoint and every entry and tile of its tree,
// and checks them. saved is the signed checkpoint kept from an earlier
// audit, or nil on the first one. It returns a *ForkError if the log's
// checkpoint has the size of saved and another root, a *DivergenceError
// with the first divergent index if the log's data contradicts itself, its
// checkpoint or saved, a *FetchError for a tile or entry bundle that could
// not be fetched, and other errors (a checkpoint that could not be
// fetched, a bad signature) when the audit could not run to the end.
func (a *Auditor) Audit(ctx context.Context, saved []byte) (*AuditResult, error) {
	latestNote, err := a.Fetch(ctx, "checkpoint")
	if err != nil {
		return nil, fmt.Errorf("translog: fetching checkpoint: %w", err)
	}
	latest, _, err := OpenCheckpoint(latestNote, a.LogKey)
	if err != nil {
		return nil, err
	}
	var old *Checkpoint
	if saved != nil {
		c, _, err := OpenCheckpoint(saved, a.LogKey)
		if err != nil {
			return nil, fmt.Errorf("translog: saved checkpoint: %w", err)
		}
		if c.Size == latest.Size && !bytes.Equal(c.Hash, latest.Hash) {
			return nil, &ForkError{A: c, B: latest, NoteA: saved, NoteB: latestNote}
		}
		if c.Size > latest.Size {
			return nil, &DivergenceError{Start: latest.Size, End: c.Size, Path: "checkpoint",
				Reason: fmt.Sprintf("the log serves a checkpoint of size %d, smaller than the saved one of size %d", latest.Size, c.Size)}
		}
		old = &c
	}
	w := walker{a: a, ctx: ctx, size: latest.Size, rng: rangeFactory.NewEmptyRange(0)}
	checkOld := func() error {
		if old == nil || w.rng.End() != old.Size {
			return nil
		}
		root := hasher.EmptyRoot()
		if old.Size > 0 {
			root, _ = w.rng.GetRootHash(nil)
		}
		if !bytes.Equal(root, old.Hash) {
			return &DivergenceError{Start: 0, End: old.Size,
				Reason: fmt.Sprintf("the tree of size %d the log serves is not the one of the saved checkpoint", old.Size),
				Fork:   &ForkError{A: *old, B: latest, NoteA: saved, NoteB: latestNote}}
		}
		return nil
	}
	if err := checkOld(); err != nil {
		return nil, err
	}
	for n := uint64(0); n*TileWidth < latest.Size; n++ {
		width := int(min(TileWidth, latest.Size-n*TileWidth))
		if err := w.bundle(n, width, checkOld); err != nil {
			return nil, err
		}
	}
	if err := w.flush(); err != nil {
		return nil, err
	}
	root := hasher.EmptyRoot()
	if latest.Size > 0 {
		root, _ = w.rng.GetRootHash(nil)
	}
	if !bytes.Equal(root, latest.Hash) {
		return nil, &DivergenceError{Start: 0, End: latest.Size, Path: "checkpoint",
			Reason: "the log's checkpoint root is not the root of the tree it serves"}
	}
	return &AuditResult{Checkpoint: latest, Note: latestNote}, nil
}

// walker recomputes the tree from entries, checking served tiles on the way.
type walker struct {
	a     *Auditor
	ctx   context.Context
	size  uint64 // the checkpoint's tree size
	rng   *compact.Range
	upper [][]byte // upper[l]: recomputed hashes of the current tile at level l ≥ 1
	err   error    // first divergence found by the visitor
}

// fetch gets a tile or entry bundle; its error is a *FetchError with the
// range of entries the resource covers.
func (w *walker) fetch(t TileRef) ([]byte, error) {
	b, err := w.a.Fetch(w.ctx, t.Path())
	if err != nil {
		span := uint64(1)
		if !t.Entries {
			span <<= TileHeight * uint(t.Level)
		}
		start := t.Index * TileWidth * span
		end := min(start+uint64(t.Width)*span, w.size)
		return nil, &FetchError{Start: start, End: end, Path: t.Path(), Err: err}
	}
	return b, nil
}

// narrow is called when entry bundle n of width entries could not be
// fetched (ferr). It looks for the widest narrower partial bundle the log
// serves, by bisection, and returns it with the error of the bundle one
// entry wider, which names the first entry the log does not serve: the
// caller checks the entries it got and reports that one. When no partial
// bundle is served it returns ferr. (A log may stop serving the partial
// bundles of a full one, https://c2sp.org/tlog-tiles#partial-tiles; then
// only the bundle's range is known.)
func (w *walker) narrow(n uint64, width int, ferr error) (TileRef, []byte, error) {
	var data []byte
	next := ferr       // the error of .p/hi
	lo, hi := 0, width // the log serves .p/lo (or lo is 0), not .p/hi
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		b, err := w.fetch(TileRef{Entries: true, Index: n, Width: mid})
		if err != nil {
			hi, next = mid, err
			continue
		}
		lo, data = mid, b
	}
	if lo == 0 {
		return TileRef{}, nil, ferr
	}
	ferr = next
	var fe *FetchError
	if errors.As(ferr, &fe) {
		fe.Start = n*TileWidth + uint64(lo)
		fe.End = fe.Start + 1
	}
	return TileRef{Entries: true, Index: n, Width: lo}, data, ferr
}

// bundle checks entry bundle n, of width entries, against its level 0 tile.
func (w *walker) bundle(n uint64, width int, afterEach func() error) error {
	eref := TileRef{Entries: true, Index: n, Width: width}
	tref := TileRef{Index: n, Width: width}
	tile, err := w.fetch(tref)
	if err != nil {
		return err
	}
	// unserved, if not nil, is why the entries past those of the
	// narrower bundle eref are missing.
	data, unserved := w.fetch(eref)
	if unserved != nil {
		if eref, data, unserved = w.narrow(n, width, unserved); data == nil {
			return unserved
		}
	}
	start := n * TileWidth
	entries, perr := ParseEntryBundle(data)
	if unserved != nil && len(entries) > eref.Width {
		entries = entries[:eref.Width] // the rest is still not served as asked
	}
	for i := 0; i < width; i++ {
		idx := start + uint64(i)
		div := func(path, why string) error {
			return &DivergenceError{Start: idx, End: idx + 1, Path: path, Reason: why}
		}
		if i >= len(entries) {
			if fe := (*FetchError)(nil); errors.As(unserved, &fe) && fe.Start == idx && perr == nil {
				return unserved
			}
			if perr != nil {
				return div(eref.Path(), perr.Error())
			}
			return div(eref.Path(), fmt.Sprintf("the entry bundle has %d entries, want %d", len(entries), eref.Width))
		}
		if len(tile) < (i+1)*HashSize {
			return div(tref.Path(), fmt.Sprintf("the tile has %d bytes, want %d", len(tile), width*HashSize))
		}
		lh := hasher.HashLeaf(entries[i])
		if !bytes.Equal(lh, tile[i*HashSize:(i+1)*HashSize]) {
			return div(tref.Path(), "the entry does not hash to the tile's leaf hash")
		}
		ev, err := ParseEvent(entries[i])
		if err != nil {
			return div(eref.Path(), err.Error())
		}
		if w.a.Visit != nil {
			if err := w.a.Visit(Record{Index: idx, Event: ev, LeafHash: lh}); err != nil {
				return err
			}
		}
		if err := w.rng.Append(lh, w.visit); err != nil {
			return err
		}
		if w.err != nil {
			return w.err
		}
		if err := afterEach(); err != nil {
			return err
		}
	}
	if len(entries) > width || len(tile) > width*HashSize {
		return &DivergenceError{Start: start + uint64(width), End: start + uint64(width) + 1, Path: eref.Path(),
			Reason: "the bundle or tile has more than its width"}
	}
	return nil
}

// visit collects the recomputed hashes of upper tile levels and checks
// each full tile against the served one.
func (w *walker) visit(id compact.NodeID, h []byte) {
	if id.Level == 0 || id.Level%TileHeight != 0 || w.err != nil {
		return
	}
	lv := int(id.Level / TileHeight)
	for len(w.upper) <= lv {
		w.upper = append(w.upper, nil)
	}
	w.upper[lv] = append(w.upper[lv], h...)
	if len(w.upper[lv]) == TileWidth*HashSize {
		w.err = w.checkUpper(uint8(lv), id.Index/TileWidth, w.upper[lv])
		w.upper[lv] = w.upper[lv][:0]
	}
}

// flush checks the partial upper tiles at the end of the tree.
func (w *walker) flush() error {
	size := w.rng.End()
	for lv := 1; lv < len(w.upper); lv++ {
		if len(w.upper[lv]) == 0 {
			continue
		}
		idx := (size >> (TileHeight * uint(lv))) / TileWidth
		if err := w.checkUpper(uint8(lv), idx, w.upper[lv]); err != nil {
			return err
		}
	}
	return nil
}

// checkUpper compares the served tile lv/idx with the recomputed hashes.
func (w *walker) checkUpper(lv uint8, idx uint64, want []byte) error {
	t := TileRef{Level: lv, Index: idx, Width: len(want) / HashSize}
	got, err := w.fetch(t)
	if err != nil {
		return err
	}
	span := uint64(1) << (TileHeight * uint(lv)) // leaves under one hash of the tile
	for i := 0; i < t.Width; i++ {
		if len(got) < (i+1)*HashSize || !bytes.Equal(got[i*HashSize:(i+1)*HashSize], want[i*HashSize:(i+1)*HashSize]) {
			first := (idx*TileWidth + uint64(i)) * span
			return &DivergenceError{Start: first, End: first + span, Path: t.Path(),
				Reason: fmt.Sprintf("stored hash %d of the tile is not the hash of entries [%d, %d)", i, first, first+span)}
		}
	}
	if len(got) != len(want) {
		return &DivergenceError{Start: (idx*TileWidth + uint64(t.Width)) * span, End: (idx*TileWidth+uint64(t.Width))*span + 1,
			Path: t.Path(), Reason: "the tile has more than its width"}
	}
	return nil
}
