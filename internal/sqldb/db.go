// Package sqldb implements roster.Store with database/sql on SQLite (modernc.org/sqlite, the
// default, one file in the data directory) and on PostgreSQL (pgx). Every query is written
// once; the differences between the engines live in dialect.go, and the schema of each engine
// in migrations/<engine>/.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
	_ "modernc.org/sqlite"           // registers the "sqlite" driver

	"roster"
)

// Config says where the directory is stored.
type Config struct {
	// DataDir holds the SQLite database file, roster.db. It is created on first use.
	DataDir string
	// DatabaseURL, when it starts with postgres:// or postgresql://, selects PostgreSQL and
	// DataDir is not used.
	DatabaseURL string
	// LockDataDir takes the exclusive lock of the SQLite data directory (LockDataDir) for as
	// long as the DB is open, so that a second server or a restore cannot open it meanwhile.
	// The processes that hold the database open for writing take it; short writers that work
	// beside a running server (creating a token) do not. Not used on PostgreSQL.
	LockDataDir bool
}

// DB is the roster.Store of one database. Its reads run on a read pool and its changes on the
// writer inside Write.
type DB struct {
	reader // the queries, on the read pool

	d     *dialect
	write *sql.DB
	read  *sql.DB // the same pool as write on PostgreSQL
	// checkpoint copies SQLite's write-ahead log into the database file; nil on PostgreSQL.
	checkpoint *checkpointer
	// lock is the data directory's lock when Config.LockDataDir asked for it; nil otherwise.
	lock *DataDirLock

	closeOnce sync.Once
	closeErr  error
}

var _ roster.Store = (*DB)(nil)

// Open opens the database that cfg names, creating the SQLite data directory if needed, and
// checks that it answers. It does not migrate: call Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	var db *DB
	var err error
	switch u := cfg.DatabaseURL; {
	case strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://"):
		db, err = openPostgres(u)
	case u != "":
		// Never echo the URL: it may carry a password.
		return nil, errors.New("open database: the database URL must start with postgres:// or postgresql://")
	case cfg.DataDir == "":
		return nil, errors.New("open database: no data directory")
	default:
		db, err = openLockedSQLite(cfg.DataDir, cfg.LockDataDir)
	}
	if err != nil {
		return nil, err
	}
	// The writer first: its first connection creates the file and switches it to WAL, which
	// the query-only readers cannot do.
	if err := db.Ping(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open %s database: %w", db.d.engine, err), db.Close())
	}
	if db.d.copy {
		if err := db.checkTemporary(ctx); err != nil {
			return nil, errors.Join(err, db.Close())
		}
	}
	return db, nil
}

// checkTemporary refuses a PostgreSQL user that may not create temporary tables, where bulk
// writes stage their rows (copy.go): without it every small write would work and every import
// fail.
func (db *DB) checkTemporary(ctx context.Context) error {
	var may bool
	var user, database string
	err := db.write.QueryRowContext(ctx, `SELECT has_database_privilege(current_database(), 'TEMPORARY'),
		current_user, current_database()`).Scan(&may, &user, &database)
	switch {
	case err != nil:
		return fmt.Errorf("open postgres database: %w", err)
	case !may:
		return fmt.Errorf("open postgres database: the user %s may not create temporary tables in the database %s, "+
			"which imports and other bulk writes need; as the database's owner: GRANT TEMPORARY ON DATABASE %s TO %s",
			user, database, pgx.Identifier{database}.Sanitize(), pgx.Identifier{user}.Sanitize())
	}
	return nil
}

// openLockedSQLite opens the SQLite database of dir, after taking the data directory's lock
// when lock is set.
func openLockedSQLite(dir string, lock bool) (*DB, error) {
	if !lock {
		return openSQLite(dir)
	}
	l, err := LockDataDir(dir)
	if err != nil {
		return nil, err
	}
	db, err := openSQLite(dir)
	if err != nil {
		return nil, errors.Join(err, l.Release())
	}
	db.lock = l
	return db, nil
}

