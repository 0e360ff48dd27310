package sqldb

import (
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
