package sqldb

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"roster"
)

// Engine names, as returned by DB.Engine.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// dialect holds every difference between the two engines, so that the rest of the package
// writes each query once, with ? placeholders, and never asks which engine it runs on.
type dialect struct {
	engine string
	// dollar: the engine wants $1, $2, ... instead of ?.
	dollar bool
	// forUpdate is appended to single-row reads inside Write. SQLite has no row locks and needs
	// none: its one writer connection, begun IMMEDIATE, already serializes every writer.
	forUpdate string
	// claimLock is appended to the subquery that picks the task a worker claims. On PostgreSQL,
	// FOR UPDATE SKIP LOCKED lets concurrent claimers pass over a task another is claiming
	// instead of waiting for it and then finding it taken. SQLite needs nothing: the IMMEDIATE
	// write transaction already runs one claim at a time.
	claimLock string
	// rowsPerWrite is how many rows one INSERT or UPDATE statement of a bulk write carries.
	// PostgreSQL pays a network round trip a statement, so many rows a statement pay off.
	// SQLite runs in-process, and a statement that writes several rows must be able to roll
	// back alone: SQLite copies every page it touches into a statement journal first, which
	// cost more (4 of 11 s of a bulk create, and 39 s with the journal in memory) than it
	// saved. Tables without a foreign key are the exception: with OR IGNORE their statements
	// cannot abort (see insertNew). An UPDATE of users spends its time in the B-trees
	// of their indexes either way.
	rowsPerWrite int
	// insertIgnore and onConflictIgnore frame an INSERT that skips the rows that conflict.
	// SQLite's OR IGNORE also skips rows that break NOT NULL, so that a statement of several
	// rows cannot abort half-way and SQLite needs no statement journal for it; ON CONFLICT DO
	// NOTHING would leave NOT NULL failing the statement (an abort), hence a journal.
	insertIgnore, onConflictIgnore string
	// updateIgnore begins an UPDATE of several rows that no constraint can fail: on SQLite
	// OR IGNORE, so that it needs no statement journal either.
	updateIgnore string
	// migrateLock runs first in every migration transaction, so that nodes starting together
	// apply each migration once; SQLite's BEGIN IMMEDIATE gives the same guarantee.
	migrateLock string
	// migrationsTable creates the bookkeeping table of Migrate.
	migrationsTable string
	// unindexed is written before a column to keep the planner from choosing its index for
	// that term. SQLite's planner has no statistics and needs the hint (a unary plus); PostgreSQL
	// has no unary plus for text and no need of it.
	unindexed string
	// joinRows says that findUsers reads each row as one string (rows.go): modernc pays for
	// every column it reads, pgx hardly.
	joinRows bool
	// countInserts says that CreateUsers counts the users it inserts in user_counts itself
	// (SQLite), where PostgreSQL's trigger on insert does (migration 0019).
	countInserts bool
	// copy says that bulk writes go through COPY (copy.go): PostgreSQL's way of loading rows,
	// which SQLite has no need of, having no round trips to save.
	copy bool
	// anyOf is the right side of a condition that a column is one of the values of a single
	// argument, the list made by listArg: a chunk of an import finds its users, and a page of
	// Synchronize Users sets their sync status, in one statement instead of one per hundred
	// users, each a round trip on PostgreSQL (the statuses of 100,000 users: 13 s instead of
	// 15–17 s of a synchronization).
	anyOf string

	rebound sync.Map // query with ? → query with $n
}

