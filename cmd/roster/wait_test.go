package main

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"roster/internal/contactcenter"
	"roster/internal/provision"
	"roster/internal/worker"
)

// waitScenarios synchronize an organization twice with --wait: first cleanly (exit code 0),
// then with a user the contact center refuses, which completes with errors (exit code 3).
var waitScenarios = []scenario{
	{name: "wait-create-org", token: "system", save: saveID("acme"),
		args: []string{"orgs", "create", "--name", "Acme", "--send-welcome-email=false"}},
	{name: "wait-add-user-ada", args: []string{"users", "add", "ada@example.com", "--org", "{acme}", "--license", "premium"}},
	{name: "wait-sync", args: []string{"sync", "--org", "{acme}", "--wait"}},
	{name: "wait-add-user-bo", save: saveID("bo"), args: []string{"users", "add", "bo@example.com", "--org", "{acme}", "--license", "standard"}},
	{name: "wait-sync-errors", code: 3, args: []string{"sync", "--org", "{acme}", "--wait"}},
	{name: "wait-sync-errors-json", code: 3, args: []string{"sync", "--org", "{acme}", "--wait", "--id-only"}},
}

// TestWaitExitCodes runs Synchronize Users with --wait on a server whose worker runs the
// real synchronization, through a connector that refuses the user saved as {bo}.
func TestWaitExitCodes(t *testing.T) {
	t.Parallel()
	e := newCLIEnv(t)
	var refused atomic.Value
	refused.Store("")
	conn := contactcenter.NewFault(contactcenter.NewBuiltin(e.store), contactcenter.FaultConfig{
		Permanent: func(userID string) bool { return userID == refused.Load().(string) },
	})
	engine := contactcenter.New(e.store, conn, contactcenter.Options{Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	handlers := map[string]worker.Handler{provision.KindSynchronize: worker.HandlerFunc(engine.RunSynchronize)}
	wg.Go(func() {
		_ = worker.New(e.store, handlers, worker.Options{Poll: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}).Run(ctx)
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	dir := t.TempDir()
	e.vars["dir"] = dir
	for _, sc := range waitScenarios {
		// Not parallel: each scenario starts from the state the ones before it left.
		t.Run(sc.name, func(t *testing.T) {
			runScenario(t, e, dir, sc)
			if id := e.vars["bo"]; id != "" {
				refused.Store(id)
			}
		})
	}
}
