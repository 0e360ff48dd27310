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
	fs := newFlagSet("sync", "sync --org ID [--wait] [flags]", c.stdout)
	c.register(fs)
	c.registerIDOnly(fs)
	c.registerOrg(fs)
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
		if c.json {
			return c.printJSON(t)
		}
		fmt.Fprintf(c.stdout, "Synchronize Users queued as task %s (%s).\nFollow it with: %s tasks get %s --org %s (or sync with --wait)\n",
			t.ID, plural(t.Progress.Total, "user"), c.prog, t.ID, c.org)
		return nil
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
