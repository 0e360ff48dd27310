package provision_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
)

// makeAgents gives users agents directly in the store, as sync will.
func makeAgents(t *testing.T, store roster.Store, users ...*roster.User) []*roster.Agent {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	agents := make([]*roster.Agent, len(users))
	for i, u := range users {
		agents[i] = &roster.Agent{UserID: u.ID, OrgID: u.OrgID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
			ProfileType: u.ProfileType(), UserProfileID: u.UserProfileID, Active: true, ContactCenterEnabled: true,
			CreatedAt: now, UpdatedAt: now, Version: 1}
	}
	if err := store.Write(context.Background(), func(tx roster.Tx) error { return tx.CreateAgents(context.Background(), agents) }); err != nil {
		t.Fatalf("create agents: %v", err)
	}
	return agents
}

func TestPortalEntities(t *testing.T) {
	t.Parallel()
	svc, store := newService(t)
	ctx := context.Background()
	o, other := newOrg(t, svc, "Acme", orgSpec{}), newOrg(t, svc, "Other", orgSpec{})
	full, cc, ro := admin(o, roster.AdminFull), admin(o, roster.AdminCCService), admin(o, roster.AdminReadOnly)

	sto, err := svc.CreateSite(ctx, cc, o.ID, " Stockholm ")
	if err != nil || sto.Name != "Stockholm" || sto.Version != 1 {
		t.Fatalf("create site: %+v %v", sto, err)
	}
	_, err = svc.CreateSite(ctx, full, o.ID, "STOCKHOLM")
	wantCode(t, err, roster.CodeNameExists)
	if !strings.Contains(roster.ErrorMessage(err), "A site named STOCKHOLM already exists in this organization") {
		t.Errorf("message %q", roster.ErrorMessage(err))
	}
	_, err = svc.CreateSite(ctx, ro, o.ID, "Oslo")
	wantCode(t, err, roster.CodeForbidden)
	_, err = svc.CreateSite(ctx, full, o.ID, "")
	wantCode(t, err, roster.CodeInvalid)
	if _, err := svc.CreateSite(ctx, admin(other, roster.AdminFull), other.ID, "Stockholm"); err != nil {
		t.Fatalf("the same name in another organization: %v", err)
	}
	osl, err := svc.CreateSite(ctx, full, o.ID, "Oslo")
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.RenameSite(ctx, full, o.ID, osl.ID, "stockholm", 0)
	wantCode(t, err, roster.CodeNameExists)
	_, err = svc.RenameSite(ctx, full, o.ID, osl.ID, "Bergen", 7)
	wantCode(t, err, roster.CodePreconditionFailed)
	if osl, err = svc.RenameSite(ctx, full, o.ID, osl.ID, "Bergen", 1); err != nil || osl.Version != 2 {
		t.Fatalf("rename site: %+v %v", osl, err)
	}
	_, err = svc.Site(ctx, admin(other, roster.AdminFull), o.ID, sto.ID)
	wantCode(t, err, roster.CodeNotFound)

	// Teams belong to a site.
	_, err = svc.CreateTeam(ctx, full, o.ID, provision.TeamInput{Name: ptr("Tier 1")})
	wantCode(t, err, roster.CodeInvalid)
	_, err = svc.CreateTeam(ctx, full, o.ID, provision.TeamInput{Name: ptr("Tier 1"), SiteID: ptr("nope")})
	wantCode(t, err, roster.CodeInvalid)
	_, err = svc.CreateTeam(ctx, full, o.ID, provision.TeamInput{Name: ptr("A|B"), SiteID: &sto.ID})
	wantCode(t, err, roster.CodeInvalid)
	tier1, err := svc.CreateTeam(ctx, full, o.ID, provision.TeamInput{Name: ptr("Tier 1"), SiteID: &sto.ID})
	if err != nil {
		t.Fatal(err)
	}
	tier2, err := svc.CreateTeam(ctx, full, o.ID, provision.TeamInput{Name: ptr("Tier 2"), SiteID: &sto.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreateTeam(ctx, full, o.ID, provision.TeamInput{Name: ptr("tier 1"), SiteID: &osl.ID})
	wantCode(t, err, roster.CodeNameExists)
	if teams, err := svc.Teams(ctx, ro, o.ID, sto.ID); err != nil || len(teams) != 2 {
		t.Fatalf("teams of the site: %d %v", len(teams), err)
	}
	if teams, err := svc.Teams(ctx, ro, o.ID, osl.ID); err != nil || len(teams) != 0 {
		t.Fatalf("teams of the other site: %d %v", len(teams), err)
	}

	// A site with teams cannot be deleted.
	err = svc.DeleteSite(ctx, full, o.ID, sto.ID, 0)
	wantCode(t, err, roster.CodeInUse)
	if msg := roster.ErrorMessage(err); !strings.Contains(msg, "Tier 1, Tier 2") {
		t.Errorf("message %q", msg)
	}

	// Profiles, per kind.
	sales, err := svc.CreatePortalProfile(ctx, cc, o.ID, roster.SkillProfile, "Sales")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreatePortalProfile(ctx, cc, o.ID, roster.AgentProfile, "sales"); err != nil {
		t.Fatalf("the same name of another kind: %v", err)
	}
	_, err = svc.CreatePortalProfile(ctx, cc, o.ID, roster.SkillProfile, "SALES")
	wantCode(t, err, roster.CodeNameExists)
	if !strings.Contains(roster.ErrorMessage(err), "A skill profile named SALES") {
		t.Errorf("message %q", roster.ErrorMessage(err))
	}
	_, err = svc.PortalProfile(ctx, ro, o.ID, roster.AgentProfile, sales.ID)
	wantCode(t, err, roster.CodeNotFound)

	// Entities in use by agents.
	users := make([]*roster.User, 7)
	for i := range users {
		users[i] = mustCreate(t, svc, o, provision.NewUser{Email: "u" + string(rune('a'+i)) + "@acme.example", License: roster.LicenseStandard})
	}
	makeAgents(t, store, users...)
	for _, u := range users {
		if _, err := svc.UpdateAgent(ctx, cc, o.ID, u.ID, provision.AgentChange{SiteID: &sto.ID, TeamIDs: &[]string{tier1.ID},
			SkillProfileID: &sales.ID}, 0); err != nil {
			t.Fatal(err)
		}
	}
	for name, err := range map[string]error{
		"team":    svc.DeleteTeam(ctx, full, o.ID, tier1.ID, 0),
		"profile": svc.DeletePortalProfile(ctx, full, o.ID, roster.SkillProfile, sales.ID, 0),
	} {
		if roster.ErrorCode(err) != roster.CodeInUse {
			t.Errorf("delete %s in use: %v", name, err)
			continue
		}
		if msg := roster.ErrorMessage(err); !strings.Contains(msg, "and others") || strings.Count(msg, "@acme.example") != 5 {
			t.Errorf("delete %s in use: %q", name, msg)
		}
		// All seven, though the message names five.
		if got := roster.ErrorParams(err)["Agents"]; got != 7 {
			t.Errorf("delete %s in use: Agents = %v, want 7", name, got)
		}
	}
	mal, _ := svc.CreateSite(ctx, full, o.ID, "Malmö")
	if _, err := svc.UpdateAgent(ctx, cc, o.ID, users[0].ID, provision.AgentChange{SiteID: &mal.ID}, 0); err != nil {
		t.Fatal(err)
	}
	err = svc.DeleteSite(ctx, full, o.ID, mal.ID, 0)
	wantCode(t, err, roster.CodeInUse)
	if msg := roster.ErrorMessage(err); msg != "The site Malmö is in use by ua@acme.example; give them another site first." {
		t.Errorf("message %q", msg)
	}
	// A team agents are in does not move to another site.
	_, err = svc.UpdateTeam(ctx, full, o.ID, tier1.ID, provision.TeamInput{SiteID: &osl.ID}, 0)
	wantCode(t, err, roster.CodeInUse)
	moved, err := svc.UpdateTeam(ctx, full, o.ID, tier2.ID, provision.TeamInput{SiteID: &osl.ID, Name: ptr("Tier 2 Bergen")}, 1)
	if err != nil || moved.SiteID != osl.ID || moved.Name != "Tier 2 Bergen" || moved.Version != 2 {
		t.Fatalf("move team: %+v %v", moved, err)
	}
	if err := svc.DeleteTeam(ctx, full, o.ID, moved.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeletePortalProfile(ctx, cc, o.ID, roster.AgentProfile, "nope", 0); roster.ErrorCode(err) != roster.CodeNotFound {
		t.Errorf("delete unknown profile: %v", err)
	}
	if err := svc.DeleteSite(ctx, cc, o.ID, osl.ID, 2); err != nil {
		t.Fatal(err)
	}
	page, err := svc.AuditEntries(ctx, ro, roster.AuditFilter{OrgID: o.ID, Action: "site.update"})
	if err != nil || len(page.Entries) != 1 || string(page.Entries[0].After) != `{"name":"Bergen"}` {
		t.Fatalf("audit: %+v %v", page, err)
	}
	for _, action := range []string{"site.create", "site.delete", "team.create", "team.update", "team.delete", "skill_profile.create", "agent_profile.create"} {
		page, err := svc.AuditEntries(ctx, ro, roster.AuditFilter{OrgID: o.ID, Action: action})
		if err != nil || len(page.Entries) == 0 {
			t.Errorf("no audit entry %s: %v", action, err)
		}
	}
}

func TestUpdateAgent(t *testing.T) {
	t.Parallel()
	svc, store := newService(t)
	ctx := context.Background()
	o, other := newOrg(t, svc, "Acme", orgSpec{}), newOrg(t, svc, "Other", orgSpec{})
	full, cc, ro := admin(o, roster.AdminFull), admin(o, roster.AdminCCService), admin(o, roster.AdminReadOnly)
	ada := mustCreate(t, svc, o, provision.NewUser{Email: "ada@acme.example", License: roster.LicensePremium})
	bo := mustCreate(t, svc, o, provision.NewUser{Email: "bo@acme.example", License: roster.LicenseStandard})
	makeAgents(t, store, ada)

	sto, _ := svc.CreateSite(ctx, full, o.ID, "Stockholm")
	osl, _ := svc.CreateSite(ctx, full, o.ID, "Oslo")
	t1, _ := svc.CreateTeam(ctx, full, o.ID, provision.TeamInput{Name: ptr("Tier 1"), SiteID: &sto.ID})
	t2, _ := svc.CreateTeam(ctx, full, o.ID, provision.TeamInput{Name: ptr("Tier 2"), SiteID: &sto.ID})
	o1, _ := svc.CreateTeam(ctx, full, o.ID, provision.TeamInput{Name: ptr("Oslo 1"), SiteID: &osl.ID})
	skill, _ := svc.CreatePortalProfile(ctx, full, o.ID, roster.SkillProfile, "Sales")
	foreign, _ := svc.CreateSite(ctx, admin(other, roster.AdminFull), other.ID, "Foreign")

	_, err := svc.Agent(ctx, ro, o.ID, bo.ID)
	wantCode(t, err, roster.CodeNotFound)
	_, err = svc.UpdateAgent(ctx, cc, o.ID, bo.ID, provision.AgentChange{ExternalID: ptr("x")}, 0)
	wantCode(t, err, roster.CodeNotFound)
	_, err = svc.UpdateAgent(ctx, ro, o.ID, ada.ID, provision.AgentChange{ExternalID: ptr("x")}, 0)
	wantCode(t, err, roster.CodeForbidden)
	_, err = svc.Agent(ctx, admin(other, roster.AdminFull), o.ID, ada.ID)
	wantCode(t, err, roster.CodeNotFound)

	fields := func(err error) string {
		var out []string
		for _, f := range roster.ErrorFields(err) {
			out = append(out, f.Field)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name   string
		change provision.AgentChange
		fields string // the field errors, or "" when the change passes
		site   string
		teams  []string
	}{
		{name: "site of another organization", change: provision.AgentChange{SiteID: &foreign.ID}, fields: "siteId"},
		{name: "skill profile id of another kind", change: provision.AgentChange{AgentProfileID: &skill.ID}, fields: "agentProfileId"},
		{name: "phone without +", change: provision.AgentChange{DefaultDialNumber: ptr("46701234567")}, fields: "defaultDialNumber"},
		{name: "control character", change: provision.AgentChange{ExternalID: ptr("a\tb")}, fields: "externalId"},
		{name: "teams without a site", change: provision.AgentChange{TeamIDs: &[]string{t1.ID}}, fields: "teamIds"},
		{name: "site and teams", change: provision.AgentChange{SiteID: &sto.ID, TeamIDs: &[]string{t1.ID, t2.ID, t1.ID},
			SkillProfileID: &skill.ID, DefaultDialNumber: ptr("+46701234567"), ExternalID: ptr("E-1")},
			site: sto.ID, teams: []string{t1.ID, t2.ID}},
		{name: "a team of another site", change: provision.AgentChange{TeamIDs: &[]string{t1.ID, o1.ID}}, fields: "teamIds"},
		{name: "new site and a team of the old one", change: provision.AgentChange{SiteID: &osl.ID, TeamIDs: &[]string{t1.ID}}, fields: "teamIds"},
		{name: "new site clears the old site's teams", change: provision.AgentChange{SiteID: &osl.ID}, site: osl.ID, teams: nil},
		{name: "new site with its teams", change: provision.AgentChange{SiteID: &sto.ID, TeamIDs: &[]string{t2.ID}}, site: sto.ID, teams: []string{t2.ID}},
		{name: "no site clears every team", change: provision.AgentChange{SiteID: ptr("")}, site: "", teams: nil},
	}
	version := int64(1)
	for _, tt := range tests { // sequential: each starts where the one before left the agent
		ag, err := svc.UpdateAgent(ctx, cc, o.ID, ada.ID, tt.change, version)
		if tt.fields != "" {
			if roster.ErrorCode(err) != roster.CodeInvalid || fields(err) != tt.fields {
				t.Fatalf("%s: %v (fields %s), want field errors %s", tt.name, err, fields(err), tt.fields)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if ag.SiteID != tt.site || strings.Join(ag.TeamIDs, ",") != strings.Join(tt.teams, ",") || ag.Version != version+1 {
			t.Fatalf("%s: site %q teams %v version %d", tt.name, ag.SiteID, ag.TeamIDs, ag.Version)
		}
		version = ag.Version
	}
	_, err = svc.UpdateAgent(ctx, cc, o.ID, ada.ID, provision.AgentChange{ExternalID: ptr("E-2")}, 1)
	wantCode(t, err, roster.CodePreconditionFailed)
	same, err := svc.UpdateAgent(ctx, cc, o.ID, ada.ID, provision.AgentChange{ExternalID: ptr("E-1")}, 0)
	if err != nil || same.Version != version {
		t.Fatalf("a change to the same value: version %d, %v", same.Version, err)
	}
	stored, err := svc.Agent(ctx, ro, o.ID, ada.ID)
	if err != nil || stored.SkillProfileID != skill.ID || stored.DefaultDialNumber != "+46701234567" || stored.ExternalID != "E-1" {
		t.Fatalf("stored %+v %v", stored, err)
	}
	page, err := svc.AuditEntries(ctx, ro, roster.AuditFilter{OrgID: o.ID, Action: "agent.update", TargetID: ada.ID})
	if err != nil || len(page.Entries) != 4 {
		t.Fatalf("audit: %d entries, %v", len(page.Entries), err)
	}
	// Newest first: the site cleared, with its teams.
	if got := string(page.Entries[0].Before) + " " + string(page.Entries[0].After); got != `{"siteId":"`+sto.ID+`","teamIds":["`+t2.ID+`"]} {"siteId":"","teamIds":[]}` {
		t.Errorf("audit of the last change: %s", got)
	}
	agents, err := svc.Agents(ctx, ro, roster.AgentFilter{OrgID: o.ID, Query: " ADA"})
	if err != nil || len(agents.Agents) != 1 {
		t.Fatalf("agents: %+v %v", agents, err)
	}
}
