// Package contactcenter keeps the contact center in step with the directory (SPEC §3): the sync
// engine that delivers the sync queue to a connector, the Synchronize Users task, and the
// connectors (builtin: the portal tables of this installation; scim: an external SCIM 2.0
// service; a fault injector for tests and benchmarks).
//
// Sync is state based. A change of a user that the contact center keeps enqueues a job for the
// user in the transaction of the change (one job per user; changes made while it waits raise
// its generation). A delivery reads the user as it is then and makes the connector hold that
// state. So deliveries of one user are ordered, a delivery repeated after a crash changes
// nothing, and no change is lost: the job stays until a delivery of its latest generation
// succeeded.
package contactcenter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"roster"
)

// Reconciler is a connector that says what each push did, so that Synchronize Users counts
// and reports it. Every connector of this package is one.
type Reconciler interface {
	roster.Connector
	// Reconcile is Push that also returns, for each state, what it changed (Unchanged where it
	// failed).
	Reconcile(ctx context.Context, states []roster.AgentState) ([]Change, []error)
}

// OrphanRemover is a connector that finds and deletes, on its side, the agents of users that
// no longer exist; Synchronize Users calls it after the users. The builtin connector's
// orphans are deleted with the report in the task's transactions instead.
type OrphanRemover interface {
	DeleteOrphans(ctx context.Context, exists func(ctx context.Context, userIDs []string) (map[string]bool, error)) ([]Orphan, error)
}

// reconcile pushes states to conn and returns what it did, as far as conn says.
func reconcile(ctx context.Context, conn roster.Connector, states []roster.AgentState) ([]Change, []error) {
	if r, ok := conn.(Reconciler); ok {
		return r.Reconcile(ctx, states)
	}
	return make([]Change, len(states)), conn.Push(ctx, states)
}

// Options configures an Engine; zero fields take the defaults.
type Options struct {
	Owner string        // names this engine in leases; default hostname, pid and a random suffix
	Lease time.Duration // how long claimed jobs stay with this engine; default 1 minute
	Poll  time.Duration // how long to wait when nothing is due; default 50 ms
	Batch int           // jobs claimed and pushed at a time; default 200
	// Backoff is the wait before the first retry of a retryable failure; each next one waits
	// twice as long, up to MaxBackoff. Defaults 1 s and 5 minutes.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Attempts is the retry budget: after so many failed deliveries the user's sync status is
	// invalid until the next synchronize. Default 12.
	Attempts int
	Logger   *slog.Logger
	Clock    func() time.Time
}

// Store is what the sync engine and its Synchronize Users handler need of the store: write
// transactions, in which they claim and settle sync jobs (roster.SyncTx) and remove the agents
// of deleted users, and the users, agents and sync entries they read to decide what to send.
type Store interface {
	roster.Writer
	roster.OrgReader
	roster.UserReader
	roster.AgentReader
	roster.SyncReader
}

// Engine delivers the sync queue of a store to a connector. Every roster serve process runs
// one; jobs are leased, so engines of several nodes share the queue.
type Engine struct {
	store Store
	conn  roster.Connector
	opts  Options
	log   *slog.Logger
}

// New returns an Engine that delivers the queue of store to conn.
func New(store Store, conn roster.Connector, opts Options) *Engine {
	if opts.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		opts.Owner = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = 50 * time.Millisecond
	}
	if opts.Batch <= 0 {
		opts.Batch = 200
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 12
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &Engine{store: store, conn: conn, opts: opts, log: opts.Logger.With("sync", opts.Owner)}
}

func (e *Engine) now() time.Time { return e.opts.Clock().UTC().Truncate(time.Microsecond) }

// Run delivers until ctx is done, then returns nil. The batch it is delivering then is
// delivered and recorded; jobs it still holds after that (a record that failed) are released,
// for another engine to claim at once. Jobs of an engine that dies are left to their lease,
// and delivered again (harmlessly) once it expires.
func (e *Engine) Run(ctx context.Context) error {
	defer e.release(ctx)
	for ctx.Err() == nil {
		n, err := e.DeliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			e.log.Error("deliver sync jobs", "err", err)
		}
		if n == e.opts.Batch && err == nil {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
		case <-time.After(e.opts.Poll):
		}
	}
	return nil
}

// releaseTimeout bounds the release of a stopping engine's jobs: past it they wait for their
// lease instead.
const releaseTimeout = 5 * time.Second

// release gives up the jobs this engine still holds, so that another engine claims them at once.
func (e *Engine) release(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	var n int
	err := e.store.Write(ctx, func(tx roster.Tx) error {
		var err error
		n, err = tx.ReleaseSyncJobs(ctx, e.opts.Owner)
		return err
	})
	switch {
	case err != nil:
		e.log.Error("release sync jobs, left to their lease", "err", err)
	case n > 0:
		e.log.Info("sync jobs released to another engine", "jobs", n)
	}
}

