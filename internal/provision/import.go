package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"roster"
	"roster/internal/csvfile"
)

// Task kinds of CSV imports. Only one task of either kind runs in an organization at a time.
const (
	KindImport       = "users.import"
	KindImportRevert = "users.import.revert"
)

// ImportMode says what the license cells of an import may do (SPEC §2).
type ImportMode string

// Import modes.
const (
	// ImportAdd: yes adds a license; no and empty change nothing.
	ImportAdd ImportMode = "add"
	// ImportAddRemove: yes adds; no removes; both no removes the contact-center license.
	ImportAddRemove ImportMode = "add_remove"
)

// ImportRequest is a CSV file to import into an organization.
type ImportRequest struct {
	Mode     ImportMode
	DryRun   bool
	FileName string    // as uploaded, shown on the task
	File     io.Reader // read once, up to the limits of the service
}

// importParams is the input of an import task, stored with it.
type importParams struct {
	Mode     ImportMode `json:"mode"`
	DryRun   bool       `json:"dryRun"`
	FileName string     `json:"fileName,omitempty"`
	FileSize int64      `json:"fileSize"`
	Actor    taskActor  `json:"actor"`
}

// taskActor is the actor who started a task, kept with it: the worker that runs the task, on
// any node and after any restart, acts as that administrator, with that role's rights.
type taskActor struct {
	Kind      string           `json:"kind"`
	ID        string           `json:"id,omitempty"`
	Name      string           `json:"name,omitempty"`
	OrgID     string           `json:"orgId,omitempty"`
	Role      roster.AdminRole `json:"role,omitempty"`
	System    bool             `json:"system,omitempty"`
	Interface roster.Interface `json:"interface"`
}

func newTaskActor(a roster.Actor) taskActor {
	return taskActor{Kind: a.Kind, ID: a.ID, Name: a.Name, OrgID: a.OrgID, Role: a.Role, System: a.System, Interface: a.Interface}
}

// actor is the actor of the task's changes: through the CSV interface, with the task's id.
func (t taskActor) actor(taskID string) roster.Actor {
	return roster.Actor{Kind: t.Kind, ID: t.ID, Name: t.Name, OrgID: t.OrgID, Role: t.Role, System: t.System,
		Interface: roster.ViaCSV, TaskID: taskID}
}

// ImportInput is what an import task was asked to do, as its clients show it.
type ImportInput struct {
	Mode          ImportMode `json:"mode"`
	DryRun        bool       `json:"dryRun"`
	FileName      string     `json:"fileName,omitempty"`
	FileSize      int64      `json:"fileSize"`
	RevertsTaskID string     `json:"revertsTaskId,omitempty"`
	// Of an application of the template (licenses.apply).
	PreserveLicenses    bool `json:"preserveLicenses,omitempty"`
	ConfirmProfileReset bool `json:"confirmProfileReset,omitempty"`
}

// TaskInput returns what an import, a revert or a template application was asked to do, and
// false for other kinds.
func TaskInput(t *roster.Task) (ImportInput, bool) {
	switch t.Kind {
	case KindImport:
		var p importParams
		if json.Unmarshal(t.Params, &p) != nil {
			return ImportInput{}, false
		}
		return ImportInput{Mode: p.Mode, DryRun: p.DryRun, FileName: p.FileName, FileSize: p.FileSize}, true
	case KindImportRevert:
		var p revertParams
		if json.Unmarshal(t.Params, &p) != nil {
			return ImportInput{}, false
		}
		return ImportInput{RevertsTaskID: p.ImportTaskID}, true
	case KindApplyTemplate:
		var p applyParams
		if json.Unmarshal(t.Params, &p) != nil {
			return ImportInput{}, false
		}
		return ImportInput{DryRun: p.DryRun, PreserveLicenses: p.PreserveLicenses, ConfirmProfileReset: p.ConfirmProfileReset}, true
	}
	return ImportInput{}, false
}

// ImportSummary is what an import found beyond its counts, shown on its task. Read from a dry
// run, with the counts, it says what the real run will do before anything changes.
type ImportSummary struct {
	// SeatsTaken is how many more seats of each license the applied rows hold (negative when
	// they free seats).
	SeatsTaken LicenseCounts `json:"seatsTaken"`
	// SeatShortfall counts, per license, the rows refused for want of a seat: how many seats to
	// add for the whole file to go in.
	SeatShortfall LicenseCounts `json:"seatShortfall"`
}

