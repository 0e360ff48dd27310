package sqldb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"roster"
)

const taskColumns = `id, org_id, kind, state, params, progress_done, progress_total,
	created_count, updated_count, unchanged_count, warnings_count, errors_count, checkpoint,
	cancel_requested, error, created_by, created_at, started_at, finished_at, lease_owner,
	lease_until, attempts, summary, cursor, error_code, error_params`

const taskNotFound = "Task not found."

func scanTask(s rowScanner) (*roster.Task, error) {
	var t roster.Task
	var params, summary, errorParams []byte
	var started, finished, leaseUntil sql.NullTime
	c := &t.Counts
	err := s.Scan(&t.ID, &t.OrgID, &t.Kind, &t.State, &params, &t.Progress.Done, &t.Progress.Total,
		&c.Created, &c.Updated, &c.Unchanged, &c.Warnings, &c.Errors, &t.Checkpoint,
		&t.CancelRequested, &t.Error, &t.CreatedBy, &t.CreatedAt, &started, &finished,
		&t.LeaseOwner, &leaseUntil, &t.Attempts, &summary, &t.Cursor, &t.ErrorCode, &errorParams)
	if err != nil {
		return nil, err
	}
	if errorParams != nil {
		// Numbers stay json.Number: a limit prints as 25, never as 2.5e+01.
		d := json.NewDecoder(bytes.NewReader(errorParams))
		d.UseNumber()
		if err := d.Decode(&t.ErrorParams); err != nil {
			return nil, fmt.Errorf("task %s: error parameters: %w", t.ID, err)
		}
	}
	if params != nil {
		t.Params = json.RawMessage(params)
	}
	if summary != nil {
		t.Summary = json.RawMessage(summary)
	}
	t.CreatedAt = t.CreatedAt.UTC()
	t.StartedAt = utcOrZero(started)
	t.FinishedAt = utcOrZero(finished)
	t.LeaseUntil = utcOrZero(leaseUntil)
	return &t, nil
}

func utcOrZero(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// FindTaskByID returns the task of organization orgID with this id. Inside Write it locks the
// row on PostgreSQL, so a worker's commit and a claim or cancel of the task serialize.
func (r *reader) FindTaskByID(ctx context.Context, orgID, id string) (*roster.Task, error) {
	q := r.d.lock(`SELECT `+taskColumns+` FROM tasks WHERE id = ? AND org_id = ?`, r.lock)
	t, err := scanTask(r.run.queryRow(ctx, q, id, orgID))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find task " + id, notFound: taskNotFound})
	}
	return t, nil
}

// FindActiveTask returns the oldest queued or running task of this kind in the organization.
func (r *reader) FindActiveTask(ctx context.Context, orgID, kind string) (*roster.Task, error) {
	q := `SELECT ` + taskColumns + ` FROM tasks
		WHERE org_id = ? AND kind = ? AND state IN ('queued', 'running') ORDER BY id LIMIT 1`
	t, err := scanTask(r.run.queryRow(ctx, q, orgID, kind))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find active task", notFound: "No active task."})
	}
	return t, nil
}

// FindTasks returns one page of the tasks matching f, newest first, before the task f.Before.
func (r *reader) FindTasks(ctx context.Context, f roster.TaskFilter) (*roster.TaskPage, error) {
	limit := pageLimit(f.Limit)
	w := &where{}
	w.add("org_id = ?", f.OrgID)
	if f.Kind != "" {
		w.add("kind = ?", f.Kind)
	}
	if f.State != "" {
		w.add("state = ?", f.State)
	}
	if f.Before != "" {
		w.add("id < ?", f.Before)
	}
	q := `SELECT ` + taskColumns + ` FROM tasks` + w.String() + ` ORDER BY id DESC LIMIT ?`
	rows, err := r.run.query(ctx, q, append(w.args, limit+1)...)
	if err != nil {
		return nil, fmt.Errorf("find tasks: %w", err)
	}
	defer rows.Close()
	page := &roster.TaskPage{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("find tasks: %w", err)
		}
		page.Tasks = append(page.Tasks, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find tasks: %w", err)
	}
	if len(page.Tasks) > limit {
		page.Tasks = page.Tasks[:limit]
		page.Next = page.Tasks[limit-1].ID
	}
	return page, nil
}

