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
	const synopsis = "roster admin grant EMAIL | roster admin normalize-emails [--dry-run]"
	if len(args) > 0 && isHelp(args[0]) {
		return familyUsage(c.stdout, "admin", synopsis)
	}
	if len(args) == 0 {
		return usageErrorf("%s", synopsis)
	}
	switch args[0] {
	case "grant":
		return c.grant(ctx, args[1:])
	case "normalize-emails":
		return c.normalizeEmails(ctx, args[1:])
	}
	return usageErrorf("%s", synopsis)
}

func (c *adminCommand) grant(ctx context.Context, args []string) error {
	var db dbConfig
	fs := newFlagSet("admin grant", "admin grant EMAIL [flags]\n\nMakes a user an installation administrator: in the console they may create organizations\nand open every organization.", c.stdout)
	db.register(fs, c.env)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("roster admin grant EMAIL")
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

// normalizeEmails rewrites the addresses stored before their normalized form was decided, and
// lists those an administrator must resolve.
func (c *adminCommand) normalizeEmails(ctx context.Context, args []string) error {
	var db dbConfig
	fs := newFlagSet("admin normalize-emails", "admin normalize-emails [flags]\n\n"+
		"Rewrites every stored email address that is not in its one normalized form (a domain\n"+
		"stored as xn--…, written in Unicode since), and lists the addresses an administrator must\n"+
		"change or delete: those holding a character now refused, and those whose normalized form\n"+
		"belongs to another user. Run it once after upgrading. Exit code 3 when some remain.", c.stdout)
	dryRun := fs.Bool("dry-run", false, "list what would change, change nothing")
	db.register(fs, c.env)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("roster admin normalize-emails [--dry-run]")
	}
	store, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	found, err := provision.New(store).NormalizeStoredEmails(ctx, provision.System(roster.ViaCLI), *dryRun)
	if err != nil {
		return err
	}
	verb, unresolved := "rewritten", 0
	if *dryRun {
		verb = "to rewrite"
	}
	for _, e := range found {
		if e.Err != nil {
			unresolved++
			fmt.Fprintf(c.stdout, "%s (user %s, organization %s): %s\n", e.Stored, e.UserID, e.OrgID, describe(e.Err, ""))
			continue
		}
		fmt.Fprintf(c.stdout, "%s → %s (user %s, organization %s): %s\n", e.Stored, e.Normalized, e.UserID, e.OrgID, verb)
	}
	fmt.Fprintf(c.stdout, "Addresses %s: %d; to change or delete by an administrator: %d.\n", verb, len(found)-unresolved, unresolved)
	if unresolved > 0 {
		return withErrorsf("stored addresses that need an administrator: %d", unresolved)
	}
	return nil
}
