package main

import (
	"context"
	"flag"
	"fmt"

	"roster/internal/httpapi"
	"roster/internal/provision"
)

// invitationsCommand shows the outbox of invitations and resends them.
type invitationsCommand struct {
	orgRemote
}

const invitationsUsage = `roster invitations <list|resend> --org ID [flags]
  list                 the outbox, newest first, and the links to hand over (filters: --user, --state queued|sent|failed)
  resend --user USER   send a pending user a new invitation (id or email); older links stop working
  resend --all-pending send every pending user a new invitation, as a task (--wait follows it)`

func (c *invitationsCommand) run(ctx context.Context, args []string) error {
	return c.family().run(ctx, args)
}

// family is the table of the subcommands of invitations.
func (c *invitationsCommand) family() *family {
	return &family{name: "invitations", usage: invitationsUsage, remote: &c.orgRemote, withOrg: true, subcommands: map[string]subcommand{
		"list":   {outTable, c.list},
		"resend": {outTable, c.resend},
	}}
}

func (c *invitationsCommand) list(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var q httpapi.EmailQuery
	var user string
	var p pages
	fs.StringVar(&user, "user", "", "only the messages of this user (id or email)")
	fs.StringVar((*string)(&q.State), "state", "", "queued, sent or failed")
	p.register(fs, "messages", false)
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	q.Limit, q.Cursor = p.limit, p.cursor
	if user != "" {
		u, err := c.findUser(ctx, cl, user)
		if err != nil {
			return err
		}
		q.UserID = u.ID
	}
	page, err := cl.Emails(ctx, c.org, q)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(page)
	}
	if len(page.Items) == 0 {
		fmt.Fprintln(c.stdout, "No messages.")
		return nil
	}
	rows := make([][]string, len(page.Items))
	for i, e := range page.Items {
		note := "-"
		if e.LastError != nil {
			note = *e.LastError
		}
		rows[i] = []string{e.To, string(e.Language), string(e.State), fmt.Sprint(e.Attempts), e.CreatedAt.Format(timeLayout), note, linkCell(e)}
	}
	c.table([]string{"TO", "LANG", "STATE", "TRIES", "CREATED", "LAST ERROR", "LINK"}, rows)
	c.nextPage(page.NextCursor)
	return nil
}

// linkNotes say why the outbox shows no link, by its linkStatus.
var linkNotes = map[provision.LinkStatus]string{
	provision.LinkRestricted: "(full administrators only)",
	provision.LinkMailServer: "(the mail server sends it)",
	provision.LinkSent:       "(sent to the recipient)",
	provision.LinkNotSent:    "(dropped: not sent)",
	provision.LinkExpired:    "(expired)",
}

// linkCell is the link of a message, while an administrator hands it over, or why not.
func linkCell(e httpapi.Email) string {
	if e.Link != nil {
		return *e.Link
	}
	if note, ok := linkNotes[e.LinkStatus]; ok {
		return note
	}
	return "-"
}

func (c *invitationsCommand) resend(ctx context.Context, fs *flag.FlagSet, args []string) error {
	var user string
	var all, wait bool
	fs.StringVar(&user, "user", "", "the pending user to invite again (id or email)")
	fs.BoolVar(&all, "all-pending", false, "invite every pending user again, as a background task")
	fs.BoolVar(&wait, "wait", false, "with --all-pending: follow the task until it ends "+waitExit)
	cl, _, err := c.prepare(fs, args, 0, 0, "no arguments (name the user with --user, or --all-pending)")
	if err != nil {
		return err
	}
	if (user == "") == !all {
		return usageErrorf("name one user with --user, or every pending user with --all-pending")
	}
	if all {
		t, err := cl.ResendInvitations(ctx, c.org)
		if err != nil {
			return err
		}
		if wait {
			return c.follow(ctx, cl, t)
		}
		return c.queued(t, fmt.Sprintf("Invitations to every pending user are queued as task %s.", t.ID), "")
	}
	u, err := c.findUser(ctx, cl, user)
	if err != nil {
		return err
	}
	e, err := cl.ResendInvitation(ctx, c.org, u.ID)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(e)
	}
	until := "-"
	if e.ExpiresAt != nil {
		until = e.ExpiresAt.Format(timeLayout)
	}
	fmt.Fprintf(c.stdout, "A new invitation to %s is queued (valid until %s); earlier links no longer work.\n", e.To, until)
	return nil
}
