package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"roster"
	"roster/internal/httpapi"
)

// ccCommand works on the contact center of an organization through the REST API: its Service
// Details, agents and their update template, sites, teams and profiles.
type ccCommand struct {
	orgRemote
}

const ccUsage = `roster cc <details|agents|sites|teams|skill-profiles|agent-profiles|multimedia-profiles> ... --org ID [flags]
  details                           show the platform, the connector, agents per profile type
                                    and users per sync status
  agents list [--q PREFIX] [--all]  list agents by email
  agents get USER                   show one agent (USER is a user id or an email)
  agents update USER [--enabled true|false] [--site S] [--teams T1,T2] [--skill-profile P]
                [--agent-profile P] [--multimedia-profile P] [--external-id X] [--dial-number N]
                                    change an agent; entities by name or id, "" clears one;
                                    a new site without --teams drops the teams of the old one
  agents export [-o FILE]           download the agent update template (CSV)
  agents upload FILE [--dry-run] [--wait]
                                    upload an edited template, as a task
  sites list | create NAME | rename SITE NAME | delete SITE
  teams list [--site S] | create NAME --site S | rename TEAM NAME | delete TEAM
  skill-profiles, agent-profiles, multimedia-profiles: list | create NAME | rename P NAME | delete P
                                    (SITE, TEAM and P are an id or a name)`

func (c *ccCommand) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageErrorf("%s", ccUsage)
	}
	// "roster cc -h" and "roster cc sites -h" alike: the table covers every entity.
	if isHelp(args[0]) || len(args) > 1 && args[0] != "details" && isHelp(args[1]) {
		return familyUsage(c.stdout, "cc", ccUsage)
	}
	entity := args[0]
	if entity == "details" {
		fs := newFlagSet("cc details", "cc details --org ID [flags]", c.stdout)
		c.register(fs)
		c.registerOrg(fs)
		return c.details(ctx, fs, args[1:])
	}
	if len(args) < 2 {
		return usageErrorf("%s", ccUsage)
	}
	sub, args := args[1], args[2:]
	name := "cc " + entity + " " + sub
	fs := newFlagSet(name, name+" [flags]", c.stdout)
	c.registerOrg(fs)
	if entity == "agents" && sub == "export" {
		// A CSV file: --json has no meaning here.
		c.registerServer(fs)
	} else {
		c.register(fs)
	}
	switch entity {
	case "agents":
		switch sub {
		case "list":
			return c.listAgents(ctx, fs, args)
		case "get":
			return c.getAgent(ctx, fs, args)
		case "update":
			return c.updateAgent(ctx, fs, args)
		case "export":
			return c.exportAgents(ctx, fs, args)
		case "upload":
			return c.uploadAgents(ctx, fs, args)
		}
	case "sites", "teams", "skill-profiles", "agent-profiles", "multimedia-profiles":
		e := entityKinds[entity]
		if sub == "list" || sub == "create" || sub == "rename" {
			c.registerIDOnly(fs)
		}
		switch sub {
		case "list":
			return c.listEntities(ctx, fs, args, e)
		case "create":
			return c.createEntity(ctx, fs, args, e)
		case "rename":
			return c.renameEntity(ctx, fs, args, e)
		case "delete":
			return c.deleteEntity(ctx, fs, args, e)
		}
	default:
		return usageErrorf("unknown subcommand %q\n%s", entity, ccUsage)
	}
	return usageErrorf("unknown subcommand %q of %s\n%s", sub, entity, ccUsage)
}

func (c *ccCommand) details(ctx context.Context, fs *flag.FlagSet, args []string) error {
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
	c.remote.details(append([][2]string{
		{"Platform", string(d.Platform)}, {"Connector", d.Connector},
		{"Agents", fmt.Sprintf("%s standard agent, %s premium agent, %s supervisor, %s administrator, %s administrator only",
			thousands(a.StandardAgent), thousands(a.PremiumAgent), thousands(a.Supervisor), thousands(a.Administrator), thousands(a.AdministratorOnly))},
		{"Sync status", fmt.Sprintf("%s valid, %s pending, %s invalid, %s none",
			thousands(u.Valid), thousands(u.Pending), thousands(u.Invalid), thousands(u.None))},
	}, remoteSupportDetails(d.Remote)...))
	return nil
}

