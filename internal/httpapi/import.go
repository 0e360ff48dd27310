package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"roster"
	"roster/internal/provision"
)

// formMemory is how much of a multipart upload is held in memory; the rest of the file goes to
// a temporary file, so an upload of 256 MiB does not take 256 MiB of memory.
const formMemory = 1 << 20

// startImport takes a CSV file as multipart/form-data (file, mode, dryRun) and answers 202 with
// the queued task. A file that cannot be imported at all is refused at once; its rows are the
// task's to report.
func (api *API) startImport(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	// Nothing of the upload is read before the token may import into this organization.
	if err := api.svc.AuthorizeImport(r.Context(), a, r.PathValue("org")); err != nil {
		return err
	}
	form, err := api.parseUpload(w, r, "Send the file as multipart/form-data, with the fields file, mode (add or add_remove) and dryRun (true or false).",
		"file", "mode", "dryRun")
	if err != nil {
		return err
	}
	defer form.close()
	req := provision.ImportRequest{Mode: provision.ImportMode(r.FormValue("mode")), FileName: form.name, File: form.file, DryRun: form.dryRun}
	if req.Mode == "" {
		req.Mode = provision.ImportAdd
	}
	t, err := api.svc.StartImport(r.Context(), a, r.PathValue("org"), req)
	if err != nil {
		return err
	}
	return acceptedTask(w, t)
}

// uploadForm is a CSV file uploaded as multipart/form-data, with its dryRun field.
type uploadForm struct {
	r      *http.Request
	file   io.ReadCloser
	name   string
	dryRun bool
}

func (f *uploadForm) close() {
	_ = f.file.Close()
	_ = f.r.MultipartForm.RemoveAll()
}

// parseUpload reads a multipart/form-data upload of a CSV file (the field file) within the
// import limits, refusing fields not in fields; hint says how to send it. The caller closes
// the form.
func (api *API) parseUpload(w http.ResponseWriter, r *http.Request, hint string, fields ...string) (*uploadForm, error) {
	if _, err := query(r); err != nil {
		return nil, err
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return nil, roster.Errorf(codeUnsupportedMediaType, "%s", hint)
	}
	maxBytes := api.svc.ImportLimits().MaxBytes
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes+formMemory)
	if err := r.ParseMultipartForm(formMemory); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, roster.Errorf(roster.CodeFileTooLarge,
				"The file is larger than %d MiB, the most one import takes. Split it into smaller files.", maxBytes>>20)
		}
		return nil, roster.Errorf(roster.CodeInvalid, "The upload is not a valid multipart/form-data body.")
	}
	fail := func(err error) (*uploadForm, error) {
		_ = r.MultipartForm.RemoveAll()
		return nil, err
	}
	for name := range r.MultipartForm.Value {
		if !slices.Contains(fields, name) {
			return fail(roster.InvalidFields(roster.FieldError{Field: name, Code: roster.CodeInvalid,
				Message: "Unknown field " + strconv.Quote(name) + "; the fields are " + strings.Join(fields, ", ") + "."}))
		}
	}
	form := &uploadForm{r: r}
	switch dry := strings.ToLower(r.FormValue("dryRun")); dry {
	case "", "false":
	case "true":
		form.dryRun = true
	default:
		return fail(roster.InvalidFields(roster.FieldError{Field: "dryRun", Code: roster.CodeInvalid,
			Message: "dryRun must be true or false, not " + strconv.Quote(dry) + "."}))
	}
	file, name, err := formFile(r.MultipartForm)
	if err != nil {
		return fail(err)
	}
	form.file, form.name = file, name
	return form, nil
}

// formFile returns the one file of the form's field "file": an attached file, or the value of
// the field when a client sent the content without a file name (curl -F 'file=<users.csv').
func formFile(form *multipart.Form) (io.ReadCloser, string, error) {
	files, values := form.File["file"], form.Value["file"]
	switch {
	case len(files) == 1 && len(values) == 0:
		f, err := files[0].Open()
		if err != nil {
			return nil, "", fmt.Errorf("open uploaded file: %w", err)
		}
		return f, files[0].Filename, nil
	case len(files) == 0 && len(values) == 1:
		return io.NopCloser(strings.NewReader(values[0])), "", nil
	}
	return nil, "", roster.InvalidFields(roster.FieldError{Field: "file", Code: roster.CodeInvalid,
		Message: "Attach exactly one CSV file in the field file."})
}

// revertTask queues the revert of a finished import and answers 202 with the revert task.
func (api *API) revertTask(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	t, err := api.svc.StartRevert(r.Context(), a, r.PathValue("org"), r.PathValue("id"))
	if err != nil {
		return err
	}
	return acceptedTask(w, t)
}

// runTask queues the real import of a completed dry run's file, in the dry run's mode, and
// answers 202 with the import task.
func (api *API) runTask(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	t, err := api.svc.StartImportFromDryRun(r.Context(), a, r.PathValue("org"), r.PathValue("id"))
	if err != nil {
		return err
	}
	return acceptedTask(w, t)
}

// acceptedTask answers 202 with a task just queued, and where to follow it.
func acceptedTask(w http.ResponseWriter, t *roster.Task) error {
	w.Header().Set("Location", "/api/v1/orgs/"+t.OrgID+"/tasks/"+t.ID)
	return ok(w, http.StatusAccepted, taskJSON(t))
}