func openSQLite(dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path, err := filepath.Abs(filepath.Join(dir, "roster.db"))
	if err != nil {
		return nil, fmt.Errorf("open sqlite database: %w", err)
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open sqlite database: the path %q contains a '?'", path)
	}
	write, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		return nil, fmt.Errorf("open sqlite database: %w", err)
	}
	// One writer: SQLite allows one writing transaction at a time anyway, and queueing in the
	// pool is cheaper than queueing on the file lock.
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)

	read, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite database: %w", err), write.Close())
	}
	// modernc collapses when more connections than cores run queries at once (NOTES.md).
	n := max(runtime.NumCPU(), 2)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxIdleTime(0)
	read.SetConnMaxLifetime(0)
	db := newDB(sqliteDialect, write, read)
	// Its connection opens at its first checkpoint, after Open has made the file.
	if db.checkpoint, err = startCheckpointer(path); err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite database: %w", err), db.Close())
	}
	return db, nil
}

func openPostgres(url string) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// The error of a malformed URL may quote it; keep only that it failed.
		return nil, errors.New("open postgres database: the database URL is not valid")
	}
	// Roster's queries are short or bulk writes by key, which JIT compilation only delays: a
	// bulk statement of an import paid up to 200 ms compiling. A URL that sets jit keeps it.
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = "off"
	}
	pool := stdlib.OpenDB(*cfg)
	// database/sql keeps only 2 idle connections by default, which would reconnect on every
	// burst of concurrent requests.
	n := max(4*runtime.NumCPU(), 8)
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return newDB(postgresDialect, pool, pool), nil
}

func newDB(d *dialect, write, read *sql.DB) *DB {
	return &DB{
		reader: reader{d: d, run: &poolRunner{d: d, db: read}},
		d:      d,
		write:  write,
		read:   read,
	}
}

// Engine returns the name of the database engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.d.engine }

// Ping reports whether the database answers, on the writer and on the read pool.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	if db.read != db.write {
		if err := db.read.PingContext(ctx); err != nil {
			return fmt.Errorf("ping: %w", err)
		}
	}
	return nil
}

// Close closes the pools. It may be called more than once.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		var errs []error
		if db.checkpoint != nil {
			errs = append(errs, db.checkpoint.close())
		}
		if db.read != db.write {
			errs = append(errs, db.read.Close())
		}
		errs = append(errs, db.write.Close())
		// Last: the database is closed, its write-ahead log folded in.
		errs = append(errs, db.lock.Release())
		db.closeErr = errors.Join(errs...)
	})
	return db.closeErr
}

