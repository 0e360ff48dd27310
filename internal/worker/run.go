package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"roster"
)

// Run is one execution of a task by a runner: what its handler sees.
type Run struct {
	runner *Runner
	task   *roster.Task
	// canceled is set when a Commit found the cancel flag, so the task ends canceled even if
	// the handler returns nil.
	canceled bool
	// keepFile is set by a handler whose input file serves after the task, such as a dry run's
	// file that a real run may take over.
	keepFile bool

	// stopping is the context of Runner.Run, done when the runner stops; cancel ends the
	// handler's context. mu guards committing, so that a stop cancels the handler only when no
	// commit is running (see stop).
	stopping   context.Context
	cancel     context.CancelCauseFunc
	mu         sync.Mutex
	committing bool
}

// stop asks the handler to return: at once when no commit is running, and otherwise as soon as
// the running one ends, which is applied as a whole. No commit begins once r.stopping is done.
func (r *Run) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.committing {
		r.cancel(ErrStopping)
	}
}

// beginCommit marks a commit as running, or returns ErrStopping when the runner is stopping.
func (r *Run) beginCommit() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopping.Err() != nil {
		return ErrStopping
	}
	r.committing = true
	return nil
}

// endCommit marks the commit as ended and passes on a stop that came during it.
func (r *Run) endCommit() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.committing = false
	if r.stopping.Err() != nil {
		r.cancel(ErrStopping)
	}
}

// KeepFile asks the runner to keep the task's input file when the task completes, instead of
// deleting it with the task's end: the file of an import's dry run, which the real import may
// take over. A task that fails or is canceled loses its file all the same.
func (r *Run) KeepFile() { r.keepFile = true }

// Task returns the task as of the last commit: at the start, as claimed, with the Checkpoint
// to resume after. The handler must not change it.
func (r *Run) Task() *roster.Task { return r.task }

// Owner returns the name the runner holds the lease under.
func (r *Run) Owner() string { return r.runner.opts.Owner }

// Commit is what one chunk of work adds to its task.
type Commit struct {
	// Done is added to the progress.
	Done int
	// Total replaces the total of the progress when it is greater than 0.
	Total int
	// Counts are added to the counts of the task.
	Counts roster.TaskCounts
	// Rows are added to the report; their TaskID is set by Commit.
	Rows []*roster.TaskRow
	// Checkpoint is the resume point after this chunk, stored as given.
	Checkpoint int64
	// Cursor is the key-order resume point after this chunk, stored as given.
	Cursor string
	// Summary replaces the summary of the task when it is not nil.
	Summary json.RawMessage
}

// Commit applies one chunk in one transaction: it checks that this runner still holds the task
// and that nobody asked to cancel it, runs apply (the handler's own changes, such as users and
// their audit entries; it may be nil), adds the report rows, progress and counts, and stores
// the checkpoint under the lease fence. Either all of it is applied or none. c is read after
// apply returns, so apply may fill it in from what it found in the transaction.
//
// It returns ErrCanceled when the task was asked to stop, ErrLeaseLost when another runner
// took it over, and ErrStopping when this runner is stopping; in all three cases the handler
// must return. An error of apply is returned as is. A commit that began before the runner
// stopped runs to its end.
func (r *Run) Commit(ctx context.Context, apply func(tx roster.Tx) error, c *Commit) error {
	if err := r.beginCommit(); err != nil {
		return err
	}
	defer r.endCommit()
	owner := r.runner.opts.Owner
	var saved *roster.Task
	err := r.runner.store.Write(ctx, func(tx roster.Tx) error {
		// A chunk changes the directory of the task's organization, and every directory write
		// locks the organization before any other row (docs/architecture.md): a commit that
		// locked the task first would wait in a cycle with a request that cancels the task.
		if r.task.OrgID != "" {
			if _, err := tx.FindOrgByID(ctx, r.task.OrgID); err != nil {
				return err
			}
		}
		// Read again, and on PostgreSQL lock: the lease or the cancel flag may have changed
		// since the last commit.
		t, err := tx.FindTaskByID(ctx, r.task.OrgID, r.task.ID)
		if err != nil {
			return err
		}
		if t.State != roster.TaskRunning || t.LeaseOwner != owner {
			return ErrLeaseLost
		}
		if t.CancelRequested {
			return ErrCanceled
		}
		if apply != nil {
			if err := apply(tx); err != nil {
				return err
			}
		}
		for _, row := range c.Rows {
			row.TaskID = t.ID
		}
		if err := tx.CreateTaskRows(ctx, c.Rows); err != nil {
			return fmt.Errorf("report rows: %w", err)
		}
		t.Progress.Done += c.Done
		if c.Total > 0 {
			t.Progress.Total = c.Total
		}
		t.Counts.Add(c.Counts)
		t.Checkpoint, t.Cursor = c.Checkpoint, c.Cursor
		// Every commit renews the lease: a heartbeat waits for the write transaction of a
		// long chunk and may come late, and a lease that lapses between two chunks hands the
		// task to another worker, which must then read the input again up to the checkpoint.
		t.LeaseUntil = r.runner.now().Add(r.runner.opts.Lease)
		if c.Summary != nil {
			t.Summary = c.Summary
		}
		if err := tx.SaveTask(ctx, t, owner); err != nil {
			if roster.ErrorCode(err) == roster.CodeConflict {
				return ErrLeaseLost
			}
			return err
		}
		saved = t
		return nil
	})
	switch {
	case err == nil:
		r.task = saved
		r.runner.opts.Observer.TaskProgressed(saved.Kind, c.Done)
	case errors.Is(err, ErrCanceled):
		r.canceled = true
	}
	return err
}
