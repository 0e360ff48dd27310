package main

import (
	"context"
	"fmt"
	"io"
	"net"

	"roster/internal/provision"
	"roster/internal/server"
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
	srv := server.New(server.Config{Service: svc, Store: store, Logger: log})
	return srv.Serve(ctx, ln)
}
