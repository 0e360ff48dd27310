package provision

import (
	"context"
	"slices"
	"strings"

	"roster"
)

// Agents returns a page of an organization's agents, by email.
func (s *Service) Agents(ctx context.Context, a roster.Actor, f roster.AgentFilter) (*roster.AgentPage, error) {
	if err := authorize(a, f.OrgID, permRead); err != nil {
		return nil, err
	}
	var errs []roster.FieldError
	if f.ProfileType != "" && !f.ProfileType.Valid() {
		errs = append(errs, *enumError("profileType", string(f.ProfileType),
			"none, standard_agent, premium_agent, supervisor, administrator, administrator_only"))
	}
	// Sites and teams are named by id: anything else matches no agent, and a typing mistake
	// answered with an empty list would read as "nobody is there".
	for _, id := range []struct{ field, value string }{{"site", f.SiteID}, {"team", f.TeamID}} {
		if id.value != "" && !roster.IsID(id.value) {
			errs = append(errs, roster.FieldError{Field: id.field, Code: roster.CodeInvalid,
				Message: "The " + id.field + " is named by its id, a UUID such as 0192f4c5-8c1e-7d3a-9b2f-5e6d7c8b9a01; " + quote(id.value) + " is not one."})
		}
	}
	if fe := pageSizeError(f.Limit); fe != nil {
		errs = append(errs, *fe)
	}
	if len(errs) > 0 {
		return nil, roster.InvalidFields(errs...)
	}
	f.Query = strings.ToLower(strings.TrimSpace(f.Query))
	return s.store.FindAgents(ctx, f)
}

// Agent returns the agent of a user. A user has one once sync has created it (SPEC §3).
func (s *Service) Agent(ctx context.Context, a roster.Actor, orgID, userID string) (*roster.Agent, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	ag, err := s.store.FindAgent(ctx, orgID, userID)
	return ag, agentNotFound(err)
}

func agentNotFound(err error) error {
	if roster.ErrorCode(err) == roster.CodeNotFound {
		return roster.Errorf(roster.CodeNotFound,
			"This user has no contact-center agent: an agent is made by sync for users with a contact-center license or a full or contact center service administrator role.")
	}
	return err
}

// AgentChange is what to change on an agent: its agent-side fields; nil stays as it is. ""
// clears an id, and an empty TeamIDs takes the agent out of every team. The user profile is the
// directory's: change it on the user (UserChange.UserProfileID).
type AgentChange struct {
	ContactCenterEnabled *bool
	// SiteID changes the site. Unless TeamIDs is given too, the teams of other sites are
	// dropped: an agent is only in teams of its site (SPEC §3).
	SiteID              *string
	TeamIDs             *[]string
	SkillProfileID      *string
	AgentProfileID      *string
	MultimediaProfileID *string
	ExternalID          *string
	DefaultDialNumber   *string
}

// UpdateAgent changes the agent-side fields of a user's agent. expectVersion, when not 0, must
// be the agent's current version.
func (s *Service) UpdateAgent(ctx context.Context, a roster.Actor, orgID, userID string, c AgentChange, expectVersion int64) (*roster.Agent, error) {
	var ag *roster.Agent
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		cur, err := tx.FindAgent(ctx, orgID, userID)
		if err != nil {
			return agentNotFound(err)
		}
		if expectVersion != 0 && cur.Version != expectVersion {
			return staleVersion()
		}
		idx, err := loadPortal(ctx, tx, orgID)
		if err != nil {
			return err
		}
		next, _, err := idx.apply(cur, c)
		if err != nil {
			return err
		}
		w := s.agentWrite(a, cur, next)
		ag = next
		if w == nil {
			ag = cur
			return nil
		}
		if err := tx.UpdateAgent(ctx, next); err != nil {
			return err
		}
		return tx.CreateAuditEntry(ctx, w)
	})
	if err != nil {
		return nil, err
	}
	return ag, nil
}

// agentWrite stamps next as changed and returns the audit entry of the change from cur, or nil
// when nothing changed.
func (s *Service) agentWrite(a roster.Actor, cur, next *roster.Agent) *roster.AuditEntry {
	before, after := agentDiff(agentFields(cur), agentFields(next))
	if len(after) == 0 {
		return nil
	}
	next.UpdatedAt = s.clock()
	return s.auditEntry(a, cur.OrgID, "agent.update", "agent", cur.UserID, cur.Email, before, after)
}

// agentFields are the agent-side fields of an agent, for the audit log.
func agentFields(ag *roster.Agent) map[string]any {
	teams := slices.Clone(ag.TeamIDs)
	if teams == nil {
		teams = []string{}
	}
	slices.Sort(teams)
	return map[string]any{
		"contactCenterEnabled": ag.ContactCenterEnabled, "siteId": ag.SiteID, "teamIds": teams,
		"skillProfileId": ag.SkillProfileID, "agentProfileId": ag.AgentProfileID,
		"multimediaProfileId": ag.MultimediaProfileID, "externalId": ag.ExternalID,
		"defaultDialNumber": ag.DefaultDialNumber,
	}
}

// agentDiff is diff for fields that may hold lists of ids.
func agentDiff(before, after map[string]any) (map[string]any, map[string]any) {
	b, a := map[string]any{}, map[string]any{}
	for k, v := range after {
		if l, ok := v.([]string); ok {
			if old, _ := before[k].([]string); slices.Equal(old, l) {
				continue
			}
		} else if before[k] == v {
			continue
		}
		b[k], a[k] = before[k], v
	}
	return b, a
}

