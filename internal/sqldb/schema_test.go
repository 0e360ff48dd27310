package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"roster/internal/golden"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

// The two migration trees, migrations/sqlite and migrations/postgres, are written by hand. Two
// checks keep them in step:
//
//   - TestSchemaGolden dumps the schema of a newly migrated database of each engine (tables,
//     columns, keys, indexes) into testdata/schema.<engine>.golden, so that a migration shows
//     in review as the schema it makes;
//   - TestSchemaParity compares the two golden files and fails on any difference that is not
//     one of engineDifferences below.
//
// A new migration therefore means: the same file name in both folders, then
// go test ./internal/sqldb -run TestSchema -update with ROSTER_TEST_POSTGRES_URL set (make
// golden), and the review of what the golden files say.

// engineDifferences are every way in which the schema may differ between the engines, with
// the reason. Anything else the two dumps disagree on fails TestSchemaParity.
var engineDifferences = struct {
	// types maps a column type on SQLite to the types it may have on PostgreSQL.
	types map[string]map[string]string
	// collations are the PostgreSQL collations a column may declare that SQLite leaves out.
	collations map[string]string
	// casts are what PostgreSQL adds to an expression (a default, the condition of a partial
	// index) and SQLite keeps as written.
	casts string
	// primaryKeyNotNull: a column of a primary key is NOT NULL on PostgreSQL whether or not it
	// says so; SQLite lets a non-INTEGER primary key hold NULL unless the column says NOT NULL
	// (a bug it keeps for compatibility). The store never writes a NULL key.
	primaryKeyNotNull bool
	// oneEngine are lines of one engine's schema only.
	oneEngine map[string]string
}{
	types: map[string]map[string]string{
		"TEXT": {
			"text": "the same",
			"jsonb": "JSON documents (audit before/after, task params and summaries): PostgreSQL " +
				"checks and stores them parsed; SQLite keeps the text the store wrote",
		},
		"INTEGER": {
			"integer": "the same",
			"bigint":  "SQLite's INTEGER holds 64 bits whatever its declared name; PostgreSQL needs bigint for versions and counters that may pass 2^31",
		},
		"BIGINT":    {"bigint": "the same"},
		"BOOLEAN":   {"boolean": "SQLite stores 0 and 1; both drivers scan them as bool"},
		"BLOB":      {"bytea": "PostgreSQL's name for bytes"},
		"TIMESTAMP": {"timestamp with time zone": "SQLite has no time type: the store writes UTC in one layout, which sorts in time order, and the driver scans TIMESTAMP columns as time.Time"},
	},
	collations: map[string]string{
		"C": "keys that are compared, ordered or searched by prefix compare bytes on both engines: SQLite's default BINARY collation does, PostgreSQL's default follows the locale",
	},
	casts:             `::(text|boolean|integer|bigint|jsonb|timestamp with time zone)\b`,
	primaryKeyNotNull: true,
	oneEngine: map[string]string{
		"user_counts: unique index user_counts_key (org_id, status, sync_status, license, direct, template)": counterRows,
		"agent_counts: unique index agent_counts_key (org_id, profile_type)":                                 counterRows,
		"user_counts: index user_counts_org (org_id)":                                                        counterRows,
		"agent_counts: index agent_counts_org (org_id)":                                                      counterRows,
		"users: trigger user_counts_insert":                                                                  "SQLite's CreateUsers counts what it inserts: a trigger on insert would give each insert a statement journal (migration 0019)",
	},
}

const counterRows = "the counters are a row a key on SQLite, upserted; on PostgreSQL rows of deltas appended and folded (migration 0019)"

// TestSchemaGolden compares the schema of a newly migrated database with
// testdata/schema.<engine>.golden, or writes it there with -update.
func TestSchemaGolden(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			cfg := sqldbtest.Config(t, engine)
			if err := sqldbtest.OpenConfig(t, cfg).Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, schemaGoldenPath(engine), dumpSchema(t, engine, sqldbtest.Raw(t, cfg)))
		})
	}
}

