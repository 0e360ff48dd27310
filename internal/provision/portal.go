package provision

import (
	"context"
	"fmt"
	"strings"

	"roster"
)

// The portal entities of SPEC §3: sites, teams (each at one site) and skill, agent and
// multimedia profiles. Their names are unique per kind in the organization, ignoring case.
// Any administrator reads them; full and contact center service administrators change them. An
// entity an agent holds cannot be deleted, nor a site that has teams.

// Sites returns the sites of an organization, by name.
func (s *Service) Sites(ctx context.Context, a roster.Actor, orgID string) ([]*roster.Site, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	return s.store.FindSites(ctx, orgID)
}

// Site returns one site.
func (s *Service) Site(ctx context.Context, a roster.Actor, orgID, id string) (*roster.Site, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	return s.store.FindSiteByID(ctx, orgID, id)
}

// CreateSite creates a site.
func (s *Service) CreateSite(ctx context.Context, a roster.Actor, orgID, name string) (*roster.Site, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	now := s.clock()
	site := &roster.Site{ID: roster.NewID(), OrgID: orgID, Name: strings.TrimSpace(name), CreatedAt: now, UpdatedAt: now, Version: 1}
	if fe := checkPortalName("The site name", site.Name, false); fe != nil {
		return nil, roster.InvalidFields(*fe)
	}
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		if err := tx.CreateSite(ctx, site); err != nil {
			return nameTaken(err, "site", site.Name)
		}
		return s.audit(ctx, tx, a, orgID, "site.create", "site", site.ID, site.Name, nil, map[string]any{"name": site.Name})
	})
	if err != nil {
		return nil, err
	}
	return site, nil
}

// RenameSite renames a site. expectVersion, when not 0, must be the current version.
func (s *Service) RenameSite(ctx context.Context, a roster.Actor, orgID, id, name string, expectVersion int64) (*roster.Site, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if fe := checkPortalName("The site name", name, false); fe != nil {
		return nil, roster.InvalidFields(*fe)
	}
	var site *roster.Site
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		var err error
		if site, err = tx.FindSiteByID(ctx, orgID, id); err != nil {
			return err
		}
		if expectVersion != 0 && site.Version != expectVersion {
			return staleVersion()
		}
		if site.Name == name {
			return nil
		}
		old := site.Name
		site.Name, site.UpdatedAt = name, s.clock()
		if err := tx.UpdateSite(ctx, site); err != nil {
			return nameTaken(err, "site", name)
		}
		return s.audit(ctx, tx, a, orgID, "site.update", "site", site.ID, site.Name,
			map[string]any{"name": old}, map[string]any{"name": name})
	})
	if err != nil {
		return nil, err
	}
	return site, nil
}

// DeleteSite deletes a site that has no teams and that no agent holds; otherwise it names the
// teams, or some of the agents.
func (s *Service) DeleteSite(ctx context.Context, a roster.Actor, orgID, id string, expectVersion int64) error {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return err
	}
	return s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		site, err := tx.FindSiteByID(ctx, orgID, id)
		if err != nil {
			return err
		}
		if expectVersion != 0 && site.Version != expectVersion {
			return staleVersion()
		}
		teams, err := tx.FindTeams(ctx, orgID, id)
		if err != nil {
			return err
		}
		if len(teams) > 0 {
			names := make([]string, len(teams))
			for i, t := range teams {
				names[i] = t.Name
			}
			return roster.Errorf(roster.CodeInUse, "The site %s has %s %s; delete %s or move %s to another site first.",
				site.Name, pluralWord(len(teams), "team", "teams"), listNames(names, 5), pluralWord(len(teams), "it", "them"),
				pluralWord(len(teams), "it", "them"))
		}
		if err := entityInUse(ctx, tx, orgID, id, "site", site.Name, "another site"); err != nil {
			return err
		}
		if err := tx.DeleteSite(ctx, orgID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, orgID, "site.delete", "site", site.ID, site.Name, map[string]any{"name": site.Name}, nil)
	})
}

// Teams returns the teams of an organization by name, only those of one site when siteID is
// not "".
func (s *Service) Teams(ctx context.Context, a roster.Actor, orgID, siteID string) ([]*roster.Team, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	return s.store.FindTeams(ctx, orgID, siteID)
}

// Team returns one team.
func (s *Service) Team(ctx context.Context, a roster.Actor, orgID, id string) (*roster.Team, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	return s.store.FindTeamByID(ctx, orgID, id)
}

// TeamInput is a team to create (both fields required), or what to change on one (nil stays
// as it is).
type TeamInput struct {
	Name   *string
	SiteID *string
}

