package console

import (
	"net/http"
	"strconv"
	"strings"

	"roster"
	"roster/internal/provision"
)

// The user details page (CONSOLE.md §2.6): one page of anchored sections, each form its own
// POST that carries the user's version, and a confirmation page before each destructive
// action (§2.16, §3.12).

func (c *Console) registerUser(org func(string, orgHandler)) {
	org("GET /users/{user}", c.userDetail)
	org("POST /users/{user}/profile", c.saveUserProfile)
	org("POST /users/{user}/license", c.saveUserLicense)
	org("POST /users/{user}/admin-role", c.saveUserAdminRole)
	org("POST /users/{user}/user-profile", c.saveUserUserProfile)
	org("POST /users/{user}/retry-sync", c.retryUserSync)
	org("POST /users/{user}/resend-invitation", c.resendUserInvitation)
	org("POST /users/{user}/reactivate", c.reactivateUser)
	org("GET /users/{user}/deactivate", c.confirmUserAction("deactivate"))
	org("POST /users/{user}/deactivate", c.deactivateUser)
	org("GET /users/{user}/delete", c.confirmUserAction("delete"))
	org("POST /users/{user}/delete", c.deleteUser)
}

// activityLimit is how many of the user's latest audit entries the page shows.
const activityLimit = 15

// userForm holds the values the page's forms show: the user's, or what was entered when a
// form was refused.
type userForm struct {
	Email, FirstName, LastName, DisplayName, PhoneNumber, Title, Department string
	PreferredLanguage                                                       roster.Language
	License                                                                 roster.License
	CCRole                                                                  roster.CCRole
	AdminRole                                                               roster.AdminRole
	UserProfileID                                                           string
}

func formOf(u *roster.User) userForm {
	return userForm{Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName,
		PhoneNumber: u.PhoneNumber, Title: u.Title, Department: u.Department, PreferredLanguage: u.PreferredLanguage,
		License: u.License, CCRole: u.CCRole, AdminRole: u.AdminRole, UserProfileID: u.UserProfileID}
}

// userPage is what the user details page shows.
type userPage struct {
	User    *roster.User
	Form    userForm
	Self    bool // the user is the administrator reading the page
	Name    string
	Profile roster.ProfileType
	// Profiles are the user profiles the user may hold: those of its derived type, the
	// built-in default first.
	Profiles []*roster.UserProfile
	// ProfileName is the name of the user profile the user holds.
	ProfileName string
	Sources     *provision.LicenseExplanation
	Groups      []*roster.Membership
	MoreGroups  bool
	Sync        *roster.SyncJob // the pending or failed delivery, nil when there is none
	Activity    []activityEntry
	// AdminLocked: on Contact Center 1.0 a supervisor cannot be given an administrator role.
	AdminLocked bool
	// SupervisorLocked: on Contact Center 1.0 an administrator cannot be made a supervisor.
	SupervisorLocked bool
	Licenses         []roster.License
	AdminRoles       []roster.AdminRole
	Languages        []languageName
}

// activityEntry is one audit entry of the user, with the fields it changed.
type activityEntry struct {
	Entry   *roster.AuditEntry
	Changes []fieldChange
}

type fieldChange struct {
	Field, Before, After string
}

func (c *Console) userDetail(w http.ResponseWriter, r *http.Request, q *request) {
	c.renderUser(w, r, q, http.StatusOK, nil, nil)
}

