package main

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/server"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

// cliEnv is a real server on a random port over a real, migrated SQLite store, and the values
// the scenarios of a test save for the ones after them.
type cliEnv struct {
	url    string
	svc    *provision.Service
	store  *sqldb.DB
	vars   map[string]string // {name} in the arguments of a scenario
	tokens map[string]string // secrets by token spec, minted on first use
}

func newCLIEnv(t *testing.T) *cliEnv {
	t.Helper()
	store := sqldbtest.Open(t, "sqlite")
	svc := provision.New(store, provision.WithLogger(slog.New(slog.DiscardHandler)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Service: svc, Store: store, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	// Registered after sqldbtest's cleanup, so it runs first: the server stops before the
	// store closes.
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &cliEnv{url: "http://" + ln.Addr().String(), svc: svc, store: store,
		vars: map[string]string{}, tokens: map[string]string{}}
}

// token returns the secret of a token spec: "system" (an installation token), "ROLE:ORG" (a
// token of the organization saved as ORG, with the administrator role ROLE), "none" (no token)
// or "bad" (a secret the server never issued). Tokens are minted as `roster token create`
// mints them, by the installation through the CLI.
func (e *cliEnv) token(t *testing.T, spec string) string {
	t.Helper()
	switch spec {
	case "none":
		return ""
	case "bad":
		return "rst_thisTokenWasNeverIssuedByTheServer000000"
	}
	if s, ok := e.tokens[spec]; ok {
		return s
	}
	in := provision.NewToken{System: true}
	if spec != "system" {
		role, org, ok := strings.Cut(spec, ":")
		if !ok || e.vars[org] == "" {
			t.Fatalf("token spec %q: want system, none, bad or ROLE:ORG of a saved organization", spec)
		}
		in = provision.NewToken{OrgID: e.vars[org], Role: roster.AdminRole(role)}
	}
	_, secret, err := e.svc.CreateToken(context.Background(), provision.System(roster.ViaCLI), in)
	if err != nil {
		t.Fatalf("mint token %s: %v", spec, err)
	}
	e.tokens[spec] = secret
	return secret
}

// expand replaces each {name} in args by the value an earlier scenario saved.
func (e *cliEnv) expand(t *testing.T, args []string) []string {
	t.Helper()
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = placeholderRE.ReplaceAllStringFunc(a, func(m string) string {
			v, ok := e.vars[m[1:len(m)-1]]
			if !ok {
				t.Fatalf("%s: no earlier scenario saved it", m)
			}
			return v
		})
	}
	return out
}

var placeholderRE = regexp.MustCompile(`\{[a-z]+\}`)

// scenario is one command line against the server.
type scenario struct {
	name  string   // of the golden file, testdata/<name>.golden
	token string   // token spec (see cliEnv.token); "" is full:acme
	args  []string // {name} is a value saved by an earlier scenario
	code  int      // expected exit code
	save  map[string]*regexp.Regexp
	file  string            // a file the command writes ({dir} is a temporary folder): shown after the outputs
	env   map[string]string // environment variables besides ROSTER_SERVER and ROSTER_TOKEN, which they override
	// setup, when set, prepares the state before the command runs, such as tasks that only a
	// worker could otherwise create.
	setup func(t *testing.T, e *cliEnv)
}

var (
	idLine     = regexp.MustCompile(`(?m)^ID: +(\S+)$`)
	jsonID     = regexp.MustCompile(`"id": "([^"]+)"`)
	cursorText = regexp.MustCompile(`--cursor (\S+)`)
)

// saveID saves the id that a details view prints as name.
func saveID(name string) map[string]*regexp.Regexp { return map[string]*regexp.Regexp{name: idLine} }

// remoteScenarios tell a story: two organizations are created, Acme ("new" platform, 2
// premium seats) and Legacy ("1.0"), then users of Acme are added, listed, changed and
// removed, and every refusal is tried where the state makes it happen.
var remoteScenarios = []scenario{
	// Organizations.
	{name: "orgs-create", token: "system", save: saveID("acme"),
		args: []string{"orgs", "create", "--name", "Acme", "--platform", "new", "--premium-seats", "2", "--language", "sv"}},
	{name: "orgs-create-legacy", token: "system", save: map[string]*regexp.Regexp{"legacy": jsonID},
		args: []string{"orgs", "create", "--name", "Legacy", "--platform", "1.0", "--json"}},
	{name: "orgs-create-org-token", code: 1, args: []string{"orgs", "create", "--name", "Rogue"}},
	{name: "orgs-get", args: []string{"orgs", "get", "{acme}"}},
	{name: "orgs-get-json", args: []string{"orgs", "get", "--json", "{acme}"}},
	{name: "orgs-list-system", token: "system", args: []string{"orgs", "list"}},
	{name: "orgs-list-org-token", args: []string{"orgs", "list", "--json"}},
	{name: "orgs-update", token: "system",
		args: []string{"orgs", "update", "{acme}", "--name", "Acme AB", "--standard-seats", "5", "--send-welcome-email=false"}},
	{name: "orgs-update-seats-org-token", code: 1, args: []string{"orgs", "update", "{acme}", "--premium-seats", "100"}},
	{name: "orgs-update-language", args: []string{"orgs", "update", "{acme}", "--language", "en"}},
	// Acme manages Legacy as its partner for a while; only the installation assigns partners.
	{name: "orgs-update-partner", token: "system", args: []string{"orgs", "update", "{legacy}", "--partner", "{acme}"}},
	{name: "orgs-update-partner-org-token", code: 1, args: []string{"orgs", "update", "{acme}", "--partner", "{legacy}"}},
	{name: "orgs-update-partner-self", token: "system", code: 1, args: []string{"orgs", "update", "{acme}", "--partner", "{acme}"}},
	{name: "orgs-update-partner-none", token: "system", args: []string{"orgs", "update", "{legacy}", "--partner", ""}},
	{name: "orgs-get-missing-id", code: 2, args: []string{"orgs", "get"}},
	{name: "orgs-unknown-subcommand", code: 2, args: []string{"orgs", "remove", "{acme}"}},

	// Users: add, with every flag, then two more.
	{name: "users-add-all-flags", save: saveID("ada"), args: []string{"users", "add", "--org", "{acme}", "Ada@Example.com",
		"--first-name", "Ada", "--last-name", "Lovelace", "--display-name", "Ada L.", "--phone", "+46701234567",
		"--title", "Engineer", "--department", "R&D", "--language", "en", "--license", "premium", "--cc-role", "supervisor"}},
	{name: "users-add-second", save: saveID("grace"),
		args: []string{"users", "add", "grace@example.com", "--org", "{acme}", "--first-name", "Grace", "--last-name", "Hopper", "--license", "standard"}},
	{name: "users-add-no-license", save: saveID("linus"),
		args: []string{"users", "add", "--org", "{acme}", "linus@example.com", "--first-name", "Linus"}},
	// Invitations: Acme's welcome email is off (orgs-update), so nobody was invited when added;
	// a resend invites a pending user all the same.
	{name: "invitations-list", args: []string{"invitations", "list", "--org", "{acme}"}},
	{name: "invitations-resend", args: []string{"invitations", "resend", "--org", "{acme}", "--user", "linus@example.com"}},
	{name: "invitations-list-user", args: []string{"invitations", "list", "--org", "{acme}", "--user", "linus@example.com"}},
	{name: "invitations-list-read-only", token: "read_only:acme", args: []string{"invitations", "list", "--org", "{acme}"}},
	{name: "invitations-resend-read-only", token: "read_only:acme", code: 1,
		args: []string{"invitations", "resend", "--org", "{acme}", "--user", "linus@example.com"}},
	{name: "invitations-resend-no-user", code: 2, args: []string{"invitations", "resend", "--org", "{acme}"}},
	{name: "invitations-resend-all", args: []string{"invitations", "resend", "--org", "{acme}", "--all-pending"}},
	{name: "invitations-no-subcommand", code: 2, args: []string{"invitations"}},
	{name: "users-add-two-emails", code: 2, args: []string{"users", "add", "--org", "{acme}", "a@example.com", "b@example.com"}},

	// Users: list.
	{name: "users-list", args: []string{"users", "list", "--org", "{acme}"}},
	{name: "users-list-json", args: []string{"users", "list", "--org", "{acme}", "--json"}},
	{name: "users-list-license", args: []string{"users", "list", "--org", "{acme}", "--license", "premium"}},
	{name: "users-list-cc-role", args: []string{"users", "list", "--org", "{acme}", "--cc-role", "agent"}},
	{name: "users-list-q", args: []string{"users", "list", "--org", "{acme}", "--q", "HOP"}},
	{name: "users-list-status", args: []string{"users", "list", "--org", "{acme}", "--status", "inactive"}},
	{name: "users-list-bad-filter", code: 1, args: []string{"users", "list", "--org", "{acme}", "--license", "gold"}},
	{name: "users-list-limit", save: map[string]*regexp.Regexp{"cursor": cursorText},
		args: []string{"users", "list", "--org", "{acme}", "--limit", "2"}},
	{name: "users-list-cursor", args: []string{"users", "list", "--org", "{acme}", "--limit", "2", "--cursor", "{cursor}"}},
	{name: "users-list-limit-json", args: []string{"users", "list", "--org", "{acme}", "--limit", "1", "--json"}},
	{name: "users-list-all", args: []string{"users", "list", "--org", "{acme}", "--limit", "1", "--all"}},
	{name: "users-list-read-only", token: "read_only:acme", args: []string{"users", "list", "--org", "{acme}", "--admin-role", "none"}},

	// Users: add or modify several at once. linus gets standard (updated), grace has it
	// (unchanged), frank is new (created), and two entries fail.
	{name: "users-batch", code: 3,
		args: []string{"users", "batch", "--org", "{acme}", "--license", "standard",
			"frank@example.com", "linus@example.com", "grace@example.com", "not-an-email", "FRANK@example.com"}},
	{name: "users-batch-json-failed", code: 3,
		args: []string{"users", "batch", "--org", "{acme}", "--json", "frank@example.com", "x@"}},
	{name: "users-batch-no-choice", args: []string{"users", "batch", "--org", "{acme}", "frank@example.com", "ada@example.com"}},
	{name: "users-batch-supervisor-standard", code: 1,
		args: []string{"users", "batch", "--org", "{acme}", "--license", "standard", "--cc-role", "supervisor", "frank@example.com"}},
	{name: "users-batch-no-email", code: 2, args: []string{"users", "batch", "--org", "{acme}", "--license", "standard"}},

	// Users: get.
	{name: "users-get-id", args: []string{"users", "get", "{grace}", "--org", "{acme}"}},
	{name: "users-get-email", args: []string{"users", "get", "--org", "{acme}", "ADA@example.com"}},
	{name: "users-get-json", args: []string{"users", "get", "--org", "{acme}", "--json", "linus@example.com"}},
	{name: "users-get-unknown-email", code: 1, args: []string{"users", "get", "--org", "{acme}", "nobody@example.com"}},
	{name: "users-get-unknown-id", code: 1, args: []string{"users", "get", "--org", "{acme}", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}},

	// Users: update.
	{name: "users-update-license", args: []string{"users", "update", "--org", "{acme}", "grace@example.com", "--license", "premium"}},
	{name: "users-update-cc-role", args: []string{"users", "update", "--org", "{acme}", "{grace}", "--cc-role", "supervisor"}},
	{name: "users-update-admin-role", args: []string{"users", "update", "--org", "{acme}", "linus@example.com", "--admin-role", "read_only"}},
	{name: "users-update-phone", args: []string{"users", "update", "--org", "{acme}", "linus@example.com", "--phone", "+31201234567", "--json"}},
	{name: "users-update-nothing", code: 2, args: []string{"users", "update", "--org", "{acme}", "linus@example.com", "--json"}},
	{name: "users-update-cc-service", token: "cc_service:acme",
		args: []string{"users", "update", "--org", "{acme}", "linus@example.com", "--license", "none"}},
	{name: "users-update-name-cc-service", token: "cc_service:acme", code: 1,
		args: []string{"users", "update", "--org", "{acme}", "linus@example.com", "--first-name", "Lin"}},

	// Refusals of the rules.
	{name: "refuse-role-requires-premium", code: 1, args: []string{"users", "add", "--org", "{acme}", "bob@example.com",
		"--license", "standard", "--cc-role", "supervisor"}},
	{name: "refuse-supervisor-loses-premium", code: 1, args: []string{"users", "update", "--org", "{acme}", "grace@example.com",
		"--license", "standard"}},
	{name: "refuse-admin-role-flag-on-add", code: 2, args: []string{"users", "add", "--org", "{acme}", "bob@example.com",
		"--admin-role", "full"}},
	{name: "legacy-add-supervisor", token: "full:legacy", args: []string{"users", "add", "--org", "{legacy}", "sam@example.com",
		"--license", "premium", "--cc-role", "supervisor"}},
	{name: "refuse-supervisor-admin-exclusive", token: "full:legacy", code: 1,
		args: []string{"users", "update", "--org", "{legacy}", "sam@example.com", "--admin-role", "full"}},
	{name: "refuse-no-seats-available", code: 1, args: []string{"users", "add", "--org", "{acme}", "carol@example.com",
		"--license", "premium"}},
	{name: "refuse-email-in-other-org", token: "full:legacy", code: 1,
		args: []string{"users", "add", "--org", "{legacy}", "ada@example.com"}},
	{name: "refuse-email-exists", code: 1, args: []string{"users", "add", "--org", "{acme}", "grace@EXAMPLE.com"}},
	{name: "refuse-invalid-email", code: 1, args: []string{"users", "add", "--org", "{acme}", "not-an-email"}},
	{name: "refuse-phone-without-plus", code: 1, args: []string{"users", "add", "--org", "{acme}", "dave@example.com",
		"--phone", "46701234567"}},
	{name: "refuse-several-fields", code: 1, args: []string{"users", "add", "--org", "{acme}", "dave@example.com",
		"--language", "de", "--first-name", " Dave"}},
	{name: "refuse-read-only-add", token: "read_only:acme", code: 1, args: []string{"users", "add", "--org", "{acme}", "dave@example.com"}},

	// Deactivate, reactivate, delete.
	{name: "users-deactivate", args: []string{"users", "deactivate", "--org", "{acme}", "linus@example.com"}},
	{name: "users-list-inactive", args: []string{"users", "list", "--org", "{acme}", "--status", "inactive"}},
	{name: "users-reactivate", args: []string{"users", "reactivate", "--org", "{acme}", "{linus}"}},
	{name: "users-delete", args: []string{"users", "delete", "--org", "{acme}", "frank@example.com"}},
	{name: "users-delete-again", code: 1, args: []string{"users", "delete", "--org", "{acme}", "frank@example.com"}},
	{name: "orgs-get-after", args: []string{"orgs", "get", "{acme}"}},

	// Export.
	{name: "export-stdout", args: []string{"export", "--org", "{acme}"}},
	{name: "export-file", file: "{dir}/acme.csv", args: []string{"export", "--org", "{acme}", "-o", "{dir}/acme.csv"}},
	{name: "export-read-only", token: "read_only:acme", args: []string{"export", "--org", "{acme}"}},
	{name: "export-other-org-token", token: "full:legacy", code: 1, file: "{dir}/other.csv",
		args: []string{"export", "--org", "{acme}", "-o", "{dir}/other.csv"}},
	{name: "export-missing-org", code: 2, args: []string{"export"}},
	{name: "export-argument", code: 2, args: []string{"export", "--org", "{acme}", "users.csv"}},
	{name: "export-help", args: []string{"export", "-h"}},
	// - is standard output, not a file named "-".
	{name: "export-stdout-dash", file: "-", args: []string{"export", "--org", "{acme}", "-o", "-"}},

	// Tasks. No import exists yet, so the tasks are made directly in the store.
	{name: "tasks-list-empty", args: []string{"tasks", "list", "--org", "{acme}"}},
	{name: "tasks-list", setup: createTasks, args: []string{"tasks", "list", "--org", "{acme}"}},
	{name: "tasks-list-state", token: "read_only:acme", args: []string{"tasks", "list", "--org", "{acme}", "--state", "running"}},
	{name: "tasks-list-bad-state", code: 1, args: []string{"tasks", "list", "--org", "{acme}", "--state", "done"}},
	{name: "tasks-get", args: []string{"tasks", "get", "{done}", "--org", "{acme}"}},
	{name: "tasks-get-failed", args: []string{"tasks", "get", "--org", "{acme}", "{failed}"}},
	{name: "tasks-get-json", args: []string{"tasks", "get", "--org", "{acme}", "--json", "{running}"}},
	{name: "tasks-get-unknown", code: 1, args: []string{"tasks", "get", "--org", "{acme}", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}},
	{name: "tasks-get-missing-id", code: 2, args: []string{"tasks", "get", "--org", "{acme}"}},
	{name: "tasks-cancel", args: []string{"tasks", "cancel", "--org", "{acme}", "{queued}"}},
	{name: "tasks-cancel-cc-service", token: "cc_service:acme", args: []string{"tasks", "cancel", "--org", "{acme}", "{running}"}},
	{name: "tasks-cancel-read-only", token: "read_only:acme", code: 1, args: []string{"tasks", "cancel", "--org", "{acme}", "{running}"}},
	{name: "tasks-cancel-finished", code: 1, args: []string{"tasks", "cancel", "--org", "{acme}", "{done}"}},
	{name: "tasks-report-stdout", args: []string{"tasks", "report", "--org", "{acme}", "{done}"}},
	{name: "tasks-report-file", file: "{dir}/report.csv", args: []string{"tasks", "report", "--org", "{acme}", "{done}", "-o", "{dir}/report.csv"}},
	{name: "tasks-report-stdout-dash", file: "-", args: []string{"tasks", "report", "--org", "{acme}", "{done}", "-o", "-"}},
	{name: "tasks-report-other-org-token", token: "full:legacy", code: 1, file: "{dir}/other-report.csv",
		args: []string{"tasks", "report", "--org", "{acme}", "{done}", "-o", "{dir}/other-report.csv"}},
	{name: "tasks-list-other-org-token", token: "full:legacy", code: 1, args: []string{"tasks", "list", "--org", "{acme}"}},
	{name: "tasks-get-other-org-token", token: "full:legacy", code: 1, args: []string{"tasks", "get", "--org", "{legacy}", "{done}"}},
	{name: "tasks-cancel-other-org-token", token: "full:legacy", code: 1, args: []string{"tasks", "cancel", "--org", "{acme}", "{running}"}},
	{name: "tasks-no-subcommand", code: 2, args: []string{"tasks"}},
	{name: "tasks-help", args: []string{"tasks", "report", "-h"}},
	{name: "tasks-help-family", args: []string{"tasks", "-h"}},

	// Mistakes on the command line, and tokens that may not do it.
	{name: "unknown-command", code: 2, args: []string{"frobnicate"}},
	{name: "users-unknown-subcommand", code: 2, args: []string{"users", "purge", "--org", "{acme}"}},
	{name: "users-no-subcommand", code: 2, args: []string{"users"}},
	{name: "users-unknown-flag", code: 2, args: []string{"users", "list", "--org", "{acme}", "--colour"}},
	{name: "users-help", args: []string{"users", "list", "-h"}},
	// A command with subcommands answers -h, --help and help with its usage.
	{name: "users-help-family", args: []string{"users", "-h"}},
	{name: "users-help-family-long", args: []string{"users", "--help"}},
	{name: "users-help-family-word", args: []string{"users", "help"}},
	{name: "orgs-help-family", args: []string{"orgs", "-h"}},
	{name: "invitations-help-family", args: []string{"invitations", "--help"}},
	// A subcommand's help names its arguments, from the command's usage table.
	{name: "users-add-help", args: []string{"users", "add", "-h"}},
	{name: "users-reactivate-help", args: []string{"users", "reactivate", "-h"}},
	{name: "missing-org", code: 2, args: []string{"users", "list"}},
	{name: "missing-token", token: "none", code: 2, args: []string{"users", "list", "--org", "{acme}"}},
	{name: "wrong-token", token: "bad", code: 1, args: []string{"users", "list", "--org", "{acme}"}},
	{name: "other-org-token", token: "full:legacy", code: 1, args: []string{"users", "list", "--org", "{acme}"}},
	{name: "other-org-token-get", token: "full:legacy", code: 1, args: []string{"orgs", "get", "{acme}"}},
	{name: "server-unreachable", code: 1, args: []string{"users", "list", "--org", "{acme}", "--server", "http://127.0.0.1:1"}},
	{name: "bad-server-url", code: 2, args: []string{"users", "list", "--org", "{acme}", "--server", "127.0.0.1:1"}},
	{name: "server-unreachable-env", code: 1, args: []string{"orgs", "get", "{acme}"}, env: map[string]string{"ROSTER_SERVER": "http://127.0.0.1:1/"}},

	// Only the ids, for scripts: ORG=$(roster orgs create … --id-only).
	{name: "orgs-create-id-only", token: "system", args: []string{"orgs", "create", "--name", "Scripted", "--id-only"}},
	{name: "users-list-id-only", args: []string{"users", "list", "--org", "{acme}", "--id-only"}},
	{name: "orgs-list-id-only", args: []string{"orgs", "list", "--id-only"}},

	// One identity per person: an address is one address however its domain is spelt, and
	// invisible characters are refused; so are cursors no list gave out.
	{name: "identity-add-unicode-domain", args: []string{"users", "add", "--org", "{acme}", "Åsa@Bücher.example", "--first-name", "Åsa"}},
	{name: "identity-refuse-punycode-other-org", token: "full:legacy", code: 1,
		args: []string{"users", "add", "--org", "{legacy}", "åsa@xn--bcher-kva.example"}},
	{name: "identity-get-punycode", args: []string{"users", "get", "--org", "{acme}", "ÅSA@xn--bcher-kva.example"}},
	{name: "identity-refuse-zero-width", code: 1, args: []string{"users", "add", "--org", "{acme}", "ad\u200bmin@example.com"}},
	{name: "identity-refuse-hidden-name", code: 1,
		args: []string{"users", "add", "--org", "{acme}", "eve@example.com", "--last-name", "Eve\u202etxt.exe"}},
	{name: "users-list-bad-cursor", code: 1, args: []string{"users", "list", "--org", "{acme}", "--cursor", "bm90LWEtY3Vyc29y"}},
	{name: "groups-list-bad-cursor", code: 1, args: []string{"groups", "list", "--org", "{acme}", "--cursor", "bm90LWEtY3Vyc29y"}},
}

// createTasks stores four tasks of Acme, oldest first, as the import will create them, and
// saves their ids as {done} (completed with errors, with a report), {failed}, {running} and
// {queued}.
func createTasks(t *testing.T, e *cliEnv) {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	tasks := []struct {
		name string
		task roster.Task
		rows []*roster.TaskRow
	}{
		{"done", roster.Task{State: roster.TaskCompletedWithErrors, Progress: roster.TaskProgress{Done: 3, Total: 3},
			Counts: roster.TaskCounts{Created: 1, Updated: 1, Errors: 1}, StartedAt: start, FinishedAt: start.Add(time.Second)},
			[]*roster.TaskRow{
				{Row: 2, Email: "ada@example.com", Outcome: "updated"},
				{Row: 3, Email: "new@example.com", Outcome: "created"},
				{Row: 4, Email: "=cmd@example.com", Outcome: "error", Code: roster.CodeInvalid, Message: "The email address is not valid."},
			}},
		{"failed", roster.Task{State: roster.TaskFailed, StartedAt: start, FinishedAt: start.Add(time.Second),
			Error: "The file is not a CSV file."}, nil},
		{"running", roster.Task{State: roster.TaskRunning, Progress: roster.TaskProgress{Done: 250, Total: 1000},
			Counts: roster.TaskCounts{Created: 200, Unchanged: 50}, StartedAt: start}, nil},
		{"queued", roster.Task{State: roster.TaskQueued}, nil},
	}
	for _, tc := range tasks {
		task := tc.task
		task.ID, task.OrgID, task.Kind, task.Params = roster.NewID(), e.vars["acme"], "users.import", json.RawMessage(`{}`)
		task.CreatedBy, task.CreatedAt = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a00", start
		for _, r := range tc.rows {
			r.TaskID = task.ID
		}
		err := e.store.Write(ctx, func(tx roster.Tx) error {
			if err := tx.CreateTask(ctx, &task); err != nil || len(tc.rows) == 0 {
				return err
			}
			return tx.CreateTaskRows(ctx, tc.rows)
		})
		if err != nil {
			t.Fatalf("create task %s: %v", tc.name, err)
		}
		e.vars[tc.name] = task.ID
	}
}

// TestRemote runs the remote commands against a real server and compares what they print and
// their exit codes with the golden files.
func TestRemote(t *testing.T) {
	t.Parallel()
	e := newCLIEnv(t)
	dir := t.TempDir()
	e.vars["dir"] = dir
	for _, sc := range remoteScenarios {
		// Not parallel: each scenario starts from the state the ones before it left.
		t.Run(sc.name, func(t *testing.T) { runScenario(t, e, dir, sc) })
	}

	// Changes made with the CLI are recorded in the audit log as made through the CLI.
	page, err := e.svc.AuditEntries(t.Context(), provision.System(roster.ViaCLI), roster.AuditFilter{OrgID: e.vars["acme"], Action: "user.create"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) == 0 {
		t.Fatal("no user.create in the audit log of Acme")
	}
	for _, a := range page.Entries {
		if a.Interface != roster.ViaCLI {
			t.Errorf("audit entry %s of %s: interface %q, want %q", a.Action, a.Target, a.Interface, roster.ViaCLI)
		}
	}
}

// runScenario runs one scenario on e, files under dir, and compares its outputs with its golden
// file.
func runScenario(t *testing.T, e *cliEnv, dir string, sc scenario) {
	t.Helper()
	spec := sc.token
	if spec == "" {
		spec = "full:acme"
	}
	if sc.setup != nil {
		sc.setup(t, e)
	}
	env := map[string]string{"ROSTER_SERVER": e.url, "ROSTER_TOKEN": e.token(t, spec)}
	maps.Copy(env, sc.env)
	inv := invoke(t.Context(), e.expand(t, sc.args), env)
	if inv.code != sc.code {
		t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", inv.code, sc.code, inv.stdout, inv.stderr)
	}
	for name, re := range sc.save {
		m := re.FindStringSubmatch(inv.stdout)
		if m == nil {
			t.Fatalf("save %s: no match of %s in stdout:\n%s", name, re, inv.stdout)
		}
		e.vars[name] = m[1]
	}
	out := inv.String()
	if sc.file != "" {
		name := e.expand(t, []string{sc.file})[0]
		b, err := os.ReadFile(name)
		switch {
		case err == nil:
			out += "-- file " + sc.file + " --\n" + withNewline(string(b))
		case errors.Is(err, fs.ErrNotExist):
			out += "-- file " + sc.file + " absent --\n"
		default:
			t.Fatal(err)
		}
	}
	// A temporary file of an export is renamed or removed, never left behind.
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	// The token spec heads the golden file: the output alone does not say whose it was.
	checkGolden(t, sc.name, "# token: "+spec+"\n"+normalize(out, map[string]string{e.url: "<server>", dir: "<dir>"}))
}
