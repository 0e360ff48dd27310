package console

import (
	"net/http"
	"strconv"
	"strings"

	"roster"
	"roster/internal/provision"
)

// The groups pages (CONSOLE.md §2.9): the list with a create form, a group's page with its
// settings and members (paged, added by email, removed after a confirmation that counts the
// licenses lost), and the confirmation of a deletion.

func (c *Console) registerGroups(org func(string, orgHandler)) {
	org("GET /groups", c.groups)
	org("POST /groups", c.createGroup)
	org("GET /groups/{group}", c.group)
	org("POST /groups/{group}", c.updateGroup)
	org("POST /groups/{group}/members", c.addMembers)
	org("POST /groups/{group}/members/remove", c.removeMembers)
	org("GET /groups/{group}/delete", c.confirmDeleteGroup)
	org("POST /groups/{group}/delete", c.deleteGroup)
	c.registerAssignment(org)
}

// groupsPageSize is how many groups, or members, a page lists.
const groupsPageSize = 50

// groupsPage is the list of groups and the create form.
type groupsPage struct {
	Groups   []*roster.Group
	Next     string
	First    bool
	Name     string // the create form's values
	License  roster.License
	Licenses []roster.License
}

func (c *Console) groups(w http.ResponseWriter, r *http.Request, q *request) {
	c.renderGroups(w, r, q, http.StatusOK, groupsPage{License: roster.LicenseNone}, nil)
}

func (c *Console) renderGroups(w http.ResponseWriter, r *http.Request, q *request, status int, data groupsPage, errs problems) {
	after := r.URL.Query().Get("after")
	page, err := c.svc.Groups(r.Context(), q.actor, roster.GroupFilter{OrgID: q.org.ID, Limit: groupsPageSize, After: after})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	data.Groups, data.Next, data.First, data.Licenses = page.Groups, page.Next, after == "", options.Licenses
	p := q.page(q.t.Text("groups.title"), "groups")
	p.Errors = errs
	p.Data = data
	c.render(w, r, status, "groups", p)
}

func (c *Console) createGroup(w http.ResponseWriter, r *http.Request, q *request) {
	name, license := r.PostFormValue("name"), roster.License(r.PostFormValue("license"))
	g, err := c.svc.CreateGroup(r.Context(), q.actor, q.org.ID, provision.GroupInput{Name: &name, License: &license})
	if err != nil {
		if code := roster.ErrorCode(err); code == roster.CodeForbidden || code == roster.CodeInternal {
			c.failed(w, r, err)
			return
		}
		c.renderGroups(w, r, q, statusOf(err), groupsPage{Name: name, License: license}, groupProblems(q, err))
		return
	}
	c.flash(r, q.admin, q.t.Text("groups.created", "Name", g.Name))
	http.Redirect(w, r, orgPath(q.org.ID, "/groups/"+g.ID), http.StatusSeeOther)
}

// groupProblems are a refused group form's problems; a name in use is the name field's.
func groupProblems(q *request, err error) problems {
	if roster.ErrorCode(err) == roster.CodeNameExists {
		return problems{{Field: "name", Message: q.t.Text("groups.name_taken")}}
	}
	return problemsOf(q.t, err)
}

// groupPage is a group's page.
type groupPage struct {
	Group    *roster.Group
	Members  []*roster.Membership
	Next     string
	First    bool
	Name     string // the settings form's values
	License  roster.License
	Emails   string // the add form's value
	Licenses []roster.License
	Mode     roster.AssignmentMode
	Notice   string // what a form did, shown with the problems it left
}

func (c *Console) group(w http.ResponseWriter, r *http.Request, q *request) {
	c.renderGroup(w, r, q, http.StatusOK, nil, nil)
}

