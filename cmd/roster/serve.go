package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"

	"roster/internal/provision"
	"roster/internal/server"
	"roster/internal/worker"
)

// serveCommand runs the server.
type serveCommand struct {
	env    env
	stdout io.Writer
	stderr io.Writer
}

func (c *serveCommand) run(ctx context.Context, args []string) error {
	var (
		db   dbConfig
		addr string
	)
	fs := newFlagSet("serve", "serve [flags]", c.stdout)
	db.register(fs, c.env)
	fs.StringVar(&addr, "addr", envOr(c.env, "ROSTER_ADDR", "127.0.0.1:8080"), "listen address (env ROSTER_ADDR)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	store, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	log := newLogger()
	svc := provision.New(store, provision.WithLogger(log))

	fmt.Fprintf(c.stdout, "Roster %s listening on http://%s\n", version, ln.Addr())
	fmt.Fprintf(c.stdout, "Data: %s\n", db.describe())
	fmt.Fprintf(c.stdout, "API: http://%s/api/v1 (description at /api/v1/openapi.json)\n", ln.Addr())
	if tokens, err := store.FindTokens(ctx, ""); err == nil && len(tokens) == 0 {
		where := "--data-dir " + db.dataDir
		if db.databaseURL != "" {
			where = "--database-url '" + redactURL(db.databaseURL) + "'"
		}
		fmt.Fprintf(c.stdout, "No installation token exists yet. Create one with:\n  roster token create --system %s\n", where)
	}
	// The workers stop with the server: a task they hold is left to its lease, and taken
	// over and resumed by a worker of this or another process (see worker.Runner.Run). They
	// must be done before the deferred Close of the store.
	var workers sync.WaitGroup
	defer workers.Wait()
	// Also when Serve fails on its own, so that Wait returns.
	wctx, stopWorkers := context.WithCancel(ctx)
	defer stopWorkers()
	handlers := map[string]worker.Handler{
		// The import adds its kind here. A task of a kind no handler runs fails with a
		// message that says so.
	}
	for range workersPerProcess {
		r := worker.New(store, handlers, worker.Options{Logger: log})
		workers.Go(func() { _ = r.Run(wctx) })
	}
	srv := server.New(server.Config{Service: svc, Store: store, Logger: log})
	return srv.Serve(ctx, ln)
}

// workersPerProcess is how many tasks one process runs at a time.
const workersPerProcess = 2