// remoteSupportDetails are the lines of Service Details that say what the contact center
// behind a remote connector supports; none with the builtin connector.
func remoteSupportDetails(r *httpapi.RemoteSupport) [][2]string {
	if r == nil {
		return nil
	}
	yesNo := func(b bool, yes, no string) string {
		if b {
			return yes
		}
		return no
	}
	lines := [][2]string{{"Remote checked", r.CheckedAt.UTC().Format(time.RFC3339)}}
	if !r.Reachable {
		lines = append(lines, [2]string{"Remote", "not reachable"})
	} else {
		lines = append(lines,
			[2]string{"Remote changes", yesNo(r.Patch, "PATCH (attributes set there stay)", "PUT of the remote user with Roster's attributes merged in")},
			[2]string{"Remote versions", yesNo(r.ETags, "ETags (changes sent with If-Match)", "none")},
			[2]string{"Remote schemas", strings.Join(r.Schemas, ", ")},
			[2]string{"Contact-center schema", yesNo(r.ExtensionListed, "listed", "not listed")})
	}
	if r.Problem != "" {
		lines = append(lines, [2]string{"Remote problem", r.Problem})
	}
	return lines
}

// entityKind is one kind of portal entity the cc command manages.
type entityKind struct {
	noun    string
	profile roster.PortalProfileKind // "" for sites and teams
}

var entityKinds = map[string]entityKind{
	"sites": {noun: "site"}, "teams": {noun: "team"},
	"skill-profiles":      {noun: "skill profile", profile: roster.SkillProfile},
	"agent-profiles":      {noun: "agent profile", profile: roster.AgentProfile},
	"multimedia-profiles": {noun: "multimedia profile", profile: roster.MultimediaProfile},
}

// entity is a site, team or profile as the CLI shows it.
type entity struct {
	ID, Name, SiteID string
	Version          int64
	raw              any
}

// entities lists the entities of a kind (teams of siteID only, when given).
func (c *ccCommand) entities(ctx context.Context, cl *httpapi.Client, e entityKind, siteID string) ([]entity, error) {
	var out []entity
	switch e.noun {
	case "site":
		sites, err := cl.Sites(ctx, c.org)
		for _, s := range sites {
			out = append(out, entity{ID: s.ID, Name: s.Name, Version: s.Version, raw: s})
		}
		return out, err
	case "team":
		teams, err := cl.Teams(ctx, c.org, siteID)
		for _, t := range teams {
			out = append(out, entity{ID: t.ID, Name: t.Name, SiteID: t.SiteID, Version: t.Version, raw: t})
		}
		return out, err
	}
	ps, err := cl.PortalProfiles(ctx, c.org, e.profile)
	for _, p := range ps {
		out = append(out, entity{ID: p.ID, Name: p.Name, Version: p.Version, raw: p})
	}
	return out, err
}

// resolve finds an entity of a kind by id, or by name ignoring case.
func (c *ccCommand) resolve(ctx context.Context, cl *httpapi.Client, e entityKind, ref string) (entity, error) {
	list, err := c.entities(ctx, cl, e, "")
	if err != nil {
		return entity{}, err
	}
	for _, x := range list {
		if x.ID == ref {
			return x, nil
		}
	}
	for _, x := range list {
		if strings.EqualFold(x.Name, ref) {
			return x, nil
		}
	}
	return entity{}, roster.Errorf(roster.CodeNotFound, "No %s of this organization has the id or name %q.", e.noun, ref)
}

func (c *ccCommand) listEntities(ctx context.Context, fs *flag.FlagSet, args []string, e entityKind) error {
	var site string
	if e.noun == "team" {
		fs.StringVar(&site, "site", "", "only the teams of this site (id or name)")
	}
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	var siteID string
	if site != "" {
		s, err := c.resolve(ctx, cl, entityKinds["sites"], site)
		if err != nil {
			return err
		}
		siteID = s.ID
	}
	list, err := c.entities(ctx, cl, e, siteID)
	if err != nil {
		return err
	}
	if c.json {
		items := make([]any, len(list))
		for i, x := range list {
			items[i] = x.raw
		}
		return c.printJSON(map[string]any{"items": items})
	}
	if len(list) == 0 {
		fmt.Fprintf(c.stdout, "No %ss.\n", e.noun)
		return nil
	}
	if e.noun == "team" {
		sites, err := c.siteNames(ctx, cl)
		if err != nil {
			return err
		}
		rows := make([][]string, len(list))
		for i, x := range list {
			rows[i] = []string{x.Name, sites[x.SiteID], x.ID}
		}
		c.table([]string{"NAME", "SITE", "ID"}, rows)
		return nil
	}
	rows := make([][]string, len(list))
	for i, x := range list {
		rows[i] = []string{x.Name, x.ID}
	}
	c.table([]string{"NAME", "ID"}, rows)
	return nil
}

