// Command bench measures the figures the issues name, on this machine, and prints medians.
//
//	go run ./bench                     # every benchmark on embedded SQLite
//	go run ./bench -engine postgres    # the same on ROSTER_BENCH_POSTGRES_URL
//	go run ./bench -only create,list   # a subset
//	go run ./bench -only export        # the CSV export of a million users
//	go run ./bench -only import        # CSV imports of 100,000 users, new and unchanged
//	go run ./bench -only import-invite # the same, with an invitation for every new user
//	go run ./bench -only import-big    # a CSV import of a million users, for peak memory
//	go run ./bench -only invite        # 10,000 invitations from an import, delivered over SMTP
//	go run ./bench -only groups        # 100,000 members joining a premium group; one user in 50 groups
//	go run ./bench -only sync          # Synchronize Users of 100,000 users; sync latency
//	go run ./bench -only console       # the console's users page of a million users, each filter
//	go run ./bench -only counts        # Service Details, the overview's and license usage's counts of a million users
//	go run ./bench -only metrics       # what the Prometheus metrics cost GET one user
//	go run ./bench -only backup        # roster backup of a million users while readers GET users
//	go run ./bench -only agents        # the agents list of 100,000 agents, each filter
//	go run ./bench -only retention     # a month of daily imports: data directory size with and without the sweeper
//
// The million-user database of the list, HTTP and export benchmarks is built once under bench/out and
// reused by later runs (delete the folder to rebuild it).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb"
)

func main() {
	var (
		engine = flag.String("engine", "sqlite", "sqlite or postgres (ROSTER_BENCH_POSTGRES_URL, default the local test database)")
		only   = flag.String("only", "create,list,http,export,import", "comma-separated benchmarks to run")
		runs   = flag.Int("runs", 3, "runs of the create and export benchmarks (median reported)")
		users  = flag.Int("users", 100_000, "users of the create and import benchmarks")
		big    = flag.Int("big", 1_000_000, "users of the organization the list, HTTP and export benchmarks read")
		out    = flag.String("out", "bench/out", "folder for databases kept between runs")
		dur    = flag.Duration("duration", 10*time.Second, "duration of the HTTP load")
		conc   = flag.Int("concurrency", 4, "concurrent HTTP clients")
		chunk  = flag.Int("chunk", provision.DefaultChunk, "users (rows) per transaction of the create and import benchmarks")
		days   = flag.Int("days", 30, "simulated days of the retention benchmark")
		daily  = flag.Int("rows-per-day", 100_000, "rows imported a day in the retention benchmark")
		tasks  = flag.Duration("retain-tasks", 10*24*time.Hour, "how long the retention benchmark's sweeper keeps finished tasks")
	)
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	b := &bench{engine: *engine, out: *out, chunk: *chunk}
	for _, name := range strings.Split(*only, ",") {
		switch name {
		case "create":
			b.create(ctx, *runs, *users, false)
		case "create-invite":
			b.create(ctx, *runs, *users, true)
		case "list":
			b.list(ctx, *big)
		case "counts":
			b.counts(ctx, *big)
		case "console":
			b.console(ctx, *big)
		case "backup":
			b.backup(ctx, *big, *dur, *conc)
		case "agents":
			b.agents(ctx, *users)
		case "http":
			b.http(ctx, *big, *dur, *conc)
		case "metrics":
			b.metricsCost(ctx, *big, *dur, *conc)
		case "export":
			b.export(ctx, *runs, *big)
		case "import":
			b.imports(ctx, *runs, *users, false)
		case "import-invite":
			b.imports(ctx, *runs, *users, true)
		case "invite":
			b.invite(ctx, *runs, 10_000)
		case "groups":
			b.groupMembers(ctx, *runs, *users)
			b.groupRecompute(ctx)
		case "sync":
			b.synchronize(ctx, *runs, *users)
			b.syncLatency(ctx, 100)
		case "import-big":
			b.importBig(ctx, *big)
		case "scim":
			b.scimCycle(ctx, *users, *conc)
			b.scimLookup(ctx, *big, *dur, *conc)
		case "scim-cycle":
			b.scimCycle(ctx, *users, *conc)
		case "scim-lookup":
			b.scimLookup(ctx, *big, *dur, *conc)
		case "retention":
			b.retention(ctx, *days, *daily, *tasks)
		default:
			log.Fatalf("unknown benchmark %q", name)
		}
	}
}

