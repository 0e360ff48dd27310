package httpapi

import (
	"context"
	"net/http"
	"net/url"

	"roster"
)

// The contact-center entities (sites, teams, skill, agent and multimedia profiles, user
// profiles) are served by one code path: a ccResource per kind, whose five endpoints under
// /api/v1/orgs/{org}/contact-center/{segment} are the methods below. A kind says only how its
// body and its JSON look and which use case of provision serves each endpoint.

// entity is a pointer to a contact-center entity type of the root package.
type entity interface {
	Base() *roster.Entity
}

// ccResource is one kind of contact-center entity as the API serves it. E is its domain type,
// J its JSON form, C the body that creates one and P the body that changes one.
type ccResource[E entity, J, C, P any] struct {
	segment string   // the path segment of the kind: sites, skill-profiles, ...
	filters []string // the query parameters its list accepts
	json    func(E) J
	list    func(ctx context.Context, a roster.Actor, orgID string, q url.Values) ([]E, error)
	get     func(ctx context.Context, a roster.Actor, orgID, id string) (E, error)
	create  func(ctx context.Context, a roster.Actor, orgID string, body C) (E, error)
	change  func(ctx context.Context, a roster.Actor, orgID, id string, body P, expectVersion int64) (E, error)
	delete  func(ctx context.Context, a roster.Actor, orgID, id string, expectVersion int64) error
}

// itemList is the answer of a list of entities: SiteList, TeamList, PortalProfileList,
// UserProfileList.
type itemList[J any] struct {
	Items []J `json:"items"`
}

// routes returns the five endpoints of the kind.
func (res *ccResource[E, J, C, P]) routes() []route {
	base := "/api/v1/orgs/{org}/contact-center/" + res.segment
	return []route{
		{method: "GET", path: base, handler: res.serveList},
		{method: "POST", path: base, handler: res.serveCreate},
		{method: "GET", path: base + "/{id}", handler: res.serveGet},
		{method: "PATCH", path: base + "/{id}", handler: res.serveChange},
		{method: "DELETE", path: base + "/{id}", handler: res.serveDelete},
	}
}

func (res *ccResource[E, J, C, P]) serveList(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	q, err := query(r, res.filters...)
	if err != nil {
		return err
	}
	es, err := res.list(r.Context(), a, r.PathValue("org"), q)
	if err != nil {
		return err
	}
	list := itemList[J]{Items: make([]J, len(es))}
	for i, e := range es {
		list.Items[i] = res.json(e)
	}
	return ok(w, http.StatusOK, list)
}

func (res *ccResource[E, J, C, P]) serveCreate(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var body C
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	e, err := res.create(r.Context(), a, r.PathValue("org"), body)
	if err != nil {
		return err
	}
	b := e.Base()
	w.Header().Set("Location", "/api/v1/orgs/"+b.OrgID+"/contact-center/"+res.segment+"/"+b.ID)
	setETag(w, b.Version)
	return ok(w, http.StatusCreated, res.json(e))
}

func (res *ccResource[E, J, C, P]) serveGet(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	e, err := res.get(r.Context(), a, r.PathValue("org"), r.PathValue("id"))
	if err != nil {
		return err
	}
	setETag(w, e.Base().Version)
	return ok(w, http.StatusOK, res.json(e))
}

func (res *ccResource[E, J, C, P]) serveChange(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	var body P
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	e, err := res.change(r.Context(), a, r.PathValue("org"), r.PathValue("id"), body, pre.expect())
	if err != nil {
		return pre.result(err)
	}
	setETag(w, e.Base().Version)
	return ok(w, http.StatusOK, res.json(e))
}

