package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb"
)

// localScenario is one command line that works on the local data directory, or on nothing.
type localScenario struct {
	name string
	args []string          // {dir} is the data directory, {org} the id of its organization
	env  map[string]string // environment, with the same placeholders
	code int
	// check, when set, checks more than the output: that a minted token works, say.
	check func(t *testing.T, dir, orgID string, inv invocation)
}

var localScenarios = []localScenario{
	{name: "token-system", args: []string{"token", "create", "--system", "--data-dir", "{dir}"},
		check: func(t *testing.T, dir, _ string, inv invocation) {
			if a := authenticate(t, dir, inv.stdout); !a.System {
				t.Errorf("token of --system is not a system token: %+v", a)
			}
		}},
	{name: "token-org", args: []string{"token", "create", "--org", "{org}", "--role", "cc_service", "--name", "sync job"},
		env: map[string]string{"ROSTER_DATA_DIR": "{dir}"},
		check: func(t *testing.T, dir, orgID string, inv invocation) {
			a := authenticate(t, dir, inv.stdout)
			if a.System || a.OrgID != orgID || a.Role != roster.AdminCCService || a.Name != "sync job" {
				t.Errorf("token of --org --role cc_service: %+v", a)
			}
		}},
	{name: "token-system-and-org", code: 2, args: []string{"token", "create", "--system", "--org", "{org}", "--data-dir", "{dir}"}},
	{name: "token-neither", code: 2, args: []string{"token", "create", "--data-dir", "{dir}"}},
	{name: "token-org-without-role", code: 2, args: []string{"token", "create", "--org", "{org}", "--data-dir", "{dir}"}},
	{name: "token-bad-role", code: 1, args: []string{"token", "create", "--org", "{org}", "--role", "owner", "--data-dir", "{dir}"}},
	{name: "token-unknown-org", code: 1, args: []string{"token", "create", "--org", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
		"--role", "full", "--data-dir", "{dir}"}},
	{name: "token-no-subcommand", code: 2, args: []string{"token"}},
	{name: "token-unknown-flag", code: 2, args: []string{"token", "create", "--sytem", "--data-dir", "{dir}"}}, //nolint:misspell // the misspelled flag is the test
	{name: "token-help", args: []string{"token", "create", "-h"},
		env: map[string]string{"ROSTER_DATABASE_URL": "postgres://roster:hunter2@db.example.com/roster"}},
	{name: "token-bad-database-url", code: 2, args: []string{"token", "create", "--system", "--database-url", "mysql://db/roster"}},

	// A new directory is created and migrated; a second run finds nothing to do.
	{name: "migrate-new", args: []string{"migrate", "--data-dir", "{dir}/new"}},
	{name: "migrate-again", args: []string{"migrate", "--data-dir", "{dir}/new"},
		check: func(t *testing.T, dir, _ string, _ invocation) {
			db := openDataDir(t, filepath.Join(dir, "new"))
			if tokens, err := db.FindTokens(context.Background(), ""); err != nil || len(tokens) != 0 {
				t.Errorf("migrated database: tokens %v, err %v; want none", tokens, err)
			}
		}},
	{name: "migrate-env", args: []string{"migrate"}, env: map[string]string{"ROSTER_DATA_DIR": "{dir}"}},
	{name: "migrate-argument", code: 2, args: []string{"migrate", "--data-dir", "{dir}", "--bogus"}},

	{name: "admin-grant-unknown", code: 1, args: []string{"admin", "grant", "nobody@acme.example", "--data-dir", "{dir}"}},
	{name: "admin-no-subcommand", code: 2, args: []string{"admin"}},
	{name: "admin-help-family", args: []string{"admin", "-h"}},

	{name: "backup-help", args: []string{"backup", "-h"}},
	{name: "backup-no-file", code: 2, args: []string{"backup", "--data-dir", "{dir}"}},
	{name: "backup-exists", code: 1, args: []string{"backup", "{dir}/roster.db", "--data-dir", "{dir}"}},
	{name: "backup-onto-database", code: 1, args: []string{"backup", "{dir}/roster.db", "--force", "--data-dir", "{dir}"}},
	{name: "restore-database-itself", code: 1, args: []string{"restore", "{dir}/roster.db", "--data-dir", "{dir}"}},
	{name: "backup-postgres", code: 2, args: []string{"backup", "roster.backup"},
		env: map[string]string{"ROSTER_DATABASE_URL": "postgres://roster:hunter2@db.example.com/roster"}},
	{name: "backup-bad-database-url", code: 2, args: []string{"backup", "roster.backup", "--database-url", "mysql://db/roster"}},
	{name: "restore-help", args: []string{"restore", "-h"}},
	{name: "restore-not-a-backup", code: 1, args: []string{"restore", "{dir}/roster.lock", "--data-dir", "{dir}/restored"}},
	{name: "restore-missing", code: 1, args: []string{"restore", "{dir}/nothing.backup", "--data-dir", "{dir}/restored"}},
	{name: "restore-postgres", code: 2, args: []string{"restore", "roster.dump", "--database-url", "postgres://roster:hunter2@db.example.com/roster"}},

	{name: "version", args: []string{"version"}},
	{name: "version-flag", args: []string{"--version"}},
	{name: "help", args: []string{"help"}},
	{name: "help-flag", args: []string{"-h"}},
	{name: "help-command", args: []string{"help", "users"}},
	{name: "token-help-family", args: []string{"token", "-h"}},
	{name: "no-arguments", code: 2, args: nil},
	{name: "serve-argument", code: 2, args: []string{"serve", "--data-dir", "{dir}", "now"}},
}

