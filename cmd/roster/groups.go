package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"roster"
	"roster/internal/httpapi"
)

// groupsCommand lists, shows, creates, changes and deletes groups, and adds and removes their
// members, through the REST API.
type groupsCommand struct {
	orgRemote
}

const groupsUsage = `roster groups <list|get|create|update|delete|members|add|remove> --org ID [flags]
  list [--q PREFIX]                 list groups by name
  get GROUP                         show one group (GROUP is its id)
  create NAME [--license L]         create a group; L (none, standard, premium) is what it gives
                                    its members in the group mode of license assignment
  update GROUP [--name N] [--license L]
                                    rename a group or change its license
  delete GROUP                      remove every member and delete the group
  members GROUP                     list the members, with the license each membership gives
  add GROUP (--user ID | --email EMAIL)... [--file FILE]
                                    add users; FILE has one email or user id per line
  remove GROUP (--user ID | --email EMAIL)... [--file FILE]
                                    remove users; they lose what the group gave them`

func (c *groupsCommand) run(ctx context.Context, args []string) error {
	return c.family().run(ctx, args)
}

// family is the table of the subcommands of groups.
func (c *groupsCommand) family() *family {
	return &family{name: "groups", usage: groupsUsage, remote: &c.orgRemote, withOrg: true, subcommands: map[string]subcommand{
		"list":    {outID, c.list},
		"get":     {outID, c.get},
		"create":  {outID, c.create},
		"update":  {outID, c.update},
		"delete":  {outTable, c.delete},
		"members": {outTable, c.members},
		"add":     {outTable, named("add", c.changeMembers)},
		"remove":  {outTable, named("remove", c.changeMembers)},
	}}
}

func (c *groupsCommand) list(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var q httpapi.GroupQuery
	var p pages
	fs.StringVar(&q.Q, "q", "", "prefix of the name")
	p.register(fs, "groups", true)
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	list, err := readList(p, func(limit int, cursor string) (*httpapi.GroupList, error) {
		q.Limit, q.Cursor = limit, cursor
		return cl.Groups(ctx, c.org, q)
	}, func(l *httpapi.GroupList) (*[]httpapi.Group, *string) { return &l.Items, l.NextCursor })
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(list)
	}
	if len(list.Items) == 0 && p.cursor == "" {
		fmt.Fprintln(c.stdout, "No groups.")
		return nil
	}
	rows := make([][]string, len(list.Items))
	for i, g := range list.Items {
		rows[i] = []string{g.Name, string(g.License), thousands(g.Members), g.ID}
	}
	c.table([]string{"NAME", "LICENSE", "MEMBERS", "ID"}, rows)
	c.nextPage(list.NextCursor)
	return nil
}

func (c *groupsCommand) get(ctx context.Context, fs *flag.FlagSet, args []string) error {
	cl, pos, err := c.prepare(fs, args, 1, 1, "one group id")
	if err != nil {
		return err
	}
	g, err := cl.Group(ctx, c.org, pos[0])
	if err != nil {
		return err
	}
	return c.printGroup(g)
}

func (c *groupsCommand) printGroup(g *httpapi.Group) error {
	if c.json {
		return c.printJSON(g)
	}
	c.details([][2]string{
		{"ID", g.ID}, {"Name", g.Name}, {"License", string(g.License)}, {"Members", thousands(g.Members)},
		{"Created", g.CreatedAt.Format(timeLayout)}, {"Updated", g.UpdatedAt.Format(timeLayout)},
		{"Version", strconv.FormatInt(g.Version, 10)},
	})
	return nil
}

func (c *groupsCommand) create(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var license string
	fs.StringVar(&license, "license", "", "the license the group gives its members in group mode: none, standard or premium (default none)")
	cl, pos, err := c.prepare(fs, args, 1, 1, "one group name (quote a name with spaces)")
	if err != nil {
		return err
	}
	in := httpapi.GroupInput{Name: httpapi.Some(pos[0])}
	if setFlags(fs)["license"] {
		in.License = httpapi.Some(roster.License(license))
	}
	g, err := cl.CreateGroup(ctx, c.org, in)
	if err != nil {
		return err
	}
	return c.printGroup(g)
}

func (c *groupsCommand) update(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var name, license string
	fs.StringVar(&name, "name", "", "new name")
	fs.StringVar(&license, "license", "", "new license: none, standard or premium; members that join from now on get it")
	cl, pos, err := c.prepare(fs, args, 1, 1, "one group id")
	if err != nil {
		return err
	}
	set := setFlags(fs)
	var in httpapi.GroupInput
	if set["name"] {
		in.Name = httpapi.Some(name)
	}
	if set["license"] {
		in.License = httpapi.Some(roster.License(license))
	}
	if !set["name"] && !set["license"] {
		return usageErrorf("nothing to change: give --name or --license")
	}
	g, err := cl.Group(ctx, c.org, pos[0])
	if err != nil {
		return err
	}
	// The version just read guards the change: a concurrent change fails with 412 instead of
	// being overwritten.
	g, err = cl.UpdateGroup(ctx, c.org, g.ID, in, httpapi.ETag(g.Version))
	if err != nil {
		return err
	}
	return c.printGroup(g)
}

func (c *groupsCommand) delete(ctx context.Context, fs *flag.FlagSet, args []string) error {
	cl, pos, err := c.prepare(fs, args, 1, 1, "one group id")
	if err != nil {
		return err
	}
	g, err := cl.Group(ctx, c.org, pos[0])
	if err != nil {
		return err
	}
	if err := cl.DeleteGroup(ctx, c.org, g.ID, httpapi.ETag(g.Version)); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "deleted group %s (%s removed)\n", g.Name, plural(g.Members, "member"))
	return nil
}