// renderUser shows the user details page of the user of the address. form, when not nil,
// keeps what a refused form sent; errs are the problems to show.
func (c *Console) renderUser(w http.ResponseWriter, r *http.Request, q *request, status int, form *userForm, errs problems) {
	ctx := r.Context()
	u, err := c.svc.User(ctx, q.actor, q.org.ID, r.PathValue("user"))
	if err != nil {
		c.failed(w, r, err)
		return
	}
	data := userPage{User: u, Form: formOf(u), Self: u.ID == q.admin.User.ID, Name: userName(u), Profile: u.ProfileType(),
		Licenses: options.Licenses, AdminRoles: options.AdminRoles, Languages: languageNames}
	if form != nil {
		data.Form = *form
	}
	is10 := q.org.Platform == roster.Platform10
	data.AdminLocked = is10 && u.License == roster.LicensePremium && u.CCRole == roster.RoleSupervisor
	data.SupervisorLocked = is10 && u.AdminRole != roster.AdminNone
	profiles, err := c.svc.UserProfiles(ctx, q.actor, q.org.ID)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	for _, p := range profiles {
		if p.Type == data.Profile {
			data.Profiles = append(data.Profiles, p)
		}
		if p.ID == u.UserProfileID || u.UserProfileID == "" && p.BuiltIn && p.Type == data.Profile {
			data.ProfileName = p.Name
		}
	}
	if data.Sources, err = c.svc.UserLicenseSources(ctx, q.actor, u); err != nil {
		c.failed(w, r, err)
		return
	}
	groups, err := c.svc.Memberships(ctx, q.actor, roster.MembershipFilter{OrgID: q.org.ID, UserID: u.ID, Limit: 100})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	data.Groups, data.MoreGroups = groups.Memberships, groups.Next != ""
	if data.Sync, err = c.svc.SyncState(ctx, q.actor, q.org.ID, u.ID); err != nil {
		c.failed(w, r, err)
		return
	}
	audit, err := c.svc.AuditEntries(ctx, q.actor, roster.AuditFilter{OrgID: q.org.ID, TargetID: u.ID, Limit: activityLimit})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	for _, e := range audit.Entries {
		data.Activity = append(data.Activity, activityEntry{Entry: e, Changes: changesOf(q, e)})
	}
	p := q.page(data.Name, "users")
	p.Errors = errs
	p.Data = data
	c.render(w, r, status, "user", p)
}

// userName is how the page names a user: its display name, else its names, else its email.
func userName(u *roster.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.Email
}

// changesOf lists the fields an audit entry of the user changed (entryChanges). A created
// record lists nothing here: every field would be "changed", and the audit log shows them.
func changesOf(q *request, e *roster.AuditEntry) []fieldChange {
	if e.Before == nil || e.After == nil {
		return nil
	}
	return entryChanges(q, e)
}

// valuePrefixes are the catalog prefixes of the enumerations the audit log records, by field.
var valuePrefixes = map[string]string{
	"license": "license", "directLicense": "license", "templateLicense": "license", "groupLicense": "license",
	"waitingLicense": "license", "ccRole": "ccrole", "adminRole": "adminrole", "status": "status",
	"syncStatus": "sync", "profileType": "profiletype", "type": "profiletype", "role": "adminrole", "platform": "platform",
}

// version reads the version of the user the form was made from. A form without one cannot
// tell whether someone changed the user since, so it is refused.
func version(r *http.Request) (int64, error) {
	v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || v <= 0 {
		return 0, roster.Errorf(roster.CodePreconditionRequired, "The form lacks the version of the user it was made from.")
	}
	return v, nil
}

// refused answers a refused change of the user: a stale form shows the page with the
// current values and says why; a problem of the form shows it with what was entered; not
// found, forbidden and internal errors get their pages.
func (c *Console) refused(w http.ResponseWriter, r *http.Request, q *request, form userForm, err error) {
	switch roster.ErrorCode(err) {
	case roster.CodeNotFound, roster.CodeForbidden, roster.CodeInternal:
		c.failed(w, r, err)
	case roster.CodePreconditionFailed, roster.CodePreconditionRequired, roster.CodeVersionConflict:
		c.renderUser(w, r, q, http.StatusConflict, nil, problems{{Message: q.t.Text("user.stale")}})
	default:
		c.renderUser(w, r, q, statusOf(err), &form, problemsOf(q.t, err))
	}
}

// saved ends a change of the user: a message for the next page, which is the section of the
// page the form was in.
func (c *Console) saved(w http.ResponseWriter, r *http.Request, q *request, section string) {
	c.flash(r, q.admin, q.t.Text("user.saved"))
	http.Redirect(w, r, orgPath(q.org.ID, "/users/"+r.PathValue("user")+"#"+section), http.StatusSeeOther)
}

// postedForm is the page's values with those the form r sent.
func (c *Console) postedForm(r *http.Request, q *request) (userForm, error) {
	u, err := c.svc.User(r.Context(), q.actor, q.org.ID, r.PathValue("user"))
	if err != nil {
		return userForm{}, err
	}
	f := formOf(u)
	str := func(dst *string, name string) {
		if v, ok := r.PostForm[name]; ok && len(v) > 0 {
			*dst = strings.TrimSpace(v[0])
		}
	}
	str(&f.Email, "email")
	str(&f.FirstName, "firstName")
	str(&f.LastName, "lastName")
	str(&f.DisplayName, "displayName")
	str(&f.PhoneNumber, "phoneNumber")
	str(&f.Title, "title")
	str(&f.Department, "department")
	str(&f.UserProfileID, "userProfileId")
	if _, ok := r.PostForm["preferredLanguage"]; ok {
		f.PreferredLanguage = roster.Language(r.PostFormValue("preferredLanguage"))
	}
	if _, ok := r.PostForm["license"]; ok {
		f.License = roster.License(r.PostFormValue("license"))
	}
	if _, ok := r.PostForm["ccRole"]; ok {
		f.CCRole = roster.CCRole(r.PostFormValue("ccRole"))
	}
	if _, ok := r.PostForm["adminRole"]; ok {
		f.AdminRole = roster.AdminRole(r.PostFormValue("adminRole"))
	}
	return f, nil
}

