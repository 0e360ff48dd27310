package console

import (
	"net/http"
	"strconv"
	"strings"

	"roster"
	"roster/internal/provision"
)

// Organization settings and API tokens (CONSOLE.md §2.15, §2.16). Name, welcome email and
// default language are the organization's own (full administrators); seats and the platform
// are the subscription's (installation administrators, provision.Permissions.System). Every
// form carries the organization's version, so a stale form is refused, not saved over
// someone's change.

func (c *Console) registerSettings(org func(string, orgHandler)) {
	org("GET /settings", c.settings)
	org("POST /settings", c.saveSettings)
	org("POST /settings/seats", c.saveSeats)
	org("POST /settings/partner", c.savePartner)
	org("GET /settings/platform", c.confirmPlatform)
	org("POST /settings/platform", c.changePlatform)
	org("GET /settings/tokens", c.tokens)
	org("POST /settings/tokens", c.createToken)
	org("GET /settings/tokens/{token}/delete", c.confirmDeleteToken)
	org("POST /settings/tokens/{token}/delete", c.deleteToken)
}

// settingsForm holds what the settings forms show: the organization's values, or what a
// refused form sent.
type settingsForm struct {
	Name             string
	SendWelcomeEmail bool
	DefaultLanguage  roster.Language
	Standard         string
	Premium          string
	PartnerID        string
}

func settingsOf(o *roster.Org) settingsForm {
	return settingsForm{Name: o.Name, SendWelcomeEmail: o.Settings.SendWelcomeEmail, DefaultLanguage: o.Settings.DefaultLanguage,
		Standard: strconv.Itoa(o.Seats.Standard), Premium: strconv.Itoa(o.Seats.Premium), PartnerID: o.PartnerID}
}

// settingsPage is what the settings page shows.
type settingsPage struct {
	Form      settingsForm
	Languages []languageName
	Platforms []roster.Platform
	Partner   *roster.Org   // the partner that manages the organization; nil when none does
	Orgs      []*roster.Org // the partners an installation administrator may choose from
}

func (c *Console) settings(w http.ResponseWriter, r *http.Request, q *request) {
	c.renderSettings(w, r, q, http.StatusOK, nil, nil)
}

// renderSettings shows the settings page; form, when not nil, keeps what a refused form sent.
func (c *Console) renderSettings(w http.ResponseWriter, r *http.Request, q *request, status int, form *settingsForm, errs problems) {
	data := settingsPage{Form: settingsOf(q.org), Languages: languageNames, Platforms: []roster.Platform{roster.PlatformNew, roster.Platform10}}
	if form != nil {
		data.Form = *form
	}
	var err error
	if data.Partner, err = c.svc.Partner(r.Context(), q.actor, q.org); err != nil {
		c.failed(w, r, err)
		return
	}
	if q.can.System {
		orgs, err := c.svc.Orgs(r.Context(), q.actor)
		if err != nil {
			c.failed(w, r, err)
			return
		}
		for _, o := range orgs {
			if o.ID != q.org.ID {
				data.Orgs = append(data.Orgs, o)
			}
		}
	}
	p := q.page(q.t.Text("settings.title"), "settings")
	p.Errors = errs
	p.Data = data
	c.render(w, r, status, "settings", p)
}

// orgVersion reads the version of the organization the form was made from; a form without
// one cannot tell whether someone changed the settings since, so it is refused.
func orgVersion(r *http.Request) (int64, error) {
	v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || v <= 0 {
		return 0, roster.Errorf(roster.CodePreconditionRequired, "The form lacks the version of the organization it was made from.")
	}
	return v, nil
}

// updateOrg saves a change of a settings form. A stale form shows the page with the current
// values and says why; other refusals show what was entered with the messages at the fields.
func (c *Console) updateOrg(w http.ResponseWriter, r *http.Request, q *request, form settingsForm, change provision.OrgChange, done string) {
	v, err := orgVersion(r)
	if err == nil {
		_, err = c.svc.UpdateOrg(r.Context(), q.actor, q.org.ID, change, v)
	}
	switch roster.ErrorCode(err) {
	case "":
		c.flash(r, q.admin, q.t.Text(done))
		http.Redirect(w, r, orgPath(q.org.ID, "/settings"), http.StatusSeeOther)
	case roster.CodeNotFound, roster.CodeForbidden, roster.CodeInternal:
		c.failed(w, r, err)
	case roster.CodePreconditionFailed, roster.CodePreconditionRequired, roster.CodeVersionConflict:
		c.renderSettings(w, r, q, http.StatusConflict, nil, problems{{Message: q.t.Text("settings.stale")}})
	default:
		c.renderSettings(w, r, q, statusOf(err), &form, problemsOf(q.t, err))
	}
}

