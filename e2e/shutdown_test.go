package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"roster/internal/httpapi"
	"roster/internal/provision"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

// shutdownRows is the size of the import that a node is stopped in the middle of: 6 chunks.
const shutdownRows = 30_000

// takeoverBound is how soon after a stopping node released a task another node must claim it.
// The lease of these servers is the default 30 s, so only the release can meet it. (From
// SIGTERM, add the rest of the chunk being committed, which the stopping node finishes first.)
const takeoverBound = 2 * time.Second

// defaultLease is the task lease of roster serve without --task-lease.
const defaultLease = 30 * time.Second

// TestGracefulRestart runs two servers on one PostgreSQL database and starts an import. It
// sends SIGTERM to the node whose worker runs the import and checks that the other takes the
// task over within takeoverBound, that the stopped node exits 0, and that the import completes
// with every row applied exactly once. Then it sends SIGTERM to the other node while an upload
// to it is in flight, and checks that the upload is answered and the node exits 0.
func TestGracefulRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	if os.Getenv(sqldbtest.EnvPostgresURL) == "" {
		t.Skipf("two nodes share a database only on PostgreSQL; %s is not set", sqldbtest.EnvPostgresURL)
	}
	t.Parallel()
	bin := build(t)
	cfg := sqldbtest.Config(t, sqldb.EnginePostgres)
	db := dbFlags(cfg)
	file := writeUsersFile(t, shutdownRows)

	// Started one after the other: the first migrates the database.
	nodes := []*server{start(t, bin, freeAddr(t), db)}
	nodes = append(nodes, start(t, bin, freeAddr(t), db))
	logOnFailure(t, "node A", nodes[0])
	logOnFailure(t, "node B", nodes[1])
	imp := setUpImport(t, bin, nodes[0], db)
	pg, err := sql.Open("pgx", cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	// Registered after Config's cleanup, so it runs before the schema is dropped.
	t.Cleanup(func() { _ = pg.Close() })

	task := imp.start(file)
	// Once the first chunk is in, the task is running and its lease names its node.
	var done int
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		got := imp.task(task.ID)
		done = got.Progress.Done
		if got.State.Final() || done >= shutdownRows {
			t.Fatalf("the import was %s with %d of %d rows before it could be stopped midway", got.State, done, shutdownRows)
		}
		if done > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import has not begun after a minute: %+v", got)
		}
	}
	owner := leaseOwner(t, pg, task.ID)
	victim := -1
	for i, n := range nodes {
		if leasePID(owner) == n.pid() {
			victim = i
		}
	}
	if victim < 0 {
		t.Fatalf("the lease owner %q is neither node A (pid %d) nor node B (pid %d)", owner, nodes[0].pid(), nodes[1].pid())
	}
	survivor := nodes[1-victim]

	// The takeover is read from the task's lease: the stopping node releases the task by
	// ending its lease at the moment of the release, and the other node's claim leases it until
	// the moment of the claim plus the lease of 30 s.
	signaled := time.Now()
	nodes[victim].terminate()
	var released, claimed time.Time
	for claimed.IsZero() {
		owner, until := leaseOf(t, pg, task.ID)
		switch pid := leasePID(owner); {
		case pid == nodes[victim].pid() && !until.After(time.Now()):
			released = until
		case pid == survivor.pid():
			claimed = until.Add(-defaultLease)
		}
		if time.Since(signaled) > time.Minute {
			t.Fatalf("a minute after SIGTERM the task is still leased to %q until %v", owner, until)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if released.IsZero() {
		t.Fatal("the task went to the other node unseen released by the stopped one")
	}
	t.Logf("SIGTERM at %d of %d rows; the stopped node finished its chunk and released the task %v later; the other node claimed it %v after the release",
		done, shutdownRows, released.Sub(signaled).Round(time.Millisecond), claimed.Sub(released).Round(time.Millisecond))
	if took := claimed.Sub(released); took > takeoverBound || took < 0 {
		t.Errorf("the other node took the task over %v after its release, want within %v", took, takeoverBound)
	}
	if code := nodes[victim].exitCode(t); code != 0 {
		t.Errorf("the stopped node exited with %d, want 0", code)
	}
	if !strings.Contains(nodes[victim].output(), `"msg":"task released to another worker"`) {
		t.Errorf("the stopped node did not log the release of its task")
	}

	imp.client = httpapi.NewClient("http://"+survivor.addr, imp.token, nil)
	imp.check(task.ID, file)
	var attempts int
	if err := pg.QueryRowContext(t.Context(), "SELECT attempts FROM tasks WHERE id = $1", task.ID).Scan(&attempts); err != nil || attempts != 2 {
		t.Errorf("the import ran %d times (%v), want 2: one a node", attempts, err)
	}

	// A slow upload: half the file, SIGTERM, then the rest.
	var csv bytes.Buffer
	csv.WriteString("User ID/Email (Required),First Name\n")
	for i := range 2000 {
		csv.WriteString("late" + strconv.Itoa(i) + "@example.com,Late\n")
	}
	half := csv.Len() / 2
	sent := make(chan struct{})
	rest := make(chan struct{})
	body := io.MultiReader(bytes.NewReader(csv.Bytes()[:half]), &signalReader{signal: sent, wait: rest},
		bytes.NewReader(csv.Bytes()[half:]))
	answered := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := imp.client.StartImport(ctx, imp.orgID, httpapi.ImportUpload{Mode: provision.ImportAdd, DryRun: true,
			FileName: "late.csv", File: body})
		answered <- err
	}()
	<-sent
	time.Sleep(200 * time.Millisecond) // the first half is on its way
	survivor.terminate()
	time.Sleep(500 * time.Millisecond)
	select {
	case <-survivor.done:
		t.Fatal("the node exited with an upload in flight")
	default:
	}
	close(rest)
	if err := <-answered; err != nil {
		t.Errorf("the upload in flight at SIGTERM: %v", err)
	}
	if code := survivor.exitCode(t); code != 0 {
		t.Errorf("the node stopped during an upload exited with %d, want 0", code)
	}
}

// terminate sends SIGTERM to the server, as an orchestrator does to stop or restart it.
func (s *server) terminate() {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Errorf("SIGTERM to roster serve: %v", err)
	}
}

// exitCode waits up to a minute for the server to exit and returns its exit code.
func (s *server) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case <-s.done:
		return s.cmd.ProcessState.ExitCode()
	case <-time.After(time.Minute):
		t.Fatalf("roster serve did not exit within a minute of SIGTERM")
		return -1
	}
}

// signalReader reads nothing: its first Read closes signal and waits until wait is closed.
type signalReader struct {
	signal chan<- struct{}
	wait   <-chan struct{}
	done   bool
}

func (r *signalReader) Read([]byte) (int, error) {
	if !r.done {
		r.done = true
		close(r.signal)
		<-r.wait
	}
	return 0, io.EOF
}

// leaseOf reads who holds the lease of the task id, and until when.
func leaseOf(t *testing.T, pg *sql.DB, id string) (string, time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var owner sql.NullString
	var until sql.NullTime
	if err := pg.QueryRowContext(ctx, "SELECT lease_owner, lease_until FROM tasks WHERE id = $1", id).Scan(&owner, &until); err != nil {
		t.Fatalf("read the lease of task %s: %v", id, err)
	}
	return owner.String, until.Time
}
