package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"path/filepath"
	"slices"
	"time"
)

// The floor of a bulk write is what the engine alone needs to store the same rows in the same
// schema: the rows a run wrote are copied, inside the engine, into a fresh database of the
// same migrations, a chunk a transaction as the run wrote them, with nothing else (no parsing,
// no rules, no reading, no driver binding a value). Each figure of create and import is
// printed with its ratio to the floor of its own run, so that a slower or faster machine moves
// both.

// userRows are the tables whose rows belong to one user each, with the column naming the user.
// A chunk of the floor takes the rows of the same range of user ids from every one of them.
var userRows = []struct{ table, user, order string }{
	{"users", "id", "email"}, // in email order within a chunk, as provision writes them
	{"audit_entries", "target_id", "id"},
	{"sync_jobs", "user_id", "user_id"},
	{"invitations", "user_id", "id"},
	{"emails", "user_id", "id"},
}

// floor copies the users of the run's database (named name, as b.open names it) and their rows
// into a fresh database, chunk users a transaction, and returns the time it took. The rows
// that belong to no user (the organization, the task) are copied first, untimed.
func (b *bench) floor(ctx context.Context, name string, chunk int) time.Duration {
	dst := b.open(ctx, "floor", true) // the schema of today's migrations
	if err := dst.Close(); err != nil {
		log.Fatal(err)
	}
	conn, from := b.rawFloorConn(ctx, name)
	defer conn.Close()

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

	exec := func(q string, args ...any) {
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			log.Fatalf("%s: %v", q, err)
		}
	}
	for _, t := range []string{"orgs", "tasks"} {
		exec("INSERT INTO " + t + " SELECT * FROM " + from + t)
	}
	exec("INSERT INTO audit_entries SELECT * FROM " + from + "audit_entries WHERE target_id NOT IN (SELECT id FROM " + from + "users)")

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
		for _, t := range userRows {
			// The organization first, so that the audit entries' range is one of an index.
			q := "INSERT INTO " + t.table + " SELECT * FROM " + from + t.table + " WHERE org_id = ? AND " + t.user + " >= ?"
			if len(args) == 3 {
				q += " AND " + t.user + " < ?"
			}
			q += " ORDER BY " + t.order
			if _, err := tx.ExecContext(ctx, b.placeholders(q), args...); err != nil {
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