// FindTaskRows returns up to limit report rows of a task after row afterRow, in row order,
// reading the blocks that hold them. The limit follows the page size rules of every list.
func (r *reader) FindTaskRows(ctx context.Context, taskID string, afterRow, limit int) ([]*roster.TaskRow, error) {
	limit = pageLimit(limit)
	blocks, err := r.run.query(ctx, `SELECT body FROM task_reports WHERE task_id = ? AND last_row > ? ORDER BY first_row`,
		taskID, afterRow)
	if err != nil {
		return nil, fmt.Errorf("find rows of task %s: %w", taskID, err)
	}
	defer blocks.Close()
	var out []*roster.TaskRow
	for len(out) < limit && blocks.Next() {
		var body []byte
		if err := blocks.Scan(&body); err != nil {
			return nil, fmt.Errorf("find rows of task %s: %w", taskID, err)
		}
		if err := decodeReport(body, func(row *roster.TaskRow) bool {
			if row.Row > afterRow {
				row.TaskID = taskID
				out = append(out, row)
			}
			return len(out) < limit
		}); err != nil {
			return nil, fmt.Errorf("find rows of task %s: %w", taskID, err)
		}
	}
	if err := blocks.Err(); err != nil {
		return nil, fmt.Errorf("find rows of task %s: %w", taskID, err)
	}
	return out, nil
}

// CreateTask inserts t, queued when it has no state. Its times are stored in UTC to the
// microsecond, and t is updated to hold what was stored.
func (t *tx) CreateTask(ctx context.Context, task *roster.Task) error {
	if task.State == "" {
		task.State = roster.TaskQueued
	}
	task.CreatedAt = dbTime(task.CreatedAt)
	task.StartedAt, task.FinishedAt = zeroOrDBTime(task.StartedAt), zeroOrDBTime(task.FinishedAt)
	task.LeaseUntil = zeroOrDBTime(task.LeaseUntil)
	c := task.Counts
	res, err := t.run.exec(ctx, `INSERT INTO tasks (`+taskColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		task.ID, task.OrgID, task.Kind, task.State, t.d.jsonArg(task.Params), task.Progress.Done,
		task.Progress.Total, c.Created, c.Updated, c.Unchanged, c.Warnings, c.Errors,
		task.Checkpoint, task.CancelRequested, task.Error, task.CreatedBy, task.CreatedAt,
		nullTime(task.StartedAt), nullTime(task.FinishedAt), task.LeaseOwner,
		nullTime(task.LeaseUntil), task.Attempts, t.d.jsonArg(task.Summary), task.Cursor,
		task.ErrorCode, t.d.jsonArg(errorParamsJSON(task.ErrorParams)))
	if err == nil {
		err = inserted(res, "A task with this id already exists.")
	}
	return t.d.translate(err, errs{op: "create task " + task.ID})
}

// errorParamsJSON encodes a failed task's error parameters, nil when there are none.
func errorParamsJSON(p map[string]any) json.RawMessage {
	if len(p) == 0 {
		return nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil // parameters are strings and numbers; a value that is not stays out of the message
	}
	return b
}

func zeroOrDBTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return dbTime(t)
}

// ClaimTask leases the oldest queued task, or running task whose lease expired before now, to
// owner. One statement picks and updates the task, so no other claimer can slip in between;
// see dialect.claimLock for how each engine keeps concurrent claimers apart.
func (t *tx) ClaimTask(ctx context.Context, owner string, now time.Time, lease time.Duration) (*roster.Task, error) {
	now = dbTime(now)
	q := `UPDATE tasks SET state = 'running', lease_owner = ?, lease_until = ?,
			started_at = COALESCE(started_at, ?), attempts = attempts + 1
		WHERE id = (SELECT id FROM tasks
			WHERE state = 'queued' OR (state = 'running' AND lease_until < ?)
			ORDER BY created_at, id LIMIT 1` + t.d.claimLock + `)
		RETURNING ` + taskColumns
	task, err := scanTask(t.run.queryRow(ctx, q, owner, now.Add(lease), now, now))
	if err != nil {
		return nil, t.d.translate(err, errs{op: "claim task", notFound: "No task to run."})
	}
	return task, nil
}

