package roster

import (
	"context"
	"time"
)

// RetentionKind names one kind of record that retention removes once it has served its time.
type RetentionKind string

// The kinds of records retention removes, in the order a sweep takes them: a task's input file
// and report go before the task, so that the task's own deletion stays small.
const (
	// RetainTaskFiles: the input files finished tasks kept (a dry run's, for its real import),
	// by the end of their task.
	RetainTaskFiles RetentionKind = "task_files"
	// RetainTaskReports: the report rows of finished tasks, by the end of their task.
	RetainTaskReports RetentionKind = "task_reports"
	// RetainTasks: finished tasks, by their end, with whatever is left of their reports and
	// files. A task of an organization that has a queued or running task is kept until that
	// one ends, as is its report: a revert reads the report of its import while it runs.
	RetainTasks RetentionKind = "tasks"
	// RetainEmails: sent and finally failed outbox messages, by their creation.
	RetainEmails RetentionKind = "emails"
	// RetainSyncJobs: failed deliveries to the contact center of users deleted since, by
	// their last attempt. Nothing retries them (Synchronize Users walks the users there are),
	// and the user they would repair is gone.
	RetainSyncJobs RetentionKind = "sync_jobs"
	// RetainSessions: console sessions, by their last use.
	RetainSessions RetentionKind = "console_sessions"
	// RetainSignInFailures: records of failed sign-ins, by their time.
	RetainSignInFailures RetentionKind = "signin_failures"
	// RetainInvitations: invitations, by their expiry.
	RetainInvitations RetentionKind = "invitations"
	// RetainAudit: audit entries, by the time they were made.
	RetainAudit RetentionKind = "audit_entries"
)

// RetentionKinds lists every kind in the order a sweep takes them.
var RetentionKinds = []RetentionKind{RetainTaskFiles, RetainTaskReports, RetainTasks, RetainEmails,
	RetainSyncJobs, RetainSessions, RetainSignInFailures, RetainInvitations, RetainAudit}

// RetentionTx removes what has served its time.
type RetentionTx interface {
	// DeleteExpired removes up to limit records of kind whose time (see the kind) is before
	// before, and returns how many it removed; fewer than limit means none is left. On
	// PostgreSQL it passes over rows other transactions hold locked, so that nodes sweeping at
	// the same time share the work instead of waiting on each other.
	DeleteExpired(ctx context.Context, kind RetentionKind, before time.Time, limit int) (int, error)
	// FoldCounts folds the rows of the counters of users and agents into one a key, where an
	// engine appends a row a change (PostgreSQL), so that reading a count reads few rows.
	FoldCounts(ctx context.Context) error
}