var (
	sqliteDialect = &dialect{
		engine:       EngineSQLite,
		unindexed:    "+",
		joinRows:     true,
		rowsPerWrite: 1,
		countInserts: true,
		anyOf:        "IN (SELECT value FROM json_each(?))",
		insertIgnore: "INSERT OR IGNORE",
		updateIgnore: "UPDATE OR IGNORE",
		migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at TIMESTAMP NOT NULL
)`,
	}
	postgresDialect = &dialect{
		engine:           EnginePostgres,
		dollar:           true,
		forUpdate:        " FOR UPDATE",
		claimLock:        " FOR UPDATE SKIP LOCKED",
		rowsPerWrite:     100,
		copy:             true,
		anyOf:            "= ANY(?)",
		insertIgnore:     "INSERT",
		updateIgnore:     "UPDATE",
		onConflictIgnore: " ON CONFLICT DO NOTHING",
		// An arbitrary constant key, the same on every node: the transaction-scoped lock is
		// released by COMMIT or ROLLBACK, so a crashed migrator cannot leave it held.
		migrateLock: `SELECT pg_advisory_xact_lock(7262840535420219459)`,
		migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at TIMESTAMPTZ NOT NULL
)`,
	}
)

// rebind rewrites the ? placeholders of q for the engine. The result is cached: the package
// has a bounded set of query texts, and FindUsers builds the same few combinations again and
// again.
func (d *dialect) rebind(q string) string {
	if !d.dollar {
		return q
	}
	if v, ok := d.rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte // the quote character we are inside of, or 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	s := b.String()
	d.rebound.Store(q, s)
	return s
}

// lock returns q with the row-locking suffix of the engine when lock is set.
func (d *dialect) lock(q string, lock bool) string {
	if lock {
		return q + d.forUpdate
	}
	return q
}

// deleteBatch returns a DELETE of at most a limit (its last argument) of the rows of table that
// match cond, for sweeps that must not hold a table long. PostgreSQL addresses the rows by ctid
// (a TID scan, no index needed) and passes over rows another transaction holds (SKIP LOCKED),
// so that nodes sweeping at once share the rows instead of queueing behind each other; the
// ARRAY keeps the planner on the TID scan, where ctid IN (subquery) may scan the table. SQLite
// addresses them by key, the column that identifies a row: rowid, or the primary key of a
// table WITHOUT ROWID; its one writer already serializes the sweeps.
func (d *dialect) deleteBatch(table, key, cond string) string {
	if d.engine == EnginePostgres {
		return `DELETE FROM ` + table + ` WHERE ctid = ANY(ARRAY(SELECT ctid FROM ` + table + ` WHERE ` + cond +
			` LIMIT ?` + d.claimLock + `))`
	}
	return `DELETE FROM ` + table + ` WHERE ` + key + ` IN (SELECT ` + key + ` FROM ` + table + ` WHERE ` + cond + ` LIMIT ?)`
}

// jsonArg returns the value to bind for a JSON column: NULL for an absent document, so that
// "no before" and "no after" stay distinguishable from the JSON literal null. Both engines
// take the document as text: SQLite stores it in a TEXT column (a []byte would be stored as
// a BLOB), PostgreSQL parses it into JSONB.
func (d *dialect) jsonArg(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	return string(raw)
}

// listArg returns the one argument of the condition anyOf: the values as an array of text on
// PostgreSQL, as a JSON array on SQLite, which reads it with json_each.
func (d *dialect) listArg(values []string) any {
	if d.engine == EnginePostgres {
		return values
	}
	if values == nil {
		values = []string{} // [], not null
	}
	b, _ := json.Marshal(values) // strings always marshal
	return string(b)
}

// errs says how to report the failures of one statement.
type errs struct {
	op       string // context of an internal error, for example "find user 0190…"
	notFound string // message when the row does not exist; "" when that cannot happen
	conflict string // message when a unique key is already taken; "" when that cannot happen
}

// translate maps a driver error to the Store's errors, by code and never by message text:
// sql.ErrNoRows becomes CodeNotFound, a unique violation CodeConflict, a foreign key violation
// CodeNotFound for the organization (every foreign key of the schema points at orgs), and
// anything else an internal error with context.
func (d *dialect) translate(err error, e errs) error {
	if err == nil {
		return nil
	}
	var re *roster.Error
	if errors.As(err, &re) {
		return err
	}
	switch {
	case errors.Is(err, sql.ErrNoRows) && e.notFound != "":
		return &roster.Error{Code: roster.CodeNotFound, Message: e.notFound, Err: err}
	case d.isUniqueViolation(err) && e.conflict != "":
		return &roster.Error{Code: roster.CodeConflict, Message: e.conflict, Err: err}
	case d.isForeignKeyViolation(err):
		return &roster.Error{Code: roster.CodeNotFound, Message: "Organization not found.", Err: err}
	}
	return fmt.Errorf("%s: %w", e.op, err)
}

