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

	"roster"
	"roster/internal/provision"
	"roster/internal/worker"
)

// ccScenarios build the contact center of an organization (sites, teams, profiles), change
// agents one by one and through the update template, and synchronize.
var ccScenarios = []scenario{
	{name: "cc-create-org", token: "system", save: saveID("acme"),
		args: []string{"orgs", "create", "--name", "Acme", "--send-welcome-email=false"}},
	{name: "cc-add-user-ada", save: saveID("ada"),
		args: []string{"users", "add", "ada@example.com", "--org", "{acme}", "--first-name", "Ada", "--license", "premium"}},
	{name: "cc-add-user-bo", save: saveID("bo"),
		args: []string{"users", "add", "bo@example.com", "--org", "{acme}", "--first-name", "Bo", "--license", "standard"}},
	{name: "cc-details", setup: makeCLIAgents, args: []string{"cc", "details", "--org", "{acme}"}},
	{name: "cc-sites-list-empty", args: []string{"cc", "sites", "list", "--org", "{acme}"}},
	{name: "cc-sites-create", args: []string{"cc", "sites", "create", "Stockholm", "--org", "{acme}"}},
	{name: "cc-sites-create-second", args: []string{"cc", "sites", "create", "Oslo", "--org", "{acme}"}},
	{name: "cc-sites-create-taken", code: 1, args: []string{"cc", "sites", "create", "STOCKHOLM", "--org", "{acme}"}},
	{name: "cc-sites-create-read-only", token: "read_only:acme", code: 1, args: []string{"cc", "sites", "create", "Bergen", "--org", "{acme}"}},
	{name: "cc-sites-rename", args: []string{"cc", "sites", "rename", "oslo", "Oslo S", "--org", "{acme}"}},
	{name: "cc-sites-list", args: []string{"cc", "sites", "list", "--org", "{acme}"}},
	{name: "cc-teams-create", args: []string{"cc", "teams", "create", "Tier 1", "--site", "Stockholm", "--org", "{acme}"}},
	{name: "cc-teams-create-second", args: []string{"cc", "teams", "create", "Fjord", "--site", "Oslo S", "--org", "{acme}"}},
	{name: "cc-teams-create-no-site", code: 2, args: []string{"cc", "teams", "create", "Tier 2", "--org", "{acme}"}},
	{name: "cc-teams-list", args: []string{"cc", "teams", "list", "--org", "{acme}"}},
	{name: "cc-teams-list-site", args: []string{"cc", "teams", "list", "--site", "stockholm", "--org", "{acme}"}},
	{name: "cc-skill-profiles-create", args: []string{"cc", "skill-profiles", "create", "Sales", "--org", "{acme}"}},
	{name: "cc-agent-profiles-create", args: []string{"cc", "agent-profiles", "create", "Default", "--org", "{acme}", "--json"}},
	{name: "cc-multimedia-profiles-create", args: []string{"cc", "multimedia-profiles", "create", "Voice only", "--org", "{acme}"}},
	{name: "cc-multimedia-profiles-list", args: []string{"cc", "multimedia-profiles", "list", "--org", "{acme}"}},

	{name: "cc-agents-list", args: []string{"cc", "agents", "list", "--org", "{acme}"}},
	{name: "cc-agents-update", args: []string{"cc", "agents", "update", "ada@example.com", "--org", "{acme}", "--site", "Stockholm",
		"--teams", "Tier 1", "--skill-profile", "sales", "--external-id", "E-1", "--dial-number", "+46701234567"}},
	{name: "cc-agents-update-other-site-team", code: 1, args: []string{"cc", "agents", "update", "{ada}", "--org", "{acme}", "--teams", "Fjord"}},
	{name: "cc-agents-update-bad-number", code: 1, args: []string{"cc", "agents", "update", "{ada}", "--org", "{acme}", "--dial-number", "46701234567"}},
	{name: "cc-agents-update-unknown-site", code: 1, args: []string{"cc", "agents", "update", "{ada}", "--org", "{acme}", "--site", "Paris"}},
	{name: "cc-agents-update-nothing", code: 2, args: []string{"cc", "agents", "update", "{ada}", "--org", "{acme}"}},
	{name: "cc-agents-get", args: []string{"cc", "agents", "get", "{ada}", "--org", "{acme}"}},
	{name: "cc-agents-get-json", args: []string{"cc", "agents", "get", "bo@example.com", "--org", "{acme}", "--json"}},
	{name: "cc-sites-delete-in-use", code: 1, args: []string{"cc", "sites", "delete", "Stockholm", "--org", "{acme}"}},
	{name: "cc-teams-delete-in-use", code: 1, args: []string{"cc", "teams", "delete", "Tier 1", "--org", "{acme}"}},
	{name: "cc-agents-export", args: []string{"cc", "agents", "export", "--org", "{acme}"}},
	{name: "cc-agents-export-dash", file: "-", args: []string{"cc", "agents", "export", "--org", "{acme}", "-o", "-"}},
	{name: "cc-agents-export-file", args: []string{"cc", "agents", "export", "--org", "{acme}", "-o", "{dir}/agents.csv"}, file: "{dir}/agents.csv"},
	{name: "cc-agents-upload-dry-run", code: 3, setup: writeAgentFile, args: []string{"cc", "agents", "upload", "{dir}/edited.csv", "--org", "{acme}", "--dry-run", "--wait"},
		save: map[string]*regexp.Regexp{"dry": taskLine}},
	{name: "cc-agents-upload-dry-run-report", args: []string{"tasks", "report", "{dry}", "--org", "{acme}"}},
	{name: "cc-agents-upload", code: 3, args: []string{"cc", "agents", "upload", "{dir}/edited.csv", "--org", "{acme}", "--wait"}},
	{name: "cc-agents-list-after-upload", args: []string{"cc", "agents", "list", "--org", "{acme}"}},
	{name: "cc-agents-list-help", args: []string{"cc", "agents", "list", "-h"}},
	{name: "cc-agents-list-cc-enabled-false", args: []string{"cc", "agents", "list", "--org", "{acme}", "--cc-enabled=false"}},
	{name: "cc-agents-list-cc-enabled", args: []string{"cc", "agents", "list", "--org", "{acme}", "--cc-enabled"}},
	{name: "cc-agents-list-every-filter", args: []string{"cc", "agents", "list", "--org", "{acme}", "--site", "oslo s", "--team", "Fjord",
		"--profile-type", "standard_agent", "--active", "--cc-enabled=false"}},
	{name: "cc-agents-list-no-match", args: []string{"cc", "agents", "list", "--org", "{acme}", "--site", "Stockholm", "--active=false"}},
	{name: "cc-agents-list-unknown-site", code: 1, args: []string{"cc", "agents", "list", "--org", "{acme}", "--site", "Paris"}},
	{name: "cc-agents-list-bad-profile-type", code: 1, args: []string{"cc", "agents", "list", "--org", "{acme}", "--profile-type", "boss"}},
	{name: "cc-agents-list-bad-cc-enabled", code: 2, args: []string{"cc", "agents", "list", "--org", "{acme}", "--cc-enabled=maybe"}},
	{name: "cc-agents-upload-queued", args: []string{"cc", "agents", "upload", "{dir}/edited.csv", "--org", "{acme}"}},
	{name: "cc-agents-upload-read-only", token: "read_only:acme", code: 1, args: []string{"cc", "agents", "upload", "{dir}/edited.csv", "--org", "{acme}"}},
	{name: "cc-teams-create-spare", args: []string{"cc", "teams", "create", "Spare", "--site", "Oslo S", "--org", "{acme}"}},
	{name: "cc-teams-delete", args: []string{"cc", "teams", "delete", "spare", "--org", "{acme}"}},
	{name: "cc-sites-delete-unknown", code: 1, args: []string{"cc", "sites", "delete", "Paris", "--org", "{acme}"}},
	{name: "cc-sync", args: []string{"sync", "--org", "{acme}"}},
	{name: "cc-sync-again", code: 1, args: []string{"sync", "--org", "{acme}"}},
	{name: "cc-sync-read-only", token: "read_only:acme", code: 1, args: []string{"sync", "--org", "{acme}"}},
	{name: "cc-sync-no-org", code: 2, args: []string{"sync"}},
	{name: "cc-no-subcommand", code: 2, args: []string{"cc"}},
	{name: "cc-unknown-subcommand", code: 2, args: []string{"cc", "sites", "move"}},
	{name: "cc-help", args: []string{"cc", "agents", "update", "-h"}},
	{name: "cc-help-family", args: []string{"cc", "-h"}},
	{name: "cc-sites-help-family", args: []string{"cc", "sites", "--help"}},
	{name: "cc-details-help", args: []string{"cc", "details", "-h"}},
}