func (c *ccCommand) siteNames(ctx context.Context, cl *httpapi.Client) (map[string]string, error) {
	sites, err := cl.Sites(ctx, c.org)
	names := make(map[string]string, len(sites))
	for _, s := range sites {
		names[s.ID] = s.Name
	}
	return names, err
}

func (c *ccCommand) createEntity(ctx context.Context, fs *flag.FlagSet, args []string, e entityKind) error {
	var site string
	if e.noun == "team" {
		fs.StringVar(&site, "site", "", "the site of the team (id or name); required")
	}
	cl, pos, err := c.prepare(fs, args, 1, 1, "one name (quote a name with spaces)")
	if err != nil {
		return err
	}
	var out any
	switch e.noun {
	case "site":
		out, err = cl.CreateSite(ctx, c.org, pos[0])
	case "team":
		if site == "" {
			return usageErrorf("--site is required: a team belongs to one site")
		}
		s, rerr := c.resolve(ctx, cl, entityKinds["sites"], site)
		if rerr != nil {
			return rerr
		}
		out, err = cl.CreateTeam(ctx, c.org, httpapi.TeamInput{Name: httpapi.Some(pos[0]), SiteID: httpapi.Some(s.ID)})
	default:
		out, err = cl.CreatePortalProfile(ctx, c.org, e.profile, pos[0])
	}
	if err != nil {
		return err
	}
	return c.printEntity(e, out)
}

func (c *ccCommand) renameEntity(ctx context.Context, fs *flag.FlagSet, args []string, e entityKind) error {
	cl, pos, err := c.prepare(fs, args, 2, 2, "the "+e.noun+" (id or name) and its new name")
	if err != nil {
		return err
	}
	x, err := c.resolve(ctx, cl, e, pos[0])
	if err != nil {
		return err
	}
	// The version just read guards the change against a concurrent one.
	tag := httpapi.ETag(x.Version)
	var out any
	switch e.noun {
	case "site":
		out, err = cl.RenameSite(ctx, c.org, x.ID, pos[1], tag)
	case "team":
		out, err = cl.UpdateTeam(ctx, c.org, x.ID, httpapi.TeamInput{Name: httpapi.Some(pos[1])}, tag)
	default:
		out, err = cl.RenamePortalProfile(ctx, c.org, e.profile, x.ID, pos[1], tag)
	}
	if err != nil {
		return err
	}
	return c.printEntity(e, out)
}

func (c *ccCommand) deleteEntity(ctx context.Context, fs *flag.FlagSet, args []string, e entityKind) error {
	cl, pos, err := c.prepare(fs, args, 1, 1, "the "+e.noun+" (id or name)")
	if err != nil {
		return err
	}
	x, err := c.resolve(ctx, cl, e, pos[0])
	if err != nil {
		return err
	}
	tag := httpapi.ETag(x.Version)
	switch e.noun {
	case "site":
		err = cl.DeleteSite(ctx, c.org, x.ID, tag)
	case "team":
		err = cl.DeleteTeam(ctx, c.org, x.ID, tag)
	default:
		err = cl.DeletePortalProfile(ctx, c.org, e.profile, x.ID, tag)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "deleted %s %s\n", e.noun, x.Name)
	return nil
}

func (c *ccCommand) printEntity(e entityKind, v any) error {
	if c.json {
		return c.printJSON(v)
	}
	switch x := v.(type) {
	case *httpapi.Site:
		c.remote.details([][2]string{{"ID", x.ID}, {"Name", x.Name}, {"Version", strconv.FormatInt(x.Version, 10)}})
	case *httpapi.Team:
		c.remote.details([][2]string{{"ID", x.ID}, {"Name", x.Name}, {"Site ID", x.SiteID}, {"Version", strconv.FormatInt(x.Version, 10)}})
	case *httpapi.PortalProfile:
		c.remote.details([][2]string{{"ID", x.ID}, {"Name", x.Name}, {"Kind", e.noun}, {"Version", strconv.FormatInt(x.Version, 10)}})
	}
	return nil
}

