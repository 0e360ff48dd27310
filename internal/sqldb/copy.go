package sqldb

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"roster"
)

// On PostgreSQL, the bulk writes of a chunk (users, audit entries, sync jobs, invitations,
// messages) go through COPY when they are more than one statement's rows: no statement to
// parse and plan for every hundred rows, and no parameters to bind, one by one, on either
// side. Importing 100,000 users took about three quarters of the time it took in multi-row
// INSERTs (bench/README.md). The rows go straight into their table; only when one meets a taken
// key, which must be skipped or updated, do they go through a staging table (copyOr).

// copies says whether a bulk write of n rows goes through COPY.
func (t *tx) copies(n int) bool {
	return t.d.copy && n > rowsPerStatement
}

// copyInto writes rows, each the values of cols, into table with COPY. A row that breaks a
// constraint fails the whole COPY, and with it the transaction: only for rows whose keys are
// new (time-ordered ids), where a conflict cannot be expected.
func (t *tx) copyInto(ctx context.Context, table string, cols []string, rows [][]any) error {
	return t.rawConn(func(c *pgx.Conn) error {
		_, err := c.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
}

// copyThrough writes rows, each the values of cols, with COPY into a temporary table of those
// columns (table_in, one a connection, emptied at each commit), then runs insert, an INSERT
// into table that reads them from "staged", and returns the number of rows it wrote. So an
// insert can skip or update the rows whose key is taken (ON CONFLICT), which COPY cannot, and
// the transaction stays usable.
func (t *tx) copyThrough(ctx context.Context, table string, cols []string, rows [][]any, insert string) (int64, error) {
	staging := table + "_in"
	list := strings.Join(cols, ", ")
	// IF NOT EXISTS answers a notice when the table is there, which the driver drops.
	if _, err := t.run.exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS `+staging+` ON COMMIT DELETE ROWS
		AS SELECT `+list+` FROM `+table+` WITH NO DATA`); err != nil {
		return 0, err
	}
	err := t.rawConn(func(c *pgx.Conn) error {
		_, err := c.CopyFrom(ctx, pgx.Identifier{"pg_temp", staging}, cols, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return 0, err
	}
	// Moved out rather than read: a second bulk write of the table in the same transaction
	// finds the staging table empty.
	res, err := t.run.exec(ctx, `WITH staged AS (DELETE FROM pg_temp.`+staging+` RETURNING `+list+`) `+insert)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// copySkipping inserts rows, each the values of cols (a list such as userColumns), into table,
// skipping those whose key is taken as INSERT … ON CONFLICT DO NOTHING does, and then fails
// with CodeConflict and the message conflict if it skipped any. The rows go straight into the
// table (copyOr), and through copyThrough only when a key is taken.
func (t *tx) copySkipping(ctx context.Context, table, cols string, rows [][]any, conflict string) error {
	list := columnList(cols)
	return t.copyOr(ctx, table, list, rows, func() error {
		n, err := t.copyThrough(ctx, table, list, rows,
			`INSERT INTO `+table+` (`+cols+`) SELECT `+cols+` FROM staged ON CONFLICT DO NOTHING`)
		if err == nil && n != int64(len(rows)) {
			err = roster.Errorf(roster.CodeConflict, "%s", conflict)
		}
		return err
	})
}

// copyOr writes rows, each the values of cols, into table the fast way: COPY straight into it
// (copyInto), in a savepoint. Only if a row's key is taken does it roll back to the savepoint
// and call otherwise, which writes the rows the way that handles a taken key (through the
// staging table, copyThrough), and return its error.
//
// It is for rows whose keys are all new but in a rare case: a chunk's new users, whose emails
// the caller looked up in the same transaction (another transaction took one in between), the
// agents of users that had none when read, the sync jobs of changed users (a job not yet
// delivered, or failed). The staging table's second pass over the rows cost a quarter of
// writing 100,000 new users (bench/README.md).
func (t *tx) copyOr(ctx context.Context, table string, cols []string, rows [][]any, otherwise func() error) error {
	if _, err := t.run.exec(ctx, `SAVEPOINT copy_or`); err != nil {
		return err
	}
	err := t.copyInto(ctx, table, cols, rows)
	if err == nil {
		_, err = t.run.exec(ctx, `RELEASE SAVEPOINT copy_or`)
		return err
	}
	if !t.d.isUniqueViolation(err) {
		return err
	}
	// Rolled back to, then released: what follows runs in the transaction itself again.
	if _, err := t.run.exec(ctx, `ROLLBACK TO SAVEPOINT copy_or`); err != nil {
		return err
	}
	if _, err := t.run.exec(ctx, `RELEASE SAVEPOINT copy_or`); err != nil {
		return err
	}
	return otherwise()
}

// rawConn calls fn with the pgx connection of the transaction, for what database/sql cannot
// say.
func (t *tx) rawConn(fn func(c *pgx.Conn) error) error {
	return t.conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return errors.New("COPY needs a PostgreSQL connection")
		}
		return fn(c.Conn())
	})
}

// columnList returns the names of a list of columns such as userColumns.
func columnList(cols string) []string {
	return strings.Fields(strings.ReplaceAll(cols, ",", " "))
}