// Write runs fn in one transaction on the writer: committed when fn returns nil, rolled back
// when it returns an error or panics. Inside it, single-row reads lock their row on
// PostgreSQL; on SQLite the single writer connection, begun IMMEDIATE, serializes writers.
func (db *DB) Write(ctx context.Context, fn func(tx roster.Tx) error) error {
	// The transaction on a connection of its own, which COPY needs (copy.go).
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	// After a successful Commit this is a no-op; on error or panic it releases the writer.
	defer sqlTx.Rollback()

	run := &txRunner{d: db.d, tx: sqlTx, stmts: make(map[string]*sql.Stmt)}
	if err := fn(&tx{reader: reader{d: db.d, run: run, lock: true}, conn: conn}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// reader runs the queries of roster.Reader, on the read pool or inside a transaction.
type reader struct {
	d   *dialect
	run runner
	// lock makes single-row reads lock their row (inside Write).
	lock bool
}

// tx is the roster.Tx of Write. Its runner is a *txRunner.
type tx struct {
	reader
	conn *sql.Conn // the connection of the transaction
}

var _ roster.Tx = (*tx)(nil)

// runner runs queries written with ? placeholders.
type runner interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	queryRow(ctx context.Context, q string, args ...any) rowScanner
	exec(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// rowScanner is a *sql.Row, or the error of preparing its statement.
type rowScanner interface {
	Scan(dest ...any) error
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// poolRunner runs queries on a pool. It does not prepare: pgx caches prepared statements per
// connection by itself, and on SQLite a prepare costs little next to a pooled round trip.
type poolRunner struct {
	d  *dialect
	db *sql.DB
}

func (r *poolRunner) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.db.QueryContext(ctx, r.d.rebind(q), args...)
}

func (r *poolRunner) queryRow(ctx context.Context, q string, args ...any) rowScanner {
	return r.db.QueryRowContext(ctx, r.d.rebind(q), args...)
}

func (r *poolRunner) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return r.db.ExecContext(ctx, r.d.rebind(q), args...)
}

// txRunner runs queries in a transaction and prepares each distinct query once: bulk imports
// call CreateUser and CreateAuditEntry thousands of times in one transaction. database/sql
// closes the statements when the transaction ends.
type txRunner struct {
	d  *dialect
	tx *sql.Tx

	mu    sync.Mutex // fn may, unwisely, share its Tx between goroutines
	stmts map[string]*sql.Stmt
}

func (r *txRunner) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.stmts[q]; ok {
		return s, nil
	}
	s, err := r.tx.PrepareContext(ctx, r.d.rebind(q))
	if err != nil {
		return nil, err
	}
	r.stmts[q] = s
	return s, nil
}

func (r *txRunner) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := r.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (r *txRunner) queryRow(ctx context.Context, q string, args ...any) rowScanner {
	s, err := r.stmt(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return s.QueryRowContext(ctx, args...)
}

func (r *txRunner) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	s, err := r.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// where collects the terms of a WHERE clause and their arguments.
type where struct {
	terms []string
	args  []any
}

func (w *where) add(term string, args ...any) {
	w.terms = append(w.terms, term)
	w.args = append(w.args, args...)
}

// and adds the terms of other.
func (w *where) and(other *where) {
	w.terms = append(w.terms, other.terms...)
	w.args = append(w.args, other.args...)
}

func (w *where) String() string {
	if len(w.terms) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.terms, " AND ")
}

// pageLimit applies the page size rules of every list.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return roster.DefaultPageSize
	case n > roster.MaxPageSize:
		return roster.MaxPageSize
	}
	return n
}

// dbTime returns t as the Store keeps it: in UTC, at the microsecond precision of PostgreSQL,
// so that a value read back equals the value written on both engines.
func dbTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// nullTime binds a zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// timeOf returns the time of a nullable column, in UTC; the zero time for NULL.
func timeOf(n sql.NullTime) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return n.Time.UTC()
}

// nullString binds "" as NULL, for the optional organization of tokens and audit entries.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// checkVersion explains an optimistic UPDATE that matched no row. versionQuery reads the stored
// version of the row: no row is CodeNotFound, another version is CodeVersionConflict with
// changed. When the version is the one expected, the update's other guard failed (a name or
// email taken): CodeConflict with guard.
func (t *tx) checkVersion(ctx context.Context, res sql.Result, versionQuery string, args []any,
	expected int64, notFound, changed, guard string) error {
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	var stored int64
	err = t.run.queryRow(ctx, versionQuery, args...).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return roster.Errorf(roster.CodeNotFound, "%s", notFound)
	case err != nil:
		return err
	case stored == expected && guard != "":
		return roster.Errorf(roster.CodeConflict, "%s", guard)
	}
	return roster.Errorf(roster.CodeVersionConflict, "%s", changed)
}

// inserted turns an INSERT ... ON CONFLICT DO NOTHING that inserted nothing into CodeConflict.
// Creates skip conflicting rows instead of failing on them because a failed statement aborts
// the whole transaction on PostgreSQL, and a bulk operation must be able to report one row
// taken concurrently and go on, as it can on SQLite.
func inserted(res sql.Result, conflict string) error {
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		return roster.Errorf(roster.CodeConflict, "%s", conflict)
	}
	return err
}

// affected turns an UPDATE or DELETE that matched no row into CodeNotFound.
func affected(res sql.Result, notFound string) error {
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		return roster.Errorf(roster.CodeNotFound, "%s", notFound)
	}
	return err
}

// countBy runs a query of (key, count) rows.
func countBy[K ~string](ctx context.Context, r *reader, q string, args ...any) (map[K]int, error) {
	rows, err := r.run.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := make(map[K]int)
	for rows.Next() {
		var k K
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		counts[k] = n
	}
	return counts, rows.Err()
}
