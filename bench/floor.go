package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// The floor of a bulk write is what the engine alone needs to store the same rows in the same
// schema: the rows a run wrote are copied, inside the engine, into a fresh database of the
// same migrations, a chunk a transaction as the run wrote them, with nothing else (no parsing,
// no rules, no reading, no driver binding a value). Each figure of create, import and
// Synchronize Users is printed with its ratio to the floor of its own run, so that a slower or
// faster machine moves both.

// A floor is made of steps on the source's rows, each with the chunk's range of user ids
// appended: the organization, then the column user from one id on and, but in the last chunk,
// up to the next chunk's first id. A step copies the chunk's rows of table (those that match
// filter too, when there is one) in order; or, with table empty, it runs sql, in which {src}
// names the source's tables.
type floorStep struct{ table, filter, sql, user, order string }

// rowsOf is the step that copies the chunk's rows of table, in order as the run writes them.
func rowsOf(table, user, order string) floorStep {
	return floorStep{table: table, user: user, order: order}
}

// statement returns the step as one statement on the source, without the chunk's range.
func (s floorStep) statement() string {
	if s.table == "" {
		return s.sql
	}
	return "INSERT INTO " + s.table + " SELECT * FROM {src}" + s.table + " WHERE " + s.filter
}

// query returns the step's statement with the chunk's range of args (the organization, the
// first id and, but in the last chunk, the next chunk's first id) and its order.
func (s floorStep) query(args []any) string {
	q := s.statement()
	if s.filter != "" {
		q += " AND"
	}
	// The organization first, so that the audit entries' range is one of an index.
	q += " org_id = ? AND " + s.user + " >= ?"
	if len(args) == 3 {
		q += " AND " + s.user + " < ?"
	}
	if s.order != "" {
		q += " ORDER BY " + s.order
	}
	return q
}

// writeFloor is the floor of create and import: the tables whose rows belong to one user each,
// a chunk of users a transaction. The rows that belong to no user (the organization, the task)
// are copied first, untimed.
var writeFloor = floorSteps{
	setup: []string{"INSERT INTO orgs SELECT * FROM {src}orgs", "INSERT INTO tasks SELECT * FROM {src}tasks",
		"INSERT INTO audit_entries SELECT * FROM {src}audit_entries WHERE target_id NOT IN (SELECT id FROM {src}users)"},
	chunk: []floorStep{
		rowsOf("users", "id", "email"), // in email order within a chunk, as provision writes them
		rowsOf("audit_entries", "target_id", "id"),
		rowsOf("sync_jobs", "user_id", "user_id"),
		rowsOf("invitations", "user_id", "id"),
		rowsOf("emails", "user_id", "id"),
	},
}

// syncFloor is the floor of Synchronize Users from nothing: the users as they were before it
// (pending), untimed; then a page of users a transaction, their agents in email order as
// CreateAgents writes them, the agents' audit entries, and the users' sync status, valid for
// every user of the benchmark. The report's few rows are left out.
var syncFloor = floorSteps{
	setup: []string{"INSERT INTO orgs SELECT * FROM {src}orgs", "INSERT INTO tasks SELECT * FROM {src}tasks",
		"INSERT INTO users SELECT * FROM {src}users", "UPDATE users SET sync_status = 'pending'"},
	chunk: []floorStep{
		rowsOf("agents", "user_id", "email"),
		{table: "audit_entries", filter: "action = 'agent.create'", user: "target_id", order: "id"},
		{sql: "UPDATE users SET sync_status = 'valid' WHERE", user: "id"},
	},
}

type floorSteps struct {
	setup []string
	chunk []floorStep
}

// floorTimes are the two floors of a run. engine: the rows copied inside the engine, one
// statement a chunk and table. client: the same rows written from the benchmark's memory
// through the driver as a Go program must, a prepared INSERT a row on SQLite, COPY on
// PostgreSQL, and nothing else; the rows are read before the clock starts. The first bounds
// what the schema costs; the second what any program using the driver pays on top of it.
type floorTimes struct{ engine, client time.Duration }

// floors measures both floors of a run whose database b.open named name: steps, chunk users a
// transaction.
func (b *bench) floors(ctx context.Context, name string, steps floorSteps, chunk int) floorTimes {
	return floorTimes{engine: b.floor(ctx, name, steps, chunk, false), client: b.floor(ctx, name, steps, chunk, true)}
}

