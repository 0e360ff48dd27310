package e2e

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to change the database behind the server's back
	_ "modernc.org/sqlite"             // the "sqlite" driver, likewise

	"roster"
	"roster/internal/contactcenter/scimtest"
	"roster/internal/httpapi"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

// synchronizeUsers is the size of the organizations of the Synchronize Users tests: two thirds
// of it licensed (see writeUsersFile), 20,000 agents, so that the task runs a few seconds, a
// page of users a transaction, and can be killed in its middle.
const synchronizeUsers = 30_000

// TestSynchronizeSurvivesKill empties the agents table of an organization behind the server's
// back (the contact center drifted from the directory), runs Synchronize Users, kills the server
// with SIGKILL in the middle of it, starts the server again on the same database, and checks
// that the task, taken over from its checkpoint, made exactly one agent per licensed user and
// reported each exactly once.
func TestSynchronizeSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	t.Parallel()
	bin := build(t)
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			cfg := sqldbtest.Config(t, engine)
			o := setUpDrift(t, bin, cfg)
			srv, imp, c := o.srv, o.imp, o.c
			logOnFailure(t, "roster serve (killed during the synchronize)", srv)
			var task httpapi.Task
			c.runJSON(&task, "sync", "--org", imp.orgID, "--json")
			if task.Kind != "contactcenter.synchronize" || task.Progress.Total != synchronizeUsers {
				t.Fatalf("roster sync: task %s of kind %q with a total of %d, want contactcenter.synchronize of %d users",
					task.ID, task.Kind, task.Progress.Total, synchronizeUsers)
			}
			running := imp.waitMidway(task.ID, srv)
			srv.kill()
			t.Logf("killed the synchronize at %d of %d users", running.Progress.Done, running.Progress.Total)

			srv = start(t, bin, freeAddr(t), append(dbFlags(cfg), lease...))
			logOnFailure(t, "roster serve (restarted)", srv)
			imp.client = httpapi.NewClient("http://"+srv.addr, imp.token, nil)
			checkSynchronize(t, imp, o.raw, task.ID, o.file)
			srv.kill()
			t.Logf("%s: %v in all", engine, time.Since(began).Round(time.Millisecond))
		})
	}
}

// driftedOrg is an organization of synchronizeUsers users whose agents were all deleted behind
// the server's back, on a running server.
type driftedOrg struct {
	srv  *server
	imp  *importer
	c    *cli
	raw  *rawDB
	file *usersFile
}

// setUpDrift imports synchronizeUsers users (two thirds licensed) into a new organization on
// the database of cfg, waits until the builtin connector made their agents, kills the server,
// deletes every agent of the organization in the database (the contact center drifted from the
// directory, while the users stay valid), and starts the server again.
func setUpDrift(t *testing.T, bin string, cfg sqldb.Config) *driftedOrg {
	t.Helper()
	began := time.Now()
	db := dbFlags(cfg)
	file := writeUsersFile(t, synchronizeUsers)
	licensed := 0
	for _, l := range file.licenses {
		if l != roster.LicenseNone {
			licensed++
		}
	}
	srv := start(t, bin, freeAddr(t), append(db, lease...))
	logOnFailure(t, "roster serve (first)", srv)
	imp := setUpImport(t, bin, srv, db)
	c := &cli{t: t, bin: bin, server: "http://" + srv.addr, token: imp.token}
	importFile(t, c, imp.orgID, file.path, "add", httpapi.TaskCounts{Created: synchronizeUsers})
	// The import queued a delivery per licensed user, which the builtin connector makes
	// agents of by itself.
	waitSynced(t, imp, srv, licensed, synchronizeUsers-licensed, 2*time.Minute)
	if got := agentCount(t, imp); got != licensed {
		t.Fatalf("%d active agents after the deliveries, want %d", got, licensed)
	}
	t.Logf("%d users imported and delivered after %v", synchronizeUsers, time.Since(began).Round(time.Millisecond))

	srv.kill()
	raw := openRaw(t, cfg)
	raw.exec(t, `DELETE FROM agent_teams WHERE user_id IN (SELECT user_id FROM agents WHERE org_id = ?)`, imp.orgID)
	if n := raw.exec(t, `DELETE FROM agents WHERE org_id = ?`, imp.orgID); n != int64(licensed) {
		t.Fatalf("deleted %d agents, want %d", n, licensed)
	}

	srv = start(t, bin, freeAddr(t), append(db, lease...))
	imp.client = httpapi.NewClient("http://"+srv.addr, imp.token, nil)
	c.server = "http://" + srv.addr
	if got := agentCount(t, imp); got != 0 {
		t.Fatalf("%d active agents after the drift, want 0", got)
	}
	checkSyncStatuses(t, imp, licensed, synchronizeUsers-licensed)
	return &driftedOrg{srv: srv, imp: imp, c: c, raw: raw, file: file}
}

