// Package worker runs the background tasks of the store: it claims a task, keeps its lease
// alive with heartbeats, hands it to the handler of its kind, and records how it ended. A task
// whose worker died is taken over by another once its lease expires, and its handler resumes
// from the last checkpoint; the lease fence of roster.Tx.SaveTask, checked in the same
// transaction as every chunk of changes, makes sure no chunk is ever applied twice. A worker
// that stops on purpose does not make the others wait for its lease: it finishes the chunk it
// is committing and releases the task, which another worker takes over at once.
package worker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"roster"
)

// Handler runs the tasks of one kind. Run does the work in chunks, each through r.Commit,
// starting after r.Task().Checkpoint, and returns nil when everything is done. It must return
// as soon as ctx is done or Commit fails: the task may have been taken over or canceled.
type Handler interface {
	Run(ctx context.Context, r *Run) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, r *Run) error

// Run calls f.
func (f HandlerFunc) Run(ctx context.Context, r *Run) error { return f(ctx, r) }

// ErrCanceled is returned by Run.Commit when the task was asked to stop. Nothing of that
// commit was applied; the handler should return it, and the task ends canceled.
var ErrCanceled = errors.New("worker: the task was canceled")

// ErrLeaseLost is returned by Run.Commit, and is the cause of the handler's context, when this
// worker no longer holds the task: its lease expired and another worker took it over, which
// will resume it. Nothing of that commit was applied.
var ErrLeaseLost = errors.New("worker: the lease of the task was lost")

// ErrStopping is returned by Run.Commit, and is the cause of the handler's context, when the
// runner stops (the context of Runner.Run is done). Nothing of that commit was applied; the
// handler must return, and the runner releases the task to another, which resumes it.
var ErrStopping = errors.New("worker: the worker is stopping")

// releaseTimeout bounds the release of a task by a stopping runner: past it the task waits for
// its lease instead.
const releaseTimeout = 5 * time.Second

// Options configures a Runner. Zero values take the defaults.
type Options struct {
	// Owner names this runner in the leases it holds; default hostname, pid and a random
	// suffix, so that two runners of one process are two owners.
	Owner string
	// Lease is how long a claimed task stays with this runner without a heartbeat; a task of
	// a dead runner is taken over after at most this long. Default 30s.
	Lease time.Duration
	// Poll is how long the runner waits before looking again when there is no task. Default
	// 500ms.
	Poll time.Duration
	// Logger receives the internal errors that the tasks only record as a safe message.
	// Default slog.Default().
	Logger *slog.Logger
	// Clock reads the time (tests). Default time.Now.
	Clock func() time.Time
	// Observer is told when tasks start and end (the metrics of internal/metrics). Default
	// none.
	Observer Observer
}

// Observer watches the tasks a Runner runs. Its methods must return at once: they are called
// on the runner's own goroutine.
type Observer interface {
	// TaskStarted is called when the runner begins a run of a task it claimed: a first run,
	// or one that resumes a task taken over after a lost lease.
	TaskStarted(kind string)
	// TaskFinished is called once the end of a task is recorded, with its final state and
	// the time since this run began.
	TaskFinished(kind string, state roster.TaskState, took time.Duration)
	// TaskProgressed is called after each chunk a task commits, with the rows (units of
	// work) the chunk added to the task's progress.
	TaskProgressed(kind string, done int)
}

// noObserver is the Observer of a Runner given none.
type noObserver struct{}

func (noObserver) TaskStarted(string)                                   {}
func (noObserver) TaskFinished(string, roster.TaskState, time.Duration) {}
func (noObserver) TaskProgressed(string, int)                           {}

// Runner claims tasks from a store and runs them one at a time. A process may run several.
type Runner struct {
	store    roster.Writer
	handlers map[string]Handler
	opts     Options
	log      *slog.Logger
}

