package provision

import (
	"context"
	"fmt"
	"strings"

	"roster"
)

// The portal entities of SPEC §3: sites, teams (each at one site) and skill, agent and
// multimedia profiles, written by the one code path of entity.go. A site that has teams
// cannot be deleted, nor an entity an agent holds.

var siteKind = &entityKind[*roster.Site]{
	kind: "site", noun: "site",
	find: roster.Reader.FindSiteByID, create: roster.Tx.CreateSite, update: roster.Tx.UpdateSite, delete: roster.Tx.DeleteSite,
	fields: nameOnly[*roster.Site],
	inUse: func(ctx context.Context, r roster.Reader, site *roster.Site) error {
		teams, err := r.FindTeams(ctx, site.OrgID, site.ID)
		if err != nil {
			return err
		}
		if len(teams) > 0 {
			names := make([]string, len(teams))
			for i, t := range teams {
				names[i] = t.Name
			}
			them := pluralWord(len(teams), "it", "them")
			return roster.Errorf(roster.CodeInUse, "The site %s has %s %s; delete %s or move %s to another site first.",
				site.Name, pluralWord(len(teams), "team", "teams"), listNames(names, 5), them, them)
		}
		return agentsHolding(ctx, r, site.OrgID, site.ID, "site", site.Name, "another site")
	},
}

var teamKind = &entityKind[*roster.Team]{
	kind: "team", noun: "team",
	find: roster.Reader.FindTeamByID, create: roster.Tx.CreateTeam, update: roster.Tx.UpdateTeam, delete: roster.Tx.DeleteTeam,
	fields: func(t *roster.Team) map[string]any { return map[string]any{"name": t.Name, "siteId": t.SiteID} },
	check: func(ctx context.Context, r roster.Reader, t *roster.Team) error {
		return teamSite(ctx, r, t.OrgID, t.SiteID)
	},
	inUse: func(ctx context.Context, r roster.Reader, t *roster.Team) error {
		return agentsHolding(ctx, r, t.OrgID, t.ID, "team", t.Name, "another team")
	},
}

// profileKinds are the three kinds of portal profiles, which share one table.
var profileKinds = map[roster.PortalProfileKind]*entityKind[*roster.PortalProfile]{
	roster.SkillProfile: portalProfileKind(roster.SkillProfile), roster.AgentProfile: portalProfileKind(roster.AgentProfile),
	roster.MultimediaProfile: portalProfileKind(roster.MultimediaProfile),
}

func portalProfileKind(kind roster.PortalProfileKind) *entityKind[*roster.PortalProfile] {
	noun := profileNoun(kind)
	return &entityKind[*roster.PortalProfile]{
		kind: string(kind) + "_profile", noun: noun,
		find: func(r roster.Reader, ctx context.Context, orgID, id string) (*roster.PortalProfile, error) {
			return r.FindPortalProfileByID(ctx, orgID, kind, id)
		},
		create: roster.Tx.CreatePortalProfile, update: roster.Tx.UpdatePortalProfile,
		delete: func(tx roster.Tx, ctx context.Context, orgID, id string) error {
			return tx.DeletePortalProfile(ctx, orgID, kind, id)
		},
		fields: nameOnly[*roster.PortalProfile],
		inUse: func(ctx context.Context, r roster.Reader, p *roster.PortalProfile) error {
			return agentsHolding(ctx, r, p.OrgID, p.ID, noun, p.Name, "another one")
		},
	}
}

// profileKindOf returns the kind of portal profile k; an unknown one is a mistake of the
// caller, not of the administrator.
func profileKindOf(k roster.PortalProfileKind) (*entityKind[*roster.PortalProfile], error) {
	if kind, ok := profileKinds[k]; ok {
		return kind, nil
	}
	return nil, fmt.Errorf("portal profile: unknown kind %q", k)
}