// checkSynchronize waits until the synchronize task id has finished, and checks that it made
// one agent per licensed user of f and reported each once, and that every user is in sync.
func checkSynchronize(t *testing.T, imp *importer, raw *rawDB, id string, f *usersFile) {
	t.Helper()
	began := time.Now()
	task := waitTask(t, imp, id, 2*time.Minute)
	t.Logf("synchronize %s %v after the restart", task.State, time.Since(began).Round(time.Millisecond))

	licensed := map[string]roster.License{}
	for email, l := range f.licenses {
		if l != roster.LicenseNone {
			licensed[email] = l
		}
	}
	n, nl := len(f.licenses), len(licensed)
	if task.State != roster.TaskCompleted || task.Error != nil {
		t.Errorf("synchronize task: state %s, error %v; want completed", task.State, deref(task.Error))
	}
	if want := (httpapi.TaskCounts{Created: nl, Unchanged: n - nl}); task.Counts != want {
		t.Errorf("synchronize counts %+v, want %+v", task.Counts, want)
	}
	if task.Progress.Done != n || task.Progress.Total != n {
		t.Errorf("synchronize progress %d of %d, want %d of %d", task.Progress.Done, task.Progress.Total, n, n)
	}

	// The report: a row per created agent, numbered 1 to nl, each licensed user once.
	rows := taskReport(t, imp, id)
	reported := map[string]int{}
	var misnumbered, wrong int
	for i, r := range rows {
		if r.row != i+1 {
			if misnumbered++; misnumbered <= 10 {
				t.Errorf("report line %d is row %d, want %d", i+2, r.row, i+1)
			}
		}
		reported[r.email]++
		if _, ok := licensed[r.email]; !ok || r.outcome != "created" {
			if wrong++; wrong <= 10 {
				t.Errorf("report row %d: %s %s (%s), want a created agent of a licensed user", r.row, r.email, r.outcome, r.message)
			}
		}
	}
	var missing, doubled int
	for email := range licensed {
		switch reported[email] {
		case 0:
			missing++
		case 1:
		default:
			if doubled++; doubled <= 10 {
				t.Errorf("report: %d rows of %s", reported[email], email)
			}
		}
	}
	if len(rows) != nl || missing+doubled+misnumbered+wrong > 0 {
		t.Errorf("report: %d rows for %d licensed users; %d users without a row, %d with more than one, %d rows misnumbered, %d of something else",
			len(rows), nl, missing, doubled, misnumbered, wrong)
	}

	// The agents, through the API and in the table.
	agents := listAgents(t, imp)
	var missingAgents, doubledAgents, strangers int
	for email, l := range licensed {
		as := agents[email]
		switch {
		case len(as) == 0:
			missingAgents++
		case len(as) > 1:
			if doubledAgents++; doubledAgents <= 10 {
				t.Errorf("%d agents of %s", len(as), email)
			}
		case !as[0].Active || as[0].ProfileType != profileOf(l):
			t.Errorf("agent of %s: %s, active %t; want an active %s", email, as[0].ProfileType, as[0].Active, profileOf(l))
		}
	}
	for email := range agents {
		if _, ok := licensed[email]; !ok {
			if strangers++; strangers <= 10 {
				t.Errorf("agent of %s, who has no license", email)
			}
		}
	}
	if missingAgents+doubledAgents+strangers > 0 {
		t.Errorf("agents: %d of %d licensed users without one, %d with more than one, %d of others",
			missingAgents, nl, doubledAgents, strangers)
	}
	var rowsN, distinct int
	raw.queryRow(t, `SELECT COUNT(*), COUNT(DISTINCT user_id) FROM agents WHERE org_id = ?`, imp.orgID).Scan(&rowsN, &distinct)
	if rowsN != nl || distinct != nl {
		t.Errorf("agents table: %d rows of %d users, want %d", rowsN, distinct, nl)
	}
	checkSyncStatuses(t, imp, nl, n-nl)
	d := serviceDetails(t, imp)
	var std int
	for _, l := range licensed {
		if l == roster.LicenseStandard {
			std++
		}
	}
	if want := (httpapi.AgentCounts{StandardAgent: std, PremiumAgent: nl - std}); d.Agents != want {
		t.Errorf("Service Details agents %+v, want %+v", d.Agents, want)
	}
}

// deliveryUsers is the size of the organization of TestDeliverySurvivesKill, and scimLatency
// the latency of every request of its SCIM service: a new user costs a search and a POST, 48 at
// a time, about 400 users a second, so that the deliveries run several seconds.
const (
	deliveryUsers = 3_000
	scimLatency   = 50 * time.Millisecond
	scimToken     = "e2e-scim-token"
)

