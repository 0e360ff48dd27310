package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"roster/internal/httpapi"
)

// problemsShown is how many problems of a finished task --wait prints: enough to see what
// went wrong, few enough to read; the report has them all.
const problemsShown = 10

// problem is one row of a task's report with an error or a warning.
type problem struct {
	row, email, outcome, code, message string
}

// printProblems prints the first problems (rows with an error or a warning) of a finished
// task's report, read from the report as it downloads; nothing when the task has none.
func (c *orgRemote) printProblems(ctx context.Context, cl *httpapi.Client, t *httpapi.Task) {
	// Each problem is one row, counted once as an error or as a warning.
	total := t.Counts.Errors + t.Counts.Warnings
	if total == 0 {
		return
	}
	problems, err := firstProblems(ctx, cl, c.org, t.ID, min(total, problemsShown))
	if err != nil {
		fmt.Fprintf(c.stdout, "  (the problems could not be read from the report: %s)\n", describe(err, c.prog))
		return
	}
	if len(problems) == 0 {
		return
	}
	head := "Problems:"
	if total > len(problems) {
		head = fmt.Sprintf("The first %d of %s problems:", len(problems), thousands(total))
	}
	fmt.Fprintln(c.stdout, head)
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROW\tEMAIL\tOUTCOME\tCODE\tMESSAGE")
	for _, p := range problems {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.row, p.email, p.outcome, p.code, p.message)
	}
	_ = tw.Flush()
}

// firstProblems reads the report of a task until it has found n problems, and stops the
// download there: a report may have a million rows.
func firstProblems(ctx context.Context, cl *httpapi.Client, orgID, taskID string, n int) ([]problem, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := cl.TaskReport(ctx, orgID, taskID, pw)
		pw.CloseWithError(err)
		done <- err
	}()
	problems, err := readProblems(pr, n)
	// Enough read, or the reading failed: the download stops.
	cancel()
	_ = pr.CloseWithError(errStopped)
	if derr := <-done; err == nil && derr != nil && !errors.Is(derr, errStopped) && !errors.Is(derr, context.Canceled) {
		err = derr
	}
	return problems, err
}

var errStopped = errors.New("enough problems read")

// readProblems reads a task report (Row, Email, Outcome, Code, Message) up to its n-th row
// with the outcome error or warning.
func readProblems(r io.Reader, n int) ([]problem, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	if _, err := cr.Read(); err != nil { // the header
		return nil, err
	}
	var problems []problem
	for len(problems) < n {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return problems, err
		}
		if len(rec) < 5 || rec[2] != "error" && rec[2] != "warning" {
			continue
		}
		problems = append(problems, problem{row: rec[0], email: rec[1], outcome: rec[2], code: rec[3],
			message: strings.Join(strings.Fields(rec[4]), " ")})
	}
	return problems, nil
}