// TestSchemaParity compares the golden schema files of the two engines: every table, column,
// key and index of one is in the other, but for the engineDifferences. It reads the files, not
// databases, so that it runs without PostgreSQL and catches a migration written for one engine
// only as soon as that engine's file is regenerated.
func TestSchemaParity(t *testing.T) {
	t.Parallel()
	lines, types := map[string][]string{}, map[string]map[string]string{}
	for _, engine := range []string{sqldb.EngineSQLite, sqldb.EnginePostgres} {
		b, err := os.ReadFile(schemaGoldenPath(engine))
		if err != nil {
			t.Fatal(err)
		}
		lines[engine], types[engine] = canonicalSchema(t, engine, string(b))
	}
	sqlite, postgres := lines[sqldb.EngineSQLite], lines[sqldb.EnginePostgres]
	for _, l := range sqlite {
		if !slices.Contains(postgres, l) && engineDifferences.oneEngine[l] == "" {
			t.Errorf("only on SQLite: %s", l)
		}
	}
	for _, l := range postgres {
		if !slices.Contains(sqlite, l) && engineDifferences.oneEngine[l] == "" {
			t.Errorf("only on PostgreSQL: %s", l)
		}
	}
	for column, sqliteType := range types[sqldb.EngineSQLite] {
		pgType, ok := types[sqldb.EnginePostgres][column]
		if !ok {
			continue // reported above
		}
		if _, allowed := engineDifferences.types[sqliteType][pgType]; !allowed {
			t.Errorf("%s is %s on SQLite and %s on PostgreSQL: make them alike, or add the pair to engineDifferences.types with its reason",
				column, sqliteType, pgType)
		}
	}
}

// TestMigrationFiles checks that both engines have the same migrations, numbered from 0001
// without a gap, so that schema_migrations means the same on both.
func TestMigrationFiles(t *testing.T) {
	t.Parallel()
	sqlite, postgres := migrationFiles(t, sqldb.EngineSQLite), migrationFiles(t, sqldb.EnginePostgres)
	if !slices.Equal(sqlite, postgres) {
		t.Fatalf("the migration folders differ:\nsqlite:   %v\npostgres: %v", sqlite, postgres)
	}
	for i, name := range sqlite {
		if want := fmt.Sprintf("%04d_", i+1); !strings.HasPrefix(name, want) {
			t.Errorf("migration %d is %s, want a name starting with %s", i+1, name, want)
		}
	}
}