// TestDeliverySurvivesKill runs the server with the SCIM connector on a SCIM service that
// answers slowly, imports licensed users and changes some of them again, kills the server with
// SIGKILL while their deliveries are in flight, starts it again, changes users again twice,
// and checks that the SCIM service ends holding exactly one user per user that ever needed an
// agent, each in its latest state, and that every user is in sync.
func TestDeliverySurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	t.Parallel()
	bin := build(t)
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			cfg := sqldbtest.Config(t, engine)
			db := dbFlags(cfg)
			scim := scimtest.NewServer(scimToken)
			t.Cleanup(scim.Close)
			scim.Latency = scimLatency
			flags := append(append(db, lease...), "--cc-scim-url", scim.URL, "--cc-scim-token", scimToken)

			srv := start(t, bin, freeAddr(t), flags)
			logOnFailure(t, "roster serve (killed during the deliveries)", srv)
			if !strings.Contains(srv.output(), "Contact center: scim connector") {
				t.Fatalf("serve does not say it pushes to SCIM:\n%s", srv.output())
			}
			imp := setUpImport(t, bin, srv, db)
			c := &cli{t: t, bin: bin, server: "http://" + srv.addr, token: imp.token}
			dir := newDirectory(deliveryUsers)

			// Every user licensed; then, while their deliveries run, a quarter renamed, half of
			// those with the other license and half without one.
			importFile(t, c, imp.orgID, dir.write(t, "v1", func(int) bool { return true }, func(int) bool { return false }),
				"add", httpapi.TaskCounts{Created: deliveryUsers})
			changed := deliveryUsers / 4
			importFile(t, c, imp.orgID, dir.write(t, "v2", func(i int) bool { return i%4 == 0 }, func(i int) bool { return i%8 == 0 }),
				"add_remove", httpapi.TaskCounts{Updated: changed})
			d := waitDeliveries(t, imp, srv)
			srv.kill()
			t.Logf("killed the server with %d users valid, %d pending, %d none, %d invalid; SCIM holds %d users",
				d.Users.Valid, d.Users.Pending, d.Users.None, d.Users.Invalid, len(scim.Users()))

			// The jobs the killed engine held stay leased for the engine's lease, a minute
			// (contactcenter.Options.Lease, which roster serve does not let one set), before
			// another engine delivers them. Expire them now rather than wait that minute: what
			// the restarted server must then do is the same.
			raw := openRaw(t, cfg)
			leased := raw.exec(t, `UPDATE sync_jobs SET lease_until = due_at WHERE org_id = ? AND lease_owner <> ''`, imp.orgID)
			t.Logf("%d sync jobs were leased to the killed engine", leased)

			srv = start(t, bin, freeAddr(t), flags)
			logOnFailure(t, "roster serve (restarted)", srv)
			imp.client = httpapi.NewClient("http://"+srv.addr, imp.token, nil)
			c.server = "http://" + srv.addr
			// Two changes in a row while the deliveries catch up: a third, then a fifth, some
			// of them changed by both, and some of them changed before the kill too.
			importFile(t, c, imp.orgID, dir.write(t, "v3", func(i int) bool { return i%3 == 0 }, func(i int) bool { return i%9 == 0 }),
				"add_remove", httpapi.TaskCounts{Updated: (deliveryUsers + 2) / 3})
			importFile(t, c, imp.orgID, dir.write(t, "v4", func(i int) bool { return i%5 == 0 }, func(i int) bool { return i%25 == 0 }),
				"add_remove", httpapi.TaskCounts{Updated: (deliveryUsers + 4) / 5})
			licensed := dir.licensed()
			waitSynced(t, imp, srv, licensed, deliveryUsers-licensed, 3*time.Minute)
			t.Logf("every user delivered %v after the start", time.Since(began).Round(time.Millisecond))
			checkSCIM(t, imp, scim, dir)
			srv.kill()
			t.Logf("%s: %v in all; SCIM served %d reads, %d creations, %d changes, %d deletions",
				engine, time.Since(began).Round(time.Millisecond),
				scim.Count("GET"), scim.Count("POST"), scim.Count("PATCH")+scim.Count("PUT"), scim.Count("DELETE"))
		})
	}
}

