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
)

// The floor of a bulk write is what the engine alone needs to store the same rows in the same
// schema: the rows a run wrote are copied, inside the engine, into a fresh database of the
// same migrations, a chunk a transaction as the run wrote them, with nothing else (no parsing,
// no rules, no reading, no driver binding a value). Each figure of create, import and
// Synchronize Users is printed with its ratio to the floor of its own run, so that a slower or
// faster machine moves both.

// A floor is made of statements on the source's rows, each with the chunk's range of user ids
// appended: the organization, then the column user from one id on and, but in the last chunk,
// up to the next chunk's first id. {src} in a statement names the source's tables.
type floorStep struct{ sql, user, order string }

// rowsOf is the step that copies the chunk's rows of table, in order as the run writes them.
func rowsOf(table, user, order string) floorStep {
	return floorStep{"INSERT INTO " + table + " SELECT * FROM {src}" + table + " WHERE", user, order}
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
		{"INSERT INTO audit_entries SELECT * FROM {src}audit_entries WHERE action = 'agent.create' AND", "target_id", "id"},
		{"UPDATE users SET sync_status = 'valid' WHERE", "id", ""},
	},
}

type floorSteps struct {
	setup []string
	chunk []floorStep
}

// floor runs steps from the run's database (named name, as b.open names it) into a fresh
// database, chunk users a transaction, and returns the time the chunks took.
func (b *bench) floor(ctx context.Context, name string, steps floorSteps, chunk int) time.Duration {
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
	var bounds []string
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
			bounds = append(bounds, id)
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
	b.settle(ctx)
	start := time.Now()
	for i, lo := range bounds {
		args := []any{orgID, lo}
		if i+1 < len(bounds) {
			args = append(args, bounds[i+1])
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			log.Fatal(err)
		}
		for _, step := range steps.chunk {
			// The organization first, so that the audit entries' range is one of an index.
			q := step.sql + " org_id = ? AND " + step.user + " >= ?"
			if len(args) == 3 {
				q += " AND " + step.user + " < ?"
			}
			if step.order != "" {
				q += " ORDER BY " + step.order
			}
			if _, err := tx.ExecContext(ctx, src(q), args...); err != nil {
				log.Fatalf("%s: %v", q, err)
			}
		}
		if err := tx.Commit(); err != nil {
			log.Fatal(err)
		}
	}
	return time.Since(start)
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
		"?_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32768)&_pragma=mmap_size(0)"+
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

// reportFloor prints the median of times with the median of the floors of the same runs and
// their ratio.
func reportFloor(format string, args []any, times, floors []time.Duration, target string) {
	med, fl := median(times), median(floors)
	fmt.Printf("%-78s median %-10s floor %-10s ratio %.2f× (%d runs; %s)\n", fmt.Sprintf(format, args...),
		roundDur(med), roundDur(fl), float64(med)/float64(fl), len(times), target)
}

func median(times []time.Duration) time.Duration {
	s := slices.Clone(times)
	slices.Sort(s)
	return s[len(s)/2]
}
