// Package e2e runs the real roster binary: it builds it, starts `roster serve` as a child
// process, drives it with the binary's own commands, kills it with SIGKILL and starts it again
// on the same data, as an operator's machine would see it.
//
// It has no build tag: it takes a few seconds (building the binary is most of it), so it runs
// with every `go test ./...`, on PostgreSQL too when ROSTER_TEST_POSTGRES_URL is set. `make
// e2e` runs only this package; `go test -short` skips it.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/internal/sqldb/sqldbtest"
)

// TestKillAndRestart creates an organization and users through the binary, kills the server
// without warning, restarts it on the same database, and checks that every acknowledged
// change is there exactly once, in the users and in the audit log.
func TestKillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	t.Parallel()
	bin := build(t)
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			// A temporary directory for SQLite; for PostgreSQL a fresh schema, named in the
			// URL's search_path, dropped when the test ends.
			cfg := sqldbtest.Config(t, engine)
			db := []string{"--data-dir", cfg.DataDir}
			if cfg.DatabaseURL != "" {
				db = []string{"--database-url", cfg.DatabaseURL}
			}
			killAndRestart(t, bin, db)
		})
	}
}

func killAndRestart(t *testing.T, bin string, db []string) {
	srv := start(t, bin, freeAddr(t), db)
	if !strings.Contains(srv.output(), "No installation token exists yet") {
		t.Errorf("first start does not say how to create a token:\n%s", srv.output())
	}
	cli := &cli{t: t, bin: bin, server: "http://" + srv.addr}

	cli.token = cli.run(append([]string{"token", "create", "--system"}, db...)...)
	var org struct{ ID string }
	cli.runJSON(&org, "orgs", "create", "--name", "Acme", "--premium-seats", "3", "--json")
	cli.token = cli.run(append([]string{"token", "create", "--org", org.ID, "--role", "full"}, db...)...)

	// One by one with users add, then a batch of the rest.
	want := []string{"ada@example.com", "grace@example.com", "linus@example.com"}
	cli.run("users", "add", "--org", org.ID, want[0], "--first-name", "Ada", "--license", "premium", "--cc-role", "supervisor")
	cli.run("users", "add", "--org", org.ID, want[1], "--first-name", "Grace", "--license", "standard", "--phone", "+46701234567")
	cli.run("users", "add", "--org", org.ID, want[2])
	batch := []string{"users", "batch", "--org", org.ID, "--license", "standard"}
	for i := range 20 {
		email := fmt.Sprintf("agent%02d@example.com", i)
		want = append(want, email)
		batch = append(batch, email)
	}
	cli.run(batch...)
	// Changes that are not creations, so the audit check below sees more than user.create.
	cli.run("users", "update", "--org", org.ID, "linus@example.com", "--license", "premium")
	cli.run("users", "deactivate", "--org", org.ID, "agent00@example.com")

	srv.kill()
	srv = start(t, bin, srv.addr, db)

	// The restarted server still knows the token, and takes writes.
	want = append(want, "after@example.com")
	cli.run("users", "add", "--org", org.ID, "after@example.com", "--license", "standard")

	checkUsers(t, cli, org.ID, want)
	checkAudit(t, cli, org.ID, want)
	var got struct {
		Usage struct{ Users, Standard, Premium int }
	}
	cli.runJSON(&got, "orgs", "get", org.ID, "--json")
	if u := got.Usage; u.Users != len(want) || u.Premium != 2 || u.Standard != 22 {
		t.Errorf("usage after restart: %+v, want %d users, 22 standard, 2 premium", u, len(want))
	}
	srv.kill()
}

// checkUsers checks that the organization has the users want, each exactly once, reading them
// in pages smaller than the whole so that paging is part of what survives the restart.
func checkUsers(t *testing.T, cli *cli, orgID string, want []string) {
	t.Helper()
	var list struct {
		Items []struct{ Email, License, Status string }
		Total int
	}
	cli.runJSON(&list, "users", "list", "--org", orgID, "--limit", "7", "--all", "--json")
	var got []string
	for _, u := range list.Items {
		got = append(got, u.Email)
	}
	slices.Sort(got)
	sorted := slices.Sorted(slices.Values(want))
	if !slices.Equal(got, sorted) {
		t.Errorf("users after restart:\n got %q\nwant %q", got, sorted)
	}
	if list.Total != len(want) {
		t.Errorf("total %d, want %d", list.Total, len(want))
	}
}

