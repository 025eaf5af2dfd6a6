package web

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// openTestStore opens an empty SQL store on SQLite in a temporary folder.
func openTestStore(t testing.TB) (cairn.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cairn.db")
	return openTestStoreAt(t, path), path
}

// openTestStoreAt opens the SQL store in the SQLite file at path (another
// process's view of a test environment's store).
func openTestStoreAt(t testing.TB, path string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
