package e2e

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to read the lease of a task

	"roster"
	"roster/internal/httpapi"
	"roster/internal/provision"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

// importRows is the size of the imported file: 40 chunks of 5,000 rows, so that the import
// runs long enough to be killed in its middle, and a chunk is a small part of it.
const importRows = 200_000

// lease is the task lease of the servers of these tests: a killed worker's task is taken over
// after it, instead of after the default 30 s.
var lease = []string{"--task-lease", "3s"}

// TestImportSurvivesKill starts a large CSV import, kills the server with SIGKILL in the middle
// of it, starts the server again on the same database, and checks that the import completes
// with every row applied exactly once: in the task's counts, in the users, in the seats used,
// and in the audit log.
func TestImportSurvivesKill(t *testing.T) {
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
			file := writeUsersFile(t, importRows)

			srv := start(t, bin, freeAddr(t), append(db, lease...))
			logOnFailure(t, "roster serve (killed)", srv)
			imp := setUpImport(t, bin, srv, db)
			task := imp.start(file)
			imp.waitMidway(task.ID, srv)

			srv.kill()
			srv = start(t, bin, freeAddr(t), append(db, lease...))
			logOnFailure(t, "roster serve (restarted)", srv)
			imp.client = httpapi.NewClient("http://"+srv.addr, imp.token, nil)
			imp.check(task.ID, file)
			srv.kill()
			t.Logf("%s: %v in all", engine, time.Since(began).Round(time.Millisecond))
		})
	}
}

// TestImportSurvivesKillOfOneNode runs two servers on one PostgreSQL database, starts a large
// import through one of them, kills the server whose worker runs the import in the middle of
// it, and checks through the other that its workers took the import over and completed it with
// every row applied exactly once.
func TestImportSurvivesKillOfOneNode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	if os.Getenv(sqldbtest.EnvPostgresURL) == "" {
		t.Skipf("two nodes share a database only on PostgreSQL; %s is not set", sqldbtest.EnvPostgresURL)
	}
	t.Parallel()
	began := time.Now()
	bin := build(t)
	cfg := sqldbtest.Config(t, sqldb.EnginePostgres)
	db := dbFlags(cfg)
	file := writeUsersFile(t, importRows)

	// Started one after the other: the first migrates the database.
	nodes := []*server{start(t, bin, freeAddr(t), append(db, lease...))}
	nodes = append(nodes, start(t, bin, freeAddr(t), append(db, lease...)))
	logOnFailure(t, "node A", nodes[0])
	logOnFailure(t, "node B", nodes[1])
	imp := setUpImport(t, bin, nodes[0], db)
	task := imp.start(file)

	pg, err := sql.Open("pgx", cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	// Registered after Config's cleanup, so it runs before the schema is dropped.
	t.Cleanup(func() { _ = pg.Close() })

	running := imp.waitMidway(task.ID, nodes[0])
	owner := leaseOwner(t, pg, task.ID)
	victim, survivor := -1, -1
	for i, n := range nodes {
		if leasePID(owner) == n.pid() {
			victim, survivor = i, 1-i
		}
	}
	if victim < 0 {
		t.Fatalf("the lease owner %q of the task is neither node A (pid %d) nor node B (pid %d)",
			owner, nodes[0].pid(), nodes[1].pid())
	}
	nodes[victim].kill()
	t.Logf("killed node %c (pid %d, lease %q) at %d of %d rows",
		'A'+victim, nodes[victim].pid(), owner, running.Progress.Done, running.Progress.Total)

	imp.client = httpapi.NewClient("http://"+nodes[survivor].addr, imp.token, nil)
	imp.check(task.ID, file)
	if owner := leaseOwner(t, pg, task.ID); owner != "" && leasePID(owner) != nodes[survivor].pid() {
		t.Errorf("the completed task was last leased by %q, want a worker of the surviving node (pid %d)",
			owner, nodes[survivor].pid())
	}
	for _, n := range nodes {
		n.kill()
	}
	t.Logf("%v in all", time.Since(began).Round(time.Millisecond))
}

