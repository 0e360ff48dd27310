package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"roster"
	"roster/internal/provision"
)

// User is a user as the API shows it.
type User struct {
	ID                string             `json:"id"`
	OrgID             string             `json:"orgId"`
	Email             string             `json:"email"`
	FirstName         string             `json:"firstName"`
	LastName          string             `json:"lastName"`
	DisplayName       string             `json:"displayName"`
	PhoneNumber       string             `json:"phoneNumber"`
	Title             string             `json:"title"`
	Department        string             `json:"department"`
	PreferredLanguage roster.Language    `json:"preferredLanguage"` // "": the organization's
	Status            roster.UserStatus  `json:"status"`
	License           roster.License     `json:"license"`
	CCRole            roster.CCRole      `json:"ccRole"`
	AdminRole         roster.AdminRole   `json:"adminRole"`
	ProfileType       roster.ProfileType `json:"profileType"`
	// UserProfile is the name of the user's contact-center user profile: its custom profile,
	// or the default profile of its type; nil when the user needs no agent.
	UserProfile *string `json:"userProfile"`
	// UserProfileID is the id of the user's custom user profile; "" for the default profile of
	// its type.
	UserProfileID string            `json:"userProfileId"`
	SyncStatus    roster.SyncStatus `json:"syncStatus"`
	// LicenseError says why the user does not have the license its template or groups give
	// it: no seat was free; nil when the user waits for nothing.
	LicenseError *LicenseError `json:"licenseError"`
	// LicenseSources lists where the user's license comes from; only a read of one user
	// has it (GET /api/v1/orgs/{org}/users/{id}), lists leave it out.
	LicenseSources []LicenseSource `json:"licenseSources,omitzero"`
	// SyncError says why the user's contact-center side is not in sync: the last failed
	// delivery, or null when nothing failed. Only a read of one user has it.
	SyncError Optional[SyncError] `json:"syncError,omitzero"`
	CreatedAt time.Time           `json:"createdAt"`
	UpdatedAt time.Time           `json:"updatedAt"`
	Version   int64               `json:"version"`
}

// UserList is one page of GET /api/v1/orgs/{org}/users.
type UserList struct {
	Items []User `json:"items"`
	// NextCursor, passed as the cursor parameter, reads the next page; nil on the last page.
	NextCursor *string `json:"nextCursor"`
	// Total counts the users matching the filter; when TotalExact is false it is a lower bound.
	Total      int  `json:"total"`
	TotalExact bool `json:"totalExact"`
}

// UserQuery filters and pages GET /api/v1/orgs/{org}/users; empty fields are not sent.
type UserQuery struct {
	Q          string
	License    roster.License
	CCRole     roster.CCRole
	AdminRole  roster.AdminRole
	Status     roster.UserStatus
	SyncStatus roster.SyncStatus
	Email      string // exactly this email
	Group      string // members of this group (an id)
	Limit      int
	Cursor     string
}

// NewUser is the body of POST /api/v1/orgs/{org}/users. Only email is required. An absent
// license leaves the choice to automatic assignment; an administrator role cannot be given
// here (admin_role_on_create).
type NewUser struct {
	Email             string           `json:"email"`
	FirstName         string           `json:"firstName,omitempty"`
	LastName          string           `json:"lastName,omitempty"`
	DisplayName       string           `json:"displayName,omitempty"`
	PhoneNumber       string           `json:"phoneNumber,omitempty"`
	Title             string           `json:"title,omitempty"`
	Department        string           `json:"department,omitempty"`
	PreferredLanguage roster.Language  `json:"preferredLanguage,omitempty"`
	License           roster.License   `json:"license,omitempty"`
	CCRole            roster.CCRole    `json:"ccRole,omitempty"`
	AdminRole         roster.AdminRole `json:"adminRole,omitempty"`
}

// UserPatch is the body of PATCH /api/v1/orgs/{org}/users/{id}, a JSON merge patch: present
// fields change, absent ones stay. Null empties a text field, resets preferredLanguage to the
// organization's, ccRole to agent, license to none, adminRole to none and userProfileId to the
// default profile.
type UserPatch struct {
	Email             Optional[string]           `json:"email,omitzero"`
	FirstName         Optional[string]           `json:"firstName,omitzero"`
	LastName          Optional[string]           `json:"lastName,omitzero"`
	DisplayName       Optional[string]           `json:"displayName,omitzero"`
	PhoneNumber       Optional[string]           `json:"phoneNumber,omitzero"`
	Title             Optional[string]           `json:"title,omitzero"`
	Department        Optional[string]           `json:"department,omitzero"`
	PreferredLanguage Optional[roster.Language]  `json:"preferredLanguage,omitzero"`
	License           Optional[roster.License]   `json:"license,omitzero"`
	CCRole            Optional[roster.CCRole]    `json:"ccRole,omitzero"`
	AdminRole         Optional[roster.AdminRole] `json:"adminRole,omitzero"`
	// UserProfileID is a custom user profile of the user's profile type, the id of a built-in
	// profile (its type), or "" for the default profile of the user's type.
	UserProfileID Optional[string] `json:"userProfileId,omitzero"`
}