// waitDeliveries waits until the deliveries are midway, at least a fifth of the users valid and
// a fifth still pending, and returns the Service Details then. It fails the test when they get
// past that unseen, since a kill after it would prove little.
func waitDeliveries(t *testing.T, imp *importer, srv *server) *httpapi.ServiceDetails {
	t.Helper()
	began := time.Now()
	for {
		d := serviceDetails(t, imp)
		u := d.Users
		switch {
		case u.Invalid > 0:
			t.Fatalf("%d users invalid during the deliveries", u.Invalid)
		case u.Pending < deliveryUsers/5:
			t.Fatalf("only %d of %d users pending before the deliveries could be killed midway (%+v); "+
				"add users or latency", u.Pending, deliveryUsers, u)
		case u.Valid >= deliveryUsers/5:
			t.Logf("deliveries at %+v after %v", u, time.Since(began).Round(time.Millisecond))
			return d
		case time.Since(began) > 2*time.Minute:
			t.Fatalf("deliveries at %+v after 2 minutes", u)
		}
		select {
		case <-srv.done:
			t.Fatalf("roster serve exited during the deliveries (%v)", srv.cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// checkSCIM checks that the SCIM service holds exactly one user per user of dir that needs an
// agent, in its latest state, at most one inactive user per user that needs none, and nothing
// else; and that the directory holds dir.
func checkSCIM(t *testing.T, imp *importer, scim *scimtest.Server, dir *directory) {
	t.Helper()
	users := listUsers(t, imp)
	remote := map[string][]scimtest.User{} // by externalId
	for _, u := range scim.Users() {
		remote[u.ExternalID] = append(remote[u.ExternalID], u)
	}
	var bad, missing, doubled, stale int
	for i, want := range dir.users {
		email := dir.email(i)
		u, ok := users[email]
		if !ok {
			t.Fatalf("user %s is not in the directory", email)
		}
		if u.FirstName != want.firstName || u.License != want.license {
			if bad++; bad <= 10 {
				t.Errorf("user %s: %q with license %q, want %q with %q", email, u.FirstName, u.License, want.firstName, want.license)
			}
		}
		rs := remote[u.ID]
		delete(remote, u.ID)
		switch {
		case len(rs) > 1:
			if doubled++; doubled <= 10 {
				t.Errorf("SCIM holds %d users of %s: %+v", len(rs), email, rs)
			}
			continue
		case len(rs) == 0 && want.license != roster.LicenseNone:
			if missing++; missing <= 10 {
				t.Errorf("SCIM holds no user of %s, who has license %s", email, want.license)
			}
			continue
		case len(rs) == 0:
			continue // never needed an agent by the time its delivery came
		}
		r := rs[0]
		active := want.license != roster.LicenseNone
		if r.UserName != email || len(r.Emails) != 1 || r.Emails[0].Value != email || r.GivenName != want.firstName ||
			r.Active != active || r.ProfileType != string(profileOf(want.license)) {
			if stale++; stale <= 10 {
				t.Errorf("SCIM user of %s: %q (%v) %q active %t profile %q; want %q active %t profile %q",
					email, r.UserName, r.Emails, r.GivenName, r.Active, r.ProfileType,
					want.firstName, active, profileOf(want.license))
			}
		}
	}
	for externalID, rs := range remote {
		t.Errorf("SCIM holds %d users of %q, who is not a user: %+v", len(rs), externalID, rs)
	}
	if bad+missing+doubled+stale > 0 || len(users) != len(dir.users) {
		t.Errorf("%d users in the directory, want %d; %d not as imported; in SCIM %d missing, %d doubled, %d not in their latest state",
			len(users), len(dir.users), bad, missing, doubled, stale)
	}
	checkSyncStatuses(t, imp, dir.licensed(), len(dir.users)-dir.licensed())
}

// directory is what the imports of TestDeliverySurvivesKill made of each user, by number.
type directory struct {
	users []wantUser
}

type wantUser struct {
	firstName string
	license   roster.License
}

// newDirectory returns the directory of n users before the first import, which gives each the
// other license than the one it starts with here: premium to the even ones, standard to the odd.
func newDirectory(n int) *directory {
	d := &directory{users: make([]wantUser, n)}
	for i := range d.users {
		d.users[i].license = roster.LicenseStandard
		if i%2 == 1 {
			d.users[i].license = roster.LicensePremium
		}
	}
	return d
}

func (d *directory) email(i int) string { return fmt.Sprintf("agent%05d@example.com", i) }

// write writes an import file of the users i that pick selects, in a random order: each
// renamed "Agent i version", without a license when none says so, else with the other license
// than the one it has (standard when it has none). It records what the file makes of them and
// returns its path.
func (d *directory) write(t *testing.T, version string, pick, none func(i int) bool) string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"User ID/Email (Required)", "First Name", "Contact Center Standard Agent", "Contact Center Premium Agent"})
	for _, i := range rand.Perm(len(d.users)) {
		if !pick(i) {
			continue
		}
		u := &d.users[i]
		u.firstName = fmt.Sprintf("Agent %d %s", i, version)
		switch {
		case none(i):
			u.license = roster.LicenseNone
		case u.license == roster.LicenseStandard:
			u.license = roster.LicensePremium
		default:
			u.license = roster.LicenseStandard
		}
		std, prem := "FALSE", "FALSE"
		switch u.license {
		case roster.LicenseStandard:
			std = "TRUE"
		case roster.LicensePremium:
			prem = "TRUE"
		}
		_ = w.Write([]string{d.email(i), u.firstName, std, prem})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "users-"+version+".csv")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// licensed counts the users that hold a license.
func (d *directory) licensed() int {
	n := 0
	for _, u := range d.users {
		if u.license != roster.LicenseNone {
			n++
		}
	}
	return n
}

// TestSynchronizeDuringChanges runs Synchronize Users on a drifted organization (no agent left)
// while administrators rename users, whose deliveries the sync engine makes meanwhile, and
// checks that the task completes and that the contact center then holds every user as the
// directory has it: a synchronize must neither fail on an agent the engine created meanwhile
// nor put back a state older than one the engine delivered.
func TestSynchronizeDuringChanges(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	t.Parallel()
	bin := build(t)
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			o := setUpDrift(t, bin, sqldbtest.Config(t, engine))
			logOnFailure(t, "roster serve", o.srv)
			var task httpapi.Task
			o.c.runJSON(&task, "sync", "--org", o.imp.orgID, "--json")
			final, renames := renameDuring(t, o.imp, task.ID, slices.Collect(maps.Keys(o.file.licenses)))
			t.Logf("synchronize %s with %+v after %v, with %d renames meanwhile",
				final.State, final.Counts, time.Since(began).Round(time.Millisecond), renames)
			if final.State != roster.TaskCompleted || final.Error != nil {
				t.Errorf("synchronize task: state %s, error %v; want completed", final.State, deref(final.Error))
			}

			licensed := 0
			for _, l := range o.file.licenses {
				if l != roster.LicenseNone {
					licensed++
				}
			}
			waitSynced(t, o.imp, o.srv, licensed, len(o.file.licenses)-licensed, time.Minute)
			checkAgentsHoldUsers(t, o.imp)
			o.srv.kill()
			t.Logf("%s: %v in all", engine, time.Since(began).Round(time.Millisecond))
		})
	}
}

