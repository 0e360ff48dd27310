package provision

import (
	"context"
	"fmt"
	"io"

	"roster"
	"roster/internal/csvfile"
)

// Tasks returns a page of the tasks of an organization, newest first. Any administrator of the
// organization may read them.
func (s *Service) Tasks(ctx context.Context, a roster.Actor, f roster.TaskFilter) (*roster.TaskPage, error) {
	if err := authorize(a, f.OrgID, permRead); err != nil {
		return nil, err
	}
	var errs []roster.FieldError
	if f.State != "" && !validTaskState(f.State) {
		errs = append(errs, *enumError("state", string(f.State),
			"queued, running, completed, completed_with_errors, failed, canceled"))
	}
	if fe := pageSizeError(f.Limit); fe != nil {
		errs = append(errs, *fe)
	}
	if len(errs) > 0 {
		return nil, roster.InvalidFields(errs...)
	}
	return s.store.FindTasks(ctx, f)
}

func validTaskState(st roster.TaskState) bool {
	switch st {
	case roster.TaskQueued, roster.TaskRunning, roster.TaskCompleted, roster.TaskCompletedWithErrors,
		roster.TaskFailed, roster.TaskCanceled:
		return true
	}
	return false
}

// Task returns one task of an organization. Any administrator of the organization may read it.
func (s *Service) Task(ctx context.Context, a roster.Actor, orgID, id string) (*roster.Task, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	return s.store.FindTaskByID(ctx, orgID, id)
}

// WriteTaskReport writes the per-row report of a task to w as CSV, in row order. It reads the
// rows a page of roster.MaxPageSize at a time and writes each page before reading the next, so
// memory does not grow with the report. A task without rows (yet) gives the header alone.
//
// Nothing is written to w when the actor may not read the task; after the first byte, an error
// leaves w with a partial file, which the caller must discard.
func (s *Service) WriteTaskReport(ctx context.Context, a roster.Actor, orgID, id string, w io.Writer) error {
	if err := authorize(a, orgID, permRead); err != nil {
		return err
	}
	// The task must be the organization's before anything is written: FindTaskRows knows
	// only the task id.
	if _, err := s.store.FindTaskByID(ctx, orgID, id); err != nil {
		return err
	}
	rw := csvfile.NewReportWriter(w)
	after := 0
	for {
		rows, err := s.store.FindTaskRows(ctx, id, after, roster.MaxPageSize)
		if err != nil {
			return fmt.Errorf("report of task %s: %w", id, err)
		}
		for _, r := range rows {
			if err := rw.Write(csvfile.ReportRow{Row: r.Row, Email: r.Email, Outcome: csvfile.Outcome(r.Outcome),
				Code: r.Code, Message: r.Message}); err != nil {
				return fmt.Errorf("report of task %s: %w", id, err)
			}
		}
		if len(rows) < roster.MaxPageSize {
			break
		}
		after = rows[len(rows)-1].Row
	}
	if err := rw.Flush(); err != nil {
		return fmt.Errorf("report of task %s: %w", id, err)
	}
	return nil
}

// CancelTask asks an active task to stop at its next checkpoint; what it applied until then
// stays applied and recorded. It needs the right to change licenses (full and contact center
// service administrators), since a cc_service administrator may run license-only imports. A
// task that has already finished is a conflict. It returns the task as it is after the
// request: still queued or running until its worker stops it.
func (s *Service) CancelTask(ctx context.Context, a roster.Actor, orgID, id string) (*roster.Task, error) {
	var task *roster.Task
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		t, err := tx.FindTaskByID(ctx, orgID, id)
		if err != nil {
			return err
		}
		if t.State.Final() {
			return roster.Errorf(roster.CodeConflict, "The task has already finished (%s); there is nothing to cancel.", t.State)
		}
		task = t
		if t.CancelRequested {
			// Asked before: nothing changes, so nothing is audited.
			return nil
		}
		if err := tx.RequestTaskCancel(ctx, orgID, id); err != nil {
			return err
		}
		t.CancelRequested = true
		return s.audit(ctx, tx, a, orgID, "task.cancel", "task", t.ID, t.Kind,
			map[string]any{"state": t.State, "cancelRequested": false},
			map[string]any{"state": t.State, "cancelRequested": true})
	})
	if err != nil {
		return nil, err
	}
	return task, nil
}

// problemScan bounds how many report rows TaskProblems reads: a page shows the first problems,
// and the full report has them all.
const problemScan = 200_000

// TaskProblems returns up to limit rows of a task's report that have an error or a warning,
// in row order, from the first problemScan rows of the report.
func (s *Service) TaskProblems(ctx context.Context, a roster.Actor, orgID, id string, limit int) ([]*roster.TaskRow, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	if _, err := s.store.FindTaskByID(ctx, orgID, id); err != nil {
		return nil, err
	}
	var out []*roster.TaskRow
	after, scanned := 0, 0
	for len(out) < limit && scanned < problemScan {
		rows, err := s.store.FindTaskRows(ctx, id, after, roster.MaxPageSize)
		if err != nil {
			return nil, fmt.Errorf("problems of task %s: %w", id, err)
		}
		for _, r := range rows {
			if (r.Outcome == string(csvfile.OutcomeError) || r.Outcome == string(csvfile.OutcomeWarning)) && len(out) < limit {
				out = append(out, r)
			}
		}
		if len(rows) < roster.MaxPageSize {
			break
		}
		scanned += len(rows)
		after = rows[len(rows)-1].Row
	}
	return out, nil
}

// TaskRows returns up to limit rows of a task's report after row afterRow, in row order: a
// page of the report, for pages that list every row (a template application's dry run).
func (s *Service) TaskRows(ctx context.Context, a roster.Actor, orgID, id string, afterRow, limit int) ([]*roster.TaskRow, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	if err := CheckPageSize(limit); err != nil {
		return nil, err
	}
	if _, err := s.store.FindTaskByID(ctx, orgID, id); err != nil {
		return nil, err
	}
	return s.store.FindTaskRows(ctx, id, afterRow, limit)
}
