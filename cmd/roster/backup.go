package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"roster/internal/sqldb"
)

// backupCommand copies the SQLite database of a data directory into a file, while the server
// runs, and checks the copy.
type backupCommand struct {
	env    env
	stdout io.Writer
}

const backupSynopsis = `backup FILE [flags]

Copies the SQLite database of the data directory into FILE while the server runs: a
consistent snapshot of what was committed when the copy began (SQLite's VACUUM INTO), checked
with PRAGMA quick_check (--full-check: integrity_check) and for the schema version of this
binary, then renamed into place. FILE must not exist unless --force is given. On PostgreSQL,
use pg_dump.`

func (c *backupCommand) run(ctx context.Context, args []string) error {
	var (
		db        dbConfig
		force     bool
		fullCheck bool
	)
	fs := newFlagSet("backup", backupSynopsis, c.stdout)
	db.register(fs, c.env)
	fs.BoolVar(&force, "force", false, "overwrite FILE if it exists")
	fs.BoolVar(&fullCheck, "full-check", false, "check the copy with PRAGMA integrity_check (reads every index) instead of quick_check")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("roster backup FILE (see roster backup -h)")
	}
	if err := db.checkURL(); err != nil {
		return err
	}
	if db.databaseURL != "" {
		return usageErrorf("the database is %s: back it up with pg_dump (for example pg_dump --format=custom "+
			"--file=roster.dump URL), PostgreSQL's own tool, which copies a consistent snapshot while the servers run; "+
			"all of Roster's data is in the database, so the dump is the whole backup", db.describe())
	}
	check := "quick_check"
	if fullCheck {
		check = "integrity_check"
	}
	res, err := sqldb.Backup(ctx, db.dataDir, pos[0], sqldb.BackupOptions{FullCheck: fullCheck, Overwrite: force})
	if errors.Is(err, sqldb.ErrBackupExists) {
		return fmt.Errorf("%w (pass --force to replace it)", err)
	}
	if err != nil {
		return fmt.Errorf("back up %s: %w", db.describe(), err)
	}
	fmt.Fprintf(c.stdout, "Backup of %s written to %s\n", db.describe(), res.Path)
	fmt.Fprintf(c.stdout, "Size: %s, schema version %d\n", byteSize(res.Size), res.SchemaVersion)
	fmt.Fprintf(c.stdout, "Time: copied in %s, %s ok in %s\n", roundDuration(res.Copy), check, roundDuration(res.Check))
	return nil
}

// restoreCommand puts a backup in place of the SQLite database of a stopped data directory.
type restoreCommand struct {
	env    env
	stdout io.Writer
	prog   string // as invoked, for the command it suggests
}

const restoreSynopsis = `restore FILE [flags]

Puts the backup FILE (made by roster backup) in place of the SQLite database of the data
directory. The server must be stopped: restore takes the data directory's lock and refuses
while a server holds it. FILE must pass PRAGMA integrity_check and have a schema version no
newer than this binary's (an older one is migrated when the server starts). The database it
replaces is kept in the data directory as roster.db.before-restore-<UTC time>. On PostgreSQL,
use pg_restore.`

func (c *restoreCommand) run(ctx context.Context, args []string) error {
	var db dbConfig
	fs := newFlagSet("restore", restoreSynopsis, c.stdout)
	db.register(fs, c.env)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("roster restore FILE (see roster restore -h)")
	}
	if err := db.checkURL(); err != nil {
		return err
	}
	if db.databaseURL != "" {
		return usageErrorf("the database is %s: restore a dump of pg_dump with pg_restore (for example pg_restore "+
			"--clean --if-exists --dbname URL roster.dump) while every roster serve is stopped; PostgreSQL's own tools "+
			"restore what they dumped, and all of Roster's data is in the database, so that is the whole restore", db.describe())
	}
	res, err := sqldb.Restore(ctx, db.dataDir, pos[0])
	if err != nil {
		return fmt.Errorf("restore into %s: %w", db.describe(), err)
	}
	fmt.Fprintf(c.stdout, "Restored %s into %s (%s, schema version %d, integrity_check ok in %s)\n",
		pos[0], db.describe(), byteSize(res.Size), res.SchemaVersion, roundDuration(res.Check))
	if res.Replaced != "" {
		fmt.Fprintf(c.stdout, "The replaced database is kept as %s\n", res.Replaced)
	}
	if res.SchemaVersion < res.Newest {
		fmt.Fprintf(c.stdout, "The backup's schema is older (%d) than this binary's (%d): the server migrates it when it starts.\n",
			res.SchemaVersion, res.Newest)
	}
	fmt.Fprintf(c.stdout, "Start the server with: %s serve --data-dir %s\n", c.prog, filepath.Clean(db.dataDir))
	return nil
}

// byteSize formats n bytes for people: "812 KiB", "1.4 GiB".
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	value, exp := float64(n)/unit, 0
	for value >= unit && exp < 3 {
		value /= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", value, "KMGT"[exp])
}

// roundDuration rounds d to what a person reads: milliseconds under a second, tenths of a
// second above.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}
