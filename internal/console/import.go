package console

import (
	"encoding/json"
	"errors"
	"mime"
	"mime/multipart"
	"net/http"

	"roster"
	"roster/internal/csvfile"
	"roster/internal/i18n"
	"roster/internal/provision"
)

// uploadMemory is how much of an upload is held in memory; the rest of the file goes to a
// temporary file, so that a file of 256 MiB does not take 256 MiB of memory.
const uploadMemory = 1 << 20

func (c *Console) registerImport(org, upload func(string, orgHandler)) {
	org("GET /import", c.importForm)
	upload("POST /import", c.startImport)
	org("POST /tasks/{task}/run", c.importForReal)
	org("GET /tasks/{task}/revert", c.confirmRevert)
}

// importPage is the upload form of a CSV import, or, while an import runs, the way to it.
type importPage struct {
	Active  *roster.Task // the import (or revert, or template application) that blocks a new one
	Mode    provision.ImportMode
	DryRun  bool
	MaxMiB  int64
	MaxRows int
	Modes   []provision.ImportMode
}

func (c *Console) importForm(w http.ResponseWriter, r *http.Request, q *request) {
	mode := provision.ImportMode(r.URL.Query().Get("mode"))
	if mode != provision.ImportAddRemove {
		mode = provision.ImportAdd
	}
	c.renderImport(w, r, q, http.StatusOK, mode, true, nil)
}

// renderImport shows the import page with what was chosen and the problems of the last try.
func (c *Console) renderImport(w http.ResponseWriter, r *http.Request, q *request, status int, mode provision.ImportMode, dryRun bool, ps problems) {
	active, err := c.svc.ActiveImport(r.Context(), q.actor, q.org.ID)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	lim := c.svc.ImportLimits().WithDefaults()
	p := q.page(q.t.Text("import.title"), "users")
	p.Errors = ps
	p.Data = importPage{Active: active, Mode: mode, DryRun: dryRun, MaxMiB: lim.MaxBytes >> 20, MaxRows: lim.MaxRows,
		Modes: []provision.ImportMode{provision.ImportAdd, provision.ImportAddRemove}}
	c.render(w, r, status, "import", p)
}

// startImport takes the upload form: the file, the mode and the dry run box. Nothing of the
// body is read before the administrator is known to be allowed to import here (the upload
// guard leaves the body alone); then it is read within the import's size limit.
func (c *Console) startImport(w http.ResponseWriter, r *http.Request, q *request) {
	if err := c.svc.AuthorizeImport(r.Context(), q.actor, q.org.ID); err != nil {
		c.failed(w, r, err)
		return
	}
	mode, dryRun := provision.ImportAdd, true
	up, refused := c.readUpload(w, r, q)
	if r.MultipartForm != nil {
		// The fields were read, with or without a file: the form shows them again as sent.
		if r.PostFormValue("mode") == string(provision.ImportAddRemove) {
			mode = provision.ImportAddRemove
		}
		dryRun = r.PostFormValue("dryRun") == "true"
	}
	if refused != nil {
		c.renderImport(w, r, q, refused.status, mode, dryRun, refused.problems)
		return
	}
	defer up.close()
	t, err := c.svc.StartImport(r.Context(), q.actor, q.org.ID, provision.ImportRequest{
		Mode: mode, DryRun: dryRun, FileName: up.name, File: up.file})
	if err != nil {
		if refused := c.uploadRefused(q, err); refused != nil {
			c.renderImport(w, r, q, refused.status, mode, dryRun, refused.problems)
			return
		}
		c.failed(w, r, err)
		return
	}
	http.Redirect(w, r, orgPath(q.org.ID, "/tasks/"+t.ID), http.StatusSeeOther)
}

// upload is the one file of an upload form, whose other fields r.PostFormValue reads.
type upload struct {
	file multipart.File
	name string // as the browser sent it
	form *multipart.Form
}

// close closes the file and removes what the form spooled to temporary files.
func (u *upload) close() {
	_ = u.file.Close()
	_ = u.form.RemoveAll()
}

// uploadRefusal is why an upload form is answered with itself again: the status and the
// problems, the file's at the file input.
type uploadRefusal struct {
	status   int
	problems problems
}

