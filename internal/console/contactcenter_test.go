package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
)

// newAgent creates a user with a license and its agent: sync creates agents, here the store
// does.
func (e *env) newAgent(email string) *roster.User {
	e.t.Helper()
	ctx := context.Background()
	u := e.newUser(provision.NewUser{Email: email, FirstName: "Ada", LastName: "Lovelace", License: roster.LicenseStandard})
	now := time.Now().UTC().Truncate(time.Microsecond)
	agent := &roster.Agent{UserID: u.ID, OrgID: e.org.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		ProfileType: u.ProfileType(), Active: true, ContactCenterEnabled: true, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := e.store.Write(ctx, func(tx roster.Tx) error { return tx.CreateAgents(ctx, []*roster.Agent{agent}) }); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// TestContactCenterByRole opens the contact center pages as each kind of reader, and posts
// each change as the roles that may not make it: refused, nothing changed.
func TestContactCenterByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	readers := map[string]*browser{
		"signed out": e.browser("en"),
		"full":       e.signedIn(roster.AdminFull, "en"),
		"cc_service": e.signedIn(roster.AdminCCService, "en"),
		"read_only":  e.signedIn(roster.AdminReadOnly, "en"),
	}
	ctx := context.Background()
	site, err := e.svc.CreateSite(ctx, sys, e.org.ID, "Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	sites := e.orgPath("/contact-center/sites")
	rename := sites + "/" + site.ID
	live := []string{`action="` + sites + `"`, `action="` + rename + `"`, `action="` + rename + `/delete"`}
	sync := `action="/console/orgs/` + e.org.ID + `/synchronize"`
	tests := []struct {
		reader, path string
		status       int
		has, hasNot  []string
	}{
		{"signed out", e.orgPath("/contact-center"), http.StatusSeeOther, nil, nil},
		{"signed out", sites, http.StatusSeeOther, nil, nil},
		{"full", e.orgPath("/contact-center"), http.StatusOK, []string{"New platform", "Built-in contact center", "Sync runs by itself after every change.",
			sync, "Standard agent", e.orgPath("/users?syncStatus=invalid"), `aria-current="page"`, e.orgPath("/contact-center/user-profiles")}, nil},
		{"cc_service", e.orgPath("/contact-center"), http.StatusOK, []string{sync}, nil},
		{"read_only", e.orgPath("/contact-center"), http.StatusOK, []string{"Sync runs by itself"}, []string{sync}},
		{"full", sites, http.StatusOK, append([]string{"Stockholm"}, live...), nil},
		{"cc_service", sites, http.StatusOK, live, nil},
		{"read_only", sites, http.StatusOK, []string{"Stockholm"}, live},
		{"full", e.orgPath("/contact-center/teams"), http.StatusOK, []string{`<select id="siteId" name="siteId"`, ">Stockholm</option>"}, nil},
		{"full", e.orgPath("/contact-center/skill-profiles"), http.StatusOK, []string{"Skill profiles", "There is nothing here yet."}, nil},
		{"full", e.orgPath("/contact-center/agent-profiles"), http.StatusOK, []string{"Agent profiles"}, nil},
		{"full", e.orgPath("/contact-center/multimedia-profiles"), http.StatusOK, []string{"Multimedia profiles"}, nil},
		{"full", e.orgPath("/contact-center/user-profiles"), http.StatusOK, []string{"Standard Agent", "built in", `<select id="type" name="type"`},
			[]string{`action="` + e.orgPath("/contact-center/user-profiles/standard_agent")}},
		{"full", e.orgPath("/contact-center/no-such-kind"), http.StatusNotFound, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.reader+" "+tt.path, func(t *testing.T) {
			resp := readers[tt.reader].get(tt.path)
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d\n%s", resp.status, tt.status, resp.body)
			}
			if tt.status == http.StatusSeeOther && !strings.HasPrefix(resp.header.Get("Location"), "/console/sign-in?next=") {
				t.Errorf("redirect to %q", resp.header.Get("Location"))
			}
			for _, s := range tt.has {
				if !strings.Contains(resp.body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(resp.body, s) {
					t.Errorf("page shows %q", s)
				}
			}
		})
	}
	v := url.Values{"version": {"1"}}
	for _, p := range []struct {
		reader, path string
		form         url.Values
	}{
		{"read_only", sites, url.Values{"name": {"Malmö"}}},
		{"read_only", rename, url.Values{"version": {"1"}, "name": {"Renamed"}}},
		{"read_only", rename + "/delete", v},
		{"read_only", e.orgPath("/synchronize"), url.Values{}},
	} {
		if resp := readers[p.reader].post(p.path, p.form); resp.status != http.StatusForbidden {
			t.Errorf("%s posts %s: %d, want 403\n%s", p.reader, p.path, resp.status, resp.body)
		}
	}
	if resp := readers["signed out"].post(rename+"/delete", v); resp.status != http.StatusSeeOther {
		t.Errorf("signed out delete: %d", resp.status)
	}
	if got, _ := e.svc.Sites(ctx, sys, e.org.ID); len(got) != 1 || got[0].Name != "Stockholm" || e.taskCount() != 0 {
		t.Errorf("a refused post changed the sites: %+v", got)
	}

	// cc_service creates, renames and deletes; each answer shows the list again.
	cc := readers["cc_service"]
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{sites, url.Values{"name": {"Malmö"}}},
		{rename, url.Values{"version": {"1"}, "name": {"Göteborg"}}},
		{rename + "/delete", url.Values{"version": {"2"}}},
	} {
		resp := cc.post(step.path, step.form)
		if resp.status != http.StatusSeeOther || resp.header.Get("Location") != sites {
			t.Fatalf("cc_service posts %s: %d %q\n%s", step.path, resp.status, resp.header.Get("Location"), resp.body)
		}
	}
	if got, _ := e.svc.Sites(ctx, sys, e.org.ID); len(got) != 1 || got[0].Name != "Malmö" {
		t.Errorf("after cc_service's changes: %+v", got)
	}

	// Synchronize Users starts its task and shows it.
	resp := cc.post(e.orgPath("/synchronize"), url.Values{})
	if resp.status != http.StatusSeeOther || !strings.HasPrefix(resp.header.Get("Location"), e.orgPath("/tasks/")) {
		t.Fatalf("synchronize: %d %q", resp.status, resp.header.Get("Location"))
	}
	if e.taskCount() != 1 {
		t.Errorf("synchronize started %d tasks", e.taskCount())
	}
}

// TestContactCenterRefusals shows provision's refusals in the reader's language, keeps the
// form, and changes nothing: an entity in use, a name in use, a built-in user profile, a
// stale form, a team without a site.
func TestContactCenterRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "sv")
	if resp := b.post("/console/language", url.Values{"language": {"sv"}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
		t.Fatalf("language: %d", resp.status)
	}
	ctx := context.Background()
	site, err := e.svc.CreateSite(ctx, sys, e.org.ID, "Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	siteID := site.ID
	team, err := e.svc.CreateTeam(ctx, sys, e.org.ID, provision.TeamInput{Name: ptr("Kundtjänst"), SiteID: &siteID})
	if err != nil {
		t.Fatal(err)
	}
	u := e.newAgent("ada@acme.example")
	if _, err := e.svc.UpdateAgent(ctx, sys, e.org.ID, u.ID, provision.AgentChange{SiteID: &siteID, TeamIDs: &[]string{team.ID}}, 0); err != nil {
		t.Fatal(err)
	}
	cc := e.orgPath("/contact-center")
	version := func(v int64) url.Values { return url.Values{"version": {strconv.FormatInt(v, 10)}} }
	tests := []struct {
		name, path string
		form       url.Values
		status     int
		has        []string
	}{
		{"site with a team", cc + "/sites/" + site.ID + "/delete", version(site.Version), http.StatusUnprocessableEntity,
			[]string{"Platsen kan inte tas bort: den har team eller agenter."}},
		{"team with an agent", cc + "/teams/" + team.ID + "/delete", version(team.Version), http.StatusUnprocessableEntity,
			[]string{"Den kan inte tas bort: 1 agent har den.", `href="` + e.orgPath("/contact-center/agents?team="+team.ID) + `"`, "Visa agenterna som har den"}},
		{"name in use", cc + "/sites", url.Values{"name": {"stockholm"}}, http.StatusUnprocessableEntity,
			[]string{"Namnet används redan", `value="stockholm"`, `href="#name"`}},
		{"empty name", cc + "/skill-profiles", url.Values{"name": {" "}}, http.StatusUnprocessableEntity, []string{`aria-invalid="true"`, `href="#name"`}},
		{"team without a site", cc + "/teams", url.Values{"name": {"Sälj"}}, http.StatusUnprocessableEntity,
			[]string{`href="#siteId"`, `value="Sälj"`}},
		{"built-in user profile", cc + "/user-profiles/standard_agent", url.Values{"version": {"1"}, "name": {"Agent"}}, http.StatusConflict,
			[]string{"En inbyggd användarprofil kan inte byta namn eller tas bort."}},
		{"built-in user profile deleted", cc + "/user-profiles/standard_agent/delete", version(1), http.StatusConflict,
			[]string{"En inbyggd användarprofil kan inte byta namn eller tas bort."}},
		{"stale rename", cc + "/sites/" + site.ID, url.Values{"version": {"9"}, "name": {"Malmö"}}, http.StatusConflict,
			[]string{"Någon ändrade detta"}},
		{"no version", cc + "/sites/" + site.ID + "/delete", url.Values{}, http.StatusConflict, []string{"Någon ändrade detta"}},
		{"unknown site", cc + "/sites/no-such-site/delete", version(1), http.StatusNotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := b.post(tt.path, tt.form)
			mustAnswer(t, tt.name, resp, tt.status, tt.has...)
			if tt.status != http.StatusNotFound {
				checkLocalized(t, roster.Swedish, tt.name, resp.body)
			}
		})
	}
	sites, _ := e.svc.Sites(ctx, sys, e.org.ID)
	teams, _ := e.svc.Teams(ctx, sys, e.org.ID, "")
	profiles, _ := e.svc.PortalProfiles(ctx, sys, e.org.ID, roster.SkillProfile)
	if len(sites) != 1 || sites[0].Name != "Stockholm" || len(teams) != 1 || len(profiles) != 0 {
		t.Errorf("a refused form changed the entities: %v %v %v", sites, teams, profiles)
	}
}