// renderGroup shows the group of the address; form, when not nil, keeps what a refused form
// sent.
func (c *Console) renderGroup(w http.ResponseWriter, r *http.Request, q *request, status int, form *groupPage, errs problems) {
	ctx := r.Context()
	g, err := c.svc.Group(ctx, q.actor, q.org.ID, r.PathValue("group"))
	if err != nil {
		c.failed(w, r, err)
		return
	}
	after := r.URL.Query().Get("after")
	ms, err := c.svc.Memberships(ctx, q.actor, roster.MembershipFilter{OrgID: q.org.ID, GroupID: g.ID, Limit: groupsPageSize, After: after})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	data := groupPage{Name: g.Name, License: g.License}
	if form != nil {
		if form.License != "" { // a refused settings form
			data.Name, data.License = form.Name, form.License
		}
		data.Emails, data.Notice = form.Emails, form.Notice
	}
	data.Group, data.Members, data.Next, data.First = g, ms.Memberships, ms.Next, after == ""
	data.Licenses, data.Mode = options.Licenses, q.org.Assignment.Mode
	p := q.page(g.Name, "groups")
	p.Flash = data.Notice
	p.Errors = errs
	p.Data = data
	c.render(w, r, status, "group", p)
}

// groupVersion reads the version of the group a form was made from.
func groupVersion(r *http.Request) (int64, error) {
	v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || v <= 0 {
		return 0, roster.Errorf(roster.CodePreconditionRequired, "The form lacks the version of the group it was made from.")
	}
	return v, nil
}

// updateGroup renames a group and changes its license. A role that may change licenses but
// not users (cc_service) gets a form without the name, and changes the license only.
func (c *Console) updateGroup(w http.ResponseWriter, r *http.Request, q *request) {
	if err := r.ParseForm(); err != nil {
		c.failed(w, r, roster.Errorf(roster.CodeInvalid, "The form could not be read."))
		return
	}
	var in provision.GroupInput
	form := groupPage{License: roster.License(r.PostFormValue("license")), Name: r.PostFormValue("name")}
	if _, ok := r.PostForm["name"]; ok {
		in.Name = &form.Name
	}
	if _, ok := r.PostForm["license"]; ok {
		in.License = &form.License
	}
	v, err := groupVersion(r)
	if err == nil {
		_, err = c.svc.UpdateGroup(r.Context(), q.actor, q.org.ID, r.PathValue("group"), in, v)
	}
	switch code := roster.ErrorCode(err); {
	case err == nil:
		c.flash(r, q.admin, q.t.Text("groups.saved"))
		http.Redirect(w, r, orgPath(q.org.ID, "/groups/"+r.PathValue("group")), http.StatusSeeOther)
	case code == roster.CodeNotFound || code == roster.CodeForbidden || code == roster.CodeInternal:
		c.failed(w, r, err)
	case code == roster.CodePreconditionFailed || code == roster.CodePreconditionRequired || code == roster.CodeVersionConflict:
		c.renderGroup(w, r, q, http.StatusConflict, nil, problems{{Message: q.t.Text("groups.stale")}})
	default:
		c.renderGroup(w, r, q, statusOf(err), &form, groupProblems(q, err))
	}
}

// addMembers adds the pasted addresses to the group. Addresses of no user of the
// organization are shown at the field, kept in it, while the others are added.
func (c *Console) addMembers(w http.ResponseWriter, r *http.Request, q *request) {
	text := r.PostFormValue("emails")
	emails := provision.SplitEmails(text)
	if len(emails) == 0 {
		c.renderGroup(w, r, q, http.StatusUnprocessableEntity, &groupPage{Emails: text}, problems{{Field: "emails", Message: q.t.Text("groups.members.none_entered")}})
		return
	}
	res, err := c.svc.AddMembers(r.Context(), q.actor, q.org.ID, r.PathValue("group"), provision.MemberRefs{Emails: emails})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	msg := q.t.Plural("groups.members.added", res.Changed)
	if res.Waiting > 0 {
		msg += " " + q.t.Plural("groups.members.waiting", res.Waiting)
	}
	if len(res.Failed) == 0 {
		c.flash(r, q.admin, msg)
		http.Redirect(w, r, orgPath(q.org.ID, "/groups/"+r.PathValue("group")+"#members"), http.StatusSeeOther)
		return
	}
	var failed []string
	errs := problems{}
	for _, f := range res.Failed {
		failed = append(failed, f.Email)
		m := q.t.Text("groups.members.unknown", "Email", f.Email)
		if f.Code != roster.CodeNotFound {
			m = f.Email + ": " + q.t.Code(f.Code, nil)
		}
		errs = append(errs, problem{Field: "emails", Message: m})
	}
	// The page shows what was added beside the addresses to correct.
	c.renderGroup(w, r, q, http.StatusUnprocessableEntity, &groupPage{Emails: strings.Join(failed, "\n"), Notice: msg}, errs)
}

