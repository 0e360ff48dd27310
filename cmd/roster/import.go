package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"roster"
	"roster/internal/httpapi"
	"roster/internal/provision"
)

// importCommand uploads a users CSV file and, with --wait, follows the import to its end.
type importCommand struct {
	orgRemote
}

func (c *importCommand) run(ctx context.Context, args []string) error {
	fs := c.flagSet("import", "import FILE --org ID [--mode add|add_remove] [--dry-run] [--wait] [flags]", outID, true)
	var mode string
	var dryRun, wait bool
	fs.StringVar(&mode, "mode", "add", "add: yes adds a license, no and empty change nothing; add_remove: no removes it too")
	fs.BoolVar(&dryRun, "dry-run", false, "check every row and report what would change, changing nothing")
	fs.BoolVar(&wait, "wait", false, "follow the import with a progress bar until it ends, then show its outcome and first problems "+waitExit)
	_, pos, err := c.prepare(fs, args, 1, 1, "one CSV file")
	if err != nil {
		return err
	}
	if mode != string(provision.ImportAdd) && mode != string(provision.ImportAddRemove) {
		return usageErrorf("--mode must be add or add_remove, not %q", mode)
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	// The upload may be large and the network slow: no overall time limit.
	cl, err := c.clientWithTimeout(0)
	if err != nil {
		return err
	}
	t, err := cl.StartImport(ctx, c.org, httpapi.ImportUpload{Mode: provision.ImportMode(mode), DryRun: dryRun,
		FileName: filepath.Base(pos[0]), File: f})
	if err != nil {
		return err
	}
	if !wait {
		return c.queued(t, fmt.Sprintf("Import queued as task %s (%d rows).", t.ID, t.Progress.Total), "import")
	}
	return c.follow(ctx, cl, t)
}

// queued prints what a command that started a task prints without --wait: the task as JSON,
// or what was queued and how to follow it. what says what was queued ("Import queued as task
// ID (12 rows)."); orWait, unless empty, names the command that would have waited.
func (c *orgRemote) queued(t *httpapi.Task, what, orWait string) error {
	if c.json {
		return c.printJSON(t)
	}
	fmt.Fprintf(c.stdout, "%s\nFollow it with: %s tasks get %s --org %s", what, c.prog, t.ID, c.org)
	if orWait != "" {
		fmt.Fprintf(c.stdout, " (or %s with --wait)", orWait)
	}
	fmt.Fprintln(c.stdout)
	return nil
}

// waitExit is the end of the help of every --wait flag: its exit codes.
const waitExit = "(exit code 3 when it completed with errors, 1 when it failed or was canceled)"

// follow waits for a task to end, showing its progress, then prints its outcome (see
// followThen).
func (c *orgRemote) follow(ctx context.Context, cl *httpapi.Client, t *httpapi.Task) error {
	return c.followThen(ctx, cl, t, c.printOutcome, false)
}

// followThen waits for a task to end, showing its progress. Then summary says what the task
// did, in the words of its command, and followThen adds the first problems of its report, the
// command that downloads the report and, for a real import or template application, the one
// that reverts it. dryRun says that the task changed nothing, for kinds whose task does not
// say so. A task that failed or was canceled is an error (exit code 1); one that completed
// with errors is errWithErrors (exit code 3), so that scripts can tell them apart.
func (c *orgRemote) followThen(ctx context.Context, cl *httpapi.Client, t *httpapi.Task, summary func(*httpapi.Task), dryRun bool) error {
	out, tty := c.stdout, isTerminal(c.stdout) && c.env("TERM") != "dumb"
	if c.json {
		out = io.Discard
	}
	id := t.ID
	t, err := watch(ctx, out, tty, 500*time.Millisecond, t, func(ctx context.Context) (*httpapi.Task, error) {
		return cl.Task(ctx, c.org, id)
	})
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(c.stdout, "\nStopped waiting; the task goes on in the background: %s tasks get %s --org %s\n", c.prog, t.ID, c.org)
		}
		return err
	}
	report := fmt.Sprintf("%s tasks report %s --org %s", c.prog, t.ID, c.org)
	if c.json {
		if err := c.printJSON(t); err != nil {
			return err
		}
	} else {
		summary(t)
		if t.Error != nil {
			fmt.Fprintf(c.stdout, "  error: %s\n", *t.Error)
		}
		c.printProblems(ctx, cl, t)
		fmt.Fprintf(c.stdout, "Task %s. Per-row report: %s -o report.csv\n", t.ID, report)
		dry := dryRun || t.Input != nil && t.Input.DryRun
		if (t.Kind == provision.KindImport || t.Kind == provision.KindApplyTemplate) && !dry && t.State != roster.TaskFailed {
			fmt.Fprintf(c.stdout, "Undo it with: %s tasks revert %s --org %s\n", c.prog, t.ID, c.org)
		}
	}
	switch t.State {
	case roster.TaskFailed:
		return fmt.Errorf("the task failed: %s", deref(t.Error))
	case roster.TaskCanceled:
		return fmt.Errorf("the task was canceled")
	case roster.TaskCompletedWithErrors:
		return withErrorsf("completed with %s; all of them: %s", plural(t.Counts.Errors, "error"), report)
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// printOutcome says what a finished import, revert or resend did.
func (c *orgRemote) printOutcome(t *httpapi.Task) {
	n := t.Counts
	dry := t.Input != nil && t.Input.DryRun
	switch {
	case t.Kind == provision.KindApplyTemplate:
		// The task does not say whether it is a dry run; apply --wait prints its own outcome.
		c.printApplyOutcome(t, false)
		return
	case t.Kind == provision.KindResendInvitations:
		fmt.Fprintf(c.stdout, "Resend finished (%s):\n  %s invited again, %s not (no longer pending), %s\n",
			t.State, plural(n.Updated, "user"), thousands(n.Unchanged), plural(n.Errors, "error"))
	case t.Kind == provision.KindImportRevert:
		fmt.Fprintf(c.stdout, "Revert finished (%s):\n  %s restored or deleted, %s already as before, %s left alone (changed since the import), %s\n",
			t.State, plural(n.Updated, "user"), thousands(n.Unchanged), thousands(n.Warnings), plural(n.Errors, "error"))
	case dry:
		fmt.Fprintf(c.stdout, "Dry run finished (%s): nothing was changed. Imported now, the file would:\n", t.State)
		fmt.Fprintf(c.stdout, "  create %s, update %s, leave %s unchanged; %s, %s\n", plural(n.Created, "user"), thousands(n.Updated),
			thousands(n.Unchanged), plural(n.Errors, "error"), plural(n.Warnings, "warning"))
	default:
		fmt.Fprintf(c.stdout, "Import finished (%s):\n", t.State)
		fmt.Fprintf(c.stdout, "  %s created, %s updated, %s unchanged; %s, %s\n", plural(n.Created, "user"), thousands(n.Updated),
			thousands(n.Unchanged), plural(n.Errors, "error"), plural(n.Warnings, "warning"))
	}
	var sum provision.ImportSummary
	if t.Kind == provision.KindImport && len(t.Summary) > 0 && json.Unmarshal(t.Summary, &sum) == nil {
		fmt.Fprintf(c.stdout, "  seats taken: %s standard, %s premium", signed(sum.SeatsTaken.Standard), signed(sum.SeatsTaken.Premium))
		if short := sum.SeatShortfall; short.Standard > 0 || short.Premium > 0 {
			fmt.Fprintf(c.stdout, "; seats missing: %s standard, %s premium (add seats, or these rows stay refused)",
				thousands(short.Standard), thousands(short.Premium))
		}
		fmt.Fprintln(c.stdout)
	}
}

// plural is "1 user", "2 users", "10,000 users".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + noun + "s"
}

