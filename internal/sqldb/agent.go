package sqldb

import (
	"context"
	"slices"
	"strings"

	"roster"
)

// An agent is one row of agents, keyed by its user, and one row of agent_teams per team it is
// in. Sites, teams and profiles are referenced by id, '' for none, without foreign keys: the
// caller checks them, and FindAgentsUsing finds the agents that hold one before it goes.

const agentColumns = `user_id, org_id, email, first_name, last_name, profile_type, user_profile_id,
	active, contact_center_enabled, site_id, skill_profile_id, agent_profile_id,
	multimedia_profile_id, external_id, default_dial_number, created_at, updated_at, version`

const agentCols = 18 // the columns of agentColumns

const agentNotFound = "Agent not found."

func scanAgent(s rowScanner) (*roster.Agent, error) {
	var a roster.Agent
	err := s.Scan(&a.UserID, &a.OrgID, &a.Email, &a.FirstName, &a.LastName, &a.ProfileType,
		&a.UserProfileID, &a.Active, &a.ContactCenterEnabled, &a.SiteID, &a.SkillProfileID,
		&a.AgentProfileID, &a.MultimediaProfileID, &a.ExternalID, &a.DefaultDialNumber,
		&a.CreatedAt, &a.UpdatedAt, &a.Version)
	if err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

// agentArgs normalizes a to what is stored, and returns the arguments of agentColumns.
func agentArgs(a *roster.Agent, args []any) []any {
	a.CreatedAt, a.UpdatedAt = dbTime(a.CreatedAt), dbTime(a.UpdatedAt)
	a.TeamIDs = teamSet(a.TeamIDs)
	return append(args, a.UserID, a.OrgID, a.Email, a.FirstName, a.LastName, a.ProfileType,
		a.UserProfileID, a.Active, a.ContactCenterEnabled, a.SiteID, a.SkillProfileID,
		a.AgentProfileID, a.MultimediaProfileID, a.ExternalID, a.DefaultDialNumber,
		a.CreatedAt, a.UpdatedAt, a.Version)
}

// teamSet returns the team ids as they read back: sorted, once each, nil for none.
func teamSet(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	return slices.Compact(slices.Sorted(slices.Values(ids)))
}

// FindAgent returns the agent of a user of the organization. Inside Write it locks the row on
// PostgreSQL.
func (r *reader) FindAgent(ctx context.Context, orgID, userID string) (*roster.Agent, error) {
	q := r.d.lock(`SELECT `+agentColumns+` FROM agents WHERE user_id = ? AND org_id = ?`, r.lock)
	a, err := scanAgent(r.run.queryRow(ctx, q, userID, orgID))
	if err == nil {
		err = r.findAgentTeams(ctx, []*roster.Agent{a})
	}
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find agent " + userID, notFound: agentNotFound})
	}
	return a, nil
}

// FindAgentsByUserIDs returns the agents of these users of the organization, in no particular
// order, in one query. Inside Write it locks the rows on PostgreSQL.
func (r *reader) FindAgentsByUserIDs(ctx context.Context, orgID string, userIDs []string) ([]*roster.Agent, error) {
	// The hint keeps SQLite, which has no statistics, from walking the organization's agents in
	// email order instead of looking the ids up.
	q := r.d.lock(`SELECT `+agentColumns+` FROM agents WHERE `+r.d.unindexed+`org_id = ? AND user_id `+r.d.anyOf, r.lock)
	agents, err := findAll(ctx, r, scanAgent, q, orgID, r.d.listArg(userIDs))
	if err == nil {
		err = r.findAgentTeams(ctx, agents)
	}
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find agents of organization " + orgID})
	}
	return agents, nil
}

// FindOrphanAgents returns agents of the organization whose user is gone: one walk of the
// organization's agents in user id order, from the index (org_id, user_id), each checked
// against the users' primary key in the same order, without reading either row (Synchronize
// Users once read both, a page at a time: 8 s of 100,000).
func (r *reader) FindOrphanAgents(ctx context.Context, orgID string, limit int) ([]*roster.Agent, error) {
	agents, err := findAll(ctx, r, scanAgent, orphanAgentsQuery, orgID, limit)
	if err == nil {
		err = r.findAgentTeams(ctx, agents)
	}
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find orphan agents of organization " + orgID})
	}
	return agents, nil
}

