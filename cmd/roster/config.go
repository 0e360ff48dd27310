package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"roster/internal/sqldb"
)

// dbConfig selects the database: embedded SQLite in a data directory, or PostgreSQL. Flags
// override the environment; the defaults work on a laptop.
type dbConfig struct {
	dataDir     string
	databaseURL string
	// exclusive takes the SQLite data directory's lock while the database is open: for the
	// commands that keep it open for writing (serve, migrate), not for the short writers that
	// work beside a running server (token, admin).
	exclusive bool
}

func (c *dbConfig) register(fs *flag.FlagSet, getenv env) {
	fs.StringVar(&c.dataDir, "data-dir", envOr(getenv, "ROSTER_DATA_DIR", "./roster-data"),
		"directory of the embedded SQLite database (env ROSTER_DATA_DIR)")
	fs.StringVar(&c.databaseURL, "database-url", getenv("ROSTER_DATABASE_URL"),
		"postgres://… URL; switches from SQLite to PostgreSQL (env ROSTER_DATABASE_URL)")
	// The URL may hold a password: -h shows it without.
	fs.Lookup("database-url").DefValue = redactURL(c.databaseURL)
}

// describe says where the data lives, without the password of a database URL.
func (c *dbConfig) describe() string {
	if c.databaseURL == "" {
		return "SQLite in " + c.dataDir
	}
	return "PostgreSQL at " + redactURL(c.databaseURL)
}

// checkURL refuses a database URL of an engine other than PostgreSQL.
func (c *dbConfig) checkURL() error {
	if c.databaseURL != "" && !strings.HasPrefix(c.databaseURL, "postgres://") && !strings.HasPrefix(c.databaseURL, "postgresql://") {
		return usageErrorf("--database-url must start with postgres:// or postgresql://")
	}
	return nil
}

// open opens the database and applies the migrations.
func (c *dbConfig) open(ctx context.Context) (*sqldb.DB, error) {
	if err := c.checkURL(); err != nil {
		return nil, err
	}
	db, err := sqldb.Open(ctx, sqldb.Config{DataDir: c.dataDir, DatabaseURL: c.databaseURL, LockDataDir: c.exclusive})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", c.describe(), err)
	}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("migrate %s: %w", c.describe(), err)
	}
	return db, nil
}

// envDefaults sets the flags named in vars (flag name → environment variable) from the
// environment, so that a flag given on the command line still overrides it.
func envDefaults(fs *flag.FlagSet, getenv env, vars map[string]string) error {
	for name, key := range vars {
		if v := getenv(key); v != "" {
			if err := fs.Set(name, v); err != nil {
				return usageErrorf("%s=%q: %v", key, v, err)
			}
		}
	}
	return nil
}

func envOr(getenv env, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if user, _, hasPass := strings.Cut(rest[:at], ":"); hasPass {
			rest = user + ":***" + rest[at:]
		}
	}
	return scheme + "://" + rest
}

// newLogger returns the logger of the server on w, the command's standard error, in format:
// "text" (key=value lines, for a person at a terminal), "json" (a JSON object a line, for a log
// collector), or "" for text when w is a terminal and JSON otherwise.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	if format == "" {
		format = "json"
		if isTerminal(w) {
			format = "text"
		}
	}
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageErrorf("--log-format %q: want text or json", format)
}