// fileRefused is a refusal of the file, said at the file input.
func fileRefused(status int, msg string) *uploadRefusal {
	return &uploadRefusal{status: status, problems: problems{{Field: "file", Message: msg}}}
}

// readUpload reads the multipart body of an upload form (the user import and the agent
// update template share it), bounded by the import size limit plus what is held in memory,
// and returns its one file. The caller has authorized the upload before: nothing of the body
// is read here before that. A body that is not multipart, too large, broken, or without a
// file is refused with the message for the file input.
func (c *Console) readUpload(w http.ResponseWriter, r *http.Request, q *request) (*upload, *uploadRefusal) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return nil, fileRefused(http.StatusUnsupportedMediaType, q.t.Text("import.error.upload_broken"))
	}
	maxBytes := c.svc.ImportLimits().WithDefaults().MaxBytes
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes+uploadMemory)
	if err := r.ParseMultipartForm(uploadMemory); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, fileRefused(http.StatusRequestEntityTooLarge, q.t.Text("import.error.too_large", "MiB", int(maxBytes>>20)))
		}
		return nil, fileRefused(http.StatusBadRequest, q.t.Text("import.error.upload_broken"))
	}
	// A browser sends the file input without a file name when no file was chosen, and
	// net/http files that part as a value.
	files := r.MultipartForm.File["file"]
	if len(files) != 1 {
		_ = r.MultipartForm.RemoveAll()
		return nil, fileRefused(http.StatusUnprocessableEntity, q.t.Text("import.error.no_file"))
	}
	f, err := files[0].Open()
	if err != nil {
		_ = r.MultipartForm.RemoveAll()
		return nil, fileRefused(http.StatusBadRequest, q.t.Text("import.error.upload_broken"))
	}
	return &upload{file: f, name: files[0].Filename, form: r.MultipartForm}, nil
}

// uploadRefused says how an upload form answers provision's refusal of the file it sent: too
// large, too many rows, not a file it can read, another upload running. nil for refusals the
// form cannot show, which go to the error page.
func (c *Console) uploadRefused(q *request, err error) *uploadRefusal {
	lim := c.svc.ImportLimits().WithDefaults()
	switch roster.ErrorCode(err) {
	case roster.CodeFileTooLarge:
		msg := q.t.Text("import.error.too_large", "MiB", int(lim.MaxBytes>>20))
		if errors.Is(err, csvfile.ErrTooManyRows) {
			msg = q.t.Text("import.error.too_many_rows", "Rows", lim.MaxRows)
		}
		return fileRefused(http.StatusRequestEntityTooLarge, msg)
	case roster.CodeImportInProgress:
		return &uploadRefusal{status: http.StatusConflict, problems: problems{{Message: q.t.Error(err)}}}
	case roster.CodeInvalid:
		if len(roster.ErrorFields(err)) > 0 {
			return &uploadRefusal{status: http.StatusUnprocessableEntity, problems: problemsOf(q.t, err)}
		}
		return fileRefused(http.StatusUnprocessableEntity, fileRefusal(q.t, err))
	}
	return nil
}

// fileRefusal says why a file cannot be imported at all, by the kind its refusal names.
func fileRefusal(t *i18n.Localizer, err error) string {
	params := roster.ErrorParams(err)
	kind, _ := params[csvfile.ParamFile].(string)
	if kind == "" || !t.Has("import.file."+kind) {
		return t.Text("import.file.unreadable")
	}
	columns, _ := params["Columns"].(string)
	return t.Text("import.file."+kind, "Columns", columns)
}

// importForReal starts the real import of a dry run's file, in the dry run's mode.
func (c *Console) importForReal(w http.ResponseWriter, r *http.Request, q *request) {
	dry := r.PathValue("task")
	t, err := c.svc.StartImportFromDryRun(r.Context(), q.actor, q.org.ID, dry)
	if err != nil {
		switch roster.ErrorCode(err) {
		case roster.CodeConflict:
			// The file went with a real import or a later one, or retention removed it: the form
			// takes it again.
			c.renderImport(w, r, q, http.StatusConflict, c.dryRunMode(r, q, dry), false,
				problems{{Field: "file", Message: q.t.Text("import.error.file_gone")}})
		case roster.CodeImportInProgress:
			c.renderImport(w, r, q, http.StatusConflict, provision.ImportAdd, true, problems{{Message: q.t.Error(err)}})
		default:
			c.failed(w, r, err)
		}
		return
	}
	http.Redirect(w, r, orgPath(q.org.ID, "/tasks/"+t.ID), http.StatusSeeOther)
}