// TestSCIMSynchronizeDuringChanges is TestSynchronizeDuringChanges with the SCIM connector:
// after a restart (the connector's cache of the SCIM service is empty, so each user the task
// pushes costs a search), Synchronize Users runs while administrators rename users, and the
// SCIM service must then hold every user as the directory has it.
func TestSCIMSynchronizeDuringChanges(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	t.Parallel()
	bin := build(t)
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			db := dbFlags(sqldbtest.Config(t, engine))
			scim := scimtest.NewServer(scimToken)
			t.Cleanup(scim.Close)
			scim.Latency = 10 * time.Millisecond
			flags := append(append(db, lease...), "--cc-scim-url", scim.URL, "--cc-scim-token", scimToken)
			file := writeUsersFile(t, scimSynchronizeUsers)
			licensed := 0
			for _, l := range file.licenses {
				if l != roster.LicenseNone {
					licensed++
				}
			}

			srv := start(t, bin, freeAddr(t), flags)
			logOnFailure(t, "roster serve (first)", srv)
			imp := setUpImport(t, bin, srv, db)
			c := &cli{t: t, bin: bin, server: "http://" + srv.addr, token: imp.token}
			importFile(t, c, imp.orgID, file.path, "add", httpapi.TaskCounts{Created: scimSynchronizeUsers})
			waitSynced(t, imp, srv, licensed, scimSynchronizeUsers-licensed, 2*time.Minute)
			srv.kill()

			srv = start(t, bin, freeAddr(t), flags)
			logOnFailure(t, "roster serve (restarted)", srv)
			imp.client = httpapi.NewClient("http://"+srv.addr, imp.token, nil)
			c.server = "http://" + srv.addr
			var task httpapi.Task
			c.runJSON(&task, "sync", "--org", imp.orgID, "--json")
			final, renames := renameDuring(t, imp, task.ID, slices.Collect(maps.Keys(file.licenses)))
			t.Logf("synchronize %s with %+v after %v, with %d renames meanwhile",
				final.State, final.Counts, time.Since(began).Round(time.Millisecond), renames)
			if final.State != roster.TaskCompleted || final.Error != nil {
				t.Errorf("synchronize task: state %s, error %v; want completed", final.State, deref(final.Error))
			}
			waitSynced(t, imp, srv, licensed, scimSynchronizeUsers-licensed, time.Minute)
			checkSCIMHoldsUsers(t, imp, scim)
			srv.kill()
			t.Logf("%s: %v in all", engine, time.Since(began).Round(time.Millisecond))
		})
	}
}

