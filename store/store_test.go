package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/store/storetest"
)

// postgresEnv names the variable holding a PostgreSQL URL for tests; .ci/run
// sets it. Each test gets its own schema in that database.
const postgresEnv = "CAIRN_TEST_POSTGRES"

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *store.DB { return openSQLite(t) })
}

func TestPostgres(t *testing.T) {
	postgresURL(t)
	storetest.Run(t, openPostgres)
}

// openSQLite opens a migrated SQLite database in a new temporary folder.
func openSQLite(t testing.TB) *store.DB {
	return openSQLitePath(t, filepath.Join(t.TempDir(), "cairn.db"))
}

func openSQLitePath(t testing.TB, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func postgresURL(t testing.TB) string { return storetest.PostgresURL(t) }

func postgresSchema(t testing.TB) string { return storetest.PostgresSchema(t) }

func openPostgresURL(t testing.TB, u string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// openPostgres opens a migrated PostgreSQL database in a new schema.
func openPostgres(t *testing.T) *store.DB {
	return openPostgresURL(t, postgresSchema(t))
}

func setup(t testing.TB, db *store.DB, slug string) (org *cairn.Organization, ach *cairn.Achievement) {
	t.Helper()
	ctx := context.Background()
	org = &cairn.Organization{Slug: slug, Name: slug}
	owner := &cairn.Account{Email: slug + "@example.org", PasswordHash: "h"}
	if err := db.CreateOrganizationWithOwner(ctx, org, owner, nil); err != nil {
		t.Fatal(err)
	}
	is := &cairn.Issuer{OrgID: org.ID, Name: "Issuer"}
	if err := db.CreateIssuer(ctx, is); err != nil {
		t.Fatal(err)
	}
	ach = &cairn.Achievement{OrgID: org.ID, IssuerID: is.ID, Name: "Badge"}
	if err := db.CreateAchievement(ctx, ach); err != nil {
		t.Fatal(err)
	}
	return org, ach
}

// TestTwoHandlesSQLite issues through two DBs on one SQLite file, as two
// processes would.
func TestTwoHandlesSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cairn.db")
	a, b := openSQLitePath(t, path), openSQLitePath(t, path)
	org, ach := setup(t, a, "two")
	storetest.IssueConcurrently(t, []*store.DB{a, b}, org.ID, ach.ID, 8, 25)
}

// TestTwoHandlesPostgres is the proof that two cairn processes on one
// PostgreSQL database issue concurrently without duplicate status-list
// indexes or lost awards. Small lists make them also race to create lists.
func TestTwoHandlesPostgres(t *testing.T) {
	u := postgresSchema(t)
	a, b := openPostgresURL(t, u), openPostgresURL(t, u)
	org, ach := setup(t, a, "two")
	storetest.IssueConcurrently(t, []*store.DB{a, b}, org.ID, ach.ID, 8, 50)

	store.SetStatusListSize(a, 64)
	store.SetStatusListSize(b, 64)
	_, small := setupIssuer(t, a, org.ID)
	storetest.IssueConcurrently(t, []*store.DB{a, b}, org.ID, small.ID, 8, 40)
	checkLists(t, a, small.IssuerID, 8*40)
}

func setupIssuer(t testing.TB, db *store.DB, orgID string) (*cairn.Issuer, *cairn.Achievement) {
	t.Helper()
	ctx := context.Background()
	is := &cairn.Issuer{OrgID: orgID, Name: "Small lists"}
	if err := db.CreateIssuer(ctx, is); err != nil {
		t.Fatal(err)
	}
	ach := &cairn.Achievement{OrgID: orgID, IssuerID: is.ID, Name: "Badge"}
	if err := db.CreateAchievement(ctx, ach); err != nil {
		t.Fatal(err)
	}
	return is, ach
}

// checkLists checks that an issuer's lists come in pairs of equal size and
// together hold n awards' worth of capacity.
func checkLists(t *testing.T, db *store.DB, issuerID string, n int) {
	t.Helper()
	lists, err := db.StatusLists(context.Background(), issuerID)
	if err != nil {
		t.Fatal(err)
	}
	var rev, sus int
	for _, l := range lists {
		switch l.Purpose {
		case cairn.PurposeRevocation:
			rev++
		case cairn.PurposeSuspension:
			sus++
		}
		if l.Size != 64 || len(l.Bits) != 8 {
			t.Errorf("list %s: size %d, %d bytes", l.ID, l.Size, len(l.Bits))
		}
	}
	if rev != sus || rev*64 < n {
		t.Errorf("%d revocation and %d suspension lists of 64 for %d awards", rev, sus, n)
	}
}

// TestListRollover fills small lists: awards move to a new pair when a list
// is 90% full, and every entry stays unique.
func TestListRollover(t *testing.T) {
	db := openSQLite(t)
	store.SetStatusListSize(db, 64)
	org, ach := setup(t, db, "roll")
	storetest.IssueConcurrently(t, []*store.DB{db}, org.ID, ach.ID, 1, 200)
	checkLists(t, db, ach.IssuerID, 200)
	lists, err := db.StatusLists(context.Background(), ach.IssuerID)
	if err != nil {
		t.Fatal(err)
	}
	if len(lists) < 8 { // 200 awards at ≤ 58 per list of 64
		t.Errorf("%d lists for 200 awards in lists of 64, want ≥ 8", len(lists))
	}
}

// TestReserveAwardsRollover: batches reserved at once in small lists move
// to new pairs as ReserveAward does, and every entry stays unique.
func TestReserveAwardsRollover(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	store.SetStatusListSize(db, 64)
	org, ach := setup(t, db, "rollb")
	seen := map[string]bool{}
	for b := range 5 {
		var batch []*cairn.Award
		for i := range 40 {
			batch = append(batch, &cairn.Award{OrgID: org.ID, AchievementID: ach.ID,
				Recipient:   cairn.Recipient{Type: cairn.RecipientDID, Identity: fmt.Sprintf("did:example:%d-%d", b, i)},
				AwardedDate: time.Now(), ValidFrom: time.Now(), Formats: []string{cairn.FormatDataIntegrity}})
		}
		for i, r := range db.ReserveAwards(ctx, batch) {
			if r.Err != nil || r.Existing != nil {
				t.Fatalf("batch %d award %d: %+v", b, i, r)
			}
			a := batch[i]
			e := fmt.Sprintf("%s#%d", a.StatusListID, a.StatusIndex)
			if seen[e] {
				t.Fatalf("status entry %s given twice", e)
			}
			seen[e] = true
			a.CredentialJSON = []byte(`{}`)
		}
		for i, r := range db.InsertAwards(ctx, batch) {
			if r.Err != nil {
				t.Fatalf("batch %d award %d: %v", b, i, r.Err)
			}
		}
	}
	checkLists(t, db, ach.IssuerID, 200)
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"mysql://x", "sqlite:", "sqlite:/tmp/x.db?mode=ro"} {
		if db, err := store.Open(ctx, u); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", u)
		} else if cairn.KindOf(err) != cairn.Invalid {
			t.Errorf("Open(%q) = %v, want Invalid", u, err)
		}
	}
	dir := t.TempDir()
	for _, u := range []string{filepath.Join(dir, "plain.db"), "sqlite:" + filepath.Join(dir, "s.db"), "file:" + filepath.Join(dir, "f.db")} {
		db, err := store.Open(ctx, u)
		if err != nil {
			t.Fatalf("Open(%q): %v", u, err)
		}
		if db.Dialect() != "sqlite" {
			t.Errorf("Open(%q) dialect %s", u, db.Dialect())
		}
		db.Close()
	}
	if _, err := store.Open(ctx, "postgres://nobody:secret@127.0.0.1:1/none?connect_timeout=2"); cairn.KindOf(err) != cairn.Unavailable {
		t.Errorf("Open(unreachable PostgreSQL) = %v, want Unavailable", err)
	} else if msg := err.Error(); strings.Contains(msg, "secret") {
		t.Errorf("error shows the password: %s", msg)
	}
}

