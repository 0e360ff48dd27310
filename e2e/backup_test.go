package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/httpapi"
	"roster/internal/provision"
	"roster/internal/sqldb"
)

// backupImportRows is the size of the file imported during the backup: 10 chunks, so that the
// backup lands in the middle of the import, between chunks the server is committing.
const backupImportRows = 10 * provision.DefaultChunk

// TestBackupDuringImport takes roster backup while a server runs a CSV import, stops the
// server, restores the backup into a new data directory with roster restore and starts a server
// there: the restored database must hold exactly the chunks the task's checkpoint says were
// committed, and the import must resume from it and complete with exact counts. SQLite only:
// on PostgreSQL, backups are pg_dump's.
func TestBackupDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	t.Parallel()
	began := time.Now()
	bin := build(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	file := writeUsersFile(t, backupImportRows)

	srv := start(t, bin, freeAddr(t), append([]string{"--data-dir", dataDir}, lease...))
	logOnFailure(t, "roster serve (backed up)", srv)
	imp := setUpImport(t, bin, srv, []string{"--data-dir", dataDir})
	task := imp.start(file)
	imp.waitMidway(task.ID, srv)

	backup := filepath.Join(t.TempDir(), "roster.backup")
	tool := &cli{t: t, bin: bin}
	out := tool.run("backup", backup, "--data-dir", dataDir)
	t.Logf("%s", out)
	if running := imp.task(task.ID); running.State.Final() {
		t.Fatalf("the import was %s when the backup finished; it must run during the backup", running.State)
	}
	srv.kill()

	restored := filepath.Join(t.TempDir(), "restored")
	out = tool.run("restore", backup, "--data-dir", restored)
	if strings.Contains(out, "replaced") {
		t.Errorf("restore into a new data directory replaced a database:\n%s", out)
	}
	done := checkRestored(t, restored, imp.orgID, task.ID)
	t.Logf("the backup holds %d of %d rows", done, backupImportRows)

	srv = start(t, bin, freeAddr(t), append([]string{"--data-dir", restored}, lease...))
	logOnFailure(t, "roster serve (restored)", srv)
	imp.client = httpapi.NewClient("http://"+srv.addr, imp.token, nil)
	imp.check(task.ID, file)
	srv.kill()
	t.Logf("%v in all", time.Since(began).Round(time.Millisecond))
}

// checkRestored opens the restored data directory before any server does, and checks that
// the import task id stands at a chunk boundary between its start and its end, and that the
// organization holds exactly the users the task says it committed: in its rows, in its usage
// counters and in the task's counts. It returns the rows committed.
func checkRestored(t *testing.T, dataDir, orgID, id string) int {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, sqldb.Config{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	task, err := db.FindTaskByID(ctx, orgID, id)
	if err != nil {
		t.Fatal(err)
	}
	done := task.Progress.Done
	if task.State != roster.TaskRunning || done <= 0 || done >= backupImportRows || done%provision.DefaultChunk != 0 {
		t.Fatalf("restored task: %s with %d of %d rows done; want running, at a chunk boundary in the middle",
			task.State, done, task.Progress.Total)
	}
	// Row n of the file is line n+1, after the header: the checkpoint is the last line applied.
	if task.Checkpoint != int64(done+1) || task.Counts != (roster.TaskCounts{Created: done}) {
		t.Errorf("restored task: checkpoint %d, counts %+v; want line %d and %d created", task.Checkpoint, task.Counts, done+1, done)
	}
	bySync, err := db.CountUsersBySyncStatus(ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	users := 0
	for _, n := range bySync {
		users += n
	}
	org, err := db.FindOrgByID(ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	if users != done || org.Usage.Users != done {
		t.Errorf("restored organization: %d users, usage counts %d; the task committed %d", users, org.Usage.Users, done)
	}
	return done
}
