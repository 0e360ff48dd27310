package main

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"sync"
	"time"

	"roster"
	"roster/internal/contactcenter"
	"roster/internal/provision"
	"roster/internal/sqldb"
	"roster/internal/worker"
)

// synchronize: Synchronize Users of an organization of n licensed users into the builtin
// connector, from nothing (no agent yet), then again with nothing to change.
func (b *bench) synchronize(ctx context.Context, runs, n int) {
	var first, second []time.Duration
	var floors []floorTimes
	for r := range runs {
		db := b.open(ctx, "synchronize", true)
		svc := provision.New(db)
		sys := provision.System(roster.ViaCLI)
		o := newOrg(ctx, svc, "Synchronize")
		users := newUsers(fmt.Sprintf("s%d-", r), n)
		for i := range users {
			if users[i].License == roster.LicenseNone {
				users[i].License = roster.LicenseStandard
			}
		}
		if _, err := svc.CreateUsers(ctx, sys, o.ID, users, b.chunk); err != nil {
			log.Fatal(err)
		}
		engine := contactcenter.New(db, contactcenter.NewBuiltin(db), contactcenter.Options{Logger: slog.New(slog.DiscardHandler)})
		first = append(first, b.runSynchronize(ctx, db, svc, engine, o, roster.TaskCounts{Created: n}))
		second = append(second, b.runSynchronize(ctx, db, svc, engine, o, roster.TaskCounts{Unchanged: n}))
		_ = db.Close()
		floors = append(floors, b.floors(ctx, "synchronize", syncFloor, contactcenter.SynchronizePage))
	}
	reportFloor("synchronize %d licensed users into the builtin connector, from nothing (%s)", []any{n, b.engine}, first, floors, "target < 5s")
	report("synchronize them again, nothing to change (%s)", []any{b.engine}, second, "target < 1.5s")
}

// runSynchronize runs one Synchronize Users task on a worker of its own (the sync engine does
// not run: the jobs the creation queued stay queued) and times it from the start to its end.
func (b *bench) runSynchronize(ctx context.Context, db *sqldb.DB, svc *provision.Service, engine *contactcenter.Engine, o *roster.Org, want roster.TaskCounts) time.Duration {
	handlers := map[string]worker.Handler{provision.KindSynchronize: worker.HandlerFunc(engine.RunSynchronize)}
	return b.runTask(ctx, db, o.ID, handlers, func() (*roster.Task, error) {
		return svc.StartSynchronize(ctx, provision.System(roster.ViaCLI), o.ID)
	}, want)
}

// syncLatency: with the sync engine running on the builtin connector, the time from a license
// change (its transaction committed) to the user's sync status valid, on an idle system.
func (b *bench) syncLatency(ctx context.Context, samples int) {
	db := b.open(ctx, "latency", true)
	defer db.Close()
	svc := provision.New(db)
	sys := provision.System(roster.ViaCLI)
	o := newOrg(ctx, svc, "Latency")
	u, err := svc.CreateUser(ctx, sys, o.ID, provision.NewUser{Email: "latency@example.com", License: roster.LicenseStandard})
	if err != nil {
		log.Fatal(err)
	}
	engine := contactcenter.New(db, contactcenter.NewBuiltin(db), contactcenter.Options{Logger: slog.New(slog.DiscardHandler)})
	ectx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = engine.Run(ectx) })
	defer func() { stop(); wg.Wait() }()
	waitValid := func() {
		for {
			got, err := db.FindUserByID(ctx, o.ID, u.ID)
			if err != nil {
				log.Fatal(err)
			}
			if got.SyncStatus == roster.SyncValid {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitValid()
	var times []time.Duration
	licenses := []roster.License{roster.LicensePremium, roster.LicenseStandard}
	for i := range samples {
		start := time.Now()
		if _, err := svc.UpdateUser(ctx, sys, o.ID, u.ID, provision.UserChange{License: &licenses[i%2]}, 0); err != nil {
			log.Fatal(err)
		}
		waitValid()
		times = append(times, time.Since(start))
		time.Sleep(20 * time.Millisecond) // idle between changes
	}
	report("sync latency, license change to valid (builtin connector, %s)", []any{b.engine}, times, "target median < 200ms")
}

// deliverAll runs the sync engine on the builtin connector until no user of o is pending.
func deliverAll(ctx context.Context, db *sqldb.DB, o *roster.Org) {
	engine := contactcenter.New(db, contactcenter.NewBuiltin(db), contactcenter.Options{Logger: slog.New(slog.DiscardHandler)})
	ectx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = engine.Run(ectx) })
	defer func() { stop(); wg.Wait() }()
	for {
		page, err := db.FindUsers(ctx, roster.UserFilter{OrgID: o.ID, SyncStatus: roster.SyncPending, Limit: 1})
		if err != nil {
			log.Fatal(err)
		}
		if len(page.Users) == 0 {
			return
		}
		time.Sleep(time.Second)
	}
}