// removeConfirm is the confirmation page of removing members or deleting a group: the count
// of users that lose the group's license and of those another source keeps it for.
type removeConfirm struct {
	Group   *roster.Group
	Delete  bool
	UserIDs []string
	Preview *provision.RemovalPreview
}

// removeMembers removes the ticked members once the confirmation page posts back with
// confirm; before that it shows that page.
func (c *Console) removeMembers(w http.ResponseWriter, r *http.Request, q *request) {
	if err := r.ParseForm(); err != nil {
		c.failed(w, r, roster.Errorf(roster.CodeInvalid, "The form could not be read."))
		return
	}
	ids := r.PostForm["userId"]
	if len(ids) == 0 {
		c.renderGroup(w, r, q, http.StatusUnprocessableEntity, nil, problems{{Message: q.t.Text("groups.members.none_ticked")}})
		return
	}
	if r.PostFormValue("confirm") == "" {
		c.renderRemoveConfirm(w, r, q, false, ids)
		return
	}
	res, err := c.svc.RemoveMembers(r.Context(), q.actor, q.org.ID, r.PathValue("group"), provision.MemberRefs{UserIDs: ids})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	c.flash(r, q.admin, q.t.Plural("groups.members.removed", res.Changed))
	http.Redirect(w, r, orgPath(q.org.ID, "/groups/"+r.PathValue("group")+"#members"), http.StatusSeeOther)
}

func (c *Console) confirmDeleteGroup(w http.ResponseWriter, r *http.Request, q *request) {
	c.renderRemoveConfirm(w, r, q, true, nil)
}

func (c *Console) renderRemoveConfirm(w http.ResponseWriter, r *http.Request, q *request, del bool, ids []string) {
	g, err := c.svc.Group(r.Context(), q.actor, q.org.ID, r.PathValue("group"))
	if err != nil {
		c.failed(w, r, err)
		return
	}
	if !q.can.Users {
		c.errorPage(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	pv, err := c.svc.PreviewMemberRemoval(r.Context(), q.actor, q.org.ID, g.ID, ids)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	title := q.t.Text("groups.remove.title", "Name", g.Name)
	if del {
		title = q.t.Text("groups.delete.title", "Name", g.Name)
	}
	p := q.page(title, "groups")
	p.Data = removeConfirm{Group: g, Delete: del, UserIDs: ids, Preview: pv}
	c.render(w, r, http.StatusOK, "group-confirm", p)
}

func (c *Console) deleteGroup(w http.ResponseWriter, r *http.Request, q *request) {
	g, err := c.svc.Group(r.Context(), q.actor, q.org.ID, r.PathValue("group"))
	if err != nil {
		c.failed(w, r, err)
		return
	}
	v, err := groupVersion(r)
	if err == nil {
		err = c.svc.DeleteGroup(r.Context(), q.actor, q.org.ID, g.ID, v)
	}
	switch code := roster.ErrorCode(err); {
	case err == nil:
		c.flash(r, q.admin, q.t.Text("groups.deleted", "Name", g.Name))
		http.Redirect(w, r, orgPath(q.org.ID, "/groups"), http.StatusSeeOther)
	case code == roster.CodePreconditionFailed || code == roster.CodePreconditionRequired || code == roster.CodeVersionConflict:
		c.renderGroup(w, r, q, http.StatusConflict, nil, problems{{Message: q.t.Text("groups.stale")}})
	default:
		c.failed(w, r, err)
	}
}
