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
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"roster"
	"roster/internal/httpapi"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
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
  admin       grant installation administrator rights (console) on the local data directory
  backup      copy the SQLite database into a checked backup file while the server runs
  restore     put a backup in place of the SQLite database of a stopped server

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

Run "roster <command> -h" (or "roster help <command>") for the subcommands and flags of a
command.

Exit codes: 0 done; 1 an error (nothing or not all was done); 2 a mistake in the command line;
3 finished with errors: a task followed with --wait ended completed_with_errors, or some entries
of users batch or groups add/remove failed (the output lists them).
`

// Exit codes of the CLI, documented in usage and in the README.
const (
	exitOK         = 0
	exitError      = 1
	exitUsage      = 2
	exitWithErrors = 3
)

// run runs the command line argv (argv[0] is the program, as os.Args) and returns the process
// exit code.
func run(ctx context.Context, argv []string, getenv env, stdout, stderr io.Writer) int {
	prog := "roster"
	if len(argv) > 0 {
		prog = invokedAs(argv[0])
		argv = argv[1:]
	}
	args := argv
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	// "roster help users" is "roster users -h".
	if (args[0] == "help" || args[0] == "-h" || args[0] == "--help") && len(args) > 1 {
		args = []string{args[1], "-h"}
	}
	rem := remote{env: getenv, stdout: stdout, prog: prog}
	var cmd command
	switch args[0] {
	case "serve":
		cmd = &serveCommand{env: getenv, stdout: stdout, stderr: stderr, prog: prog}
	case "migrate":
		cmd = &migrateCommand{env: getenv, stdout: stdout}
	case "token":
		cmd = &tokenCommand{env: getenv, stdout: stdout}
	case "admin":
		cmd = &adminCommand{env: getenv, stdout: stdout}
	case "backup":
		cmd = &backupCommand{env: getenv, stdout: stdout}
	case "restore":
		cmd = &restoreCommand{env: getenv, stdout: stdout, prog: prog}
	case "orgs":
		cmd = &orgsCommand{orgRemote: orgRemote{remote: rem}}
	case "users":
		cmd = &usersCommand{orgRemote: orgRemote{remote: rem}}
	case "groups":
		cmd = &groupsCommand{orgRemote: orgRemote{remote: rem}}
	case "templates":
		cmd = &templatesCommand{orgRemote: orgRemote{remote: rem}}
	case "import":
		cmd = &importCommand{orgRemote: orgRemote{remote: rem}}
	case "export":
		cmd = &exportCommand{orgRemote: orgRemote{remote: rem}}
	case "invitations":
		cmd = &invitationsCommand{orgRemote: orgRemote{remote: rem}}
	case "tasks":
		cmd = &tasksCommand{orgRemote: orgRemote{remote: rem}}
	case "cc":
		cmd = &ccCommand{orgRemote: orgRemote{remote: rem}}
	case "sync":
		cmd = &syncCommand{orgRemote: orgRemote{remote: rem}}
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "roster %s\n", version)
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "roster: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	err := cmd.run(ctx, args[1:])
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "roster %s: %v\n", args[0], err)
		return exitUsage
	}
	if we := (*withErrors)(nil); errors.As(err, &we) {
		fmt.Fprintf(stderr, "roster %s: %v\n", args[0], we)
		return exitWithErrors
	}
	fmt.Fprintf(stderr, "roster %s: %s\n", args[0], describe(err, prog))
	return exitError
}

// invokedAs is how the user ran this program, for the commands the CLI suggests to run next:
// the name or path as typed (roster, bin/roster), so that the suggestion runs as it is pasted.
// A binary that go run built in its temporary directory is named "go run ./cmd/roster"
// instead, the command that ran it from a checkout.
func invokedAs(arg0 string) string {
	slashed := filepath.ToSlash(arg0)
	switch {
	case arg0 == "":
		return "roster"
	case strings.Contains(slashed, "/go-build") && path.Base(path.Dir(slashed)) == "exe":
		return "go run ./cmd/roster"
	}
	return arg0
}

// errUsage marks a mistake in the command line (exit code 2).
var errUsage = errors.New("usage")

// withErrors is the error of a command that ran to its end but not all of whose parts
// succeeded: a task that completed with errors, a batch some entries of which failed (exit
// code 3). The command has printed what failed; the error says how many.
type withErrors struct{ msg string }

func (e *withErrors) Error() string { return e.msg }

// withErrorsf returns a withErrors saying what failed.
func withErrorsf(format string, args ...any) error {
	return &withErrors{msg: fmt.Sprintf(format, args...)}
}

// isHelp reports whether arg asks a command with subcommands for its usage.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

// familyUsage prints the usage of a command with subcommands on stdout, for -h, and returns
// flag.ErrHelp (exit code 0).
func familyUsage(stdout io.Writer, family, usage string) error {
	fmt.Fprintf(stdout, "Usage: %s\n\nRun \"roster %s SUBCOMMAND -h\" for the arguments and flags of a subcommand.\n", usage, family)
	return flag.ErrHelp
}

func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

// describe turns an error into the text the CLI prints: the message of a domain error with its
// code and field errors, a server it could not reach with how to reach another, or the error
// itself. prog is the program as invoked.
func describe(err error, prog string) string {
	var unreachable *httpapi.UnreachableError
	if errors.As(err, &unreachable) {
		return fmt.Sprintf("%v\n  Is the server running there? Start it with: %s serve\n"+
			"  A server elsewhere: pass --server URL or set ROSTER_SERVER (default %s); the server listens where its --addr or ROSTER_ADDR says.",
			unreachable, prog, defaultServer)
	}
	var e *roster.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	code := e.Code
	// One field refused for a reason of its own (invalid_characters) is named by that reason.
	if code == roster.CodeInvalid && len(e.Fields) == 1 && e.Fields[0].Code != "" {
		code = e.Fields[0].Code
	}
	s := fmt.Sprintf("%s (%s)", e.Message, code)
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