// scimSynchronizeUsers is the size of the organization of TestSCIMSynchronizeDuringChanges.
const scimSynchronizeUsers = 10_000

// renameDuring renames users of emails until the task id ends, and returns the task then and
// how many renames it made. Three renamers each rename 25 users at a time, picked among the
// 2,000 users that follow, in email order, as many as the task has done: the next ones a
// synchronize that walks the users in email order reconciles, so that their deliveries come
// while its page is in flight. (A synchronize that walks them in another order still has some
// of them in each page.)
func renameDuring(t *testing.T, imp *importer, id string, emails []string) (*httpapi.Task, int64) {
	t.Helper()
	slices.Sort(emails)
	var done, renames atomic.Int64
	stop := make(chan struct{})
	errs := make(chan error, 3)
	var wg sync.WaitGroup
	for r := range 3 {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				from := max(min(int(done.Load()), len(emails)-2000), 0)
				window := emails[from:min(from+2000, len(emails))]
				var b httpapi.BatchRequest
				for _, i := range rand.Perm(len(window))[:min(25, len(window))] {
					b.Entries = append(b.Entries, httpapi.BatchEntry{Email: window[i], FirstName: fmt.Sprintf("Renamer %d %d", r, n)})
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				res, err := imp.client.AddOrModifyUsers(ctx, imp.orgID, b)
				cancel()
				if err != nil {
					errs <- fmt.Errorf("rename: %w", err)
					return
				}
				for _, r := range res.Results {
					if r.Outcome != "updated" {
						errs <- fmt.Errorf("rename %s: %s %s", r.Email, r.Outcome, r.Message)
						return
					}
				}
				renames.Add(int64(len(b.Entries)))
			}
		})
	}
	deadline := time.Now().Add(2 * time.Minute)
	task := imp.task(id)
	for !task.State.Final() && time.Now().Before(deadline) {
		done.Store(int64(task.Progress.Done))
		time.Sleep(20 * time.Millisecond)
		task = imp.task(id)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if !task.State.Final() {
		t.Fatalf("task %s still %s with %d of %d done after 2 minutes", id, task.State, task.Progress.Done, task.Progress.Total)
	}
	return task, renames.Load()
}

// checkAgentsHoldUsers checks that every user that needs an agent has exactly one, active, with
// the user's email, names and profile type, and that no other user has one.
func checkAgentsHoldUsers(t *testing.T, imp *importer) {
	t.Helper()
	users := listUsers(t, imp)
	agents := listAgents(t, imp)
	var missing, doubled, stale, strangers int
	for email, u := range users {
		as := agents[email]
		delete(agents, email)
		switch {
		case u.ProfileType == roster.ProfileNone:
			if len(as) > 0 {
				if strangers++; strangers <= 10 {
					t.Errorf("%s needs no agent and has %d", email, len(as))
				}
			}
		case len(as) == 0:
			if missing++; missing <= 10 {
				t.Errorf("%s (%s) has no agent", email, u.ProfileType)
			}
		case len(as) > 1:
			if doubled++; doubled <= 10 {
				t.Errorf("%s has %d agents", email, len(as))
			}
		default:
			a := as[0]
			if a.UserID != u.ID || a.FirstName != u.FirstName || a.LastName != u.LastName ||
				a.ProfileType != u.ProfileType || !a.Active {
				if stale++; stale <= 10 {
					t.Errorf("agent of %s: %q %q %s active %t (updated %s); the user is %q %q %s (updated %s)",
						email, a.FirstName, a.LastName, a.ProfileType, a.Active, a.UpdatedAt.Format(time.RFC3339Nano),
						u.FirstName, u.LastName, u.ProfileType, u.UpdatedAt.Format(time.RFC3339Nano))
				}
			}
		}
	}
	for email, as := range agents {
		if strangers++; strangers <= 10 {
			t.Errorf("%d agents of %s, who is not a user", len(as), email)
		}
	}
	if missing+doubled+stale+strangers > 0 {
		t.Errorf("agents of %d users: %d missing, %d doubled, %d not holding their user, %d of users that need none or of no user",
			len(users), missing, doubled, stale, strangers)
	}
}

