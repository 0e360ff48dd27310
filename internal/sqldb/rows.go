package sqldb

import "strings"

// Rows read as one string.
//
// With modernc, every column of every row is three calls into SQLite that each take the
// connection's mutex, and a string the driver allocates; a TIMESTAMP column is also parsed by
// the driver, trying its layouts one by one. Where many rows are read (the export, the bulk
// reads of users), the query joins the columns of a row into one string with rowSep and Go
// splits it without copying: about half the CPU time (bench/README.md).

// rowSep separates the fields of a joined row: the ASCII unit separator, a control character,
// which no field may hold (docs/decisions.md). A row whose fields hold it anyway does not
// split into its columns, and the callers read it again column by column: it costs time, never
// data.
const rowSep = "\x1f"

// joinColumns returns the SQL expression of one row of cols joined with rowSep. Both engines
// have concat_ws, which builds the string once; a chain of || copied it at every step, which
// was a third of the cost of reading users by email. concat_ws skips NULL arguments, which
// would shift the fields: cols must be NOT NULL or wrapped in COALESCE.
func joinColumns(cols []string) string {
	return "concat_ws('" + rowSep + "', " + strings.Join(cols, ", ") + ")"
}

// cutFields sets fields to the fields of row, in order. It reports false when row holds more
// or fewer fields than len(fields), which happens only when a field holds rowSep; the fields
// before the first one that holds it are set even then.
func cutFields(row string, fields []string) bool {
	for i := range fields[:len(fields)-1] {
		var ok bool
		if fields[i], row, ok = strings.Cut(row, rowSep); !ok {
			return false
		}
	}
	fields[len(fields)-1] = row
	return !strings.Contains(row, rowSep)
}