// change applies one form of the page: it reads the form and its version, builds the change,
// and saves it through provision.
func (c *Console) change(w http.ResponseWriter, r *http.Request, q *request, section string, build func(f userForm) provision.UserChange) {
	if err := r.ParseForm(); err != nil {
		c.failed(w, r, roster.Errorf(roster.CodeInvalid, "The form could not be read."))
		return
	}
	f, err := c.postedForm(r, q)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	v, err := version(r)
	if err == nil {
		_, err = c.svc.UpdateUser(r.Context(), q.actor, q.org.ID, r.PathValue("user"), build(f), v)
	}
	if err != nil {
		c.refused(w, r, q, f, err)
		return
	}
	c.saved(w, r, q, section)
}

func (c *Console) saveUserProfile(w http.ResponseWriter, r *http.Request, q *request) {
	c.change(w, r, q, "profile", func(f userForm) provision.UserChange {
		return provision.UserChange{Email: &f.Email, FirstName: &f.FirstName, LastName: &f.LastName, DisplayName: &f.DisplayName,
			PhoneNumber: &f.PhoneNumber, Title: &f.Title, Department: &f.Department, PreferredLanguage: &f.PreferredLanguage}
	})
}

func (c *Console) saveUserAdminRole(w http.ResponseWriter, r *http.Request, q *request) {
	c.change(w, r, q, "admin-role", func(f userForm) provision.UserChange {
		return provision.UserChange{AdminRole: &f.AdminRole}
	})
}

func (c *Console) saveUserUserProfile(w http.ResponseWriter, r *http.Request, q *request) {
	c.change(w, r, q, "user-profile", func(f userForm) provision.UserChange {
		return provision.UserChange{UserProfileID: &f.UserProfileID}
	})
}

// saveUserLicense changes the license and contact-center role. Taking premium from a
// supervisor first asks whether to remove the supervisor role too (rule 4); the answer posts
// both in one request.
func (c *Console) saveUserLicense(w http.ResponseWriter, r *http.Request, q *request) {
	if err := r.ParseForm(); err != nil {
		c.failed(w, r, roster.Errorf(roster.CodeInvalid, "The form could not be read."))
		return
	}
	u, err := c.svc.User(r.Context(), q.actor, q.org.ID, r.PathValue("user"))
	if err != nil {
		c.failed(w, r, err)
		return
	}
	license, role := roster.License(r.PostFormValue("license")), roster.CCRole(r.PostFormValue("ccRole"))
	if role == "" {
		role = u.CCRole
	}
	// A form made from an older version is not worth a question: it is refused as stale.
	v, _ := version(r)
	if license != roster.LicensePremium && u.License == roster.LicensePremium && u.CCRole == roster.RoleSupervisor &&
		role == roster.RoleSupervisor && license.Valid() && q.can.Licenses && v == u.Version {
		c.renderConfirm(w, r, q, u, "demote", confirmPage{License: license, Version: r.PostFormValue("version")})
		return
	}
	c.change(w, r, q, "license", func(f userForm) provision.UserChange {
		return provision.UserChange{License: &f.License, CCRole: &f.CCRole}
	})
}

func (c *Console) retryUserSync(w http.ResponseWriter, r *http.Request, q *request) {
	if _, err := c.svc.RetrySync(r.Context(), q.actor, q.org.ID, r.PathValue("user")); err != nil {
		c.refused(w, r, q, userForm{}, err)
		return
	}
	c.flash(r, q.admin, q.t.Text("user.sync.retried"))
	http.Redirect(w, r, orgPath(q.org.ID, "/users/"+r.PathValue("user")+"#sync"), http.StatusSeeOther)
}

func (c *Console) resendUserInvitation(w http.ResponseWriter, r *http.Request, q *request) {
	if _, err := c.svc.ResendInvitation(r.Context(), q.actor, q.org.ID, r.PathValue("user")); err != nil {
		c.refused(w, r, q, userForm{}, err)
		return
	}
	c.flash(r, q.admin, q.t.Text("user.invitation_sent"))
	http.Redirect(w, r, orgPath(q.org.ID, "/users/"+r.PathValue("user")), http.StatusSeeOther)
}

