package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"roster"
)

// The portal entities of the contact center: sites, their teams, and the skill, agent and
// multimedia profiles, stored through the one code path of entity.go.

var sites = &entityTable[*roster.Site]{
	table: "sites", noun: func(string) string { return "site" },
	new:    func() *roster.Site { return &roster.Site{} },
	fields: func(*roster.Site) []any { return nil }, values: func(*roster.Site) []any { return nil },
	scopeOf: noScope[*roster.Site],
}

var teams = &entityTable[*roster.Team]{
	table: "teams", noun: func(string) string { return "team" },
	new:     func() *roster.Team { return &roster.Team{} },
	columns: []string{"site_id"}, changes: []string{"site_id"},
	fields: func(t *roster.Team) []any { return []any{&t.SiteID} },
	values: func(t *roster.Team) []any { return []any{t.SiteID} }, scopeOf: noScope[*roster.Team],
	// Checked here rather than left to the foreign key, whose violation would abort the
	// transaction on PostgreSQL and read as a missing organization; and locked, so that
	// DeleteSite sees every team that names the site.
	prepare: func(ctx context.Context, t *tx, team *roster.Team) error {
		return t.lockSite(ctx, team.OrgID, team.SiteID)
	},
}

var portalProfiles = &entityTable[*roster.PortalProfile]{
	table: "portal_profiles", noun: portalProfileNoun,
	new:     func() *roster.PortalProfile { return &roster.PortalProfile{} },
	columns: []string{"kind"}, scope: "kind",
	fields:  func(p *roster.PortalProfile) []any { return []any{&p.Kind} },
	values:  func(p *roster.PortalProfile) []any { return []any{string(p.Kind)} },
	scopeOf: func(p *roster.PortalProfile) string { return string(p.Kind) },
}

// portalProfileNoun names a kind of profile in messages: "skill profile".
func portalProfileNoun(kind string) string {
	if roster.PortalProfileKind(kind).Valid() {
		return kind + " profile"
	}
	return "profile"
}

// FindSites returns the sites of the organization, by name ignoring case.
func (r *reader) FindSites(ctx context.Context, orgID string) ([]*roster.Site, error) {
	return findEntities(ctx, r, sites, orgID, "", "")
}

// FindSiteByID returns the site of organization orgID with this id. Inside Write it locks the
// row on PostgreSQL.
func (r *reader) FindSiteByID(ctx context.Context, orgID, id string) (*roster.Site, error) {
	return findEntity(ctx, r, sites, orgID, "", id)
}

// CreateSite inserts s, as createEntity.
func (t *tx) CreateSite(ctx context.Context, s *roster.Site) error {
	return createEntity(ctx, t, sites, s)
}

// UpdateSite writes the name of s, as updateEntity.
func (t *tx) UpdateSite(ctx context.Context, s *roster.Site) error {
	return updateEntity(ctx, t, sites, s)
}

// DeleteSite deletes the site of organization orgID with this id. A site that still has teams
// fails with CodeConflict: the teams reference it, and whether to move or delete them is the
// caller's rule. Agents that hold the site keep its id; FindAgentsUsing finds them first.
func (t *tx) DeleteSite(ctx context.Context, orgID, id string) error {
	// Locking the site first serializes with CreateTeam and UpdateTeam, which lock it too, so
	// that the check for teams below sees every team that names it.
	err := t.lockSite(ctx, orgID, id)
	if err == nil {
		var one int
		err = t.run.queryRow(ctx, `SELECT 1 FROM teams WHERE site_id = ? LIMIT 1`, id).Scan(&one)
		switch {
		case err == nil:
			err = roster.Errorf(roster.CodeConflict, "The site still has teams.")
		case errors.Is(err, sql.ErrNoRows):
			_, err = t.run.exec(ctx, `DELETE FROM sites WHERE id = ? AND org_id = ?`, id, orgID)
		}
	}
	return t.d.translate(err, errs{op: "delete site " + id})
}

// lockSite checks that the organization has this site, and locks it on PostgreSQL until the
// transaction ends.
func (t *tx) lockSite(ctx context.Context, orgID, id string) error {
	var one int
	err := t.run.queryRow(ctx, t.d.lock(`SELECT 1 FROM sites WHERE id = ? AND org_id = ?`, true), id, orgID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return roster.Errorf(roster.CodeNotFound, "%s", sites.notFound(""))
	}
	return err
}

// FindTeams returns the teams of the organization, of one site when siteID is not "", by name
// ignoring case.
func (r *reader) FindTeams(ctx context.Context, orgID, siteID string) ([]*roster.Team, error) {
	if siteID == "" {
		return findEntities(ctx, r, teams, orgID, "", "")
	}
	return findEntities(ctx, r, teams, orgID, "site_id", siteID)
}

// FindTeamByID returns the team of organization orgID with this id. Inside Write it locks the
// row on PostgreSQL.
func (r *reader) FindTeamByID(ctx context.Context, orgID, id string) (*roster.Team, error) {
	return findEntity(ctx, r, teams, orgID, "", id)
}

// CreateTeam inserts team, as createEntity. A site that is not the organization's fails with
// CodeNotFound.
func (t *tx) CreateTeam(ctx context.Context, team *roster.Team) error {
	return createEntity(ctx, t, teams, team)
}

// UpdateTeam writes the name and site of team, as updateEntity. A site that is not the
// organization's fails with CodeNotFound. The agents of the team keep it: clearing the teams
// of another site from them is the caller's rule.
func (t *tx) UpdateTeam(ctx context.Context, team *roster.Team) error {
	return updateEntity(ctx, t, teams, team)
}

// DeleteTeam deletes the team of organization orgID with this id. Agents that are in it stay
// in it; FindAgentsUsing finds them first.
func (t *tx) DeleteTeam(ctx context.Context, orgID, id string) error {
	return deleteEntity(ctx, t, teams, orgID, "", id)
}

// FindPortalProfiles returns the profiles of this kind of the organization, by name ignoring
// case; of every kind, by kind then name, when kind is "".
func (r *reader) FindPortalProfiles(ctx context.Context, orgID string, kind roster.PortalProfileKind) ([]*roster.PortalProfile, error) {
	if kind == "" {
		return findEntities(ctx, r, portalProfiles, orgID, "", "")
	}
	return findEntities(ctx, r, portalProfiles, orgID, "kind", string(kind))
}

// FindPortalProfileByID returns the profile of this kind of organization orgID with this id.
// Inside Write it locks the row on PostgreSQL.
func (r *reader) FindPortalProfileByID(ctx context.Context, orgID string, kind roster.PortalProfileKind, id string) (*roster.PortalProfile, error) {
	return findEntity(ctx, r, portalProfiles, orgID, string(kind), id)
}

// CreatePortalProfile inserts p, as createEntity; its name is unique among the profiles of
// its kind.
func (t *tx) CreatePortalProfile(ctx context.Context, p *roster.PortalProfile) error {
	return createEntity(ctx, t, portalProfiles, p)
}

// UpdatePortalProfile writes the name of p, as updateEntity. Its kind does not change: it
// selects the profile.
func (t *tx) UpdatePortalProfile(ctx context.Context, p *roster.PortalProfile) error {
	return updateEntity(ctx, t, portalProfiles, p)
}

// DeletePortalProfile deletes the profile of this kind of organization orgID with this id.
// Agents that hold it keep its id; FindAgentsUsing finds them first.
func (t *tx) DeletePortalProfile(ctx context.Context, orgID string, kind roster.PortalProfileKind, id string) error {
	return deleteEntity(ctx, t, portalProfiles, orgID, string(kind), id)
}
