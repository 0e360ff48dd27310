package sqldb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"roster"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

func newTask(orgID, kind string, created time.Time) *roster.Task {
	return &roster.Task{
		ID: roster.NewID(), OrgID: orgID, Kind: kind, State: roster.TaskQueued,
		Params: json.RawMessage(`{"mode": "add"}`), CreatedBy: "tok1", CreatedAt: created,
	}
}

func mustCreateTasks(t testing.TB, db *sqldb.DB, tasks ...*roster.Task) {
	t.Helper()
	write(t, db, func(tx roster.Tx) error {
		for _, task := range tasks {
			if err := tx.CreateTask(context.Background(), task); err != nil {
				return err
			}
		}
		return nil
	})
}

func claim(db *sqldb.DB, owner string, now time.Time, lease time.Duration) (*roster.Task, error) {
	var task *roster.Task
	err := db.Write(context.Background(), func(tx roster.Tx) error {
		var err error
		task, err = tx.ClaimTask(context.Background(), owner, now, lease)
		return err
	})
	return task, err
}

func TestTaskRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		task := newTask("org1", "users.import", at)
		task.Progress = roster.TaskProgress{Done: 3, Total: 10}
		task.Counts = roster.TaskCounts{Created: 1, Updated: 2, Unchanged: 3, Warnings: 4, Errors: 5}
		task.Checkpoint = 1 << 40
		mustCreateTasks(t, db, task)
		got, err := db.FindTaskByID(ctx, "org1", task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(t, got.Params, task.Params) {
			t.Fatalf("params %s, want %s", got.Params, task.Params)
		}
		got.Params = task.Params
		wantEqual(t, got, task)

		_, err = db.FindTaskByID(ctx, "org2", task.ID)
		wantCode(t, err, roster.CodeNotFound)
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.CreateTask(ctx, task) })
		wantCode(t, err, roster.CodeConflict)
	})
}

func TestClaimTask(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		base := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
		// Created in another order than their ids: the claim goes by creation time.
		t3 := newTask("org1", "k", base.Add(2*time.Second))
		t1 := newTask("org1", "k", base)
		t2 := newTask("org2", "k", base.Add(time.Second))
		done := newTask("org1", "k", base.Add(-time.Hour))
		done.State = roster.TaskCompleted
		mustCreateTasks(t, db, t3, t1, t2, done)

		now, lease := base.Add(10*time.Second), 30*time.Second
		for i, want := range []*roster.Task{t1, t2, t3} {
			got, err := claim(db, fmt.Sprintf("w%d", i), now, lease)
			if err != nil {
				t.Fatalf("claim %d: %v", i, err)
			}
			if got.ID != want.ID || got.State != roster.TaskRunning || got.Attempts != 1 ||
				got.LeaseOwner != fmt.Sprintf("w%d", i) || !got.LeaseUntil.Equal(now.Add(lease)) ||
				!got.StartedAt.Equal(now) {
				t.Fatalf("claim %d = %+v, want task %s running, leased to w%d", i, got, want.ID, i)
			}
		}
		_, err := claim(db, "w9", now, lease)
		wantCode(t, err, roster.CodeNotFound)

		// The lease of w0 expires: another worker takes its task over, the oldest first.
		later := now.Add(lease + time.Second)
		got, err := claim(db, "w9", later, lease)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != t1.ID || got.Attempts != 2 || got.LeaseOwner != "w9" || !got.StartedAt.Equal(now) {
			t.Fatalf("takeover = %+v, want %s by w9, attempt 2, started at %v", got, t1.ID, now)
		}

		// The former owner is fenced off.
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.ExtendLease(ctx, t1.ID, "w0", later.Add(lease)) })
		wantCode(t, err, roster.CodeConflict)
		stale := *got
		stale.Progress.Done = 99
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.SaveTask(ctx, &stale, "w0") })
		wantCode(t, err, roster.CodeConflict)
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.ExtendLease(ctx, roster.NewID(), "w0", later) })
		wantCode(t, err, roster.CodeNotFound)

		// The new owner extends and saves.
		until := later.Add(2 * lease)
		write(t, db, func(tx roster.Tx) error { return tx.ExtendLease(ctx, t1.ID, "w9", until) })
		got.Progress = roster.TaskProgress{Done: 5, Total: 10}
		got.Counts.Created = 5
		got.Checkpoint, got.Cursor = 5, "m@example.com"
		got.LeaseUntil = until // SaveTask writes the lease as given, as the worker's commits renew it
		write(t, db, func(tx roster.Tx) error { return tx.SaveTask(ctx, got, "w9") })
		saved, err := db.FindTaskByID(ctx, "org1", t1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if saved.Progress != got.Progress || saved.Counts != got.Counts || saved.Checkpoint != 5 || saved.Cursor != "m@example.com" ||
			!saved.LeaseUntil.Equal(until) {
			t.Fatalf("saved %+v, want progress, counts, checkpoint and lease of %+v", saved, got)
		}

		// A finished task is never claimed again, nor saved again.
		got.State, got.FinishedAt = roster.TaskCompleted, later
		write(t, db, func(tx roster.Tx) error { return tx.SaveTask(ctx, got, "w9") })
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.SaveTask(ctx, got, "w9") })
		wantCode(t, err, roster.CodeConflict)
		far := later.Add(time.Hour)
		for _, want := range []string{t2.ID, t3.ID} {
			got, err := claim(db, "w10", far, lease)
			if err != nil || got.ID != want {
				t.Fatalf("claim after expiry = %+v, %v; want %s", got, err, want)
			}
		}
		_, err = claim(db, "w11", far, lease)
		wantCode(t, err, roster.CodeNotFound)
	})
}

func TestTaskRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		task, other := newTask("org1", "k", at), newTask("org1", "k", at)
		mustCreateTasks(t, db, task, other)
		var rows []*roster.TaskRow
		// More than a multi-row statement carries.
		for i := 1; i <= 250; i++ {
			rows = append(rows, &roster.TaskRow{TaskID: task.ID, Row: i, Email: fmt.Sprintf("u%d@example.com", i),
				Outcome: "created"})
		}
		rows[9].Outcome, rows[9].Code, rows[9].Message = "error", roster.CodeInvalid, "Bad email."
		rows[10].Outcome, rows[10].Code, rows[10].Column = "error", roster.CodeInvalid, "Phone Number"
		rows[10].Params = map[string]string{"Field": "phoneNumber", "Reason": `a "quoted" {reason}`}
		rows[11].Outcome, rows[11].Code, rows[11].Column = "error", "csv_invalid_boolean", "Contact Center Premium Agent"
		write(t, db, func(tx roster.Tx) error { return tx.CreateTaskRows(ctx, rows) })
		// The same row numbers in another task are other rows.
		write(t, db, func(tx roster.Tx) error {
			return tx.CreateTaskRows(ctx, []*roster.TaskRow{{TaskID: other.ID, Row: 5, Outcome: "created"}})
		})

		// A row is never reported twice.
		err := db.Write(ctx, func(tx roster.Tx) error {
			return tx.CreateTaskRows(ctx, []*roster.TaskRow{{TaskID: task.ID, Row: 251}, {TaskID: task.ID, Row: 5}})
		})
		wantCode(t, err, roster.CodeConflict)

		var all []*roster.TaskRow
		after := 0
		for {
			page, err := db.FindTaskRows(ctx, task.ID, after, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			all = append(all, page...)
			after = page[len(page)-1].Row
		}
		wantEqual(t, all, rows)
	})
}

func TestTaskCancelAndLists(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		var tasks []*roster.Task
		for i := range 5 {
			kind := "users.import"
			if i%2 == 1 {
				kind = "users.revert"
			}
			tasks = append(tasks, newTask("org1", kind, at.Add(time.Duration(i)*time.Second)))
		}
		tasks[0].State, tasks[1].State = roster.TaskCompleted, roster.TaskFailed
		beta := newTask("org2", "users.import", at)
		mustCreateTasks(t, db, append(tasks, beta)...)

		// Newest first, by pages.
		var ids []string
		f := roster.TaskFilter{OrgID: "org1", Limit: 2}
		for {
			page, err := db.FindTasks(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, task := range page.Tasks {
				ids = append(ids, task.ID)
			}
			if page.Next == "" {
				break
			}
			f.Before = page.Next
		}
		wantEqual(t, ids, []string{tasks[4].ID, tasks[3].ID, tasks[2].ID, tasks[1].ID, tasks[0].ID})
		for _, tt := range []struct {
			f    roster.TaskFilter
			want []string
		}{
			{roster.TaskFilter{OrgID: "org1", Kind: "users.revert"}, []string{tasks[3].ID, tasks[1].ID}},
			{roster.TaskFilter{OrgID: "org1", State: roster.TaskQueued, Kind: "users.import"}, []string{tasks[4].ID, tasks[2].ID}},
			{roster.TaskFilter{OrgID: "org2"}, []string{beta.ID}},
			{roster.TaskFilter{OrgID: "org3"}, nil},
		} {
			page, err := db.FindTasks(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, task := range page.Tasks {
				got = append(got, task.ID)
			}
			wantEqual(t, got, tt.want)
		}

		// The oldest active task of a kind.
		active, err := db.FindActiveTask(ctx, "org1", "users.import")
		if err != nil || active.ID != tasks[2].ID {
			t.Fatalf("active import = %+v, %v; want %s", active, err, tasks[2].ID)
		}
		_, err = db.FindActiveTask(ctx, "org3", "users.import")
		wantCode(t, err, roster.CodeNotFound)

		// Cancel sets the flag of an active task of the organization only.
		write(t, db, func(tx roster.Tx) error { return tx.RequestTaskCancel(ctx, "org1", tasks[2].ID) })
		got, err := db.FindTaskByID(ctx, "org1", tasks[2].ID)
		if err != nil || !got.CancelRequested || got.State != roster.TaskQueued {
			t.Fatalf("after cancel: %+v, %v", got, err)
		}
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.RequestTaskCancel(ctx, "org2", tasks[2].ID) })
		wantCode(t, err, roster.CodeNotFound)
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.RequestTaskCancel(ctx, "org1", tasks[0].ID) })
		wantCode(t, err, roster.CodeConflict)
		other, err := db.FindTaskByID(ctx, "org1", tasks[4].ID)
		if err != nil || other.CancelRequested {
			t.Fatalf("another task: %+v, %v", other, err)
		}
	})
}

