package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"roster/internal/provision"
	"roster/internal/worker"
)

// groupScenarios follow automatic license assignment on an organization with one premium seat:
// groups are made, users join a premium group in group mode (one gets the seat, one waits for
// it), leave it again (the seat goes to the waiting one), and the org-wide template is applied
// to the existing users, first as a dry run, and reverted.
var groupScenarios = []scenario{
	{name: "groups-create-org", token: "system", save: saveID("acme"),
		args: []string{"orgs", "create", "--name", "Acme", "--premium-seats", "1", "--send-welcome-email=false"}},
	{name: "groups-create-other-org", token: "system", save: saveID("other"), args: []string{"orgs", "create", "--name", "Other"}},
	{name: "groups-add-user-ada", save: saveID("ada"),
		args: []string{"users", "add", "ada@example.com", "--org", "{acme}", "--first-name", "Ada", "--license", "standard"}},
	{name: "groups-add-user-grace", save: saveID("grace"),
		args: []string{"users", "add", "grace@example.com", "--org", "{acme}", "--first-name", "Grace"}},

	// Groups.
	{name: "groups-list-empty", args: []string{"groups", "list", "--org", "{acme}"}},
	{name: "groups-create", save: saveID("sup"), args: []string{"groups", "create", "Supervisors", "--org", "{acme}", "--license", "premium"}},
	{name: "groups-create-second", save: saveID("support"), args: []string{"groups", "create", "--org", "{acme}", "Support"}},
	{name: "groups-create-taken", code: 1, args: []string{"groups", "create", "SUPERVISORS", "--org", "{acme}"}},
	{name: "groups-create-bad-license", code: 1, args: []string{"groups", "create", "Gold", "--org", "{acme}", "--license", "gold"}},
	{name: "groups-create-read-only", token: "read_only:acme", code: 1, args: []string{"groups", "create", "X", "--org", "{acme}"}},
	{name: "groups-create-no-name", code: 2, args: []string{"groups", "create", "--org", "{acme}"}},
	{name: "groups-list", args: []string{"groups", "list", "--org", "{acme}"}},
	{name: "groups-list-q", args: []string{"groups", "list", "--org", "{acme}", "--q", "supp"}},
	{name: "groups-list-json", args: []string{"groups", "list", "--org", "{acme}", "--limit", "1", "--json"}},
	{name: "groups-get", args: []string{"groups", "get", "{sup}", "--org", "{acme}"}},
	{name: "groups-get-unknown", code: 1, args: []string{"groups", "get", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "--org", "{acme}"}},
	{name: "groups-update", args: []string{"groups", "update", "{support}", "--org", "{acme}", "--name", "Support EMEA", "--license", "standard"}},
	{name: "groups-update-nothing", code: 2, args: []string{"groups", "update", "{support}", "--org", "{acme}"}},
	{name: "groups-other-org-token", token: "full:other", code: 1, args: []string{"groups", "get", "{sup}", "--org", "{acme}"}},

	// Membership in group mode: Ada takes the one premium seat, Grace waits for it.
	{name: "templates-get-off", args: []string{"templates", "get", "--org", "{acme}"}},
	{name: "templates-set-group", args: []string{"templates", "set", "--org", "{acme}", "--mode", "group"}},
	{name: "groups-add", code: 3, args: []string{"groups", "add", "{sup}", "--org", "{acme}",
		"--user", "{ada}", "--email", "grace@example.com", "--email", "nobody@example.com"}},
	{name: "groups-add-again", args: []string{"groups", "add", "{sup}", "--org", "{acme}", "--email", "ADA@example.com"}},
	{name: "groups-add-file", setup: writeMembersFile, args: []string{"groups", "add", "{support}", "--org", "{acme}", "--file", "{dir}/members.txt"}},
	{name: "groups-add-no-users", code: 2, args: []string{"groups", "add", "{sup}", "--org", "{acme}"}},
	{name: "groups-add-missing-file", code: 1, args: []string{"groups", "add", "{sup}", "--org", "{acme}", "--file", "{dir}/nothing.txt"}},
	{name: "groups-members", args: []string{"groups", "members", "{sup}", "--org", "{acme}"}},
	{name: "groups-members-json", args: []string{"groups", "members", "{support}", "--org", "{acme}", "--json"}},
	{name: "groups-user-premium", args: []string{"users", "get", "ada@example.com", "--org", "{acme}"}},
	{name: "groups-user-waiting", args: []string{"users", "get", "{grace}", "--org", "{acme}"}},
	{name: "groups-users-of-group", args: []string{"users", "list", "--org", "{acme}", "--group", "{sup}"}},
	{name: "groups-refuse-license-inherited", code: 1,
		args: []string{"users", "update", "ada@example.com", "--org", "{acme}", "--license", "standard"}},
	{name: "groups-remove", args: []string{"groups", "remove", "{sup}", "--org", "{acme}", "--email", "ada@example.com"}},
	{name: "groups-user-seat-freed", args: []string{"users", "get", "grace@example.com", "--org", "{acme}"}},
	{name: "groups-user-left", args: []string{"users", "get", "ada@example.com", "--org", "{acme}"}},
	{name: "groups-delete", args: []string{"groups", "delete", "{support}", "--org", "{acme}"}},
	{name: "groups-delete-again", code: 1, args: []string{"groups", "delete", "{support}", "--org", "{acme}"}},

	// The org-wide template, applied to the existing users.
	{name: "templates-set-bad-mode", code: 2, args: []string{"templates", "set", "--org", "{acme}", "--mode", "auto"}},
	{name: "templates-set-org-no-license", code: 1, args: []string{"templates", "set", "--org", "{acme}", "--mode", "org"}},
	{name: "templates-set-org", args: []string{"templates", "set", "--org", "{acme}", "--mode", "org", "--license", "standard"}},
	{name: "templates-set-json", token: "cc_service:acme",
		args: []string{"templates", "set", "--org", "{acme}", "--mode", "org", "--license", "standard", "--json"}},
	{name: "templates-set-read-only", token: "read_only:acme", code: 1,
		args: []string{"templates", "set", "--org", "{acme}", "--mode", "off"}},
	{name: "templates-apply-preserve-dry-run",
		args: []string{"templates", "apply", "--org", "{acme}", "--dry-run", "--preserve-licenses", "--wait"}},
	{name: "templates-apply-dry-run", args: []string{"templates", "apply", "--org", "{acme}", "--dry-run", "--wait"}},
	{name: "templates-apply", save: map[string]*regexp.Regexp{"applied": taskLine},
		args: []string{"templates", "apply", "--org", "{acme}", "--wait"}},
	{name: "templates-apply-users", args: []string{"users", "list", "--org", "{acme}"}},
	{name: "templates-apply-report", args: []string{"tasks", "report", "{applied}", "--org", "{acme}"}},
	{name: "templates-revert", args: []string{"tasks", "revert", "{applied}", "--org", "{acme}", "--wait"}},
	{name: "templates-set-off", args: []string{"templates", "set", "--org", "{acme}", "--mode", "off"}},
	{name: "templates-apply-off", code: 1, args: []string{"templates", "apply", "--org", "{acme}", "--dry-run"}},
	{name: "templates-apply-read-only", token: "read_only:acme", code: 1, args: []string{"templates", "apply", "--org", "{acme}"}},
	{name: "templates-no-subcommand", code: 2, args: []string{"templates"}},
	{name: "templates-help", args: []string{"templates", "apply", "-h"}},
	{name: "groups-no-subcommand", code: 2, args: []string{"groups"}},
	{name: "groups-help", args: []string{"groups", "add", "-h"}},
	{name: "groups-help-family", args: []string{"groups", "-h"}},
	{name: "templates-help-family", args: []string{"templates", "help"}},
	{name: "groups-create-id-only", args: []string{"groups", "create", "Night shift", "--org", "{acme}", "--id-only"}},
}

// writeMembersFile writes {dir}/members.txt: Ada by email, Grace by id, a comment and a blank
// line.
func writeMembersFile(t *testing.T, e *cliEnv) {
	t.Helper()
	content := "# support team\nada@example.com\n\n" + e.vars["grace"] + "\n"
	if err := os.WriteFile(filepath.Join(e.vars["dir"], "members.txt"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestGroupsCommand runs the groups and templates commands against a server with a worker, as
// roster serve runs them, and compares their outputs with the golden files.
func TestGroupsCommand(t *testing.T) {
	t.Parallel()
	e := newCLIEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	handlers := map[string]worker.Handler{
		provision.KindApplyTemplate: worker.HandlerFunc(e.svc.RunApplyTemplate),
		provision.KindImportRevert:  worker.HandlerFunc(e.svc.RunRevert),
	}
	wg.Go(func() {
		_ = worker.New(e.store, handlers, worker.Options{Poll: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}).Run(ctx)
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	dir := t.TempDir()
	e.vars["dir"] = dir
	for _, sc := range groupScenarios {
		// Not parallel: each scenario starts from the state the ones before it left.
		t.Run(sc.name, func(t *testing.T) { runScenario(t, e, dir, sc) })
	}
}
