package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
)

// fixture is a server with two organizations:
//
//   - A, "Alpha Corp", platform new, unlimited seats, tokens A.full, A.cc (cc_service), A.ro
//     (read_only); users A.agent (agent@a.example, standard) and A.sup (sup@a.example,
//     premium supervisor).
//   - B, "Bravo Secret Trial", platform 1.0, one standard and one premium seat, both taken;
//     token B.full; users B.sup (sup@b.example, premium supervisor) and B.std (std@b.example,
//     standard).
//
// plus the installation token sys. Every fixture user is at version 1. A has three tasks, made
// directly in the store (no worker runs in tests): A.queued (users.import, queued), A.running
// (users.import, running, with progress and counts) and A.done (users.import, completed, with
// report rows for agent@a.example and sup@a.example).
type fixture struct {
	*env
	a, b     *roster.Org
	tokens   map[string]string // name → secret
	tokenIDs map[string]string // name → id
	users    map[string]*roster.User
	tasks    map[string]*roster.Task
	groups   map[string]*roster.Group       // made by scenarios' setup, by name
	profiles map[string]*roster.UserProfile // made by scenarios' setup, by name
	// The contact center of A, made by portal: by name, and profiles by "kind:name".
	sites          map[string]*roster.Site
	teams          map[string]*roster.Team
	portalProfiles map[string]*roster.PortalProfile
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	e := newEnv(t)
	f := &fixture{env: e, tokens: map[string]string{"sys": e.sys, "bogus": "rst_bogusbogusbogusbogusbogusbogusbogusbogusbog"},
		tokenIDs: map[string]string{}, users: map[string]*roster.User{}, tasks: map[string]*roster.Task{},
		groups: map[string]*roster.Group{}, profiles: map[string]*roster.UserProfile{},
		sites: map[string]*roster.Site{}, teams: map[string]*roster.Team{}, portalProfiles: map[string]*roster.PortalProfile{}}
	f.a = e.createOrg("Alpha Corp", roster.PlatformNew, roster.Seats{})
	f.b = e.createOrg("Bravo Secret Trial", roster.Platform10, roster.Seats{Standard: 1, Premium: 1})
	for _, tk := range []struct {
		name string
		org  string
		role roster.AdminRole
	}{{"A.full", f.a.ID, roster.AdminFull}, {"A.cc", f.a.ID, roster.AdminCCService}, {"A.ro", f.a.ID, roster.AdminReadOnly}, {"B.full", f.b.ID, roster.AdminFull}} {
		tok, secret := e.mintToken(provision.NewToken{OrgID: tk.org, Name: tk.name, Role: tk.role})
		f.tokens[tk.name], f.tokenIDs[tk.name] = secret, tok.ID
	}
	f.users["A.agent"] = e.createUser(f.a.ID, provision.NewUser{Email: "agent@a.example", FirstName: "Ada", LastName: "Agent", License: roster.LicenseStandard})
	f.users["A.sup"] = e.createUser(f.a.ID, provision.NewUser{Email: "sup@a.example", FirstName: "Sven", LastName: "Super", License: roster.LicensePremium, CCRole: roster.RoleSupervisor})
	f.users["B.sup"] = e.createUser(f.b.ID, provision.NewUser{Email: "sup@b.example", License: roster.LicensePremium, CCRole: roster.RoleSupervisor})
	f.users["B.std"] = e.createUser(f.b.ID, provision.NewUser{Email: "std@b.example", License: roster.LicenseStandard})
	start := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	f.tasks["A.done"] = e.createTask(&roster.Task{OrgID: f.a.ID, Kind: "users.import", State: roster.TaskCompleted,
		Progress: roster.TaskProgress{Done: 2, Total: 2}, Counts: roster.TaskCounts{Created: 1, Errors: 1},
		CreatedBy: f.tokenIDs["A.full"], CreatedAt: start, StartedAt: start.Add(time.Second), FinishedAt: start.Add(2 * time.Second)},
		&roster.TaskRow{Row: 2, Email: "agent@a.example", Outcome: "created"},
		&roster.TaskRow{Row: 3, Email: "sup@a.example", Outcome: "error", Code: roster.CodeNoSeatsAvailable, Message: "=No seats"})
	f.tasks["A.running"] = e.createTask(&roster.Task{OrgID: f.a.ID, Kind: "users.import", State: roster.TaskRunning,
		Progress: roster.TaskProgress{Done: 5, Total: 10}, Counts: roster.TaskCounts{Updated: 4, Unchanged: 1},
		CreatedBy: f.tokenIDs["A.cc"], CreatedAt: start.Add(time.Minute), StartedAt: start.Add(time.Minute)})
	f.tasks["A.queued"] = e.createTask(&roster.Task{OrgID: f.a.ID, Kind: "users.import", State: roster.TaskQueued,
		CreatedBy: f.tokenIDs["A.full"], CreatedAt: start.Add(2 * time.Minute)})
	return f
}

