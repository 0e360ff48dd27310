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

// insertNew inserts rows, each the values of cols (a list such as auditColumns), into table:
// rows whose keys are new (time-ordered ids), which nothing else writes, so that a COPY
// straight into the table will do (copyInto). A key taken all the same is CodeConflict with
// the message conflict.
func (t *tx) insertNew(ctx context.Context, table, cols string, rows [][]any, conflict string) error {
	if t.copies(len(rows)) {
		return t.copyInto(ctx, table, columnList(cols), rows)
	}
	return t.insertGroups(ctx, table, cols, rows, conflict)
}

// insertSkipping inserts rows as insertNew does, but they may meet rows with their keys, which
// are skipped, and the transaction stays usable: then the call fails with CodeConflict and the
// message conflict, once the others are written.
func (t *tx) insertSkipping(ctx context.Context, table, cols string, rows [][]any, conflict string) error {
	if t.copies(len(rows)) {
		return t.copySkipping(ctx, table, cols, rows, conflict)
	}
	return t.insertGroups(ctx, table, cols, rows, conflict)
}

// insertGroups inserts rows rowsPerStatement a statement, skipping those whose key is taken,
// on SQLite too: with OR IGNORE a statement of a table without a foreign key can never abort
// half-way, so SQLite needs no statement journal for it, and rows of time-ordered ids are
// appended at the end of their B-trees. A skipped row is CodeConflict with the message
// conflict.
func (t *tx) insertGroups(ctx context.Context, table, cols string, rows [][]any, conflict string) error {
	n := len(columnList(cols))
	return inGroups(len(rows), rowsPerStatement, func(start, end int) error {
		args := make([]any, 0, (end-start)*n)
		for _, row := range rows[start:end] {
			args = append(args, row...)
		}
		res, err := t.run.exec(ctx, t.d.insertIgnore+` INTO `+table+` (`+cols+`)
			VALUES `+placeholders(end-start, n)+t.d.onConflictIgnore, args...)
		if err == nil {
			err = allAffected(res, end-start, roster.CodeConflict, conflict)
		}
		return err
	})
}