// TestLocal runs the commands that work on a local data directory (token, migrate) or on
// nothing (version, help), on a data directory that holds one organization.
func TestLocal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	orgID := createOrg(t, dir, "Acme")
	expand := strings.NewReplacer("{dir}", dir, "{org}", orgID)
	for _, sc := range localScenarios {
		// Not parallel: the scenarios share one SQLite data directory, and the migrate ones
		// build on each other.
		t.Run(sc.name, func(t *testing.T) {
			args := make([]string, len(sc.args))
			for i, a := range sc.args {
				args[i] = expand.Replace(a)
			}
			env := map[string]string{}
			for k, v := range sc.env {
				env[k] = expand.Replace(v)
			}
			inv := invoke(t.Context(), args, env)
			if inv.code != sc.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", inv.code, sc.code, inv.stdout, inv.stderr)
			}
			if sc.check != nil {
				sc.check(t, dir, orgID, inv)
			}
			checkGolden(t, sc.name, normalize(inv.String(), map[string]string{dir: "<dir>"}))
		})
	}
}

// openDataDir opens the migrated SQLite database of dir, closed when t ends.
func openDataDir(t *testing.T, dir string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), sqldb.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// createOrg creates an organization in the data directory dir and closes the database again,
// so that the commands under test find the directory as an operator would.
func createOrg(t *testing.T, dir, name string) string {
	t.Helper()
	db, err := sqldb.Open(context.Background(), sqldb.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	platform := roster.PlatformNew
	o, err := provision.New(db).CreateOrg(context.Background(), provision.System(roster.ViaCLI),
		provision.OrgChange{Name: &name, Platform: &platform})
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// authenticate returns the actor of the secret that a token command printed, which must be the
// only thing on its stdout.
func authenticate(t *testing.T, dir, stdout string) roster.Actor {
	t.Helper()
	secret, rest, _ := strings.Cut(stdout, "\n")
	if rest != "" || !secretRE.MatchString(secret) {
		t.Fatalf("stdout is not one token line: %q", stdout)
	}
	a, err := provision.New(openDataDir(t, dir)).Authenticate(context.Background(), secret, roster.ViaAPI)
	if err != nil {
		t.Fatalf("the printed token does not authenticate: %v", err)
	}
	return a
}

// TestInvokedAs pins how hints name the program: as typed, and as go run when go run built it.
func TestInvokedAs(t *testing.T) {
	t.Parallel()
	for arg0, want := range map[string]string{
		"":                      "roster",
		"roster":                "roster",
		"bin/roster":            "bin/roster",
		"/usr/local/bin/roster": "/usr/local/bin/roster",
		"/tmp/go-build1665707429/b001/exe/roster": "go run ./cmd/roster",
	} {
		if got := invokedAs(arg0); got != want {
			t.Errorf("invokedAs(%q) = %q, want %q", arg0, got, want)
		}
	}
	// A hint of the CLI names it so too.
	inv := invokeAs(t.Context(), "bin/roster", []string{"users", "list", "--org", "x"}, map[string]string{})
	if inv.code != 2 || !strings.Contains(inv.stderr, "(create one with bin/roster token create)") {
		t.Errorf("without a token: exit %d, %s", inv.code, inv.stderr)
	}
}
