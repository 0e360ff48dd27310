package main

import (
	"context"
	"fmt"

	"roster/internal/httpapi"
)

// syncCommand runs Synchronize Users on an organization and, with --wait, follows it to its
// end with a progress bar.
type syncCommand struct {
	orgRemote
}

func (c *syncCommand) run(ctx context.Context, args []string) error {
	fs := c.flagSet("sync", "sync --org ID [--wait] [flags]", outID, true)
	var wait bool
	fs.BoolVar(&wait, "wait", false, "follow the synchronization with a progress bar until it ends, then show its outcome "+waitExit)
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	t, err := cl.Synchronize(ctx, c.org)
	if err != nil {
		return err
	}
	if !wait {
		return c.queued(t, fmt.Sprintf("Synchronize Users queued as task %s (%s).", t.ID, plural(t.Progress.Total, "user")), "sync")
	}
	return c.followThen(ctx, cl, t, c.printSyncOutcome, false)
}

// printSyncOutcome says what a finished synchronization did.
func (c *syncCommand) printSyncOutcome(t *httpapi.Task) {
	n := t.Counts
	fmt.Fprintf(c.stdout, "Synchronize Users finished (%s):\n", t.State)
	fmt.Fprintf(c.stdout, "  %s created, %s updated, %s already in sync; %s, %s\n", plural(n.Created, "agent"), thousands(n.Updated),
		thousands(n.Unchanged), plural(n.Errors, "error"), plural(n.Warnings, "warning"))
}