// names maps the ids of every portal entity of the organization to their names, to show
// agents.
func (c *ccCommand) names(ctx context.Context, cl *httpapi.Client) (map[string]string, error) {
	names := map[string]string{}
	for _, kind := range []string{"sites", "teams", "skill-profiles", "agent-profiles", "multimedia-profiles"} {
		list, err := c.entities(ctx, cl, entityKinds[kind], "")
		if err != nil {
			return nil, err
		}
		for _, x := range list {
			names[x.ID] = x.Name
		}
	}
	return names, nil
}

func teamNames(ids []string, names map[string]string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = names[id]
	}
	return strings.Join(out, "|")
}

func (c *ccCommand) listAgents(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var q httpapi.AgentQuery
	var all bool
	fs.StringVar(&q.Q, "q", "", "prefix of the email")
	fs.IntVar(&q.Limit, "limit", 100, "agents per page (at most 1000)")
	fs.StringVar(&q.Cursor, "cursor", "", "cursor of the page to read, from the previous page")
	fs.BoolVar(&all, "all", false, "read every page")
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
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
		fmt.Fprintln(c.stdout, "No agents.")
		return nil
	}
	names, err := c.names(ctx, cl)
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

// agentUserID turns a user id or an email into a user id.
func (c *ccCommand) agentUserID(ctx context.Context, cl *httpapi.Client, ref string) (string, error) {
	if !strings.Contains(ref, "@") {
		return ref, nil
	}
	page, err := cl.Users(ctx, c.org, httpapi.UserQuery{Email: ref, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(page.Items) == 0 {
		return "", roster.Errorf(roster.CodeNotFound, "No user of this organization has the email %s.", ref)
	}
	return page.Items[0].ID, nil
}

func (c *ccCommand) getAgent(ctx context.Context, fs *flag.FlagSet, args []string) error {
	cl, pos, err := c.prepare(fs, args, 1, 1, "one user id or email")
	if err != nil {
		return err
	}
	id, err := c.agentUserID(ctx, cl, pos[0])
	if err != nil {
		return err
	}
	a, err := cl.Agent(ctx, c.org, id)
	if err != nil {
		return err
	}
	return c.printAgent(ctx, cl, a)
}

func (c *ccCommand) printAgent(ctx context.Context, cl *httpapi.Client, a *httpapi.Agent) error {
	if c.json {
		return c.printJSON(a)
	}
	names, err := c.names(ctx, cl)
	if err != nil {
		return err
	}
	c.remote.details([][2]string{
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

func (c *ccCommand) updateAgent(ctx context.Context, fs *flag.FlagSet, args []string) error {
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
	ref := func(flagName, value, kind string, dst *httpapi.Optional[string]) error {
		if !set[flagName] {
			return nil
		}
		if value == "" {
			*dst = httpapi.Some("")
			return nil
		}
		x, err := c.resolve(ctx, cl, entityKinds[kind], value)
		if err == nil {
			*dst = httpapi.Some(x.ID)
		}
		return err
	}
	for _, r := range []struct {
		flag, value, kind string
		dst               *httpapi.Optional[string]
	}{{"site", site, "sites", &p.SiteID}, {"skill-profile", skill, "skill-profiles", &p.SkillProfileID},
		{"agent-profile", agentProfile, "agent-profiles", &p.AgentProfileID},
		{"multimedia-profile", multimedia, "multimedia-profiles", &p.MultimediaProfileID}} {
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
			x, err := c.resolve(ctx, cl, entityKinds["teams"], t)
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
	id, err := c.agentUserID(ctx, cl, pos[0])
	if err != nil {
		return err
	}
	a, err := cl.Agent(ctx, c.org, id)
	if err != nil {
		return err
	}
	if a, err = cl.UpdateAgent(ctx, c.org, id, p, httpapi.ETag(a.Version)); err != nil {
		return err
	}
	return c.printAgent(ctx, cl, a)
}

func (c *ccCommand) exportAgents(ctx context.Context, fs *flag.FlagSet, args []string) error {
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

func (c *ccCommand) uploadAgents(ctx context.Context, fs *flag.FlagSet, args []string) error {
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
func (c *ccCommand) printUploadOutcome(t *httpapi.Task) {
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
