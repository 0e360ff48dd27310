// Package sqldbtest opens migrated, isolated sqldb databases for tests: SQLite in a temporary
// directory always, and PostgreSQL when ROSTER_TEST_POSTGRES_URL names a server, in a schema of
// its own that is dropped when the test ends.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create and drop schemas

	"roster/internal/sqldb"
)

// EnvPostgresURL names the environment variable that enables the PostgreSQL tests, for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvPostgresURL = "ROSTER_TEST_POSTGRES_URL"

// Engines returns the engines to test on: "sqlite", and "postgres" when EnvPostgresURL is set.
func Engines(t testing.TB) []string {
	t.Helper()
	engines := []string{sqldb.EngineSQLite}
	if os.Getenv(EnvPostgresURL) != "" {
		engines = append(engines, sqldb.EnginePostgres)
	}
	return engines
}

// Open returns a new, migrated, empty database of the engine ("sqlite" or "postgres"), closed
// and removed when t ends. On PostgreSQL it lives in a fresh schema, so tests can run in
// parallel on one server.
func Open(t testing.TB, engine string) *sqldb.DB {
	t.Helper()
	db, _ := OpenWithConfig(t, engine)
	return db
}

// OpenWithConfig is Open, and returns the database's configuration too, for the tests that
// also look at it from under the store (Raw).
func OpenWithConfig(t testing.TB, engine string) (*sqldb.DB, sqldb.Config) {
	t.Helper()
	cfg := Config(t, engine)
	db := OpenConfig(t, cfg)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("sqldbtest: %v", err)
	}
	return db, cfg
}

// Config returns the configuration of a new, empty, not yet migrated database of the engine,
// removed when t ends. Open it more than once to test several nodes sharing a database.
func Config(t testing.TB, engine string) sqldb.Config {
	t.Helper()
	switch engine {
	case sqldb.EngineSQLite:
		return sqldb.Config{DataDir: t.TempDir()}
	case sqldb.EnginePostgres:
		return sqldb.Config{DatabaseURL: postgresSchema(t)}
	}
	t.Fatalf("sqldbtest: unknown engine %q", engine)
	return sqldb.Config{}
}

// OpenConfig opens the database of cfg, without migrating it, and closes it when t ends.
func OpenConfig(t testing.TB, cfg sqldb.Config) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("sqldbtest: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("sqldbtest: close: %v", err)
		}
	})
	return db
}

// postgresSchema creates a schema with a random name, drops it when t ends, and returns the
// URL of EnvPostgresURL with search_path set to it.
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgresURL)
	if base == "" {
		t.Skipf("sqldbtest: %s is not set", EnvPostgresURL)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("sqldbtest: %s is not a URL", EnvPostgresURL)
	}
	var b [8]byte
	rand.Read(b[:])
	schema := "s_" + hex.EncodeToString(b[:])

	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("sqldbtest: %v", err)
	}
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("sqldbtest: create schema: %v", errors.Join(err, admin.Close()))
	}
	// Registered before Open registers the Close of the store: cleanups run last first, so
	// the store's connections are gone when the schema is dropped.
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("sqldbtest: drop schema: %v", err)
		}
	})

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Raw opens the database of cfg with database/sql directly, to look at what the store hides or
// change it as an operator would by hand. It is closed when t ends.
func Raw(t testing.TB, cfg sqldb.Config) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", cfg.DatabaseURL
	if dsn == "" {
		driver, dsn = "sqlite", filepath.Join(cfg.DataDir, "roster.db")
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("sqldbtest: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("sqldbtest: close: %v", err)
		}
	})
	return db
}