func (res *ccResource[E, J, C, P]) serveDelete(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	if err := res.delete(r.Context(), a, r.PathValue("org"), r.PathValue("id"), pre.expect()); err != nil {
		return pre.result(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ccRoutes returns the endpoints of every kind of contact-center entity.
func (api *API) ccRoutes() []route {
	svc := api.svc
	routes := (&ccResource[*roster.UserProfile, UserProfile, NewUserProfile, UserProfilePatch]{
		segment: "user-profiles", json: userProfileJSON,
		list: func(ctx context.Context, a roster.Actor, orgID string, _ url.Values) ([]*roster.UserProfile, error) {
			return svc.UserProfiles(ctx, a, orgID)
		},
		get: svc.UserProfile,
		create: func(ctx context.Context, a roster.Actor, orgID string, in NewUserProfile) (*roster.UserProfile, error) {
			return svc.CreateUserProfile(ctx, a, orgID, in.Name, in.Type)
		},
		change: func(ctx context.Context, a roster.Actor, orgID, id string, in UserProfilePatch, expect int64) (*roster.UserProfile, error) {
			return svc.RenameUserProfile(ctx, a, orgID, id, in.Name, expect)
		},
		delete: svc.DeleteUserProfile,
	}).routes()
	routes = append(routes, (&ccResource[*roster.Site, Site, NameInput, NameInput]{
		segment: "sites", json: siteJSON,
		list: func(ctx context.Context, a roster.Actor, orgID string, _ url.Values) ([]*roster.Site, error) {
			return svc.Sites(ctx, a, orgID)
		},
		get: svc.Site,
		create: func(ctx context.Context, a roster.Actor, orgID string, in NameInput) (*roster.Site, error) {
			return svc.CreateSite(ctx, a, orgID, in.Name)
		},
		change: func(ctx context.Context, a roster.Actor, orgID, id string, in NameInput, expect int64) (*roster.Site, error) {
			return svc.RenameSite(ctx, a, orgID, id, in.Name, expect)
		},
		delete: svc.DeleteSite,
	}).routes()...)
	routes = append(routes, (&ccResource[*roster.Team, Team, TeamInput, TeamInput]{
		segment: "teams", filters: []string{"siteId"}, json: teamJSON,
		list: func(ctx context.Context, a roster.Actor, orgID string, q url.Values) ([]*roster.Team, error) {
			return svc.Teams(ctx, a, orgID, q.Get("siteId"))
		},
		get: svc.Team,
		create: func(ctx context.Context, a roster.Actor, orgID string, body TeamInput) (*roster.Team, error) {
			in, err := body.input()
			if err != nil {
				return nil, err
			}
			return svc.CreateTeam(ctx, a, orgID, in)
		},
		change: func(ctx context.Context, a roster.Actor, orgID, id string, body TeamInput, expect int64) (*roster.Team, error) {
			in, err := body.input()
			if err != nil {
				return nil, err
			}
			return svc.UpdateTeam(ctx, a, orgID, id, in, expect)
		},
		delete: svc.DeleteTeam,
	}).routes()...)
	for _, kind := range []roster.PortalProfileKind{roster.SkillProfile, roster.AgentProfile, roster.MultimediaProfile} {
		routes = append(routes, (&ccResource[*roster.PortalProfile, PortalProfile, NameInput, NameInput]{
			segment: ProfileSegment(kind), json: portalProfileJSON,
			list: func(ctx context.Context, a roster.Actor, orgID string, _ url.Values) ([]*roster.PortalProfile, error) {
				return svc.PortalProfiles(ctx, a, orgID, kind)
			},
			get: func(ctx context.Context, a roster.Actor, orgID, id string) (*roster.PortalProfile, error) {
				return svc.PortalProfile(ctx, a, orgID, kind, id)
			},
			create: func(ctx context.Context, a roster.Actor, orgID string, in NameInput) (*roster.PortalProfile, error) {
				return svc.CreatePortalProfile(ctx, a, orgID, kind, in.Name)
			},
			change: func(ctx context.Context, a roster.Actor, orgID, id string, in NameInput, expect int64) (*roster.PortalProfile, error) {
				return svc.RenamePortalProfile(ctx, a, orgID, kind, id, in.Name, expect)
			},
			delete: func(ctx context.Context, a roster.Actor, orgID, id string, expect int64) error {
				return svc.DeletePortalProfile(ctx, a, orgID, kind, id, expect)
			},
		}).routes()...)
	}
	return routes
}