func signed(n int) string {
	if n > 0 {
		return "+" + thousands(n)
	}
	return thousands(n)
}

// watch polls a task every interval until it reaches a final state, drawing its progress on
// out: a bar redrawn in place on a terminal, a plain line at most every 10 seconds otherwise
// (a log or a pipe), so that a short task prints nothing but its outcome.
func watch(ctx context.Context, out io.Writer, tty bool, interval time.Duration, t *httpapi.Task,
	poll func(context.Context) (*httpapi.Task, error)) (*httpapi.Task, error) {
	start := time.Now()
	startDone := t.Progress.Done
	var lastLine time.Time
	drawn := false
	for !t.State.Final() {
		select {
		case <-ctx.Done():
			return t, ctx.Err()
		case <-time.After(interval):
		}
		next, err := poll(ctx)
		if err != nil {
			return t, err
		}
		t = next
		line := progressLine(t, time.Since(start), startDone)
		switch {
		case tty:
			fmt.Fprintf(out, "\r%s\x1b[K", line)
			drawn = true
		case time.Since(lastLine) >= 10*time.Second && !t.State.Final() && time.Since(start) >= 10*time.Second:
			fmt.Fprintln(out, line)
			lastLine = time.Now()
		}
	}
	if drawn {
		fmt.Fprintln(out)
	}
	return t, nil
}

// progressLine is "[#######.............]  35%  70,000/200,000 rows  23,400 rows/s  ETA 6s".
func progressLine(t *httpapi.Task, elapsed time.Duration, startDone int) string {
	p := t.Progress
	if t.State == roster.TaskQueued {
		return "Waiting for a worker to start the task…"
	}
	if p.Total == 0 {
		return fmt.Sprintf("%s rows", thousands(p.Done))
	}
	const width = 30
	filled := min(width, p.Done*width/p.Total)
	bar := "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]"
	line := fmt.Sprintf("%s %3d%%  %s/%s rows", bar, p.Done*100/p.Total, thousands(p.Done), thousands(p.Total))
	if rate := float64(p.Done-startDone) / elapsed.Seconds(); rate > 0 && elapsed > time.Second {
		eta := time.Duration(float64(p.Total-p.Done) / rate * float64(time.Second)).Round(time.Second)
		line += fmt.Sprintf("  %s rows/s  ETA %s", thousands(int(rate)), eta)
	}
	return line
}

// thousands writes n with comma separators: 200,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
