package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb"
)

// agents: pages of the agents list of an organization of n agents, by each filter of the
// console and the REST API. The filters select few or many agents: a page of a filter few
// agents pass is the one that walks far when no index serves it.
func (b *bench) agents(ctx context.Context, n int) {
	name := fmt.Sprintf("agents%d", n)
	db := b.open(ctx, name, false)
	defer db.Close()
	svc := provision.New(db)
	var o *roster.Org
	orgs, err := db.FindOrgs(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if len(orgs) == 1 {
		o = orgs[0]
	} else {
		if len(orgs) != 0 {
			log.Fatalf("%s holds a partial build; delete it and run again", b.out)
		}
		o = newOrg(ctx, svc, "Agents")
		buildAgents(ctx, b, db, svc, o, n)
	}
	reader := provision.System(roster.ViaAPI)
	sites, err := svc.Sites(ctx, reader, o.ID)
	if err != nil || len(sites) != 2 {
		log.Fatalf("sites %v %v", sites, err)
	}
	teams, err := svc.Teams(ctx, reader, o.ID, "")
	if err != nil || len(teams) != 1 {
		log.Fatalf("teams %v %v", teams, err)
	}
	main, rare := sites[0], sites[1]
	if main.Name != "Main" {
		main, rare = rare, main
	}
	yes, no := true, false
	deep := fmt.Sprintf("a%07d@example.com", n*9/10)
	cases := []struct {
		name string
		f    roster.AgentFilter
	}{
		{"no filter", roster.AgentFilter{}},
		{"deep page (90%), no filter", roster.AgentFilter{After: deep}},
		{"site (50% of the agents)", roster.AgentFilter{SiteID: main.ID}},
		{"site (1%)", roster.AgentFilter{SiteID: rare.ID}},
		{"team (1%)", roster.AgentFilter{TeamID: teams[0].ID}},
		{"profileType=supervisor (1%)", roster.AgentFilter{ProfileType: roster.ProfileSupervisor}},
		{"active=false (2%)", roster.AgentFilter{Active: &no}},
		{"contactCenterEnabled=false (0.5%)", roster.AgentFilter{ContactCenterEnabled: &no}},
		{"contactCenterEnabled=true, deep page (90%)", roster.AgentFilter{ContactCenterEnabled: &yes, After: deep}},
		{"contactCenterEnabled=false, site (50%)", roster.AgentFilter{ContactCenterEnabled: &no, SiteID: main.ID}},
	}
	for _, c := range cases {
		c.f.OrgID, c.f.Limit = o.ID, 50
		var times []time.Duration
		for range 200 {
			start := time.Now()
			page, err := svc.Agents(ctx, reader, c.f)
			times = append(times, time.Since(start))
			if err != nil {
				log.Fatal(err)
			}
			if len(page.Agents) != 50 {
				log.Fatalf("%s: %d agents", c.name, len(page.Agents))
			}
		}
		report("agents page of 50, %s, %d agents (%s)", []any{c.name, n, b.engine}, times, "target < 20ms")
	}
}

// buildAgents gives the organization n agents, written straight to the store as sync writes
// them: half at the site Main, 1% at the site Rare and in its one team, 1% supervisors, 2%
// inactive and 0.5% not enabled in the contact center, spread over the email order.
func buildAgents(ctx context.Context, b *bench, db *sqldb.DB, svc *provision.Service, o *roster.Org, n int) {
	sys := provision.System(roster.ViaCLI)
	main, err := svc.CreateSite(ctx, sys, o.ID, "Main")
	if err != nil {
		log.Fatal(err)
	}
	rare, err := svc.CreateSite(ctx, sys, o.ID, "Rare")
	if err != nil {
		log.Fatal(err)
	}
	team, err := svc.CreateTeam(ctx, sys, o.ID, provision.TeamInput{Name: &[]string{"Rare team"}[0], SiteID: &rare.ID})
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("building an organization of %d agents (once)…", n)
	start, now := time.Now(), time.Now().UTC()
	for i := 0; i < n; i += b.chunk {
		agents := make([]*roster.Agent, 0, b.chunk)
		for j := i; j < min(n, i+b.chunk); j++ {
			a := &roster.Agent{UserID: roster.NewID(), OrgID: o.ID, Email: fmt.Sprintf("a%07d@example.com", j),
				FirstName: "Agent", LastName: fmt.Sprint(j), ProfileType: roster.ProfileStandardAgent, Active: j%50 != 7,
				ContactCenterEnabled: j%200 != 4, CreatedAt: now, UpdatedAt: now, Version: 1}
			switch {
			case j%100 == 11:
				a.SiteID, a.TeamIDs = rare.ID, []string{team.ID}
			case j%2 == 0:
				a.SiteID = main.ID
			}
			if j%100 == 42 {
				a.ProfileType = roster.ProfileSupervisor
			}
			agents = append(agents, a)
		}
		if err := db.Write(ctx, func(tx roster.Tx) error { return tx.CreateAgents(ctx, agents) }); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("built in %s", time.Since(start).Round(time.Second))
}
