package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/retention"
	"roster/internal/sqldb"
	"roster/internal/worker"
)

// retentionOrgs share the rows imported each day: each organization imports its file, then
// checks the next one with a dry run, whose file stays for the import it could start.
const retentionOrgs = 10

// retentionRun: days of daily imports of rowsPerDay rows in all (retentionOrgs organizations
// of rowsPerDay/retentionOrgs users each), where 1 % of the rows change each day, with the
// clock advanced a day at a time. Each day every organization runs a real import of its file
// (every row reported, the changed rows audited) and a dry run (every row reported again, its
// file kept). It prints the size of the data at the end of each day (dataSize), once
// without a sweeper and once with one that sweeps at the end of each day with the defaults of
// roster serve but tasks, for the plateau to show within the month, kept taskAge.
func (b *bench) retention(ctx context.Context, days, rowsPerDay int, taskAge time.Duration) {
	perOrg := rowsPerDay / retentionOrgs
	policy := retention.Policy{Files: 7 * 24 * time.Hour, Tasks: taskAge, Emails: 30 * 24 * time.Hour,
		SessionIdle: provision.SessionIdle, SignInWindow: provision.SignInWindow}
	fmt.Printf("retention: %d days of %d imported rows a day (%d organizations of %d users, 1%% changed a day; a real import and a dry run each a day), %s\n",
		days, rowsPerDay, retentionOrgs, perOrg, b.engine)
	fmt.Printf("sweeper: files %v, tasks %v, emails %v, audit kept forever (the default)\n",
		retention.Age(policy.Files), retention.Age(policy.Tasks), retention.Age(policy.Emails))
	without := b.retentionDays(ctx, "retention_off", days, perOrg, nil)
	with := b.retentionDays(ctx, "retention_on", days, perOrg, &policy)
	fmt.Printf("%4s  %14s  %14s  %s\n", "day", "no sweeper", "sweeper", "removed by the sweep of the day")
	for d := range days {
		fmt.Printf("%4d  %11.1f MB  %11.1f MB  %s\n", d+1, mb(without[d].size), mb(with[d].size), with[d].removed)
	}
}

// retentionDay is the state of the data directory at the end of a simulated day.
type retentionDay struct {
	size    int64
	removed string
}

func mb(n int64) float64 { return float64(n) / 1e6 }

func (b *bench) retentionDays(ctx context.Context, name string, days, perOrg int, policy *retention.Policy) []retentionDay {
	db := b.open(ctx, name, true)
	defer db.Close()
	// The simulated clock: day d of the month, plus the real time spent in it, so that the
	// times of one day keep their order.
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var day atomic.Int64
	dayBegan := time.Now()
	var mu sync.Mutex
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return start.Add(time.Duration(day.Load())*24*time.Hour + time.Since(dayBegan))
	}
	svc := provision.New(db, provision.WithClock(clock), provision.WithImportChunk(b.chunk))
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	handlers := map[string]worker.Handler{provision.KindImport: worker.HandlerFunc(svc.RunImport)}
	wg.Go(func() {
		_ = worker.New(db, handlers, worker.Options{Poll: time.Millisecond, Clock: clock,
			Logger: slog.New(slog.DiscardHandler)}).Run(wctx)
	})
	defer func() { stop(); wg.Wait() }()
	var sweeper *retention.Sweeper
	if policy != nil {
		sweeper = retention.New(db, *policy, retention.Options{Now: clock})
	}

	orgs := make([]*roster.Org, retentionOrgs)
	for i := range orgs {
		orgs[i] = newOrg(ctx, svc, fmt.Sprintf("Retention %d", i))
		noWelcome(ctx, svc, orgs[i])
	}
	var out []retentionDay
	for d := range days {
		mu.Lock()
		day.Store(int64(d))
		dayBegan = time.Now()
		mu.Unlock()
		began := time.Now()
		for i, o := range orgs {
			b.retentionImport(ctx, db, svc, o, b.dailyFile(i, perOrg, d), false)
			b.retentionImport(ctx, db, svc, o, b.dailyFile(i, perOrg, d+1), true)
		}
		imported := time.Since(began)
		var r retentionDay
		if sweeper != nil {
			removed, err := sweeper.Sweep(ctx)
			if err != nil {
				log.Fatal(err)
			}
			var parts []string
			for _, kind := range roster.RetentionKinds {
				if n := removed[kind]; n > 0 {
					parts = append(parts, fmt.Sprintf("%s %d", kind, n))
				}
			}
			r.removed = fmt.Sprintf("%s (imports %v, sweep %v)", strings.Join(parts, ", "),
				imported.Round(100*time.Millisecond), (time.Since(began) - imported).Round(time.Millisecond))
		}
		r.size = b.dataSize(ctx, db, name)
		out = append(out, r)
		log.Printf("%s: day %d: %.1f MB (imports %v)", name, d+1, mb(r.size), imported.Round(100*time.Millisecond))
	}
	return out
}