type bench struct {
	engine string
	out    string
	chunk  int
}

// open opens a fresh or kept database of the chosen engine. On PostgreSQL each name is a schema.
func (b *bench) open(ctx context.Context, name string, fresh bool) *sqldb.DB {
	cfg := sqldb.Config{DataDir: filepath.Join(b.out, b.engine+"-"+name)}
	if b.engine == "postgres" {
		cfg = sqldb.Config{DatabaseURL: postgresSchema(ctx, "bench_"+name, fresh)}
	} else if fresh {
		if err := os.RemoveAll(cfg.DataDir); err != nil {
			log.Fatal(err)
		}
	}
	db, err := sqldb.Open(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	return db
}

// newUsers generates n users: a third standard, a third premium, a third without a license,
// with names spread over the alphabet, in random email order as in a real file.
func newUsers(prefix string, n int) []provision.NewUser {
	first := []string{"Ada", "Björn", "Carmen", "Daan", "Ewa", "Filip", "Greta", "Hugo", "Iris", "Jan", "Karin", "Łukasz"}
	last := []string{"Andersson", "de Vries", "García", "Kowalski", "Nilsson", "Jansen", "López", "Nowak"}
	licenses := []roster.License{roster.LicenseStandard, roster.LicensePremium, roster.LicenseNone}
	users := make([]provision.NewUser, n)
	for i := range users {
		users[i] = provision.NewUser{
			Email:     fmt.Sprintf("%s%07d@example.com", prefix, i),
			FirstName: first[i%len(first)], LastName: last[i%len(last)],
			Department: "Support", License: licenses[i%3],
		}
	}
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	rng.Shuffle(n, func(i, j int) { users[i], users[j] = users[j], users[i] })
	return users
}

func newOrg(ctx context.Context, svc *provision.Service, name string) *roster.Org {
	o, err := svc.CreateOrg(ctx, provision.System(roster.ViaCLI), provision.OrgChange{Name: &name})
	if err != nil {
		log.Fatal(err)
	}
	return o
}

// create: 100,000 users through the application layer (rules, seats, audit), DefaultChunk a
// transaction. As the import's figure, without welcome emails; with invite, the organization
// sends them (the default of a new organization), and every new user also gets an invitation
// and a message in the outbox.
func (b *bench) create(ctx context.Context, runs, n int, invite bool) {
	var times []time.Duration
	var floors []floorTimes
	for r := range runs {
		db := b.open(ctx, "create", true)
		svc := provision.New(db)
		o := newOrg(ctx, svc, "Create")
		if !invite {
			noWelcome(ctx, svc, o)
		}
		users := newUsers(fmt.Sprintf("r%d-", r), n)
		b.settle(ctx)
		start := time.Now()
		res, err := svc.CreateUsers(ctx, provision.System(roster.ViaCLI), o.ID, users, b.chunk)
		elapsed := time.Since(start)
		if err != nil {
			log.Fatal(err)
		}
		for _, x := range res {
			if x.Outcome != provision.Created {
				log.Fatalf("not created: %+v", x)
			}
		}
		times = append(times, elapsed)
		floors = append(floors, b.floors(ctx, "create", writeFloor, b.chunk))
		_ = db.Close()
	}
	what, target := "create %d users (application layer, %s, %d a transaction)", "target ≤ 1.15× the floor"
	if invite {
		what, target = "create %d users, invitations included (application layer, %s, %d a transaction)", "no target of its own"
	}
	reportFloor(what, []any{n, b.engine, b.chunk}, times, floors, target)
}

// million opens the organization of n users, building it on first use.
func (b *bench) million(ctx context.Context, n int) (*sqldb.DB, *roster.Org) {
	db := b.open(ctx, fmt.Sprintf("users%d", n), false)
	svc := provision.New(db)
	orgs, err := db.FindOrgs(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// The console benchmark adds an organization of its own for its administrator.
	for _, o := range orgs {
		if o.Name == "Million" && o.Usage.Users == n {
			return db, o
		}
	}
	if len(orgs) != 0 {
		log.Fatalf("%s holds a partial build; delete it and run again", b.out)
	}
	o := newOrg(ctx, svc, "Million")
	noWelcome(ctx, svc, o)
	log.Printf("building an organization of %d users (once)…", n)
	start := time.Now()
	const step = 100_000
	for i := 0; i < n; i += step {
		users := newUsers(fmt.Sprintf("m%d-", i/step), min(step, n-i))
		if _, err := svc.CreateUsers(ctx, provision.System(roster.ViaCLI), o.ID, users, b.chunk); err != nil {
			log.Fatal(err)
		}
	}
	// The licensed users' agents are delivered too, so that the server of the HTTP benchmark
	// finds nothing to do but answer: a server that delivers hundreds of thousands of agents
	// writes all the time, and every read after a write pays for it.
	deliverAll(ctx, db, o)
	log.Printf("built in %s", time.Since(start).Round(time.Second))
	o, err = db.FindOrgByID(ctx, o.ID)
	if err != nil {
		log.Fatal(err)
	}
	return db, o
}

// list: pages of 100 of an organization of a million users, first and deep, filtered by license.
func (b *bench) list(ctx context.Context, n int) {
	db, o := b.million(ctx, n)
	defer db.Close()
	svc := provision.New(db)
	reader := provision.System(roster.ViaAPI)
	// The cursor of a deep page: the email of a user 90% through the organization.
	deep := fmt.Sprintf("m%d-%07d@example.com", (n*9/10)/100_000, 0)
	cases := []struct {
		name string
		f    roster.UserFilter
	}{
		{"first page, license=premium", roster.UserFilter{OrgID: o.ID, License: roster.LicensePremium}},
		{"deep page (90%), license=premium", roster.UserFilter{OrgID: o.ID, License: roster.LicensePremium, After: deep}},
		{"first page, no filter", roster.UserFilter{OrgID: o.ID}},
		{"deep page (90%), no filter", roster.UserFilter{OrgID: o.ID, After: deep}},
		{"first page, status=pending", roster.UserFilter{OrgID: o.ID, Status: roster.StatusPending}},
		{"first page, q=kow (last name prefix)", roster.UserFilter{OrgID: o.ID, Query: "kow"}},
		{"first page, adminRole=full (no match)", roster.UserFilter{OrgID: o.ID, AdminRole: roster.AdminFull}},
		{"first page, q=a (one letter)", roster.UserFilter{OrgID: o.ID, Query: "a"}},
		{"first page, q=m7-00012 (rare email prefix)", roster.UserFilter{OrgID: o.ID, Query: "m7-00012"}},
		{"first page, q=kow, license=premium", roster.UserFilter{OrgID: o.ID, Query: "kow", License: roster.LicensePremium}},
		{"first page, license=premium, status=pending", roster.UserFilter{OrgID: o.ID, License: roster.LicensePremium, Status: roster.StatusPending}},
		{"first page, q=e, status=active (no match)", roster.UserFilter{OrgID: o.ID, Query: "e", Status: roster.StatusActive}},
	}
	// Groups of 100, 10,000 and 100,000 members: the group filter reads a small group from its
	// members and probes a large one for each user of the email order (sqldb's groupPlan).
	g100, g10k, g100k := benchGroup(ctx, svc, o, "A hundred", n, n/100),
		benchGroup(ctx, svc, o, "One in a hundred", n, 100), benchGroup(ctx, svc, o, "One in ten", n, 10)
	cases = append(cases, []struct {
		name string
		f    roster.UserFilter
	}{
		{"first page, group of 100", roster.UserFilter{OrgID: o.ID, GroupID: g100}},
		{"first page, group of 10,000", roster.UserFilter{OrgID: o.ID, GroupID: g10k}},
		{"first page, group of 100,000", roster.UserFilter{OrgID: o.ID, GroupID: g100k}},
		{"first page, group of 10,000, license=premium", roster.UserFilter{OrgID: o.ID, GroupID: g10k, License: roster.LicensePremium}},
		{"first page, group of 100,000, status=active (no match)", roster.UserFilter{OrgID: o.ID, GroupID: g100k, Status: roster.StatusActive}},
		{"first page, license=standard, syncStatus=invalid (no match)", roster.UserFilter{OrgID: o.ID, License: roster.LicenseStandard, SyncStatus: roster.SyncInvalid}},
		{"first page, status=pending, ccRole=supervisor (no match)", roster.UserFilter{OrgID: o.ID, Status: roster.StatusPending, CCRole: roster.RoleSupervisor}},
	}...)
	for _, c := range cases {
		var times []time.Duration
		for range 200 {
			start := time.Now()
			page, err := svc.Users(ctx, reader, c.f)
			times = append(times, time.Since(start))
			if err != nil {
				log.Fatal(err)
			}
			if len(page.Users) != roster.DefaultPageSize && !strings.Contains(c.name, "match") && !strings.Contains(c.name, "rare") {
				log.Fatalf("%s: %d users", c.name, len(page.Users))
			}
		}
		target := "target < 20ms"
		if filters(c.f) > 1 {
			target = "target ≤ 50ms, two filters"
		}
		report("list %s, %d users (%s)", []any{c.name, n, b.engine}, times, target)
	}
}

// filters counts the filters of f, its cursor aside.
func filters(f roster.UserFilter) int {
	n := 0
	for _, v := range []string{f.Query, f.Email, string(f.License), string(f.Status), string(f.SyncStatus),
		string(f.AdminRole), string(f.CCRole), f.GroupID} {
		if v != "" {
			n++
		}
	}
	return n
}

func report(format string, args []any, times []time.Duration, target string) {
	slices.Sort(times)
	med := times[len(times)/2]
	p99 := times[min(len(times)-1, len(times)*99/100)]
	fmt.Printf("%-78s median %-10s p99 %-10s (%d runs; %s)\n", fmt.Sprintf(format, args...),
		roundDur(med), roundDur(p99), len(times), target)
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(10 * time.Millisecond)
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// counts: what Service Details, the console's overview and the license usage page count in an
// organization of a million users, each read 200 times.
func (b *bench) counts(ctx context.Context, n int) {
	db, o := b.million(ctx, n)
	defer db.Close()
	svc := provision.New(db)
	reader := provision.System(roster.ViaAPI)
	cases := []struct {
		name string
		read func() error
	}{
		{"Service Details (agents by profile, users by sync status)", func() error {
			_, err := svc.ContactCenter(ctx, reader, o.ID)
			return err
		}},
		{"overview: users whose sync failed, users pending", func() error {
			if _, err := svc.Users(ctx, reader, roster.UserFilter{OrgID: o.ID, SyncStatus: roster.SyncInvalid, Limit: 1}); err != nil {
				return err
			}
			_, err := svc.Users(ctx, reader, roster.UserFilter{OrgID: o.ID, Status: roster.StatusPending, Limit: 1})
			return err
		}},
		{"license usage (holders of each license by source)", func() error {
			_, err := svc.LicenseUsage(ctx, reader, o.ID)
			return err
		}},
	}
	for _, c := range cases {
		var times []time.Duration
		for range 200 {
			start := time.Now()
			if err := c.read(); err != nil {
				log.Fatal(err)
			}
			times = append(times, time.Since(start))
		}
		report("%s, %d users (%s)", []any{c.name, n, b.engine}, times, "target ≤ 5ms")
	}
}
