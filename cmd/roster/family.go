package main

import (
	"context"
	"flag"
)

// family is a remote command made of subcommands, such as users: "roster users -h" prints its
// usage table, and each subcommand parses a flag set of its own, named after it ("users add"),
// whose -h shows the synopsis of the subcommand's line of the table ("users add EMAIL
// [flags]"), the flags every subcommand of the family shares, and its own.
type family struct {
	name string
	// usage is the table: the family's synopsis, then a line a subcommand.
	usage  string
	remote *orgRemote
	// withOrg says that the family works on one organization, named with --org.
	withOrg     bool
	subcommands map[string]subcommand
}

// subcommand is one subcommand of a family: what it prints, and run, which adds its own flags
// to fs, parses args into it and runs.
type subcommand struct {
	out output
	run func(ctx context.Context, fs *flag.FlagSet, args []string) error
}

// named passes its name to the function that runs several subcommands, such as delete,
// deactivate and reactivate.
func named(name string, run func(ctx context.Context, name string, fs *flag.FlagSet, args []string) error) func(context.Context, *flag.FlagSet, []string) error {
	return func(ctx context.Context, fs *flag.FlagSet, args []string) error { return run(ctx, name, fs, args) }
}

// output is what a subcommand prints, and so which of the output flags it takes.
type output int

const (
	// outTable is a table or a text, or with --json the result as JSON.
	outTable output = iota
	// outID is as outTable, and also takes --id-only: the result has an id, or is a list of
	// things with ids.
	outID
	// outFile is a file: neither --json nor --id-only have a meaning.
	outFile
)

func (f *family) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageErrorf("%s", f.usage)
	}
	if isHelp(args[0]) {
		return familyUsage(f.remote.stdout, f.name, f.usage)
	}
	name, args := args[0], args[1:]
	sub, ok := f.subcommands[name]
	if !ok {
		return usageErrorf("unknown subcommand %q\n%s", name, f.usage)
	}
	fs := f.remote.flagSet(f.name+" "+name, subcommandSynopsis(f.name, name, f.usage), sub.out, f.withOrg)
	return sub.run(ctx, fs, args)
}

// flagSet returns the flag set of a remote command or subcommand: --server and --token, the
// output flags of out, and --org when withOrg.
func (r *orgRemote) flagSet(name, synopsis string, out output, withOrg bool) *flag.FlagSet {
	fs := newFlagSet(name, synopsis, r.stdout)
	if out == outFile {
		r.registerServer(fs)
	} else {
		r.register(fs)
	}
	if out == outID {
		r.registerIDOnly(fs)
	}
	if withOrg {
		r.registerOrg(fs)
	}
	return fs
}
