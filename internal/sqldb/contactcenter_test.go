package sqldb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/sqldb"
)

func newSite(org *roster.Org, name string) *roster.Site {
	return &roster.Site{Entity: roster.Entity{ID: roster.NewID(), OrgID: org.ID, Name: name, CreatedAt: at, UpdatedAt: at}}
}

func newTeam(site *roster.Site, name string) *roster.Team {
	return &roster.Team{Entity: roster.Entity{ID: roster.NewID(), OrgID: site.OrgID, Name: name, CreatedAt: at, UpdatedAt: at}, SiteID: site.ID}
}

func newPortalProfile(org *roster.Org, kind roster.PortalProfileKind, name string) *roster.PortalProfile {
	return &roster.PortalProfile{Entity: roster.Entity{ID: roster.NewID(), OrgID: org.ID, Name: name, CreatedAt: at, UpdatedAt: at}, Kind: kind}
}

func newAgent(u *roster.User) *roster.Agent {
	return &roster.Agent{
		UserID: u.ID, OrgID: u.OrgID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		ProfileType: roster.ProfileStandardAgent, Active: true, ContactCenterEnabled: true,
		ExternalID: "ext-" + u.Email, DefaultDialNumber: "+4681234567", CreatedAt: at, UpdatedAt: at,
	}
}

func mustCreateAgents(t testing.TB, db *sqldb.DB, agents ...*roster.Agent) {
	t.Helper()
	write(t, db, func(tx roster.Tx) error { return tx.CreateAgents(context.Background(), agents) })
}

func findAgent(t testing.TB, r roster.Reader, a *roster.Agent) *roster.Agent {
	t.Helper()
	got, err := r.FindAgent(context.Background(), a.OrgID, a.UserID)
	if err != nil {
		t.Fatalf("find agent %s: %v", a.Email, err)
	}
	return got
}

func agentEmails(agents []*roster.Agent) []string {
	emails := []string{}
	for _, a := range agents {
		emails = append(emails, a.Email)
	}
	return emails
}

func TestSites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		beta := mustCreateOrg(t, db, "Beta")
		stockholm, oslo := newSite(acme, "Stockholm"), newSite(acme, "oslo")
		write(t, db, func(tx roster.Tx) error {
			for _, s := range []*roster.Site{stockholm, oslo, newSite(beta, "Stockholm")} {
				if err := tx.CreateSite(ctx, s); err != nil {
					return err
				}
			}
			// A name taken ignoring case fails that statement only: the transaction goes on.
			err := tx.CreateSite(ctx, newSite(acme, "STOCKHOLM"))
			wantCode(t, err, roster.CodeConflict)
			if msg := roster.ErrorMessage(err); msg != "A site named STOCKHOLM already exists." {
				t.Errorf("message %q", msg)
			}
			return nil
		})
		if stockholm.Version != 1 || stockholm.CreatedAt.Location() != time.UTC ||
			!stockholm.CreatedAt.Equal(at.Truncate(time.Microsecond)) {
			t.Fatalf("after create: %+v", stockholm)
		}
		got, err := db.FindSiteByID(ctx, acme.ID, stockholm.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, got, stockholm)
		_, err = db.FindSiteByID(ctx, beta.ID, stockholm.ID)
		wantCode(t, err, roster.CodeNotFound)
		sites, err := db.FindSites(ctx, acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, sites, []*roster.Site{oslo, stockholm})

		// Rename: a taken name and a stale version are conflicts; a new case of its own name is not.
		stale := *stockholm
		renamed := *stockholm
		renamed.Name, renamed.UpdatedAt = "STOCKHOLM", at.Add(time.Hour)
		write(t, db, func(tx roster.Tx) error { return tx.UpdateSite(ctx, &renamed) })
		if renamed.Version != 2 {
			t.Fatalf("version after update %d", renamed.Version)
		}
		wantEqual(t, ok(db.FindSiteByID(ctx, acme.ID, stockholm.ID)).must(t), &renamed)
		taken := renamed
		taken.Name = "OSLO"
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.UpdateSite(ctx, &taken) })
		wantCode(t, err, roster.CodeConflict)
		if msg := roster.ErrorMessage(err); msg != "A site named OSLO already exists." {
			t.Errorf("message %q", msg)
		}
		stale.Name = "Göteborg"
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.UpdateSite(ctx, &stale) })
		wantCode(t, err, roster.CodeVersionConflict)
		if msg := roster.ErrorMessage(err); msg != "The site has changed since it was read." {
			t.Errorf("message %q", msg)
		}
		missing := newSite(acme, "Nowhere")
		missing.Version = 1
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.UpdateSite(ctx, missing) })
		wantCode(t, err, roster.CodeNotFound)

		// A site with teams stays; without them it goes.
		team := newTeam(oslo, "Night shift")
		write(t, db, func(tx roster.Tx) error { return tx.CreateTeam(ctx, team) })
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.DeleteSite(ctx, acme.ID, oslo.ID) })
		wantCode(t, err, roster.CodeConflict)
		write(t, db, func(tx roster.Tx) error {
			if err := tx.DeleteTeam(ctx, acme.ID, team.ID); err != nil {
				return err
			}
			return tx.DeleteSite(ctx, acme.ID, oslo.ID)
		})
		_, err = db.FindSiteByID(ctx, acme.ID, oslo.ID)
		wantCode(t, err, roster.CodeNotFound)
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.DeleteSite(ctx, beta.ID, stockholm.ID) })
		wantCode(t, err, roster.CodeNotFound)
	})
}