func TestMigrationsMatch(t *testing.T) {
	lite, err := store.Migrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("%d SQLite migrations, %d PostgreSQL", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: SQLite %04d_%s, PostgreSQL %04d_%s", i, lite[i].Version, lite[i].Name, pg[i].Version, pg[i].Name)
		}
	}
}

func noSign(a *cairn.Award) error {
	a.CredentialJSON = []byte(`{"proof":"none"}`)
	return nil
}

func benchCreate(b *testing.B, db *store.DB) {
	org, ach := setup(b, db, "bench")
	ctx := context.Background()
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a := &cairn.Award{OrgID: org.ID, AchievementID: ach.ID, AwardedDate: now, ValidFrom: now,
			Recipient: cairn.Recipient{Type: cairn.RecipientEmail, Identity: fmt.Sprintf("r%d@example.org", i)}}
		if _, err := db.CreateAward(ctx, a, noSign); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "awards/s")
}

func BenchmarkCreateAward(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchCreate(b, openSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchCreate(b, openPostgresURL(b, postgresSchema(b))) })
}

func BenchmarkCreateAwardParallel(b *testing.B) {
	run := func(b *testing.B, db *store.DB) {
		org, ach := setup(b, db, "bench")
		ctx := context.Background()
		now := time.Now()
		b.ReportAllocs()
		b.SetParallelism(4)
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				a := &cairn.Award{OrgID: org.ID, AchievementID: ach.ID, AwardedDate: now, ValidFrom: now,
					Recipient: cairn.Recipient{Type: cairn.RecipientEmail, Identity: "r@example.org"}}
				if _, err := db.CreateAward(ctx, a, noSign); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "awards/s")
	}
	b.Run("sqlite", func(b *testing.B) { run(b, openSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { run(b, openPostgresURL(b, postgresSchema(b))) })
}

// BenchmarkInsertAwards stores reserved and signed awards in batches of
// 100 (what a bulk job does with its rows): one transaction per batch.
func BenchmarkInsertAwards(b *testing.B) {
	run := func(b *testing.B, db *store.DB) {
		org, ach := setup(b, db, "bench")
		ctx := context.Background()
		now := time.Now()
		const batch = 100
		b.ReportAllocs()
		b.ResetTimer()
		n := 0
		for b.Loop() {
			as := make([]*cairn.Award, batch)
			for i := range as {
				n++
				as[i] = &cairn.Award{OrgID: org.ID, AchievementID: ach.ID, AwardedDate: now, ValidFrom: now,
					Recipient: cairn.Recipient{Type: cairn.RecipientEmail, Identity: fmt.Sprintf("r%d@example.org", n)}}
				if _, err := db.ReserveAward(ctx, as[i]); err != nil {
					b.Fatal(err)
				}
				noSign(as[i])
			}
			for i, r := range db.InsertAwards(ctx, as) {
				if r.Err != nil {
					b.Fatalf("award %d: %v", i, r.Err)
				}
			}
		}
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "awards/s")
	}
	b.Run("sqlite", func(b *testing.B) { run(b, openSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { run(b, openPostgresURL(b, postgresSchema(b))) })
}

func BenchmarkGetAward(b *testing.B) {
	run := func(b *testing.B, db *store.DB) {
		org, ach := setup(b, db, "bench")
		ctx := context.Background()
		now := time.Now()
		var ids []string
		for i := range 1000 {
			a := &cairn.Award{OrgID: org.ID, AchievementID: ach.ID, AwardedDate: now, ValidFrom: now,
				Recipient: cairn.Recipient{Type: cairn.RecipientEmail, Identity: fmt.Sprintf("r%d@example.org", i)}}
			if _, err := db.CreateAward(ctx, a, noSign); err != nil {
				b.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := db.PublicAward(ctx, ids[i%len(ids)]); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	}
	b.Run("sqlite", func(b *testing.B) { run(b, openSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { run(b, openPostgresURL(b, postgresSchema(b))) })
}

// TestConcurrentMigrate starts two processes' worth of Migrate at once on
// one database: one applies the migrations, the other finds nothing to do.
func TestConcurrentMigrate(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "cairn.db")
		migrateTwice(t, func() (*store.DB, error) { return store.Open(context.Background(), "sqlite:"+path) })
	})
	t.Run("postgres", func(t *testing.T) {
		u := postgresSchema(t)
		migrateTwice(t, func() (*store.DB, error) { return store.Open(context.Background(), u) })
	})
}

func migrateTwice(t *testing.T, open func() (*store.DB, error)) {
	var dbs [2]*store.DB
	for i := range dbs {
		db, err := open()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	var applied [2][]int
	var errs [2]error
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Go(func() { applied[i], errs[i] = db.Migrate(context.Background()) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ms, _ := store.Migrations(dbs[0].Dialect())
	if n := len(applied[0]) + len(applied[1]); n != len(ms) {
		t.Errorf("applied %v and %v, want %d migrations in all", applied[0], applied[1], len(ms))
	}
}

// TestIdempotencyLookupUsesIndex: the idempotency lookup of every award
// must use the partial unique index; a scan of the organization's awards
// made issuing slower as the table grew (found by scripts/load.sh).
func TestIdempotencyLookupUsesIndex(t *testing.T) {
	db := openSQLite(t)
	plan, err := store.QueryPlan(db, "SELECT id FROM awards WHERE org_id = ? AND idempotency_key = ? AND idempotency_key <> ''", "o", "k")
	if err != nil {
		t.Fatal(err)
	}
	if s := strings.Join(plan, "; "); !strings.Contains(s, "awards_idempotency") {
		t.Fatalf("the idempotency lookup does not use awards_idempotency: %s", s)
	}
}

// TestPrepareDuringWrite: preparing a statement on the write pool while a
// write transaction holds its one connection does not deadlock with the
// transaction's own statement lookups.
func TestPrepareDuringWrite(t *testing.T) {
	db := openSQLite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := store.PrepareDuringWrite(ctx, db, "SELECT 2"); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkPublicAwardHead reads award heads (what every view of a public
// credential resource reads) of 2,000 awards with credentials of a
// typical size (2.5 KB of JSON): "uncached" past the head cache, as a
// first view does, "cached" through it.
func BenchmarkPublicAwardHead(b *testing.B) {
	run := func(b *testing.B, db *store.DB, read func(context.Context, string) (*cairn.Award, error)) {
		org, ach := setup(b, db, "bench")
		ctx := context.Background()
		now := time.Now()
		cred := []byte(`{"proof":"` + strings.Repeat("x", 2500) + `"}`)
		var ids []string
		for i := range 2000 {
			a := &cairn.Award{OrgID: org.ID, AchievementID: ach.ID, AwardedDate: now, ValidFrom: now,
				Recipient: cairn.Recipient{Type: cairn.RecipientEmail, Identity: fmt.Sprintf("r%d@example.org", i)}}
			if _, err := db.CreateAward(ctx, a, func(a *cairn.Award) error { a.CredentialJSON = cred; return nil }); err != nil {
				b.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		b.ReportAllocs()
		b.ResetTimer()
		var next sync.Mutex
		i := 0
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				next.Lock()
				id := ids[i%len(ids)]
				i++
				next.Unlock()
				if a, err := read(ctx, id); err != nil || len(a.CredentialJSON) != len(cred) {
					b.Error(err)
					return
				}
			}
		})
	}
	for _, tc := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{
		{"sqlite", openSQLite},
		{"postgres", func(t testing.TB) *store.DB { return openPostgresURL(t, postgresSchema(t)) }},
	} {
		b.Run(tc.name+"/uncached", func(b *testing.B) { db := tc.open(b); run(b, db, db.PublicAwardHeadUncached) })
		b.Run(tc.name+"/cached", func(b *testing.B) { db := tc.open(b); run(b, db, db.PublicAwardHead) })
	}
}

// The checkpointer copies committed pages from the WAL into the database
// file on its own connection: the file grows soon after the writes, long
// before the writer's own autocheckpoint (tens of thousands of pages).
func TestCheckpointerCopiesTheWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cairn.db")
	db := openSQLitePath(t, path)
	org, ach := setup(t, db, "ckpt")
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	time.Sleep(500 * time.Millisecond) // the migrations' pages copied
	before := size()
	ctx := context.Background()
	now := time.Now()
	cred := []byte(`{"proof":"` + strings.Repeat("x", 4000) + `"}`)
	for i := range 300 { // about 300 overflow pages and their indexes
		a := &cairn.Award{OrgID: org.ID, AchievementID: ach.ID, AwardedDate: now, ValidFrom: now,
			Recipient: cairn.Recipient{Type: cairn.RecipientEmail, Identity: fmt.Sprintf("c%d@example.org", i)}}
		if _, err := db.CreateAward(ctx, a, func(a *cairn.Award) error { a.CredentialJSON = cred; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for size() < before+300*4096 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes, %d before the writes: the WAL was not copied into it", size(), before)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
