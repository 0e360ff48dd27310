package main

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"roster/internal/sqldb"
)

// backup: roster backup (sqldb.Backup, what the command runs) of the SQLite database of a
// million users while the real server answers readers that GET one user each, first checked
// with quick_check, then with integrity_check (--full-check); the readers' latency during each
// backup against theirs before it. SQLite only: on PostgreSQL, backups are pg_dump's.
func (b *bench) backup(ctx context.Context, n int, dur time.Duration, concurrency int) {
	if b.engine != sqldb.EngineSQLite {
		log.Fatal("backup: SQLite only; PostgreSQL is backed up with pg_dump")
	}
	db, o := b.million(ctx, n)
	token, ids := readerSetup(ctx, db, o)
	_ = db.Close()
	base, stop := b.serveBig(ctx, n)
	defer stop()
	get := userGetter(base, o.ID, token, concurrency)
	for range 200 { // warm up connections and caches
		get(ids[rand.IntN(len(ids))])
	}
	before := readLoad(get, ids, concurrency, time.After(dur))
	fmt.Printf("backup of %d users (%s) while %d clients GET one user each from the server\n", n, b.engine, concurrency)
	report("  readers before the backup: %.0f req/s", []any{float64(len(before)) / dur.Seconds()}, before, "")

	file := filepath.Join(b.out, "bench.backup")
	defer func() { _ = os.Remove(file) }()
	for _, full := range []bool{false, true} {
		finished := make(chan time.Time)
		var during []time.Duration
		loaded := make(chan struct{})
		go func() {
			during = readLoad(get, ids, concurrency, finished)
			close(loaded)
		}()
		start := time.Now()
		res, err := sqldb.Backup(ctx, b.bigDataDir(n), file, sqldb.BackupOptions{FullCheck: full, Overwrite: true})
		elapsed := time.Since(start)
		close(finished)
		<-loaded
		if err != nil {
			log.Fatal(err)
		}
		check := "quick_check"
		if full {
			check = "integrity_check (--full-check)"
		}
		fmt.Printf("  backup with %s: copy (VACUUM INTO) %s, check %s, %.1f MiB\n", check,
			roundDur(res.Copy), roundDur(res.Check), float64(res.Size)/(1<<20))
		report("  readers during it (%s): %.0f req/s", []any{roundDur(elapsed), float64(len(during)) / elapsed.Seconds()}, during, "")
	}
}
