package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"roster/internal/httpapi"
)

// remote holds what every command that talks to a running server needs.
type remote struct {
	env    env
	stdout io.Writer
	// prog is the program as the user invoked it, for the commands the CLI suggests.
	prog string

	server string
	token  string
	json   bool
	idOnly bool
}

// defaultServer is where remote commands go unless --server or ROSTER_SERVER says otherwise:
// where roster serve listens by default.
const defaultServer = "http://127.0.0.1:8080"

func (r *remote) register(fs *flag.FlagSet) {
	r.registerServer(fs)
	fs.BoolVar(&r.json, "json", false, "print JSON instead of a table")
}

// registerIDOnly adds --id-only to a command whose result has an id (or is a list of things
// with ids).
func (r *remote) registerIDOnly(fs *flag.FlagSet) {
	fs.BoolVar(&r.idOnly, "id-only", false, "print only the id of the result (of each item of a list), for scripts: ID=$(roster … --id-only)")
}

// registerServer registers the flags that reach the server: --server and --token.
func (r *remote) registerServer(fs *flag.FlagSet) {
	fs.StringVar(&r.server, "server", envOr(r.env, "ROSTER_SERVER", defaultServer), "URL of the Roster server (env ROSTER_SERVER)")
	fs.StringVar(&r.token, "token", r.env("ROSTER_TOKEN"), "API token (env ROSTER_TOKEN)")
	hideSecret(fs, "token")
}

func (r *remote) client() (*httpapi.Client, error) { return r.clientWithTimeout(60 * time.Second) }

// clientWithTimeout returns a client whose requests, answers included, take at most timeout;
// 0 means no limit, for uploads and downloads of large files.
func (r *remote) clientWithTimeout(timeout time.Duration) (*httpapi.Client, error) {
	if r.token == "" {
		return nil, usageErrorf("no API token: pass --token or set ROSTER_TOKEN (create one with %s token create)", r.prog)
	}
	if !strings.HasPrefix(r.server, "http://") && !strings.HasPrefix(r.server, "https://") {
		return nil, usageErrorf("--server must be an http:// or https:// URL")
	}
	hc := &http.Client{Timeout: timeout}
	return httpapi.NewClient(strings.TrimRight(r.server, "/"), r.token, hc, httpapi.WithVersion(version)), nil
}

// printJSON prints v indented, or with --id-only its id alone: v's "id", or the "id" of each
// of its "items", one a line.
func (r *remote) printJSON(v any) error {
	if r.idOnly {
		return r.printID(v)
	}
	enc := json.NewEncoder(r.stdout)
	enc.SetIndent("", "  ")
	// Not a web page: "R&D" stays as it is, not "R\u0026D".
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// printID prints the id of v, as printJSON would print v, or the ids of its items.
func (r *remote) printID(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	type withID struct {
		ID string `json:"id"`
	}
	var one struct {
		withID
		Items []withID `json:"items"`
	}
	var ids []string
	if b[0] == '[' {
		// A bare list, as orgs list prints.
		if err := json.Unmarshal(b, &one.Items); err != nil {
			return err
		}
	} else if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	if one.ID != "" {
		ids = []string{one.ID}
	}
	for _, it := range one.Items {
		ids = append(ids, it.ID)
	}
	for _, id := range ids {
		if _, err := fmt.Fprintln(r.stdout, id); err != nil {
			return err
		}
	}
	return nil
}

// table prints rows under a header, aligned.
func (r *remote) table(header []string, rows [][]string) {
	tw := tabwriter.NewWriter(r.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	_ = tw.Flush()
}

// details prints key: value lines, aligned.
func (r *remote) details(pairs [][2]string) {
	tw := tabwriter.NewWriter(r.stdout, 0, 0, 1, ' ', 0)
	for _, p := range pairs {
		fmt.Fprintf(tw, "%s:\t%s\n", p[0], p[1])
	}
	_ = tw.Flush()
}

// hideSecret keeps the default of a flag, taken from the environment, out of the usage that -h
// prints: a terminal, a screen share or a CI log must not show an API token.
func hideSecret(fs *flag.FlagSet, name string) {
	fs.Lookup(name).DefValue = ""
}

// setFlags returns the names of the flags given on the command line, so that updates send only
// what the administrator asked to change.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// parseRemote parses args into fs, made by newFlagSet and registered by register: --id-only
// takes the path of --json, whose result printJSON prints as its id.
func (r *remote) parseRemote(fs *flag.FlagSet, args []string) ([]string, error) {
	pos, err := parseInterspersed(fs, args)
	if r.idOnly {
		r.json = true
	}
	return pos, err
}

// parseInterspersed parses flags that may come before or after positional arguments, as in
// "roster users get ada@example.com --org X".
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// orgRemote is a remote command that works on one organization, named with --org.
type orgRemote struct {
	remote
	org string
}

// registerOrg adds the --org flag.
func (r *orgRemote) registerOrg(fs *flag.FlagSet) {
	fs.StringVar(&r.org, "org", r.env("ROSTER_ORG"), "organization id (env ROSTER_ORG)")
}

// prepare parses the flags and returns the client and the positional arguments, of which there
// must be from minArgs to maxArgs (-1: no maximum); what describes them for the usage error.
func (r *orgRemote) prepare(fs *flag.FlagSet, args []string, minArgs, maxArgs int, what string) (*httpapi.Client, []string, error) {
	pos, err := r.parseRemote(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if len(pos) < minArgs || (maxArgs >= 0 && len(pos) > maxArgs) {
		return nil, nil, usageErrorf("expected %s", what)
	}
	if r.org == "" {
		return nil, nil, usageErrorf("--org is required")
	}
	cl, err := r.client()
	return cl, pos, err
}
