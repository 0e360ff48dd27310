package console

import (
	"encoding/json"
	"net/http"
	"strings"

	"roster"
	"roster/internal/provision"
)

func (c *Console) registerTasks(org func(string, orgHandler)) {
	org("GET /tasks", c.tasks)
	org("GET /tasks/{task}", c.task)
	org("GET /tasks/{task}/progress", c.taskProgress)
	org("GET /tasks/{task}/report.csv", c.taskReport)
	org("POST /tasks/{task}/cancel", c.cancelTask)
	org("POST /tasks/{task}/revert", c.revertTask)
	org("POST /synchronize", c.synchronize)
}

// tasksPage is a page of the tasks list, newest first.
type tasksPage struct {
	Tasks []*roster.Task
	Next  string
	First bool
}

func (c *Console) tasks(w http.ResponseWriter, r *http.Request, q *request) {
	before := r.URL.Query().Get("before")
	page, err := c.svc.Tasks(r.Context(), q.actor, roster.TaskFilter{OrgID: q.org.ID, Limit: 25, Before: before})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	p := q.page(q.t.Text("tasks.title"), "tasks")
	p.Data = tasksPage{Tasks: page.Tasks, Next: page.Next, First: before == ""}
	c.render(w, r, http.StatusOK, "tasks", p)
}

// taskPage is what a task's page shows.
type taskPage struct {
	Task *roster.Task
	// Percent is the progress in whole percent, for the bar and its announcements.
	Percent int
	// Revertible: a finished import or template application that may be reverted.
	Revertible bool
	// IsImport: a real import, after which the seeds' next step is to synchronize users.
	IsImport bool
	// Import is the file, mode and summary of an import; nil for other kinds.
	Import *importResult
	// Apply is the options, summary and changed users of a template application; nil for
	// other kinds.
	Apply    *applyResult
	Problems []problemRow // the first rows with an error or a warning
}

func (c *Console) task(w http.ResponseWriter, r *http.Request, q *request) {
	c.renderTask(w, r, q, http.StatusOK, nil)
}

// renderTask shows the page of the task of the address, with the problems of a refused form.
func (c *Console) renderTask(w http.ResponseWriter, r *http.Request, q *request, status int, errs problems) {
	t, err := c.svc.Task(r.Context(), q.actor, q.org.ID, r.PathValue("task"))
	if err != nil {
		c.failed(w, r, err)
		return
	}
	data := taskPage{Task: t, Percent: percent(t.Progress)}
	dry := isDryRun(t)
	data.Revertible = t.State.Final() && !dry && t.State != roster.TaskFailed &&
		(t.Kind == provision.KindImport || t.Kind == provision.KindApplyTemplate)
	data.IsImport = t.Kind == provision.KindImport && !dry && t.State.Final()
	data.Import = importResultOf(t)
	if data.Apply, err = c.applyResultOf(r, q, t); err != nil {
		c.failed(w, r, err)
		return
	}
	if t.State.Final() && t.Counts.Errors+t.Counts.Warnings > 0 {
		rows, err := c.svc.TaskProblems(r.Context(), q.actor, q.org.ID, t.ID, 100)
		if err != nil {
			c.failed(w, r, err)
			return
		}
		data.Problems = problemRowsOf(q.t, rows)
	}
	title := q.t.Text("task.kind." + t.Kind)
	if data.Import != nil && data.Import.Input.DryRun {
		title = q.t.Text("import.dry_run_title")
	}
	if data.Apply != nil && data.Apply.Options.DryRun {
		title = q.t.Text("apply.dry_run_title")
	}
	p := q.page(title, "tasks")
	p.Errors = errs
	p.Data = data
	c.render(w, r, status, "task", p)
}

// isDryRun reports whether a task only looked at what it would do.
func isDryRun(t *roster.Task) bool {
	var p struct {
		DryRun bool `json:"dryRun"`
	}
	_ = json.Unmarshal(t.Params, &p)
	return p.DryRun
}

func percent(p roster.TaskProgress) int {
	if p.Total <= 0 {
		return 0
	}
	return min(100, p.Done*100/p.Total)
}

// taskProgress answers the script of a task's page, which polls it: a short read any node
// can serve.
func (c *Console) taskProgress(w http.ResponseWriter, r *http.Request, q *request) {
	t, err := c.svc.Task(r.Context(), q.actor, q.org.ID, r.PathValue("task"))
	if err != nil {
		w.WriteHeader(statusOf(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"state": t.State, "final": t.State.Final(), "done": t.Progress.Done, "total": t.Progress.Total,
		"percent": percent(t.Progress),
		"text":    q.t.Text("task.progress", "Done", t.Progress.Done, "Total", t.Progress.Total),
	})
}

func (c *Console) taskReport(w http.ResponseWriter, r *http.Request, q *request) {
	id := r.PathValue("task")
	pw := &pendingWriter{w: w, start: func() {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="report-`+strings.ReplaceAll(id, `"`, "")+`.csv"`)
	}}
	if err := c.svc.WriteTaskReport(r.Context(), q.actor, q.org.ID, id, pw); err != nil {
		if !pw.started {
			c.failed(w, r, err)
			return
		}
		c.log.ErrorContext(r.Context(), "task report", "err", err, "requestId", r.Header.Get("X-Request-Id"))
	}
}

func (c *Console) cancelTask(w http.ResponseWriter, r *http.Request, q *request) {
	t, err := c.svc.CancelTask(r.Context(), q.actor, q.org.ID, r.PathValue("task"))
	if err != nil {
		c.failed(w, r, err)
		return
	}
	c.flash(r, q.admin, q.t.Text("task.cancel_requested"))
	http.Redirect(w, r, orgPath(q.org.ID, "/tasks/"+t.ID), http.StatusSeeOther)
}

func (c *Console) revertTask(w http.ResponseWriter, r *http.Request, q *request) {
	t, err := c.svc.StartRevert(r.Context(), q.actor, q.org.ID, r.PathValue("task"))
	if err != nil {
		c.failed(w, r, err)
		return
	}
	http.Redirect(w, r, orgPath(q.org.ID, "/tasks/"+t.ID), http.StatusSeeOther)
}

func (c *Console) synchronize(w http.ResponseWriter, r *http.Request, q *request) {
	t, err := c.svc.StartSynchronize(r.Context(), q.actor, q.org.ID)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	http.Redirect(w, r, orgPath(q.org.ID, "/tasks/"+t.ID), http.StatusSeeOther)
}
