package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"roster"
	"roster/internal/httpapi"
)

// ccCommand is the family of the contact-center subcommands of an organization, through the
// REST API: its Service Details, agents and their update template, sites, teams and profiles.
// It finds the subcommand its first two words name and runs it; each subcommand is a type of
// its own, with its own flags (cc_agents.go for details and agents, below for the entities).
type ccCommand struct {
	orgRemote
}

const ccUsage = `roster cc <details|agents|sites|teams|skill-profiles|agent-profiles|multimedia-profiles> ... --org ID [flags]
  details                           show the platform, the connector, agents per profile type
                                    and users per sync status
  agents list [--q PREFIX] [--site S] [--team T] [--profile-type TYPE] [--active[=false]]
              [--cc-enabled[=false]] [--all]
                                    list agents by email, only those every filter given keeps
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
	cc := ccRemote{orgRemote: c.orgRemote}
	if args[0] == "details" {
		return (&ccDetailsCommand{cc}).run(ctx, args[1:])
	}
	if len(args) < 2 {
		return usageErrorf("%s", ccUsage)
	}
	group, verb := args[0], args[1]
	subs, ok := ccSubcommands(cc)[group]
	if !ok {
		return usageErrorf("unknown subcommand %q\n%s", group, ccUsage)
	}
	sub, ok := subs[verb]
	if !ok {
		return usageErrorf("unknown subcommand %q of %s\n%s", verb, group, ccUsage)
	}
	return sub.run(ctx, args[2:])
}

// ccSubcommands are the subcommands of roster cc but details, by their two words.
func ccSubcommands(cc ccRemote) map[string]map[string]command {
	subs := map[string]map[string]command{
		"agents": {
			"list": &ccAgentsListCommand{cc}, "get": &ccAgentsGetCommand{cc}, "update": &ccAgentsUpdateCommand{cc},
			"export": &ccAgentsExportCommand{cc}, "upload": &ccAgentsUploadCommand{cc},
		},
	}
	for _, k := range ccKinds {
		subs[k.plural] = map[string]command{
			"list": &ccListCommand{cc, k}, "create": &ccCreateCommand{cc, k},
			"rename": &ccRenameCommand{cc, k}, "delete": &ccDeleteCommand{cc, k},
		}
	}
	return subs
}

// ccRemote is what every cc subcommand shares: the server, the organization, and the
// entities of its contact center by id or name.
type ccRemote struct {
	orgRemote
}

// flagSet returns the flag set of subcommand name ("cc agents list") with --org and the
// server's flags, and --json unless the subcommand prints no JSON.
func (c *ccRemote) flagSet(name string, json bool) *flag.FlagSet {
	fs := newFlagSet(name, name+" [flags]", c.stdout)
	c.registerOrg(fs)
	if json {
		c.register(fs)
	} else {
		c.registerServer(fs)
	}
	return fs
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

// ccKind is one kind of contact-center entity as the CLI manages it: sites, teams, and skill,
// agent and multimedia profiles. The four entity subcommands serve every kind through it.
type ccKind struct {
	plural string // the command-line word: sites, skill-profiles
	noun   string // in messages: site, skill profile
	// atSite says an entity belongs to a site: teams are listed by site, created at one, and
	// shown with its name.
	atSite bool
	// extra is what an entity shows between its name and its version.
	extra func(k *ccKind, x entity) [][2]string
	list  func(ctx context.Context, cl *httpapi.Client, orgID string, q url.Values) ([]entity, error)
	// create and rename send the kind's body; they return the entity as the API answered it.
	create func(ctx context.Context, cl *httpapi.Client, orgID, name, siteID string) (entity, error)
	rename func(ctx context.Context, cl *httpapi.Client, orgID, id, name, ifMatch string) (entity, error)
	delete func(ctx context.Context, cl *httpapi.Client, orgID, id, ifMatch string) error
}

// entity is a site, team or profile as the CLI shows it; raw is the API's JSON form.
type entity struct {
	ID, Name, SiteID string
	Version          int64
	raw              any
}

// newCCKind returns the kind whose entities res reads and writes. toEntity reads the API's
// form; createBody and renameBody make the bodies that create and rename one.
func newCCKind[J any](plural, noun string, res func(cl *httpapi.Client, orgID string) httpapi.Entities[J], toEntity func(*J) entity,
	createBody func(name, siteID string) any, renameBody func(name string) any) *ccKind {
	one := func(j *J, err error) (entity, error) {
		if err != nil {
			return entity{}, err
		}
		return toEntity(j), nil
	}
	return &ccKind{plural: plural, noun: noun,
		extra: func(*ccKind, entity) [][2]string { return nil },
		list: func(ctx context.Context, cl *httpapi.Client, orgID string, q url.Values) ([]entity, error) {
			items, err := res(cl, orgID).List(ctx, q)
			out := make([]entity, len(items))
			for i := range items {
				out[i] = toEntity(&items[i])
			}
			return out, err
		},
		create: func(ctx context.Context, cl *httpapi.Client, orgID, name, siteID string) (entity, error) {
			return one(res(cl, orgID).Create(ctx, createBody(name, siteID)))
		},
		rename: func(ctx context.Context, cl *httpapi.Client, orgID, id, name, ifMatch string) (entity, error) {
			return one(res(cl, orgID).Update(ctx, id, renameBody(name), ifMatch))
		},
		delete: func(ctx context.Context, cl *httpapi.Client, orgID, id, ifMatch string) error {
			return res(cl, orgID).Delete(ctx, id, ifMatch)
		},
	}
}

func nameBody(name string) any        { return httpapi.NameInput{Name: name} }
func nameOnlyBody(name, _ string) any { return httpapi.NameInput{Name: name} }
func teamBody(name, siteID string) any {
	return httpapi.TeamInput{Name: httpapi.Some(name), SiteID: httpapi.Some(siteID)}
}
func teamRenameBody(name string) any            { return httpapi.TeamInput{Name: httpapi.Some(name)} }
func kindExtra(k *ccKind, _ entity) [][2]string { return [][2]string{{"Kind", k.noun}} }

var (
	ccSites = newCCKind("sites", "site", (*httpapi.Client).Sites,
		func(s *httpapi.Site) entity { return entity{ID: s.ID, Name: s.Name, Version: s.Version, raw: s} },
		nameOnlyBody, nameBody)
	ccTeams = func() *ccKind {
		k := newCCKind("teams", "team", (*httpapi.Client).Teams,
			func(t *httpapi.Team) entity {
				return entity{ID: t.ID, Name: t.Name, SiteID: t.SiteID, Version: t.Version, raw: t}
			},
			teamBody, teamRenameBody)
		k.atSite = true
		k.extra = func(_ *ccKind, x entity) [][2]string { return [][2]string{{"Site ID", x.SiteID}} }
		return k
	}()
	ccSkillProfiles      = ccProfiles(roster.SkillProfile)
	ccAgentProfiles      = ccProfiles(roster.AgentProfile)
	ccMultimediaProfiles = ccProfiles(roster.MultimediaProfile)
	// ccKinds are the kinds of entities, in the order of the usage.
	ccKinds = []*ccKind{ccSites, ccTeams, ccSkillProfiles, ccAgentProfiles, ccMultimediaProfiles}
)

func ccProfiles(kind roster.PortalProfileKind) *ccKind {
	k := newCCKind(httpapi.ProfileSegment(kind), string(kind)+" profile",
		func(cl *httpapi.Client, orgID string) httpapi.Entities[httpapi.PortalProfile] {
			return cl.PortalProfiles(orgID, kind)
		},
		func(p *httpapi.PortalProfile) entity {
			return entity{ID: p.ID, Name: p.Name, Version: p.Version, raw: p}
		},
		nameOnlyBody, nameBody)
	k.extra = kindExtra
	return k
}

// resolve finds an entity of a kind by id, or by name ignoring case.
func (c *ccRemote) resolve(ctx context.Context, cl *httpapi.Client, k *ccKind, ref string) (entity, error) {
	list, err := k.list(ctx, cl, c.org, nil)
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
	return entity{}, roster.Errorf(roster.CodeNotFound, "No %s of this organization has the id or name %q.", k.noun, ref)
}

// names maps the ids of every entity of the organization to their names, to show agents and
// teams.
func (c *ccRemote) names(ctx context.Context, cl *httpapi.Client, kinds ...*ccKind) (map[string]string, error) {
	names := map[string]string{}
	for _, k := range kinds {
		list, err := k.list(ctx, cl, c.org, nil)
		if err != nil {
			return nil, err
		}
		for _, x := range list {
			names[x.ID] = x.Name
		}
	}
	return names, nil
}

// printEntity prints an entity the API answered a change with.
func (c *ccRemote) printEntity(k *ccKind, x entity) error {
	if c.json {
		return c.printJSON(x.raw)
	}
	pairs := append([][2]string{{"ID", x.ID}, {"Name", x.Name}}, k.extra(k, x)...)
	c.details(append(pairs, [2]string{"Version", strconv.FormatInt(x.Version, 10)}))
	return nil
}

// ccListCommand lists the entities of a kind: roster cc sites list.
type ccListCommand struct {
	ccRemote
	kind *ccKind
}

func (c *ccListCommand) run(ctx context.Context, args []string) error {
	k := c.kind
	fs := c.flagSet("cc "+k.plural+" list", true)
	c.registerIDOnly(fs)
	var site string
	if k.atSite {
		fs.StringVar(&site, "site", "", "only the teams of this site (id or name)")
	}
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	var q url.Values
	if site != "" {
		s, err := c.resolve(ctx, cl, ccSites, site)
		if err != nil {
			return err
		}
		q = url.Values{"siteId": {s.ID}}
	}
	list, err := k.list(ctx, cl, c.org, q)
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
		fmt.Fprintf(c.stdout, "No %ss.\n", k.noun)
		return nil
	}
	header := []string{"NAME", "ID"}
	var sites map[string]string
	if k.atSite {
		header = []string{"NAME", "SITE", "ID"}
		if sites, err = c.names(ctx, cl, ccSites); err != nil {
			return err
		}
	}
	rows := make([][]string, len(list))
	for i, x := range list {
		rows[i] = []string{x.Name, x.ID}
		if k.atSite {
			rows[i] = []string{x.Name, sites[x.SiteID], x.ID}
		}
	}
	c.table(header, rows)
	return nil
}

// ccCreateCommand creates an entity of a kind: roster cc sites create NAME.
type ccCreateCommand struct {
	ccRemote
	kind *ccKind
}

func (c *ccCreateCommand) run(ctx context.Context, args []string) error {
	k := c.kind
	fs := c.flagSet("cc "+k.plural+" create", true)
	c.registerIDOnly(fs)
	var site string
	if k.atSite {
		fs.StringVar(&site, "site", "", "the site of the team (id or name); required")
	}
	cl, pos, err := c.prepare(fs, args, 1, 1, "one name (quote a name with spaces)")
	if err != nil {
		return err
	}
	var siteID string
	if k.atSite {
		if site == "" {
			return usageErrorf("--site is required: a team belongs to one site")
		}
		s, err := c.resolve(ctx, cl, ccSites, site)
		if err != nil {
			return err
		}
		siteID = s.ID
	}
	x, err := k.create(ctx, cl, c.org, pos[0], siteID)
	if err != nil {
		return err
	}
	return c.printEntity(k, x)
}

// ccRenameCommand renames an entity of a kind: roster cc sites rename SITE NAME.
type ccRenameCommand struct {
	ccRemote
	kind *ccKind
}

func (c *ccRenameCommand) run(ctx context.Context, args []string) error {
	k := c.kind
	fs := c.flagSet("cc "+k.plural+" rename", true)
	c.registerIDOnly(fs)
	cl, pos, err := c.prepare(fs, args, 2, 2, "the "+k.noun+" (id or name) and its new name")
	if err != nil {
		return err
	}
	x, err := c.resolve(ctx, cl, k, pos[0])
	if err != nil {
		return err
	}
	// The version just read guards the change against a concurrent one.
	if x, err = k.rename(ctx, cl, c.org, x.ID, pos[1], httpapi.ETag(x.Version)); err != nil {
		return err
	}
	return c.printEntity(k, x)
}

// ccDeleteCommand deletes an entity of a kind: roster cc sites delete SITE.
type ccDeleteCommand struct {
	ccRemote
	kind *ccKind
}

func (c *ccDeleteCommand) run(ctx context.Context, args []string) error {
	k := c.kind
	fs := c.flagSet("cc "+k.plural+" delete", true)
	cl, pos, err := c.prepare(fs, args, 1, 1, "the "+k.noun+" (id or name)")
	if err != nil {
		return err
	}
	x, err := c.resolve(ctx, cl, k, pos[0])
	if err != nil {
		return err
	}
	if err := k.delete(ctx, cl, c.org, x.ID, httpapi.ETag(x.Version)); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "deleted %s %s\n", k.noun, x.Name)
	return nil
}
