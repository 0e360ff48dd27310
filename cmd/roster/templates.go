package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"

	"roster"
	"roster/internal/httpapi"
	"roster/internal/provision"
)

// templatesCommand shows and changes the automatic license assignment of an organization (its
// license template) and applies it to the existing users, through the REST API.
type templatesCommand struct {
	orgRemote
}

const templatesUsage = `roster templates <get|set|apply> --org ID [flags]
  get                               show how new users get a license
  set --mode off|org|group [--license L]
                                    off: no automatic license; org: every new user gets L;
                                    group: each group gives its members its own license
  apply [--dry-run] [--preserve-licenses] [--confirm-profile-reset] [--wait]
                                    apply the template to the existing users, as a task
                                    (revert it with roster tasks revert)`

func (c *templatesCommand) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageErrorf("%s", templatesUsage)
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("templates "+sub, subcommandSynopsis("templates", sub, templatesUsage), c.stdout)
	c.register(fs)
	c.registerOrg(fs)
	switch sub {
	case "get":
		return c.get(ctx, fs, args)
	case "set":
		return c.set(ctx, fs, args)
	case "apply":
		return c.apply(ctx, fs, args)
	}
	return usageErrorf("unknown subcommand %q\n%s", sub, templatesUsage)
}

func (c *templatesCommand) get(ctx context.Context, fs *flag.FlagSet, args []string) error {
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	la, err := cl.LicenseAssignment(ctx, c.org)
	if err != nil {
		return err
	}
	return c.printAssignment(la)
}

func (c *templatesCommand) printAssignment(la *httpapi.LicenseAssignment) error {
	if c.json {
		return c.printJSON(la)
	}
	what := map[roster.AssignmentMode]string{
		roster.AssignOff:   "no automatic license",
		roster.AssignOrg:   "every new user without a license choice gets " + string(la.License),
		roster.AssignGroup: "each group gives its members its license; see roster groups list",
	}[la.Mode]
	c.details([][2]string{
		{"Mode", fmt.Sprintf("%s (%s)", la.Mode, what)}, {"License", string(la.License)},
		{"Version", strconv.FormatInt(la.Version, 10)},
	})
	return nil
}

func (c *templatesCommand) set(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var mode, license string
	fs.StringVar(&mode, "mode", "", "off, org or group")
	fs.StringVar(&license, "license", "", "with --mode org: the license every new user gets, standard or premium")
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	if !roster.AssignmentMode(mode).Valid() {
		return usageErrorf("--mode must be off, org or group, not %q", mode)
	}
	la, err := cl.LicenseAssignment(ctx, c.org)
	if err != nil {
		return err
	}
	la, err = cl.SetLicenseAssignment(ctx, c.org, httpapi.LicenseAssignmentInput{Mode: roster.AssignmentMode(mode), License: roster.License(license)},
		httpapi.ETag(la.Version))
	if err != nil {
		return err
	}
	if err := c.printAssignment(la); err != nil {
		return err
	}
	if !c.json {
		fmt.Fprintln(c.stdout, "Existing users keep their licenses; apply the template to them with: roster templates apply --org "+c.org+" --dry-run --wait")
	}
	return nil
}

func (c *templatesCommand) apply(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var in httpapi.ApplyRequest
	var wait bool
	fs.BoolVar(&in.DryRun, "dry-run", false, "report every user whose license or custom profile would change, changing nothing")
	fs.BoolVar(&in.PreserveLicenses, "preserve-licenses", false, "never remove a license: only add what the template gives")
	fs.BoolVar(&in.ConfirmProfileReset, "confirm-profile-reset", false,
		"accept that users whose profile type changes lose their custom user profile (the dry run lists them)")
	fs.BoolVar(&wait, "wait", false, "follow the task with a progress bar until it ends, then show its outcome")
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	t, err := cl.ApplyTemplate(ctx, c.org, in)
	if err != nil {
		return err
	}
	if wait {
		return c.followThen(ctx, cl, t, func(t *httpapi.Task) { c.printApplyOutcome(t, in.DryRun) })
	}
	if c.json {
		return c.printJSON(t)
	}
	fmt.Fprintf(c.stdout, "Template application queued as task %s (%s).\nFollow it with: roster tasks get %s --org %s (or apply with --wait)\n",
		t.ID, plural(t.Progress.Total, "user"), t.ID, c.org)
	return nil
}

// printApplyOutcome says what a finished application of the template did, or in a dry run
// would do, and where its report is.
func (c *orgRemote) printApplyOutcome(t *httpapi.Task, dryRun bool) {
	var sum provision.ApplySummary
	if len(t.Summary) > 0 {
		_ = json.Unmarshal(t.Summary, &sum)
	}
	n := t.Counts
	if dryRun {
		fmt.Fprintf(c.stdout, "Dry run finished (%s): nothing was changed. Applied now, the template would:\n", t.State)
		fmt.Fprintf(c.stdout, "  change the license of %s, reset the custom user profile of %s; %s would wait for a seat; %s\n",
			plural(sum.LicenseChanges, "user"), plural(sum.ProfileResets, "user"), plural(sum.Waiting, "user"), plural(n.Errors, "error"))
		if sum.ProfileResets > 0 {
			fmt.Fprintln(c.stdout, "  the real run needs --confirm-profile-reset")
		}
	} else {
		fmt.Fprintf(c.stdout, "Template applied (%s):\n", t.State)
		fmt.Fprintf(c.stdout, "  %s changed, %s reset to the default profile, %s waiting for a seat; %s\n",
			plural(sum.LicenseChanges, "license"), plural(sum.ProfileResets, "custom profile"), plural(sum.Waiting, "user"), plural(n.Errors, "error"))
	}
	if t.Error != nil {
		fmt.Fprintf(c.stdout, "  error: %s\n", *t.Error)
	}
	fmt.Fprintf(c.stdout, "Task %s. Per-row report: roster tasks report %s --org %s -o report.csv\n", t.ID, t.ID, c.org)
	if !dryRun && t.State != roster.TaskFailed {
		fmt.Fprintf(c.stdout, "Undo it with: roster tasks revert %s --org %s\n", t.ID, c.org)
	}
}
