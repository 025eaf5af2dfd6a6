package web

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// openTestStore opens an empty SQL store on SQLite in a temporary folder.
func openTestStore(t testing.TB) cairn.Store {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
