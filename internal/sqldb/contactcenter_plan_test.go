package sqldb

import (
	"strings"
	"testing"

	"roster"
)

// agentsList is the agents list's query for f after a cursor, 50 a page.
func agentsList(f roster.AgentFilter) string {
	f.After = "a"
	q, _ := agentsListQuery(f, 50)
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
			"SEARCH agents USING COVERING INDEX agents_org_active_profile (org_id=?)"}},
		{"count sync statuses", countSyncStatusQuery, []any{"org"}, []string{
			"SEARCH users USING COVERING INDEX users_org_sync_status (org_id=?)"}},
		{"synchronize entries", syncEntriesQuery, []any{"org", "id", 10}, []string{
			"SEARCH u USING INDEX users_org_id (org_id=? AND id>?)",
			"SEARCH a USING PRIMARY KEY (user_id=?)"}},
		{"agents at a site", agentsList(roster.AgentFilter{SiteID: "s"}), []any{"org", "s", "a", 51}, []string{
			"SEARCH agents USING INDEX agents_org_site_email (org_id=? AND site_id=? AND email>?)"}},
		{"agents of a profile type", agentsList(roster.AgentFilter{ProfileType: roster.ProfileSupervisor}), []any{"org", "supervisor", "a", 51}, []string{
			"SEARCH agents USING INDEX agents_org_profile_email (org_id=? AND profile_type=? AND email>?)"}},
		{"inactive agents", agentsList(roster.AgentFilter{Active: new(bool)}), []any{"org", false, "a", 51}, []string{
			"SEARCH agents USING INDEX agents_org_active_email (org_id=? AND active=? AND email>?)"}},
		{"agents not enabled", agentsList(roster.AgentFilter{ContactCenterEnabled: new(bool)}), []any{"org", false, "a", 51}, []string{
			"SEARCH agents USING INDEX agents_org_enabled_email (org_id=? AND contact_center_enabled=? AND email>?)"}},
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
		if tt.name != "agents using" && strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s: the plan sorts:\n%s", tt.name, plan)
		}
	}
}
