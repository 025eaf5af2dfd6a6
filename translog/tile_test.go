package translog

import (
	"bytes"
	"errors"
	"testing"
)

func TestTilePaths(t *testing.T) {
	for _, c := range []struct {
		ref  TileRef
		path string
	}{
		{TileRef{Index: 0, Width: 256}, "tile/0/000"},
		{TileRef{Level: 1, Index: 1234067, Width: 256}, "tile/1/x001/x234/067"},
		{TileRef{Level: 63, Index: 1000, Width: 7}, "tile/63/x001/000.p/7"},
		{TileRef{Entries: true, Index: 999, Width: 255}, "tile/entries/999.p/255"},
		{TileRef{Entries: true, Index: 1<<64 - 1, Width: 256}, "tile/entries/x018/x446/x744/x073/x709/x551/615"},
	} {
		if got := c.ref.Path(); got != c.path {
			t.Errorf("%+v.Path() = %q, want %q", c.ref, got, c.path)
		}
		got, err := ParseTilePath(c.path)
		if err != nil || got != c.ref {
			t.Errorf("ParseTilePath(%q) = %+v, %v; want %+v", c.path, got, err, c.ref)
		}
	}
	for _, p := range []string{
		"", "tile/", "tile/0", "tile/00/000", "tile/64/000", "tile/0/0", "tile/0/0000", "tile/0/001/002",
		"tile/0/x000/001", "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/07", "tile/0/000.p/", "tile/-1/000",
		"tile/entries/x1/000", "tile/0/x018/x446/x744/x073/x709/x551/616", "tile/0/00a", "tiles/0/000", "tile/0/000/",
	} {
		if _, err := ParseTilePath(p); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseTilePath(%q) error = %v, want ErrInvalid", p, err)
		}
	}
}

func FuzzParseTilePath(f *testing.F) {
	f.Add("tile/1/x001/x234/067.p/12")
	f.Add("tile/entries/000")
	f.Fuzz(func(t *testing.T, p string) {
		ref, err := ParseTilePath(p)
		if err != nil {
			return
		}
		if ref.Path() != p {
			t.Fatalf("ParseTilePath(%q).Path() = %q", p, ref.Path())
		}
	})
}

func TestEntryBundle(t *testing.T) {
	entries := [][]byte{[]byte("a"), {}, bytes.Repeat([]byte{'x'}, MaxEntrySize)}
	b, err := MarshalEntryBundle(entries)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseEntryBundle(b)
	if err != nil || len(got) != 3 || string(got[0]) != "a" || len(got[1]) != 0 || len(got[2]) != MaxEntrySize {
		t.Fatalf("ParseEntryBundle round trip = %d entries, %v", len(got), err)
	}
	if _, err := MarshalEntryBundle([][]byte{make([]byte, MaxEntrySize+1)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("oversized entry: error = %v, want ErrInvalid", err)
	}
	for _, bad := range [][]byte{{0}, {0, 2, 'a'}} {
		if _, err := ParseEntryBundle(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseEntryBundle(%q) error = %v, want ErrInvalid", bad, err)
		}
	}
}