// statusAction runs one of the status actions, which carry the version the administrator saw.
func (c *Console) statusAction(w http.ResponseWriter, r *http.Request, q *request, done string,
	act func(v int64) (*roster.User, error)) {
	v, err := version(r)
	if err == nil {
		_, err = act(v)
	}
	if err != nil {
		c.refused(w, r, q, userForm{}, err)
		return
	}
	c.flash(r, q.admin, q.t.Text(done))
	http.Redirect(w, r, orgPath(q.org.ID, "/users/"+r.PathValue("user")), http.StatusSeeOther)
}

func (c *Console) deactivateUser(w http.ResponseWriter, r *http.Request, q *request) {
	c.statusAction(w, r, q, "user.deactivated", func(v int64) (*roster.User, error) {
		return c.svc.DeactivateUser(r.Context(), q.actor, q.org.ID, r.PathValue("user"), v)
	})
}

func (c *Console) reactivateUser(w http.ResponseWriter, r *http.Request, q *request) {
	c.statusAction(w, r, q, "user.reactivated", func(v int64) (*roster.User, error) {
		return c.svc.ReactivateUser(r.Context(), q.actor, q.org.ID, r.PathValue("user"), v)
	})
}

func (c *Console) deleteUser(w http.ResponseWriter, r *http.Request, q *request) {
	u, err := c.svc.User(r.Context(), q.actor, q.org.ID, r.PathValue("user"))
	if err != nil {
		c.failed(w, r, err)
		return
	}
	v, err := version(r)
	if err == nil {
		err = c.svc.DeleteUser(r.Context(), q.actor, q.org.ID, u.ID, v)
	}
	if err != nil {
		c.refused(w, r, q, userForm{}, err)
		return
	}
	c.flash(r, q.admin, q.t.Text("user.deleted", "Email", u.Email))
	// Deleting oneself ends one's session: the next page asks to sign in.
	http.Redirect(w, r, orgPath(q.org.ID, "/users"), http.StatusSeeOther)
}

// confirmPage is a confirmation page of an action on a user: what it does, with its
// consequences counted.
type confirmPage struct {
	User   *roster.User
	Name   string
	Action string // deactivate, delete, demote (premium taken from a supervisor)
	Self   bool
	// Version is the version of the user the action was asked on: the action is refused when
	// the user changed since.
	Version string
	License roster.License // demote: the license chosen
	// Profile is the user's profile type after a demotion.
	Profile roster.ProfileType
	// Agent: the user has an agent in the contact center, or one is on its way.
	Agent  bool
	Groups int // the groups the user leaves
}

// confirmUserAction shows the confirmation page of a destructive action. A role that may not
// take the action gets the forbidden page, as its POST would.
func (c *Console) confirmUserAction(action string) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, q *request) {
		u, err := c.svc.User(r.Context(), q.actor, q.org.ID, r.PathValue("user"))
		if err != nil {
			c.failed(w, r, err)
			return
		}
		if !q.can.Users {
			c.errorPage(w, r, http.StatusForbidden, "error.forbidden")
			return
		}
		if action == "deactivate" && u.Status == roster.StatusInactive {
			http.Redirect(w, r, orgPath(q.org.ID, "/users/"+u.ID), http.StatusSeeOther)
			return
		}
		c.renderConfirm(w, r, q, u, action, confirmPage{Version: strconv.FormatInt(u.Version, 10)})
	}
}

func (c *Console) renderConfirm(w http.ResponseWriter, r *http.Request, q *request, u *roster.User, action string, data confirmPage) {
	data.User, data.Name, data.Action, data.Self = u, userName(u), action, u.ID == q.admin.User.ID
	data.Agent = u.NeedsAgent() || u.SyncStatus != roster.SyncNone
	data.Profile = roster.DeriveProfileType(data.License, roster.RoleAgent, u.AdminRole)
	if action == "delete" {
		ms, err := c.svc.Memberships(r.Context(), q.actor, roster.MembershipFilter{OrgID: q.org.ID, UserID: u.ID, Limit: roster.MaxPageSize})
		if err != nil {
			c.failed(w, r, err)
			return
		}
		data.Groups = len(ms.Memberships)
	}
	p := q.page(q.t.Text("user.confirm."+action+".title", "Name", data.Name), "users")
	p.Data = data
	c.render(w, r, http.StatusOK, "user-confirm", p)
}
