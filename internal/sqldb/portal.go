package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"roster"
)

// The portal entities of the contact center: sites, their teams, and the skill, agent and
// multimedia profiles. Names are unique per organization (and per kind of profile), ignoring
// case, through name_key.

const siteColumns = `id, org_id, name, created_at, updated_at, version`

const siteNotFound = "Site not found."

func scanSite(s rowScanner) (*roster.Site, error) {
	var site roster.Site
	if err := s.Scan(&site.ID, &site.OrgID, &site.Name, &site.CreatedAt, &site.UpdatedAt, &site.Version); err != nil {
		return nil, err
	}
	site.CreatedAt, site.UpdatedAt = site.CreatedAt.UTC(), site.UpdatedAt.UTC()
	return &site, nil
}

func siteNameTaken(name string) string {
	return fmt.Sprintf("A site named %s already exists.", name)
}

// FindSites returns the sites of the organization, by name ignoring case.
func (r *reader) FindSites(ctx context.Context, orgID string) ([]*roster.Site, error) {
	sites, err := findAll(ctx, r, scanSite, `SELECT `+siteColumns+` FROM sites WHERE org_id = ? ORDER BY name_key`, orgID)
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find sites of organization " + orgID})
	}
	return sites, nil
}

// FindSiteByID returns the site of organization orgID with this id. Inside Write it locks the
// row on PostgreSQL.
func (r *reader) FindSiteByID(ctx context.Context, orgID, id string) (*roster.Site, error) {
	q := r.d.lock(`SELECT `+siteColumns+` FROM sites WHERE id = ? AND org_id = ?`, r.lock)
	s, err := scanSite(r.run.queryRow(ctx, q, id, orgID))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find site " + id, notFound: siteNotFound})
	}
	return s, nil
}

// CreateSite inserts s, with Version 1 when it is zero. Its times are stored in UTC to the
// microsecond, and s is updated to hold what was stored. A name taken in the organization,
// ignoring case, fails with CodeConflict; the transaction is still usable (see inserted).
func (t *tx) CreateSite(ctx context.Context, s *roster.Site) error {
	if s.Version == 0 {
		s.Version = 1
	}
	s.CreatedAt, s.UpdatedAt = dbTime(s.CreatedAt), dbTime(s.UpdatedAt)
	res, err := t.run.exec(ctx, `INSERT INTO sites (`+siteColumns+`, name_key)
		VALUES `+placeholders(1, 7)+` ON CONFLICT DO NOTHING`,
		s.ID, s.OrgID, s.Name, s.CreatedAt, s.UpdatedAt, s.Version, nameKey(s.Name))
	if err == nil {
		err = inserted(res, siteNameTaken(s.Name))
	}
	return t.d.translate(err, errs{op: "create site " + s.ID})
}

// UpdateSite writes the name and UpdatedAt of s when s.Version is the stored version, and then
// sets s.Version to the new version. A name taken by another site of the organization fails
// with CodeConflict.
func (t *tx) UpdateSite(ctx context.Context, s *roster.Site) error {
	s.UpdatedAt = dbTime(s.UpdatedAt)
	key := nameKey(s.Name)
	// The NOT EXISTS guard, as in UpdateGroup: a taken name is no row matched, not a unique
	// violation that would abort the transaction on PostgreSQL.
	res, err := t.run.exec(ctx, `UPDATE sites SET name = ?, name_key = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND org_id = ? AND version = ?
		AND NOT EXISTS (SELECT 1 FROM sites AS other
			WHERE other.org_id = ? AND other.name_key = ? AND other.id <> ?)`,
		s.Name, key, s.UpdatedAt, s.ID, s.OrgID, s.Version, s.OrgID, key, s.ID)
	if err == nil {
		err = t.checkVersion(ctx, res, `SELECT version FROM sites WHERE id = ? AND org_id = ?`,
			[]any{s.ID, s.OrgID}, s.Version, siteNotFound,
			"The site has changed since it was read.", siteNameTaken(s.Name))
	}
	if err != nil {
		return t.d.translate(err, errs{op: "update site " + s.ID, conflict: siteNameTaken(s.Name)})
	}
	s.Version++
	return nil
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
		return roster.Errorf(roster.CodeNotFound, siteNotFound)
	}
	return err
}

const teamColumns = `id, org_id, site_id, name, created_at, updated_at, version`

const teamNotFound = "Team not found."

func scanTeam(s rowScanner) (*roster.Team, error) {
	var team roster.Team
	err := s.Scan(&team.ID, &team.OrgID, &team.SiteID, &team.Name, &team.CreatedAt, &team.UpdatedAt, &team.Version)
	if err != nil {
		return nil, err
	}
	team.CreatedAt, team.UpdatedAt = team.CreatedAt.UTC(), team.UpdatedAt.UTC()
	return &team, nil
}

func teamNameTaken(name string) string {
	return fmt.Sprintf("A team named %s already exists.", name)
}

