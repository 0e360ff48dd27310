package provision

import (
	"context"

	"roster"
	"roster/internal/mail"
)

// WithMailServer tells the service that a mail server delivers the outbox (roster serve
// --smtp-url): the outbox then shows no invitation link to anyone, since nobody needs to hand
// it over.
func WithMailServer() Option { return func(s *Service) { s.mailServer = true } }

// LinkStatus says whether the outbox shows the link of a message, and why not. The link lets
// anyone accept the account, so it is shown only to whom needs it, while it works.
type LinkStatus string

// Link statuses.
const (
	// LinkShown: the message waits in the outbox and no mail server sends it, so a full
	// administrator reads the link to hand it over.
	LinkShown LinkStatus = "shown"
	// LinkRestricted: only full administrators and installation tokens see links.
	LinkRestricted LinkStatus = "restricted"
	// LinkMailServer: a mail server delivers the message, and the link to the recipient only.
	LinkMailServer LinkStatus = "mail_server"
	// LinkSent: the message was sent; only the recipient has the link.
	LinkSent LinkStatus = "sent"
	// LinkNotSent: the message failed and its link was dropped; send a new invitation.
	LinkNotSent LinkStatus = "not_sent"
	// LinkExpired: the invitation has expired; send a new one.
	LinkExpired LinkStatus = "expired"
)

// linkNotes stand for a link the outbox does not show, in the text of the message.
var linkNotes = map[LinkStatus]string{
	LinkRestricted: "(link shown to full administrators only)",
	LinkMailServer: "(link sent by email only)",
	LinkSent:       "(link sent to the recipient only)",
	LinkNotSent:    "(link dropped: the message was not sent)",
	LinkExpired:    "(link expired)",
}

// OutboxEmail is a message of the outbox as an administrator reads it: the link only while
// LinkStatus is LinkShown, and the subject and text as sent, with a note in place of a link
// that is not shown.
type OutboxEmail struct {
	*roster.Email
	LinkStatus    LinkStatus
	Subject, Text string
}

// OutboxPage is one page of the outbox.
type OutboxPage struct {
	Emails []*OutboxEmail
	Next   string
}

// Emails returns a page of an organization's outbox, each message as the actor may read it.
func (s *Service) Emails(ctx context.Context, a roster.Actor, f roster.EmailFilter) (*OutboxPage, error) {
	if err := authorize(a, f.OrgID, permRead); err != nil {
		return nil, err
	}
	if f.State != "" && !f.State.Valid() {
		return nil, roster.InvalidFields(*enumError("state", string(f.State), "queued, sent, failed"))
	}
	if err := CheckPageSize(f.Limit); err != nil {
		return nil, err
	}
	page, err := s.store.FindEmails(ctx, f)
	if err != nil {
		return nil, err
	}
	org, err := s.store.FindOrgByID(ctx, f.OrgID)
	if err != nil {
		return nil, err
	}
	out := &OutboxPage{Emails: make([]*OutboxEmail, len(page.Emails)), Next: page.Next}
	for i, e := range page.Emails {
		if out.Emails[i], err = s.shown(a, org.Name, e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// linkStatus says whether actor a may read the link of e now. The one rule of who reads links.
func (s *Service) linkStatus(a roster.Actor, e *roster.Email) LinkStatus {
	switch {
	case e.State == roster.EmailSent:
		return LinkSent
	case e.State != roster.EmailQueued || e.Link == "":
		return LinkNotSent
	case s.mailServer:
		return LinkMailServer
	case authorize(a, e.OrgID, permUsers) != nil:
		return LinkRestricted
	case !e.ExpiresAt.IsZero() && !s.clock().Before(e.ExpiresAt):
		return LinkExpired
	}
	return LinkShown
}

// shown is e of organization orgName as actor a may read it.
func (s *Service) shown(a roster.Actor, orgName string, e *roster.Email) (*OutboxEmail, error) {
	c := *e
	out := &OutboxEmail{Email: &c, LinkStatus: s.linkStatus(a, e)}
	if out.LinkStatus != LinkShown {
		c.Link = ""
	}
	link := c.Link
	if link == "" {
		link = linkNotes[out.LinkStatus]
	}
	var err error
	out.Subject, out.Text, _, err = renderEmail(orgName, &c, link)
	return out, err
}

// RenderEmail returns the subject and bodies of a message of organization orgName as the
// outbox sends it, from what the message stored; the outbox shows the same text, with a note
// where it does not show the link.
func RenderEmail(orgName string, e *roster.Email) (subject, text, html string, err error) {
	return renderEmail(orgName, e, e.Link)
}

func renderEmail(orgName string, e *roster.Email, link string) (subject, text, html string, err error) {
	return mail.Invitation(string(e.Language), mail.InvitationData{OrgName: orgName, DisplayName: e.ToName,
		Email: e.To, Link: link, ExpiresAt: e.ExpiresAt})
}

// MailServer reports whether a mail server delivers the outbox. Without one, messages wait in
// the outbox for an administrator to hand their links over, and pages say so.
func (s *Service) MailServer() bool { return s.mailServer }