// floor runs steps from the run's database (named name, as b.open names it) into a fresh
// database, chunk users a transaction, and returns the time the chunks took: inside the
// engine, or as a client (floorTimes).
func (b *bench) floor(ctx context.Context, name string, steps floorSteps, chunk int, client bool) time.Duration {
	dst := b.open(ctx, "floor", true) // the schema of today's migrations
	if err := dst.Close(); err != nil {
		log.Fatal(err)
	}
	conn, from := b.rawFloorConn(ctx, name)
	defer conn.Close()
	src := func(q string) string { return b.placeholders(strings.ReplaceAll(q, "{src}", from)) }

	// The chunks are ranges of user ids; reading them takes the source's own ids in order.
	var orgID string
	if err := conn.QueryRowContext(ctx, "SELECT org_id FROM "+from+"users LIMIT 1").Scan(&orgID); err != nil {
		log.Fatal(err)
	}
	var chunks [][]any // each the arguments of its range
	rows, err := conn.QueryContext(ctx, "SELECT id FROM "+from+"users ORDER BY id")
	if err != nil {
		log.Fatal(err)
	}
	for i := 0; rows.Next(); i++ {
		var id string
		if err := rows.Scan(&id); err != nil {
			log.Fatal(err)
		}
		if i%chunk == 0 {
			if len(chunks) > 0 {
				chunks[len(chunks)-1] = append(chunks[len(chunks)-1], id)
			}
			chunks = append(chunks, []any{orgID, id})
		}
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	rows.Close()

	for _, q := range steps.setup {
		if _, err := conn.ExecContext(ctx, src(q)); err != nil {
			log.Fatalf("%s: %v", q, err)
		}
	}
	// The client's rows, read now: [chunk][step] the rows of a table step.
	var read [][]tableRows
	if client {
		read = make([][]tableRows, len(chunks))
		for i, args := range chunks {
			read[i] = make([]tableRows, len(steps.chunk))
			for j, step := range steps.chunk {
				if step.table != "" {
					q := strings.Replace(step.query(args), "INSERT INTO "+step.table+" SELECT", "SELECT", 1)
					read[i][j] = readRows(ctx, conn, src(q), args)
				}
			}
		}
	}
	// One connection, whose transactions are begun and committed by hand: the client floor's
	// COPY needs the driver's connection in the middle of one.
	c, err := conn.Conn(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	begin := "BEGIN IMMEDIATE"
	if b.engine == "postgres" {
		begin = "BEGIN"
	}
	b.settle(ctx)
	start := time.Now()
	for i, args := range chunks {
		if _, err := c.ExecContext(ctx, begin); err != nil {
			log.Fatal(err)
		}
		for j, step := range steps.chunk {
			if client && step.table != "" {
				b.writeRows(ctx, c, step.table, read[i][j])
				continue
			}
			q := step.query(args)
			if _, err := c.ExecContext(ctx, src(q), args...); err != nil {
				log.Fatalf("%s: %v", q, err)
			}
		}
		if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
			log.Fatal(err)
		}
	}
	return time.Since(start)
}

// tableRows are rows read from a table: the names of its columns and each row's values.
type tableRows struct {
	cols []string
	rows [][]any
}

// readRows reads the rows of query q.
func readRows(ctx context.Context, conn *sql.DB, q string, args []any) tableRows {
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		log.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		log.Fatal(err)
	}
	t := tableRows{cols: cols}
	for rows.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			log.Fatal(err)
		}
		t.rows = append(t.rows, row)
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	return t
}

// writeRows writes t into table as a client, in the transaction open on c: on SQLite a
// prepared INSERT a row, skipping a taken key as the store's insert of a user does; on
// PostgreSQL one COPY, as the store's bulk writes do.
func (b *bench) writeRows(ctx context.Context, c *sql.Conn, table string, t tableRows) {
	if len(t.rows) == 0 {
		return
	}
	if b.engine == "postgres" {
		err := c.Raw(func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, t.cols, pgx.CopyFromRows(t.rows))
			return err
		})
		if err != nil {
			log.Fatalf("COPY %s: %v", table, err)
		}
		return
	}
	q := "INSERT OR IGNORE INTO " + table + " (" + strings.Join(t.cols, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	stmt, err := c.PrepareContext(ctx, q)
	if err != nil {
		log.Fatalf("%s: %v", q, err)
	}
	defer stmt.Close()
	for _, row := range t.rows {
		if _, err := stmt.ExecContext(ctx, row...); err != nil {
			log.Fatalf("%s: %v", q, err)
		}
	}
}

// rawFloorConn opens the floor's fresh database without the store: on SQLite with the pragmas
// of the store's writer, no checkpoint (the store's run in a goroutine of their own), and the
// run's database attached as src; on PostgreSQL in the floor's
// schema, the run's schema named in full. It returns the prefix that names a source table.
func (b *bench) rawFloorConn(ctx context.Context, name string) (*sql.DB, string) {
	if b.engine == "postgres" {
		conn, err := sql.Open("pgx", postgresSchema(ctx, "bench_floor", false))
		if err != nil {
			log.Fatal(err)
		}
		conn.SetMaxOpenConns(1)
		return conn, "bench_" + name + "."
	}
	dir := filepath.Join(b.out, b.engine+"-floor")
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "roster.db")+
		"?_time_format=sqlite&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32768)&_pragma=mmap_size(0)"+
		"&_pragma=wal_autocheckpoint(0)&_txlock=immediate")
	if err != nil {
		log.Fatal(err)
	}
	conn.SetMaxOpenConns(1) // the attachment belongs to the connection
	src := filepath.Join(b.out, b.engine+"-"+name, "roster.db")
	if _, err := conn.ExecContext(ctx, "ATTACH DATABASE ? AS src", src); err != nil {
		log.Fatal(err)
	}
	return conn, "src."
}

// placeholders writes q's ? as $1, $2… on PostgreSQL.
func (b *bench) placeholders(q string) string {
	if b.engine != "postgres" {
		return q
	}
	out, n := make([]byte, 0, len(q)+8), 0
	for i := range len(q) {
		if q[i] == '?' {
			n++
			out = fmt.Appendf(out, "$%d", n)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

// reportFloor prints the median of times with the medians of the floors of the same runs and
// the ratios to them.
func reportFloor(format string, args []any, times []time.Duration, floors []floorTimes, target string) {
	var engine, client []time.Duration
	for _, f := range floors {
		engine, client = append(engine, f.engine), append(client, f.client)
	}
	med, fl, cl := median(times), median(engine), median(client)
	fmt.Printf("%-78s median %-10s floor %-10s ratio %.2f×, client floor %-10s ratio %.2f× (%d runs; %s)\n",
		fmt.Sprintf(format, args...), roundDur(med), roundDur(fl), float64(med)/float64(fl),
		roundDur(cl), float64(med)/float64(cl), len(times), target)
}

func median(times []time.Duration) time.Duration {
	s := slices.Clone(times)
	slices.Sort(s)
	return s[len(s)/2]
}