// ExtendLease moves the end of owner's lease of a running task to until.
func (t *tx) ExtendLease(ctx context.Context, id, owner string, until time.Time) error {
	res, err := t.run.exec(ctx, `UPDATE tasks SET lease_until = ?
		WHERE id = ? AND lease_owner = ? AND state = 'running'`, dbTime(until), id, owner)
	if err == nil {
		err = t.leaseHeld(ctx, res, id)
	}
	return t.d.translate(err, errs{op: "extend lease of task " + id})
}

// ReleaseTasks ends owner's leases of running tasks at now. The tasks stay running, with their
// owner and checkpoint: ClaimTask takes a running task whose lease ended over, as it would a dead
// worker's, only without waiting for the lease.
func (t *tx) ReleaseTasks(ctx context.Context, owner string, now time.Time) (int, error) {
	res, err := t.run.exec(ctx, `UPDATE tasks SET lease_until = ?
		WHERE lease_owner = ? AND state = 'running' AND lease_until > ?`, dbTime(now), owner, dbTime(now))
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	return int(n), t.d.translate(err, errs{op: "release tasks of " + owner})
}

// SaveTask writes what a worker changes of a running task, fenced by its lease: an UPDATE
// guarded by the owner cannot land after another worker took the task over.
func (t *tx) SaveTask(ctx context.Context, task *roster.Task, owner string) error {
	task.FinishedAt = zeroOrDBTime(task.FinishedAt)
	c := task.Counts
	res, err := t.run.exec(ctx, `UPDATE tasks SET state = ?, progress_done = ?, progress_total = ?,
			created_count = ?, updated_count = ?, unchanged_count = ?, warnings_count = ?,
			errors_count = ?, checkpoint = ?, cursor = ?, summary = ?, error = ?, error_code = ?,
			error_params = ?, finished_at = ?, lease_until = ?
		WHERE id = ? AND lease_owner = ? AND state = 'running'`,
		task.State, task.Progress.Done, task.Progress.Total, c.Created, c.Updated, c.Unchanged,
		c.Warnings, c.Errors, task.Checkpoint, task.Cursor, t.d.jsonArg(task.Summary), task.Error,
		task.ErrorCode, t.d.jsonArg(errorParamsJSON(task.ErrorParams)), nullTime(task.FinishedAt), nullTime(zeroOrDBTime(task.LeaseUntil)), task.ID, owner)
	if err == nil {
		err = t.leaseHeld(ctx, res, task.ID)
	}
	return t.d.translate(err, errs{op: "save task " + task.ID})
}

// leaseHeld explains an UPDATE guarded by the lease that matched no row: CodeNotFound when the
// task does not exist, CodeConflict when it does but the lease is another's or it finished.
func (t *tx) leaseHeld(ctx context.Context, res sql.Result, id string) error {
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	var state string
	err = t.run.queryRow(ctx, `SELECT state FROM tasks WHERE id = ?`, id).Scan(&state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return roster.Errorf(roster.CodeNotFound, taskNotFound)
	case err != nil:
		return err
	}
	return roster.Errorf(roster.CodeConflict, "This worker no longer holds the task.")
}

// CreateTaskRows stores report rows as one block per task. Rows come in row order: a row at or
// before the last row already reported for its task fails the call with CodeConflict, so a row
// is never reported twice.
func (t *tx) CreateTaskRows(ctx context.Context, rows []*roster.TaskRow) error {
	byTask := map[string][]*roster.TaskRow{}
	var order []string
	for _, r := range rows {
		if byTask[r.TaskID] == nil {
			order = append(order, r.TaskID)
		}
		byTask[r.TaskID] = append(byTask[r.TaskID], r)
	}
	for _, id := range order {
		if err := t.createReportBlock(ctx, id, byTask[id]); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) createReportBlock(ctx context.Context, taskID string, rows []*roster.TaskRow) error {
	rows = slices.SortedFunc(slices.Values(rows), func(a, b *roster.TaskRow) int { return a.Row - b.Row })
	var last sql.NullInt64
	err := t.run.queryRow(ctx, `SELECT last_row FROM task_reports WHERE task_id = ? ORDER BY first_row DESC LIMIT 1`,
		taskID).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("report of task %s: %w", taskID, err)
	}
	for i, r := range rows {
		if (last.Valid && int64(r.Row) <= last.Int64) || (i > 0 && r.Row == rows[i-1].Row) {
			return roster.Errorf(roster.CodeConflict, "Row %d is already in the report of task %s.", r.Row, taskID)
		}
	}
	body, err := encodeReport(rows)
	if err != nil {
		return fmt.Errorf("report of task %s: %w", taskID, err)
	}
	_, err = t.run.exec(ctx, `INSERT INTO task_reports (task_id, first_row, last_row, body) VALUES (?, ?, ?, ?)`,
		taskID, rows[0].Row, rows[len(rows)-1].Row, body)
	return t.d.translate(err, errs{op: "report of task " + taskID, conflict: "These rows are already in the task's report."})
}