const orphanAgentsQuery = `SELECT ` + agentColumns + ` FROM agents
	WHERE org_id = ? AND NOT EXISTS (SELECT 1 FROM users WHERE users.id = agents.user_id)
	ORDER BY user_id LIMIT ?`

// FindAgents returns a page of the organization's agents ordered by email, after the email
// f.After. Agents copy the emails of their users, which are unique, so the last email of a
// page is the cursor.
func (r *reader) FindAgents(ctx context.Context, f roster.AgentFilter) (*roster.AgentPage, error) {
	limit := pageLimit(f.Limit)
	membersFirst := false
	if f.TeamID != "" {
		var members int
		if err := r.run.queryRow(ctx, teamMembersUpToQuery, f.TeamID, teamMembersFirst).Scan(&members); err != nil {
			return nil, r.d.translate(err, errs{op: "count members of team " + f.TeamID})
		}
		membersFirst = members < teamMembersFirst
	}
	q, args := r.d.agentsListQuery(f, limit, membersFirst)
	agents, err := findAll(ctx, r, scanAgent, q, args...)
	page := &roster.AgentPage{Agents: agents}
	if len(agents) > limit {
		page.Agents = agents[:limit]
		page.Next = agents[limit-1].Email
	}
	if err == nil {
		err = r.findAgentTeams(ctx, page.Agents)
	}
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find agents of organization " + f.OrgID})
	}
	return page, nil
}

// teamMembersFirst is the team size below which a page of a team's agents is read from the
// team's members rather than along the organization's email walk. Probing the team for each
// agent of the walk reads about limit × agents / members rows: a team of ten in a million
// agents would read them all. Reading the members costs a lookup each and a sort, bounded by
// this size; a team at least this large is met often enough along the walk (every 200th agent
// of a million) for the walk to stop soon.
const teamMembersFirst = 5000

// teamMembersUpToQuery counts the members of a team (first argument) up to a cap (second),
// from the index agent_teams_team alone.
const teamMembersUpToQuery = `SELECT count(*) FROM (SELECT 1 FROM agent_teams WHERE team_id = ? LIMIT ?) AS members`

// agentsListQuery selects a page of agents by f, one row more than limit to tell whether a
// next page follows. A filter by site, profile type, active or contact-center enabled is an
// equality the indexes (org_id, column, email) serve in email order, so the page reads only
// matching agents whatever share the filter lets through. A team is a row of agent_teams:
// membersFirst reads the team's members by the primary key of agents and sorts them (the hint
// keeps SQLite from walking the organization instead); otherwise each agent of the walk is
// probed in the team.
func (d *dialect) agentsListQuery(f roster.AgentFilter, limit int, membersFirst bool) (string, []any) {
	w := &where{}
	if membersFirst {
		w.add(d.unindexed+"org_id = ?", f.OrgID)
	} else {
		w.add("org_id = ?", f.OrgID)
	}
	if prefix := strings.ToLower(strings.ToValidUTF8(f.Query, "")); prefix != "" {
		cond, args := prefixRange("email", prefix)
		w.add(cond, args...)
	}
	if f.SiteID != "" {
		w.add("site_id = ?", f.SiteID)
	}
	if f.TeamID != "" {
		w.add("user_id IN (SELECT user_id FROM agent_teams WHERE team_id = ?)", f.TeamID)
	}
	if f.ProfileType != "" {
		w.add("profile_type = ?", string(f.ProfileType))
	}
	if f.Active != nil {
		w.add("active = ?", *f.Active)
	}
	if f.ContactCenterEnabled != nil {
		w.add("contact_center_enabled = ?", *f.ContactCenterEnabled)
	}
	if f.After != "" {
		w.add("email > ?", f.After)
	}
	return `SELECT ` + agentColumns + ` FROM agents` + w.String() + `
		ORDER BY email LIMIT ?`, append(w.args, limit+1)
}

