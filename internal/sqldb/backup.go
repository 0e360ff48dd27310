package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// dbFileName is the SQLite database file in the data directory.
const dbFileName = "roster.db"

// ErrBackupExists is the error of Backup when the destination exists and Overwrite is not set.
var ErrBackupExists = errors.New("the backup file exists")

// ErrInvalidBackup is the error of a file that fails the checks of a backup: not a SQLite
// database, damaged, not Roster's, or of a schema this binary does not know.
var ErrInvalidBackup = errors.New("not a usable backup")

// BackupOptions are the choices of Backup.
type BackupOptions struct {
	// FullCheck checks the copy with PRAGMA integrity_check, which also reads every index
	// against its table, instead of PRAGMA quick_check.
	FullCheck bool
	// Overwrite replaces an existing destination file.
	Overwrite bool
}

// BackupResult says what Backup made.
type BackupResult struct {
	Path          string        // the backup file, absolute
	Size          int64         // its size in bytes
	Copy          time.Duration // time of the copy (VACUUM INTO)
	Check         time.Duration // time of the check of the copy
	SchemaVersion int
}

// Backup copies the SQLite database of the data directory dataDir into the file dest, while a
// server may be using it, and checks the copy. The copy is VACUUM INTO: one read transaction,
// so a consistent snapshot of the committed data however much the server writes meanwhile
// (a copy of the file would not be one: the database is the file plus its write-ahead log,
// each changing under the copier). It is written beside dest under a temporary name and
// renamed to dest only once checked, so that dest is never a partial or unchecked copy. The
// copy must have the schema of this binary's newest migration: a backup taken with a binary
// that does not match the server's would say nothing certain about what it can restore.
//
// Backup takes no lock: it only reads, and SQLite lets it read beside the writer.
func Backup(ctx context.Context, dataDir, dest string, opts BackupOptions) (BackupResult, error) {
	src := filepath.Join(dataDir, dbFileName)
	if _, err := os.Stat(src); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return BackupResult{}, fmt.Errorf("no database in %s (%s is missing)", dataDir, dbFileName)
		}
		return BackupResult{}, err
	}
	dest, err := filepath.Abs(dest)
	if err != nil {
		return BackupResult{}, err
	}
	if err := refuseDatabaseFiles(dest, src); err != nil {
		return BackupResult{}, err
	}
	if err := refuseExisting(dest, opts.Overwrite); err != nil {
		return BackupResult{}, err
	}
	newest, err := newestSchemaVersion()
	if err != nil {
		return BackupResult{}, err
	}
	// An empty file reserves the temporary name; VACUUM INTO writes into an empty file.
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*.tmp")
	if err != nil {
		return BackupResult{}, fmt.Errorf("create backup file: %w", err)
	}
	tmpPath := tmp.Name()
	_ = tmp.Close()
	kept := false
	defer func() {
		if !kept {
			_ = os.Remove(tmpPath)
		}
	}()

	res := BackupResult{Path: dest}
	began := time.Now()
	if err := vacuumInto(ctx, src, tmpPath); err != nil {
		return res, err
	}
	if err := syncFile(tmpPath); err != nil {
		return res, err
	}
	res.Copy = time.Since(began)

	began = time.Now()
	version, err := checkDatabaseFile(ctx, tmpPath, opts.FullCheck)
	res.Check = time.Since(began)
	if err != nil {
		return res, fmt.Errorf("check the copy: %w", err)
	}
	if version != newest {
		return res, fmt.Errorf("check the copy: %w: its schema version is %d, this binary's is %d; "+
			"take backups with the binary of the running server", ErrInvalidBackup, version, newest)
	}
	res.SchemaVersion = version
	// Again: dest may have appeared during the copy.
	if err := refuseExisting(dest, opts.Overwrite); err != nil {
		return res, err
	}
	if err := os.Rename(tmpPath, dest); err != nil {
		return res, fmt.Errorf("rename the backup into place: %w", err)
	}
	kept = true
	if err := syncDir(filepath.Dir(dest)); err != nil {
		return res, err
	}
	fi, err := os.Stat(dest)
	if err != nil {
		return res, err
	}
	res.Size = fi.Size()
	return res, nil
}