// RequestTaskCancel sets the cancel flag of an active task; its worker stops at its next
// checkpoint.
func (t *tx) RequestTaskCancel(ctx context.Context, orgID, id string) error {
	res, err := t.run.exec(ctx, `UPDATE tasks SET cancel_requested = TRUE
		WHERE id = ? AND org_id = ? AND state IN ('queued', 'running')`, id, orgID)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = t.taskFinished(ctx, orgID, id)
		}
	}
	return t.d.translate(err, errs{op: "cancel task " + id})
}

// taskFinished explains why an active task of the organization was not found.
func (t *tx) taskFinished(ctx context.Context, orgID, id string) error {
	var state string
	err := t.run.queryRow(ctx, `SELECT state FROM tasks WHERE id = ? AND org_id = ?`, id, orgID).Scan(&state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return roster.Errorf(roster.CodeNotFound, taskNotFound)
	case err != nil:
		return err
	}
	return roster.Errorf(roster.CodeConflict, "The task has already finished (%s).", state)
}

// FindTaskFilePart returns one part of the input file of a task.
func (r *reader) FindTaskFilePart(ctx context.Context, taskID string, part int) ([]byte, error) {
	var data []byte
	err := r.run.queryRow(ctx, `SELECT data FROM task_files WHERE task_id = ? AND part = ?`, taskID, part).Scan(&data)
	if err != nil {
		return nil, r.d.translate(err, errs{op: "read file of task " + taskID, notFound: "No such part of the task's file."})
	}
	return data, nil
}

// CreateTaskFilePart stores one part of the input file of a task.
func (t *tx) CreateTaskFilePart(ctx context.Context, taskID string, part int, data []byte) error {
	_, err := t.run.exec(ctx, `INSERT INTO task_files (task_id, part, data) VALUES (?, ?, ?)`, taskID, part, data)
	return t.d.translate(err, errs{op: "store file of task " + taskID, conflict: "This part of the task's file is already stored."})
}

// MoveTaskFile gives every part of the input file of task from to task to.
func (t *tx) MoveTaskFile(ctx context.Context, from, to string) (int, error) {
	res, err := t.run.exec(ctx, `UPDATE task_files SET task_id = ? WHERE task_id = ?`, to, from)
	if err != nil {
		return 0, t.d.translate(err, errs{op: "move file of task " + from, conflict: "The task already has a file."})
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("move file of task %s: %w", from, err)
	}
	return int(n), nil
}

// DeleteFinishedTaskFiles deletes the files kept by the organization's finished tasks of kind.
// The tasks are read by the organization's index, so this costs as many rows as it has tasks.
func (t *tx) DeleteFinishedTaskFiles(ctx context.Context, orgID, kind string) error {
	_, err := t.run.exec(ctx, `DELETE FROM task_files WHERE task_id IN (
		SELECT id FROM tasks WHERE org_id = ? AND kind = ? AND state NOT IN ('queued', 'running'))`, orgID, kind)
	return t.d.translate(err, errs{op: "delete kept files of " + kind + " tasks"})
}

// DeleteTaskFile deletes every part of the input file of a task.
func (t *tx) DeleteTaskFile(ctx context.Context, taskID string) error {
	_, err := t.run.exec(ctx, `DELETE FROM task_files WHERE task_id = ?`, taskID)
	return t.d.translate(err, errs{op: "delete file of task " + taskID})
}