// DeliverDue claims one batch of due jobs, pushes the users' states to the connector, and
// records each outcome with the users' sync status. It returns how many jobs it claimed. Once
// it claimed a batch, it delivers and records it even if ctx is done meanwhile: a stop waits
// for the batch rather than leave it to the lease.
func (e *Engine) DeliverDue(ctx context.Context) (int, error) {
	var jobs []*roster.SyncJob
	err := e.store.Write(ctx, func(tx roster.Tx) error {
		var err error
		jobs, err = tx.ClaimSyncJobs(ctx, e.opts.Owner, e.now(), e.opts.Lease, e.opts.Batch)
		return err
	})
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	ctx = context.WithoutCancel(ctx)
	states, err := e.states(ctx, jobs)
	if err != nil {
		return len(jobs), err
	}
	errs := e.conn.Push(ctx, states)
	if len(errs) != len(states) {
		return len(jobs), fmt.Errorf("connector %s: %d results for %d states", e.conn.Name(), len(errs), len(states))
	}
	return len(jobs), e.record(ctx, jobs, states, errs)
}

// states reads what the contact center must hold for the users of jobs: their state now, or a
// deletion for users deleted since.
func (e *Engine) states(ctx context.Context, jobs []*roster.SyncJob) ([]roster.AgentState, error) {
	byOrg := map[string][]string{}
	for _, j := range jobs {
		byOrg[j.OrgID] = append(byOrg[j.OrgID], j.UserID)
	}
	users := make(map[string]*roster.User, len(jobs))
	for orgID, ids := range byOrg {
		found, err := e.store.FindUsersByIDs(ctx, orgID, ids)
		if err != nil {
			return nil, err
		}
		for _, u := range found {
			users[u.ID] = u
		}
	}
	states := make([]roster.AgentState, len(jobs))
	for i, j := range jobs {
		if u := users[j.UserID]; u != nil {
			states[i] = roster.AgentStateOf(u)
		} else {
			states[i] = roster.AgentState{OrgID: j.OrgID, UserID: j.UserID, Deleted: true}
		}
	}
	return states, nil
}

// record writes the outcome of each job in one transaction: a delivered job ends and its user
// becomes valid (none when it needs no agent), unless a change came meanwhile; a failed one is
// retried later, or fails for good, making its user invalid.
func (e *Engine) record(ctx context.Context, jobs []*roster.SyncJob, states []roster.AgentState, errs []error) error {
	now := e.now()
	orgs := make([]string, len(jobs))
	for i, j := range jobs {
		orgs[i] = j.OrgID
	}
	return e.store.Write(ctx, func(tx roster.Tx) error {
		// The organizations first, as every directory write takes them (on PostgreSQL a
		// lock): a user write holds its users and then enqueues, while this holds jobs and
		// then writes users, and the two would otherwise deadlock.
		if err := lockOrgs(ctx, tx, orgs); err != nil {
			return err
		}
		statuses := map[string]map[string]roster.SyncStatus{}
		set := func(j *roster.SyncJob, s roster.SyncStatus) {
			if statuses[j.OrgID] == nil {
				statuses[j.OrgID] = map[string]roster.SyncStatus{}
			}
			statuses[j.OrgID][j.UserID] = s
		}
		for i, j := range jobs {
			if errs[i] == nil {
				done, err := tx.CompleteSyncJob(ctx, j, e.opts.Owner)
				if err != nil {
					if roster.ErrorCode(err) == roster.CodeConflict {
						continue // the lease passed to another engine, which delivers it again
					}
					return err
				}
				if done && !states[i].Deleted {
					set(j, syncedStatus(states[i]))
				}
				continue
			}
			e.fail(j, errs[i], now)
			if j.Failed {
				set(j, roster.SyncInvalid)
				e.log.Warn("sync failed", "org", j.OrgID, "user", j.UserID, "attempts", j.Attempts, "err", errs[i])
			} else {
				e.log.Debug("sync attempt failed, will retry", "org", j.OrgID, "user", j.UserID, "attempts", j.Attempts, "err", errs[i])
			}
			if err := tx.SaveSyncJob(ctx, j, e.opts.Owner); err != nil && roster.ErrorCode(err) != roster.CodeConflict {
				return err
			}
		}
		for orgID, s := range statuses {
			if err := tx.SetSyncStatuses(ctx, orgID, s); err != nil {
				return err
			}
		}
		return nil
	})
}

// fail records a failed attempt on j: when to retry it, or that it failed for good.
func (e *Engine) fail(j *roster.SyncJob, err error, now time.Time) {
	j.Attempts++
	j.LastAttemptAt = now
	var retry bool
	j.LastError, retry = syncReason(err)
	if !retry || j.Attempts >= e.opts.Attempts {
		j.Failed = true
		return
	}
	wait := e.opts.Backoff << min(j.Attempts-1, 20)
	if wait > e.opts.MaxBackoff || wait <= 0 {
		wait = e.opts.MaxBackoff
	}
	if se := (*roster.SyncError)(nil); errors.As(err, &se) && se.RetryAfter > wait {
		wait = se.RetryAfter
	}
	j.DueAt = now.Add(wait)
}

// unreachable is the reason shown for a failure that the connector did not explain (a network
// or database error): its text helps no administrator and may show the network's details, so
// it goes to the log only.
const unreachable = "The contact center could not be reached."

// syncReason is what a failed delivery shows administrators, and whether to try it again: the
// connector's SyncError message, or a stable sentence; never the text of a Go error.
func syncReason(err error) (reason string, retry bool) {
	var se *roster.SyncError
	if errors.As(err, &se) {
		return se.Message, se.Retryable
	}
	return unreachable, true
}

// syncedStatus is the sync status of a user whose state the contact center holds.
func syncedStatus(s roster.AgentState) roster.SyncStatus {
	if s.ProfileType == roster.ProfileNone {
		return roster.SyncNone
	}
	return roster.SyncValid
}