// checkSCIMHoldsUsers checks that the SCIM service holds exactly one active user per user that
// needs an agent, with the user's email, names and profile type, at most one inactive user per
// user that needs none, and nothing else.
func checkSCIMHoldsUsers(t *testing.T, imp *importer, scim *scimtest.Server) {
	t.Helper()
	remote := map[string][]scimtest.User{} // by externalId
	for _, u := range scim.Users() {
		remote[u.ExternalID] = append(remote[u.ExternalID], u)
	}
	users := listUsers(t, imp)
	var missing, doubled, stale int
	for email, u := range users {
		rs := remote[u.ID]
		delete(remote, u.ID)
		needs := u.ProfileType != roster.ProfileNone
		switch {
		case len(rs) > 1:
			if doubled++; doubled <= 10 {
				t.Errorf("SCIM holds %d users of %s", len(rs), email)
			}
		case len(rs) == 0 && needs:
			if missing++; missing <= 10 {
				t.Errorf("SCIM holds no user of %s (%s)", email, u.ProfileType)
			}
		case len(rs) == 1:
			r := rs[0]
			if r.UserName != email || r.GivenName != u.FirstName || r.FamilyName != u.LastName || r.Active != needs ||
				r.ProfileType != string(u.ProfileType) {
				if stale++; stale <= 10 {
					t.Errorf("SCIM user of %s: %q %q %q active %t %s; the user is %q %q %s (updated %s)",
						email, r.UserName, r.GivenName, r.FamilyName, r.Active, r.ProfileType,
						u.FirstName, u.LastName, u.ProfileType, u.UpdatedAt.Format(time.RFC3339Nano))
				}
			}
		}
	}
	for externalID, rs := range remote {
		t.Errorf("SCIM holds %d users of %q, who is not a user", len(rs), externalID)
	}
	if missing+doubled+stale > 0 {
		t.Errorf("SCIM users of %d users: %d missing, %d doubled, %d not holding their user", len(users), missing, doubled, stale)
	}
}

// importFile imports a users file through the CLI, waiting for the import to end, and checks
// its counts.
func importFile(t *testing.T, c *cli, orgID, path, mode string, want httpapi.TaskCounts) {
	t.Helper()
	began := time.Now()
	var task httpapi.Task
	c.runJSON(&task, "import", path, "--org", orgID, "--mode", mode, "--wait", "--json")
	if task.State != roster.TaskCompleted || task.Counts != want {
		t.Fatalf("import of %s: %s with %+v, want completed with %+v", filepath.Base(path), task.State, task.Counts, want)
	}
	t.Logf("imported %s in %v", filepath.Base(path), time.Since(began).Round(time.Millisecond))
}

// waitSynced waits until no user of the organization is pending, and fails the test when then
// any is invalid or the counts of valid and none are not these.
func waitSynced(t *testing.T, imp *importer, srv *server, valid, none int, within time.Duration) {
	t.Helper()
	began := time.Now()
	for {
		d := serviceDetails(t, imp)
		if d.Users.Pending == 0 {
			t.Logf("no user pending after %v", time.Since(began).Round(time.Millisecond))
			break
		}
		if time.Since(began) > within {
			t.Fatalf("users still pending after %v: %+v", within, d.Users)
		}
		select {
		case <-srv.done:
			t.Fatalf("roster serve exited during the deliveries (%v)", srv.cmd.ProcessState)
		case <-time.After(100 * time.Millisecond):
		}
	}
	checkSyncStatuses(t, imp, valid, none)
}

// checkSyncStatuses checks the users per sync status, in Service Details and in the users list.
func checkSyncStatuses(t *testing.T, imp *importer, valid, none int) {
	t.Helper()
	if d := serviceDetails(t, imp); d.Users != (httpapi.SyncCounts{Valid: valid, None: none}) {
		t.Errorf("users per sync status %+v, want %d valid and %d none", d.Users, valid, none)
	}
	for _, s := range []roster.SyncStatus{roster.SyncPending, roster.SyncInvalid} {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		list, err := imp.client.Users(ctx, imp.orgID, httpapi.UserQuery{SyncStatus: s, Limit: 10})
		cancel()
		if err != nil {
			t.Fatalf("list %s users: %v", s, err)
		}
		if len(list.Items) > 0 {
			t.Errorf("%d or more users %s, such as %s", len(list.Items), s, list.Items[0].Email)
		}
	}
}

// waitTask waits until the task id has finished and returns it.
func waitTask(t *testing.T, imp *importer, id string, within time.Duration) *httpapi.Task {
	t.Helper()
	deadline := time.Now().Add(within)
	task := imp.task(id)
	for !task.State.Final() {
		if time.Now().After(deadline) {
			t.Fatalf("task %s still %s with %d of %d done after %v", id, task.State, task.Progress.Done, task.Progress.Total, within)
		}
		time.Sleep(250 * time.Millisecond)
		task = imp.task(id)
	}
	return task
}

func serviceDetails(t *testing.T, imp *importer) *httpapi.ServiceDetails {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	d, err := imp.client.ContactCenter(ctx, imp.orgID)
	if err != nil {
		t.Fatalf("read Service Details: %v", err)
	}
	return d
}