// portal is the portal entities of one organization, by id and by name (lower case), to check
// the ids of an agent change and to resolve the names of an agent file.
type portal struct {
	sites        map[string]*roster.Site
	siteNames    map[string]*roster.Site
	teams        map[string]*roster.Team
	teamNames    map[string]*roster.Team
	profiles     map[roster.PortalProfileKind]map[string]*roster.PortalProfile
	profileNames map[roster.PortalProfileKind]map[string]*roster.PortalProfile
}

// loadPortal reads every portal entity of an organization: a handful of sites, teams and
// profiles, which one read each holds.
func loadPortal(ctx context.Context, r roster.Reader, orgID string) (*portal, error) {
	p := &portal{sites: map[string]*roster.Site{}, siteNames: map[string]*roster.Site{},
		teams: map[string]*roster.Team{}, teamNames: map[string]*roster.Team{},
		profiles:     map[roster.PortalProfileKind]map[string]*roster.PortalProfile{},
		profileNames: map[roster.PortalProfileKind]map[string]*roster.PortalProfile{}}
	sites, err := r.FindSites(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, s := range sites {
		p.sites[s.ID], p.siteNames[strings.ToLower(s.Name)] = s, s
	}
	teams, err := r.FindTeams(ctx, orgID, "")
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		p.teams[t.ID], p.teamNames[strings.ToLower(t.Name)] = t, t
	}
	for _, k := range portalProfileKinds {
		ps, err := r.FindPortalProfiles(ctx, orgID, k)
		if err != nil {
			return nil, err
		}
		p.profiles[k], p.profileNames[k] = map[string]*roster.PortalProfile{}, map[string]*roster.PortalProfile{}
		for _, pr := range ps {
			p.profiles[k][pr.ID], p.profileNames[k][strings.ToLower(pr.Name)] = pr, pr
		}
	}
	return p, nil
}

var portalProfileKinds = []roster.PortalProfileKind{roster.SkillProfile, roster.AgentProfile, roster.MultimediaProfile}

// apply returns cur with c applied, checked: every id names an entity of the right kind in
// the organization, and the agent is in teams of its site only. dropped lists the teams a
// change of site took the agent out of.
func (p *portal) apply(cur *roster.Agent, c AgentChange) (next *roster.Agent, dropped []string, err error) {
	n := *cur
	n.TeamIDs = slices.Clone(cur.TeamIDs)
	var errs []roster.FieldError
	add := func(fe *roster.FieldError) {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	if c.ContactCenterEnabled != nil {
		n.ContactCenterEnabled = *c.ContactCenterEnabled
	}
	if c.SiteID != nil {
		n.SiteID = *c.SiteID
		if n.SiteID != "" && p.sites[n.SiteID] == nil {
			add(unknownID("siteId", "site", n.SiteID))
		}
	}
	for _, f := range []struct {
		field string
		kind  roster.PortalProfileKind
		dst   *string
		v     *string
	}{{"skillProfileId", roster.SkillProfile, &n.SkillProfileID, c.SkillProfileID},
		{"agentProfileId", roster.AgentProfile, &n.AgentProfileID, c.AgentProfileID},
		{"multimediaProfileId", roster.MultimediaProfile, &n.MultimediaProfileID, c.MultimediaProfileID}} {
		if f.v == nil {
			continue
		}
		*f.dst = *f.v
		if *f.v != "" && p.profiles[f.kind][*f.v] == nil {
			add(unknownID(f.field, profileNoun(f.kind), *f.v))
		}
	}
	if c.ExternalID != nil {
		n.ExternalID = strings.TrimSpace(*c.ExternalID)
		add(validateText("externalId", "The external id", n.ExternalID, maxTextLen))
	}
	if c.DefaultDialNumber != nil {
		n.DefaultDialNumber = strings.TrimSpace(*c.DefaultDialNumber)
		add(validatePhone("defaultDialNumber", n.DefaultDialNumber))
	}
	if c.TeamIDs != nil {
		n.TeamIDs = make([]string, 0, len(*c.TeamIDs))
		for _, id := range *c.TeamIDs {
			if slices.Contains(n.TeamIDs, id) {
				continue
			}
			n.TeamIDs = append(n.TeamIDs, id)
			switch t := p.teams[id]; {
			case t == nil:
				add(unknownID("teamIds", "team", id))
			case n.SiteID == "":
				add(&roster.FieldError{Field: "teamIds", Code: roster.CodeInvalid,
					Message: "The team " + t.Name + " belongs to a site, and the agent has none: give the agent a site first."})
			case t.SiteID != n.SiteID:
				add(&roster.FieldError{Field: "teamIds", Code: roster.CodeInvalid,
					Message: "The team " + t.Name + " belongs to the site " + p.siteName(t.SiteID) + ", not the agent's site " +
						p.siteName(n.SiteID) + ": an agent is only in teams of its site."})
			}
		}
	} else if n.SiteID != cur.SiteID {
		// Changing the site clears the teams that belong to another site (SPEC §3).
		kept := n.TeamIDs[:0]
		for _, id := range n.TeamIDs {
			if t := p.teams[id]; t != nil && t.SiteID == n.SiteID && n.SiteID != "" {
				kept = append(kept, id)
			} else {
				dropped = append(dropped, p.teamName(id))
			}
		}
		n.TeamIDs = kept
	}
	if len(errs) > 0 {
		return nil, nil, roster.InvalidFields(errs...)
	}
	return &n, dropped, nil
}

func (p *portal) siteName(id string) string {
	if s := p.sites[id]; s != nil {
		return s.Name
	}
	return id
}

func (p *portal) teamName(id string) string {
	if t := p.teams[id]; t != nil {
		return t.Name
	}
	return id
}

func unknownID(field, noun, id string) *roster.FieldError {
	return &roster.FieldError{Field: field, Code: roster.CodeInvalid,
		Message: "No " + noun + " of this organization has the id " + quote(id) + "."}
}
