// Command roster is the Roster server and its command-line client.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"roster"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env reads an environment variable; tests pass their own.
type env func(string) string

// command is one subcommand: it parses its own flags and runs.
type command interface {
	run(ctx context.Context, args []string) error
}

const usage = `Roster: contact-center user provisioning and licensing.

Usage: roster <command> [flags]

Server:
  serve       run the server (web API) on embedded SQLite or PostgreSQL
  migrate     apply the database migrations and exit
  token       create API tokens on the local data directory or database

Remote (talk to a running server; --server, --token or ROSTER_SERVER, ROSTER_TOKEN):
  orgs        list, show, create and change organizations
  users       list, show, add, update and delete users
  groups      list, show, create, change and delete groups; add and remove their members
  templates   automatic license assignment: show and set the template, apply it to existing users
  import      import users from a CSV file (add or add and remove licenses; dry run)
  export      download the users of an organization as a CSV file
  tasks       list, show, cancel and revert background tasks; download their reports
  invitations list the outbox of invitations; resend one
  cc          contact center: Service Details, agents and their CSV template, sites, teams, profiles
  sync        Synchronize Users: reconcile the contact center with the directory (--wait)

  version     print the version

Run "roster <command> -h" for the flags of a command.
`

// run runs the command line args and returns the process exit code.
func run(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var cmd command
	switch args[0] {
	case "serve":
		cmd = &serveCommand{env: getenv, stdout: stdout, stderr: stderr}
	case "migrate":
		cmd = &migrateCommand{env: getenv, stdout: stdout}
	case "token":
		cmd = &tokenCommand{env: getenv, stdout: stdout}
	case "orgs":
		cmd = &orgsCommand{remote: remote{env: getenv, stdout: stdout}}
	case "users":
		cmd = &usersCommand{orgRemote: orgRemote{remote: remote{env: getenv, stdout: stdout}}}
	case "groups":
		cmd = &groupsCommand{orgRemote: orgRemote{remote: remote{env: getenv, stdout: stdout}}}
	case "templates":
		cmd = &templatesCommand{orgRemote: orgRemote{remote: remote{env: getenv, stdout: stdout}}}
	case "import":
		cmd = &importCommand{orgRemote: orgRemote{remote: remote{env: getenv, stdout: stdout}}}
	case "export":
		cmd = &exportCommand{orgRemote: orgRemote{remote: remote{env: getenv, stdout: stdout}}}
	case "invitations":
		cmd = &invitationsCommand{orgRemote: orgRemote{remote: remote{env: getenv, stdout: stdout}}}
	case "tasks":
		cmd = &tasksCommand{orgRemote: orgRemote{remote: remote{env: getenv, stdout: stdout}}}
	case "cc":
		cmd = &ccCommand{orgRemote: orgRemote{remote: remote{env: getenv, stdout: stdout}}}
	case "sync":
		cmd = &syncCommand{orgRemote: orgRemote{remote: remote{env: getenv, stdout: stdout}}}
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "roster %s\n", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "roster: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	err := cmd.run(ctx, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "roster %s: %v\n", args[0], err)
		return 2
	}
	fmt.Fprintf(stderr, "roster %s: %s\n", args[0], describe(err))
	return 1
}

// errUsage marks a mistake in the command line (exit code 2).
var errUsage = errors.New("usage")

func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

// describe turns an error into the text the CLI prints: the message of a domain error with its
// code and field errors, or the error itself.
func describe(err error) string {
	var e *roster.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	s := fmt.Sprintf("%s (%s)", e.Message, e.Code)
	for _, f := range e.Fields {
		if len(e.Fields) > 1 || f.Message != e.Message {
			s += fmt.Sprintf("\n  %s: %s", f.Field, f.Message)
		}
	}
	return s
}

// newFlagSet returns a flag set that reports errors instead of exiting. Parse it with
// parseFlags, which prints its usage on stdout for -h.
func newFlagSet(name, synopsis string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(&flagOutput{stdout: stdout})
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: roster %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// subcommandSynopsis returns the synopsis of subcommand sub of a command family, from the
// family's usage table (its first line is the family's synopsis, then a line a subcommand):
// the line's first column, such as "add EMAIL", so that "roster users add -h" names the
// arguments as well as the flags.
func subcommandSynopsis(family, sub, usage string) string {
	for _, line := range strings.Split(usage, "\n")[1:] {
		col, _, _ := strings.Cut(strings.TrimSpace(line), "  ")
		for _, form := range strings.Split(col, ", ") { // "deactivate USER, reactivate USER"
			if form == sub || strings.HasPrefix(form, sub+" ") {
				return family + " " + form + " [flags]"
			}
		}
	}
	return family + " " + sub + " [flags]"
}

// flagOutput holds what the flag package prints while parsing: the usage, after a mistake too.
// parseFlags shows it only when -h asked for it, and turns a mistake into a usage error, which
// run prints on stderr with exit code 2, so that stdout carries nothing but results, which
// scripts capture.
type flagOutput struct {
	bytes.Buffer
	stdout io.Writer
}

// parseFlags parses args into fs, made by newFlagSet.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	out, ok := fs.Output().(*flagOutput)
	if ok {
		defer out.Reset()
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		if ok {
			_, _ = out.WriteTo(out.stdout)
		}
		return err
	}
	return usageErrorf("%v (see roster %s -h)", err, fs.Name())
}
