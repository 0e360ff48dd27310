package main

import (
	"context"
	"fmt"
	"io"
)

// migrateCommand applies the database migrations and exits.
type migrateCommand struct {
	env    env
	stdout io.Writer
}

func (c *migrateCommand) run(ctx context.Context, args []string) error {
	db := dbConfig{exclusive: true}
	fs := newFlagSet("migrate", "migrate [flags]", c.stdout)
	db.register(fs, c.env)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	store, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintf(c.stdout, "database is up to date (%s)\n", db.describe())
	return nil
}
