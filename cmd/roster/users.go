package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"roster"
	"roster/internal/httpapi"
	"roster/internal/provision"
)

// usersCommand lists, shows, adds, changes and deletes users through the REST API.
type usersCommand struct {
	orgRemote
}

const usersUsage = `roster users <list|get|add|batch|update|delete|deactivate|reactivate> --org ID [flags]
  list                         list users (filters: --q --license --cc-role --admin-role --status --sync-status --group)
  get USER                     show one user (USER is an id or an email address)
  add EMAIL                    create one user
  batch EMAIL... --license L   add or modify up to 25 people with one license choice
  update USER                  change the fields given as flags
  delete USER                  delete a user
  deactivate USER, reactivate USER`

func (c *usersCommand) run(ctx context.Context, args []string) error {
	return c.family().run(ctx, args)
}

// family is the table of the subcommands of users.
func (c *usersCommand) family() *family {
	return &family{name: "users", usage: usersUsage, remote: &c.orgRemote, withOrg: true, subcommands: map[string]subcommand{
		"list":       {outID, c.list},
		"get":        {outID, c.get},
		"add":        {outID, c.add},
		"batch":      {outTable, c.batch},
		"update":     {outID, c.update},
		"delete":     {outTable, named("delete", c.action)},
		"deactivate": {outID, named("deactivate", c.action)},
		"reactivate": {outID, named("reactivate", c.action)},
	}}
}

func (c *usersCommand) list(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var q httpapi.UserQuery
	var p pages
	fs.StringVar(&q.Q, "q", "", "prefix of the email, first or last name")
	fs.StringVar((*string)(&q.License), "license", "", "none, standard or premium")
	fs.StringVar((*string)(&q.CCRole), "cc-role", "", "agent or supervisor")
	fs.StringVar((*string)(&q.AdminRole), "admin-role", "", "none, full, cc_service or read_only")
	fs.StringVar((*string)(&q.Status), "status", "", "pending, active or inactive")
	fs.StringVar((*string)(&q.SyncStatus), "sync-status", "", "none, pending, valid or invalid")
	fs.StringVar(&q.Group, "group", "", "members of this group (a group id)")
	p.register(fs, "users", true)
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	list, err := readList(p, func(limit int, cursor string) (*httpapi.UserList, error) {
		q.Limit, q.Cursor = limit, cursor
		return cl.Users(ctx, c.org, q)
	}, func(l *httpapi.UserList) (*[]httpapi.User, *string) { return &l.Items, l.NextCursor })
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(list)
	}
	rows := make([][]string, len(list.Items))
	for i, u := range list.Items {
		rows[i] = []string{u.Email, strings.TrimSpace(u.FirstName + " " + u.LastName), string(u.License),
			string(u.CCRole), string(u.AdminRole), string(u.Status), string(u.SyncStatus), u.ID}
	}
	c.table([]string{"EMAIL", "NAME", "LICENSE", "ROLE", "ADMIN", "STATUS", "SYNC", "ID"}, rows)
	total := strconv.Itoa(list.Total)
	if !list.TotalExact {
		total = "at least " + total
	}
	fmt.Fprintf(c.stdout, "\n%d shown of %s users", len(list.Items), total)
	if list.NextCursor != nil {
		fmt.Fprintf(c.stdout, "; next page: --cursor %s", *list.NextCursor)
	}
	fmt.Fprintln(c.stdout)
	return nil
}