// result holds what a query returned, for ok(db.FindX(...)).must(t).
type result[T any] struct {
	v   T
	err error
}

func ok[T any](v T, err error) result[T] { return result[T]{v, err} }

// must returns the value, failing the test on an error.
func (r result[T]) must(t testing.TB) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func TestTeams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		beta := mustCreateOrg(t, db, "Beta")
		north, south, betaSite := newSite(acme, "North"), newSite(acme, "South"), newSite(beta, "Beta site")
		alpha, bravo, charlie := newTeam(north, "Alpha"), newTeam(north, "bravo"), newTeam(south, "Charlie")
		write(t, db, func(tx roster.Tx) error {
			for _, s := range []*roster.Site{north, south, betaSite} {
				if err := tx.CreateSite(ctx, s); err != nil {
					return err
				}
			}
			for _, team := range []*roster.Team{alpha, bravo, charlie} {
				if err := tx.CreateTeam(ctx, team); err != nil {
					return err
				}
			}
			// Names are unique in the organization, across sites, ignoring case.
			err := tx.CreateTeam(ctx, newTeam(south, "ALPHA"))
			wantCode(t, err, roster.CodeConflict)
			if msg := roster.ErrorMessage(err); msg != "A team named ALPHA already exists." {
				t.Errorf("message %q", msg)
			}
			// A site of another organization, or none, is not found, and the transaction goes on.
			foreign := newTeam(betaSite, "Foreign")
			foreign.OrgID = acme.ID
			wantCode(t, tx.CreateTeam(ctx, foreign), roster.CodeNotFound)
			return tx.CreateTeam(ctx, newTeam(betaSite, "Alpha"))
		})
		wantEqual(t, ok(db.FindTeamByID(ctx, acme.ID, alpha.ID)).must(t), alpha)
		wantEqual(t, ok(db.FindTeams(ctx, acme.ID, "")).must(t), []*roster.Team{alpha, bravo, charlie})
		wantEqual(t, ok(db.FindTeams(ctx, acme.ID, north.ID)).must(t), []*roster.Team{alpha, bravo})
		_, err := db.FindTeamByID(ctx, beta.ID, alpha.ID)
		wantCode(t, err, roster.CodeNotFound)

		// Move bravo to the south and rename it.
		stale := *bravo
		moved := *bravo
		moved.Name, moved.SiteID, moved.UpdatedAt = "Bravo", south.ID, at.Add(time.Hour)
		write(t, db, func(tx roster.Tx) error { return tx.UpdateTeam(ctx, &moved) })
		if moved.Version != 2 {
			t.Fatalf("version after update %d", moved.Version)
		}
		wantEqual(t, ok(db.FindTeamByID(ctx, acme.ID, bravo.ID)).must(t), &moved)
		wantEqual(t, ok(db.FindTeams(ctx, acme.ID, south.ID)).must(t), []*roster.Team{&moved, charlie})
		for _, tt := range []struct {
			name string
			edit func(team *roster.Team)
			code roster.Code
			msg  string
		}{
			{"stale", func(team *roster.Team) { *team = stale }, roster.CodeVersionConflict, "The team has changed since it was read."},
			{"taken", func(team *roster.Team) { team.Name = "CHARLIE" }, roster.CodeConflict, "A team named CHARLIE already exists."},
			{"no site", func(team *roster.Team) { team.SiteID = betaSite.ID }, roster.CodeNotFound, "Site not found."},
			{"no team", func(team *roster.Team) { team.ID = roster.NewID() }, roster.CodeNotFound, "Team not found."},
		} {
			team := moved
			tt.edit(&team)
			err := db.Write(ctx, func(tx roster.Tx) error { return tx.UpdateTeam(ctx, &team) })
			wantCode(t, err, tt.code)
			if msg := roster.ErrorMessage(err); msg != tt.msg {
				t.Errorf("%s: message %q, want %q", tt.name, msg, tt.msg)
			}
		}

		write(t, db, func(tx roster.Tx) error { return tx.DeleteTeam(ctx, acme.ID, alpha.ID) })
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.DeleteTeam(ctx, acme.ID, alpha.ID) })
		wantCode(t, err, roster.CodeNotFound)
		wantEqual(t, ok(db.FindTeams(ctx, acme.ID, north.ID)).must(t), []*roster.Team(nil))
	})
}

func TestPortalProfiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		beta := mustCreateOrg(t, db, "Beta")
		billing := newPortalProfile(acme, roster.SkillProfile, "Billing")
		sales := newPortalProfile(acme, roster.SkillProfile, "sales")
		// The same name in another kind is another profile.
		billingAgent := newPortalProfile(acme, roster.AgentProfile, "Billing")
		video := newPortalProfile(acme, roster.MultimediaProfile, "Video")
		write(t, db, func(tx roster.Tx) error {
			for _, p := range []*roster.PortalProfile{billing, sales, billingAgent, video,
				newPortalProfile(beta, roster.SkillProfile, "Billing")} {
				if err := tx.CreatePortalProfile(ctx, p); err != nil {
					return err
				}
			}
			err := tx.CreatePortalProfile(ctx, newPortalProfile(acme, roster.SkillProfile, "BILLING"))
			wantCode(t, err, roster.CodeConflict)
			if msg := roster.ErrorMessage(err); msg != "A skill profile named BILLING already exists." {
				t.Errorf("message %q", msg)
			}
			return nil
		})
		wantEqual(t, ok(db.FindPortalProfileByID(ctx, acme.ID, roster.SkillProfile, billing.ID)).must(t), billing)
		_, err := db.FindPortalProfileByID(ctx, acme.ID, roster.AgentProfile, billing.ID)
		wantCode(t, err, roster.CodeNotFound)
		if msg := roster.ErrorMessage(err); msg != "Agent profile not found." {
			t.Errorf("message %q", msg)
		}
		wantEqual(t, ok(db.FindPortalProfiles(ctx, acme.ID, roster.SkillProfile)).must(t), []*roster.PortalProfile{billing, sales})
		wantEqual(t, ok(db.FindPortalProfiles(ctx, acme.ID, roster.MultimediaProfile)).must(t), []*roster.PortalProfile{video})
		wantEqual(t, ok(db.FindPortalProfiles(ctx, acme.ID, "")).must(t),
			[]*roster.PortalProfile{billingAgent, video, billing, sales})

		stale := *sales
		renamed := *sales
		renamed.Name = "Sales"
		write(t, db, func(tx roster.Tx) error { return tx.UpdatePortalProfile(ctx, &renamed) })
		wantEqual(t, ok(db.FindPortalProfileByID(ctx, acme.ID, roster.SkillProfile, sales.ID)).must(t), &renamed)
		taken := renamed
		taken.Name = "billing"
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.UpdatePortalProfile(ctx, &taken) })
		wantCode(t, err, roster.CodeConflict)
		if msg := roster.ErrorMessage(err); msg != "A skill profile named billing already exists." {
			t.Errorf("message %q", msg)
		}
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.UpdatePortalProfile(ctx, &stale) })
		wantCode(t, err, roster.CodeVersionConflict)
		// The kind selects the profile: a skill profile is no agent profile.
		wrongKind := renamed
		wrongKind.Kind = roster.AgentProfile
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.UpdatePortalProfile(ctx, &wrongKind) })
		wantCode(t, err, roster.CodeNotFound)
		// An agent profile may take a skill profile's name.
		agentRenamed := *billingAgent
		agentRenamed.Name = "sales"
		write(t, db, func(tx roster.Tx) error { return tx.UpdatePortalProfile(ctx, &agentRenamed) })

		err = db.Write(ctx, func(tx roster.Tx) error {
			return tx.DeletePortalProfile(ctx, acme.ID, roster.MultimediaProfile, billing.ID)
		})
		wantCode(t, err, roster.CodeNotFound)
		write(t, db, func(tx roster.Tx) error {
			return tx.DeletePortalProfile(ctx, acme.ID, roster.SkillProfile, billing.ID)
		})
		wantEqual(t, ok(db.FindPortalProfiles(ctx, acme.ID, roster.SkillProfile)).must(t), []*roster.PortalProfile{&renamed})
	})
}