func TestClaimTaskConcurrently(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			// Several nodes claim from one database at once: each task goes to exactly one.
			cfg := sqldbtest.Config(t, engine)
			nodes := make([]*sqldb.DB, 4)
			for i := range nodes {
				nodes[i] = sqldbtest.OpenConfig(t, cfg)
			}
			if err := nodes[0].Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			const n = 40
			var tasks []*roster.Task
			for i := range n {
				tasks = append(tasks, newTask("org1", "k", at.Add(time.Duration(i)*time.Millisecond)))
			}
			mustCreateTasks(t, nodes[0], tasks...)

			var mu sync.Mutex
			claimed := make(map[string]int)
			var wg sync.WaitGroup
			errs := make([]error, len(nodes))
			for i, db := range nodes {
				wg.Go(func() {
					for {
						task, err := claim(db, fmt.Sprintf("w%d", i), at.Add(time.Minute), time.Hour)
						if roster.ErrorCode(err) == roster.CodeNotFound {
							return
						}
						if err != nil {
							errs[i] = err
							return
						}
						mu.Lock()
						claimed[task.ID]++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			if len(claimed) != n {
				t.Fatalf("%d tasks claimed, want %d", len(claimed), n)
			}
			for id, c := range claimed {
				if c != 1 {
					t.Fatalf("task %s claimed %d times", id, c)
				}
			}
		})
	}
}

func TestTaskFileMoveAndKeep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		dry := newTask("org1", "users.import", at)
		dry.State = roster.TaskCompleted
		real := newTask("org1", "users.import", at.Add(time.Second))
		old := newTask("org1", "users.import", at.Add(-time.Hour))
		old.State = roster.TaskCompleted
		active := newTask("org1", "users.import", at.Add(2*time.Second))
		otherKind := newTask("org1", "agents.upload", at)
		otherKind.State = roster.TaskCompleted
		otherOrg := newTask("org2", "users.import", at)
		otherOrg.State = roster.TaskCompleted
		mustCreateTasks(t, db, dry, real, old, active, otherKind, otherOrg)
		write(t, db, func(tx roster.Tx) error {
			for _, task := range []*roster.Task{dry, old, active, otherKind, otherOrg} {
				for part := range 2 {
					if err := tx.CreateTaskFilePart(ctx, task.ID, part, []byte(fmt.Sprintf("%s-%d", task.ID, part))); err != nil {
						return err
					}
				}
			}
			return nil
		})
		var moved int
		write(t, db, func(tx roster.Tx) error {
			var err error
			moved, err = tx.MoveTaskFile(ctx, dry.ID, real.ID)
			return err
		})
		if moved != 2 {
			t.Fatalf("moved %d parts, want 2", moved)
		}
		for part := range 2 {
			data, err := db.FindTaskFilePart(ctx, real.ID, part)
			if err != nil || string(data) != fmt.Sprintf("%s-%d", dry.ID, part) {
				t.Fatalf("part %d of the moved file: %q, %v", part, data, err)
			}
		}
		if _, err := db.FindTaskFilePart(ctx, dry.ID, 0); roster.ErrorCode(err) != roster.CodeNotFound {
			t.Fatalf("the dry run still has its file: %v", err)
		}
		write(t, db, func(tx roster.Tx) error {
			var err error
			moved, err = tx.MoveTaskFile(ctx, dry.ID, real.ID)
			return err
		})
		if moved != 0 {
			t.Fatalf("moved %d parts of a file that is gone", moved)
		}

		write(t, db, func(tx roster.Tx) error { return tx.DeleteFinishedTaskFiles(ctx, "org1", "users.import") })
		for _, c := range []struct {
			task *roster.Task
			kept bool
		}{{old, false}, {active, true}, {real, true}, {otherKind, true}, {otherOrg, true}} {
			_, err := db.FindTaskFilePart(ctx, c.task.ID, 0)
			if kept := err == nil; kept != c.kept {
				t.Errorf("task %s %s: file kept %v, want %v (%v)", c.task.Kind, c.task.State, kept, c.kept, err)
			}
		}
	})
}