// refuseDatabaseFiles refuses a path that is the database file db or one of its companions:
// a backup renamed over the database of a running server, or a restore of the database onto
// itself, would lose it.
func refuseDatabaseFiles(path, db string) error {
	path, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		a, errA := os.Stat(path)
		b, errB := os.Stat(f)
		if errA == nil && errB == nil && os.SameFile(a, b) {
			return fmt.Errorf("%s is a file of the database itself", path)
		}
		if abs, err := filepath.Abs(f); err == nil && abs == path {
			return fmt.Errorf("%s is a file of the database itself", path)
		}
	}
	return nil
}

func refuseExisting(path string, overwrite bool) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s exists and is not a file", path)
	case !overwrite:
		return fmt.Errorf("%w: %s", ErrBackupExists, path)
	}
	return nil
}

// vacuumInto copies the database file src into the empty file dest with VACUUM INTO, on a
// read-only connection of its own.
func vacuumInto(ctx context.Context, src, dest string) error {
	db, err := sql.Open("sqlite", backupDSN(src))
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		return fmt.Errorf("copy the database (VACUUM INTO): %w", err)
	}
	return db.Close()
}

// checkDatabaseFile opens the SQLite file at path read-only, checks its structure with
// PRAGMA quick_check (integrity_check when full), and returns the newest migration recorded
// in it. A file that is not a SQLite database, is damaged, or has no schema_migrations is an
// ErrInvalidBackup.
func checkDatabaseFile(ctx context.Context, path string, full bool) (int, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, err
	}
	// A file: URI, so that SQLite applies mode=ro: a check never creates or changes the file.
	dsn := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String() + "?mode=ro&_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	pragma := "quick_check"
	if full {
		pragma = "integrity_check"
	}
	problems, err := integrityProblems(ctx, db, pragma)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %v", ErrInvalidBackup, pragma, err)
	}
	if len(problems) > 0 {
		return 0, fmt.Errorf("%w: %s: %s", ErrInvalidBackup, pragma, strings.Join(problems[:min(len(problems), 3)], "; "))
	}
	var version sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil {
		return 0, fmt.Errorf("%w: not a Roster database (its schema version cannot be read: %v)", ErrInvalidBackup, err)
	}
	if !version.Valid {
		return 0, fmt.Errorf("%w: not a Roster database (no migration recorded)", ErrInvalidBackup)
	}
	return int(version.Int64), nil
}

// integrityProblems runs PRAGMA quick_check or integrity_check and returns what it found;
// none when it answers its one row "ok".
func integrityProblems(ctx context.Context, db *sql.DB, pragma string) ([]string, error) {
	rows, err := db.QueryContext(ctx, "PRAGMA "+pragma)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		// A row may hold several lines, under a heading naming the schema.
		before := len(problems)
		for l := range strings.Lines(line) {
			l = strings.TrimSpace(l)
			if l != "ok" && l != "" && !strings.HasPrefix(l, "*** in database") {
				problems = append(problems, l)
			}
		}
		if line != "ok" && len(problems) == before {
			problems = append(problems, line)
		}
	}
	return problems, rows.Err()
}

// newestSchemaVersion is the version of the newest SQLite migration of this binary.
func newestSchemaVersion() (int, error) {
	ms, err := migrations(EngineSQLite)
	if err != nil {
		return 0, err
	}
	if len(ms) == 0 {
		return 0, errors.New("no migrations")
	}
	return ms[len(ms)-1].version, nil
}

// RestoreResult says what Restore did.
type RestoreResult struct {
	// Replaced is where the database that the backup replaced was kept; "" when the data
	// directory had none.
	Replaced      string
	Size          int64
	Check         time.Duration // time of the full check of the backup
	SchemaVersion int           // of the backup
	Newest        int           // of this binary; a server migrates the restored database to it
}

