package console

import (
	"net/http"
	"net/url"

	"roster"
	"roster/internal/provision"
)

func (c *Console) registerOutbox(org func(string, orgHandler)) {
	org("GET /outbox", c.outbox)
	org("POST /outbox/resend", c.resendOne)
	org("POST /outbox/resend-all", c.resendAll)
}

// outboxSize is how many messages a page of the outbox shows.
const outboxSize = 25

// emailStates are the states the outbox filter offers.
var emailStates = []roster.EmailState{roster.EmailQueued, roster.EmailSent, roster.EmailFailed}

// outboxPage is a page of the invitations outbox, newest first.
type outboxPage struct {
	Emails []*provision.OutboxEmail
	Query  url.Values // the page's state, for links that change one part of it
	User   string     // only the messages of this user (the link of a user's page)
	State  roster.EmailState
	States []roster.EmailState
	// MailServer: a mail server sends the messages; without one they wait here.
	MailServer bool
	Next       string
	First      bool
}

func (c *Console) outbox(w http.ResponseWriter, r *http.Request, q *request) {
	c.renderOutbox(w, r, q, http.StatusOK, nil)
}

// renderOutbox shows the outbox page as the address asks for it, with the problems of a
// refused resend when there are some.
func (c *Console) renderOutbox(w http.ResponseWriter, r *http.Request, q *request, status int, errs problems) {
	query := r.URL.Query()
	f := roster.EmailFilter{OrgID: q.org.ID, UserID: query.Get("user"), State: roster.EmailState(query.Get("state")),
		Limit: outboxSize, Before: query.Get("before")}
	p := q.page(q.t.Text("outbox.title"), "outbox")
	p.Errors = errs
	if r.Method == http.MethodPost {
		p.Path = orgPath(q.org.ID, "/outbox") // the language switch comes back to the page, not the form's address
	}
	page, err := c.svc.Emails(r.Context(), q.actor, f)
	if roster.ErrorCode(err) == roster.CodeInvalid {
		// A state no form offers: say so and show every message.
		p.Errors = append(p.Errors, problemsOf(q.t, err)...)
		status = http.StatusUnprocessableEntity
		f = roster.EmailFilter{OrgID: q.org.ID, Limit: outboxSize}
		page, err = c.svc.Emails(r.Context(), q.actor, f)
	}
	if err != nil {
		c.failed(w, r, err)
		return
	}
	p.Data = outboxPage{Emails: page.Emails, Query: query, User: f.UserID, State: f.State, States: emailStates, MailServer: c.svc.MailServer(),
		Next: page.Next, First: f.Before == ""}
	c.render(w, r, status, "outbox", p)
}

// resendOne sends the user of a message a new invitation; provision says whether it may.
func (c *Console) resendOne(w http.ResponseWriter, r *http.Request, q *request) {
	user := r.PostFormValue("user")
	if _, err := c.svc.ResendInvitation(r.Context(), q.actor, q.org.ID, user); err != nil {
		c.refusedResend(w, r, q, err)
		return
	}
	c.flash(r, q.admin, q.t.Text("outbox.resent"))
	http.Redirect(w, r, orgPath(q.org.ID, "/outbox"), http.StatusSeeOther)
}

// resendAll starts the task that invites every pending user again, and shows its page.
func (c *Console) resendAll(w http.ResponseWriter, r *http.Request, q *request) {
	t, err := c.svc.StartResendInvitations(r.Context(), q.actor, q.org.ID)
	if err != nil {
		c.refusedResend(w, r, q, err)
		return
	}
	http.Redirect(w, r, orgPath(q.org.ID, "/tasks/"+t.ID), http.StatusSeeOther)
}

// refusedResend answers a resend provision refused: forbidden and unknown users get their
// pages, other refusals (the user accepted meanwhile, a resend task runs) the outbox with the
// reason at the top.
func (c *Console) refusedResend(w http.ResponseWriter, r *http.Request, q *request, err error) {
	switch roster.ErrorCode(err) {
	case roster.CodeForbidden, roster.CodeNotFound, roster.CodeInternal:
		c.failed(w, r, err)
		return
	}
	// The page shows the outbox's first page, whatever the form's address was.
	r.URL.RawQuery = ""
	c.renderOutbox(w, r, q, statusOf(err), problemsOf(q.t, err))
}
