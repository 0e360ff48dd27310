package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"roster"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
	"roster/internal/worker"
)

// Every test runs on SQLite, and on PostgreSQL when ROSTER_TEST_POSTGRES_URL is set.

const org = "org1"

// nodes returns n stores on one new migrated database of the engine, like n processes.
func nodes(t *testing.T, engine string, n int) []*sqldb.DB {
	t.Helper()
	cfg := sqldbtest.Config(t, engine)
	dbs := make([]*sqldb.DB, n)
	for i := range dbs {
		dbs[i] = sqldbtest.OpenConfig(t, cfg)
	}
	if err := dbs[0].Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Each commit locks the task's organization first, so the organization must exist.
	now := time.Now().UTC().Truncate(time.Microsecond)
	o := &roster.Org{ID: org, Name: "Worker test", Platform: roster.PlatformNew, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := dbs[0].Write(context.Background(), func(tx roster.Tx) error { return tx.CreateOrg(context.Background(), o) }); err != nil {
		t.Fatal(err)
	}
	return dbs
}

// eachEngine runs fn in a parallel subtest per engine.
func eachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	t.Helper()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fn(t, engine)
		})
	}
}

// counter is the handler of kind "test.count": it makes n report rows, numbered from 1, in
// chunks, with one audit entry a row written by apply, so the test can prove that changes,
// rows and counts are applied together and exactly once.
type counter struct {
	// afterCommit, when set, runs after each successful commit (k counts them from 1).
	afterCommit func(r *worker.Run, k int)
	// inCommit, when set, runs inside the transaction of commit k, before its changes.
	inCommit func(k int)

	mu     sync.Mutex
	starts map[string]int
}

type countParams struct {
	N     int `json:"n"`
	Chunk int `json:"chunk"`
}

func (h *counter) Run(ctx context.Context, r *worker.Run) error {
	task := r.Task()
	h.mu.Lock()
	if h.starts == nil {
		h.starts = make(map[string]int)
	}
	h.starts[task.ID]++
	h.mu.Unlock()

	var p countParams
	if err := json.Unmarshal(task.Params, &p); err != nil {
		return roster.Errorf(roster.CodeInvalid, "The parameters are not valid.")
	}
	k := 0
	for next := int(task.Checkpoint) + 1; next <= p.N; {
		end := min(next+p.Chunk-1, p.N)
		var rows []*roster.TaskRow
		var entries []*roster.AuditEntry
		for i := next; i <= end; i++ {
			email := fmt.Sprintf("u%d@example.com", i)
			rows = append(rows, &roster.TaskRow{Row: i, Email: email, Outcome: "created"})
			entries = append(entries, &roster.AuditEntry{
				ID: roster.NewID(), OrgID: task.OrgID, At: time.Now(), ActorKind: "token",
				Interface: roster.ViaCSV, Action: "user.create", TargetKind: "user",
				TargetID: email, Target: email, TaskID: task.ID,
			})
		}
		err := r.Commit(ctx, func(tx roster.Tx) error {
			if h.inCommit != nil {
				h.inCommit(k + 1)
			}
			return tx.CreateAuditEntries(ctx, entries)
		},
			&worker.Commit{Done: len(rows), Total: p.N, Counts: roster.TaskCounts{Created: len(rows)},
				Rows: rows, Checkpoint: int64(end)})
		if err != nil {
			return err
		}
		k++
		if h.afterCommit != nil {
			h.afterCommit(r, k)
		}
		next = end + 1
	}
	return nil
}

func (h *counter) startsOf(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.starts[id]
}

func options(owner string, lease time.Duration) worker.Options {
	return worker.Options{
		Owner: owner, Lease: lease, Poll: 10 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
	}
}