// isUniqueViolation reports whether err is a violation of a primary key or unique index.
func (d *dialect) isUniqueViolation(err error) bool {
	if d.engine == EnginePostgres {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && pe.Code == "23505" // unique_violation
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code()
	return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKeyViolation reports whether err is a violation of a foreign key.
func (d *dialect) isForeignKeyViolation(err error) bool {
	if d.engine == EnginePostgres {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && pe.Code == "23503" // foreign_key_violation
	}
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// sqliteDSN returns the modernc DSN of the database file at path.
//
// Both pools write times in one layout, in UTC (see dbTime), so that they compare as text in
// time order. Readers read through a memory map: a third of the cost of reads through the 2 MiB
// page cache, so a capped count on a million users takes 10 ms instead of 40. The writer does
// not: every page a bulk write touched would stay mapped, and counted in the process's memory
// (a million-user import peaked at 890 MiB), for no gain in its speed.
//
// The writer begins every transaction IMMEDIATE: a transaction that reads and then writes
// fails with SQLITE_BUSY under concurrency otherwise, busy_timeout notwithstanding. Its other
// settings serve bulk imports, whose cost is the pages each commit writes to the WAL: 1,000
// users land on thousands of pages of the email-ordered indexes. A 32 MiB cache holds a
// transaction of a 100,000-user import without spilling pages to the WAL twice (64 MiB was no
// faster there and 12% faster at 300,000 users, but took the process of a million-row import
// past 300 MB), checkpoints every 10,000 pages instead of 1,000 copy each page once rather than
// many times, and 8 KiB pages (set when the file is created, before WAL mode, which the
// _journal_mode key applies after the _pragma list) halve the number of writes. Together they
// took 100,000 shuffled users from 26 s to 15 s. Checkpoints have since moved to a connection
// of their own (checkpointer), and the writer's threshold, now 50,000 pages, is a backstop:
// 100,000 users created in 7.8 s instead of 9.2 s.
//
// Readers are query-only, so that a read can never take the write lock. They map as much of
// the file as SQLite allows (2 GiB less 64 KiB; a million users take 2.7 GB): the capped count
// of a group of 10,000 members with a license, 10,000 lookups, took 34 ms instead of 55 with
// 1 GiB mapped and the rest read through the page cache. The mapped pages are the kernel's
// file cache, shared, and given back under memory pressure.
func sqliteDSN(path string, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_time_format", "sqlite")
	if writer {
		q.Add("_pragma", "mmap_size(0)")
		q.Add("_pragma", "page_size(8192)")
		q.Add("_pragma", "cache_size(-32768)")
		q.Add("_pragma", "wal_autocheckpoint(50000)") // the checkpointer's backstop
		q.Add("_pragma", "journal_size_limit(134217728)")
		// The statement journal of a statement that fires a trigger (the counters, migration
		// 0019) in memory: in a file it tripled the cost of writing a user.
		q.Add("_pragma", "temp_store(MEMORY)")
		q.Set("_journal_mode", "WAL")
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "mmap_size(2147418112)")
		q.Add("_pragma", "query_only(1)")
	}
	return path + "?" + q.Encode()
}

// checkpointDSN returns the DSN of the checkpointer's connection to the database file at path.
// It reads pages through the page cache, as the writer does, for the same reason.
func checkpointDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "mmap_size(0)")
	return path + "?" + q.Encode()
}

// backupDSN returns the DSN of the connection that copies the database file at path with
// VACUUM INTO. It reads through a memory map, as the readers do, but is not query-only:
// SQLite counts the write into the new file against query_only.
func backupDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "mmap_size(1073741824)")
	return path + "?" + q.Encode()
}