// agentsUsingQuery selects the agents of an organization (first argument) that hold an entity
// (the next five), up to a limit (the last). The few agents found are read by their user ids,
// then sorted: on SQLite, which has no statistics, the hint on org_id keeps the planner from
// walking every agent of the organization in email order instead.
func (d *dialect) agentsUsingQuery() string {
	return `SELECT ` + agentColumns + ` FROM agents
	WHERE ` + d.unindexed + `org_id = ? AND user_id IN ` + agentsHoldingSet + `
	ORDER BY email LIMIT ?`
}

// agentsHoldingSet is the user ids of the agents that hold an entity (its five arguments).
const agentsHoldingSet = `(
		SELECT user_id FROM agents WHERE site_id <> '' AND site_id = ?
		UNION SELECT user_id FROM agents WHERE skill_profile_id <> '' AND skill_profile_id = ?
		UNION SELECT user_id FROM agents WHERE agent_profile_id <> '' AND agent_profile_id = ?
		UNION SELECT user_id FROM agents WHERE multimedia_profile_id <> '' AND multimedia_profile_id = ?
		UNION SELECT user_id FROM agent_teams WHERE team_id = ?)`

// CountAgentsUsing counts the agents of the organization that hold the site, team or portal
// profile entityID, for saying how many when it cannot be deleted.
func (r *reader) CountAgentsUsing(ctx context.Context, orgID, entityID string) (int, error) {
	var n int
	err := r.run.queryRow(ctx, `SELECT count(*) FROM agents WHERE `+r.d.unindexed+`org_id = ? AND user_id IN `+agentsHoldingSet,
		orgID, entityID, entityID, entityID, entityID, entityID).Scan(&n)
	if err != nil {
		return 0, r.d.translate(err, errs{op: "count agents using " + entityID})
	}
	return n, nil
}

// FindAgentsUsing returns up to limit agents of the organization, by email, that hold the
// site, team or portal profile entityID. Each arm of the union reads its own index: the
// partial indexes of the columns, whose condition the arm repeats so that the planners see
// that they apply, and agent_teams_team.
func (r *reader) FindAgentsUsing(ctx context.Context, orgID, entityID string, limit int) ([]*roster.Agent, error) {
	agents, err := findAll(ctx, r, scanAgent, r.d.agentsUsingQuery(),
		orgID, entityID, entityID, entityID, entityID, entityID, max(limit, 0))
	if err == nil {
		err = r.findAgentTeams(ctx, agents)
	}
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find agents using " + entityID})
	}
	return agents, nil
}