// start runs a runner until the returned stop is called, or the test ends.
func start(t *testing.T, r *worker.Runner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func createTask(t *testing.T, db roster.Store, kind string, params any) *roster.Task {
	t.Helper()
	raw, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	task := &roster.Task{ID: roster.NewID(), OrgID: org, Kind: kind, Params: raw,
		CreatedBy: "test", CreatedAt: time.Now()}
	err = db.Write(context.Background(), func(tx roster.Tx) error { return tx.CreateTask(context.Background(), task) })
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// waitFinal waits until the task reaches a final state.
func waitFinal(t *testing.T, db roster.Store, id string) *roster.Task {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		task, err := db.FindTaskByID(context.Background(), org, id)
		if err != nil {
			t.Fatal(err)
		}
		if task.State.Final() {
			return task
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s still %s after 5 s: %+v", id, task.State, task)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkApplied checks that rows 1..n of the report, and one audit entry for each, exist
// exactly once.
func checkApplied(t *testing.T, db roster.Store, id string, n int) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.FindTaskRows(ctx, id, 0, roster.MaxPageSize)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("%d report rows, want %d", len(rows), n)
	}
	for i, row := range rows {
		if row.Row != i+1 || row.TaskID != id || row.Outcome != "created" {
			t.Fatalf("report row %d = %+v", i+1, row)
		}
	}
	page, err := db.FindAuditEntries(ctx, roster.AuditFilter{OrgID: org, Limit: roster.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	for _, e := range page.Entries {
		if e.TaskID != id {
			continue
		}
		if seen[e.TargetID] {
			t.Fatalf("audit entry of %s written twice", e.TargetID)
		}
		seen[e.TargetID] = true
	}
	if len(seen) != n {
		t.Fatalf("%d audit entries, want %d", len(seen), n)
	}
}

func wantTask(t *testing.T, got *roster.Task, state roster.TaskState, done int, attempts int) {
	t.Helper()
	if got.State != state || got.Progress.Done != done || got.Counts.Created != done ||
		got.Checkpoint != int64(done) || got.Attempts != attempts || got.FinishedAt.IsZero() {
		t.Fatalf("task = %+v\nwant %s with %d done, created and checkpointed, attempt %d, finished",
			got, state, done, attempts)
	}
}

func TestRunToCompletion(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		db := nodes(t, engine, 1)[0]
		h := &counter{}
		start(t, worker.New(db, map[string]worker.Handler{"test.count": h}, options("w1", time.Second)))
		task := createTask(t, db, "test.count", countParams{N: 23, Chunk: 5})
		got := waitFinal(t, db, task.ID)
		wantTask(t, got, roster.TaskCompleted, 23, 1)
		if got.Progress.Total != 23 || got.Error != "" || got.LeaseOwner != "w1" {
			t.Fatalf("task = %+v", got)
		}
		checkApplied(t, db, task.ID, 23)
	})
}

func TestResumeAfterCrash(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		db := nodes(t, engine, 1)[0]
		const lease = 300 * time.Millisecond
		task := createTask(t, db, "test.count", countParams{N: 40, Chunk: 4})

		// The first runner dies after its third chunk, as with kill -9: it reaches the database
		// no more, so nothing is cleaned up and the lease is left held.
		ctx, kill := context.WithCancel(context.Background())
		defer kill()
		dying := &crashing{Writer: db}
		first := &counter{afterCommit: func(_ *worker.Run, k int) {
			if k == 3 {
				dying.dead.Store(true)
				kill()
			}
		}}
		err := worker.New(dying, map[string]worker.Handler{"test.count": first}, options("w1", lease)).Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		left, err := db.FindTaskByID(context.Background(), org, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if left.State != roster.TaskRunning || left.LeaseOwner != "w1" || left.Checkpoint != 12 || !left.LeaseUntil.After(time.Now()) {
			t.Fatalf("after the crash: %+v, want running, leased to w1, checkpoint 12", left)
		}

		// The second takes it over once the lease expires, and resumes after row 12.
		second := &counter{}
		start(t, worker.New(db, map[string]worker.Handler{"test.count": second}, options("w2", lease)))
		got := waitFinal(t, db, task.ID)
		wantTask(t, got, roster.TaskCompleted, 40, 2)
		if got.LeaseOwner != "w2" || !got.StartedAt.Equal(left.StartedAt) {
			t.Fatalf("task = %+v, want finished by w2, started when first claimed", got)
		}
		checkApplied(t, db, task.ID, 40)
	})
}

// crashing is a store that a process reaches until it dies.
type crashing struct {
	roster.Writer
	dead atomic.Bool
}

func (c *crashing) Write(ctx context.Context, fn func(tx roster.Tx) error) error {
	if c.dead.Load() {
		return errors.New("the process is dead")
	}
	return c.Writer.Write(ctx, fn)
}

// TestStopReleases: a runner that stops finishes the chunk it is committing and releases the
// task, which a runner of another node takes over at once, not when the lease would expire,
// and completes with every row applied exactly once.
func TestStopReleases(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		dbs := nodes(t, engine, 2)
		// Longer than the test: only a release hands the task over in time.
		const lease = time.Hour
		task := createTask(t, dbs[0], "test.count", countParams{N: 40, Chunk: 4})

		// The stop comes while the third chunk is being committed.
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		first := &counter{inCommit: func(k int) {
			if k == 3 {
				stop()
			}
		}}
		if err := worker.New(dbs[0], map[string]worker.Handler{"test.count": first}, options("w1", lease)).Run(ctx); err != nil {
			t.Fatal(err)
		}
		left, err := dbs[0].FindTaskByID(context.Background(), org, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The third chunk is applied, and no fourth begun.
		if left.State != roster.TaskRunning || left.LeaseOwner != "w1" || left.Checkpoint != 12 || left.LeaseUntil.After(time.Now()) {
			t.Fatalf("after the stop: %+v, want running, checkpoint 12, lease ended", left)
		}
		checkApplied(t, dbs[0], task.ID, int(left.Checkpoint))

		second := &counter{}
		start(t, worker.New(dbs[1], map[string]worker.Handler{"test.count": second}, options("w2", lease)))
		got := waitFinal(t, dbs[1], task.ID)
		wantTask(t, got, roster.TaskCompleted, 40, 2)
		if got.LeaseOwner != "w2" || first.startsOf(task.ID) != 1 || second.startsOf(task.ID) != 1 {
			t.Fatalf("task = %+v, runs %d and %d; want finished by w2, one run each", got, first.startsOf(task.ID), second.startsOf(task.ID))
		}
		checkApplied(t, dbs[1], task.ID, 40)
	})
}