func (c *Console) saveSettings(w http.ResponseWriter, r *http.Request, q *request) {
	f := settingsOf(q.org)
	f.Name = strings.TrimSpace(r.PostFormValue("name"))
	f.SendWelcomeEmail = r.PostFormValue("settings.sendWelcomeEmail") == "true"
	f.DefaultLanguage = roster.Language(r.PostFormValue("settings.defaultLanguage"))
	c.updateOrg(w, r, q, f, provision.OrgChange{Name: &f.Name, SendWelcomeEmail: &f.SendWelcomeEmail, DefaultLanguage: &f.DefaultLanguage},
		"settings.saved")
}

// saveSeats changes the seats. Provision judges the counts; a value that is not a number at
// all is refused here, at its field, before anything is asked.
func (c *Console) saveSeats(w http.ResponseWriter, r *http.Request, q *request) {
	f := settingsOf(q.org)
	f.Standard = strings.TrimSpace(r.PostFormValue("seats.standard"))
	f.Premium = strings.TrimSpace(r.PostFormValue("seats.premium"))
	var bad []roster.FieldError
	number := func(field, s string) *int {
		n, err := strconv.Atoi(s)
		if err != nil {
			bad = append(bad, roster.FieldError{Field: field, Code: roster.CodeInvalid, Message: "A seat count is a whole number."})
			return nil
		}
		return &n
	}
	change := provision.OrgChange{StandardSeats: number("seats.standard", f.Standard), PremiumSeats: number("seats.premium", f.Premium)}
	if len(bad) > 0 {
		// Who may not change seats is told so, not that the number is wrong.
		if !q.can.System {
			c.failed(w, r, roster.Errorf(roster.CodeForbidden, "Only installation administrators change seats."))
			return
		}
		c.renderSettings(w, r, q, http.StatusUnprocessableEntity, &f, problemsOf(q.t, roster.InvalidFields(bad...)))
		return
	}
	c.updateOrg(w, r, q, f, change, "settings.seats_saved")
}

// savePartner sets or removes the partner organization that manages this one.
func (c *Console) savePartner(w http.ResponseWriter, r *http.Request, q *request) {
	f := settingsOf(q.org)
	f.PartnerID = r.PostFormValue("partnerOrgId")
	c.updateOrg(w, r, q, f, provision.OrgChange{PartnerID: &f.PartnerID}, "settings.partner.saved")
}

// platformPage is the confirmation of a platform change: what it changes, and what stands in
// its way.
type platformPage struct {
	Change  *provision.PlatformChange
	Version int64
}

func (c *Console) confirmPlatform(w http.ResponseWriter, r *http.Request, q *request) {
	to := roster.Platform(r.URL.Query().Get("platform"))
	if to == q.org.Platform && q.can.System {
		http.Redirect(w, r, orgPath(q.org.ID, "/settings#platform"), http.StatusSeeOther)
		return
	}
	c.renderPlatform(w, r, q, to, http.StatusOK, nil)
}

func (c *Console) renderPlatform(w http.ResponseWriter, r *http.Request, q *request, to roster.Platform, status int, errs problems) {
	pc, err := c.svc.PreviewPlatformChange(r.Context(), q.actor, q.org.ID, to)
	if roster.ErrorCode(err) == roster.CodeInvalid {
		c.renderSettings(w, r, q, http.StatusUnprocessableEntity, nil, problemsOf(q.t, err))
		return
	}
	if err != nil {
		c.failed(w, r, err)
		return
	}
	p := q.page(q.t.Text("settings.platform.confirm.title", "Platform", q.t.Text("platform."+string(to))), "settings")
	p.Errors = errs
	p.Data = platformPage{Change: pc, Version: q.org.Version}
	c.render(w, r, status, "settings-platform", p)
}

func (c *Console) changePlatform(w http.ResponseWriter, r *http.Request, q *request) {
	to := roster.Platform(r.PostFormValue("platform"))
	v, err := orgVersion(r)
	if err == nil {
		_, err = c.svc.UpdateOrg(r.Context(), q.actor, q.org.ID, provision.OrgChange{Platform: &to}, v)
	}
	switch roster.ErrorCode(err) {
	case "":
		c.flash(r, q.admin, q.t.Text("settings.platform.changed", "Platform", q.t.Text("platform."+string(to))))
		http.Redirect(w, r, orgPath(q.org.ID, "/settings"), http.StatusSeeOther)
	case roster.CodeNotFound, roster.CodeForbidden, roster.CodeInternal:
		c.failed(w, r, err)
	case roster.CodePreconditionFailed, roster.CodePreconditionRequired, roster.CodeVersionConflict:
		c.renderSettings(w, r, q, http.StatusConflict, nil, problems{{Message: q.t.Text("settings.stale")}})
	case roster.CodeInvalid:
		c.renderSettings(w, r, q, http.StatusUnprocessableEntity, nil, problemsOf(q.t, err))
	default:
		// The organization may have changed since the page counted: count again.
		c.renderPlatform(w, r, q, to, statusOf(err), problemsOf(q.t, err))
	}
}

