package translog

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// TileRef names a resource of the C2SP tlog-tiles layout
// (https://c2sp.org/tlog-tiles#merkle-tree): a hash tile or an entry
// bundle, full or partial.
type TileRef struct {
	// Entries is true for an entry bundle (tile/entries/…), false for a
	// hash tile (tile/<L>/…).
	Entries bool
	// Level is the tile level, 0 to 63 ("MUST be a decimal ASCII integer
	// between 0 and 63"). It is 0 for an entry bundle.
	Level uint8
	// Index is the tile's index within its level.
	Index uint64
	// Width is the number of hashes or entries, 1 to 256; 256 is a full
	// tile, anything less a partial one (.p/<W>).
	Width int
}

// Path returns the resource's path under the log's prefix, such as
// "tile/0/x001/x234/067.p/12" or "tile/entries/000".
func (t TileRef) Path() string {
	var b strings.Builder
	b.WriteString("tile/")
	if t.Entries {
		b.WriteString("entries")
	} else {
		b.WriteString(strconv.Itoa(int(t.Level)))
	}
	// "It MUST be a non-negative integer encoded into zero-padded 3-digit
	// path elements. All but the last path element MUST begin with an x."
	n := t.Index
	var groups []uint64
	for {
		groups = append(groups, n%1000)
		n /= 1000
		if n == 0 {
			break
		}
	}
	for i := len(groups) - 1; i >= 0; i-- {
		b.WriteByte('/')
		if i > 0 {
			b.WriteByte('x')
		}
		fmt.Fprintf(&b, "%03d", groups[i])
	}
	if t.Width < TileWidth {
		fmt.Fprintf(&b, ".p/%d", t.Width)
	}
	return b.String()
}

// ParseTilePath parses a path produced by [TileRef.Path]. It accepts only
// canonical paths (no leading zeroes in the level or width, no redundant
// groups in the index, width 1 to 255 for a partial tile), so every resource
// has one path.
func ParseTilePath(path string) (TileRef, error) {
	bad := func(why string) (TileRef, error) {
		return TileRef{}, fmt.Errorf("translog: tile path %.80q: %s: %w", path, why, ErrInvalid)
	}
	rest, ok := strings.CutPrefix(path, "tile/")
	if !ok {
		return bad("does not start with tile/")
	}
	var t TileRef
	first, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return bad("no index")
	}
	if first == "entries" {
		t.Entries = true
	} else {
		l, err := strconv.ParseUint(first, 10, 8)
		if err != nil || l > 63 || strconv.FormatUint(l, 10) != first {
			return bad("level is not 0 to 63")
		}
		t.Level = uint8(l)
	}
	t.Width = TileWidth
	if idx, w, ok := strings.Cut(rest, ".p/"); ok {
		wn, err := strconv.Atoi(w)
		if err != nil || wn < 1 || wn >= TileWidth || strconv.Itoa(wn) != w {
			return bad("partial width is not 1 to 255")
		}
		t.Width, rest = wn, idx
	}
	elems := strings.Split(rest, "/")
	for i, e := range elems {
		if i < len(elems)-1 {
			if !strings.HasPrefix(e, "x") {
				return bad("index element without x")
			}
			e = e[1:]
		}
		if len(e) != 3 || e[0] < '0' || e[0] > '9' || e[1] < '0' || e[1] > '9' || e[2] < '0' || e[2] > '9' {
			return bad("index element is not 3 digits")
		}
		d := uint64(e[0]-'0')*100 + uint64(e[1]-'0')*10 + uint64(e[2]-'0')
		if t.Index > (1<<64-1-d)/1000 {
			return bad("index overflows")
		}
		t.Index = t.Index*1000 + d
	}
	if len(elems) > 1 && strings.TrimLeft(elems[0], "x0") == "" {
		return bad("index has a leading zero group")
	}
	return t, nil
}

// MaxEntrySize is the largest entry an entry bundle can hold: entries are
// prefixed with their length as a big-endian uint16.
const MaxEntrySize = 1<<16 - 1

// MarshalEntryBundle encodes entries as a C2SP tlog-tiles entry bundle
// (https://c2sp.org/tlog-tiles#log-entries): "sequences of big-endian
// uint16 length-prefixed log entries".
func MarshalEntryBundle(entries [][]byte) ([]byte, error) {
	n := 0
	for _, e := range entries {
		if len(e) > MaxEntrySize {
			return nil, fmt.Errorf("translog: entry of %d bytes is too big for an entry bundle: %w", len(e), ErrInvalid)
		}
		n += 2 + len(e)
	}
	b := make([]byte, 0, n)
	for _, e := range entries {
		b = binary.BigEndian.AppendUint16(b, uint16(len(e)))
		b = append(b, e...)
	}
	return b, nil
}

// ParseEntryBundle decodes an entry bundle. The entries alias b.
func ParseEntryBundle(b []byte) ([][]byte, error) {
	var entries [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, fmt.Errorf("translog: entry bundle ends inside a length prefix: %w", ErrInvalid)
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b)-2 < n {
			return nil, fmt.Errorf("translog: entry bundle ends inside entry %d: %w", len(entries), ErrInvalid)
		}
		entries = append(entries, b[2:2+n:2+n])
		b = b[2+n:]
	}
	return entries, nil
}