func TestTwoRunners(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		dbs := nodes(t, engine, 2)
		h := &counter{}
		handlers := map[string]worker.Handler{"test.count": h}
		var tasks []*roster.Task
		for range 8 {
			tasks = append(tasks, createTask(t, dbs[0], "test.count", countParams{N: 15, Chunk: 4}))
		}
		// Two nodes, each with two runners, as `roster serve` may start. The lease outlasts the
		// test: a heartbeat that waits for the writer on a loaded machine (or under -race) must
		// not hand a task to another runner, which would run it twice for a reason that is not
		// the one under test.
		for i, db := range []*sqldb.DB{dbs[0], dbs[0], dbs[1], dbs[1]} {
			start(t, worker.New(db, handlers, options(fmt.Sprintf("w%d", i), time.Minute)))
		}
		for _, task := range tasks {
			got := waitFinal(t, dbs[1], task.ID)
			wantTask(t, got, roster.TaskCompleted, 15, 1)
			if n := h.startsOf(task.ID); n != 1 {
				t.Fatalf("task %s ran %d times", task.ID, n)
			}
			checkApplied(t, dbs[0], task.ID, 15)
		}
	})
}

func TestCancel(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		db := nodes(t, engine, 1)[0]
		ctx := context.Background()
		cancel := func(id string) error {
			return db.Write(ctx, func(tx roster.Tx) error { return tx.RequestTaskCancel(ctx, org, id) })
		}
		// Canceled while queued: it never runs.
		h := &counter{afterCommit: func(r *worker.Run, k int) {
			if k == 2 {
				if err := cancel(r.Task().ID); err != nil {
					t.Error(err)
				}
			}
		}}
		queued := createTask(t, db, "test.count", countParams{N: 30, Chunk: 5})
		if err := cancel(queued.ID); err != nil {
			t.Fatal(err)
		}
		start(t, worker.New(db, map[string]worker.Handler{"test.count": h}, options("w1", time.Second)))
		got := waitFinal(t, db, queued.ID)
		wantTask(t, got, roster.TaskCanceled, 0, 1)
		if h.startsOf(queued.ID) != 0 {
			t.Fatal("a task canceled while queued ran")
		}

		// Canceled while running: it stops at the next commit, keeping what was applied.
		task := createTask(t, db, "test.count", countParams{N: 30, Chunk: 5})
		got = waitFinal(t, db, task.ID)
		wantTask(t, got, roster.TaskCanceled, 10, 1)
		checkApplied(t, db, task.ID, 10)
		wantCode(t, cancel(task.ID), roster.CodeConflict)
	})
}

