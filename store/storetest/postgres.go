package storetest

import (
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// PostgresEnv names the variable that gives the PostgreSQL test database.
const PostgresEnv = "CAIRN_TEST_POSTGRES"

// PostgresURL returns the PostgreSQL test database URL, or skips t with a
// message saying how to run it.
func PostgresURL(t testing.TB) string {
	u := os.Getenv(PostgresEnv)
	if u == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a PostgreSQL URL (e.g. postgres://cairn:cairn@127.0.0.1:5432/cairn_test?sslmode=disable) to run them; .ci/run does", PostgresEnv)
	}
	return u
}

// PostgresSchema creates a fresh schema in the test database, dropped when
// t ends, and returns a URL whose connections use it.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := "test_" + strings.ToLower(rand.Text()[:16])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	qv := u.Query()
	qv.Set("search_path", schema)
	u.RawQuery = qv.Encode()
	return u.String()
}