// New returns a Runner of the tasks of store, each run by the handler of its kind in handlers.
// It claims every task: one whose kind has no handler fails, as no node could run it.
//
// A Runner needs only write transactions of the store: in them it locks the organization and
// claims, fences and saves tasks (roster.OrgReader, roster.TaskReader, roster.TaskTx), and it
// hands the same transaction to the handler's apply in Run.Commit, which may change anything.
func New(store roster.Writer, handlers map[string]Handler, opts Options) *Runner {
	if opts.Owner == "" {
		opts.Owner = defaultOwner()
	}
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	if opts.Poll <= 0 {
		opts.Poll = 500 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Observer == nil {
		opts.Observer = noObserver{}
	}
	return &Runner{
		store:    store,
		handlers: handlers,
		opts:     opts,
		log:      opts.Logger.With("worker", opts.Owner),
	}
}

func defaultOwner() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Owner returns the name this runner holds leases under.
func (r *Runner) Owner() string { return r.opts.Owner }

func (r *Runner) now() time.Time { return r.opts.Clock().UTC() }

// Run claims and runs tasks until ctx is done, and then returns nil. A task it is running when
// ctx is done stops after the chunk being committed, if any (see ErrStopping), and its lease is
// released: another runner takes it over at once and resumes it from its checkpoint. A runner
// that dies instead, or cannot reach the database to release, leaves the task to its lease,
// which another runner takes over once it expires; either way no work is lost or done twice.
// Run returns once the task is released or recorded, which may be after ctx is done: the
// caller bounds how long it waits.
func (r *Runner) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		task, err := r.claim(ctx)
		switch {
		case err == nil:
			r.execute(ctx, task)
			continue // look for the next task at once
		case ctx.Err() != nil:
		case roster.ErrorCode(err) != roster.CodeNotFound:
			// The database may be away for a moment: try again after the poll interval.
			r.log.Error("claim task", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(r.opts.Poll):
		}
	}
	return nil
}

func (r *Runner) claim(ctx context.Context) (*roster.Task, error) {
	var task *roster.Task
	err := r.store.Write(ctx, func(tx roster.Tx) error {
		var err error
		task, err = tx.ClaimTask(ctx, r.opts.Owner, r.now(), r.opts.Lease)
		return err
	})
	return task, err
}

// execute runs one claimed task to its end, or until ctx is done or the lease is lost.
func (r *Runner) execute(ctx context.Context, task *roster.Task) {
	log := r.log.With("task", task.ID, "kind", task.Kind, "org", task.OrgID, "attempt", task.Attempts)
	run := &Run{runner: r, task: task}
	started := r.now()
	r.opts.Observer.TaskStarted(task.Kind)

	var err error
	h, ok := r.handlers[task.Kind]
	switch {
	case !ok:
		err = roster.Errorf(roster.CodeInvalid, "No worker can run tasks of kind %q.", task.Kind)
	case task.CancelRequested:
		// Canceled while it waited, or between the last commit and a takeover.
		err = ErrCanceled
	default:
		log.Info("task started", "checkpoint", task.Checkpoint)
		// A stop does not cancel the handler's context by itself: run.stop does it between
		// two commits, so that the chunk being committed is applied rather than rolled back.
		hctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
		run.stopping, run.cancel = ctx, cancel
		stopWatch := context.AfterFunc(ctx, run.stop)
		beat := make(chan struct{})
		go func() {
			defer close(beat)
			r.heartbeat(hctx, cancel, task.ID, log)
		}()
		err = callHandler(hctx, h, run)
		stopWatch()
		cause := context.Cause(hctx)
		cancel(nil)
		<-beat
		if errors.Is(cause, ErrLeaseLost) || errors.Is(err, ErrLeaseLost) {
			log.Warn("task taken over by another worker", "checkpoint", run.task.Checkpoint)
			return
		}
		// A handler that returned nil finished its task, stop or not. One that returned an
		// error while the runner stops was stopped, whatever its error says (ErrStopping, or
		// that of what the stop cut short, as the handler may have wrapped it): the runner
		// that resumes the task meets a real failure again.
		if err != nil && !run.canceled && ctx.Err() != nil {
			r.release(ctx, run.task, log)
			return
		}
	}
	if run.canceled {
		err = ErrCanceled
	}
	// The end is recorded even when the runner is stopping meanwhile.
	state, err := r.finish(context.WithoutCancel(ctx), run.task, err, run.keepFile, log)
	if err != nil {
		// The lease expires and another runner takes the task over; the fence keeps the
		// work applied exactly once.
		log.Error("record end of task", "err", err)
		return
	}
	r.opts.Observer.TaskFinished(task.Kind, state, r.now().Sub(started))
}