// CreateTeam creates a team at a site of the organization.
func (s *Service) CreateTeam(ctx context.Context, a roster.Actor, orgID string, in TeamInput) (*roster.Team, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	now := s.clock()
	t := &roster.Team{ID: roster.NewID(), OrgID: orgID, CreatedAt: now, UpdatedAt: now, Version: 1}
	var errs []roster.FieldError
	if in.Name == nil {
		errs = append(errs, roster.FieldError{Field: "name", Code: roster.CodeInvalid, Message: "Enter a name for the team."})
	} else {
		t.Name = strings.TrimSpace(*in.Name)
		if fe := checkPortalName("The team name", t.Name, true); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if in.SiteID == nil || *in.SiteID == "" {
		errs = append(errs, roster.FieldError{Field: "siteId", Code: roster.CodeInvalid, Message: "Choose the site of the team: a team belongs to one site."})
	} else {
		t.SiteID = *in.SiteID
	}
	if len(errs) > 0 {
		return nil, roster.InvalidFields(errs...)
	}
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		if err := teamSite(ctx, tx, orgID, t.SiteID); err != nil {
			return err
		}
		if err := tx.CreateTeam(ctx, t); err != nil {
			return nameTaken(err, "team", t.Name)
		}
		return s.audit(ctx, tx, a, orgID, "team.create", "team", t.ID, t.Name, nil, teamFields(t))
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// UpdateTeam renames a team or moves it to another site. A team that agents hold does not
// move: its agents are at its site, and would be in a team of another site.
func (s *Service) UpdateTeam(ctx context.Context, a roster.Actor, orgID, id string, in TeamInput, expectVersion int64) (*roster.Team, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	var name string
	if in.Name != nil {
		name = strings.TrimSpace(*in.Name)
		if fe := checkPortalName("The team name", name, true); fe != nil {
			return nil, roster.InvalidFields(*fe)
		}
	}
	if in.SiteID != nil && *in.SiteID == "" {
		return nil, roster.InvalidFields(roster.FieldError{Field: "siteId", Code: roster.CodeInvalid,
			Message: "A team belongs to one site: choose another site instead of none."})
	}
	var t *roster.Team
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		var err error
		if t, err = tx.FindTeamByID(ctx, orgID, id); err != nil {
			return err
		}
		if expectVersion != 0 && t.Version != expectVersion {
			return staleVersion()
		}
		before := teamFields(t)
		if in.Name != nil {
			t.Name = name
		}
		if in.SiteID != nil && *in.SiteID != t.SiteID {
			if err := teamSite(ctx, tx, orgID, *in.SiteID); err != nil {
				return err
			}
			if err := entityInUse(ctx, tx, orgID, t.ID, "team", t.Name, "another team"); err != nil {
				return roster.Errorf(roster.CodeInUse, "%s It cannot move to another site while agents are in it.",
					roster.ErrorMessage(err))
			}
			t.SiteID = *in.SiteID
		}
		changedBefore, changedAfter := diff(before, teamFields(t))
		if len(changedAfter) == 0 {
			return nil
		}
		t.UpdatedAt = s.clock()
		if err := tx.UpdateTeam(ctx, t); err != nil {
			return nameTaken(err, "team", t.Name)
		}
		return s.audit(ctx, tx, a, orgID, "team.update", "team", t.ID, t.Name, changedBefore, changedAfter)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// DeleteTeam deletes a team no agent is in; otherwise it names some of them.
func (s *Service) DeleteTeam(ctx context.Context, a roster.Actor, orgID, id string, expectVersion int64) error {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return err
	}
	return s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		t, err := tx.FindTeamByID(ctx, orgID, id)
		if err != nil {
			return err
		}
		if expectVersion != 0 && t.Version != expectVersion {
			return staleVersion()
		}
		if err := entityInUse(ctx, tx, orgID, id, "team", t.Name, "another team"); err != nil {
			return err
		}
		if err := tx.DeleteTeam(ctx, orgID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, orgID, "team.delete", "team", t.ID, t.Name, teamFields(t), nil)
	})
}

// teamSite checks that the site of a team exists in the organization, as a field error.
func teamSite(ctx context.Context, r roster.Reader, orgID, siteID string) error {
	_, err := r.FindSiteByID(ctx, orgID, siteID)
	if roster.ErrorCode(err) == roster.CodeNotFound {
		return roster.InvalidFields(roster.FieldError{Field: "siteId", Code: roster.CodeInvalid,
			Message: "No site of this organization has the id " + quote(siteID) + "."})
	}
	return err
}

func teamFields(t *roster.Team) map[string]any {
	return map[string]any{"name": t.Name, "siteId": t.SiteID}
}

// PortalProfiles returns the skill, agent or multimedia profiles of an organization, by name.
func (s *Service) PortalProfiles(ctx context.Context, a roster.Actor, orgID string, kind roster.PortalProfileKind) ([]*roster.PortalProfile, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	if !kind.Valid() {
		return nil, fmt.Errorf("portal profiles: unknown kind %q", kind)
	}
	return s.store.FindPortalProfiles(ctx, orgID, kind)
}

// PortalProfile returns one profile of a kind.
func (s *Service) PortalProfile(ctx context.Context, a roster.Actor, orgID string, kind roster.PortalProfileKind, id string) (*roster.PortalProfile, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	if !kind.Valid() {
		return nil, fmt.Errorf("portal profile: unknown kind %q", kind)
	}
	return s.store.FindPortalProfileByID(ctx, orgID, kind, id)
}

