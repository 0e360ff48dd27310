package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"roster/internal/sqldb"
)

// TestBackupAndRestore backs a data directory up with roster backup, restores the file into a
// new data directory with roster restore, and checks that the organization is there; then
// that a second restore keeps the database it replaces.
func TestBackupAndRestore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	orgID := createOrg(t, dir, "Acme")
	file := filepath.Join(t.TempDir(), "roster.backup")

	inv := invoke(ctx, []string{"backup", file, "--data-dir", dir, "--full-check"}, nil)
	if inv.code != 0 || !strings.Contains(inv.stdout, "Backup of SQLite in "+dir+" written to "+file) ||
		!strings.Contains(inv.stdout, "integrity_check ok in") {
		t.Fatalf("backup: exit %d\n%s", inv.code, inv)
	}
	if inv := invoke(ctx, []string{"backup", file, "--data-dir", dir}, nil); inv.code != 1 ||
		!strings.Contains(inv.stderr, "--force") {
		t.Errorf("backup onto the backup: exit %d\n%s", inv.code, inv)
	}
	if inv := invoke(ctx, []string{"backup", file, "--data-dir", dir, "--force"}, nil); inv.code != 0 {
		t.Errorf("backup --force onto the backup: exit %d\n%s", inv.code, inv)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	inv = invokeAs(ctx, "bin/roster", []string{"restore", file}, map[string]string{"ROSTER_DATA_DIR": restored})
	if inv.code != 0 || strings.Contains(inv.stdout, "replaced") ||
		!strings.Contains(inv.stdout, "Start the server with: bin/roster serve --data-dir "+restored) {
		t.Fatalf("restore into a new data directory: exit %d\n%s", inv.code, inv)
	}
	if _, err := openDataDir(t, restored).FindOrgByID(context.Background(), orgID); err != nil {
		t.Errorf("the restored database lacks the organization: %v", err)
	}

	inv = invoke(ctx, []string{"restore", file, "--data-dir", restored}, nil)
	if inv.code != 0 || !strings.Contains(inv.stdout, "The replaced database is kept as "+filepath.Join(restored, "roster.db.before-restore-")) {
		t.Errorf("restore over a database: exit %d\n%s", inv.code, inv)
	}
}

// TestDataDirInUse checks that a data directory that a server holds refuses restore, migrate
// and a second server, naming the server's process, while backup and token create still work.
func TestDataDirInUse(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	createOrg(t, dir, "Acme")
	file := filepath.Join(t.TempDir(), "roster.backup")
	if inv := invoke(ctx, []string{"backup", file, "--data-dir", dir}, nil); inv.code != 0 {
		t.Fatalf("backup: exit %d\n%s", inv.code, inv)
	}
	// What roster serve holds while it runs.
	lock, err := sqldb.LockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lock.Release() }()

	inUse := fmt.Sprintf("the data directory is in use by a running server (pid %d)", os.Getpid())
	for _, args := range [][]string{
		{"restore", file, "--data-dir", dir},
		{"migrate", "--data-dir", dir},
		{"serve", "--data-dir", dir, "--addr", "127.0.0.1:0"},
	} {
		if inv := invoke(ctx, args, nil); inv.code != 1 || !strings.Contains(inv.stderr, inUse) {
			t.Errorf("exit %d, want 1 and %q\n%s", inv.code, inUse, inv)
		}
	}
	if inv := invoke(ctx, []string{"backup", file, "--force", "--data-dir", dir}, nil); inv.code != 0 {
		t.Errorf("backup beside the server: exit %d\n%s", inv.code, inv)
	}
	if inv := invoke(ctx, []string{"token", "create", "--system", "--data-dir", dir}, nil); inv.code != 0 {
		t.Errorf("token create beside the server: exit %d\n%s", inv.code, inv)
	}
}
