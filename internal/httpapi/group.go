package httpapi

import (
	"context"
	"net/http"
	"time"

	"roster"
	"roster/internal/provision"
)

// Group is a group of users as the API shows it.
type Group struct {
	ID    string `json:"id"`
	OrgID string `json:"orgId"`
	Name  string `json:"name"`
	// License is the group's license template: what it gives members that join while the
	// organization assigns licenses by group.
	License   roster.License `json:"license"`
	Members   int            `json:"members"`
	CreatedAt time.Time      `json:"createdAt"`
	UpdatedAt time.Time      `json:"updatedAt"`
	Version   int64          `json:"version"`
}

// GroupList is one page of GET /api/v1/orgs/{org}/groups, by name.
type GroupList struct {
	Items []Group `json:"items"`
	// NextCursor, passed as the cursor parameter, reads the next page; nil on the last page.
	NextCursor *string `json:"nextCursor"`
}

// GroupQuery filters and pages GET /api/v1/orgs/{org}/groups; empty fields are not sent.
type GroupQuery struct {
	Q      string // prefix of the name
	Limit  int
	Cursor string
}

// GroupInput is the body of POST /api/v1/orgs/{org}/groups (name required) and PATCH
// /api/v1/orgs/{org}/groups/{id} (every field optional). Null is refused for the name and means
// none for the license.
type GroupInput struct {
	Name    Optional[string]         `json:"name,omitzero"`
	License Optional[roster.License] `json:"license,omitzero"`
}

// Member is one user of a group, with the license the membership grants it.
type Member struct {
	UserID    string         `json:"userId"`
	Email     string         `json:"email"`
	FirstName string         `json:"firstName"`
	LastName  string         `json:"lastName"`
	License   roster.License `json:"license"`
	Since     time.Time      `json:"since"`
}

// MemberList is one page of GET /api/v1/orgs/{org}/groups/{id}/members.
type MemberList struct {
	Items      []Member `json:"items"`
	NextCursor *string  `json:"nextCursor"`
}

// MembersRequest is the body of POST .../groups/{id}/members and .../members/remove: users by
// id, by email, or both.
type MembersRequest struct {
	UserIDs []string `json:"userIds,omitempty"`
	Emails  []string `json:"emails,omitempty"`
}

// MembersResponse says what adding or removing members did: how many changed, how many were
// already as asked, how many wait for a seat the group's license needs, and each user that
// could not be changed.
type MembersResponse struct {
	Changed   int             `json:"changed"`
	Unchanged int             `json:"unchanged"`
	Waiting   int             `json:"waiting"`
	Failed    []MemberFailure `json:"failed"`
}

// MemberFailure is one user of a MembersRequest that could not be added or removed.
type MemberFailure struct {
	UserID  string      `json:"userId,omitempty"`
	Email   string      `json:"email,omitempty"`
	Code    roster.Code `json:"code"`
	Message string      `json:"message"`
}

// UserGroup is one group of a user, with the license the membership grants it.
type UserGroup struct {
	GroupID string         `json:"groupId"`
	Name    string         `json:"name"`
	License roster.License `json:"license"`
	Since   time.Time      `json:"since"`
}

// UserGroupList is one page of GET /api/v1/orgs/{org}/users/{id}/groups.
type UserGroupList struct {
	Items      []UserGroup `json:"items"`
	NextCursor *string     `json:"nextCursor"`
}

// maxMembersBodyBytes bounds the body of the members endpoints: 100,000 user ids take about
// 4 MB, and a large group is filled in a few calls.
const maxMembersBodyBytes = 16 << 20

func groupJSON(g *roster.Group) Group {
	return Group{ID: g.ID, OrgID: g.OrgID, Name: g.Name, License: g.License, Members: g.Members,
		CreatedAt: g.CreatedAt.UTC(), UpdatedAt: g.UpdatedAt.UTC(), Version: g.Version}
}

// input converts the body into the application layer's input.
func (in GroupInput) input() (provision.GroupInput, error) {
	name, err := notNull("name", in.Name)
	if err != nil {
		return provision.GroupInput{}, err
	}
	return provision.GroupInput{Name: name, License: orNull(in.License, roster.LicenseNone)}, nil
}

func groupLocation(g *roster.Group) string { return "/api/v1/orgs/" + g.OrgID + "/groups/" + g.ID }

func (api *API) listGroups(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	q, err := query(r, "q", "limit", "cursor")
	if err != nil {
		return err
	}
	f := roster.GroupFilter{OrgID: r.PathValue("org"), Query: q.Get("q")}
	if f.Limit, err = limitParam(q); err != nil {
		return err
	}
	if f.After, err = decodeCursor(q, cursorGroups); err != nil {
		return err
	}
	page, err := api.svc.Groups(r.Context(), a, f)
	if err != nil {
		return err
	}
	list := GroupList{Items: make([]Group, len(page.Groups)), NextCursor: encodeCursor(cursorGroups, page.Next)}
	for i, g := range page.Groups {
		list.Items[i] = groupJSON(g)
	}
	return ok(w, http.StatusOK, list)
}