// Sites returns the sites of an organization, by name.
func (s *Service) Sites(ctx context.Context, a roster.Actor, orgID string) ([]*roster.Site, error) {
	return authorizedRead(a, orgID, func() ([]*roster.Site, error) { return s.store.FindSites(ctx, orgID) })
}

// Site returns one site.
func (s *Service) Site(ctx context.Context, a roster.Actor, orgID, id string) (*roster.Site, error) {
	return authorizedRead(a, orgID, func() (*roster.Site, error) { return s.store.FindSiteByID(ctx, orgID, id) })
}

// CreateSite creates a site.
func (s *Service) CreateSite(ctx context.Context, a roster.Actor, orgID, name string) (*roster.Site, error) {
	site := &roster.Site{Entity: s.newEntity(orgID, name)}
	return createEntity(ctx, s, a, siteKind, site, checkSiteName(site.Name))
}

// RenameSite renames a site. expectVersion, when not 0, must be the current version.
func (s *Service) RenameSite(ctx context.Context, a roster.Actor, orgID, id, name string, expectVersion int64) (*roster.Site, error) {
	return renameEntity(ctx, s, a, siteKind, orgID, id, name, expectVersion, checkSiteName)
}

// DeleteSite deletes a site that has no teams and that no agent holds; otherwise it names the
// teams, or some of the agents.
func (s *Service) DeleteSite(ctx context.Context, a roster.Actor, orgID, id string, expectVersion int64) error {
	return deleteEntity(ctx, s, a, siteKind, orgID, id, expectVersion)
}

// Teams returns the teams of an organization by name, only those of one site when siteID is
// not "".
func (s *Service) Teams(ctx context.Context, a roster.Actor, orgID, siteID string) ([]*roster.Team, error) {
	return authorizedRead(a, orgID, func() ([]*roster.Team, error) { return s.store.FindTeams(ctx, orgID, siteID) })
}

// Team returns one team.
func (s *Service) Team(ctx context.Context, a roster.Actor, orgID, id string) (*roster.Team, error) {
	return authorizedRead(a, orgID, func() (*roster.Team, error) { return s.store.FindTeamByID(ctx, orgID, id) })
}

// TeamInput is a team to create (both fields required), or what to change on one (nil stays
// as it is).
type TeamInput struct {
	Name   *string
	SiteID *string
}

// CreateTeam creates a team at a site of the organization.
func (s *Service) CreateTeam(ctx context.Context, a roster.Actor, orgID string, in TeamInput) (*roster.Team, error) {
	t := &roster.Team{Entity: s.newEntity(orgID, "")}
	var nameErr, siteErr *roster.FieldError
	if in.Name == nil {
		nameErr = &roster.FieldError{Field: "name", Code: roster.CodeInvalid, Message: "Enter a name for the team."}
	} else {
		t.Name = strings.TrimSpace(*in.Name)
		nameErr = checkTeamName(t.Name)
	}
	if in.SiteID == nil || *in.SiteID == "" {
		siteErr = &roster.FieldError{Field: "siteId", Code: roster.CodeInvalid, Message: "Choose the site of the team: a team belongs to one site."}
	} else {
		t.SiteID = *in.SiteID
	}
	return createEntity(ctx, s, a, teamKind, t, nameErr, siteErr)
}