// release ends the lease of a task this runner stops running, so that another runner takes it
// over at once instead of when the lease would have expired.
func (r *Runner) release(ctx context.Context, task *roster.Task, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	err := r.store.Write(ctx, func(tx roster.Tx) error {
		_, err := tx.ReleaseTasks(ctx, r.opts.Owner, r.now())
		return err
	})
	if err != nil {
		log.Error("release task, left to its lease", "checkpoint", task.Checkpoint, "err", err)
		return
	}
	log.Info("task released to another worker", "checkpoint", task.Checkpoint)
}

// callHandler runs the handler and turns a panic into an error, so that one bad task cannot
// take the process, and the other tasks of the node, down with it.
func callHandler(ctx context.Context, h Handler, run *Run) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("handler panic: %v\n%s", v, debug.Stack())
		}
	}()
	return h.Run(ctx, run)
}

// heartbeat extends the lease every third of its length, until ctx is done. When the lease is
// lost, to another runner or by failing to extend it in time, it cancels the handler.
func (r *Runner) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, id string, log *slog.Logger) {
	held := r.now().Add(r.opts.Lease)
	tick := time.NewTicker(r.opts.Lease / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var until time.Time
		err := r.store.Write(ctx, func(tx roster.Tx) error {
			// Read the clock once the transaction has begun: it may have waited for a
			// commit of the task itself, and a lease computed before would be short.
			until = r.now().Add(r.opts.Lease)
			return tx.ExtendLease(ctx, id, r.opts.Owner, until)
		})
		switch {
		case err == nil:
			held = until
		case ctx.Err() != nil:
			return
		case roster.ErrorCode(err) == roster.CodeConflict || roster.ErrorCode(err) == roster.CodeNotFound:
			cancel(ErrLeaseLost)
			return
		case !r.now().Before(held):
			// Another runner may have the task by now; stop before its commits and ours
			// contend. Ours would fail the fence anyway.
			log.Error("extend lease", "err", err)
			cancel(ErrLeaseLost)
			return
		default:
			log.Warn("extend lease, will retry", "err", err)
		}
	}
}

// finish records the end of a task: completed when err is nil, canceled for ErrCanceled, and
// failed otherwise, with a message safe for clients; the real error goes to the log. The input
// file goes with the run, unless the handler asked to keep it and the task completed. It
// returns the final state it recorded.
func (r *Runner) finish(ctx context.Context, task *roster.Task, err error, keepFile bool, log *slog.Logger) (roster.TaskState, error) {
	state, msg, code, params := roster.TaskCompleted, "", roster.Code(""), map[string]any(nil)
	var final roster.TaskState
	switch {
	case err == nil:
	case errors.Is(err, ErrCanceled):
		state = roster.TaskCanceled
	default:
		state, msg, code, params = roster.TaskFailed, roster.ErrorMessage(err), roster.ErrorCode(err), roster.ErrorParams(err)
		if code == roster.CodeInternal {
			log.Error("task failed", "err", err)
		}
	}
	err = r.store.Write(ctx, func(tx roster.Tx) error {
		t, err := tx.FindTaskByID(ctx, task.OrgID, task.ID)
		if err != nil {
			return err
		}
		t.State, t.Error, t.ErrorCode, t.ErrorParams, t.FinishedAt = state, msg, code, params, r.now()
		if state == roster.TaskCompleted && t.Counts.Errors > 0 {
			t.State = roster.TaskCompletedWithErrors
		}
		final = t.State
		if err := tx.SaveTask(ctx, t, r.opts.Owner); err != nil {
			return err
		}
		if keepFile && state == roster.TaskCompleted {
			log.Info("task finished, input file kept", "state", t.State, "done", t.Progress.Done, "total", t.Progress.Total)
			return nil
		}
		// The input file served the task's run only; the report and the audit log remain.
		if err := tx.DeleteTaskFile(ctx, t.ID); err != nil {
			return err
		}
		log.Info("task finished", "state", t.State, "done", t.Progress.Done, "total", t.Progress.Total)
		return nil
	})
	return final, err
}
