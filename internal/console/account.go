package console

import (
	"net/http"

	"roster"
	"roster/internal/provision"
)

// accountPage is what the account page shows.
type accountPage struct {
	Sessions  []*roster.ConsoleSession
	Current   string // the id of this browser's session
	Languages []roster.Language
}

func (c *Console) account(w http.ResponseWriter, r *http.Request, admin *provision.Admin) {
	c.renderAccount(w, r, admin, http.StatusOK, nil)
}

func (c *Console) renderAccount(w http.ResponseWriter, r *http.Request, admin *provision.Admin, status int, errs problems) {
	sessions, err := c.svc.Sessions(r.Context(), admin)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	t := c.localizer(r, admin)
	c.render(w, r, status, "account", &page{T: t, Admin: admin, Title: t.Text("account.title"), Errors: errs,
		Data: accountPage{Sessions: sessions, Current: admin.Session.ID, Languages: roster.Languages}})
}

func (c *Console) changePassword(w http.ResponseWriter, r *http.Request, admin *provision.Admin) {
	t := c.localizer(r, admin)
	next := r.PostFormValue("password")
	if next != r.PostFormValue("confirm") {
		c.renderAccount(w, r, admin, http.StatusUnprocessableEntity, problems{{Field: "confirm", Message: t.Text("account.password_mismatch")}})
		return
	}
	err := c.svc.ChangePassword(r.Context(), admin, r.PostFormValue("current"), next)
	if err != nil {
		if roster.ErrorCode(err) == roster.CodeInternal {
			c.failed(w, r, err)
			return
		}
		errs := problemsOf(t, err)
		for i := range errs {
			if errs[i].Field == "current" {
				errs[i].Message = t.Text("account.current_wrong")
			}
		}
		c.renderAccount(w, r, admin, statusOf(err), errs)
		return
	}
	c.flash(r, admin, t.Text("account.password_changed"))
	http.Redirect(w, r, "/console/account", http.StatusSeeOther)
}

func (c *Console) signOutOthers(w http.ResponseWriter, r *http.Request, admin *provision.Admin) {
	n, err := c.svc.SignOutOthers(r.Context(), admin)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	c.flash(r, admin, c.localizer(r, admin).Plural("account.signed_out_others", n))
	http.Redirect(w, r, "/console/account", http.StatusSeeOther)
}

// orgsPage is the organizations page: every organization for an installation administrator,
// who creates them here; a partner's own organization and its customers for the partner's
// administrators (the organization switcher).
type orgsPage struct {
	Orgs      []*roster.Org
	Partners  map[string]string // the partners' names by id
	Name      string
	Platform  roster.Platform
	Platforms []roster.Platform
}

func (c *Console) orgs(w http.ResponseWriter, r *http.Request, admin *provision.Admin) {
	c.renderOrgs(w, r, admin, http.StatusOK, orgsPage{Platform: roster.PlatformNew}, nil)
}

func (c *Console) renderOrgs(w http.ResponseWriter, r *http.Request, admin *provision.Admin, status int, form orgsPage, errs problems) {
	switch {
	case admin.Installation:
		orgs, err := c.svc.Orgs(r.Context(), admin.Actor(admin.Org.ID))
		if err != nil {
			c.failed(w, r, err)
			return
		}
		form.Orgs = orgs
	case len(admin.Customers) > 0:
		form.Orgs = append([]*roster.Org{admin.Org}, admin.Customers...)
	default:
		c.errorPage(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	form.Partners = map[string]string{}
	for _, o := range form.Orgs {
		form.Partners[o.ID] = o.Name
	}
	t := c.localizer(r, admin)
	form.Platforms = []roster.Platform{roster.PlatformNew, roster.Platform10}
	c.render(w, r, status, "orgs", &page{T: t, Admin: admin, Title: t.Text("orgs.title"), Errors: errs, Data: form})
}

func (c *Console) createOrg(w http.ResponseWriter, r *http.Request, admin *provision.Admin) {
	form := orgsPage{Name: r.PostFormValue("name"), Platform: roster.Platform(r.PostFormValue("platform"))}
	if !admin.Installation {
		c.errorPage(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	o, err := c.svc.CreateOrg(r.Context(), admin.Actor(admin.Org.ID), provision.OrgChange{Name: &form.Name, Platform: &form.Platform})
	if err != nil {
		if roster.ErrorCode(err) == roster.CodeInternal {
			c.failed(w, r, err)
			return
		}
		c.renderOrgs(w, r, admin, statusOf(err), form, problemsOf(c.localizer(r, admin), err))
		return
	}
	c.flash(r, admin, c.localizer(r, admin).Text("orgs.created", "Name", o.Name))
	http.Redirect(w, r, orgPath(o.ID, "/"), http.StatusSeeOther)
}