// dryRunMode is the mode of the dry run id, the default mode when it cannot be read.
func (c *Console) dryRunMode(r *http.Request, q *request, id string) provision.ImportMode {
	if t, err := c.svc.Task(r.Context(), q.actor, q.org.ID, id); err == nil {
		if in, ok := provision.TaskInput(t); ok && in.Mode != "" {
			return in.Mode
		}
	}
	return provision.ImportAdd
}

// confirmRevert is the confirmation page of "Revert this import": what the revert deletes and
// restores, counted, before the POST that starts it (tasks.go). A task that is not a finished
// real import has nothing to confirm: its page says what it is.
func (c *Console) confirmRevert(w http.ResponseWriter, r *http.Request, q *request) {
	t, err := c.svc.Task(r.Context(), q.actor, q.org.ID, r.PathValue("task"))
	if err != nil {
		c.failed(w, r, err)
		return
	}
	if t.Kind != provision.KindImport || isDryRun(t) || !t.State.Final() || t.State == roster.TaskFailed || !q.can.Licenses {
		http.Redirect(w, r, orgPath(q.org.ID, "/tasks/"+t.ID), http.StatusSeeOther)
		return
	}
	p := q.page(q.t.Text("import.revert_title"), "tasks")
	p.Data = t
	c.render(w, r, http.StatusOK, "import-revert", p)
}

// importResult is what a task's page adds for an import: its file and mode, and for a dry
// run the summary that says what the real run would do.
type importResult struct {
	Input   provision.ImportInput
	Summary provision.ImportSummary
	// CanRunForReal: a completed dry run, which may be imported for real from its file.
	CanRunForReal bool
}

// importResultOf returns the import part of an import task's page, nil for other tasks.
func importResultOf(t *roster.Task) *importResult {
	in, ok := provision.TaskInput(t)
	if !ok || t.Kind != provision.KindImport {
		return nil
	}
	res := &importResult{Input: in}
	if len(t.Summary) > 0 {
		// A summary that cannot be read shows as zeros: the counts and the report stand.
		_ = json.Unmarshal(t.Summary, &res.Summary)
	}
	res.CanRunForReal = in.DryRun && (t.State == roster.TaskCompleted || t.State == roster.TaskCompletedWithErrors)
	return res
}

// problemRow is a row of a report with a problem, as the task's page shows it.
type problemRow struct {
	Row     int
	Email   string
	Outcome string
	Column  string
	Message string
}

// problemRowsOf says each row's problem in the reader's language, from its code and
// parameters; the report's English message is for the CSV download.
func problemRowsOf(t *i18n.Localizer, rows []*roster.TaskRow) []problemRow {
	out := make([]problemRow, len(rows))
	for i, r := range rows {
		out[i] = problemRow{Row: r.Row, Email: r.Email, Outcome: r.Outcome, Column: r.Column, Message: rowMessage(t, r)}
	}
	return out
}

// rowMessage is the message of a report row's code with its parameters: a field by its label,
// and a hint (a phone number's lost "+", a supervisor role removed with premium) after it.
func rowMessage(t *i18n.Localizer, r *roster.TaskRow) string {
	params := make(map[string]any, len(r.Params))
	for k, v := range r.Params {
		params[k] = v
	}
	if f := r.Params["Field"]; f != "" {
		params["Field"] = f
		if t.Has("field." + f) {
			params["Field"] = t.Text("field." + f)
		}
	}
	msg := t.Code(r.Code, params)
	if h := r.Params["Hint"]; h != "" && t.Has("import.hint."+h) {
		msg += " " + t.Text("import.hint."+h)
	}
	return msg
}