// group creates a group of organization A (or B, for a name starting with "B.") for a
// scenario, to name as {group:NAME}.
func (f *fixture) group(name string, license roster.License) *roster.Group {
	org := f.a.ID
	if strings.HasPrefix(name, "B.") {
		org = f.b.ID
	}
	g := f.createGroup(org, name, license)
	f.groups[name] = g
	return g
}

// profile creates a custom user profile of organization A for a scenario, to name as
// {profile:NAME}.
func (f *fixture) profile(name string, pt roster.ProfileType) *roster.UserProfile {
	p := f.createUserProfile(f.a.ID, name, pt)
	f.profiles[name] = p
	return p
}

// exampleSiteID is the site id of the document's examples.
const exampleSiteID = "0193a4f5-0000-7a10-8c3d-5e6f7a8b9c0d"

// portal makes the contact center of A: the site Malmö with the team Support, the skill,
// agent and multimedia profiles "Examples", and agents for A.agent and A.sup (made directly in
// the store, as sync will), A.sup at Malmö in Support with the skill profile. Their
// placeholders are {site:NAME}, {team:NAME}, {skill:NAME}, {agent:NAME} and {multimedia:NAME}.
func (f *fixture) portal() {
	f.t.Helper()
	ctx := context.Background()
	site, err := f.svc.CreateSite(ctx, actor, f.a.ID, "Malmö")
	if err != nil {
		f.t.Fatal(err)
	}
	f.sites[site.Name] = site
	team, err := f.svc.CreateTeam(ctx, actor, f.a.ID, provision.TeamInput{Name: ptr("Support"), SiteID: &site.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	f.teams[team.Name] = team
	for _, k := range []roster.PortalProfileKind{roster.SkillProfile, roster.AgentProfile, roster.MultimediaProfile} {
		p, err := f.svc.CreatePortalProfile(ctx, actor, f.a.ID, k, "Examples")
		if err != nil {
			f.t.Fatal(err)
		}
		f.portalProfiles[string(k)+":"+p.Name] = p
	}
	f.makeAgents(f.users["A.agent"], f.users["A.sup"])
	if _, err := f.svc.UpdateAgent(ctx, actor, f.a.ID, f.users["A.sup"].ID, provision.AgentChange{SiteID: &site.ID,
		TeamIDs: &[]string{team.ID}, SkillProfileID: &f.portalProfiles["skill:Examples"].ID}, 0); err != nil {
		f.t.Fatal(err)
	}
}

// makeAgents gives users agents directly in the store, as sync will.
func (f *fixture) makeAgents(users ...*roster.User) {
	f.t.Helper()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	agents := make([]*roster.Agent, len(users))
	for i, u := range users {
		agents[i] = &roster.Agent{UserID: u.ID, OrgID: u.OrgID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
			ProfileType: u.ProfileType(), UserProfileID: u.UserProfileID, Active: true, ContactCenterEnabled: true,
			CreatedAt: now, UpdatedAt: now, Version: 1}
	}
	if err := f.store.Write(context.Background(), func(tx roster.Tx) error { return tx.CreateAgents(context.Background(), agents) }); err != nil {
		f.t.Fatalf("create agents: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// expand replaces the placeholders of a path: {A}, {B} (organization ids), {A.agent} and the
// other user names (user ids), {tok:A.ro} (token ids), {task:A.done} (task ids), {group:NAME}
// and {profile:NAME}.
func (f *fixture) expand(s string) string {
	s = strings.ReplaceAll(s, "{A}", f.a.ID)
	s = strings.ReplaceAll(s, "{B}", f.b.ID)
	for name, u := range f.users {
		s = strings.ReplaceAll(s, "{"+name+"}", u.ID)
	}
	for name, t := range f.tasks {
		s = strings.ReplaceAll(s, "{task:"+name+"}", t.ID)
	}
	for name, id := range f.tokenIDs {
		s = strings.ReplaceAll(s, "{tok:"+name+"}", id)
	}
	for name, g := range f.groups {
		s = strings.ReplaceAll(s, "{group:"+name+"}", g.ID)
	}
	for name, p := range f.profiles {
		s = strings.ReplaceAll(s, "{profile:"+name+"}", p.ID)
	}
	for name, x := range f.sites {
		s = strings.ReplaceAll(s, "{site:"+name+"}", x.ID)
	}
	for name, x := range f.teams {
		s = strings.ReplaceAll(s, "{team:"+name+"}", x.ID)
	}
	for name, x := range f.portalProfiles {
		s = strings.ReplaceAll(s, "{"+name+"}", x.ID)
	}
	return s
}