// findAgentTeams fills in the teams of agents.
func (r *reader) findAgentTeams(ctx context.Context, agents []*roster.Agent) error {
	byUser := make(map[string]*roster.Agent, len(agents))
	for _, a := range agents {
		a.TeamIDs = nil
		byUser[a.UserID] = a
	}
	ids := make([]string, len(agents))
	for i, a := range agents {
		ids[i] = a.UserID
	}
	rows, err := r.run.query(ctx, `SELECT user_id, team_id FROM agent_teams
		WHERE user_id `+r.d.anyOf+` ORDER BY user_id, team_id`, r.d.listArg(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var userID, teamID string
		if err := rows.Scan(&userID, &teamID); err != nil {
			return err
		}
		if a := byUser[userID]; a != nil {
			a.TeamIDs = append(a.TeamIDs, teamID)
		}
	}
	return rows.Err()
}

// CreateAgents inserts agents, several rows a statement where the engine gains by it, with
// Version 1 where it is zero, and their teams. Times are stored in UTC to the microsecond and
// the teams sorted, and the agents are updated to hold what was stored. A user that already
// has an agent fails the call with CodeConflict.
func (t *tx) CreateAgents(ctx context.Context, agents []*roster.Agent) error {
	// rowsPerStatement a statement on SQLite too (insertGroups): 100,000 agents took 1.2 s less
	// than a row a statement; through COPY on PostgreSQL. They go in email order: five of the
	// table's indexes end with the email (the list's filters, migration 0017) and one is keyed
	// by the user. Synchronizing 100,000 agents from nothing took 8.1–8.8 s, against 9.1–9.5 s
	// in the order of the user ids.
	inOrder := slices.SortedFunc(slices.Values(agents), func(a, b *roster.Agent) int { return strings.Compare(a.Email, b.Email) })
	rows := make([][]any, len(inOrder))
	for i, a := range inOrder {
		if a.Version == 0 {
			a.Version = 1
		}
		rows[i] = agentArgs(a, make([]any, 0, agentCols))
	}
	err := t.insertSkipping(ctx, "agents", agentColumns, rows, "A user of this group already has an agent.")
	if err == nil {
		err = t.createAgentTeams(ctx, agents)
	}
	return t.d.translate(err, errs{op: "create agents"})
}

// createAgentTeams inserts the team rows of agents.
func (t *tx) createAgentTeams(ctx context.Context, agents []*roster.Agent) error {
	var args []any
	for _, a := range agents {
		for _, team := range a.TeamIDs {
			args = append(args, a.UserID, team)
		}
	}
	return inGroups(len(args)/2, t.d.rowsPerWrite, func(start, end int) error {
		_, err := t.run.exec(ctx, `INSERT INTO agent_teams (user_id, team_id) VALUES `+placeholders(end-start, 2),
			args[2*start:2*end]...)
		return err
	})
}

// UpdateAgent writes every field of a but its user, organization and creation time, and
// replaces its teams, when a.Version is the stored version; then it sets a.Version to the new
// version.
func (t *tx) UpdateAgent(ctx context.Context, a *roster.Agent) error {
	a.UpdatedAt = dbTime(a.UpdatedAt)
	a.TeamIDs = teamSet(a.TeamIDs)
	res, err := t.run.exec(ctx, `UPDATE agents SET email = ?, first_name = ?, last_name = ?,
			profile_type = ?, user_profile_id = ?, active = ?, contact_center_enabled = ?, site_id = ?,
			skill_profile_id = ?, agent_profile_id = ?, multimedia_profile_id = ?, external_id = ?,
			default_dial_number = ?, updated_at = ?, version = version + 1
		WHERE user_id = ? AND org_id = ? AND version = ?`,
		a.Email, a.FirstName, a.LastName, a.ProfileType, a.UserProfileID, a.Active,
		a.ContactCenterEnabled, a.SiteID, a.SkillProfileID, a.AgentProfileID, a.MultimediaProfileID,
		a.ExternalID, a.DefaultDialNumber, a.UpdatedAt, a.UserID, a.OrgID, a.Version)
	if err == nil {
		err = t.checkVersion(ctx, res, `SELECT version FROM agents WHERE user_id = ? AND org_id = ?`,
			[]any{a.UserID, a.OrgID}, a.Version, agentNotFound, "The agent has changed since it was read.", "")
	}
	if err == nil {
		_, err = t.run.exec(ctx, `DELETE FROM agent_teams WHERE user_id = ?`, a.UserID)
	}
	if err == nil {
		err = t.createAgentTeams(ctx, []*roster.Agent{a})
	}
	if err != nil {
		return t.d.translate(err, errs{op: "update agent " + a.UserID})
	}
	a.Version++
	return nil
}

// DeleteAgents deletes the agents of these users of the organization and their teams; users
// without an agent are skipped.
func (t *tx) DeleteAgents(ctx context.Context, orgID string, userIDs []string) error {
	ids := t.d.listArg(userIDs)
	// The teams first: agent_teams has no organization, the agents row tells it.
	_, err := t.run.exec(ctx, `DELETE FROM agent_teams WHERE user_id IN (
		SELECT user_id FROM agents WHERE `+t.d.unindexed+`org_id = ? AND user_id `+t.d.anyOf+`)`, orgID, ids)
	if err == nil {
		_, err = t.run.exec(ctx, `DELETE FROM agents WHERE `+t.d.unindexed+`org_id = ? AND user_id `+t.d.anyOf, orgID, ids)
	}
	return t.d.translate(err, errs{op: "delete agents of organization " + orgID})
}
