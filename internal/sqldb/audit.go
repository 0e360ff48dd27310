package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"roster"
)

const auditColumns = `id, org_id, at, actor_kind, actor_id, actor_name, interface, action,
	target_kind, target_id, target, before, after, task_id`

func scanAuditEntry(s rowScanner) (*roster.AuditEntry, error) {
	var e roster.AuditEntry
	var orgID sql.NullString
	var before, after []byte
	err := s.Scan(&e.ID, &orgID, &e.At, &e.ActorKind, &e.ActorID, &e.ActorName, &e.Interface,
		&e.Action, &e.TargetKind, &e.TargetID, &e.Target, &before, &after, &e.TaskID)
	if err != nil {
		return nil, err
	}
	e.OrgID = orgID.String
	e.At = e.At.UTC()
	if before != nil {
		e.Before = json.RawMessage(before)
	}
	if after != nil {
		e.After = json.RawMessage(after)
	}
	return &e, nil
}

// FindAuditEntries returns one page of audit entries matching f, newest first: those before
// the entry f.Before, or the page just after the entry f.After (read backwards, returned
// newest first). An empty f.OrgID selects the entries of every organization and of none.
func (r *reader) FindAuditEntries(ctx context.Context, f roster.AuditFilter) (*roster.AuditPage, error) {
	limit := pageLimit(f.Limit)
	q, args := auditQuery(f, limit)
	rows, err := r.run.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("find audit entries: %w", err)
	}
	defer rows.Close()
	page := &roster.AuditPage{}
	for rows.Next() {
		e, err := scanAuditEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("find audit entries: %w", err)
		}
		page.Entries = append(page.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find audit entries: %w", err)
	}
	more := len(page.Entries) > limit
	if more {
		page.Entries = page.Entries[:limit]
	}
	n := len(page.Entries)
	switch {
	case n == 0:
	case f.After != "":
		// Read upwards from the cursor: newest first again. The older page is the cursor's.
		slices.Reverse(page.Entries)
		page.Next = page.Entries[n-1].ID
		if more {
			page.Prev = page.Entries[0].ID
		}
	default:
		if more {
			page.Next = page.Entries[n-1].ID
		}
		if f.Before != "" {
			page.Prev = page.Entries[0].ID
		}
	}
	return page, nil
}

// CreateAuditEntry inserts e. Its time is stored in UTC to the microsecond, and e is updated
// to hold what was stored. On PostgreSQL, Before and After are stored as JSONB, which keeps
// their meaning but not their spacing or key order.
func (t *tx) CreateAuditEntry(ctx context.Context, e *roster.AuditEntry) error {
	return t.CreateAuditEntries(ctx, []*roster.AuditEntry{e})
}

// auditQuery is the query of a page of FindAuditEntries, one more than limit, and its arguments.
func auditQuery(f roster.AuditFilter, limit int) (string, []any) {
	w := &where{}
	if f.OrgID != "" {
		w.add("org_id = ?", f.OrgID)
	}
	if f.TargetID != "" {
		w.add("target_id = ?", f.TargetID)
	}
	if f.TargetKind != "" {
		w.add("target_kind = ?", f.TargetKind)
	}
	if f.Action != "" {
		w.add("action = ?", f.Action)
	}
	if f.ActorID != "" {
		w.add("actor_id = ?", f.ActorID)
	}
	if f.TaskID != "" {
		// The second term lets the planner use the partial index of the tasks' entries.
		w.add("task_id = ? AND task_id <> ''", f.TaskID)
	}
	if f.Interface != "" {
		w.add("interface = ?", f.Interface)
	}
	if !f.Since.IsZero() {
		w.add("at >= ?", dbTime(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("at < ?", dbTime(f.Until))
	}
	order := " ORDER BY id DESC"
	switch {
	case f.After != "":
		w.add("id > ?", f.After)
		order = " ORDER BY id"
	case f.Before != "":
		w.add("id < ?", f.Before)
	}
	q := `SELECT ` + auditColumns + ` FROM audit_entries` + w.String() + order + ` LIMIT ?`
	return q, append(w.args, limit+1)
}

// CreateAuditEntries inserts entries.
func (t *tx) CreateAuditEntries(ctx context.Context, entries []*roster.AuditEntry) error {
	rows := make([][]any, len(entries))
	for i, e := range entries {
		e.At = dbTime(e.At)
		rows[i] = []any{e.ID, nullString(e.OrgID), e.At, e.ActorKind, e.ActorID, e.ActorName,
			e.Interface, e.Action, e.TargetKind, e.TargetID, e.Target, t.d.jsonArg(e.Before),
			t.d.jsonArg(e.After), e.TaskID}
	}
	const conflict = "An audit entry with this id already exists."
	err := t.insertNew(ctx, "audit_entries", auditColumns, rows, conflict)
	return t.d.translate(err, errs{op: "create audit entries", conflict: conflict})
}