// tokensPage lists the organization's API tokens. Secret is the secret of the token just
// created: it is on this one answer and nowhere else (only its hash is stored).
type tokensPage struct {
	Tokens  []*roster.APIToken
	Created *roster.APIToken
	Secret  string
	Name    string
	Role    roster.AdminRole
	Roles   []roster.AdminRole
	// Key names this rendering of the form: sent twice (a reload of the page that showed the
	// secret), the form creates no second token.
	Key string
}

var tokenRoles = []roster.AdminRole{roster.AdminFull, roster.AdminCCService, roster.AdminReadOnly}

func (c *Console) tokens(w http.ResponseWriter, r *http.Request, q *request) {
	c.renderTokens(w, r, q, http.StatusOK, tokensPage{Role: roster.AdminReadOnly}, nil)
}

func (c *Console) renderTokens(w http.ResponseWriter, r *http.Request, q *request, status int, data tokensPage, errs problems) {
	tokens, err := c.svc.Tokens(r.Context(), q.actor, q.org.ID)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	data.Tokens, data.Roles, data.Key = tokens, tokenRoles, roster.NewID()
	p := q.page(q.t.Text("tokens.title"), "settings")
	p.Errors = errs
	p.Data = data
	c.render(w, r, status, "tokens", p)
}

// createToken mints a token and answers with its secret on this page itself, not after a
// redirect: a redirect would need the secret kept somewhere (a flash, the session) until the
// next page. Pages are never cached (no-store), so the secret leaves no copy behind. The form's
// key makes a second sending of it (a reload of this answer) create nothing.
func (c *Console) createToken(w http.ResponseWriter, r *http.Request, q *request) {
	in := provision.NewToken{OrgID: q.org.ID, Name: strings.TrimSpace(r.PostFormValue("name")), Role: roster.AdminRole(r.PostFormValue("role")),
		Key: r.PostFormValue("key")}
	t, secret, err := c.svc.CreateToken(r.Context(), q.actor, in)
	switch roster.ErrorCode(err) {
	case "":
		c.renderTokens(w, r, q, http.StatusOK, tokensPage{Created: t, Secret: secret, Role: roster.AdminReadOnly}, nil)
	case roster.CodeNotFound, roster.CodeForbidden, roster.CodeInternal:
		c.failed(w, r, err)
	case roster.CodeConflict:
		c.renderTokens(w, r, q, http.StatusConflict, tokensPage{Role: roster.AdminReadOnly}, problems{{Message: q.t.Text("tokens.sent_twice")}})
	default:
		c.renderTokens(w, r, q, statusOf(err), tokensPage{Name: in.Name, Role: in.Role}, problemsOf(q.t, err))
	}
}

// tokenOf returns the token of the address, among the organization's.
func (c *Console) tokenOf(r *http.Request, q *request) (*roster.APIToken, error) {
	tokens, err := c.svc.Tokens(r.Context(), q.actor, q.org.ID)
	if err != nil {
		return nil, err
	}
	for _, t := range tokens {
		if t.ID == r.PathValue("token") {
			return t, nil
		}
	}
	return nil, roster.Errorf(roster.CodeNotFound, "The token was not found.")
}

func (c *Console) confirmDeleteToken(w http.ResponseWriter, r *http.Request, q *request) {
	t, err := c.tokenOf(r, q)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	p := q.page(q.t.Text("tokens.delete.title", "Name", t.Name), "settings")
	p.Data = t
	c.render(w, r, http.StatusOK, "token-delete", p)
}

func (c *Console) deleteToken(w http.ResponseWriter, r *http.Request, q *request) {
	t, err := c.tokenOf(r, q)
	if err == nil {
		err = c.svc.DeleteToken(r.Context(), q.actor, q.org.ID, t.ID)
	}
	if err != nil {
		c.failed(w, r, err)
		return
	}
	c.flash(r, q.admin, q.t.Text("tokens.deleted", "Name", t.Name))
	http.Redirect(w, r, orgPath(q.org.ID, "/settings/tokens"), http.StatusSeeOther)
}
