package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"roster"
	"roster/internal/provision"
)

// groupMembers: n users without a license join a premium group in group mode, as one call (the
// members API): every member gets premium, with its audit entry, n/DefaultChunk transactions.
func (b *bench) groupMembers(ctx context.Context, runs, n int) {
	var times []time.Duration
	for r := range runs {
		db := b.open(ctx, "groups", true)
		svc := provision.New(db)
		sys := provision.System(roster.ViaCLI)
		o := newOrg(ctx, svc, "Groups")
		users := newUsers(fmt.Sprintf("g%d-", r), n)
		for i := range users {
			users[i].License = roster.LicenseNone
		}
		res, err := svc.CreateUsers(ctx, sys, o.ID, users, b.chunk)
		if err != nil {
			log.Fatal(err)
		}
		ids := make([]string, len(res))
		for i, x := range res {
			ids[i] = x.UserID
		}
		if _, err := svc.SetLicenseAssignment(ctx, sys, o.ID, roster.LicenseAssignment{Mode: roster.AssignGroup}, 0); err != nil {
			log.Fatal(err)
		}
		name, premium := "Premium agents", roster.LicensePremium
		g, err := svc.CreateGroup(ctx, sys, o.ID, provision.GroupInput{Name: &name, License: &premium})
		if err != nil {
			log.Fatal(err)
		}
		start := time.Now()
		added, err := svc.AddMembers(ctx, sys, o.ID, g.ID, provision.MemberRefs{UserIDs: ids})
		elapsed := time.Since(start)
		if err != nil {
			log.Fatal(err)
		}
		if added.Changed != n || len(added.Failed) > 0 {
			log.Fatalf("added %+v", added)
		}
		org, err := svc.Org(ctx, sys, o.ID)
		if err != nil || org.Usage.Premium != n {
			log.Fatalf("premium users %d, want %d (%v)", org.Usage.Premium, n, err)
		}
		times = append(times, elapsed)
		_ = db.Close()
	}
	report("add %d members to a premium group (group mode, licenses and audit, %s)", []any{n, b.engine}, times, "target < 5s")
}

// groupRecompute: the effective license of one user with 50 groups, read and explained
// (LicenseSources), and recomputed by leaving one of them and joining it again.
func (b *bench) groupRecompute(ctx context.Context) {
	db := b.open(ctx, "recompute", true)
	defer db.Close()
	svc := provision.New(db)
	sys := provision.System(roster.ViaCLI)
	o := newOrg(ctx, svc, "Recompute")
	u, err := svc.CreateUser(ctx, sys, o.ID, provision.NewUser{Email: "fifty@example.com"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := svc.SetLicenseAssignment(ctx, sys, o.ID, roster.LicenseAssignment{Mode: roster.AssignGroup}, 0); err != nil {
		log.Fatal(err)
	}
	var groups []*roster.Group
	for i := range 50 {
		name, l := fmt.Sprintf("Group %02d", i), roster.LicenseStandard
		if i == 49 {
			l = roster.LicensePremium
		}
		g, err := svc.CreateGroup(ctx, sys, o.ID, provision.GroupInput{Name: &name, License: &l})
		if err != nil {
			log.Fatal(err)
		}
		if _, err := svc.AddMembers(ctx, sys, o.ID, g.ID, provision.MemberRefs{UserIDs: []string{u.ID}}); err != nil {
			log.Fatal(err)
		}
		groups = append(groups, g)
	}
	var reads, writes []time.Duration
	for range 1000 {
		start := time.Now()
		e, err := svc.LicenseSources(ctx, sys, o.ID, u.ID)
		reads = append(reads, time.Since(start))
		if err != nil || e.License != roster.LicensePremium || len(e.Sources) != 50 {
			log.Fatalf("sources: %+v %v", e, err)
		}
	}
	premium := groups[49]
	for range 200 {
		start := time.Now()
		for _, change := range []func(context.Context, roster.Actor, string, string, provision.MemberRefs) (*provision.MembersResult, error){svc.RemoveMembers, svc.AddMembers} {
			if _, err := change(ctx, sys, o.ID, premium.ID, provision.MemberRefs{UserIDs: []string{u.ID}}); err != nil {
				log.Fatal(err)
			}
		}
		writes = append(writes, time.Since(start)/2)
	}
	report("effective license of a user in 50 groups, read and explained (%s)", []any{b.engine}, reads, "target < 1ms")
	report("effective license of a user in 50 groups, recomputed on leaving or joining one (%s)", []any{b.engine}, writes, "target < 1ms")
}
