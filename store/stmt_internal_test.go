package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestPrepareWhileTransactionReads: preparing a statement on SQLite's
// one-connection write pool while a write transaction holds that
// connection and looks up the cache must wait for the transaction, not
// deadlock with it (the outbox worker's Claim against the first award's
// statement preparation).
func TestPrepareWhileTransactionReads(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	inTx, preparing := make(chan struct{}), make(chan error, 1)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	go func() {
		<-inTx
		ok := db.ws.prepare(ctx, []string{"SELECT COUNT(*) FROM outbox"})
		if !ok {
			preparing <- ctx.Err()
			return
		}
		preparing <- nil
	}()
	err = db.write(ctx, func(x q) error {
		close(inTx)
		time.Sleep(100 * time.Millisecond) // let prepare start and wait for the connection
		rows, err := x.pquery(ctx, "SELECT id FROM outbox WHERE kind = ?", "x")
		if err != nil {
			return err
		}
		return rows.Close()
	})
	if err != nil {
		t.Fatalf("the transaction: %v", err)
	}
	if err := <-preparing; err != nil {
		t.Fatalf("prepare: %v", err)
	}
}