// Restore puts the backup file src in place of the SQLite database of the data directory
// dataDir, which no process may have open: it takes the data directory's lock (LockDataDir),
// so it fails with ErrDataDirInUse while a server runs. The backup must pass the full
// integrity check and have a schema no newer than this binary's (an older one is migrated by
// the next start). The replaced database is kept beside it, renamed
// roster.db.before-restore-<UTC time>, with what its write-ahead log held folded in first.
func Restore(ctx context.Context, dataDir, src string) (RestoreResult, error) {
	var res RestoreResult
	// Before the lock, which creates the data directory: a mistyped name changes nothing.
	if fi, err := os.Stat(src); err != nil {
		return res, err
	} else if !fi.Mode().IsRegular() {
		return res, fmt.Errorf("%s is not a file", src)
	}
	if err := refuseDatabaseFiles(src, filepath.Join(dataDir, dbFileName)); err != nil {
		return res, err
	}
	lock, err := LockDataDir(dataDir)
	if err != nil {
		return res, err
	}
	defer func() { _ = lock.Release() }()

	if res.Newest, err = newestSchemaVersion(); err != nil {
		return res, err
	}
	// The check reads the copy, so that what is put in place is what was checked.
	tmp, err := copyInto(src, dataDir)
	if err != nil {
		return res, err
	}
	defer func() { _ = os.Remove(tmp) }() // a no-op once renamed
	began := time.Now()
	res.SchemaVersion, err = checkDatabaseFile(ctx, tmp, true)
	res.Check = time.Since(began)
	if err != nil {
		return res, fmt.Errorf("check %s: %w", src, err)
	}
	if res.SchemaVersion > res.Newest {
		return res, fmt.Errorf("check %s: %w: its schema version is %d, newer than this binary's %d; restore it with a newer roster",
			src, ErrInvalidBackup, res.SchemaVersion, res.Newest)
	}
	fi, err := os.Stat(tmp)
	if err != nil {
		return res, err
	}
	res.Size = fi.Size()

	if res.Replaced, err = setAside(ctx, dataDir, time.Now()); err != nil {
		return res, err
	}
	if err := os.Rename(tmp, filepath.Join(dataDir, dbFileName)); err != nil {
		return res, fmt.Errorf("put the backup in place: %w", err)
	}
	return res, syncDir(dataDir)
}

// copyInto copies the file src into a new temporary file of dir, synced, and returns its path.
func copyInto(src, dir string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, "."+dbFileName+".restore-*.tmp")
	if err != nil {
		return "", fmt.Errorf("copy the backup: %w", err)
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(out.Name())
		return "", fmt.Errorf("copy the backup: %w", err)
	}
	return out.Name(), nil
}

// setAside renames the database of dataDir, if it has one, to
// roster.db.before-restore-<UTC time>, and returns the new path. Its write-ahead log is
// folded into it first, so that the kept file is the whole database; if that fails, the log
// is kept beside it under the name SQLite looks for (<file>-wal). In every case no -wal or
// -shm file of the old database is left where the restored one will be: SQLite would apply
// the old log to the new file.
func setAside(ctx context.Context, dataDir string, now time.Time) (string, error) {
	current := filepath.Join(dataDir, dbFileName)
	kept := ""
	if _, err := os.Stat(current); err == nil {
		kept = current + ".before-restore-" + now.UTC().Format("20060102T150405Z")
		// Errors leave the log as it is; it is kept below.
		_ = checkpointTruncate(ctx, current)
		if err := os.Rename(current, kept); err != nil {
			return "", fmt.Errorf("keep the current database: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if _, err := os.Stat(current + "-wal"); err == nil {
		if kept == "" {
			return "", fmt.Errorf("%s-wal exists without its database; move it away and restore again", current)
		}
		if err := os.Rename(current+"-wal", kept+"-wal"); err != nil {
			return "", fmt.Errorf("keep the write-ahead log of the current database: %w", err)
		}
	}
	if err := os.Remove(current + "-shm"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("remove the shared-memory file of the current database: %w", err)
	}
	return kept, nil
}

// checkpointTruncate copies the write-ahead log of the database file at path into it and
// empties the log; closing the last connection then removes the -wal and -shm files.
func checkpointTruncate(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", checkpointDSN(path))
	if err != nil {
		return err
	}
	defer db.Close()
	var busy, frames, copied int64
	if err := db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &copied); err != nil {
		return err
	}
	if busy != 0 {
		return errors.New("checkpoint: the database is busy")
	}
	return db.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some file systems cannot sync a directory; the rename is done all the same.
	_ = d.Sync()
	return nil
}
