package console

import (
	"net/http"
	"strings"

	"roster"
	"roster/internal/provision"
)

// minPassword is the shortest console password, as provision checks it; the page says it.
const minPassword = 12

// invitePage is what the invitation page shows.
type invitePage struct {
	Name     string
	Org      string
	Email    string
	Problem  string // why the link does not work; "" when it does
	Done     bool   // accepted
	Password bool   // an administrator: the form asks for a console password
	Min      int    // the shortest password
}

// renderForm shows the form again with what to fix (a catalog key).
func (c *Console) renderForm(w http.ResponseWriter, r *http.Request, who *provision.Invitee, field, key string) {
	p := c.invitePage(r, who, false)
	p.Errors = problems{{Field: field, Message: p.T.Text(key, "Min", minPassword)}}
	c.render(w, r, http.StatusUnprocessableEntity, "invite", p)
}

func (c *Console) showInvitation(w http.ResponseWriter, r *http.Request) {
	who, err := c.svc.Invitation(r.Context(), r.PathValue("token"))
	c.renderInvitation(w, r, who, err, false)
}

func (c *Console) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	token, password := r.PathValue("token"), r.PostForm.Get("password")
	if password != r.PostForm.Get("confirm") {
		who, err := c.svc.Invitation(r.Context(), token)
		if err == nil {
			c.renderForm(w, r, who, "confirm", "invite.mismatch")
			return
		}
		c.renderInvitation(w, r, who, err, false)
		return
	}
	who, err := c.svc.AcceptInvitation(r.Context(), token, password)
	if roster.ErrorCode(err) == roster.CodeInvalid && who != nil {
		c.renderForm(w, r, who, "password", "invite.too_short")
		return
	}
	if err != nil {
		// Say why in the invited person's language, when the link names one.
		if shown, _ := c.svc.Invitation(r.Context(), r.PathValue("token")); shown != nil {
			who = shown
		}
	}
	c.renderInvitation(w, r, who, err, err == nil)
}

// invitePage is the page of who (nil when the link names no one), in the invited person's
// language, else the browser's.
func (c *Console) invitePage(r *http.Request, who *provision.Invitee, done bool) *page {
	lang := c.language(r, nil)
	d := invitePage{Done: done, Min: minPassword}
	if who != nil {
		lang = who.User.PreferredLanguage
		if lang == "" {
			lang = who.Org.Settings.DefaultLanguage
		}
		d.Name, d.Org, d.Email, d.Password = who.User.FirstName, who.Org.Name, who.User.Email, who.NeedsPassword()
	}
	t := c.cat.For(lang)
	return &page{T: t, Title: t.Text("invite.title"), Data: &d}
}

// renderInvitation answers with the page of who, or with why the link does not work.
func (c *Console) renderInvitation(w http.ResponseWriter, r *http.Request, who *provision.Invitee, err error, done bool) {
	p := c.invitePage(r, who, done)
	d := p.Data.(*invitePage)
	status := http.StatusOK
	switch roster.ErrorCode(err) {
	case "":
	case roster.CodeNotFound:
		status, d.Problem = http.StatusNotFound, p.T.Text("invite.unknown")
	case roster.CodeConflict:
		status, d.Problem = http.StatusGone, p.T.Text("invite.used")
		if strings.Contains(roster.ErrorMessage(err), "expired") {
			d.Problem = p.T.Text("invite.expired")
		}
	default:
		c.log.ErrorContext(r.Context(), "invitation page", "err", err)
		status, d.Problem = http.StatusInternalServerError, p.T.Text("invite.failed")
	}
	c.render(w, r, status, "invite", p)
}