func wantCode(t *testing.T, err error, want roster.Code) {
	t.Helper()
	if got := roster.ErrorCode(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		db := nodes(t, engine, 1)[0]
		handlers := map[string]worker.Handler{
			"test.fail": worker.HandlerFunc(func(context.Context, *worker.Run) error {
				return errors.New("dial tcp 10.0.0.7:25: secret detail")
			}),
			"test.panic": worker.HandlerFunc(func(context.Context, *worker.Run) error {
				panic("secret detail")
			}),
			"test.invalid": worker.HandlerFunc(func(context.Context, *worker.Run) error {
				return roster.Errorf(roster.CodeInvalid, "The file has no email column.")
			}),
			"test.toolarge": worker.HandlerFunc(func(context.Context, *worker.Run) error {
				return roster.Errorf(roster.CodeFileTooLarge, "The file is larger than 256 MiB.").With("Limit", 256)
			}),
			"test.rowerrors": worker.HandlerFunc(func(ctx context.Context, r *worker.Run) error {
				return r.Commit(ctx, nil, &worker.Commit{Done: 1, Counts: roster.TaskCounts{Errors: 1},
					Rows: []*roster.TaskRow{{Row: 1, Outcome: "error", Code: roster.CodeInvalid}}, Checkpoint: 1})
			}),
		}
		// One runner, so the tasks run in order and a panic is proven not to stop it.
		start(t, worker.New(db, handlers, options("w1", time.Second)))
		for _, tt := range []struct {
			kind   string
			state  roster.TaskState
			msg    string
			code   roster.Code
			params string // the error parameters as JSON
		}{
			{"test.fail", roster.TaskFailed, "An internal error occurred.", roster.CodeInternal, "null"},
			{"test.panic", roster.TaskFailed, "An internal error occurred.", roster.CodeInternal, "null"},
			{"test.invalid", roster.TaskFailed, "The file has no email column.", roster.CodeInvalid, "null"},
			{"test.toolarge", roster.TaskFailed, "The file is larger than 256 MiB.", roster.CodeFileTooLarge, `{"Limit":256}`},
			{"test.unknown", roster.TaskFailed, `No worker can run tasks of kind "test.unknown".`, roster.CodeInvalid, "null"},
			{"test.rowerrors", roster.TaskCompletedWithErrors, "", "", "null"},
		} {
			task := createTask(t, db, tt.kind, nil)
			got := waitFinal(t, db, task.ID)
			if got.State != tt.state || got.Error != tt.msg || strings.Contains(got.Error, "secret") {
				t.Errorf("%s: state %s, error %q; want %s, %q", tt.kind, got.State, got.Error, tt.state, tt.msg)
			}
			// The code and parameters come back from the database as they went in, so that a
			// reader's catalog can say why in their language.
			if params, _ := json.Marshal(got.ErrorParams); got.ErrorCode != tt.code || string(params) != tt.params {
				t.Errorf("%s: error code %q, parameters %s; want %q, %s", tt.kind, got.ErrorCode, params, tt.code, tt.params)
			}
		}
	})
}

func TestLeaseLost(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		db := nodes(t, engine, 1)[0]
		ctx := context.Background()
		got := make(chan error, 1)
		handlers := map[string]worker.Handler{"test.steal": worker.HandlerFunc(func(ctx context.Context, r *worker.Run) error {
			if err := r.Commit(ctx, nil, &worker.Commit{Done: 1, Checkpoint: 1}); err != nil {
				return err
			}
			// Another worker takes the task over, as if this one had stalled past its lease.
			err := db.Write(ctx, func(tx roster.Tx) error {
				_, err := tx.ClaimTask(ctx, "thief", time.Now().Add(time.Hour), time.Hour)
				return err
			})
			if err != nil {
				return err
			}
			err = r.Commit(ctx, nil, &worker.Commit{Done: 1, Checkpoint: 2})
			got <- err
			return err
		})}
		start(t, worker.New(db, handlers, options("w1", time.Second)))
		task := createTask(t, db, "test.steal", nil)
		if err := <-got; !errors.Is(err, worker.ErrLeaseLost) {
			t.Fatalf("commit after the takeover: %v, want ErrLeaseLost", err)
		}
		// The runner leaves the task to its new owner, as the fence left it.
		time.Sleep(50 * time.Millisecond)
		left, err := db.FindTaskByID(ctx, org, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if left.State != roster.TaskRunning || left.LeaseOwner != "thief" || left.Checkpoint != 1 || left.Attempts != 2 {
			t.Fatalf("task = %+v, want running, held by thief, checkpoint 1, attempt 2", left)
		}
	})
}

// TestCommitRenewsLease: a chunk that outlasts the heartbeat's interval must not lose its task
// to another worker, so every commit moves the end of the lease.
func TestCommitRenewsLease(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		db := nodes(t, engine, 1)[0]
		ctx := context.Background()
		const lease = time.Hour // the heartbeat does not run within the test
		var now atomic.Int64    // the runner's clock, moved by the handler
		now.Store(time.Now().UnixNano())
		clock := func() time.Time { return time.Unix(0, now.Load()) }
		done := make(chan time.Time, 1)
		handlers := map[string]worker.Handler{"test.renew": worker.HandlerFunc(func(ctx context.Context, r *worker.Run) error {
			now.Add(int64(40 * time.Minute)) // a long chunk
			err := r.Commit(ctx, nil, &worker.Commit{Done: 1, Checkpoint: 1})
			done <- clock()
			<-ctx.Done()
			return err
		})}
		opts := options("w1", lease)
		opts.Clock = clock
		start(t, worker.New(db, handlers, opts))
		task := createTask(t, db, "test.renew", nil)
		committed := <-done
		got, err := db.FindTaskByID(ctx, org, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := committed.Add(lease); got.LeaseUntil.Before(want.Add(-time.Second)) {
			t.Fatalf("lease until %s after a commit at %s, want %s", got.LeaseUntil, committed, want)
		}
	})
}