// dbFlags returns the flags of roster serve and roster token that name the database of cfg.
func dbFlags(cfg sqldb.Config) []string {
	if cfg.DatabaseURL != "" {
		return []string{"--database-url", cfg.DatabaseURL}
	}
	return []string{"--data-dir", cfg.DataDir}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// logOnFailure logs the output of s when the test fails, to tell what the server saw: its
// lines but those of successful requests, thousands of polls and pages that would bury the
// workers' lines.
func logOnFailure(t *testing.T, name string, s *server) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		var b strings.Builder
		for line := range strings.Lines(s.output()) {
			if !strings.Contains(line, `"msg":"request"`) || !strings.Contains(line, `"status":200,`) {
				b.WriteString(line)
			}
		}
		t.Logf("output of %s (pid %d), without its successful requests:\n%s", name, s.pid(), &b)
	})
}

// usersFile is a generated CSV file of users and the license each row gives.
type usersFile struct {
	path     string
	licenses map[string]roster.License // by email
}

// writeUsersFile writes a users file of n rows in a temporary directory: unique emails in a
// random order, a third each with a standard license, a premium license, and none.
func writeUsersFile(t *testing.T, n int) *usersFile {
	t.Helper()
	f := &usersFile{path: filepath.Join(t.TempDir(), "users.csv"), licenses: make(map[string]roster.License, n)}
	out, err := os.Create(f.path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(out)
	w := csv.NewWriter(bw)
	_ = w.Write([]string{"User ID/Email (Required)", "First Name", "Contact Center Standard Agent", "Contact Center Premium Agent"})
	for _, i := range rand.Perm(n) {
		email := fmt.Sprintf("user%06d@example.com", i)
		std, prem, lic := "FALSE", "FALSE", roster.LicenseNone
		switch i % 3 {
		case 0:
			std, lic = "TRUE", roster.LicenseStandard
		case 1:
			prem, lic = "TRUE", roster.LicensePremium
		}
		f.licenses[email] = lic
		_ = w.Write([]string{email, "User " + strconv.Itoa(i), std, prem})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}

// importer drives one import of one organization through the REST API.
type importer struct {
	t      *testing.T
	orgID  string
	token  string
	client *httpapi.Client
}

// setUpImport creates, through srv, an organization with unlimited seats and without welcome
// emails (a welcome email per user would only add work), and a token of it.
func setUpImport(t *testing.T, bin string, srv *server, db []string) *importer {
	t.Helper()
	cli := &cli{t: t, bin: bin, server: "http://" + srv.addr}
	cli.token = cli.run(append([]string{"token", "create", "--system"}, db...)...)
	var org struct{ ID string }
	cli.runJSON(&org, "orgs", "create", "--name", "Import", "--standard-seats", "0", "--premium-seats", "0",
		"--send-welcome-email=false", "--json")
	token := cli.run(append([]string{"token", "create", "--org", org.ID, "--role", "full"}, db...)...)
	return &importer{t: t, orgID: org.ID, token: token, client: httpapi.NewClient(cli.server, token, nil)}
}

// start uploads the file and returns the queued import task.
func (imp *importer) start(f *usersFile) *httpapi.Task {
	t := imp.t
	t.Helper()
	file, err := os.Open(f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = file.Close() }()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	task, err := imp.client.StartImport(ctx, imp.orgID, httpapi.ImportUpload{Mode: provision.ImportAdd, FileName: "users.csv", File: file})
	if err != nil {
		t.Fatalf("start import: %v", err)
	}
	if task.Progress.Total != len(f.licenses) {
		t.Fatalf("import task %s: total %d, want %d", task.ID, task.Progress.Total, len(f.licenses))
	}
	return task
}

// waitMidway waits until the task has done between a fifth and four fifths of its rows, and
// returns it as it was then. It fails the test when the task gets past that unseen, since a
// kill after it would prove little.
func (imp *importer) waitMidway(id string, srv *server) *httpapi.Task {
	t := imp.t
	t.Helper()
	began := time.Now()
	deadline := began.Add(2 * time.Minute)
	for {
		task := imp.task(id)
		done, total := task.Progress.Done, task.Progress.Total
		switch {
		case task.State.Final() || done > total*4/5:
			t.Fatalf("import task %s was %s with %d of %d rows done before it could be killed midway; "+
				"make the file larger or poll sooner", id, task.State, done, total)
		case task.State == roster.TaskRunning && done >= total/5:
			t.Logf("import at %d of %d rows after %v", done, total, time.Since(began).Round(time.Millisecond))
			return task
		case time.Now().After(deadline):
			t.Fatalf("import task %s still %s with %d of %d rows done after 2 minutes", id, task.State, done, total)
		}
		select {
		case <-srv.done:
			t.Fatalf("roster serve exited during the import (%v)", srv.cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// task reads the task id.
func (imp *importer) task(id string) *httpapi.Task {
	imp.t.Helper()
	ctx, cancel := context.WithTimeout(imp.t.Context(), 30*time.Second)
	defer cancel()
	task, err := imp.client.Task(ctx, imp.orgID, id)
	if err != nil {
		imp.t.Fatalf("read task %s: %v", id, err)
	}
	return task
}

// check waits until the import task id has finished, and checks that it applied every row of
// f exactly once.
func (imp *importer) check(id string, f *usersFile) {
	t := imp.t
	t.Helper()
	began := time.Now()
	deadline := began.Add(5 * time.Minute)
	task := imp.task(id)
	for !task.State.Final() {
		if time.Now().After(deadline) {
			t.Fatalf("import task %s still %s with %d of %d rows done 5 minutes after the kill",
				id, task.State, task.Progress.Done, task.Progress.Total)
		}
		time.Sleep(250 * time.Millisecond)
		task = imp.task(id)
	}
	t.Logf("import %s after the kill in %v", task.State, time.Since(began).Round(time.Millisecond))

	n := len(f.licenses)
	if task.State != roster.TaskCompleted || task.Error != nil {
		t.Errorf("import task: state %s, error %v; want completed", task.State, deref(task.Error))
	}
	if want := (httpapi.TaskCounts{Created: n}); task.Counts != want {
		t.Errorf("import counts %+v, want %+v", task.Counts, want)
	}
	if task.Progress.Done != n || task.Progress.Total != n {
		t.Errorf("import progress %d of %d, want %d of %d", task.Progress.Done, task.Progress.Total, n, n)
	}

	began = time.Now()
	users := imp.checkUsers(f)
	imp.checkAudit(id, users)
	t.Logf("users and audit log read in %v", time.Since(began).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	org, err := imp.client.Org(ctx, imp.orgID)
	if err != nil {
		t.Fatal(err)
	}
	// A chunk applied twice would count its seats twice, even if its users could not be
	// created twice.
	want := httpapi.Usage{Users: n, Standard: (n + 2) / 3, Premium: (n + 1) / 3}
	if org.Usage != want {
		t.Errorf("usage of the organization %+v, want %+v", org.Usage, want)
	}
}

// checkUsers checks that the organization has exactly the users of f, with their licenses,
// and returns their emails by id.
func (imp *importer) checkUsers(f *usersFile) map[string]string {
	t := imp.t
	t.Helper()
	emails := make(map[string]string, len(f.licenses)) // by id
	seen := make(map[string]int, len(f.licenses))
	readPages(t, "users", 2*len(f.licenses)/roster.MaxPageSize+10, func(ctx context.Context, cursor string) ([]httpapi.User, *string, error) {
		list, err := imp.client.Users(ctx, imp.orgID, httpapi.UserQuery{Limit: roster.MaxPageSize, Cursor: cursor})
		if err != nil {
			return nil, nil, err
		}
		return list.Items, list.NextCursor, nil
	}, func(u httpapi.User) {
		seen[u.Email]++
		emails[u.ID] = u.Email
		if lic, ok := f.licenses[u.Email]; ok && u.License != lic {
			t.Errorf("user %s: license %s, want %s", u.Email, u.License, lic)
		}
	})
	var missing, doubled, unknown int
	for email := range f.licenses {
		switch seen[email] {
		case 0:
			missing++
		case 1:
		default:
			doubled++
			if doubled <= 10 {
				t.Errorf("user %s listed %d times", email, seen[email])
			}
		}
	}
	for email := range seen {
		if _, ok := f.licenses[email]; !ok {
			unknown++
			if unknown <= 10 {
				t.Errorf("user %s is not in the file", email)
			}
		}
	}
	if missing+doubled+unknown > 0 || len(emails) != len(f.licenses) {
		t.Errorf("users: %d distinct ids, %d distinct emails; %d of the file missing, %d listed more than once, %d not in the file",
			len(emails), len(seen), missing, doubled, unknown)
	}
	return emails
}

// checkAudit checks that the audit log has exactly one user.create by the task id for each
// user, and none of anyone else.
func (imp *importer) checkAudit(id string, users map[string]string) {
	t := imp.t
	t.Helper()
	created := make(map[string]int, len(users)) // by target id
	var strangers, foreign int
	readPages(t, "audit log", 2*len(users)/roster.MaxPageSize+10, func(ctx context.Context, cursor string) ([]httpapi.AuditEntry, *string, error) {
		list, err := imp.client.AuditEntries(ctx, imp.orgID, httpapi.AuditQuery{Action: "user.create", Limit: roster.MaxPageSize, Cursor: cursor})
		if err != nil {
			return nil, nil, err
		}
		return list.Items, list.NextCursor, nil
	}, func(e httpapi.AuditEntry) {
		created[e.TargetID]++
		if e.TaskID != id {
			if foreign++; foreign <= 10 {
				t.Errorf("user.create of %s by task %q, want %s", e.Target, e.TaskID, id)
			}
		}
		if email, ok := users[e.TargetID]; !ok || email != e.Target {
			if strangers++; strangers <= 10 {
				t.Errorf("user.create of %s (%s), who is not that user", e.Target, e.TargetID)
			}
		}
	})
	var missing, doubled, entries int
	for userID := range users {
		switch created[userID] {
		case 0:
			missing++
		case 1:
		default:
			if doubled++; doubled <= 10 {
				t.Errorf("audit log: %d user.create of %s", created[userID], users[userID])
			}
		}
	}
	for _, c := range created {
		entries += c
	}
	if missing+doubled+strangers+foreign > 0 || entries != len(users) {
		t.Errorf("audit log: %d user.create for %d users; %d users without one, %d with more than one, "+
			"%d of others, %d not by the import", entries, len(users), missing, doubled, strangers, foreign)
	}
}

// leaseOwner reads who holds the lease of the task id: "hostname:pid:random", or "".
func leaseOwner(t *testing.T, pg *sql.DB, id string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var owner sql.NullString
	if err := pg.QueryRowContext(ctx, "SELECT lease_owner FROM tasks WHERE id = $1", id).Scan(&owner); err != nil {
		t.Fatalf("read the lease of task %s: %v", id, err)
	}
	return owner.String
}

// leasePID returns the process id in a lease owner "hostname:pid:random", or -1.
func leasePID(owner string) int {
	parts := strings.Split(owner, ":")
	if len(parts) < 3 {
		return -1
	}
	pid, err := strconv.Atoi(parts[len(parts)-2])
	if err != nil {
		return -1
	}
	return pid
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