// CreatePortalProfile creates a skill, agent or multimedia profile.
func (s *Service) CreatePortalProfile(ctx context.Context, a roster.Actor, orgID string, kind roster.PortalProfileKind, name string) (*roster.PortalProfile, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	if !kind.Valid() {
		return nil, fmt.Errorf("create portal profile: unknown kind %q", kind)
	}
	now := s.clock()
	p := &roster.PortalProfile{ID: roster.NewID(), OrgID: orgID, Kind: kind, Name: strings.TrimSpace(name), CreatedAt: now, UpdatedAt: now, Version: 1}
	if fe := checkPortalName("The profile name", p.Name, false); fe != nil {
		return nil, roster.InvalidFields(*fe)
	}
	noun := profileNoun(kind)
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		if err := tx.CreatePortalProfile(ctx, p); err != nil {
			return nameTaken(err, noun, p.Name)
		}
		return s.audit(ctx, tx, a, orgID, profileKind(kind)+".create", profileKind(kind), p.ID, p.Name, nil, map[string]any{"name": p.Name})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// RenamePortalProfile renames a skill, agent or multimedia profile.
func (s *Service) RenamePortalProfile(ctx context.Context, a roster.Actor, orgID string, kind roster.PortalProfileKind, id, name string, expectVersion int64) (*roster.PortalProfile, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	if !kind.Valid() {
		return nil, fmt.Errorf("rename portal profile: unknown kind %q", kind)
	}
	name = strings.TrimSpace(name)
	if fe := checkPortalName("The profile name", name, false); fe != nil {
		return nil, roster.InvalidFields(*fe)
	}
	var p *roster.PortalProfile
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		var err error
		if p, err = tx.FindPortalProfileByID(ctx, orgID, kind, id); err != nil {
			return err
		}
		if expectVersion != 0 && p.Version != expectVersion {
			return staleVersion()
		}
		if p.Name == name {
			return nil
		}
		old := p.Name
		p.Name, p.UpdatedAt = name, s.clock()
		if err := tx.UpdatePortalProfile(ctx, p); err != nil {
			return nameTaken(err, profileNoun(kind), name)
		}
		return s.audit(ctx, tx, a, orgID, profileKind(kind)+".update", profileKind(kind), p.ID, p.Name,
			map[string]any{"name": old}, map[string]any{"name": name})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DeletePortalProfile deletes a profile no agent holds; otherwise it names some of them.
func (s *Service) DeletePortalProfile(ctx context.Context, a roster.Actor, orgID string, kind roster.PortalProfileKind, id string, expectVersion int64) error {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return err
	}
	if !kind.Valid() {
		return fmt.Errorf("delete portal profile: unknown kind %q", kind)
	}
	return s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		p, err := tx.FindPortalProfileByID(ctx, orgID, kind, id)
		if err != nil {
			return err
		}
		if expectVersion != 0 && p.Version != expectVersion {
			return staleVersion()
		}
		if err := entityInUse(ctx, tx, orgID, id, profileNoun(kind), p.Name, "another one"); err != nil {
			return err
		}
		if err := tx.DeletePortalProfile(ctx, orgID, kind, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, orgID, profileKind(kind)+".delete", profileKind(kind), p.ID, p.Name, map[string]any{"name": p.Name}, nil)
	})
}

// profileKind is the audit target kind of a profile kind: skill_profile, agent_profile,
// multimedia_profile.
func profileKind(k roster.PortalProfileKind) string { return string(k) + "_profile" }

// profileNoun names a profile kind in messages: "skill profile".
func profileNoun(k roster.PortalProfileKind) string { return string(k) + " profile" }

// entityInUse refuses to change an entity that agents hold, naming up to five of them. noun
// and name say what the entity is; instead says what to give the agents.
func entityInUse(ctx context.Context, r roster.Reader, orgID, id, noun, name, instead string) error {
	agents, err := r.FindAgentsUsing(ctx, orgID, id, 6)
	if err != nil || len(agents) == 0 {
		return err
	}
	emails := make([]string, len(agents))
	for i, ag := range agents {
		emails[i] = ag.Email
	}
	return roster.Errorf(roster.CodeInUse, "The %s %s is in use by %s; give them %s first.", noun, name, listNames(emails, 5), instead)
}

// listNames joins up to most names with commas, and says "and others" when there are more.
func listNames(names []string, most int) string {
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:most], ", ") + " and others"
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// checkPortalName checks the name of a portal entity; a team's may not hold "|", which
// separates teams in the agent CSV file.
func checkPortalName(label, name string, team bool) *roster.FieldError {
	if name == "" {
		return &roster.FieldError{Field: "name", Code: roster.CodeInvalid, Message: "Enter a name."}
	}
	if team && strings.Contains(name, "|") {
		return &roster.FieldError{Field: "name", Code: roster.CodeInvalid,
			Message: "A team name cannot contain |, which separates teams in CSV files."}
	}
	return validateText("name", label, name, maxNameLen)
}
