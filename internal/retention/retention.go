// Package retention removes what Roster keeps only for a while: the input files finished tasks
// kept, finished tasks and their reports, sent and failed emails, expired sessions, sign-in
// failures and invitations, failed deliveries of deleted users, and, when asked, old audit
// entries. A Sweeper runs in every node; the store lets sweeps of several nodes share the work
// (roster.RetentionTx).
package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"roster"
)

// Policy says how long each kind of record is kept. An age of 0 keeps that kind forever.
type Policy struct {
	// Files is how long a finished task keeps its input file (a dry run's, for the real
	// import that takes it) after the task ended.
	Files time.Duration
	// Tasks is how long a finished task, with its report, is kept after it ended.
	Tasks time.Duration
	// Emails is how long a sent or finally failed email is kept after it was queued.
	Emails time.Duration
	// Audit is how long an audit entry is kept.
	Audit time.Duration
	// SessionIdle is how long an unused console session lasts, and SignInWindow how long a
	// failed sign-in counts (provision.SessionIdle and provision.SignInWindow): past those,
	// they serve nothing.
	SessionIdle, SignInWindow time.Duration
}

// DeletedUserSyncKept is how long a failed delivery of a user deleted since is kept after its
// last attempt: long enough for the alert on failed deliveries to fire and an administrator to
// see it, after which it would keep the alert on for a user that no longer exists.
const DeletedUserSyncKept = 24 * time.Hour

// cutoffs returns, for each kind to sweep now, the time before which its records go.
func (p Policy) cutoffs(now time.Time) map[roster.RetentionKind]time.Time {
	c := map[roster.RetentionKind]time.Time{
		roster.RetainSyncJobs:    now.Add(-DeletedUserSyncKept),
		roster.RetainInvitations: now,
	}
	keep := func(kind roster.RetentionKind, age time.Duration) {
		if age > 0 {
			c[kind] = now.Add(-age)
		}
	}
	keep(roster.RetainTaskFiles, p.Files)
	keep(roster.RetainTaskReports, p.Tasks)
	keep(roster.RetainTasks, p.Tasks)
	keep(roster.RetainEmails, p.Emails)
	keep(roster.RetainAudit, p.Audit)
	keep(roster.RetainSessions, p.SessionIdle)
	keep(roster.RetainSignInFailures, p.SignInWindow)
	// A task takes its file along, but in the transaction that removes the task: files that
	// outlive tasks by policy go first, a batch of files at a time, to keep that one small.
	if tasks, ok := c[roster.RetainTasks]; ok {
		if files, ok := c[roster.RetainTaskFiles]; !ok || tasks.After(files) {
			c[roster.RetainTaskFiles] = tasks
		}
	}
	return c
}

// Options tune a Sweeper; the zero value of each field takes its default.
type Options struct {
	Logger *slog.Logger
	// Every is the time between sweeps (10 minutes); the first begins FirstAfter (1 minute)
	// after Run, when the start of the node is over.
	Every, FirstAfter time.Duration
	// FoldEvery is the time between two folds of the store's counters (1 minute) besides the
	// one each sweep begins with: an import on PostgreSQL appends about 2,000 rows of counts
	// a 100,000 users, which every read of a count sums until they are folded.
	FoldEvery time.Duration
	// Batch is how many records one transaction removes (500), and Pause the rest between two
	// transactions (50 ms; none when negative), so that a sweep never keeps writers waiting
	// long: on SQLite every write of the node queues behind the one writer. Input files go
	// FileBatch (16) parts a transaction: a part is roster.TaskFilePartSize (1 MiB).
	Batch, FileBatch int
	Pause            time.Duration
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Sweeper removes what has served its time, in batches.
type Sweeper struct {
	store  roster.Writer
	policy Policy
	opts   Options
}

// New returns a Sweeper of store that keeps what policy says.
func New(store roster.Writer, policy Policy, opts Options) *Sweeper {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Every <= 0 {
		opts.Every = 10 * time.Minute
	}
	if opts.FirstAfter <= 0 {
		opts.FirstAfter = time.Minute
	}
	if opts.FoldEvery <= 0 {
		opts.FoldEvery = time.Minute
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.FileBatch <= 0 {
		opts.FileBatch = 16
	}
	if opts.Pause < 0 {
		opts.Pause = 0
	} else if opts.Pause == 0 {
		opts.Pause = 50 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Sweeper{store: store, policy: policy, opts: opts}
}

// Run sweeps FirstAfter after it starts and then every Every, and folds the store's counters
// every FoldEvery, until ctx ends. A sweep or a fold that fails is logged and tried again at
// the next; Run returns only when ctx ends.
func (s *Sweeper) Run(ctx context.Context) error {
	timer := time.NewTimer(s.opts.FirstAfter)
	defer timer.Stop()
	fold := time.NewTicker(s.opts.FoldEvery)
	defer fold.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-fold.C:
			if err := s.foldCounts(ctx); err != nil && ctx.Err() == nil {
				s.opts.Logger.Error("retention fold counters", "err", err)
			}
		case <-timer.C:
			if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.opts.Logger.Error("retention sweep", "err", err)
			}
			timer.Reset(s.opts.Every)
		}
	}
}

func (s *Sweeper) foldCounts(ctx context.Context) error {
	return s.store.Write(ctx, func(tx roster.Tx) error { return tx.FoldCounts(ctx) })
}

// Removed counts the records one sweep removed, by kind.
type Removed map[roster.RetentionKind]int

// Sweep folds the store's counters (roster.RetentionTx.FoldCounts), then removes every record
// past its time now, and logs one line of what it removed when it removed anything. A kind
// that fails is left for the next sweep, and the others still swept.
func (s *Sweeper) Sweep(ctx context.Context) (Removed, error) {
	began := time.Now()
	cutoffs := s.policy.cutoffs(s.opts.Now())
	removed := Removed{}
	var errs []error
	if err := s.foldCounts(ctx); err != nil {
		errs = append(errs, fmt.Errorf("fold counters: %w", err))
	}
	for _, kind := range roster.RetentionKinds {
		before, ok := cutoffs[kind]
		if !ok {
			continue
		}
		n, err := s.sweep(ctx, kind, before)
		if n > 0 {
			removed[kind] = n
		}
		if err != nil {
			if ctx.Err() != nil {
				return removed, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("%s: %w", kind, err))
		}
	}
	if len(removed) > 0 {
		attrs := []any{"duration", time.Since(began).Round(time.Millisecond)}
		for _, kind := range roster.RetentionKinds {
			if n := removed[kind]; n > 0 {
				attrs = append(attrs, string(kind), n)
			}
		}
		s.opts.Logger.Info("retention removed", attrs...)
	}
	return removed, errors.Join(errs...)
}

// sweep removes the records of kind before before, a batch a transaction, until a batch comes
// back short.
func (s *Sweeper) sweep(ctx context.Context, kind roster.RetentionKind, before time.Time) (int, error) {
	limit := s.opts.Batch
	if kind == roster.RetainTaskFiles {
		limit = s.opts.FileBatch
	}
	total := 0
	for {
		var n int
		err := s.store.Write(ctx, func(tx roster.Tx) error {
			var err error
			n, err = tx.DeleteExpired(ctx, kind, before, limit)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < limit {
			return total, nil
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(s.opts.Pause):
		}
	}
}
