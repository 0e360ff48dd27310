package roster

import (
	"encoding/json"
	"time"
)

// AuditEntry records one change: who, when, through which interface, what, before and after.
// It is written in the same transaction as the change.
type AuditEntry struct {
	ID         string
	OrgID      string // empty for installation-wide changes
	At         time.Time
	ActorKind  string
	ActorID    string
	ActorName  string
	Interface  Interface
	Action     string // for example "user.create", "user.update", "org.update", "token.create"
	TargetKind string // "user", "org", "token"
	TargetID   string
	Target     string          // human label of the target, for example the email
	Before     json.RawMessage // nil when created
	After      json.RawMessage // nil when deleted
	TaskID     string          // the task that made the change, if any
}

// AuditFilter selects a page of audit entries, newest first.
type AuditFilter struct {
	OrgID      string
	Action     string
	TargetID   string
	TargetKind string // only entries of this kind of target, for example "user"
	ActorID    string
	TaskID     string // only the changes of this task
	Interface  Interface
	Since      time.Time // inclusive; zero means no bound
	Until      time.Time // exclusive; zero means no bound
	Limit      int
	Before     string // id of the last entry of the previous page: the older entries after it
	// After is the id of the first entry of the page after, for the page of the newer entries
	// just above it (a page's Prev); Before is ignored with it.
	After string
}

// AuditPage is one page of audit entries.
type AuditPage struct {
	Entries []*AuditEntry
	Next    string // the cursor of the older entries (Before); "" at the end
	Prev    string // the cursor of the newer entries (After); "" on the first page
}