// agentCount is the number of active agents of the organization, from Service Details.
func agentCount(t *testing.T, imp *importer) int {
	t.Helper()
	a := serviceDetails(t, imp).Agents
	return a.StandardAgent + a.PremiumAgent + a.Supervisor + a.Administrator + a.AdministratorOnly
}

// listAgents reads every agent of the organization through the API, by email.
func listAgents(t *testing.T, imp *importer) map[string][]httpapi.Agent {
	t.Helper()
	agents := map[string][]httpapi.Agent{}
	readPages(t, "agents", 1000, func(ctx context.Context, cursor string) ([]httpapi.Agent, *string, error) {
		list, err := imp.client.Agents(ctx, imp.orgID, httpapi.AgentQuery{Limit: roster.MaxPageSize, Cursor: cursor})
		if err != nil {
			return nil, nil, err
		}
		return list.Items, list.NextCursor, nil
	}, func(a httpapi.Agent) { agents[a.Email] = append(agents[a.Email], a) })
	return agents
}

// listUsers reads every user of the organization through the API, by email.
func listUsers(t *testing.T, imp *importer) map[string]httpapi.User {
	t.Helper()
	users := map[string]httpapi.User{}
	readPages(t, "users", 1000, func(ctx context.Context, cursor string) ([]httpapi.User, *string, error) {
		list, err := imp.client.Users(ctx, imp.orgID, httpapi.UserQuery{Limit: roster.MaxPageSize, Cursor: cursor})
		if err != nil {
			return nil, nil, err
		}
		return list.Items, list.NextCursor, nil
	}, func(u httpapi.User) {
		if _, ok := users[u.Email]; ok {
			t.Errorf("user %s listed twice", u.Email)
		}
		users[u.Email] = u
	})
	return users
}

// reportRow is one row of a task report.
type reportRow struct {
	row                     int
	email, outcome, message string
}

// taskReport downloads the report of the task id.
func taskReport(t *testing.T, imp *importer, id string) []reportRow {
	t.Helper()
	var b bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := imp.client.TaskReport(ctx, imp.orgID, id, &b); err != nil {
		t.Fatalf("report of task %s: %v", id, err)
	}
	r := csv.NewReader(bufio.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), []byte("\uFEFF")))))
	lines, err := r.ReadAll()
	if err != nil {
		t.Fatalf("report of task %s: %v", id, err)
	}
	if len(lines) == 0 || strings.Join(lines[0], ",") != "Row,Email,Outcome,Code,Message" {
		t.Fatalf("report of task %s: header %q", id, lines[:min(len(lines), 1)])
	}
	rows := make([]reportRow, 0, len(lines)-1)
	for _, l := range lines[1:] {
		n, err := strconv.Atoi(l[0])
		if err != nil {
			t.Fatalf("report of task %s: row %q", id, l)
		}
		rows = append(rows, reportRow{row: n, email: l[1], outcome: l[2], message: l[4]})
	}
	return rows
}

// profileOf is the profile type of a user with this license and no roles.
func profileOf(l roster.License) roster.ProfileType {
	return roster.DeriveProfileType(l, roster.RoleAgent, roster.AdminNone)
}

// rawDB is the database of a test opened directly, to change it behind the server's back (a
// contact center that drifted, a lease that expired) and to count what the API may hide.
type rawDB struct {
	db       *sql.DB
	postgres bool
}

// openRaw opens the database of cfg. It is closed when the test ends, before the schema of
// PostgreSQL is dropped (its cleanup is registered after Config's).
func openRaw(t *testing.T, cfg sqldb.Config) *rawDB {
	t.Helper()
	driver, dsn := "sqlite", filepath.Join(cfg.DataDir, "roster.db")+"?_pragma=busy_timeout(10000)"
	if cfg.DatabaseURL != "" {
		driver, dsn = "pgx", cfg.DatabaseURL
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return &rawDB{db: db, postgres: cfg.DatabaseURL != ""}
}

// query returns q with PostgreSQL's placeholders instead of ? when needed.
func (r *rawDB) query(q string) string {
	if !r.postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// exec runs a statement and returns the number of rows it changed.
func (r *rawDB) exec(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	res, err := r.db.ExecContext(ctx, r.query(q), args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// queryRow runs a query of one row; Scan fails the test on an error.
func (r *rawDB) queryRow(t *testing.T, q string, args ...any) rawRow {
	t.Helper()
	return rawRow{t: t, q: q, row: r.db.QueryRowContext(t.Context(), r.query(q), args...)}
}

type rawRow struct {
	t   *testing.T
	q   string
	row *sql.Row
}

func (r rawRow) Scan(dest ...any) {
	r.t.Helper()
	if err := r.row.Scan(dest...); err != nil {
		r.t.Fatalf("%s: %v", r.q, err)
	}
}
