package sqldb

import (
	"context"
	"strings"
	"sync"

	"roster"
)

// rowsPerStatement bounds an IN list, and a multi-row INSERT where the dialect wants them
// (dialect.rowsPerWrite). 100 rows of 20 columns stay far below the parameter limits of both
// engines (SQLite 32,766; PostgreSQL 65,535), and full groups share one statement text, so each
// transaction prepares it once.
const rowsPerStatement = 100

// placeholders returns "(?, …, ?), (?, …, ?)": rows groups of cols placeholders.
func placeholders(rows, cols int) string {
	key := [2]int{rows, cols}
	if s, ok := placeholderCache.Load(key); ok {
		return s.(string)
	}
	group := "(" + strings.Repeat("?, ", cols-1) + "?)"
	s := strings.Repeat(group+", ", rows-1) + group
	placeholderCache.Store(key, s)
	return s
}

var placeholderCache sync.Map

// inGroups calls fn for consecutive groups of at most size of n items.
func inGroups(n, size int, fn func(start, end int) error) error {
	for start := 0; start < n; start += size {
		if err := fn(start, min(start+size, n)); err != nil {
			return err
		}
	}
	return nil
}

const userInsertColumns = 28 // userColumns plus first_name_key and last_name_key

// CreateUsers inserts users, several rows a statement where the engine gains by it. An email taken by any user, in the
// database or earlier in users, fails the call with CodeConflict; the caller's transaction is
// still usable (the insert skips conflicts instead of raising them, see inserted).
func (t *tx) CreateUsers(ctx context.Context, users []*roster.User) error {
	return inGroups(len(users), t.d.rowsPerWrite, func(start, end int) error {
		group := users[start:end]
		args := make([]any, 0, len(group)*userInsertColumns)
		for _, u := range group {
			if u.Version == 0 {
				u.Version = 1
			}
			args = append(userArgs(u, args), nameKey(u.FirstName), nameKey(u.LastName))
		}
		res, err := t.run.exec(ctx, `INSERT INTO users (`+userColumns+`, first_name_key, last_name_key)
			VALUES `+placeholders(len(group), userInsertColumns)+` ON CONFLICT DO NOTHING`, args...)
		if err == nil {
			conflict := "An email address of this group of users is already taken."
			if len(group) == 1 {
				conflict = emailTaken(group[0].Email)
			}
			err = allAffected(res, len(group), roster.CodeConflict, conflict)
		}
		return t.d.translate(err, errs{op: "create users"})
	})
}

// CreateAuditEntries inserts entries, several rows a statement where the engine gains by it.
func (t *tx) CreateAuditEntries(ctx context.Context, entries []*roster.AuditEntry) error {
	const cols = 14
	// On SQLite too, audit entries go rowsPerStatement a statement: they are appended at the
	// end of their B-trees (time-ordered ids) and have no foreign key, so a statement touches
	// few pages and, with OR IGNORE, can never abort half-way and needs no statement journal.
	return inGroups(len(entries), rowsPerStatement, func(start, end int) error {
		group := entries[start:end]
		args := make([]any, 0, len(group)*cols)
		for _, e := range group {
			e.At = dbTime(e.At)
			args = append(args, e.ID, nullString(e.OrgID), e.At, e.ActorKind, e.ActorID, e.ActorName,
				e.Interface, e.Action, e.TargetKind, e.TargetID, e.Target, t.d.jsonArg(e.Before),
				t.d.jsonArg(e.After), e.TaskID)
		}
		res, err := t.run.exec(ctx, t.d.insertIgnore+` INTO audit_entries (`+auditColumns+`)
			VALUES `+placeholders(len(group), cols)+t.d.onConflictIgnore, args...)
		if err == nil {
			err = allAffected(res, len(group), roster.CodeConflict, "An audit entry with this id already exists.")
		}
		return t.d.translate(err, errs{op: "create audit entries"})
	})
}

// FindUsersByEmails returns the users, in any organization, whose normalized email is one of
// emails, in no particular order. Bulk operations look a whole chunk up in a few queries
// instead of one query a row.
func (r *reader) FindUsersByEmails(ctx context.Context, emails []string) ([]*roster.User, error) {
	var users []*roster.User
	err := inGroups(len(emails), rowsPerStatement, func(start, end int) error {
		args := make([]any, end-start)
		for i, e := range emails[start:end] {
			args[i] = e
		}
		found, err := r.findUsers(ctx, `SELECT `+userColumns+` FROM users WHERE email IN `+placeholders(1, len(args)), args...)
		users = append(users, found...)
		return err
	})
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find users by email"})
	}
	return users, nil
}

// allAffected turns a multi-row insert or update that skipped a row into an error of code:
// CodeConflict for an insert that met a row with its key, CodeVersionConflict for an update of
// rows changed since they were read.
func allAffected(res interface{ RowsAffected() (int64, error) }, want int, code roster.Code, conflict string) error {
	n, err := res.RowsAffected()
	if err == nil && n != int64(want) {
		return roster.Errorf(code, "%s", conflict)
	}
	return err
}
