package sqldb

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"roster"
)

// agentsList is the agents list's query for f after a cursor, 50 a page, on SQLite.
func agentsList(f roster.AgentFilter, membersFirst bool) string {
	f.After = "a"
	q, _ := sqliteDialect.agentsListQuery(f, 50, membersFirst)
	return q
}

// TestSQLiteContactCenterPlans pins the plans of the contact-center queries that must not walk
// a whole organization or queue on SQLite: FindAgentsUsing reads the few agents found by their
// ids, a claim reads due jobs in claim order from the partial index without sorting them (a
// bulk change makes thousands due at one instant), the counts read one index alone, and
// Synchronize Users walks users and agents in user id order.
func TestSQLiteContactCenterPlans(t *testing.T) {
	t.Parallel()
	db := newPlanDB(t)
	tests := []struct {
		name string
		q    string
		args []any
		want []string // in the plan, in this order
	}{
		{"agents using", db.d.agentsUsingQuery(), []any{"org", "e", "e", "e", "e", "e", 10}, []string{
			"SEARCH agents USING PRIMARY KEY (user_id=?)",
			"COVERING INDEX agents_site (site_id=?)", "COVERING INDEX agents_skill_profile (skill_profile_id=?)",
			"COVERING INDEX agents_agent_profile (agent_profile_id=?)",
			"COVERING INDEX agents_multimedia_profile (multimedia_profile_id=?)",
			"COVERING INDEX agent_teams_team (team_id=?)"}},
		{"claim sync jobs", db.d.claimSyncJobsQuery(), []any{"w", "until", "now", "now", 10}, []string{
			"SEARCH sync_jobs USING INDEX sync_jobs_due (due_at<?)"}},
		{"count agents", countAgentsQuery, []any{"org"}, []string{
			"SEARCH agent_counts USING INDEX agent_counts_key (org_id=?)"}},
		{"count sync statuses", countSyncStatusQuery, []any{"org"}, []string{
			"SEARCH user_counts USING INDEX user_counts_key (org_id=?)"}},
		{"synchronize entries", syncEntriesQuery, []any{"org", "id", 10}, []string{
			"SEARCH u USING INDEX users_org_id (org_id=? AND id>?)",
			"SEARCH a USING PRIMARY KEY (user_id=?)"}},
		{"agents at a site", agentsList(roster.AgentFilter{SiteID: "s"}, false), []any{"org", "s", "a", 51}, []string{
			"SEARCH agents USING INDEX agents_org_site_email (org_id=? AND site_id=? AND email>?)"}},
		{"agents of a profile type", agentsList(roster.AgentFilter{ProfileType: roster.ProfileSupervisor}, false), []any{"org", "supervisor", "a", 51}, []string{
			"SEARCH agents USING INDEX agents_org_profile_email (org_id=? AND profile_type=? AND email>?)"}},
		{"inactive agents", agentsList(roster.AgentFilter{Active: new(bool)}, false), []any{"org", false, "a", 51}, []string{
			"SEARCH agents USING INDEX agents_org_active_email (org_id=? AND active=? AND email>?)"}},
		{"agents not enabled", agentsList(roster.AgentFilter{ContactCenterEnabled: new(bool)}, false), []any{"org", false, "a", 51}, []string{
			"SEARCH agents USING INDEX agents_org_enabled_email (org_id=? AND contact_center_enabled=? AND email>?)"}},
		{"a small team's agents", agentsList(roster.AgentFilter{TeamID: "t"}, true), []any{"org", "t", "a", 51}, []string{
			"SEARCH agents USING PRIMARY KEY (user_id=?)", "LIST SUBQUERY", "SEARCH agent_teams USING COVERING INDEX agent_teams_team (team_id=?)"}},
		{"a large team's agents", agentsList(roster.AgentFilter{TeamID: "t"}, false), []any{"org", "t", "a", 51}, []string{
			"SEARCH agents USING INDEX agents_org_email (org_id=? AND email>?)"}},
		{"count a team's members", teamMembersUpToQuery, []any{"t", 5000}, []string{
			"SEARCH agent_teams USING COVERING INDEX agent_teams_team (team_id=?)"}},
		{"orphan agents", orphanAgentsQuery, []any{"org", 10}, []string{
			"SEARCH agents USING INDEX agents_org_user (org_id=?)",
			"SEARCH users USING COVERING INDEX sqlite_autoindex_users_1 (id=?)"}},
	}
	for _, tt := range tests {
		plan := explain(t, db, tt.q, tt.args)
		rest := plan
		for _, w := range tt.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s: %q is not in the plan (in order):\n%s", tt.name, w, plan)
				break
			}
			rest = rest[i+len(w):]
		}
		// The counters of an organization are a few dozen rows: grouping them by sync status
		// sorts that many.
		sorts := tt.name == "agents using" || tt.name == "a small team's agents" || tt.name == "count sync statuses"
		if !sorts && strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s: the plan sorts:\n%s", tt.name, plan)
		}
	}
}

// TestTeamPagesBothWays reads the pages of a team's agents from the members and along the
// organization's walk: the same agents in the same order, page after page, with the other
// filters applied either way. (On PostgreSQL both ways are the same statement.)
func TestTeamPagesBothWays(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := newPlanDB(t)
	org, other, team, site := roster.NewID(), roster.NewID(), roster.NewID(), roster.NewID()
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	var agents []*roster.Agent
	for i := range 40 {
		a := &roster.Agent{UserID: roster.NewID(), OrgID: org, Email: fmt.Sprintf("a%02d@example.com", (i*7)%40),
			ProfileType: roster.ProfileStandardAgent, Active: true, ContactCenterEnabled: i%4 != 0, CreatedAt: at, UpdatedAt: at}
		if i%3 == 0 {
			a.SiteID, a.TeamIDs = site, []string{team}
		}
		agents = append(agents, a)
	}
	// An agent of another organization in the team is never listed.
	agents = append(agents, &roster.Agent{UserID: roster.NewID(), OrgID: other, Email: "a00@example.com", ProfileType: roster.ProfileStandardAgent,
		Active: true, ContactCenterEnabled: true, TeamIDs: []string{team}, CreatedAt: at, UpdatedAt: at})
	if err := db.Write(ctx, func(tx roster.Tx) error { return tx.CreateAgents(ctx, agents) }); err != nil {
		t.Fatal(err)
	}
	yes := true
	for _, f := range []roster.AgentFilter{{OrgID: org, TeamID: team}, {OrgID: org, TeamID: team, ContactCenterEnabled: &yes, Query: "a1"}} {
		var ways [2][]string
		for i, membersFirst := range []bool{true, false} {
			f := f
			for {
				q, args := db.d.agentsListQuery(f, 3, membersFirst)
				page, err := findAll(ctx, &db.reader, scanAgent, q, args...)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range page[:min(3, len(page))] {
					ways[i] = append(ways[i], a.Email)
				}
				if len(page) <= 3 {
					break
				}
				f.After = page[2].Email
			}
		}
		if len(ways[0]) == 0 || !slices.Equal(ways[0], ways[1]) || !slices.IsSorted(ways[0]) {
			t.Errorf("%+v: from the members %v, along the walk %v", f, ways[0], ways[1])
		}
	}
}
