package main

import (
	"context"
	"flag"
	"strconv"

	"roster"
	"roster/internal/httpapi"
)

// orgsCommand lists, shows, creates and changes organizations through the REST API. It takes
// no --org: an organization is its argument.
type orgsCommand struct {
	orgRemote
}

const orgsUsage = `roster orgs <list|get|create|update> [flags]
  list                 the organizations the token may see
  get ID               show one organization
  create --name NAME   create an organization (system token)
  update ID            change the fields given as flags
                       (--partner ID: the partner organization that manages it, "" for none)`

func (c *orgsCommand) run(ctx context.Context, args []string) error { return c.family().run(ctx, args) }

// family is the table of the subcommands of orgs.
func (c *orgsCommand) family() *family {
	return &family{name: "orgs", usage: orgsUsage, remote: &c.orgRemote, subcommands: map[string]subcommand{
		"list":   {outID, c.list},
		"get":    {outID, c.get},
		"create": {outID, named("create", c.save)},
		"update": {outID, named("update", c.save)},
	}}
}

func (c *orgsCommand) list(ctx context.Context, fs *flag.FlagSet, args []string) error {
	if _, err := c.parseRemote(fs, args); err != nil {
		return err
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	orgs, err := cl.Orgs(ctx)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(orgs)
	}
	rows := make([][]string, len(orgs))
	for i, o := range orgs {
		rows[i] = []string{o.ID, o.Name, string(o.Platform), strconv.Itoa(o.Usage.Users),
			seatText(o.Usage.Standard, o.Seats.Standard), seatText(o.Usage.Premium, o.Seats.Premium)}
	}
	c.table([]string{"ID", "NAME", "PLATFORM", "USERS", "STANDARD", "PREMIUM"}, rows)
	return nil
}

func seatText(used, seats int) string {
	if seats == 0 {
		return strconv.Itoa(used) + " (unlimited)"
	}
	return strconv.Itoa(used) + " of " + strconv.Itoa(seats)
}

func (c *orgsCommand) get(ctx context.Context, fs *flag.FlagSet, args []string) error {
	pos, err := c.parseRemote(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("expected one organization id")
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	o, err := cl.Org(ctx, pos[0])
	if err != nil {
		return err
	}
	return c.printOrg(o)
}

func (c *orgsCommand) printOrg(o *httpapi.Org) error {
	if c.json {
		return c.printJSON(o)
	}
	c.details([][2]string{
		{"ID", o.ID}, {"Name", o.Name}, {"Platform", string(o.Platform)},
		{"Send welcome email", strconv.FormatBool(o.Settings.SendWelcomeEmail)},
		{"Default language", string(o.Settings.DefaultLanguage)},
		{"Users", strconv.Itoa(o.Usage.Users)},
		{"Standard licenses", seatText(o.Usage.Standard, o.Seats.Standard)},
		{"Premium licenses", seatText(o.Usage.Premium, o.Seats.Premium)},
		{"Partner", partnerText(o.PartnerOrgID)},
		{"Version", strconv.FormatInt(o.Version, 10)},
	})
	return nil
}

// partnerText is how the details show an organization's partner.
func partnerText(id *string) string {
	if id == nil {
		return "none"
	}
	return *id
}

func (c *orgsCommand) save(ctx context.Context, sub string, fs *flag.FlagSet, args []string) error {
	var (
		name, platform, language, partner string
		welcome                           bool
		standard, premium                 int
	)
	fs.StringVar(&name, "name", "", "name of the organization")
	fs.StringVar(&platform, "platform", "", `contact-center platform: "new" or "1.0"`)
	fs.StringVar(&language, "language", "", "default language: en, sv, nl, es or pl")
	fs.BoolVar(&welcome, "send-welcome-email", true, "send invitations to new users")
	fs.IntVar(&standard, "standard-seats", 0, "standard agent seats (0 = unlimited)")
	fs.IntVar(&premium, "premium-seats", 0, "premium agent seats (0 = unlimited)")
	fs.StringVar(&partner, "partner", "", `id of the partner organization that manages it, "" for none (system token)`)
	pos, err := c.parseRemote(fs, args)
	if err != nil {
		return err
	}
	if want := map[string]int{"create": 0, "update": 1}[sub]; len(pos) != want {
		return usageErrorf("orgs %s takes %d argument(s)", sub, want)
	}
	set := setFlags(fs)
	var in httpapi.OrgInput
	if set["name"] {
		in.Name = httpapi.Some(name)
	}
	if set["platform"] {
		in.Platform = httpapi.Some(roster.Platform(platform))
	}
	switch {
	case set["partner"] && partner == "":
		in.PartnerOrgID = httpapi.Null[string]()
	case set["partner"]:
		in.PartnerOrgID = httpapi.Some(partner)
	}
	if set["language"] || set["send-welcome-email"] {
		in.Settings = &httpapi.OrgSettingsInput{}
		if set["language"] {
			in.Settings.DefaultLanguage = httpapi.Some(roster.Language(language))
		}
		if set["send-welcome-email"] {
			in.Settings.SendWelcomeEmail = httpapi.Some(welcome)
		}
	}
	if set["standard-seats"] || set["premium-seats"] {
		in.Seats = &httpapi.SeatsInput{}
		if set["standard-seats"] {
			in.Seats.Standard = httpapi.Some(standard)
		}
		if set["premium-seats"] {
			in.Seats.Premium = httpapi.Some(premium)
		}
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	var o *httpapi.Org
	if sub == "create" {
		o, err = cl.CreateOrg(ctx, in)
	} else {
		var cur *httpapi.Org
		if cur, err = cl.Org(ctx, pos[0]); err == nil {
			o, err = cl.UpdateOrg(ctx, pos[0], in, httpapi.ETag(cur.Version))
		}
	}
	if err != nil {
		return err
	}
	return c.printOrg(o)
}