// BatchRequest is the body of POST /api/v1/orgs/{org}/users/batch: up to 25 people and one
// contact-center license choice for all of them (absent: no choice).
type BatchRequest struct {
	Entries []BatchEntry   `json:"entries"`
	License roster.License `json:"license,omitempty"`
	CCRole  roster.CCRole  `json:"ccRole,omitempty"`
}

// BatchEntry is one person of a BatchRequest.
type BatchEntry struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
}

// BatchResponse answers a BatchRequest with one result per entry, in order.
type BatchResponse struct {
	Results []BatchResult `json:"results"`
}

// BatchResult is the outcome of one entry: created, updated, unchanged or failed (with the
// code and message of the reason).
type BatchResult struct {
	Email   string            `json:"email"`
	Outcome provision.Outcome `json:"outcome"`
	Code    roster.Code       `json:"code,omitempty"`
	Message string            `json:"message,omitempty"`
	UserID  string            `json:"userId,omitempty"`
}

// userJSON converts a user to its API form. profiles names the organization's custom user
// profiles by id; it may be nil when the user holds none.
func userJSON(u *roster.User, profiles map[string]string) User {
	pt := u.ProfileType()
	var profile *string
	if name, found := roster.DefaultProfileName[pt]; found {
		profile = &name
	}
	if name, found := profiles[u.UserProfileID]; found && u.UserProfileID != "" {
		profile = &name
	}
	out := User{
		ID: u.ID, OrgID: u.OrgID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		DisplayName: u.DisplayName, PhoneNumber: u.PhoneNumber, Title: u.Title, Department: u.Department,
		PreferredLanguage: u.PreferredLanguage, Status: u.Status, License: u.License, CCRole: u.CCRole,
		AdminRole: u.AdminRole, ProfileType: pt, UserProfile: profile, UserProfileID: u.UserProfileID,
		SyncStatus: u.SyncStatus, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(), Version: u.Version,
	}
	if w := u.WaitingLicense; w.Granted() {
		out.LicenseError = &LicenseError{Code: roster.CodeNoSeatsAvailable, License: w.License, Since: w.Since.UTC(),
			Message: waitingMessage(w.License, u.License)}
	}
	return out
}

// waitingMessage explains a user's wait for a seat of the license its template or groups give.
func waitingMessage(want, has roster.License) string {
	keeps := "it has no contact-center license"
	if has != roster.LicenseNone {
		keeps = "it keeps the " + string(has) + " license"
	}
	return fmt.Sprintf("Waiting for a %s seat: the organization has none free. The user gets the %s license as soon as one frees up; until then %s.",
		want, want, keeps)
}

// usersJSON converts users of one organization to their API form, with the names of the
// custom user profiles they hold, read once.
func (api *API) usersJSON(ctx context.Context, a roster.Actor, orgID string, users ...*roster.User) ([]User, error) {
	var profiles map[string]string
	for _, u := range users {
		if u.UserProfileID == "" {
			continue
		}
		ps, err := api.svc.UserProfiles(ctx, a, orgID)
		if err != nil {
			return nil, err
		}
		profiles = make(map[string]string, len(ps))
		for _, p := range ps {
			profiles[p.ID] = p.Name
		}
		break
	}
	out := make([]User, len(users))
	for i, u := range users {
		out[i] = userJSON(u, profiles)
	}
	return out, nil
}

func (p UserPatch) change() provision.UserChange {
	return provision.UserChange{
		Email: orNull(p.Email, ""), FirstName: orNull(p.FirstName, ""), LastName: orNull(p.LastName, ""),
		DisplayName: orNull(p.DisplayName, ""), PhoneNumber: orNull(p.PhoneNumber, ""),
		Title: orNull(p.Title, ""), Department: orNull(p.Department, ""),
		PreferredLanguage: orNull(p.PreferredLanguage, ""),
		License:           orNull(p.License, roster.LicenseNone),
		CCRole:            orNull(p.CCRole, roster.RoleAgent),
		AdminRole:         orNull(p.AdminRole, roster.AdminNone),
		UserProfileID:     orNull(p.UserProfileID, ""),
	}
}

// userLocation is the path of one user.
func userLocation(u *roster.User) string { return "/api/v1/orgs/" + u.OrgID + "/users/" + u.ID }

func (api *API) listUsers(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	q, err := query(r, "q", "email", "license", "ccRole", "adminRole", "status", "syncStatus", "group", "limit", "cursor")
	if err != nil {
		return err
	}
	f := roster.UserFilter{
		OrgID: r.PathValue("org"), Query: q.Get("q"), Email: q.Get("email"),
		License: roster.License(q.Get("license")), CCRole: roster.CCRole(q.Get("ccRole")),
		AdminRole: roster.AdminRole(q.Get("adminRole")), Status: roster.UserStatus(q.Get("status")),
		SyncStatus: roster.SyncStatus(q.Get("syncStatus")), GroupID: q.Get("group"),
	}
	if f.Limit, err = limitParam(q); err != nil {
		return err
	}
	if f.After, err = decodeCursor(q, cursorUsers); err != nil {
		return err
	}
	page, err := api.svc.Users(r.Context(), a, f)
	if err != nil {
		return err
	}
	items, err := api.usersJSON(r.Context(), a, f.OrgID, page.Users...)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, UserList{Items: items, NextCursor: encodeCursor(cursorUsers, page.Next), Total: page.Total, TotalExact: page.TotalExact})
}