func (api *API) createGroup(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var body GroupInput
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	in, err := body.input()
	if err != nil {
		return err
	}
	g, err := api.svc.CreateGroup(r.Context(), a, r.PathValue("org"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", groupLocation(g))
	setETag(w, g.Version)
	return ok(w, http.StatusCreated, groupJSON(g))
}

func (api *API) getGroup(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	g, err := api.svc.Group(r.Context(), a, r.PathValue("org"), r.PathValue("id"))
	if err != nil {
		return err
	}
	setETag(w, g.Version)
	return ok(w, http.StatusOK, groupJSON(g))
}

func (api *API) patchGroup(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	var body GroupInput
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	in, err := body.input()
	if err != nil {
		return err
	}
	g, err := api.svc.UpdateGroup(r.Context(), a, r.PathValue("org"), r.PathValue("id"), in, pre.expect())
	if err != nil {
		return pre.result(err)
	}
	setETag(w, g.Version)
	return ok(w, http.StatusOK, groupJSON(g))
}

func (api *API) deleteGroup(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	if err := api.svc.DeleteGroup(r.Context(), a, r.PathValue("org"), r.PathValue("id"), pre.expect()); err != nil {
		return pre.result(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// membershipFilter reads the paging parameters of a list of memberships.
func membershipFilter(r *http.Request, list cursorList) (roster.MembershipFilter, error) {
	f := roster.MembershipFilter{OrgID: r.PathValue("org")}
	q, err := query(r, "limit", "cursor")
	if err != nil {
		return f, err
	}
	if f.Limit, err = limitParam(q); err != nil {
		return f, err
	}
	f.After, err = decodeCursor(q, list)
	return f, err
}

func (api *API) listMembers(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	f, err := membershipFilter(r, cursorMembers)
	if err != nil {
		return err
	}
	f.GroupID = r.PathValue("id")
	page, err := api.svc.Memberships(r.Context(), a, f)
	if err != nil {
		return err
	}
	list := MemberList{Items: make([]Member, len(page.Memberships)), NextCursor: encodeCursor(cursorMembers, page.Next)}
	for i, m := range page.Memberships {
		list.Items[i] = Member{UserID: m.UserID, Email: m.Email, FirstName: m.FirstName, LastName: m.LastName,
			License: m.License, Since: m.Since.UTC()}
	}
	return ok(w, http.StatusOK, list)
}

func (api *API) listUserGroups(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	f, err := membershipFilter(r, cursorUserGroups)
	if err != nil {
		return err
	}
	f.UserID = r.PathValue("id")
	page, err := api.svc.Memberships(r.Context(), a, f)
	if err != nil {
		return err
	}
	list := UserGroupList{Items: make([]UserGroup, len(page.Memberships)), NextCursor: encodeCursor(cursorUserGroups, page.Next)}
	for i, m := range page.Memberships {
		list.Items[i] = UserGroup{GroupID: m.GroupID, Name: m.GroupName, License: m.License, Since: m.Since.UTC()}
	}
	return ok(w, http.StatusOK, list)
}

func (api *API) addMembers(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	return api.changeMembers(w, r, a, api.svc.AddMembers)
}

func (api *API) removeMembers(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	return api.changeMembers(w, r, a, api.svc.RemoveMembers)
}

// changeMembers answers POST .../members and .../members/remove with what change did. Users
// that could not be changed are listed in the answer; the others are changed all the same.
func (api *API) changeMembers(w http.ResponseWriter, r *http.Request, a roster.Actor,
	change func(ctx context.Context, a roster.Actor, orgID, groupID string, refs provision.MemberRefs) (*provision.MembersResult, error)) error {
	if _, err := query(r); err != nil {
		return err
	}
	var in MembersRequest
	if err := decodeJSONLimit(w, r, &in, maxMembersBodyBytes); err != nil {
		return err
	}
	res, err := change(r.Context(), a, r.PathValue("org"), r.PathValue("id"), provision.MemberRefs{UserIDs: in.UserIDs, Emails: in.Emails})
	if err != nil {
		return err
	}
	out := MembersResponse{Changed: res.Changed, Unchanged: res.Unchanged, Waiting: res.Waiting,
		Failed: make([]MemberFailure, len(res.Failed))}
	for i, f := range res.Failed {
		out.Failed[i] = MemberFailure{UserID: f.UserID, Email: f.Email, Code: f.Code, Message: f.Message}
	}
	return ok(w, http.StatusOK, out)
}
