package main

import (
	"context"
	"fmt"
	"io"

	"roster"
	"roster/internal/provision"
)

// adminCommand manages installation administrators on the local data directory or database,
// with or without a running server.
type adminCommand struct {
	env    env
	stdout io.Writer
}

func (c *adminCommand) run(ctx context.Context, args []string) error {
	const synopsis = "roster admin grant EMAIL"
	if len(args) > 0 && isHelp(args[0]) {
		return familyUsage(c.stdout, "admin", synopsis)
	}
	if len(args) == 0 || args[0] != "grant" {
		return usageErrorf("%s", synopsis)
	}
	var db dbConfig
	fs := newFlagSet("admin grant", "admin grant EMAIL [flags]\n\nMakes a user an installation administrator: in the console they may create organizations\nand open every organization.", c.stdout)
	db.register(fs, c.env)
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("%s", synopsis)
	}
	store, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := provision.New(store).GrantInstallationAdmin(ctx, provision.System(roster.ViaCLI), pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s is an installation administrator.\n", u.Email)
	return nil
}