// LicenseCounts holds a number per contact-center license.
type LicenseCounts struct {
	Standard int `json:"standard"`
	Premium  int `json:"premium"`
}

// StartImport checks a CSV file up front (size, format, header, row count), stores it, and
// queues the task that imports it. A file that cannot be imported at all is refused here with
// the reason, and nothing is queued; problems of single rows are reported by the task.
func (s *Service) StartImport(ctx context.Context, a roster.Actor, orgID string, req ImportRequest) (*roster.Task, error) {
	if err := s.AuthorizeImport(ctx, a, orgID); err != nil {
		return nil, err
	}
	if req.Mode != ImportAdd && req.Mode != ImportAddRemove {
		return nil, roster.InvalidFields(*enumError("mode", string(req.Mode), "add, add_remove"))
	}
	// The file is read twice, to check it and to store it, so it is spooled to disk first: the
	// upload may be 256 MiB, which memory must not hold.
	spool, size, err := spoolFile(req.File, s.limits.MaxBytes)
	if err != nil {
		return nil, err
	}
	defer func() {
		_ = spool.Close()
		_ = os.Remove(spool.Name())
	}()
	rows, err := s.checkImportFile(spool)
	if err != nil {
		return nil, err
	}
	params, err := json.Marshal(importParams{Mode: req.Mode, DryRun: req.DryRun, FileName: req.FileName, FileSize: size,
		Actor: newTaskActor(a)})
	if err != nil {
		return nil, fmt.Errorf("import parameters: %w", err)
	}
	task := &roster.Task{ID: roster.NewID(), OrgID: orgID, Kind: KindImport, Params: params,
		Progress: roster.TaskProgress{Total: rows}, CreatedBy: a.Label(), CreatedAt: s.clock()}
	err = s.startImportTask(ctx, a, task, func(tx roster.Tx) error {
		if err := tx.DeleteFinishedTaskFiles(ctx, orgID, KindImport); err != nil {
			return err
		}
		if _, err := spool.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("rewind import file: %w", err)
		}
		return storeTaskFile(ctx, tx, task.ID, spool)
	})
	if err != nil {
		return nil, err
	}
	return task, nil
}

// AuthorizeImport checks that a may start an import in organization orgID, and that the
// organization exists, without reading any file. A transport calls it before it reads an
// upload, so that nobody who may not import makes the server read (and spool) a file of up to
// the size limit; StartImport checks the same.
func (s *Service) AuthorizeImport(ctx context.Context, a roster.Actor, orgID string) error {
	return s.authorizeUpload(ctx, a, orgID)
}

// authorizeUpload checks that a may upload a file to a task of organization orgID: imports and
// agent uploads change licenses or agents, which full and contact center service administrators
// may do. A system actor learns here, not after its upload, that the organization is unknown.
func (s *Service) authorizeUpload(ctx context.Context, a roster.Actor, orgID string) error {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return err
	}
	_, err := s.store.FindOrgByID(ctx, orgID)
	return err
}

// importKinds are the kinds of task of which one at a time runs in an organization.
var importKinds = []string{KindImport, KindImportRevert, KindApplyTemplate}

// startImportTask creates task, an import or a revert, unless one of them is already active in
// the organization. prepare, when not nil, runs in the same transaction before the task is
// created.
func (s *Service) startImportTask(ctx context.Context, a roster.Actor, task *roster.Task, prepare func(tx roster.Tx) error) error {
	return s.createTaskAlone(ctx, a, task, importKinds, func(active *roster.Task) error {
		return roster.Errorf(roster.CodeImportInProgress,
			"Another import or revert (task %s) is running in this organization; start this one when it has finished.", active.ID)
	}, prepare)
}

// createTaskAlone creates task, started by a, unless a task of one of kinds is queued or
// running in its organization; busy says why then. The organization is locked first, as by
// every directory write, so two nodes starting tasks at once cannot both pass the check.
// prepare, when not nil, runs in the same transaction before the task is created. Every task
// needs at least the right to change licenses; the use case checks what more it needs.
func (s *Service) createTaskAlone(ctx context.Context, a roster.Actor, task *roster.Task, kinds []string, busy func(active *roster.Task) error,
	prepare func(tx roster.Tx) error) error {
	return s.writeOrg(ctx, a, permLicenses, task.OrgID, func(tx roster.Tx, _ *roster.Org) error {
		for _, kind := range kinds {
			active, err := tx.FindActiveTask(ctx, task.OrgID, kind)
			switch {
			case err == nil:
				return busy(active)
			case roster.ErrorCode(err) != roster.CodeNotFound:
				return err
			}
		}
		if prepare != nil {
			if err := prepare(tx); err != nil {
				return err
			}
		}
		return tx.CreateTask(ctx, task)
	})
}