func (api *API) createUser(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var in NewUser
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	u, err := api.svc.CreateUser(r.Context(), a, r.PathValue("org"), provision.NewUser{
		Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, DisplayName: in.DisplayName,
		PhoneNumber: in.PhoneNumber, Title: in.Title, Department: in.Department,
		PreferredLanguage: in.PreferredLanguage, License: in.License, CCRole: in.CCRole, AdminRole: in.AdminRole,
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", userLocation(u))
	return api.userAnswer(w, r, a, http.StatusCreated, u, nil)
}

func (api *API) batchUsers(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var in BatchRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	b := provision.Batch{Entries: make([]provision.BatchEntry, len(in.Entries)), License: in.License, CCRole: in.CCRole}
	for i, e := range in.Entries {
		b.Entries[i] = provision.BatchEntry{Email: e.Email, FirstName: e.FirstName, LastName: e.LastName}
	}
	results, err := api.svc.AddOrModifyUsers(r.Context(), a, r.PathValue("org"), b)
	if err != nil {
		return err
	}
	resp := BatchResponse{Results: make([]BatchResult, len(results))}
	status := http.StatusOK
	for i, res := range results {
		resp.Results[i] = BatchResult{Email: res.Email, Outcome: res.Outcome, Code: res.Code, Message: res.Message, UserID: res.UserID}
		if res.Outcome == provision.Failed {
			status = http.StatusMultiStatus
		}
	}
	return ok(w, status, resp)
}

// getUser answers one user with where its license comes from and why it is not in sync,
// which lists leave out.
func (api *API) getUser(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	u, err := api.svc.User(r.Context(), a, r.PathValue("org"), r.PathValue("id"))
	if err != nil {
		return err
	}
	e, err := api.svc.UserLicenseSources(r.Context(), a, u)
	if err != nil {
		return err
	}
	se, err := api.syncErrorJSON(r.Context(), a, u)
	if err != nil {
		return err
	}
	out, err := api.usersJSON(r.Context(), a, u.OrgID, u)
	if err != nil {
		return err
	}
	out[0].LicenseSources, out[0].SyncError = licenseSourcesJSON(e.Sources), se
	setETag(w, u.Version)
	return ok(w, http.StatusOK, out[0])
}

func (api *API) patchUser(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := requireIfMatch(r)
	var p UserPatch
	if err := decodeJSON(w, r, &p); err != nil {
		return err
	}
	u, err := api.svc.UpdateUser(r.Context(), a, r.PathValue("org"), r.PathValue("id"), p.change(), pre.expect())
	return api.userChanged(w, r, a, u, pre.result(err))
}

func (api *API) deleteUser(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	if err := api.svc.DeleteUser(r.Context(), a, r.PathValue("org"), r.PathValue("id"), pre.expect()); err != nil {
		return pre.result(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (api *API) deactivateUser(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	u, err := api.svc.DeactivateUser(r.Context(), a, r.PathValue("org"), r.PathValue("id"), pre.expect())
	return api.userChanged(w, r, a, u, pre.result(err))
}

func (api *API) reactivateUser(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	u, err := api.svc.ReactivateUser(r.Context(), a, r.PathValue("org"), r.PathValue("id"), pre.expect())
	return api.userChanged(w, r, a, u, pre.result(err))
}

// retrySync queues the failed sync of one user again, with a fresh retry budget; the answer
// is the user, pending until the sync engine delivers it.
func (api *API) retrySync(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	u, err := api.svc.RetrySync(r.Context(), a, r.PathValue("org"), r.PathValue("id"))
	if err != nil {
		return err
	}
	return api.userAnswer(w, r, a, http.StatusAccepted, u, nil)
}

// userChanged answers a change of one user with the user as it is now and its new ETag.
func (api *API) userChanged(w http.ResponseWriter, r *http.Request, a roster.Actor, u *roster.User, err error) error {
	if err != nil {
		return err
	}
	return api.userAnswer(w, r, a, http.StatusOK, u, nil)
}

// userAnswer answers one user with its ETag; sources, when not nil, are its license sources.
func (api *API) userAnswer(w http.ResponseWriter, r *http.Request, a roster.Actor, status int, u *roster.User, sources []LicenseSource) error {
	out, err := api.usersJSON(r.Context(), a, u.OrgID, u)
	if err != nil {
		return err
	}
	out[0].LicenseSources = sources
	setETag(w, u.Version)
	return ok(w, status, out[0])
}