func TestAgents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		beta := mustCreateOrg(t, db, "Beta")
		site := newSite(acme, "Main")
		red, blue := newTeam(site, "Red"), newTeam(site, "Blue")
		write(t, db, func(tx roster.Tx) error {
			if err := tx.CreateSite(ctx, site); err != nil {
				return err
			}
			if err := tx.CreateTeam(ctx, red); err != nil {
				return err
			}
			return tx.CreateTeam(ctx, blue)
		})

		// More agents than one statement of a bulk insert on PostgreSQL, created in no
		// particular email order.
		var agents []*roster.Agent
		for i := range 150 {
			u := newUser(acme, fmt.Sprintf("agent%03d@example.com", (i*7)%150), "Agent", fmt.Sprint(i))
			a := newAgent(u)
			switch i % 3 {
			case 0:
				a.SiteID, a.TeamIDs = site.ID, []string{red.ID, blue.ID, red.ID} // stored once each, sorted
			case 1:
				a.ProfileType, a.Active = roster.ProfileSupervisor, i%2 == 0
			}
			agents = append(agents, a)
		}
		other := newAgent(newUser(beta, "agent000@beta.example.com", "Beta", "Agent"))
		mustCreateAgents(t, db, append(agents, other)...)
		first := agents[0]
		if first.Version != 1 || first.CreatedAt.Location() != time.UTC ||
			!slices.Equal(first.TeamIDs, slices.Sorted(slices.Values([]string{red.ID, blue.ID}))) {
			t.Fatalf("after create: %+v", first)
		}
		if agents[1].TeamIDs != nil {
			t.Fatalf("no teams read back as %#v", agents[1].TeamIDs)
		}
		wantEqual(t, findAgent(t, db, first), first)
		_, err := db.FindAgent(ctx, beta.ID, first.UserID)
		wantCode(t, err, roster.CodeNotFound)
		err = db.Write(ctx, func(tx roster.Tx) error {
			return tx.CreateAgents(ctx, []*roster.Agent{newAgent(&roster.User{ID: first.UserID, OrgID: acme.ID})})
		})
		wantCode(t, err, roster.CodeConflict)

		byEmail := slices.Clone(agents)
		slices.SortFunc(byEmail, func(a, b *roster.Agent) int { return strings.Compare(a.Email, b.Email) })

		// By user ids, across statements, skipping duplicates, unknown users and other organizations.
		ids := []string{roster.NewID(), other.UserID, first.UserID}
		for _, a := range agents {
			ids = append(ids, a.UserID)
		}
		found := ok(db.FindAgentsByUserIDs(ctx, acme.ID, ids)).must(t)
		slices.SortFunc(found, func(a, b *roster.Agent) int { return strings.Compare(a.Email, b.Email) })
		wantEqual(t, found, byEmail)

		// Pages by email.
		var paged []*roster.Agent
		f := roster.AgentFilter{OrgID: acme.ID, Limit: 40}
		for pages := 0; ; pages++ {
			page := ok(db.FindAgents(ctx, f)).must(t)
			paged = append(paged, page.Agents...)
			if page.Next == "" {
				if pages != 3 {
					t.Fatalf("%d pages", pages+1)
				}
				break
			}
			f.After = page.Next
		}
		wantEqual(t, paged, byEmail)
		page := ok(db.FindAgents(ctx, roster.AgentFilter{OrgID: acme.ID})).must(t)
		if len(page.Agents) != roster.DefaultPageSize || page.Next != byEmail[roster.DefaultPageSize-1].Email {
			t.Fatalf("default page: %d agents, next %q", len(page.Agents), page.Next)
		}
		page = ok(db.FindAgents(ctx, roster.AgentFilter{OrgID: acme.ID, Query: "AGENT01"})).must(t)
		wantEqual(t, page.Agents, byEmail[10:20])
		if page.Next != "" {
			t.Fatalf("next %q", page.Next)
		}

		// Update every field and replace the teams.
		stale := *first
		changed := *first
		changed.Email, changed.FirstName, changed.LastName = "renamed@example.com", "Re", "Named"
		changed.ProfileType, changed.UserProfileID, changed.Active = roster.ProfilePremiumAgent, roster.NewID(), false
		changed.ContactCenterEnabled, changed.SkillProfileID = false, roster.NewID()
		changed.AgentProfileID, changed.MultimediaProfileID = roster.NewID(), roster.NewID()
		changed.ExternalID, changed.DefaultDialNumber, changed.UpdatedAt = "x-1", "+1555", at.Add(time.Hour)
		changed.TeamIDs = []string{blue.ID}
		write(t, db, func(tx roster.Tx) error { return tx.UpdateAgent(ctx, &changed) })
		if changed.Version != 2 {
			t.Fatalf("version after update %d", changed.Version)
		}
		wantEqual(t, findAgent(t, db, first), &changed)
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.UpdateAgent(ctx, &stale) })
		wantCode(t, err, roster.CodeVersionConflict)
		if msg := roster.ErrorMessage(err); msg != "The agent has changed since it was read." {
			t.Errorf("message %q", msg)
		}
		wantEqual(t, findAgent(t, db, first), &changed)
		changed.TeamIDs = nil
		write(t, db, func(tx roster.Tx) error { return tx.UpdateAgent(ctx, &changed) })
		wantEqual(t, findAgent(t, db, first), &changed)
		missing := newAgent(newUser(acme, "missing@example.com", "Miss", "Ing"))
		missing.Version = 1
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.UpdateAgent(ctx, missing) })
		wantCode(t, err, roster.CodeNotFound)

		// Delete: another organization's agent stays, and so do the teams of the others.
		write(t, db, func(tx roster.Tx) error {
			return tx.DeleteAgents(ctx, acme.ID, []string{agents[3].UserID, agents[4].UserID, other.UserID, roster.NewID()})
		})
		for _, a := range agents[3:5] {
			_, err := db.FindAgent(ctx, acme.ID, a.UserID)
			wantCode(t, err, roster.CodeNotFound)
		}
		wantEqual(t, findAgent(t, db, other), other)
		wantEqual(t, findAgent(t, db, agents[6]), agents[6])
		using := ok(db.FindAgentsUsing(ctx, acme.ID, red.ID, 1000)).must(t)
		if len(using) != 48 { // 50 with teams, less agents[3] and first, which left them
			t.Fatalf("%d agents in team red", len(using))
		}
	})
}