// FindTeams returns the teams of the organization, of one site when siteID is not "", by name
// ignoring case.
func (r *reader) FindTeams(ctx context.Context, orgID, siteID string) ([]*roster.Team, error) {
	w := &where{}
	w.add("org_id = ?", orgID)
	if siteID != "" {
		w.add("site_id = ?", siteID)
	}
	teams, err := findAll(ctx, r, scanTeam, `SELECT `+teamColumns+` FROM teams`+w.String()+` ORDER BY name_key`, w.args...)
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find teams of organization " + orgID})
	}
	return teams, nil
}

// FindTeamByID returns the team of organization orgID with this id. Inside Write it locks the
// row on PostgreSQL.
func (r *reader) FindTeamByID(ctx context.Context, orgID, id string) (*roster.Team, error) {
	q := r.d.lock(`SELECT `+teamColumns+` FROM teams WHERE id = ? AND org_id = ?`, r.lock)
	team, err := scanTeam(r.run.queryRow(ctx, q, id, orgID))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find team " + id, notFound: teamNotFound})
	}
	return team, nil
}

// CreateTeam inserts team, like CreateSite. A site that is not the organization's fails with
// CodeNotFound.
func (t *tx) CreateTeam(ctx context.Context, team *roster.Team) error {
	if team.Version == 0 {
		team.Version = 1
	}
	team.CreatedAt, team.UpdatedAt = dbTime(team.CreatedAt), dbTime(team.UpdatedAt)
	// Checked here rather than left to the foreign key, whose violation would abort the
	// transaction on PostgreSQL and read as a missing organization.
	err := t.lockSite(ctx, team.OrgID, team.SiteID)
	if err == nil {
		var res sql.Result
		res, err = t.run.exec(ctx, `INSERT INTO teams (`+teamColumns+`, name_key)
			VALUES `+placeholders(1, 8)+` ON CONFLICT DO NOTHING`,
			team.ID, team.OrgID, team.SiteID, team.Name, team.CreatedAt, team.UpdatedAt, team.Version, nameKey(team.Name))
		if err == nil {
			err = inserted(res, teamNameTaken(team.Name))
		}
	}
	return t.d.translate(err, errs{op: "create team " + team.ID})
}

// UpdateTeam writes the name, site and UpdatedAt of team, like UpdateSite. A site that is not
// the organization's fails with CodeNotFound. The agents of the team keep it: clearing the
// teams of another site from them is the caller's rule.
func (t *tx) UpdateTeam(ctx context.Context, team *roster.Team) error {
	team.UpdatedAt = dbTime(team.UpdatedAt)
	key := nameKey(team.Name)
	err := t.lockSite(ctx, team.OrgID, team.SiteID)
	if err == nil {
		var res sql.Result
		res, err = t.run.exec(ctx, `UPDATE teams SET name = ?, name_key = ?, site_id = ?, updated_at = ?,
			version = version + 1
			WHERE id = ? AND org_id = ? AND version = ?
			AND NOT EXISTS (SELECT 1 FROM teams AS other
				WHERE other.org_id = ? AND other.name_key = ? AND other.id <> ?)`,
			team.Name, key, team.SiteID, team.UpdatedAt, team.ID, team.OrgID, team.Version, team.OrgID, key, team.ID)
		if err == nil {
			err = t.checkVersion(ctx, res, `SELECT version FROM teams WHERE id = ? AND org_id = ?`,
				[]any{team.ID, team.OrgID}, team.Version, teamNotFound,
				"The team has changed since it was read.", teamNameTaken(team.Name))
		}
	}
	if err != nil {
		return t.d.translate(err, errs{op: "update team " + team.ID, conflict: teamNameTaken(team.Name)})
	}
	team.Version++
	return nil
}

// DeleteTeam deletes the team of organization orgID with this id. Agents that are in it stay
// in it; FindAgentsUsing finds them first.
func (t *tx) DeleteTeam(ctx context.Context, orgID, id string) error {
	res, err := t.run.exec(ctx, `DELETE FROM teams WHERE id = ? AND org_id = ?`, id, orgID)
	if err == nil {
		err = affected(res, teamNotFound)
	}
	return t.d.translate(err, errs{op: "delete team " + id})
}

const portalProfileColumns = `id, org_id, kind, name, created_at, updated_at, version`

