package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"roster"
	"roster/internal/httpapi"
)

// The cc subcommands that read the Service Details and work on agents. Each is a type of its
// own with its own flags; ccCommand (cc.go) finds them.

// ccDetailsCommand shows the Service Details: roster cc details.
type ccDetailsCommand struct{ ccRemote }

func (c *ccDetailsCommand) run(ctx context.Context, args []string) error {
	fs := newFlagSet("cc details", "cc details --org ID [flags]", c.stdout)
	c.register(fs)
	c.registerOrg(fs)
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	d, err := cl.ContactCenter(ctx, c.org)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(d)
	}
	a, u := d.Agents, d.Users
	c.details(append([][2]string{
		{"Platform", string(d.Platform)}, {"Connector", d.Connector},
		{"Agents", fmt.Sprintf("%s standard agent, %s premium agent, %s supervisor, %s administrator, %s administrator only",
			thousands(a.StandardAgent), thousands(a.PremiumAgent), thousands(a.Supervisor), thousands(a.Administrator), thousands(a.AdministratorOnly))},
		{"Sync status", fmt.Sprintf("%s valid, %s pending, %s invalid, %s none",
			thousands(u.Valid), thousands(u.Pending), thousands(u.Invalid), thousands(u.None))},
	}, remoteSupportDetails(d.Remote)...))
	return nil
}

func teamNames(ids []string, names map[string]string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = names[id]
	}
	return strings.Join(out, "|")
}

// ccAgentsListCommand lists agents by email: roster cc agents list.
type ccAgentsListCommand struct{ ccRemote }

func (c *ccAgentsListCommand) run(ctx context.Context, args []string) error {
	fs := c.flagSet("cc agents list", true)
	var q httpapi.AgentQuery
	var all bool
	var site, team, profileType string
	var active, enabled optionalBool
	fs.StringVar(&q.Q, "q", "", "prefix of the email")
	fs.StringVar(&site, "site", "", "only the agents at this site (id or name)")
	fs.StringVar(&team, "team", "", "only the agents in this team (id or name)")
	fs.StringVar(&profileType, "profile-type", "", "only the agents of this profile type: standard_agent, premium_agent, supervisor, administrator, administrator_only or none")
	fs.Var(&active, "active", "only the active agents; --active=false for the inactive ones")
	fs.Var(&enabled, "cc-enabled", "only the agents enabled in the contact center; --cc-enabled=false for the others")
	fs.IntVar(&q.Limit, "limit", 100, "agents per page (at most 1000)")
	fs.StringVar(&q.Cursor, "cursor", "", "cursor of the page to read, from the previous page (with the same filters)")
	fs.BoolVar(&all, "all", false, "read every page")
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	q.ProfileType, q.Active, q.ContactCenterEnabled = roster.ProfileType(profileType), active.value, enabled.value
	for _, r := range []struct {
		ref  string
		kind *ccKind
		dst  *string
	}{{site, ccSites, &q.Site}, {team, ccTeams, &q.Team}} {
		if r.ref == "" {
			continue
		}
		x, err := c.resolve(ctx, cl, r.kind, r.ref)
		if err != nil {
			return err
		}
		*r.dst = x.ID
	}
	var agents []httpapi.Agent
	var last *httpapi.AgentList
	for {
		page, err := cl.Agents(ctx, c.org, q)
		if err != nil {
			return err
		}
		agents, last = append(agents, page.Items...), page
		if !all || page.NextCursor == nil {
			break
		}
		q.Cursor = *page.NextCursor
	}
	if c.json {
		last.Items = agents
		return c.printJSON(last)
	}
	if len(agents) == 0 && q.Cursor == "" {
		if q != (httpapi.AgentQuery{Limit: q.Limit}) {
			fmt.Fprintln(c.stdout, "No agents match these filters.")
			return nil
		}
		fmt.Fprintln(c.stdout, "No agents.")
		return nil
	}
	names, err := c.names(ctx, cl, ccKinds...)
	if err != nil {
		return err
	}
	rows := make([][]string, len(agents))
	for i, a := range agents {
		rows[i] = []string{a.Email, string(a.ProfileType), strconv.FormatBool(a.Active), strconv.FormatBool(a.ContactCenterEnabled),
			names[a.SiteID], teamNames(a.TeamIDs, names), a.UserID}
	}
	c.table([]string{"EMAIL", "PROFILE TYPE", "ACTIVE", "ENABLED", "SITE", "TEAMS", "USER ID"}, rows)
	if last.NextCursor != nil {
		fmt.Fprintf(c.stdout, "\nnext page: --cursor %s\n", *last.NextCursor)
	}
	return nil
}

// optionalBool is a flag that is either not given, or true or false: --active is true,
// --active=false false.
type optionalBool struct{ value *bool }