// A handler may keep its task's input file for after the task; the file goes all the same
// when the task fails.
func TestKeepFile(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		db := nodes(t, engine, 1)[0]
		ctx := context.Background()
		handlers := map[string]worker.Handler{
			"test.keep": worker.HandlerFunc(func(ctx context.Context, r *worker.Run) error {
				r.KeepFile()
				return nil
			}),
			"test.keepfail": worker.HandlerFunc(func(ctx context.Context, r *worker.Run) error {
				r.KeepFile()
				return roster.Errorf(roster.CodeInvalid, "The file has no email column.")
			}),
			"test.drop": worker.HandlerFunc(func(context.Context, *worker.Run) error { return nil }),
		}
		start(t, worker.New(db, handlers, options("w1", time.Second)))
		for _, tt := range []struct {
			kind string
			kept bool
		}{{"test.keep", true}, {"test.keepfail", false}, {"test.drop", false}} {
			// The task and its file in one transaction: no worker claims a task without its file.
			task := &roster.Task{ID: roster.NewID(), OrgID: org, Kind: tt.kind, Params: []byte("null"), CreatedBy: "test", CreatedAt: time.Now()}
			if err := db.Write(ctx, func(tx roster.Tx) error {
				if err := tx.CreateTaskFilePart(ctx, task.ID, 0, []byte("file")); err != nil {
					return err
				}
				return tx.CreateTask(ctx, task)
			}); err != nil {
				t.Fatal(err)
			}
			waitFinal(t, db, task.ID)
			_, err := db.FindTaskFilePart(ctx, task.ID, 0)
			if kept := err == nil; kept != tt.kept {
				t.Errorf("%s: file kept %v, want %v (%v)", tt.kind, kept, tt.kept, err)
			}
		}
	})
}

// lockOrder is a store that records, in each write transaction, whether the task row was read
// before the organization's: on PostgreSQL both reads lock their row.
type lockOrder struct {
	roster.Store
	mu        sync.Mutex
	commits   int // transactions that read both rows
	taskFirst int // of those, the ones that read the task first
}

func (s *lockOrder) Write(ctx context.Context, fn func(tx roster.Tx) error) error {
	rec := &orderTx{}
	return s.Store.Write(ctx, func(tx roster.Tx) error {
		rec.Tx = tx
		err := fn(rec)
		if err == nil && rec.org && rec.task {
			s.mu.Lock()
			s.commits++
			if rec.taskFirst {
				s.taskFirst++
			}
			s.mu.Unlock()
		}
		return err
	})
}

type orderTx struct {
	roster.Tx
	org, task, taskFirst bool
}

func (t *orderTx) FindOrgByID(ctx context.Context, id string) (*roster.Org, error) {
	t.org = true
	return t.Tx.FindOrgByID(ctx, id)
}

func (t *orderTx) FindTaskByID(ctx context.Context, orgID, id string) (*roster.Task, error) {
	if !t.org {
		t.taskFirst = true
	}
	t.task = true
	return t.Tx.FindTaskByID(ctx, orgID, id)
}

// TestCommitLocksOrgFirst checks the locking rule of docs/architecture.md for task commits: a
// commit changes the directory of the task's organization, so it locks the organization before
// the task row, as a request that cancels the task does; in the other order the two could wait
// on each other in a cycle.
func TestCommitLocksOrgFirst(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		db := nodes(t, engine, 1)[0]
		store := &lockOrder{Store: db}
		task := createTask(t, db, "test.count", countParams{N: 6, Chunk: 2})
		start(t, worker.New(store, map[string]worker.Handler{"test.count": &counter{}}, options("w1", time.Second)))
		if got := waitFinal(t, db, task.ID); got.State != roster.TaskCompleted {
			t.Fatalf("state %s, want completed", got.State)
		}
		store.mu.Lock()
		defer store.mu.Unlock()
		if store.commits != 3 || store.taskFirst != 0 {
			t.Errorf("%d commits read the organization and the task, %d of them the task first; want 3 and 0", store.commits, store.taskFirst)
		}
	})
}
