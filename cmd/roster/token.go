package main

import (
	"context"
	"fmt"
	"io"

	"roster"
	"roster/internal/provision"
)

// tokenCommand mints API tokens directly in the local data directory or database, with or
// without a running server, so an operator can start from nothing.
type tokenCommand struct {
	env    env
	stdout io.Writer
}

func (c *tokenCommand) run(ctx context.Context, args []string) error {
	const synopsis = "roster token create (--system | --org ID --role full|cc_service|read_only) [--name NAME]"
	if len(args) > 0 && isHelp(args[0]) {
		return familyUsage(c.stdout, "token", synopsis)
	}
	if len(args) == 0 || args[0] != "create" {
		return usageErrorf("%s", synopsis)
	}
	var (
		db     dbConfig
		system bool
		orgID  string
		role   string
		name   string
	)
	fs := newFlagSet("token create", "token create (--system | --org ID --role ROLE) [flags]", c.stdout)
	db.register(fs, c.env)
	fs.BoolVar(&system, "system", false, "an installation token: may create and manage every organization")
	fs.StringVar(&orgID, "org", "", "organization id of the token")
	fs.StringVar(&role, "role", "", "administrator role of the token: full, cc_service or read_only")
	fs.StringVar(&name, "name", "", "a name to recognize the token by")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if system == (orgID != "") {
		return usageErrorf("give either --system or --org ID --role ROLE")
	}
	if orgID != "" && role == "" {
		return usageErrorf("--org needs --role full, cc_service or read_only")
	}
	store, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := provision.New(store)
	_, secret, err := svc.CreateToken(ctx, provision.System(roster.ViaCLI), provision.NewToken{
		OrgID: orgID, Role: roster.AdminRole(role), System: system, Name: name,
	})
	if err != nil {
		return err
	}
	// Only the token on standard output, so that scripts can capture it.
	fmt.Fprintln(c.stdout, secret)
	return nil
}