func (b *optionalBool) String() string {
	if b == nil || b.value == nil {
		return ""
	}
	return strconv.FormatBool(*b.value)
}

func (b *optionalBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("%q is neither true nor false", s)
	}
	b.value = &v
	return nil
}

// IsBoolFlag lets the flag stand alone, meaning true.
func (b *optionalBool) IsBoolFlag() bool { return true }

// agent reads the agent of a user, named by its id or its email.
func (c *ccRemote) agent(ctx context.Context, cl *httpapi.Client, ref string) (*httpapi.Agent, error) {
	id := ref
	if strings.Contains(ref, "@") {
		page, err := cl.Users(ctx, c.org, httpapi.UserQuery{Email: ref, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(page.Items) == 0 {
			return nil, roster.Errorf(roster.CodeNotFound, "No user of this organization has the email %s.", ref)
		}
		id = page.Items[0].ID
	}
	return cl.Agent(ctx, c.org, id)
}

// ccAgentsGetCommand shows one agent: roster cc agents get USER.
type ccAgentsGetCommand struct{ ccRemote }

func (c *ccAgentsGetCommand) run(ctx context.Context, args []string) error {
	fs := c.flagSet("cc agents get", true)
	cl, pos, err := c.prepare(fs, args, 1, 1, "one user id or email")
	if err != nil {
		return err
	}
	a, err := c.agent(ctx, cl, pos[0])
	if err != nil {
		return err
	}
	return c.printAgent(ctx, cl, a)
}

func (c *ccRemote) printAgent(ctx context.Context, cl *httpapi.Client, a *httpapi.Agent) error {
	if c.json {
		return c.printJSON(a)
	}
	names, err := c.names(ctx, cl, ccKinds...)
	if err != nil {
		return err
	}
	c.details([][2]string{
		{"User ID", a.UserID}, {"Email", a.Email}, {"Name", strings.TrimSpace(a.FirstName + " " + a.LastName)},
		{"Profile type", string(a.ProfileType)}, {"Active", strconv.FormatBool(a.Active)},
		{"Contact center enabled", strconv.FormatBool(a.ContactCenterEnabled)},
		{"Site", names[a.SiteID]}, {"Teams", teamNames(a.TeamIDs, names)},
		{"Skill profile", names[a.SkillProfileID]}, {"Agent profile", names[a.AgentProfileID]},
		{"Multimedia profile", names[a.MultimediaProfileID]}, {"External ID", a.ExternalID},
		{"Default dial number", a.DefaultDialNumber}, {"Updated", a.UpdatedAt.Format(timeLayout)},
		{"Version", strconv.FormatInt(a.Version, 10)},
	})
	return nil
}

// ccAgentsUpdateCommand changes the agent-side fields of an agent: roster cc agents update USER.
type ccAgentsUpdateCommand struct{ ccRemote }

func (c *ccAgentsUpdateCommand) run(ctx context.Context, args []string) error {
	fs := c.flagSet("cc agents update", true)
	var enabled, site, teams, skill, agentProfile, multimedia, externalID, dial string
	fs.StringVar(&enabled, "enabled", "", "contact center enabled: true or false")
	fs.StringVar(&site, "site", "", `the site (id or name); "" for none`)
	fs.StringVar(&teams, "teams", "", `the teams, comma-separated (ids or names) of the agent's site; "" for none`)
	fs.StringVar(&skill, "skill-profile", "", `the skill profile (id or name); "" for none`)
	fs.StringVar(&agentProfile, "agent-profile", "", `the agent profile (id or name); "" for none`)
	fs.StringVar(&multimedia, "multimedia-profile", "", `the multimedia profile (id or name); "" for none`)
	fs.StringVar(&externalID, "external-id", "", "the external id")
	fs.StringVar(&dial, "dial-number", "", "the default dial number, E.164 (+46701234567)")
	cl, pos, err := c.prepare(fs, args, 1, 1, "one user id or email")
	if err != nil {
		return err
	}
	set := setFlags(fs)
	if !set["enabled"] && !set["site"] && !set["teams"] && !set["skill-profile"] && !set["agent-profile"] &&
		!set["multimedia-profile"] && !set["external-id"] && !set["dial-number"] {
		return usageErrorf("nothing to change: give --enabled, --site, --teams, a profile, --external-id or --dial-number")
	}
	var p httpapi.AgentPatch
	if set["enabled"] {
		b, err := strconv.ParseBool(enabled)
		if err != nil {
			return usageErrorf("--enabled must be true or false, not %q", enabled)
		}
		p.ContactCenterEnabled = httpapi.Some(b)
	}
	ref := func(flagName, value string, kind *ccKind, dst *httpapi.Optional[string]) error {
		if !set[flagName] {
			return nil
		}
		if value == "" {
			*dst = httpapi.Some("")
			return nil
		}
		x, err := c.resolve(ctx, cl, kind, value)
		if err == nil {
			*dst = httpapi.Some(x.ID)
		}
		return err
	}
	for _, r := range []struct {
		flag, value string
		kind        *ccKind
		dst         *httpapi.Optional[string]
	}{{"site", site, ccSites, &p.SiteID}, {"skill-profile", skill, ccSkillProfiles, &p.SkillProfileID},
		{"agent-profile", agentProfile, ccAgentProfiles, &p.AgentProfileID},
		{"multimedia-profile", multimedia, ccMultimediaProfiles, &p.MultimediaProfileID}} {
		if err := ref(r.flag, r.value, r.kind, r.dst); err != nil {
			return err
		}
	}
	if set["teams"] {
		ids := []string{}
		for _, t := range strings.Split(teams, ",") {
			if t = strings.TrimSpace(t); t == "" {
				continue
			}
			x, err := c.resolve(ctx, cl, ccTeams, t)
			if err != nil {
				return err
			}
			ids = append(ids, x.ID)
		}
		p.TeamIDs = httpapi.Some(ids)
	}
	if set["external-id"] {
		p.ExternalID = httpapi.Some(externalID)
	}
	if set["dial-number"] {
		p.DefaultDialNumber = httpapi.Some(dial)
	}
	a, err := c.agent(ctx, cl, pos[0])
	if err != nil {
		return err
	}
	if a, err = cl.UpdateAgent(ctx, c.org, a.UserID, p, httpapi.ETag(a.Version)); err != nil {
		return err
	}
	return c.printAgent(ctx, cl, a)
}

// ccAgentsExportCommand downloads the agent update template: roster cc agents export.
type ccAgentsExportCommand struct{ ccRemote }

func (c *ccAgentsExportCommand) run(ctx context.Context, args []string) error {
	// A CSV file: --json has no meaning here.
	fs := c.flagSet("cc agents export", false)
	var output string
	fs.StringVar(&output, "o", "", outputUsage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see roster cc agents export -h)", fs.Arg(0))
	}
	if c.org == "" {
		return usageErrorf("--org is required")
	}
	cl, err := c.clientWithTimeout(0)
	if err != nil {
		return err
	}
	return c.writeOutput(output, func(w io.Writer) error { return cl.ExportAgents(ctx, c.org, w) })
}

// ccAgentsUploadCommand uploads an edited agent template as a task: roster cc agents upload FILE.
type ccAgentsUploadCommand struct{ ccRemote }

func (c *ccAgentsUploadCommand) run(ctx context.Context, args []string) error {
	fs := c.flagSet("cc agents upload", true)
	var dryRun, wait bool
	fs.BoolVar(&dryRun, "dry-run", false, "check every row and report what would change, changing nothing")
	fs.BoolVar(&wait, "wait", false, "follow the upload with a progress bar until it ends, then show its outcome "+waitExit)
	_, pos, err := c.prepare(fs, args, 1, 1, "one CSV file")
	if err != nil {
		return err
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	cl, err := c.clientWithTimeout(0)
	if err != nil {
		return err
	}
	t, err := cl.UploadAgents(ctx, c.org, httpapi.AgentUpload{DryRun: dryRun, FileName: filepath.Base(pos[0]), File: f})
	if err != nil {
		return err
	}
	if !wait {
		if c.json {
			return c.printJSON(t)
		}
		fmt.Fprintf(c.stdout, "Agent upload queued as task %s (%d rows).\nFollow it with: %s tasks get %s --org %s (or upload with --wait)\n",
			t.ID, t.Progress.Total, c.prog, t.ID, c.org)
		return nil
	}
	return c.followThen(ctx, cl, t, c.printUploadOutcome, false)
}

// printUploadOutcome says what a finished agent upload did.
func (c *ccAgentsUploadCommand) printUploadOutcome(t *httpapi.Task) {
	n := t.Counts
	if t.Input != nil && t.Input.DryRun {
		fmt.Fprintf(c.stdout, "Dry run finished (%s): nothing was changed. Uploaded now, the file would:\n", t.State)
		fmt.Fprintf(c.stdout, "  update %s, leave %s unchanged; %s, %s\n", plural(n.Updated, "agent"), thousands(n.Unchanged),
			plural(n.Errors, "error"), plural(n.Warnings, "warning"))
	} else {
		fmt.Fprintf(c.stdout, "Agent upload finished (%s):\n", t.State)
		fmt.Fprintf(c.stdout, "  %s updated, %s unchanged; %s, %s\n", plural(n.Updated, "agent"), thousands(n.Unchanged),
			plural(n.Errors, "error"), plural(n.Warnings, "warning"))
	}
}
