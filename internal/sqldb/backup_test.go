package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"roster"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

// Backup and restore work on the SQLite file of a data directory; PostgreSQL has its own tools
// (pg_dump, pg_restore), which roster backup and restore name instead. So these tests run on
// SQLite only.

// exportAll returns the emails of every user of the organization, in creation order.
func exportAll(t *testing.T, db *sqldb.DB, orgID string) []string {
	t.Helper()
	var emails []string
	after := ""
	for {
		page, err := db.FindUsersForExport(context.Background(), orgID, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page {
			emails = append(emails, u.Email)
		}
		if len(page) < 1000 {
			return emails
		}
		after = page[len(page)-1].ID
	}
}

// openBackup opens the backup file as the database of a data directory of its own, migrated.
func openBackup(t *testing.T, file string) *sqldb.DB {
	t.Helper()
	dir := t.TempDir()
	if _, err := sqldb.Restore(context.Background(), dir, file); err != nil {
		t.Fatalf("restore %s: %v", file, err)
	}
	return openMigrated(t, dir)
}

// openMigrated opens and migrates the SQLite database of the data directory dir.
func openMigrated(t *testing.T, dir string) *sqldb.DB {
	t.Helper()
	db := sqldbtest.OpenConfig(t, sqldb.Config{DataDir: dir})
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestBackupWhileWriting backs up a database while a writer adds users in transactions of 50,
// and checks that the backup reopens with whole transactions only, in the order they were
// committed, and with every user that was committed before the backup began.
func TestBackupWhileWriting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := t.TempDir()
	db := openMigrated(t, dataDir)
	org := mustCreateOrg(t, db, "Acme")
	const perTx = 50
	batch := func(n int) {
		users := make([]*roster.User, perTx)
		for i := range users {
			users[i] = newUser(org, fmt.Sprintf("user%06d@example.com", n*perTx+i), "User", strconv.Itoa(n))
		}
		mustCreateUsers(t, db, users...)
	}
	const before = 40
	for n := range before {
		batch(n)
	}

	stop, writing := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for n := before; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			batch(n)
			if n == before+2 {
				close(writing)
			}
		}
	})
	<-writing // the backup starts while the writer is busy
	file := filepath.Join(t.TempDir(), "roster.backup")
	res, err := sqldb.Backup(ctx, dataDir, file, sqldb.BackupOptions{})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Size() != res.Size || res.Size == 0 {
		t.Errorf("backup file: %v, err %v; result says %d bytes", fi, err, res.Size)
	}
	if res.SchemaVersion == 0 || res.Path != file {
		t.Errorf("result %+v", res)
	}

	live := exportAll(t, db, org.ID)
	backedUp := exportAll(t, openBackup(t, file), org.ID)
	if len(backedUp) < (before+3)*perTx || len(backedUp)%perTx != 0 {
		t.Fatalf("backup holds %d users; want whole transactions of %d, at least %d", len(backedUp), perTx, (before+3)*perTx)
	}
	if len(backedUp) > len(live) {
		t.Fatalf("backup holds %d users, the database only %d", len(backedUp), len(live))
	}
	for i, email := range backedUp {
		if live[i] != email {
			t.Fatalf("user %d of the backup is %s, of the database %s", i, email, live[i])
		}
	}
	t.Logf("backup of %d users (the database had %d when the writer stopped)", len(backedUp), len(live))
}

