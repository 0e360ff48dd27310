package httpapi

import (
	"net/http"
	"time"

	"roster"
	"roster/internal/provision"
)

// Site is a contact-center site as the API shows it.
type Site struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"orgId"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Version   int64     `json:"version"`
}

// SiteList is the answer of GET /api/v1/orgs/{org}/contact-center/sites, by name.
type SiteList struct {
	Items []Site `json:"items"`
}

// NameInput is the body that creates or renames a site or a skill, agent or multimedia
// profile.
type NameInput struct {
	Name string `json:"name"`
}

// Team is a contact-center team, at one site.
type Team struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"orgId"`
	SiteID    string    `json:"siteId"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Version   int64     `json:"version"`
}

// TeamList is the answer of GET /api/v1/orgs/{org}/contact-center/teams, by name.
type TeamList struct {
	Items []Team `json:"items"`
}

// TeamInput is the body of POST .../contact-center/teams (both fields required) and PATCH
// .../teams/{id} (absent fields stay as they are; null is refused).
type TeamInput struct {
	Name   Optional[string] `json:"name,omitzero"`
	SiteID Optional[string] `json:"siteId,omitzero"`
}

// PortalProfile is a skill, agent or multimedia profile.
type PortalProfile struct {
	ID        string                   `json:"id"`
	OrgID     string                   `json:"orgId"`
	Kind      roster.PortalProfileKind `json:"kind"`
	Name      string                   `json:"name"`
	CreatedAt time.Time                `json:"createdAt"`
	UpdatedAt time.Time                `json:"updatedAt"`
	Version   int64                    `json:"version"`
}

// PortalProfileList is the answer of GET .../contact-center/skill-profiles (and
// agent-profiles, multimedia-profiles), by name.
type PortalProfileList struct {
	Items []PortalProfile `json:"items"`
}

func siteJSON(s *roster.Site) Site {
	return Site{ID: s.ID, OrgID: s.OrgID, Name: s.Name, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(), Version: s.Version}
}

func teamJSON(t *roster.Team) Team {
	return Team{ID: t.ID, OrgID: t.OrgID, SiteID: t.SiteID, Name: t.Name, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(), Version: t.Version}
}

func portalProfileJSON(p *roster.PortalProfile) PortalProfile {
	return PortalProfile{ID: p.ID, OrgID: p.OrgID, Kind: p.Kind, Name: p.Name, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), Version: p.Version}
}

// ccPath is the path of the contact-center resources of an organization.
func ccPath(orgID string) string { return "/api/v1/orgs/" + orgID + "/contact-center" }

func (api *API) listSites(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	sites, err := api.svc.Sites(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return err
	}
	list := SiteList{Items: make([]Site, len(sites))}
	for i, s := range sites {
		list.Items[i] = siteJSON(s)
	}
	return ok(w, http.StatusOK, list)
}

func (api *API) createSite(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var in NameInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	s, err := api.svc.CreateSite(r.Context(), a, r.PathValue("org"), in.Name)
	if err != nil {
		return err
	}
	w.Header().Set("Location", ccPath(s.OrgID)+"/sites/"+s.ID)
	setETag(w, s.Version)
	return ok(w, http.StatusCreated, siteJSON(s))
}

func (api *API) getSite(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	s, err := api.svc.Site(r.Context(), a, r.PathValue("org"), r.PathValue("id"))
	if err != nil {
		return err
	}
	setETag(w, s.Version)
	return ok(w, http.StatusOK, siteJSON(s))
}

func (api *API) patchSite(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	var in NameInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	s, err := api.svc.RenameSite(r.Context(), a, r.PathValue("org"), r.PathValue("id"), in.Name, pre.expect())
	if err != nil {
		return pre.result(err)
	}
	setETag(w, s.Version)
	return ok(w, http.StatusOK, siteJSON(s))
}