// checkAudit checks that the audit log has exactly one user.create per user, made through the
// CLI. It reads the REST API, since the CLI has no audit command.
func checkAudit(t *testing.T, cli *cli, orgID string, want []string) {
	t.Helper()
	created := map[string]int{}
	cursor := ""
	for range 100 {
		q := url.Values{"action": {"user.create"}, "limit": {"10"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Items []struct {
				Target, Interface, Action string
			}
			NextCursor *string
		}
		cli.get(&page, "/api/v1/orgs/"+url.PathEscape(orgID)+"/audit?"+q.Encode())
		for _, e := range page.Items {
			created[e.Target]++
			if e.Interface != "cli" || e.Action != "user.create" {
				t.Errorf("audit entry of %s: action %q through %q, want user.create through cli", e.Target, e.Action, e.Interface)
			}
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	for _, email := range want {
		if created[email] != 1 {
			t.Errorf("audit log: %d user.create of %s, want 1", created[email], email)
		}
		delete(created, email)
	}
	for email, n := range created {
		t.Errorf("audit log: %d user.create of %s, who is not a user", n, email)
	}
}

// build compiles the roster command into a temporary directory and returns its path.
func build(t *testing.T) string {
	t.Helper()
	watchSources(t)
	bin := filepath.Join(t.TempDir(), "roster")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.version=e2e", "-o", bin, "roster/cmd/roster")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "version").Output(); err != nil || string(out) != "roster e2e\n" {
		t.Fatalf("roster version: %q, %v", out, err)
	}
	return bin
}

// readPages reads a list of the API page by page to its end, a request at most 30 s, and hands
// each item to each. It fails the test on an error, or after maxPages pages.
func readPages[T any](t *testing.T, what string, maxPages int, page func(ctx context.Context, cursor string) ([]T, *string, error), each func(T)) {
	t.Helper()
	cursor := ""
	for n := 0; ; n++ {
		if n > maxPages {
			t.Fatalf("%s: more than %d pages", what, maxPages)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		items, next, err := page(ctx, cursor)
		cancel()
		if err != nil {
			t.Fatalf("read the %s: %v", what, err)
		}
		for _, item := range items {
			each(item)
		}
		if next == nil {
			return
		}
		cursor = *next
	}
}

// watchSources stats every source file of the module. The binary is built by a child process,
// whose reads go test's cache does not see: without this, a change to the product left these
// tests reporting a cached pass. Stats made here are in the cache's key, so a change to any
// source (or a file added to a folder) runs them again.
func watchSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != ".." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || path == filepath.Join("..", "bench", "out")) {
			return filepath.SkipDir
		}
		if d.IsDir() || slices.Contains([]string{".go", ".sql", ".html", ".txt", ".json", ".mod", ".sum"}, filepath.Ext(path)) {
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("stat the module's sources: %v", err)
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago. The server
// binds it again after a restart, as a real one does.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// server is a running `roster serve`.
type server struct {
	t    *testing.T
	addr string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited
}

// start starts `roster serve` on addr and the database of the flags db, and waits until it is
// ready. It is killed when the test ends, if it still runs.
func start(t *testing.T, bin, addr string, db []string) *server {
	t.Helper()
	s := &server{t: t, addr: addr, out: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr}, db...)...)
	s.cmd.Env = environ()
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(s.kill)

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-s.done:
			t.Fatalf("roster serve exited before it was ready (%v):\n%s", s.cmd.ProcessState, s.output())
		default:
		}
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			s.kill()
			t.Fatalf("roster serve not ready after 30s (last: %v):\n%s", err, s.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill kills the server with SIGKILL, as a crash or the OOM killer would: no graceful
// shutdown, no closing of the database.
func (s *server) kill() {
	select {
	case <-s.done:
		return
	default:
	}
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.t.Errorf("kill roster serve: %v", err)
	}
	<-s.done
}

func (s *server) output() string { return s.out.String() }

// cli runs roster commands against a server, as one administrator with one token.
type cli struct {
	t      *testing.T
	bin    string
	server string
	token  string
}

// run runs the binary with args, fails the test unless it exits 0, and returns its stdout
// without the final newline.
func (c *cli) run(args ...string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = append(environ(), "ROSTER_SERVER="+c.server, "ROSTER_TOKEN="+c.token)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		c.t.Fatalf("roster %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, &stdout, &stderr)
	}
	return strings.TrimSuffix(stdout.String(), "\n")
}

// runJSON runs the binary and decodes its stdout into v.
func (c *cli) runJSON(v any, args ...string) {
	c.t.Helper()
	out := c.run(args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("roster %s: %v in:\n%s", strings.Join(args, " "), err, out)
	}
}

// get reads a JSON answer of the REST API with the token of c.
func (c *cli) get(v any, path string) {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.server+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
}

// environ is the test's environment without ROSTER_ variables, so that a developer's own
// settings (a ROSTER_DATABASE_URL, say) cannot point the binary elsewhere.
func environ() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "ROSTER_") })
}

// syncBuffer is a bytes.Buffer that the child process's output copiers and the test may use
// at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