// migrationFiles returns the names of the migration files of an engine, in order.
func migrationFiles(t *testing.T, engine string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("migrations", engine, "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	slices.Sort(names)
	return names
}

func schemaGoldenPath(engine string) string {
	return filepath.Join("testdata", "schema."+engine+".golden")
}

// The dump is one line a fact, under the table it belongs to:
//
//	table NAME
//	  column NAME TYPE[ not null][ collate C][ default EXPR]
//	  primary key (COLUMNS)
//	  unique (COLUMNS)                     a UNIQUE constraint
//	  foreign key (COLUMNS) references TABLE (COLUMNS) on delete ACTION
//	  index NAME (COLUMNS)[ where EXPR]    unique index NAME for a unique one
//
// Columns are in the order of the table; the other lines of a table are sorted.

// dumpSchema returns the schema of the database db of the engine.
func dumpSchema(t *testing.T, engine string, db *sql.DB) string {
	t.Helper()
	var s schemaDumper = sqliteSchema{db}
	if engine == sqldb.EnginePostgres {
		s = postgresSchema{db}
	}
	ctx := context.Background()
	var b strings.Builder
	fmt.Fprintf(&b, "-- The schema of a newly migrated %s database: go test ./internal/sqldb -run TestSchema -update\n", engine)
	tables, err := s.tables(ctx)
	if err != nil {
		t.Fatalf("tables: %v", err)
	}
	for _, table := range tables {
		columns, err := s.columns(ctx, table)
		if err != nil {
			t.Fatalf("columns of %s: %v", table, err)
		}
		rest, err := s.keysAndIndexes(ctx, table)
		if err != nil {
			t.Fatalf("keys and indexes of %s: %v", table, err)
		}
		slices.Sort(rest)
		triggers, err := s.triggers(ctx, table)
		if err != nil {
			t.Fatalf("triggers of %s: %v", table, err)
		}
		for _, name := range triggers {
			rest = append(rest, "trigger "+name)
		}
		fmt.Fprintf(&b, "\ntable %s\n", table)
		for _, l := range append(columns, rest...) {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	return b.String()
}

// schemaDumper reads the schema of one engine from its catalog.
type schemaDumper interface {
	tables(ctx context.Context) ([]string, error)
	// columns returns the column lines of a table, in order.
	columns(ctx context.Context, table string) ([]string, error)
	// keysAndIndexes returns the other lines of a table: keys, constraints and indexes.
	keysAndIndexes(ctx context.Context, table string) ([]string, error)
	// triggers returns the names of a table's triggers.
	triggers(ctx context.Context, table string) ([]string, error)
}

func (s sqliteSchema) triggers(ctx context.Context, table string) ([]string, error) {
	return queryStrings(ctx, s.db, `SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ? ORDER BY name`, table)
}

func (s postgresSchema) triggers(ctx context.Context, table string) ([]string, error) {
	return queryStrings(ctx, s.db, `SELECT tgname FROM pg_trigger
		WHERE tgrelid = to_regclass(current_schema() || '.' || $1) AND NOT tgisinternal ORDER BY tgname`, table)
}

func columnLine(name, typ string, notNull bool, collation, dflt string) string {
	l := "column " + name + " " + typ
	if notNull {
		l += " not null"
	}
	if collation != "" {
		l += " collate " + collation
	}
	if dflt != "" {
		l += " default " + dflt
	}
	return l
}

func indexLine(name string, unique bool, columns, where string) string {
	l := "index " + name + " (" + columns + ")"
	if unique {
		l = "unique " + l
	}
	if where != "" {
		l += " where " + where
	}
	return l
}

type sqliteSchema struct{ db *sql.DB }

func (s sqliteSchema) tables(ctx context.Context) ([]string, error) {
	return queryStrings(ctx, s.db, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
}

func (s sqliteSchema) columns(ctx context.Context, table string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, type, "notnull", COALESCE(dflt_value, '') FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var name, typ, dflt string
		var notNull bool
		if err := rows.Scan(&name, &typ, &notNull, &dflt); err != nil {
			return nil, err
		}
		lines = append(lines, columnLine(name, typ, notNull, "", dflt))
	}
	return lines, rows.Err()
}

// sqliteWhere finds the condition of a partial index in its CREATE INDEX statement, which is
// all SQLite keeps of it.
var sqliteWhere = regexp.MustCompile(`(?is)\sWHERE\s+(.*)$`)

func (s sqliteSchema) keysAndIndexes(ctx context.Context, table string) ([]string, error) {
	var lines []string
	pk, err := queryStrings(ctx, s.db, `SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`, table)
	if err != nil {
		return nil, err
	}
	if len(pk) > 0 {
		lines = append(lines, "primary key ("+strings.Join(pk, ", ")+")")
	}

	fks, err := s.db.QueryContext(ctx, `SELECT id, "table", "from", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, table)
	if err != nil {
		return nil, err
	}
	defer fks.Close()
	type foreignKey struct {
		table, on string
		from, to  []string
	}
	byID := map[int]*foreignKey{}
	var ids []int
	for fks.Next() {
		var id int
		var ref, from, on string
		var to sql.NullString // NULL: the referenced table's primary key
		if err := fks.Scan(&id, &ref, &from, &to, &on); err != nil {
			return nil, err
		}
		fk := byID[id]
		if fk == nil {
			fk = &foreignKey{table: ref, on: on}
			byID[id] = fk
			ids = append(ids, id)
		}
		fk.from, fk.to = append(fk.from, from), append(fk.to, to.String)
	}
	if err := fks.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		fk := byID[id]
		lines = append(lines, fmt.Sprintf("foreign key (%s) references %s (%s) on delete %s",
			strings.Join(fk.from, ", "), fk.table, strings.Join(fk.to, ", "), strings.ToLower(fk.on)))
	}

	rows, err := s.db.QueryContext(ctx, `SELECT l.name, l."unique", l.origin, COALESCE(m.sql, '')
		FROM pragma_index_list(?) AS l LEFT JOIN sqlite_schema AS m ON m.type = 'index' AND m.name = l.name`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type index struct {
		name, origin, sql string
		unique            bool
	}
	var indexes []index
	for rows.Next() {
		var ix index
		if err := rows.Scan(&ix.name, &ix.unique, &ix.origin, &ix.sql); err != nil {
			return nil, err
		}
		indexes = append(indexes, ix)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, ix := range indexes {
		if ix.origin == "pk" {
			continue // the primary key line says it
		}
		// An expression has no name: SQLite keeps it only in the statement.
		cols, err := queryStrings(ctx, s.db, `SELECT COALESCE(name, '(expression)') || CASE WHEN "desc" THEN ' DESC' ELSE '' END
			FROM pragma_index_xinfo(?) WHERE key ORDER BY seqno`, ix.name)
		if err != nil {
			return nil, err
		}
		if ix.origin == "u" {
			lines = append(lines, "unique ("+strings.Join(cols, ", ")+")")
			continue
		}
		var where string
		if m := sqliteWhere.FindStringSubmatch(ix.sql); m != nil {
			where = strings.TrimSpace(m[1])
		}
		lines = append(lines, indexLine(ix.name, ix.unique, strings.Join(cols, ", "), where))
	}
	return lines, nil
}

type postgresSchema struct{ db *sql.DB }

func (s postgresSchema) tables(ctx context.Context) ([]string, error) {
	return queryStrings(ctx, s.db, `SELECT relname FROM pg_class
		WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' ORDER BY relname`)
}

func (s postgresSchema) columns(ctx context.Context, table string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
			CASE WHEN a.attcollation <> t.typcollation THEN c.collname ELSE '' END,
			COALESCE(pg_get_expr(d.adbin, d.adrelid, true), '')
		FROM pg_attribute a
		JOIN pg_type t ON t.oid = a.atttypid
		LEFT JOIN pg_collation c ON c.oid = a.attcollation
		LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY a.attnum`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var name, typ, collation, dflt string
		var notNull bool
		if err := rows.Scan(&name, &typ, &notNull, &collation, &dflt); err != nil {
			return nil, err
		}
		lines = append(lines, columnLine(name, typ, notNull, collation, dflt))
	}
	return lines, rows.Err()
}

// postgresColumns names the columns of a key of pg_constraint (conkey, confkey), in order.
const postgresColumns = `array_to_string(ARRAY(SELECT a.attname FROM unnest(%s) WITH ORDINALITY AS k(num, i)
	JOIN pg_attribute a ON a.attrelid = %s AND a.attnum = k.num ORDER BY k.i), ', ')`

func (s postgresSchema) keysAndIndexes(ctx context.Context, table string) ([]string, error) {
	// CHECK constraints are left out: SQLite keeps them only in the text of CREATE TABLE.
	lines, err := queryStrings(ctx, s.db, `SELECT CASE con.contype
			WHEN 'p' THEN 'primary key (' || `+fmt.Sprintf(postgresColumns, "con.conkey", "con.conrelid")+` || ')'
			WHEN 'u' THEN 'unique (' || `+fmt.Sprintf(postgresColumns, "con.conkey", "con.conrelid")+` || ')'
			ELSE 'foreign key (' || `+fmt.Sprintf(postgresColumns, "con.conkey", "con.conrelid")+` || ') references ' ||
				con.confrelid::regclass::text || ' (' || `+fmt.Sprintf(postgresColumns, "con.confkey", "con.confrelid")+` || ') on delete ' ||
				CASE con.confdeltype WHEN 'a' THEN 'no action' WHEN 'r' THEN 'restrict' WHEN 'c' THEN 'cascade'
					WHEN 'n' THEN 'set null' ELSE 'set default' END
			END
		FROM pg_constraint con
		WHERE con.conrelid = $1::regclass AND con.contype IN ('p', 'u', 'f')`, table)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT i.relname, x.indisunique,
			array_to_string(ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k), ', '),
			COALESCE(pg_get_expr(x.indpred, x.indrelid, true), '')
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
		WHERE x.indrelid = $1::regclass
			-- The index of a primary key or UNIQUE constraint: the constraint's line says it.
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, columns, where string
		var unique bool
		if err := rows.Scan(&name, &unique, &columns, &where); err != nil {
			return nil, err
		}
		lines = append(lines, indexLine(name, unique, columns, where))
	}
	return lines, rows.Err()
}

func queryStrings(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// canonicalSchema returns the lines of a golden schema file as "table: line", in a form that
// is the same on both engines where engineDifferences lets them differ, with the type of each
// column left out: types returns them by "table.column", to be compared as pairs.
func canonicalSchema(t *testing.T, engine, dump string) (lines []string, types map[string]string) {
	t.Helper()
	casts := regexp.MustCompile(engineDifferences.casts)
	column := regexp.MustCompile(`^column (\S+) (.+?)( not null)?( collate (\S+))?( default (.*))?$`)
	var table string
	var columns [][2]string
	primaryKey := map[string]bool{}
	for _, l := range strings.Split(dump, "\n") {
		switch {
		case l == "" || strings.HasPrefix(l, "--"):
			continue
		case strings.HasPrefix(l, "table "):
			table = strings.TrimPrefix(l, "table ")
			continue
		case !strings.HasPrefix(l, "  "):
			t.Fatalf("schema.%s.golden: unexpected line %q", engine, l)
		}
		l = strings.TrimPrefix(l, "  ")
		if engine == sqldb.EnginePostgres {
			l = casts.ReplaceAllString(l, "")
		}
		if cols, ok := strings.CutPrefix(l, "primary key ("); ok {
			for _, c := range strings.Split(strings.TrimSuffix(cols, ")"), ", ") {
				primaryKey[table+"."+c] = true
			}
		}
		if strings.HasPrefix(l, "column ") {
			// Kept apart until the primary key of the table is known.
			columns = append(columns, [2]string{table, l})
			continue
		}
		lines = append(lines, table+": "+l)
	}
	types = map[string]string{}
	for _, c := range columns {
		table, l := c[0], c[1]
		m := column.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("schema.%s.golden: unexpected column line %q", engine, l)
		}
		name, notNull, collation, dflt := m[1], m[3] != "", m[5], m[7]
		types[table+"."+name] = m[2]
		if _, ok := engineDifferences.collations[collation]; ok && engine == sqldb.EnginePostgres {
			collation = ""
		}
		if engineDifferences.primaryKeyNotNull && primaryKey[table+"."+name] {
			notNull = true
		}
		lines = append(lines, table+": "+columnLine(name, "TYPE", notNull, collation, dflt))
	}
	return lines, types
}
