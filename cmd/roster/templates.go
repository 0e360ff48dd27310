package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"

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
	return c.family().run(ctx, args)
}

// family is the table of the subcommands of templates.
func (c *templatesCommand) family() *family {
	return &family{name: "templates", usage: templatesUsage, remote: &c.orgRemote, withOrg: true, subcommands: map[string]subcommand{
		"get":   {outTable, c.get},
		"set":   {outTable, c.set},
		"apply": {outID, c.apply},
	}}
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
		roster.AssignGroup: "each group gives its members its license; see " + c.prog + " groups list",
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
		fmt.Fprintf(c.stdout, "Existing users keep their licenses; apply the template to them with: %s templates apply --org %s --dry-run --wait\n", c.prog, c.org)
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
	fs.BoolVar(&wait, "wait", false, "follow the task with a progress bar until it ends, then show its outcome "+waitExit)
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	t, err := cl.ApplyTemplate(ctx, c.org, in)
	if err != nil {
		return err
	}
	if wait {
		return c.followThen(ctx, cl, t, func(t *httpapi.Task) { c.printApplyOutcome(t, in.DryRun) }, in.DryRun)
	}
	return c.queued(t, fmt.Sprintf("Template application queued as task %s (%s).", t.ID, plural(t.Progress.Total, "user")), "apply")
}

// printApplyOutcome says what a finished application of the template did, or in a dry run
// would do.
func (c *orgRemote) printApplyOutcome(t *httpapi.Task, dryRun bool) {
	var sum provision.ApplySummary
	if len(t.Summary) > 0 {
		_ = json.Unmarshal(t.Summary, &sum)
	}
	changed := plural(sum.LicenseChanges+sum.SourceChanges, "user")
	if dryRun {
		fmt.Fprintf(c.stdout, "Dry run finished (%s): nothing was changed. Applied now, the template would change %s:\n", t.State, changed)
	} else {
		fmt.Fprintf(c.stdout, "Template applied (%s): %s changed:\n", t.State, changed)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 1, ' ', 0)
	for _, line := range [][2]string{
		{"license changed", thousands(sum.LicenseChanges)},
		{"license sources replaced, license kept", thousands(sum.SourceChanges)},
		{"custom user profile reset to the default", thousands(sum.ProfileResets)},
		{"waiting for a seat", thousands(sum.Waiting)},
		{"errors (left as they were)", thousands(t.Counts.Errors)},
	} {
		fmt.Fprintf(tw, "  %s:\t%s\n", line[0], line[1])
	}
	_ = tw.Flush()
	if dryRun && sum.ProfileResets > 0 {
		fmt.Fprintln(c.stdout, "  the real run needs --confirm-profile-reset")
	}
}