// spoolTaskFile copies the input file of a task from the database to a temporary file, to read
// it from there: read from the database, its pages would stay mapped into the process until the
// end of the task (55 MB of a million-row file), and count in its memory. done closes and
// removes the copy.
func (s *Service) spoolTaskFile(ctx context.Context, taskID string) (f *os.File, done func(), err error) {
	f, _, err = spoolFile(&taskFile{ctx: ctx, store: s.store, taskID: taskID}, s.limits.MaxBytes)
	if err != nil {
		return nil, nil, err
	}
	return f, func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}, nil
}

// spoolFile copies r to a temporary file, refusing it once it passes max bytes.
func spoolFile(r io.Reader, maxBytes int64) (*os.File, int64, error) {
	f, err := os.CreateTemp("", "roster-import-*.csv")
	if err != nil {
		return nil, 0, fmt.Errorf("spool import file: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, maxBytes+1))
	if err == nil && n > maxBytes {
		err = tooLarge(maxBytes)
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		var re *roster.Error
		if errors.As(err, &re) {
			return nil, 0, err
		}
		return nil, 0, fmt.Errorf("spool import file: %w", err)
	}
	return f, n, nil
}

func tooLarge(maxBytes int64) error {
	return &roster.Error{Code: roster.CodeFileTooLarge, Err: csvfile.ErrTooLarge,
		Message: fmt.Sprintf("The file is larger than %d MiB, the most one import takes. Split it into smaller files.", maxBytes>>20)}
}

// checkImportFile reads a whole file as an import would and returns its number of rows, or
// the reason the file cannot be imported at all.
func (s *Service) checkImportFile(r io.Reader) (int, error) {
	ur, err := openUserFile(r, s.limits)
	if err != nil {
		return 0, err
	}
	for {
		if _, err := ur.Next(); errors.Is(err, io.EOF) {
			return ur.Rows(), nil
		} else if err != nil {
			return 0, fileError(err)
		}
	}
}

// openUserFile opens a users CSV file, with the limits' errors as the domain's.
func openUserFile(r io.Reader, lim csvfile.Limits) (*csvfile.UserReader, error) {
	t, err := csvfile.Open(r, lim)
	if err != nil {
		return nil, fileError(err)
	}
	return csvfile.NewUserReader(t)
}

// fileError gives the limits their own code, so that a client can tell "too large" from
// "not a CSV file".
func fileError(err error) error {
	var re *roster.Error
	if errors.As(err, &re) && (errors.Is(err, csvfile.ErrTooLarge) || errors.Is(err, csvfile.ErrTooManyRows)) {
		return &roster.Error{Code: roster.CodeFileTooLarge, Message: re.Message, Err: err}
	}
	return err
}

// storeTaskFile stores the file r as the input of a task, in parts.
func storeTaskFile(ctx context.Context, tx roster.Tx, taskID string, r io.Reader) error {
	buf := make([]byte, roster.TaskFilePartSize)
	for part := 0; ; part++ {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if err := tx.CreateTaskFilePart(ctx, taskID, part, buf[:n]); err != nil {
				return err
			}
		}
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return nil
		case err != nil:
			return fmt.Errorf("store import file: %w", err)
		}
	}
}

// taskFile reads the stored input file of a task, one part at a time.
type taskFile struct {
	ctx    context.Context
	store  roster.Reader
	taskID string
	part   int
	buf    []byte
	done   bool
}

func (f *taskFile) Read(p []byte) (int, error) {
	for len(f.buf) == 0 {
		if f.done {
			return 0, io.EOF
		}
		data, err := f.store.FindTaskFilePart(f.ctx, f.taskID, f.part)
		switch {
		case roster.ErrorCode(err) == roster.CodeNotFound:
			f.done = true
			continue
		case err != nil:
			return 0, err
		}
		f.buf, f.part = data, f.part+1
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	return n, nil
}