func (c *groupsCommand) members(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var p pages
	p.register(fs, "members", true)
	cl, pos, err := c.prepare(fs, args, 1, 1, "one group id")
	if err != nil {
		return err
	}
	list, err := readList(p, func(limit int, cursor string) (*httpapi.MemberList, error) {
		return cl.Members(ctx, c.org, pos[0], limit, cursor)
	}, func(l *httpapi.MemberList) (*[]httpapi.Member, *string) { return &l.Items, l.NextCursor })
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(list)
	}
	if len(list.Items) == 0 && p.cursor == "" {
		fmt.Fprintln(c.stdout, "No members.")
		return nil
	}
	rows := make([][]string, len(list.Items))
	for i, m := range list.Items {
		rows[i] = []string{m.Email, strings.TrimSpace(m.FirstName + " " + m.LastName), string(m.License),
			m.Since.Format(timeLayout), m.UserID}
	}
	c.table([]string{"EMAIL", "NAME", "LICENSE", "SINCE", "USER ID"}, rows)
	c.nextPage(list.NextCursor)
	return nil
}

// membersPerRequest is how many users one request of add or remove names: well within the
// server's limits (200,000 a request, 16 MiB a body), so that a file of any size goes through
// in several requests.
const membersPerRequest = 50_000

func (c *groupsCommand) changeMembers(ctx context.Context, sub string, fs *flag.FlagSet, args []string) error {
	var users, emails stringList
	var file string
	fs.Var(&users, "user", "a user id (repeat the flag for several)")
	fs.Var(&emails, "email", "a user's email address (repeat the flag for several)")
	fs.StringVar(&file, "file", "", "a file with one email address or user id per line (# starts a comment)")
	cl, pos, err := c.prepare(fs, args, 1, 1, "one group id, and the users as --user, --email or --file")
	if err != nil {
		return err
	}
	if file != "" {
		fromFile, err := readMembersFile(file)
		if err != nil {
			return err
		}
		for _, ref := range fromFile {
			if strings.Contains(ref, "@") {
				emails = append(emails, ref)
			} else {
				users = append(users, ref)
			}
		}
	}
	if len(users)+len(emails) == 0 {
		return usageErrorf("name the users with --user ID, --email EMAIL or --file FILE")
	}
	send := cl.AddMembers
	if sub == "remove" {
		send = cl.RemoveMembers
	}
	total := &httpapi.MembersResponse{Failed: []httpapi.MemberFailure{}}
	for start := 0; start < len(users)+len(emails); start += membersPerRequest {
		req := membersChunk(users, emails, start, membersPerRequest)
		res, err := send(ctx, c.org, pos[0], req)
		if err != nil {
			return err
		}
		total.Changed += res.Changed
		total.Unchanged += res.Unchanged
		total.Waiting += res.Waiting
		total.Failed = append(total.Failed, res.Failed...)
	}
	if c.json {
		if err := c.printJSON(total); err != nil {
			return err
		}
	} else {
		c.printMembersResult(sub, total)
	}
	// The exit code tells a script that some users failed, whatever the output format.
	if n := len(total.Failed); n > 0 {
		return withErrorsf("%s could not be %s", plural(n, "user"), map[string]string{"add": "added", "remove": "removed"}[sub])
	}
	return nil
}

// membersChunk returns the request of the users from position start of ids then emails, at
// most n of them.
func membersChunk(ids, emails []string, start, n int) httpapi.MembersRequest {
	var req httpapi.MembersRequest
	end := start + n
	if start < len(ids) {
		req.UserIDs = ids[start:min(end, len(ids))]
	}
	if end > len(ids) {
		req.Emails = emails[max(start-len(ids), 0):min(end-len(ids), len(emails))]
	}
	return req
}

func (c *groupsCommand) printMembersResult(sub string, r *httpapi.MembersResponse) {
	if sub == "add" {
		fmt.Fprintf(c.stdout, "%s added, %s already in the group", plural(r.Changed, "user"), thousands(r.Unchanged))
	} else {
		fmt.Fprintf(c.stdout, "%s removed, %s not in the group", plural(r.Changed, "user"), thousands(r.Unchanged))
	}
	fmt.Fprintf(c.stdout, ", %s failed.\n", thousands(len(r.Failed)))
	switch {
	case r.Waiting == 1:
		fmt.Fprintln(c.stdout, "1 user waits for a seat of the group's license: it gets it when one frees up (or add seats to the organization).")
	case r.Waiting > 1:
		fmt.Fprintf(c.stdout, "%s users wait for a seat of the group's license: they get it when seats free up (or add seats to the organization).\n",
			thousands(r.Waiting))
	}
	if len(r.Failed) == 0 {
		return
	}
	rows := make([][]string, len(r.Failed))
	for i, f := range r.Failed {
		who := f.Email
		if who == "" {
			who = f.UserID
		}
		rows[i] = []string{who, string(f.Code), f.Message}
	}
	fmt.Fprintln(c.stdout)
	c.table([]string{"USER", "CODE", "REASON"}, rows)
}

// readMembersFile reads one email address or user id per line; blank lines and lines starting
// with # are skipped.
func readMembersFile(name string) ([]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var refs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		refs = append(refs, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return refs, nil
}

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}