func TestFindAgentsUsing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		beta := mustCreateOrg(t, db, "Beta")
		site, team := roster.NewID(), roster.NewID()
		skill, agentProfile, media := roster.NewID(), roster.NewID(), roster.NewID()
		agent := func(org *roster.Org, email string, edit func(a *roster.Agent)) *roster.Agent {
			a := newAgent(newUser(org, email, "A", "Gent"))
			edit(a)
			return a
		}
		inSite := agent(acme, "site@example.com", func(a *roster.Agent) { a.SiteID = site })
		inTeam := agent(acme, "team@example.com", func(a *roster.Agent) { a.TeamIDs = []string{team, roster.NewID()} })
		withSkill := agent(acme, "skill@example.com", func(a *roster.Agent) { a.SkillProfileID, a.ContactCenterEnabled = skill, false })
		withAgent := agent(acme, "agent@example.com", func(a *roster.Agent) { a.AgentProfileID = agentProfile })
		withMedia := agent(acme, "media@example.com", func(a *roster.Agent) {
			a.MultimediaProfileID, a.ProfileType, a.Active = media, roster.ProfileSupervisor, false
		})
		both := agent(acme, "both@example.com", func(a *roster.Agent) { a.SiteID, a.TeamIDs = site, []string{team} })
		none := agent(acme, "none@example.com", func(*roster.Agent) {})
		foreign := agent(beta, "foreign@example.com", func(a *roster.Agent) { a.SiteID, a.TeamIDs = site, []string{team} })
		mustCreateAgents(t, db, inSite, inTeam, withSkill, withAgent, withMedia, both, none, foreign)

		for _, tt := range []struct {
			name   string
			entity string
			limit  int
			want   []string
		}{
			{"site", site, 10, []string{"both@example.com", "site@example.com"}},
			{"team", team, 10, []string{"both@example.com", "team@example.com"}},
			{"limit", team, 1, []string{"both@example.com"}},
			{"skill profile", skill, 10, []string{"skill@example.com"}},
			{"agent profile", agentProfile, 10, []string{"agent@example.com"}},
			{"multimedia profile", media, 10, []string{"media@example.com"}},
			{"unused", roster.NewID(), 10, []string{}},
			{"no id", "", 10, []string{}},
		} {
			got := ok(db.FindAgentsUsing(ctx, acme.ID, tt.entity, tt.limit)).must(t)
			if emails := agentEmails(got); !slices.Equal(emails, tt.want) {
				t.Errorf("%s: %v, want %v", tt.name, emails, tt.want)
			}
			// The count has no limit, and leaves out the other organization's agents.
			if n := ok(db.CountAgentsUsing(ctx, acme.ID, tt.entity)).must(t); tt.name != "limit" && n != len(tt.want) {
				t.Errorf("%s: count %d, want %d", tt.name, n, len(tt.want))
			}
		}
		if n := ok(db.CountAgentsUsing(ctx, acme.ID, team)).must(t); n != 2 {
			t.Errorf("count of the team: %d, want 2", n)
		}
		got := ok(db.FindAgentsUsing(ctx, acme.ID, team, 10)).must(t)
		wantEqual(t, got[0], both)

		// The agents list's filters, alone and together.
		active, inactive := true, false
		for _, tt := range []struct {
			name string
			f    roster.AgentFilter
			want []string
		}{
			{"site", roster.AgentFilter{SiteID: site}, []string{"both@example.com", "site@example.com"}},
			{"team", roster.AgentFilter{TeamID: team}, []string{"both@example.com", "team@example.com"}},
			{"site and team", roster.AgentFilter{SiteID: site, TeamID: team}, []string{"both@example.com"}},
			{"profile type", roster.AgentFilter{ProfileType: roster.ProfileSupervisor}, []string{"media@example.com"}},
			{"inactive", roster.AgentFilter{Active: &inactive}, []string{"media@example.com"}},
			{"active supervisors", roster.AgentFilter{Active: &active, ProfileType: roster.ProfileSupervisor}, []string{}},
			{"not enabled", roster.AgentFilter{ContactCenterEnabled: &inactive}, []string{"skill@example.com"}},
			{"enabled", roster.AgentFilter{ContactCenterEnabled: &active},
				[]string{"agent@example.com", "both@example.com", "media@example.com", "none@example.com", "site@example.com", "team@example.com"}},
			{"enabled at the site", roster.AgentFilter{ContactCenterEnabled: &active, SiteID: site}, []string{"both@example.com", "site@example.com"}},
			{"enabled, after a cursor", roster.AgentFilter{ContactCenterEnabled: &active, After: "media@example.com"},
				[]string{"none@example.com", "site@example.com", "team@example.com"}},
		} {
			tt.f.OrgID = acme.ID
			page := ok(db.FindAgents(ctx, tt.f)).must(t)
			if emails := agentEmails(page.Agents); !slices.Equal(emails, tt.want) {
				t.Errorf("filter %s: %v, want %v", tt.name, emails, tt.want)
			}
		}

		// A filtered list pages by its own keyset: one agent a page, each page after the last.
		var paged []string
		f := roster.AgentFilter{OrgID: acme.ID, ContactCenterEnabled: &active, Limit: 2}
		for {
			page := ok(db.FindAgents(ctx, f)).must(t)
			paged = append(paged, agentEmails(page.Agents)...)
			if page.Next == "" {
				break
			}
			f.After = page.Next
		}
		if want := []string{"agent@example.com", "both@example.com", "media@example.com", "none@example.com",
			"site@example.com", "team@example.com"}; !slices.Equal(paged, want) {
			t.Errorf("enabled agents by pages of 2: %v, want %v", paged, want)
		}
	})
}

func TestCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		beta := mustCreateOrg(t, db, "Beta")
		if counts := ok(db.CountAgents(ctx, acme.ID)).must(t); len(counts) != 0 {
			t.Fatalf("counts of no agents: %v", counts)
		}
		var users []*roster.User
		var agents []*roster.Agent
		types := []roster.ProfileType{roster.ProfileStandardAgent, roster.ProfileStandardAgent,
			roster.ProfileSupervisor, roster.ProfilePremiumAgent, roster.ProfileStandardAgent}
		statuses := []roster.SyncStatus{roster.SyncValid, roster.SyncPending, roster.SyncValid, roster.SyncInvalid, roster.SyncNone}
		for i, pt := range types {
			u := newUser(acme, fmt.Sprintf("u%d@example.com", i), "U", "Ser")
			u.SyncStatus = statuses[i]
			users = append(users, u)
			a := newAgent(u)
			a.ProfileType, a.Active = pt, i != 4 // an inactive agent is not counted
			agents = append(agents, a)
		}
		b := newUser(beta, "b@example.com", "B", "Eta")
		b.SyncStatus = roster.SyncValid
		mustCreateUsers(t, db, append(users, b)...)
		mustCreateAgents(t, db, append(agents, newAgent(b))...)
		wantEqual(t, ok(db.CountAgents(ctx, acme.ID)).must(t), map[roster.ProfileType]int{
			roster.ProfileStandardAgent: 2, roster.ProfileSupervisor: 1, roster.ProfilePremiumAgent: 1})
		wantEqual(t, ok(db.CountUsersBySyncStatus(ctx, acme.ID)).must(t), map[roster.SyncStatus]int{
			roster.SyncValid: 2, roster.SyncPending: 1, roster.SyncInvalid: 1, roster.SyncNone: 1})
	})
}
