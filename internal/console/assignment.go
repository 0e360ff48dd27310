package console

import (
	"net/http"

	"roster"
	"roster/internal/i18n"
	"roster/internal/provision"
)

// The automatic license assignment page (CONSOLE.md §2.9): the template's mode and license,
// which apply to new users only, and "Apply to existing users", which always starts with a dry
// run; the real run starts from the dry run's page (task.html), with the confirmation of the
// custom user profiles it resets.

func (c *Console) registerAssignment(org func(string, orgHandler)) {
	org("GET /license-assignment", c.assignment)
	org("POST /license-assignment", c.saveAssignment)
	org("POST /license-assignment/dry-run", c.applyDryRun)
	org("POST /license-assignment/apply/{task}", c.applyForReal)
}

// assignmentPage is the automatic license assignment page.
type assignmentPage struct {
	Mode     roster.AssignmentMode
	License  roster.License
	Modes    []roster.AssignmentMode
	Licenses []roster.License // what the organization-wide template may give
	Groups   []*roster.Group  // the first groups, with the license each gives in group mode
	More     bool
	Preserve bool
}

func (c *Console) assignment(w http.ResponseWriter, r *http.Request, q *request) {
	c.renderAssignment(w, r, q, http.StatusOK, assignmentPage{Mode: q.org.Assignment.Mode, License: q.org.Assignment.License, Preserve: true}, nil)
}

func (c *Console) renderAssignment(w http.ResponseWriter, r *http.Request, q *request, status int, data assignmentPage, errs problems) {
	groups, err := c.svc.Groups(r.Context(), q.actor, roster.GroupFilter{OrgID: q.org.ID, Limit: groupsPageSize})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	data.Groups, data.More = groups.Groups, groups.Next != ""
	data.Modes = []roster.AssignmentMode{roster.AssignOff, roster.AssignOrg, roster.AssignGroup}
	data.Licenses = []roster.License{roster.LicenseStandard, roster.LicensePremium}
	p := q.page(q.t.Text("assignment.title"), "groups")
	p.Errors = errs
	p.Data = data
	c.render(w, r, status, "assignment", p)
}

func (c *Console) saveAssignment(w http.ResponseWriter, r *http.Request, q *request) {
	in := roster.LicenseAssignment{Mode: roster.AssignmentMode(r.PostFormValue("mode"))}
	if in.Mode == roster.AssignOrg {
		// The license select stays on the form in every mode; it only counts in org mode.
		in.License = roster.License(r.PostFormValue("license"))
	}
	v, err := groupVersion(r)
	if err == nil {
		_, err = c.svc.SetLicenseAssignment(r.Context(), q.actor, q.org.ID, in, v)
	}
	switch code := roster.ErrorCode(err); {
	case err == nil:
		c.flash(r, q.admin, q.t.Text("assignment.saved"))
		http.Redirect(w, r, orgPath(q.org.ID, "/license-assignment"), http.StatusSeeOther)
	case code == roster.CodeForbidden || code == roster.CodeInternal:
		c.failed(w, r, err)
	case code == roster.CodePreconditionFailed || code == roster.CodePreconditionRequired || code == roster.CodeVersionConflict:
		c.renderAssignment(w, r, q, http.StatusConflict, assignmentPage{Mode: q.org.Assignment.Mode, License: q.org.Assignment.License, Preserve: true},
			problems{{Message: q.t.Text("assignment.stale")}})
	default:
		c.renderAssignment(w, r, q, statusOf(err), assignmentPage{Mode: in.Mode, License: in.License, Preserve: true}, problemsOf(q.t, err))
	}
}

// applyDryRun starts the dry run of applying the template to existing users: the only way to
// a real run, which its page offers.
func (c *Console) applyDryRun(w http.ResponseWriter, r *http.Request, q *request) {
	preserve := r.PostFormValue("preserveLicenses") != ""
	t, err := c.svc.StartApplyTemplate(r.Context(), q.actor, q.org.ID, provision.ApplyOptions{DryRun: true, PreserveLicenses: preserve})
	switch code := roster.ErrorCode(err); {
	case err == nil:
		http.Redirect(w, r, orgPath(q.org.ID, "/tasks/"+t.ID), http.StatusSeeOther)
	case code == roster.CodeForbidden || code == roster.CodeInternal:
		c.failed(w, r, err)
	default:
		c.renderAssignment(w, r, q, statusOf(err), assignmentPage{Mode: q.org.Assignment.Mode, License: q.org.Assignment.License, Preserve: preserve},
			problems{{Message: q.t.Error(err)}})
	}
}

// applyForReal applies the template as the dry run of the address previewed it, with the
// confirmation of the profile reset when the form ticked it.
func (c *Console) applyForReal(w http.ResponseWriter, r *http.Request, q *request) {
	confirm := r.PostFormValue("confirmProfileReset") != ""
	t, err := c.svc.StartApplyFromDryRun(r.Context(), q.actor, q.org.ID, r.PathValue("task"), confirm)
	switch code := roster.ErrorCode(err); {
	case err == nil:
		http.Redirect(w, r, orgPath(q.org.ID, "/tasks/"+t.ID), http.StatusSeeOther)
	case code == roster.CodeProfileResetUnconfirmed:
		c.renderTask(w, r, q, http.StatusUnprocessableEntity, problems{{Field: "confirmProfileReset", Message: q.t.Text("apply.confirm_needed")}})
	case code == roster.CodeNotFound || code == roster.CodeForbidden || code == roster.CodeInternal:
		c.failed(w, r, err)
	default:
		c.renderTask(w, r, q, statusOf(err), problems{{Message: q.t.Error(err)}})
	}
}

// applyResult is what a task's page adds for a template application.
type applyResult struct {
	provision.ApplyTask
	// CanRunForReal: a finished dry run, from which the real run starts.
	CanRunForReal bool
	// Rows are the first users the application changes (or would), each with its change.
	Rows []applyRow
}

// applyRow is one user an application changes.
type applyRow struct {
	Row          int
	Email        string
	From, To     roster.License
	ProfileReset bool
	Problem      string // the row's error, localized; "" when it applies
}

// applyRowsShown is how many rows of its report a template application's page lists; the
// report has them all.
const applyRowsShown = 100

// applyResultOf returns the template application part of a task's page, nil for other tasks.
func (c *Console) applyResultOf(r *http.Request, q *request, t *roster.Task) (*applyResult, error) {
	at, ok := provision.ApplyTaskOf(t)
	if !ok {
		return nil, nil
	}
	res := &applyResult{ApplyTask: at}
	res.CanRunForReal = at.Options.DryRun && (t.State == roster.TaskCompleted || t.State == roster.TaskCompletedWithErrors)
	if !t.State.Final() {
		return res, nil
	}
	rows, err := c.svc.TaskRows(r.Context(), q.actor, q.org.ID, t.ID, 0, applyRowsShown)
	if err != nil {
		return nil, err
	}
	res.Rows = applyRowsOf(q.t, rows)
	return res, nil
}

func applyRowsOf(t *i18n.Localizer, rows []*roster.TaskRow) []applyRow {
	out := make([]applyRow, len(rows))
	for i, row := range rows {
		a := applyRow{Row: row.Row, Email: row.Email, From: roster.License(row.Params["From"]), To: roster.License(row.Params["To"]),
			ProfileReset: row.Code == "profile_reset"}
		if row.Outcome == "error" {
			a.Problem = rowMessage(t, row)
		}
		out[i] = a
	}
	return out
}