// retentionImport imports the file at path into o and waits for its end.
func (b *bench) retentionImport(ctx context.Context, db *sqldb.DB, svc *provision.Service, o *roster.Org, path string, dryRun bool) {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	task, err := svc.StartImport(ctx, provision.System(roster.ViaCLI), o.ID,
		provision.ImportRequest{Mode: provision.ImportAdd, DryRun: dryRun, FileName: filepath.Base(path), File: f})
	if err != nil {
		log.Fatal(err)
	}
	for !task.State.Final() {
		time.Sleep(2 * time.Millisecond)
		if task, err = db.FindTaskByID(ctx, o.ID, task.ID); err != nil {
			log.Fatal(err)
		}
	}
	if task.State != roster.TaskCompleted {
		log.Fatalf("import ended %s: %s", task.State, task.Error)
	}
}

// dailyFile writes the file organization org imports on day d: n users, the department of 1 %
// of them moved on from the day before (row i moves when d + i%100 reaches a multiple of 100).
func (b *bench) dailyFile(org, n, d int) string {
	path := filepath.Join(b.out, "retention-files", fmt.Sprintf("org%d-day%d.csv", org, d))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		log.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, "First Name,Last Name,User ID/Email (Required),Department,Contact Center Standard Agent,Contact Center Premium Agent\r\n")
	for i := range n {
		fmt.Fprintf(w, "Ada,Nilsson,o%d-u%07d@example.com,Dept %d,FALSE,FALSE\r\n", org, i, (d+i%100)/100)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	return path
}

// dataSize is the size of the data at the end of a day. On SQLite, the data directory, once a
// checkpoint has emptied the write-ahead log into the database file. On PostgreSQL, the tables
// of the benchmark's schema with their indexes and TOAST, once a plain VACUUM has made the
// space of removed rows free for reuse, as autovacuum does many times in a real day and
// cannot do in the seconds a simulated day lasts.
func (b *bench) dataSize(ctx context.Context, db *sqldb.DB, name string) int64 {
	if b.engine == "sqlite" {
		dir := filepath.Join(b.out, b.engine+"-"+name)
		checkpoint(ctx, filepath.Join(dir, "roster.db"))
		return dirSize(dir)
	}
	conn, err := sql.Open("pgx", postgresSchema(ctx, "bench_"+name, false))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	schema := "bench_" + name
	rows, err := conn.QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = $1`, schema)
	if err != nil {
		log.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			log.Fatal(err)
		}
		tables = append(tables, t)
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	rows.Close()
	// The schema's tables only: the database is shared with the tests and other benchmarks.
	for _, t := range tables {
		if _, err := conn.ExecContext(ctx, "VACUUM "+schema+"."+t); err != nil {
			log.Fatal(err)
		}
	}
	var n int64
	err = conn.QueryRowContext(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c
		JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relkind = 'r'`, schema).Scan(&n)
	if err != nil {
		log.Fatal(err)
	}
	return n
}

// checkpoint copies the write-ahead log into the database file and empties it, so that the
// size of the directory is the size of the data rather than of the log's last high-water mark
// (its checkpoints run when it reaches thousands of pages). A reader in the way (the store's
// own checkpointer) makes it busy: it tries again.
func checkpoint(ctx context.Context, path string) {
	conn, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	for range 100 {
		var busy, pages, copied int
		if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &pages, &copied); err != nil {
			log.Fatal(err)
		}
		if busy == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatal("the write-ahead log stayed busy for 5 s")
}

// dirSize is the size of the files under dir: the database, its write-ahead log and its index.
func dirSize(dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		info, err := e.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	return n
}