// findUser returns the user named by an id or an email address.
func (c *orgRemote) findUser(ctx context.Context, cl *httpapi.Client, ref string) (*httpapi.User, error) {
	if !strings.Contains(ref, "@") {
		return cl.User(ctx, c.org, ref)
	}
	page, err := cl.Users(ctx, c.org, httpapi.UserQuery{Email: ref, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(page.Items) == 0 {
		return nil, roster.Errorf(roster.CodeNotFound, "No user with the email address %s in this organization.", provision.NormalizeEmail(ref))
	}
	// Read it again by id for its current version (the ETag of updates).
	return cl.User(ctx, c.org, page.Items[0].ID)
}

func (c *usersCommand) get(ctx context.Context, fs *flag.FlagSet, args []string) error {
	cl, pos, err := c.prepare(fs, args, 1, 1, "one user id or email address")
	if err != nil {
		return err
	}
	u, err := c.findUser(ctx, cl, pos[0])
	if err != nil {
		return err
	}
	return c.printUser(u)
}

func (c *usersCommand) printUser(u *httpapi.User) error {
	if c.json {
		return c.printJSON(u)
	}
	profile := "(no agent)"
	if u.UserProfile != nil {
		profile = *u.UserProfile
	}
	if u.UserProfileID != "" {
		profile += " (custom, " + u.UserProfileID + ")"
	}
	license := string(u.License)
	if e := u.LicenseError; e != nil {
		license += fmt.Sprintf(" (waiting for %s since %s: no free seat)", e.License, e.Since.Format(timeLayout))
	}
	pairs := [][2]string{
		{"ID", u.ID}, {"Email", u.Email}, {"First name", u.FirstName}, {"Last name", u.LastName},
		{"Display name", u.DisplayName}, {"Phone number", u.PhoneNumber}, {"Title", u.Title},
		{"Department", u.Department}, {"Preferred language", string(u.PreferredLanguage)},
		{"Status", string(u.Status)}, {"License", license}, {"Contact center role", string(u.CCRole)},
		{"Administrator role", string(u.AdminRole)}, {"User profile", profile}, {"Sync status", string(u.SyncStatus)},
		{"Created", u.CreatedAt.Format("2006-01-02 15:04:05 MST")}, {"Updated", u.UpdatedAt.Format("2006-01-02 15:04:05 MST")},
		{"Version", strconv.FormatInt(u.Version, 10)},
	}
	if u.LicenseSources != nil {
		// Only a read of one user has the sources; after a change they are not shown.
		pairs = slices.Insert(pairs, 11, [2]string{"License sources", licenseSourcesText(u.LicenseSources)})
	}
	c.details(pairs)
	return nil
}

// licenseSourcesText lists where a license comes from: "direct standard, group Sales premium".
func licenseSourcesText(sources []httpapi.LicenseSource) string {
	if len(sources) == 0 {
		return "none"
	}
	parts := make([]string, len(sources))
	for i, s := range sources {
		parts[i] = string(s.Kind) + " " + string(s.License)
		if s.Kind == roster.SourceGroup {
			parts[i] = fmt.Sprintf("group %s %s", s.GroupName, s.License)
		}
	}
	return strings.Join(parts, ", ")
}

// userFlags are the fields add and update take.
type userFlags struct {
	first, last, display, phone, title, department, language, license, ccRole, adminRole, profile string
}

func (f *userFlags) register(fs *flag.FlagSet, withAdmin bool) {
	fs.StringVar(&f.first, "first-name", "", "first name")
	fs.StringVar(&f.last, "last-name", "", "last name")
	fs.StringVar(&f.display, "display-name", "", "display name")
	fs.StringVar(&f.phone, "phone", "", "phone number in E.164 form, like +46701234567")
	fs.StringVar(&f.title, "title", "", "title")
	fs.StringVar(&f.department, "department", "", "department")
	fs.StringVar(&f.language, "language", "", "preferred language: en, sv, nl, es or pl")
	fs.StringVar(&f.license, "license", "", "contact-center license: none, standard or premium")
	fs.StringVar(&f.ccRole, "cc-role", "", "contact-center role: agent or supervisor (premium only)")
	if withAdmin {
		fs.StringVar(&f.adminRole, "admin-role", "", "administrator role: none, full, cc_service or read_only")
		fs.StringVar(&f.profile, "user-profile", "", `custom user profile id of the user's profile type, a built-in profile's type, or "" for the default`)
	}
}

func (c *usersCommand) add(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var f userFlags
	f.register(fs, false)
	cl, pos, err := c.prepare(fs, args, 1, 1, "one email address (use batch for several)")
	if err != nil {
		return err
	}
	u, err := cl.CreateUser(ctx, c.org, httpapi.NewUser{
		Email: pos[0], FirstName: f.first, LastName: f.last, DisplayName: f.display, PhoneNumber: f.phone,
		Title: f.title, Department: f.department, PreferredLanguage: roster.Language(f.language),
		License: roster.License(f.license), CCRole: roster.CCRole(f.ccRole),
	})
	if err != nil {
		return err
	}
	return c.printUser(u)
}

func (c *usersCommand) batch(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var license, role string
	fs.StringVar(&license, "license", "", "license for all of them: none, standard or premium (absent: no choice)")
	fs.StringVar(&role, "cc-role", "", "with premium: agent or supervisor")
	cl, pos, err := c.prepare(fs, args, 1, -1, "one or more email addresses")
	if err != nil {
		return err
	}
	req := httpapi.BatchRequest{License: roster.License(license), CCRole: roster.CCRole(role)}
	for _, e := range pos {
		req.Entries = append(req.Entries, httpapi.BatchEntry{Email: e})
	}
	res, err := cl.AddOrModifyUsers(ctx, c.org, req)
	if err != nil {
		return err
	}
	rows := make([][]string, len(res.Results))
	failed := 0
	for i, r := range res.Results {
		rows[i] = []string{r.Email, string(r.Outcome), r.Message}
		if r.Outcome == provision.Failed {
			failed++
		}
	}
	if c.json {
		if err := c.printJSON(res); err != nil {
			return err
		}
	} else {
		c.table([]string{"EMAIL", "OUTCOME", "REASON"}, rows)
	}
	// The exit code tells a script that some entries failed, whatever the output format.
	if failed > 0 {
		return withErrorsf("%d of %d entries failed", failed, len(res.Results))
	}
	return nil
}

func (c *usersCommand) update(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var f userFlags
	var email string
	f.register(fs, true)
	fs.StringVar(&email, "email", "", "new email address")
	cl, pos, err := c.prepare(fs, args, 1, 1, "one user id or email address")
	if err != nil {
		return err
	}
	set := setFlags(fs)
	var p httpapi.UserPatch
	str := func(name, v string, dst *httpapi.Optional[string]) {
		if set[name] {
			*dst = httpapi.Some(v)
		}
	}
	str("email", email, &p.Email)
	str("first-name", f.first, &p.FirstName)
	str("last-name", f.last, &p.LastName)
	str("display-name", f.display, &p.DisplayName)
	str("phone", f.phone, &p.PhoneNumber)
	str("title", f.title, &p.Title)
	str("department", f.department, &p.Department)
	if set["language"] {
		p.PreferredLanguage = httpapi.Some(roster.Language(f.language))
	}
	if set["license"] {
		p.License = httpapi.Some(roster.License(f.license))
	}
	if set["cc-role"] {
		p.CCRole = httpapi.Some(roster.CCRole(f.ccRole))
	}
	if set["admin-role"] {
		p.AdminRole = httpapi.Some(roster.AdminRole(f.adminRole))
	}
	if set["user-profile"] {
		p.UserProfileID = httpapi.Some(f.profile)
	}
	if !anyField(set) {
		return usageErrorf("nothing to change: give the fields as flags, like --license premium")
	}
	u, err := c.findUser(ctx, cl, pos[0])
	if err != nil {
		return err
	}
	// The version just read guards the change: a concurrent change fails with 412 instead of
	// being overwritten.
	u, err = cl.UpdateUser(ctx, c.org, u.ID, p, httpapi.ETag(u.Version))
	if err != nil {
		return err
	}
	return c.printUser(u)
}

func anyField(set map[string]bool) bool {
	for _, name := range []string{"email", "first-name", "last-name", "display-name", "phone", "title", "department", "language", "license", "cc-role", "admin-role", "user-profile"} {
		if set[name] {
			return true
		}
	}
	return false
}

func (c *usersCommand) action(ctx context.Context, sub string, fs *flag.FlagSet, args []string) error {
	cl, pos, err := c.prepare(fs, args, 1, 1, "one user id or email address")
	if err != nil {
		return err
	}
	u, err := c.findUser(ctx, cl, pos[0])
	if err != nil {
		return err
	}
	switch sub {
	case "delete":
		if err := cl.DeleteUser(ctx, c.org, u.ID, httpapi.ETag(u.Version)); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "deleted %s\n", u.Email)
		return nil
	case "deactivate":
		u, err = cl.DeactivateUser(ctx, c.org, u.ID, httpapi.ETag(u.Version))
	default:
		u, err = cl.ReactivateUser(ctx, c.org, u.ID, httpapi.ETag(u.Version))
	}
	if err != nil {
		return err
	}
	return c.printUser(u)
}