// TestContactCenterInEveryLanguage renders the contact center pages in each language without
// a message key.
func TestContactCenterInEveryLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	if _, err := e.svc.CreateSite(context.Background(), sys, e.org.ID, "Stockholm"); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(roster.AdminFull, "en")
	u := e.newAgent("ada@acme.example")
	pages := []string{e.orgPath("/contact-center"), e.orgPath("/contact-center/agents"), e.orgPath("/contact-center/agents/" + u.ID),
		e.orgPath("/contact-center/agents?contactCenterEnabled=false"), e.orgPath("/contact-center/agents-upload")}
	for _, k := range []string{"sites", "teams", "skill-profiles", "agent-profiles", "multimedia-profiles", "user-profiles"} {
		pages = append(pages, e.orgPath("/contact-center/"+k))
	}
	for _, lang := range roster.Languages {
		if resp := b.post("/console/language", url.Values{"language": {string(lang)}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
			t.Fatalf("language %s: %d", lang, resp.status)
		}
		for _, p := range pages {
			resp := b.get(p)
			if resp.status != http.StatusOK {
				t.Fatalf("%s %s: %d", lang, p, resp.status)
			}
			checkLocalized(t, lang, p, resp.body)
		}
	}
}

// TestAgentPages lists agents with filters, and opens and changes an agent as each kind of
// reader: the roles that may not change it are refused, and nothing changes.
func TestAgentPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	ctx := context.Background()
	readers := map[string]*browser{
		"signed out": e.browser("en"),
		"full":       e.signedIn(roster.AdminFull, "en"),
		"cc_service": e.signedIn(roster.AdminCCService, "en"),
		"read_only":  e.signedIn(roster.AdminReadOnly, "en"),
	}
	sto, _ := e.svc.CreateSite(ctx, sys, e.org.ID, "Stockholm")
	mal, _ := e.svc.CreateSite(ctx, sys, e.org.ID, "Malmö")
	tier1, err := e.svc.CreateTeam(ctx, sys, e.org.ID, provision.TeamInput{Name: ptr("Tier 1"), SiteID: &sto.ID})
	if err != nil {
		t.Fatal(err)
	}
	south, err := e.svc.CreateTeam(ctx, sys, e.org.ID, provision.TeamInput{Name: ptr("South"), SiteID: &mal.ID})
	if err != nil {
		t.Fatal(err)
	}
	sales, _ := e.svc.CreatePortalProfile(ctx, sys, e.org.ID, roster.SkillProfile, "Sales")
	ada, bob := e.newAgent("ada@acme.example"), e.newAgent("bob@acme.example")
	if _, err := e.svc.UpdateAgent(ctx, sys, e.org.ID, bob.ID, provision.AgentChange{SiteID: &sto.ID, TeamIDs: &[]string{tier1.ID},
		ContactCenterEnabled: ptr(false)}, 0); err != nil {
		t.Fatal(err)
	}
	list, page := e.orgPath("/contact-center/agents"), e.orgPath("/contact-center/agents/"+ada.ID)
	form := `action="` + page + `"`
	for _, tt := range []struct {
		reader, path string
		status       int
		has, hasNot  []string
	}{
		{"signed out", list, http.StatusSeeOther, nil, nil},
		{"signed out", page, http.StatusSeeOther, nil, nil},
		{"full", list, http.StatusOK, []string{"ada@acme.example", "bob@acme.example", page}, nil},
		{"full", list + "?site=" + sto.ID, http.StatusOK, []string{"bob@acme.example"}, []string{"ada@acme.example"}},
		{"full", list + "?team=" + tier1.ID + "&active=true&profileType=standard_agent", http.StatusOK, []string{"bob@acme.example"}, []string{"ada@acme.example"}},
		{"full", list + "?active=false", http.StatusOK, []string{"No agent matches these filters."}, []string{"ada@acme.example"}},
		{"full", list + "?contactCenterEnabled=false", http.StatusOK, []string{"bob@acme.example", `<option value="false" selected>Not enabled</option>`},
			[]string{"ada@acme.example"}},
		{"full", list + "?contactCenterEnabled=true&site=" + sto.ID, http.StatusOK, []string{"No agent matches these filters."}, []string{"bob@acme.example"}},
		{"full", list + "?contactCenterEnabled=true", http.StatusOK, []string{"ada@acme.example", "<td>Enabled</td>"}, []string{"bob@acme.example"}},
		{"read_only", list, http.StatusOK, []string{"ada@acme.example"}, nil},
		{"full", page, http.StatusOK, []string{"Ada Lovelace", e.orgPath("/users/" + ada.ID), form, `name="skillProfileId"`, ">Sales</option>"}, nil},
		{"cc_service", page, http.StatusOK, []string{form}, nil},
		{"read_only", page, http.StatusOK, []string{"Ada Lovelace"}, []string{form}},
		{"full", list + "/no-such-user", http.StatusNotFound, nil, nil},
	} {
		resp := readers[tt.reader].get(tt.path)
		if resp.status != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.reader, tt.path, resp.status, tt.status)
			continue
		}
		for _, s := range tt.has {
			if !strings.Contains(resp.body, s) {
				t.Errorf("%s %s lacks %q", tt.reader, tt.path, s)
			}
		}
		for _, s := range tt.hasNot {
			if strings.Contains(resp.body, s) {
				t.Errorf("%s %s shows %q", tt.reader, tt.path, s)
			}
		}
	}
	change := url.Values{"version": {"1"}, "oldSiteId": {""}, "siteId": {sto.ID}, "skillProfileId": {sales.ID}, "externalId": {"A-1"}}
	if resp := readers["read_only"].post(page, change); resp.status != http.StatusForbidden {
		t.Errorf("read_only changes an agent: %d", resp.status)
	}
	if resp := readers["signed out"].post(page, change); resp.status != http.StatusSeeOther {
		t.Errorf("signed out changes an agent: %d", resp.status)
	}
	if ag, _ := e.svc.Agent(ctx, sys, e.org.ID, ada.ID); ag.SiteID != "" || ag.Version != 1 {
		t.Fatalf("a refused post changed the agent: %+v", ag)
	}
	// A team of another site is refused at its field, in the reader's language.
	resp := readers["cc_service"].post(page, url.Values{"version": {"1"}, "oldSiteId": {sto.ID}, "siteId": {sto.ID}, "teamId": {south.ID}})
	mustAnswer(t, "team of another site", resp, http.StatusUnprocessableEntity, `href="#teamIds"`)
	resp = readers["cc_service"].post(page, url.Values{"version": {"7"}, "siteId": {sto.ID}})
	mustAnswer(t, "stale form", resp, http.StatusConflict, "Someone changed this")
	resp = readers["cc_service"].post(page, change)
	if resp.status != http.StatusSeeOther || resp.header.Get("Location") != page {
		t.Fatalf("cc_service changes an agent: %d %q\n%s", resp.status, resp.header.Get("Location"), resp.body)
	}
	// The site stays: the ticked teams count.
	resp = readers["cc_service"].post(page, url.Values{"version": {"2"}, "oldSiteId": {sto.ID}, "siteId": {sto.ID}, "teamId": {tier1.ID},
		"skillProfileId": {sales.ID}, "externalId": {"A-1"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("cc_service sets the teams: %d\n%s", resp.status, resp.body)
	}
	ag, _ := e.svc.Agent(ctx, sys, e.org.ID, ada.ID)
	if ag.SiteID != sto.ID || ag.SkillProfileID != sales.ID || ag.ExternalID != "A-1" || len(ag.TeamIDs) != 1 || ag.TeamIDs[0] != tier1.ID {
		t.Errorf("after the changes: %+v", ag)
	}
	// The site changes: the old site's teams go.
	resp = readers["cc_service"].post(page, url.Values{"version": {strconv.FormatInt(ag.Version, 10)}, "oldSiteId": {sto.ID}, "siteId": {mal.ID},
		"teamId": {tier1.ID}, "skillProfileId": {sales.ID}, "externalId": {"A-1"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("cc_service moves the agent: %d\n%s", resp.status, resp.body)
	}
	if ag, _ := e.svc.Agent(ctx, sys, e.org.ID, ada.ID); ag.SiteID != mal.ID || len(ag.TeamIDs) != 0 {
		t.Errorf("after the move: %+v", ag)
	}
}
