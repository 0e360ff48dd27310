package roster

import (
	"encoding/json"
	"time"
)

// Task is one long operation run in the background by a worker: an import, a revert, later a
// synchronization or a template run. It survives the process that started it: a task whose
// worker died is taken over by another worker once its lease expires, and resumed from its
// checkpoint.
type Task struct {
	ID    string
	OrgID string
	// Kind names the handler that runs the task, for example "users.import".
	Kind  string
	State TaskState
	// Params is the input of the handler, as the handler defines it.
	Params   json.RawMessage
	Progress TaskProgress
	Counts   TaskCounts
	// Checkpoint is an opaque resume point owned by the handler, for example the last input
	// row applied. It is written in the same transaction as the changes it covers, so a
	// resumed task starts exactly after what was applied.
	Checkpoint int64
	// Cursor is the resume point of a handler that walks a list in key order: the key of the
	// last item applied. Written with the checkpoint.
	Cursor string
	// Summary is what the task found, in the form its handler defines, for example the creates,
	// updates and seat shortfall of an import's dry run. Written with the checkpoint.
	Summary json.RawMessage
	// CancelRequested asks the worker to stop at the next checkpoint.
	CancelRequested bool
	// Error is the message, safe to show to clients, of a failed task; ErrorCode and
	// ErrorParams say the same for a catalog, in the reader's language.
	Error       string
	ErrorCode   Code
	ErrorParams map[string]any
	CreatedBy   string
	CreatedAt   time.Time
	StartedAt   time.Time // zero until a worker first claims the task
	FinishedAt  time.Time // zero until the task reaches a final state
	// LeaseOwner names the worker that holds the task and LeaseUntil when its hold expires
	// unless it is extended. Only the owner may save progress (see Tx.SaveTask).
	LeaseOwner string
	LeaseUntil time.Time
	// Attempts counts the claims of the task: more than one means it was taken over.
	Attempts int
}

// TaskState is where a task is in its life.
type TaskState string

// The states of a task. Queued and running are active; the others are final.
const (
	TaskQueued              TaskState = "queued"
	TaskRunning             TaskState = "running"
	TaskCompleted           TaskState = "completed"
	TaskCompletedWithErrors TaskState = "completed_with_errors"
	TaskFailed              TaskState = "failed"
	TaskCanceled            TaskState = "canceled"
)

// Final reports whether a task in state s will never change again.
func (s TaskState) Final() bool {
	return s != TaskQueued && s != TaskRunning
}

// TaskProgress says how far a task is: Done of Total units of work (rows, users, ...). Total is
// 0 while unknown.
type TaskProgress struct {
	Done  int
	Total int
}

// TaskCounts sums the outcomes of the units of work of a task.
type TaskCounts struct {
	Created   int
	Updated   int
	Unchanged int
	Warnings  int
	Errors    int
}

// Add adds the counts of d to c.
func (c *TaskCounts) Add(d TaskCounts) {
	c.Created += d.Created
	c.Updated += d.Updated
	c.Unchanged += d.Unchanged
	c.Warnings += d.Warnings
	c.Errors += d.Errors
}

// TaskRow is one line of the per-row report of a task: what happened to one input row. A row
// is reported at most once per task.
type TaskRow struct {
	TaskID  string
	Row     int // the number of the input row, for example the line of a CSV file
	Email   string
	Outcome string // for example "created", "updated", "unchanged", "error"
	UserID  string // the user the row created or changed, "" when none
	Code    Code   // the error or warning code, "" when none
	Message string // safe to show to clients, in English
	// Column is the header text, as in the file, of the cell the problem is in; "" for the row.
	Column string
	// Params are the values the code's message speaks of (a field, a line), by name, so that
	// each language can say what Message says in its own words.
	Params map[string]string
}

// TaskFilePartSize is the size of the parts a task's input file is stored in: small enough to
// keep memory flat whatever the file, large enough that a file of 256 MiB is few rows.
const TaskFilePartSize = 1 << 20

// TaskFilter selects a page of tasks, newest first.
type TaskFilter struct {
	OrgID  string
	Kind   string    // "" for every kind
	State  TaskState // "" for every state
	Limit  int       // at most MaxPageSize; 0 means DefaultPageSize
	Before string    // the id of the last task of the previous page
}

// TaskPage is one page of tasks.
type TaskPage struct {
	Tasks []*Task
	Next  string // cursor of the next page; empty on the last page
}