func scanPortalProfile(s rowScanner) (*roster.PortalProfile, error) {
	var p roster.PortalProfile
	err := s.Scan(&p.ID, &p.OrgID, &p.Kind, &p.Name, &p.CreatedAt, &p.UpdatedAt, &p.Version)
	if err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

// portalProfileNoun names a kind of profile in messages: "skill profile".
func portalProfileNoun(kind roster.PortalProfileKind) string {
	if kind.Valid() {
		return string(kind) + " profile"
	}
	return "profile"
}

func portalProfileNotFound(kind roster.PortalProfileKind) string {
	noun := portalProfileNoun(kind)
	return strings.ToUpper(noun[:1]) + noun[1:] + " not found."
}

func portalProfileNameTaken(kind roster.PortalProfileKind, name string) string {
	return fmt.Sprintf("A %s named %s already exists.", portalProfileNoun(kind), name)
}

// FindPortalProfiles returns the profiles of this kind of the organization, by name ignoring
// case; of every kind, by kind then name, when kind is "".
func (r *reader) FindPortalProfiles(ctx context.Context, orgID string, kind roster.PortalProfileKind) ([]*roster.PortalProfile, error) {
	w := &where{}
	w.add("org_id = ?", orgID)
	if kind != "" {
		w.add("kind = ?", kind)
	}
	profiles, err := findAll(ctx, r, scanPortalProfile, `SELECT `+portalProfileColumns+` FROM portal_profiles`+
		w.String()+` ORDER BY kind, name_key`, w.args...)
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find portal profiles of organization " + orgID})
	}
	return profiles, nil
}

// FindPortalProfileByID returns the profile of this kind of organization orgID with this id.
// Inside Write it locks the row on PostgreSQL.
func (r *reader) FindPortalProfileByID(ctx context.Context, orgID string, kind roster.PortalProfileKind, id string) (*roster.PortalProfile, error) {
	q := r.d.lock(`SELECT `+portalProfileColumns+` FROM portal_profiles WHERE id = ? AND org_id = ? AND kind = ?`, r.lock)
	p, err := scanPortalProfile(r.run.queryRow(ctx, q, id, orgID, kind))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find portal profile " + id, notFound: portalProfileNotFound(kind)})
	}
	return p, nil
}

// CreatePortalProfile inserts p, like CreateSite; its name is unique among the profiles of its
// kind.
func (t *tx) CreatePortalProfile(ctx context.Context, p *roster.PortalProfile) error {
	if p.Version == 0 {
		p.Version = 1
	}
	p.CreatedAt, p.UpdatedAt = dbTime(p.CreatedAt), dbTime(p.UpdatedAt)
	res, err := t.run.exec(ctx, `INSERT INTO portal_profiles (`+portalProfileColumns+`, name_key)
		VALUES `+placeholders(1, 8)+` ON CONFLICT DO NOTHING`,
		p.ID, p.OrgID, p.Kind, p.Name, p.CreatedAt, p.UpdatedAt, p.Version, nameKey(p.Name))
	if err == nil {
		err = inserted(res, portalProfileNameTaken(p.Kind, p.Name))
	}
	return t.d.translate(err, errs{op: "create portal profile " + p.ID})
}

// UpdatePortalProfile writes the name and UpdatedAt of p, like UpdateSite. Its kind does not
// change: it selects the profile.
func (t *tx) UpdatePortalProfile(ctx context.Context, p *roster.PortalProfile) error {
	p.UpdatedAt = dbTime(p.UpdatedAt)
	key := nameKey(p.Name)
	res, err := t.run.exec(ctx, `UPDATE portal_profiles SET name = ?, name_key = ?, updated_at = ?,
		version = version + 1
		WHERE id = ? AND org_id = ? AND kind = ? AND version = ?
		AND NOT EXISTS (SELECT 1 FROM portal_profiles AS other
			WHERE other.org_id = ? AND other.kind = ? AND other.name_key = ? AND other.id <> ?)`,
		p.Name, key, p.UpdatedAt, p.ID, p.OrgID, p.Kind, p.Version, p.OrgID, p.Kind, key, p.ID)
	if err == nil {
		err = t.checkVersion(ctx, res, `SELECT version FROM portal_profiles WHERE id = ? AND org_id = ? AND kind = ?`,
			[]any{p.ID, p.OrgID, p.Kind}, p.Version, portalProfileNotFound(p.Kind),
			fmt.Sprintf("The %s has changed since it was read.", portalProfileNoun(p.Kind)),
			portalProfileNameTaken(p.Kind, p.Name))
	}
	if err != nil {
		return t.d.translate(err, errs{op: "update portal profile " + p.ID, conflict: portalProfileNameTaken(p.Kind, p.Name)})
	}
	p.Version++
	return nil
}

// DeletePortalProfile deletes the profile of this kind of organization orgID with this id.
// Agents that hold it keep its id; FindAgentsUsing finds them first.
func (t *tx) DeletePortalProfile(ctx context.Context, orgID string, kind roster.PortalProfileKind, id string) error {
	res, err := t.run.exec(ctx, `DELETE FROM portal_profiles WHERE id = ? AND org_id = ? AND kind = ?`, id, orgID, kind)
	if err == nil {
		err = affected(res, portalProfileNotFound(kind))
	}
	return t.d.translate(err, errs{op: "delete portal profile " + id})
}

// findAll runs a query and scans every row it returns with scan.
func findAll[T any](ctx context.Context, r *reader, scan func(rowScanner) (*T, error), q string, args ...any) ([]*T, error) {
	rows, err := r.run.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
