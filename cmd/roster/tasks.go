package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"roster/internal/httpapi"
)

// tasksCommand lists, shows, cancels the background tasks of an organization, and downloads
// their per-row reports, through the REST API.
type tasksCommand struct {
	orgRemote
}

const tasksUsage = `roster tasks <list|get|cancel|revert|report> --org ID [flags]
  list               list tasks, newest first (filters: --kind --state)
  get TASK           show one task
  cancel TASK        ask a queued or running task to stop at its next checkpoint
  revert TASK        undo a finished import or template application: users it changed
                     get their values back, users it created are deleted, users changed
                     since are left alone (--wait follows the revert to its end)
  report TASK        download the per-row report as CSV (-o FILE, or standard output)`

func (c *tasksCommand) run(ctx context.Context, args []string) error {
	return c.family().run(ctx, args)
}

// family is the table of the subcommands of tasks.
func (c *tasksCommand) family() *family {
	return &family{name: "tasks", usage: tasksUsage, remote: &c.orgRemote, withOrg: true, subcommands: map[string]subcommand{
		"list":   {outID, c.list},
		"get":    {outID, c.get},
		"cancel": {outID, c.cancel},
		"revert": {outID, c.revert},
		"report": {outFile, c.report},
	}}
}

func (c *tasksCommand) list(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var q httpapi.TaskQuery
	var p pages
	fs.StringVar(&q.Kind, "kind", "", "only tasks of this kind, such as users.import")
	fs.StringVar((*string)(&q.State), "state", "", "queued, running, completed, completed_with_errors, failed or canceled")
	p.register(fs, "tasks", true)
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	list, err := readList(p, func(limit int, cursor string) (*httpapi.TaskList, error) {
		q.Limit, q.Cursor = limit, cursor
		return cl.Tasks(ctx, c.org, q)
	}, func(l *httpapi.TaskList) (*[]httpapi.Task, *string) { return &l.Items, l.NextCursor })
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(list)
	}
	if len(list.Items) == 0 && p.cursor == "" {
		fmt.Fprintln(c.stdout, "No tasks.")
		return nil
	}
	rows := make([][]string, len(list.Items))
	for i, t := range list.Items {
		rows[i] = []string{t.ID, t.Kind, string(t.State), progress(t.Progress), t.CreatedAt.Format(timeLayout)}
	}
	c.table([]string{"ID", "KIND", "STATE", "PROGRESS", "CREATED"}, rows)
	fmt.Fprintf(c.stdout, "\n%d shown", len(list.Items))
	if list.NextCursor != nil {
		fmt.Fprintf(c.stdout, "; next page: --cursor %s", *list.NextCursor)
	}
	fmt.Fprintln(c.stdout)
	return nil
}

const timeLayout = "2006-01-02 15:04:05 MST"

// progress is done/total, with ? while the total is unknown.
func progress(p httpapi.TaskProgress) string {
	if p.Total == 0 {
		return strconv.Itoa(p.Done) + "/?"
	}
	return fmt.Sprintf("%d/%d (%d%%)", p.Done, p.Total, p.Done*100/p.Total)
}

func (c *tasksCommand) get(ctx context.Context, fs *flag.FlagSet, args []string) error {
	cl, pos, err := c.prepare(fs, args, 1, 1, "one task id")
	if err != nil {
		return err
	}
	t, err := cl.Task(ctx, c.org, pos[0])
	if err != nil {
		return err
	}
	return c.printTask(t)
}

func (c *tasksCommand) cancel(ctx context.Context, fs *flag.FlagSet, args []string) error {
	cl, pos, err := c.prepare(fs, args, 1, 1, "one task id")
	if err != nil {
		return err
	}
	t, err := cl.CancelTask(ctx, c.org, pos[0])
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(t)
	}
	fmt.Fprintf(c.stdout, "Cancel requested: the task stops at its next checkpoint; what it applied until then stays applied.\n\n")
	return c.printTask(t)
}

func (c *tasksCommand) revert(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var wait bool
	fs.BoolVar(&wait, "wait", false, "follow the revert until it ends, then show its outcome "+waitExit)
	cl, pos, err := c.prepare(fs, args, 1, 1, "one task id (of an import or a template application)")
	if err != nil {
		return err
	}
	t, err := cl.RevertTask(ctx, c.org, pos[0])
	if err != nil {
		return err
	}
	if wait {
		return c.follow(ctx, cl, t)
	}
	return c.queued(t, fmt.Sprintf("Revert queued as task %s.", t.ID), "")
}

func (c *tasksCommand) printTask(t *httpapi.Task) error {
	if c.json {
		return c.printJSON(t)
	}
	errText := "-"
	if t.Error != nil {
		errText = *t.Error
	}
	state := string(t.State)
	if t.CancelRequested && !t.State.Final() {
		state += " (cancel requested)"
	}
	n := t.Counts
	c.details([][2]string{
		{"ID", t.ID}, {"Kind", t.Kind}, {"State", state}, {"Progress", progress(t.Progress)},
		{"Counts", fmt.Sprintf("%d created, %d updated, %d unchanged, %d warnings, %d errors",
			n.Created, n.Updated, n.Unchanged, n.Warnings, n.Errors)},
		{"Created by", t.CreatedBy}, {"Created", t.CreatedAt.Format(timeLayout)},
		{"Started", optionalTime(t.StartedAt)}, {"Finished", optionalTime(t.FinishedAt)},
		{"Error", errText},
	})
	return nil
}

// optionalTime is a time of a task, or - when it has not happened yet.
func optionalTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(timeLayout)
}

func (c *tasksCommand) report(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var output string
	fs.StringVar(&output, "o", "", outputUsage)
	cl, pos, err := c.prepare(fs, args, 1, 1, "one task id")
	if err != nil {
		return err
	}
	return c.writeOutput(output, func(w io.Writer) error { return cl.TaskReport(ctx, c.org, pos[0], w) })
}
