package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/internal/httpapi"
	"roster/internal/provision"
	"roster/internal/worker"
)

// importScenarios follow one file through a dry run, the import and its revert, on an
// organization with one premium seat, and try what must be refused.
var importScenarios = []scenario{
	{name: "import-create-org", token: "system", save: saveID("acme"),
		args: []string{"orgs", "create", "--name", "Acme", "--premium-seats", "1"}},
	// The file has errors: the dry run and the import complete with errors (exit code 3) and
	// list the first problems.
	{name: "import-dry-run", code: 3, args: []string{"import", "{dir}/people.csv", "--org", "{acme}", "--dry-run", "--wait"},
		save: map[string]*regexp.Regexp{"dry": taskLine}},
	{name: "import-dry-run-report", args: []string{"tasks", "report", "{dry}", "--org", "{acme}"}},
	{name: "import-wait", code: 3, args: []string{"import", "{dir}/people.csv", "--org", "{acme}", "--mode", "add_remove", "--wait"},
		save: map[string]*regexp.Regexp{"import": taskLine}},
	{name: "import-revert-dry-run", code: 1, args: []string{"tasks", "revert", "{dry}", "--org", "{acme}"}},
	{name: "import-revert", args: []string{"tasks", "revert", "{import}", "--org", "{acme}", "--wait"},
		save: map[string]*regexp.Regexp{"revert": taskLine}},
	// The finished revert did all it had to: the import's warning about the file named no user.
	{name: "import-revert-progress", args: []string{"tasks", "get", "{revert}", "--org", "{acme}"}},
	{name: "import-revert-again", code: 1, args: []string{"tasks", "revert", "{import}", "--org", "{acme}"}},
	// Saved by Excel in Windows-1252: letters the code page lacks are "?", which is not stored.
	{name: "import-code-page", args: []string{"import", "{dir}/people-1252.csv", "--org", "{acme}", "--wait"}},
	{name: "import-read-only", token: "read_only:acme", code: 1, args: []string{"import", "{dir}/people.csv", "--org", "{acme}"}},
	{name: "import-not-csv", code: 1, args: []string{"import", "{dir}/sheet.xlsx", "--org", "{acme}"}},
	{name: "import-missing-file", code: 1, args: []string{"import", "{dir}/nothing.csv", "--org", "{acme}"}},
	{name: "import-bad-mode", code: 2, args: []string{"import", "{dir}/people.csv", "--org", "{acme}", "--mode", "replace"}},
	{name: "import-no-file", code: 2, args: []string{"import", "--org", "{acme}"}},
	{name: "import-queued", args: []string{"import", "{dir}/people.csv", "--org", "{acme}"}},
}

var taskLine = regexp.MustCompile(`(?m)^Task (\S+)\.`)

// TestImportCommand runs the import commands against a server with a worker, as roster serve
// runs them, and compares their outputs with the golden files.
func TestImportCommand(t *testing.T) {
	t.Parallel()
	e := newCLIEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	handlers := map[string]worker.Handler{
		provision.KindImport:       worker.HandlerFunc(e.svc.RunImport),
		provision.KindImportRevert: worker.HandlerFunc(e.svc.RunRevert),
	}
	wg.Go(func() {
		_ = worker.New(e.store, handlers, worker.Options{Poll: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}).Run(ctx)
	})
	t.Cleanup(func() { cancel(); wg.Wait() })

	dir := t.TempDir()
	e.vars["dir"] = dir
	// As Excel saves a Dutch sheet: semicolons, WAAR/ONWAAR, a phone number without its +.
	people := "Voornaam;First Name;Last Name;User ID/Email (Required);Phone Number;Contact Center Standard Agent;Contact Center Premium Agent\r\n" +
		"x;Ada;Lovelace;ada@example.com;+46701234567;WAAR;ONWAAR\r\n" +
		"x;Grace;Hopper;grace@example.com;;ONWAAR;WAAR\r\n" +
		"x;Linus;T;linus@example.com;;;WAAR\r\n" +
		"x;Bad;Phone;phone@example.com;46701234567;;\r\n" +
		"x;Twice;Ada;ADA@example.com;;;\r\n"
	// As Excel saves an English sheet in Windows-1252: "?" for the letters of Łukasz Wąs and 李伟
	// that the code page lacks, and phone numbers without their +.
	people1252 := "First Name,Last Name,User ID/Email (Required),Phone Number,Department\r\n" +
		"?ukasz,W?s,lukasz@example.com,48601234567,S\xE4lj\r\n" +
		"??,Li,li@example.com,+8613800138000,Support\r\n"
	for name, content := range map[string]string{"people.csv": people, "people-1252.csv": people1252,
		"sheet.xlsx": "PK\x03\x04\x14\x00\x06\x00binary\x00\x00"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, sc := range importScenarios {
		t.Run(sc.name, func(t *testing.T) { runScenario(t, e, dir, sc) })
	}
}

// TestQueued pins what a command that starts a task prints without --wait, for the forms no
// scenario runs (a revert, a template application: their tasks would change what the
// scenarios after them see).
func TestQueued(t *testing.T) {
	t.Parallel()
	tests := []struct{ what, orWait, want string }{
		{"Revert queued as task T1.", "",
			"Revert queued as task T1.\nFollow it with: bin/roster tasks get T1 --org O1\n"},
		{"Template application queued as task T1 (2 users).", "apply",
			"Template application queued as task T1 (2 users).\nFollow it with: bin/roster tasks get T1 --org O1 (or apply with --wait)\n"},
	}
	for _, tt := range tests {
		var out strings.Builder
		c := orgRemote{remote: remote{stdout: &out, prog: "bin/roster"}, org: "O1"}
		if err := c.queued(&httpapi.Task{ID: "T1"}, tt.what, tt.orWait); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("queued printed %q, want %q", out.String(), tt.want)
		}
	}
}
