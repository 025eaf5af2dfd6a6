package store_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
)

// TestWatchSQLite and TestWatchPostgres: a DB whose Watch runs learns of
// the changes another DB on the same database makes (awards changed
// through it, pages it stored, an UPDATE behind both), within the bound
// the heads keep; of its own changes at once; and says "cannot tell"
// before its watch started and after it stopped.
func TestWatchSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cairn.db")
	a, b := openSQLitePath(t, path), openSQLitePath(t, path)
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	testWatch(t, a, b, raw, func(q string) string { return q }, false)
}

func TestWatchPostgres(t *testing.T) {
	u := postgresSchema(t)
	a, b := openPostgresURL(t, u), openPostgresURL(t, u)
	raw, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	testWatch(t, a, b, raw, func(q string) string {
		for n := 1; strings.Contains(q, "?"); n++ {
			q = strings.Replace(q, "?", "$"+strconv.Itoa(n), 1)
		}
		return q
	}, true)
}

// testWatch: raw is a connection beside both DBs, whose placeholders
// rebind writes; interleave commits two changes out of the order of their
// sequence numbers (PostgreSQL).
func testWatch(t *testing.T, a, b *store.DB, raw *sql.DB, rebind func(string) string, interleave bool) {
	ctx := context.Background()
	org, ach := setup(t, b, "watch")
	now := time.Now()
	newAward := func(who string) *cairn.Award {
		t.Helper()
		aw := &cairn.Award{OrgID: org.ID, AchievementID: ach.ID, AwardedDate: now, ValidFrom: now,
			Recipient: cairn.Recipient{Type: cairn.RecipientEmail, Identity: who + "@example.org"}}
		if _, err := b.CreateAward(ctx, aw, func(aw *cairn.Award) error { aw.CredentialJSON = []byte(`{"a":1}`); return nil }); err != nil {
			t.Fatal(err)
		}
		return aw
	}
	revoked, rewritten, renamed, late, kept := newAward("r"), newAward("w"), newAward("n"), newAward("l"), newAward("k")
	local, paged, ownPage := newAward("o"), newAward("p"), newAward("q")

	if a.AwardUnchangedSince(kept.ID, time.Now()) {
		t.Fatal("AwardUnchangedSince says unchanged before the watch started")
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.Watch(wctx, slog.New(slog.NewTextHandler(io.Discard, nil))); close(done) }()
	defer func() { stop(); <-done }()
	eventually := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10 s", what)
			}
		}
	}
	eventually("the watch starts", func() bool { return a.AwardUnchangedSince(kept.ID, time.Now()) })
	t0 := time.Now()
	if a.AwardUnchangedSince(kept.ID, t0.Add(-time.Hour)) {
		t.Error("AwardUnchangedSince vouches for a time before the watch started")
	}
	head, err := a.PublicAwardHead(ctx, revoked.ID)
	if err != nil || head.State != cairn.StateActive {
		t.Fatalf("PublicAwardHead = %+v, %v", head, err)
	}

	// Another process's changes.
	if _, err := b.SetAwardState(ctx, org.ID, revoked.ID, cairn.StateRevoked, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, rebind(`UPDATE awards SET credential_json = ? WHERE id = ?`), []byte(`{"a":2}`), rewritten.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, rebind(`UPDATE awards SET id = ? WHERE id = ?`), renamed.ID+"-renamed", renamed.ID); err != nil {
		t.Fatal(err)
	}
	if interleave {
		// A transaction that took its sequence number first commits last.
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE awards SET state_reason = 'late' WHERE id = $1`, late.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.SetAwardState(ctx, org.ID, kept.ID, cairn.StateSuspended, "meanwhile"); err != nil {
			t.Fatal(err)
		}
		eventually("a change committed meanwhile is seen", func() bool { return !a.AwardUnchangedSince(kept.ID, t0) })
		if !a.AwardUnchangedSince(late.ID, t0) {
			t.Fatal("a change not committed yet is seen")
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		eventually("a change committed after a later one is seen", func() bool { return !a.AwardUnchangedSince(late.ID, t0) })
	}
	eventually("a state change through another DB is seen", func() bool { return !a.AwardUnchangedSince(revoked.ID, t0) })
	eventually("an UPDATE behind the store's back is seen", func() bool { return !a.AwardUnchangedSince(rewritten.ID, t0) })
	eventually("an award renamed is seen under its old ID", func() bool { return !a.AwardUnchangedSince(renamed.ID, t0) })
	if head, err := a.PublicAwardHead(ctx, revoked.ID); err != nil || head.State != cairn.StateRevoked {
		t.Errorf("PublicAwardHead after the watch saw the revocation = %+v, %v", head, err)
	}
	if t1 := time.Now(); !a.AwardUnchangedSince(revoked.ID, t1) {
		t.Error("AwardUnchangedSince after the change was seen says changed")
	}

	// Its own changes: at once.
	if !a.AwardUnchangedSince(local.ID, t0) {
		t.Fatal("an award nobody changed is said to have changed")
	}
	if _, err := a.SetAwardState(ctx, org.ID, local.ID, cairn.StateSuspended, "here"); err != nil {
		t.Fatal(err)
	}
	if a.AwardUnchangedSince(local.ID, t0) {
		t.Error("a change through this DB is not seen at once")
	}

	// Pages stored by another process count; its own do not.
	t1 := time.Now()
	page := func(aw *cairn.Award) *cairn.RenderedPage {
		return &cairn.RenderedPage{AwardID: aw.ID, AwardUpdatedAt: aw.UpdatedAt, CredentialSHA256: make([]byte, 32),
			CheckedAt: time.Now(), Result: "verified", HTMLGzip: []byte("page")}
	}
	if err := b.PutRenderedPages(ctx, page(paged)); err != nil {
		t.Fatal(err)
	}
	if err := a.PutRenderedPages(ctx, page(ownPage)); err != nil {
		t.Fatal(err)
	}
	eventually("a page stored by another DB is seen", func() bool { return !a.PageUnchangedSince(paged.ID, t1) })
	if !a.PageUnchangedSince(ownPage.ID, t1) {
		t.Error("a page this DB stored counts as stored elsewhere")
	}
	if !a.AwardUnchangedSince(paged.ID, t1) {
		t.Error("a stored page counts as an award change")
	}
	// Rows older than an hour go.
	var old any = time.Now().Add(-2 * time.Hour)
	if !interleave { // SQLite: the store's text form
		old = old.(time.Time).UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	if _, err := raw.ExecContext(ctx, rebind(`INSERT INTO award_changes (award_id, kind, changed_at) VALUES ('old', 'award', ?)`), old); err != nil {
		t.Fatal(err)
	}
	if err := store.PruneChanges(ctx, a); err != nil {
		t.Errorf("pruning: %v", err)
	}
	var left, recent int
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM award_changes WHERE award_id = 'old'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("a change row two hours old after pruning: %d left, %v", left, err)
	}
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM award_changes`).Scan(&recent); err != nil || recent == 0 {
		t.Errorf("pruning removed the recent rows too: %d left, %v", recent, err)
	}

	stop()
	<-done
	if a.AwardUnchangedSince(ownPage.ID, t1) {
		t.Error("AwardUnchangedSince vouches after the watch stopped")
	}
}
