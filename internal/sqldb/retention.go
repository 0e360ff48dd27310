package sqldb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"roster"
)

// A sweep deletes the rows of one retention kind, a batch at a time (see dialect.deleteBatch).
type sweep struct {
	table string
	key   string // how SQLite addresses a row (deleteBatch)
	// cond selects the rows past their time; its one argument is the cutoff, bound by arg.
	cond string
	arg  func(before time.Time) any
}

// finishedTasks selects the tasks that ended before a time, of organizations without a queued
// or running task: a revert reads the report of its import as it runs, so no finished task
// of an organization goes while one of its tasks is active. The finished tasks are read
// through tasks_finished, and the few active ones through tasks_claim: appending the empty
// string to org_id keeps SQLite from reading every task of the organization through tasks_org
// instead, for each finished task. It means the same on both engines, where SQLite's unary
// plus would not be valid for text on PostgreSQL.
const finishedTasks = `finished_at < ? AND state NOT IN ('queued', 'running')
	AND NOT EXISTS (SELECT 1 FROM tasks active WHERE active.state IN ('queued', 'running') AND active.org_id || '' = tasks.org_id)`

func timeArg(before time.Time) any { return dbTime(before) }

var sweeps = map[roster.RetentionKind]sweep{
	// A kept file goes with its task's end alone: a real import takes its dry run's file when
	// it is queued, not while it runs.
	roster.RetainTaskFiles: {table: "task_files", key: "rowid", arg: timeArg,
		cond: `task_id IN (SELECT id FROM tasks WHERE finished_at < ? AND state NOT IN ('queued', 'running'))`},
	roster.RetainTaskReports: {table: "task_reports", key: "rowid", arg: timeArg,
		cond: `task_id IN (SELECT id FROM tasks WHERE ` + finishedTasks + `)`},
	roster.RetainTasks: {table: "tasks", key: "rowid", arg: timeArg, cond: finishedTasks},
	// state <> 'queued' is the condition of the partial index emails_settled, word for word.
	roster.RetainEmails: {table: "emails", key: "rowid", arg: timeArg, cond: `state <> 'queued' AND created_at < ?`},
	roster.RetainSyncJobs: {table: "sync_jobs", key: "rowid", arg: timeArg,
		cond: `failed AND last_attempt_at < ? AND NOT EXISTS (SELECT 1 FROM users WHERE users.id = sync_jobs.user_id)`},
	roster.RetainSessions:       {table: "console_sessions", key: "rowid", arg: timeArg, cond: `last_seen_at < ?`},
	roster.RetainSignInFailures: {table: "signin_failures", key: "rowid", arg: timeArg, cond: `at < ?`},
	roster.RetainInvitations:    {table: "invitations", key: "rowid", arg: timeArg, cond: `expires_at < ?`},
	// Ids begin with the time they were made (UUIDv7), so the primary key serves the sweep and
	// the most written table of all carries no index of times for it.
	roster.RetainAudit: {table: "audit_entries", key: "id", cond: `id < ?`,
		arg: func(before time.Time) any { return roster.FirstIDAt(before) }},
}

// DeleteExpired removes up to limit rows of kind past before. The tasks go with what is left
// of their reports and input files, in the same transaction.
func (t *tx) DeleteExpired(ctx context.Context, kind roster.RetentionKind, before time.Time, limit int) (int, error) {
	s, ok := sweeps[kind]
	if !ok {
		return 0, fmt.Errorf("delete expired %s: no such kind of record", kind)
	}
	q := t.d.deleteBatch(s.table, s.key, s.cond)
	if kind == roster.RetainTasks {
		n, err := t.deleteTasks(ctx, q+` RETURNING id`, s.arg(before), limit)
		return n, t.d.translate(err, errs{op: "delete expired tasks"})
	}
	res, err := t.run.exec(ctx, q, s.arg(before), limit)
	if err != nil {
		return 0, t.d.translate(err, errs{op: "delete expired " + string(kind)})
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete expired %s: %w", kind, err)
	}
	return int(n), nil
}

// deleteTasks runs q, which deletes tasks and returns their ids, and deletes their reports and
// input files.
func (t *tx) deleteTasks(ctx context.Context, q string, args ...any) (int, error) {
	rows, err := t.run.query(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	var ids []any
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return 0, err
	}
	in := "(?" + strings.Repeat(", ?", len(ids)-1) + ")"
	for _, table := range []string{"task_reports", "task_files"} {
		if _, err := t.run.exec(ctx, `DELETE FROM `+table+` WHERE task_id IN `+in, ids...); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