// makeCLIAgents gives Ada and Bo agents directly in the store, as sync will.
func makeCLIAgents(t *testing.T, e *cliEnv) {
	t.Helper()
	ctx := context.Background()
	var agents []*roster.Agent
	for _, name := range []string{"ada", "bo"} {
		u, err := e.store.FindUserByID(ctx, e.vars["acme"], e.vars[name])
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
		agents = append(agents, &roster.Agent{UserID: u.ID, OrgID: u.OrgID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
			ProfileType: u.ProfileType(), Active: true, ContactCenterEnabled: true, CreatedAt: now, UpdatedAt: now, Version: 1})
	}
	if err := e.store.Write(ctx, func(tx roster.Tx) error { return tx.CreateAgents(ctx, agents) }); err != nil {
		t.Fatal(err)
	}
}

// writeAgentFile writes {dir}/edited.csv: the export as a Swedish spreadsheet saves it after
// edits (semicolons, SANT/FALSKT): Bo moves to Oslo S and Fjord, Ada names an unknown profile.
func writeAgentFile(t *testing.T, e *cliEnv) {
	t.Helper()
	content := "Email;Contact Center Enabled;Site;Teams;Skill Profile;Agent Profile\r\n" +
		"ada@example.com;SANT;Stockholm;Tier 1;Gold;\r\n" +
		"bo@example.com;FALSKT;oslo s;fjord;;default\r\n" +
		"nobody@example.com;;;;;\r\n"
	if err := os.WriteFile(filepath.Join(e.vars["dir"], "edited.csv"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCCCommand runs the cc and sync commands against a server with a worker for agent
// uploads, and compares their outputs with the golden files. The synchronization the worker
// takes runs until the test ends, so that a second one is refused whenever it comes.
func TestCCCommand(t *testing.T) {
	t.Parallel()
	e := newCLIEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	handlers := map[string]worker.Handler{
		provision.KindAgentUpload: worker.HandlerFunc(e.svc.RunAgentUpload),
		provision.KindSynchronize: worker.HandlerFunc(func(ctx context.Context, _ *worker.Run) error {
			<-ctx.Done()
			return ctx.Err()
		}),
	}
	wg.Go(func() {
		_ = worker.New(e.store, handlers, worker.Options{Poll: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}).Run(ctx)
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	dir := t.TempDir()
	e.vars["dir"] = dir
	for _, sc := range ccScenarios {
		// Not parallel: each scenario starts from the state the ones before it left.
		t.Run(sc.name, func(t *testing.T) { runScenario(t, e, dir, sc) })
	}
}