// TestBackupRefusesExistingFile checks that a backup never replaces a file unless told to,
// and leaves no temporary file behind.
func TestBackupRefusesExistingFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := t.TempDir()
	db := openMigrated(t, dataDir)
	org := mustCreateOrg(t, db, "Acme")
	mustCreateUsers(t, db, newUser(org, "ada@example.com", "Ada", "Lovelace"))

	out := t.TempDir()
	file := filepath.Join(out, "roster.backup")
	if err := os.WriteFile(file, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := sqldb.Backup(ctx, dataDir, file, sqldb.BackupOptions{})
	if !errors.Is(err, sqldb.ErrBackupExists) {
		t.Fatalf("backup onto an existing file: %v, want ErrBackupExists", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "precious" {
		t.Fatalf("the existing file was changed: %q", b)
	}
	if _, err := sqldb.Backup(ctx, dataDir, file, sqldb.BackupOptions{Overwrite: true, FullCheck: true}); err != nil {
		t.Fatalf("backup with Overwrite: %v", err)
	}
	if got := exportAll(t, openBackup(t, file), org.ID); len(got) != 1 || got[0] != "ada@example.com" {
		t.Errorf("backup holds %v", got)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Errorf("backup folder holds %d files, want only the backup: %v", len(entries), entries)
	}

	if _, err := sqldb.Backup(ctx, t.TempDir(), filepath.Join(out, "other"), sqldb.BackupOptions{}); err == nil ||
		!strings.Contains(err.Error(), "no database") {
		t.Errorf("backup of an empty data directory: %v, want no database", err)
	}
}

// backupOf makes a backup of a new database holding one organization with the users emails,
// and returns the backup file.
func backupOf(t *testing.T, emails ...string) string {
	t.Helper()
	dataDir := t.TempDir()
	db := openMigrated(t, dataDir)
	org := mustCreateOrg(t, db, "Acme")
	for _, email := range emails {
		mustCreateUsers(t, db, newUser(org, email, "User", "Backup"))
	}
	file := filepath.Join(t.TempDir(), "roster.backup")
	if _, err := sqldb.Backup(context.Background(), dataDir, file, sqldb.BackupOptions{}); err != nil {
		t.Fatal(err)
	}
	return file
}

// damage rewrites the file at path with change applied to its bytes, into a new file.
func damage(t *testing.T, path string, change func([]byte) []byte) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "damaged.backup")
	if err := os.WriteFile(out, change(b), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// execSQLite runs statements on the SQLite file at path, outside the store.
func execSQLite(t *testing.T, path string, statements ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range statements {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestRestoreRefusesBadBackups checks that restore refuses a file that is not a whole backup
// of this binary's schema, and leaves the data directory as it was.
func TestRestoreRefusesBadBackups(t *testing.T) {
	t.Parallel()
	good := backupOf(t, "ada@example.com", "bo@example.com")
	size := func() int64 {
		fi, err := os.Stat(good)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}()
	const page = 8192 // the page size of Roster's SQLite files
	if size < 8*page {
		t.Fatalf("the backup has %d bytes, too few pages to damage one in the middle", size)
	}
	newer := damage(t, good, func(b []byte) []byte { return b })
	execSQLite(t, newer, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', '2030-01-01 00:00:00')`)
	foreign := filepath.Join(t.TempDir(), "other.db")
	execSQLite(t, foreign, `CREATE TABLE notes (body TEXT)`, `INSERT INTO notes VALUES ('hello')`)

	for _, tc := range []struct {
		name, file, want string
	}{
		{"truncated", damage(t, good, func(b []byte) []byte { return b[:len(b)/2] }), ""},
		{"corrupted page", damage(t, good, func(b []byte) []byte {
			// Garbage over every page but the first (the schema): b-tree pages that no
			// longer parse.
			for i := page; i < len(b); i++ {
				b[i] = byte(i*7 + 3)
			}
			return b
		}), ""},
		{"one page overwritten", damage(t, good, func(b []byte) []byte {
			p := len(b) / page / 2 * page
			for i := p; i < p+page; i++ {
				b[i] = 0xA5
			}
			return b
		}), ""},
		{"not a database", damage(t, good, func([]byte) []byte { return []byte(strings.Repeat("email,name\n", 1000)) }), ""},
		{"empty", damage(t, good, func([]byte) []byte { return nil }), "not a Roster database"},
		{"another database", foreign, "not a Roster database"},
		{"newer schema", newer, "newer than this binary's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dataDir := t.TempDir()
			db := openMigrated(t, dataDir)
			org := mustCreateOrg(t, db, "Current")
			mustCreateUsers(t, db, newUser(org, "current@example.com", "Still", "Here"))
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			_, err := sqldb.Restore(context.Background(), dataDir, tc.file)
			if !errors.Is(err, sqldb.ErrInvalidBackup) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("restore: %v; want ErrInvalidBackup saying %q", err, tc.want)
			}
			t.Logf("refused: %v", err)
			entries, _ := os.ReadDir(dataDir)
			for _, e := range entries {
				if strings.Contains(e.Name(), "restore") {
					t.Errorf("a refused restore left %s", e.Name())
				}
			}
			if got := exportAll(t, openMigrated(t, dataDir), org.ID); len(got) != 1 || got[0] != "current@example.com" {
				t.Errorf("after a refused restore the data directory holds %v", got)
			}
		})
	}
}

// TestRestoreOlderSchema checks that a backup of an older schema is restored and said to be
// older: the server's start migrates it.
func TestRestoreOlderSchema(t *testing.T) {
	t.Parallel()
	old := damage(t, backupOf(t, "ada@example.com"), func(b []byte) []byte { return b })
	// Only the record of the newest migration is dropped: enough for the version check,
	// which reads the records.
	execSQLite(t, old, `DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`)

	dataDir := t.TempDir()
	res, err := sqldb.Restore(context.Background(), dataDir, old)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if res.SchemaVersion != res.Newest-1 || res.Replaced != "" {
		t.Errorf("restore result %+v; want schema version one below the newest, nothing replaced", res)
	}
}

// TestRestoreKeepsReplaced restores a backup into a data directory whose database was left by a
// crash, its last transaction only in the write-ahead log, and checks that the replaced
// database is kept whole and that none of its files is left beside the restored one.
func TestRestoreKeepsReplaced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	backup := backupOf(t, "restored@example.com")

	// A crash: the files of a database that is open, with a commit in its log, copied as
	// they are.
	live := t.TempDir()
	db := openMigrated(t, live)
	org := mustCreateOrg(t, db, "Crashed")
	mustCreateUsers(t, db, newUser(org, "in-the-log@example.com", "In", "Log"))
	crashed := t.TempDir()
	for _, name := range []string{"roster.db", "roster.db-wal", "roster.db-shm"} {
		b, err := os.ReadFile(filepath.Join(live, name))
		if err != nil {
			t.Fatalf("the open database has no %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(crashed, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	res, err := sqldb.Restore(ctx, crashed, backup)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !strings.HasPrefix(filepath.Base(res.Replaced), "roster.db.before-restore-") {
		t.Fatalf("replaced database kept as %q", res.Replaced)
	}
	for _, name := range []string{"roster.db-wal", "roster.db-shm"} {
		if _, err := os.Stat(filepath.Join(crashed, name)); err == nil {
			t.Errorf("%s of the replaced database is left beside the restored one", name)
		}
	}
	restored := openMigrated(t, crashed)
	if u, err := restored.FindUserByEmail(ctx, "restored@example.com"); err != nil || u == nil {
		t.Errorf("the restored database lacks the backup's user: %v", err)
	}
	if _, err := restored.FindUserByEmail(ctx, "in-the-log@example.com"); roster.ErrorCode(err) != roster.CodeNotFound {
		t.Errorf("the restored database has the replaced one's user: %v", err)
	}

	// The kept database, opened where it is, has the transaction that was only in the log.
	keptDir := t.TempDir()
	if err := os.Rename(res.Replaced, filepath.Join(keptDir, "roster.db")); err != nil {
		t.Fatal(err)
	}
	if got := exportAll(t, openMigrated(t, keptDir), org.ID); len(got) != 1 || got[0] != "in-the-log@example.com" {
		t.Errorf("the kept database holds %v, want the user committed to the log", got)
	}
}

// TestDataDirLock checks that one process at a time holds a data directory: a second lock,
// a second locked open and a restore are refused, naming the holder, until it is released.
func TestDataDirLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqldb.Open(ctx, sqldb.Config{DataDir: dir, LockDataDir: true})
	if err != nil {
		t.Fatal(err)
	}
	inUse := fmt.Sprintf("the data directory is in use by a running server (pid %d)", os.Getpid())
	if _, err := sqldb.LockDataDir(dir); !errors.Is(err, sqldb.ErrDataDirInUse) || err.Error() != inUse {
		t.Errorf("second lock: %v; want %q", err, inUse)
	}
	if _, err := sqldb.Open(ctx, sqldb.Config{DataDir: dir, LockDataDir: true}); !errors.Is(err, sqldb.ErrDataDirInUse) {
		t.Errorf("second locked open: %v; want ErrDataDirInUse", err)
	}
	if _, err := sqldb.Restore(ctx, dir, backupOf(t)); !errors.Is(err, sqldb.ErrDataDirInUse) {
		t.Errorf("restore into an open data directory: %v; want ErrDataDirInUse", err)
	}
	// Without the lock, as roster token create opens it beside a server.
	other, err := sqldb.Open(ctx, sqldb.Config{DataDir: dir})
	if err != nil {
		t.Errorf("open without the lock: %v", err)
	} else {
		_ = other.Close()
	}

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := sqldb.LockDataDir(dir)
	if err != nil {
		t.Fatalf("lock after close: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	db, err = sqldb.Open(ctx, sqldb.Config{DataDir: dir, LockDataDir: true})
	if err != nil {
		t.Fatalf("locked open after release: %v", err)
	}
	_ = db.Close()
}

// TestBackupSchemaVersion checks that a backup is refused, and no file left, unless the
// database has the schema of this binary's newest migration: a database of an older server,
// or of a newer one.
func TestBackupSchemaVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, change string
	}{
		{"older", `DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`},
		{"newer", `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', '2030-01-01 00:00:00')`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dataDir := t.TempDir()
			db := openMigrated(t, dataDir)
			mustCreateOrg(t, db, "Acme")
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			execSQLite(t, filepath.Join(dataDir, "roster.db"), tc.change)

			out := t.TempDir()
			_, err := sqldb.Backup(context.Background(), dataDir, filepath.Join(out, "roster.backup"), sqldb.BackupOptions{})
			if !errors.Is(err, sqldb.ErrInvalidBackup) || !strings.Contains(err.Error(), "schema version") {
				t.Fatalf("backup of a database of another schema: %v; want ErrInvalidBackup naming the schema version", err)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("a refused backup left %v", entries)
			}
		})
	}
}
