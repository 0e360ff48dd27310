package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"roster"
	"roster/internal/provision"
)

// Task is a background task as the API shows it (SPEC §8).
type Task struct {
	ID       string           `json:"id"`
	Kind     string           `json:"kind"`
	State    roster.TaskState `json:"state"`
	Progress TaskProgress     `json:"progress"`
	Counts   TaskCounts       `json:"counts"`
	// CreatedBy is the id of the token or administrator that started the task.
	CreatedBy  string     `json:"createdBy"`
	CreatedAt  time.Time  `json:"createdAt"`
	StartedAt  *time.Time `json:"startedAt"`  // nil until a worker first takes the task
	FinishedAt *time.Time `json:"finishedAt"` // nil while the task is queued or running
	// Error says why a failed task failed; nil otherwise.
	Error *string `json:"error"`
	// CancelRequested is true once a cancel was asked for; an active task stops at its next
	// checkpoint.
	CancelRequested bool `json:"cancelRequested"`
	// Input is what an import or a revert was asked to do; nil for other kinds.
	Input *provision.ImportInput `json:"input"`
	// Summary is what the task found beyond its counts, in the form of its kind: for an
	// import, the seats it takes and the seats missing (provision.ImportSummary); nil until
	// the task has one.
	Summary json.RawMessage `json:"summary"`
}

// TaskProgress is how far a task is: done of total units of work; total is 0 while unknown.
type TaskProgress struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// TaskCounts sums the outcomes of the units of work of a task.
type TaskCounts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Warnings  int `json:"warnings"`
	Errors    int `json:"errors"`
}

// TaskList is one page of GET /api/v1/orgs/{org}/tasks, newest first.
type TaskList struct {
	Items []Task `json:"items"`
	// NextCursor, passed as the cursor parameter, reads the next (older) page; nil on the
	// last page.
	NextCursor *string `json:"nextCursor"`
}

// TaskQuery filters and pages GET /api/v1/orgs/{org}/tasks; empty fields are not sent.
type TaskQuery struct {
	Kind   string
	State  roster.TaskState
	Limit  int
	Cursor string
}

func taskJSON(t *roster.Task) Task {
	c := t.Counts
	out := Task{
		ID: t.ID, Kind: t.Kind, State: t.State,
		Progress:  TaskProgress{Done: t.Progress.Done, Total: t.Progress.Total},
		Counts:    TaskCounts{Created: c.Created, Updated: c.Updated, Unchanged: c.Unchanged, Warnings: c.Warnings, Errors: c.Errors},
		CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt.UTC(),
		StartedAt: timeOrNil(t.StartedAt), FinishedAt: timeOrNil(t.FinishedAt),
		CancelRequested: t.CancelRequested,
	}
	if t.Error != "" {
		out.Error = &t.Error
	}
	if in, ok := provision.TaskInput(t); ok {
		out.Input = &in
	} else if in, ok := provision.AgentUploadInput(t); ok {
		out.Input = &in
	}
	out.Summary = t.Summary
	return out
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func (api *API) listTasks(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	q, err := query(r, "kind", "state", "limit", "cursor")
	if err != nil {
		return err
	}
	f := roster.TaskFilter{OrgID: r.PathValue("org"), Kind: q.Get("kind"), State: roster.TaskState(q.Get("state"))}
	if f.Limit, err = limitParam(q); err != nil {
		return err
	}
	if f.Before, err = decodeCursor(q, cursorTasks); err != nil {
		return err
	}
	page, err := api.svc.Tasks(r.Context(), a, f)
	if err != nil {
		return err
	}
	list := TaskList{Items: make([]Task, len(page.Tasks)), NextCursor: encodeCursor(cursorTasks, page.Next)}
	for i, t := range page.Tasks {
		list.Items[i] = taskJSON(t)
	}
	return ok(w, http.StatusOK, list)
}

func (api *API) getTask(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	t, err := api.svc.Task(r.Context(), a, r.PathValue("org"), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, taskJSON(t))
}

// cancelTask asks a task to stop; it answers 202 because the task stops later, at its next
// checkpoint.
func (api *API) cancelTask(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	t, err := api.svc.CancelTask(r.Context(), a, r.PathValue("org"), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusAccepted, taskJSON(t))
}

// taskReport streams the per-row report of a task as CSV, as exportUsers streams the users:
// an error before the first byte is a problem, one after it aborts the response.
func (api *API) taskReport(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	orgID, id := r.PathValue("org"), r.PathValue("id")
	lw := &lazyWriter{w: w, header: func(h http.Header) {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		// The id is the task's as stored (it was found), so it is safe in the header.
		h.Set("Content-Disposition", `attachment; filename="task-`+id+`-report.csv"`)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
	}}
	err := api.svc.WriteTaskReport(r.Context(), a, orgID, id, lw)
	if err == nil || !lw.started {
		return err
	}
	if !errors.Is(err, context.Canceled) || r.Context().Err() == nil {
		api.log.ErrorContext(r.Context(), "task report aborted after the response started",
			"requestId", requestID(r), "org", orgID, "task", id, "err", err)
	}
	panic(http.ErrAbortHandler)
}