func (api *API) deleteSite(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	if err := api.svc.DeleteSite(r.Context(), a, r.PathValue("org"), r.PathValue("id"), pre.expect()); err != nil {
		return pre.result(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (api *API) listTeams(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	q, err := query(r, "siteId")
	if err != nil {
		return err
	}
	teams, err := api.svc.Teams(r.Context(), a, r.PathValue("org"), q.Get("siteId"))
	if err != nil {
		return err
	}
	list := TeamList{Items: make([]Team, len(teams))}
	for i, t := range teams {
		list.Items[i] = teamJSON(t)
	}
	return ok(w, http.StatusOK, list)
}

// input converts the body into the application layer's input.
func (in TeamInput) input() (provision.TeamInput, error) {
	name, err := notNull("name", in.Name)
	if err != nil {
		return provision.TeamInput{}, err
	}
	site, err := notNull("siteId", in.SiteID)
	return provision.TeamInput{Name: name, SiteID: site}, err
}

func (api *API) createTeam(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var body TeamInput
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	in, err := body.input()
	if err != nil {
		return err
	}
	t, err := api.svc.CreateTeam(r.Context(), a, r.PathValue("org"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", ccPath(t.OrgID)+"/teams/"+t.ID)
	setETag(w, t.Version)
	return ok(w, http.StatusCreated, teamJSON(t))
}

func (api *API) getTeam(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	t, err := api.svc.Team(r.Context(), a, r.PathValue("org"), r.PathValue("id"))
	if err != nil {
		return err
	}
	setETag(w, t.Version)
	return ok(w, http.StatusOK, teamJSON(t))
}

func (api *API) patchTeam(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	var body TeamInput
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	in, err := body.input()
	if err != nil {
		return err
	}
	t, err := api.svc.UpdateTeam(r.Context(), a, r.PathValue("org"), r.PathValue("id"), in, pre.expect())
	if err != nil {
		return pre.result(err)
	}
	setETag(w, t.Version)
	return ok(w, http.StatusOK, teamJSON(t))
}

func (api *API) deleteTeam(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	if err := api.svc.DeleteTeam(r.Context(), a, r.PathValue("org"), r.PathValue("id"), pre.expect()); err != nil {
		return pre.result(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// profileRoutes returns the five endpoints of one kind of portal profile under its path
// segment (skill-profiles, agent-profiles, multimedia-profiles).
func (api *API) profileRoutes(segment string, kind roster.PortalProfileKind) []route {
	base := "/api/v1/orgs/{org}/contact-center/" + segment
	return []route{
		{method: "GET", path: base, handler: func(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
			if _, err := query(r); err != nil {
				return err
			}
			ps, err := api.svc.PortalProfiles(r.Context(), a, r.PathValue("org"), kind)
			if err != nil {
				return err
			}
			list := PortalProfileList{Items: make([]PortalProfile, len(ps))}
			for i, p := range ps {
				list.Items[i] = portalProfileJSON(p)
			}
			return ok(w, http.StatusOK, list)
		}},
		{method: "POST", path: base, handler: func(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
			var in NameInput
			if err := decodeJSON(w, r, &in); err != nil {
				return err
			}
			p, err := api.svc.CreatePortalProfile(r.Context(), a, r.PathValue("org"), kind, in.Name)
			if err != nil {
				return err
			}
			w.Header().Set("Location", ccPath(p.OrgID)+"/"+segment+"/"+p.ID)
			setETag(w, p.Version)
			return ok(w, http.StatusCreated, portalProfileJSON(p))
		}},
		{method: "GET", path: base + "/{id}", handler: func(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
			p, err := api.svc.PortalProfile(r.Context(), a, r.PathValue("org"), kind, r.PathValue("id"))
			if err != nil {
				return err
			}
			setETag(w, p.Version)
			return ok(w, http.StatusOK, portalProfileJSON(p))
		}},
		{method: "PATCH", path: base + "/{id}", handler: func(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
			pre := ifMatch(r)
			var in NameInput
			if err := decodeJSON(w, r, &in); err != nil {
				return err
			}
			p, err := api.svc.RenamePortalProfile(r.Context(), a, r.PathValue("org"), kind, r.PathValue("id"), in.Name, pre.expect())
			if err != nil {
				return pre.result(err)
			}
			setETag(w, p.Version)
			return ok(w, http.StatusOK, portalProfileJSON(p))
		}},
		{method: "DELETE", path: base + "/{id}", handler: func(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
			pre := ifMatch(r)
			if err := api.svc.DeletePortalProfile(r.Context(), a, r.PathValue("org"), kind, r.PathValue("id"), pre.expect()); err != nil {
				return pre.result(err)
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}},
	}
}
