package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestStmtCacheNoDeadlock: a transaction on SQLite's one write connection
// looks up cached statements while another caller prepares a new one on
// the same pool (which waits for that connection). The lookup must not
// wait for the preparation, or neither ends (the outbox worker's Claim
// against a batch of awards did that).
func TestStmtCacheNoDeadlock(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- db.write(ctx, func(x q) error {
			prepared := make(chan struct{})
			go func() {
				db.ws.get(ctx, "SELECT COUNT(*) FROM organizations") // waits for this transaction's connection
				close(prepared)
			}()
			time.Sleep(50 * time.Millisecond) // let it start waiting
			var n int
			if err := x.prow(ctx, "SELECT COUNT(*) FROM accounts").Scan(&n); err != nil {
				return err
			}
			select {
			case <-prepared:
				t.Error("the preparation finished while the transaction held the only connection")
			default:
			}
			return nil
		})
	}()
	select {
	case err := <-done:
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		// (The database is left open: closing it would wait for the
		// deadlocked transaction.)
		t.Fatal("deadlock: a transaction's statement lookup waited for a preparation that waited for the transaction")
	}
}