// UpdateTeam renames a team or moves it to another site. A team that agents hold does not
// move: its agents are at its site, and would be in a team of another site.
func (s *Service) UpdateTeam(ctx context.Context, a roster.Actor, orgID, id string, in TeamInput, expectVersion int64) (*roster.Team, error) {
	var name string
	var invalid *roster.FieldError
	if in.Name != nil {
		name = strings.TrimSpace(*in.Name)
		invalid = checkTeamName(name)
	}
	if invalid == nil && in.SiteID != nil && *in.SiteID == "" {
		invalid = &roster.FieldError{Field: "siteId", Code: roster.CodeInvalid,
			Message: "A team belongs to one site: choose another site instead of none."}
	}
	return changeEntity(ctx, s, a, teamKind, orgID, id, expectVersion, func(tx roster.Tx, t *roster.Team) error {
		if in.Name != nil {
			t.Name = name
		}
		if in.SiteID != nil && *in.SiteID != t.SiteID {
			if err := teamSite(ctx, tx, orgID, *in.SiteID); err != nil {
				return err
			}
			if err := agentsHolding(ctx, tx, orgID, t.ID, "team", t.Name, "another team"); err != nil {
				return roster.Errorf(roster.CodeInUse, "%s It cannot move to another site while agents are in it.",
					roster.ErrorMessage(err))
			}
			t.SiteID = *in.SiteID
		}
		return nil
	}, invalid)
}

// DeleteTeam deletes a team no agent is in; otherwise it names some of them.
func (s *Service) DeleteTeam(ctx context.Context, a roster.Actor, orgID, id string, expectVersion int64) error {
	return deleteEntity(ctx, s, a, teamKind, orgID, id, expectVersion)
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

// PortalProfiles returns the skill, agent or multimedia profiles of an organization, by name.
func (s *Service) PortalProfiles(ctx context.Context, a roster.Actor, orgID string, kind roster.PortalProfileKind) ([]*roster.PortalProfile, error) {
	return authorizedRead(a, orgID, func() ([]*roster.PortalProfile, error) {
		if _, err := profileKindOf(kind); err != nil {
			return nil, err
		}
		return s.store.FindPortalProfiles(ctx, orgID, kind)
	})
}

// PortalProfile returns one profile of a kind.
func (s *Service) PortalProfile(ctx context.Context, a roster.Actor, orgID string, kind roster.PortalProfileKind, id string) (*roster.PortalProfile, error) {
	return authorizedRead(a, orgID, func() (*roster.PortalProfile, error) {
		k, err := profileKindOf(kind)
		if err != nil {
			return nil, err
		}
		return k.find(s.store, ctx, orgID, id)
	})
}

// CreatePortalProfile creates a skill, agent or multimedia profile.
func (s *Service) CreatePortalProfile(ctx context.Context, a roster.Actor, orgID string, kind roster.PortalProfileKind, name string) (*roster.PortalProfile, error) {
	k, err := profileKindOf(kind)
	if err != nil {
		return nil, err
	}
	p := &roster.PortalProfile{Entity: s.newEntity(orgID, name), Kind: kind}
	return createEntity(ctx, s, a, k, p, checkProfileNameOfKind(p.Name))
}

// RenamePortalProfile renames a skill, agent or multimedia profile.
func (s *Service) RenamePortalProfile(ctx context.Context, a roster.Actor, orgID string, kind roster.PortalProfileKind, id, name string, expectVersion int64) (*roster.PortalProfile, error) {
	k, err := profileKindOf(kind)
	if err != nil {
		return nil, err
	}
	return renameEntity(ctx, s, a, k, orgID, id, name, expectVersion, checkProfileNameOfKind)
}

// DeletePortalProfile deletes a profile no agent holds; otherwise it names some of them.
func (s *Service) DeletePortalProfile(ctx context.Context, a roster.Actor, orgID string, kind roster.PortalProfileKind, id string, expectVersion int64) error {
	k, err := profileKindOf(kind)
	if err != nil {
		return err
	}
	return deleteEntity(ctx, s, a, k, orgID, id, expectVersion)
}

// profileNoun names a profile kind in messages: "skill profile".
func profileNoun(k roster.PortalProfileKind) string { return string(k) + " profile" }

func checkSiteName(name string) *roster.FieldError {
	return checkPortalName("The site name", name, false)
}

func checkTeamName(name string) *roster.FieldError {
	return checkPortalName("The team name", name, true)
}

func checkProfileNameOfKind(name string) *roster.FieldError {
	return checkPortalName("The profile name", name, false)
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
