package httpapi

import (
	"net/http"

	"roster"
)

// UserProfile is a contact-center user profile: the built-in default profile of a profile type
// (its id is the type) or a custom one of the organization.
type UserProfile struct {
	ID      string             `json:"id"`
	Name    string             `json:"name"`
	Type    roster.ProfileType `json:"type"`
	BuiltIn bool               `json:"builtIn"`
	Version int64              `json:"version"`
}

// UserProfileList is the answer of GET /api/v1/orgs/{org}/contact-center/user-profiles: the
// built-in profiles, then the custom ones by name.
type UserProfileList struct {
	Items []UserProfile `json:"items"`
}

// NewUserProfile is the body of POST /api/v1/orgs/{org}/contact-center/user-profiles.
type NewUserProfile struct {
	Name string             `json:"name"`
	Type roster.ProfileType `json:"type"`
}

// UserProfilePatch is the body of PATCH .../contact-center/user-profiles/{id}: a custom
// profile's new name. Its type never changes.
type UserProfilePatch struct {
	Name string `json:"name"`
}

func userProfileJSON(p *roster.UserProfile) UserProfile {
	return UserProfile{ID: p.ID, Name: p.Name, Type: p.Type, BuiltIn: p.BuiltIn, Version: p.Version}
}

func userProfileLocation(p *roster.UserProfile) string {
	return "/api/v1/orgs/" + p.OrgID + "/contact-center/user-profiles/" + p.ID
}

// builtInProfile reports whether id names a built-in user profile, whose id is its type.
func builtInProfile(id string) bool {
	_, found := roster.DefaultProfileName[roster.ProfileType(id)]
	return found
}

// builtInUnchangeable explains that a built-in profile cannot be changed, for an error of the
// application layer about profile id, which does not find built-in profiles among the custom
// ones it changes.
func builtInUnchangeable(id string, err error) error {
	if err != nil && builtInProfile(id) && roster.ErrorCode(err) == roster.CodeNotFound {
		return roster.Errorf(roster.CodeConflict,
			"The user profile %s is built in: it cannot be renamed or deleted. Create a custom profile of its type instead.",
			roster.DefaultProfileName[roster.ProfileType(id)])
	}
	return err
}

func (api *API) listUserProfiles(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	ps, err := api.svc.UserProfiles(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return err
	}
	list := UserProfileList{Items: make([]UserProfile, len(ps))}
	for i, p := range ps {
		list.Items[i] = userProfileJSON(p)
	}
	return ok(w, http.StatusOK, list)
}

func (api *API) createUserProfile(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var in NewUserProfile
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := api.svc.CreateUserProfile(r.Context(), a, r.PathValue("org"), in.Name, in.Type)
	if err != nil {
		return err
	}
	w.Header().Set("Location", userProfileLocation(p))
	setETag(w, p.Version)
	return ok(w, http.StatusCreated, userProfileJSON(p))
}

// getUserProfile answers one profile, built in or custom. An organization has few custom
// profiles: they are read all at once, as the list does.
func (api *API) getUserProfile(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	ps, err := api.svc.UserProfiles(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	for _, p := range ps {
		if p.ID == id {
			setETag(w, p.Version)
			return ok(w, http.StatusOK, userProfileJSON(p))
		}
	}
	return roster.Errorf(roster.CodeNotFound, "No user profile of this organization has the id %s.", id)
}

func (api *API) patchUserProfile(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	var in UserProfilePatch
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	id := r.PathValue("id")
	p, err := api.svc.RenameUserProfile(r.Context(), a, r.PathValue("org"), id, in.Name, pre.expect())
	if err != nil {
		return builtInUnchangeable(id, pre.result(err))
	}
	setETag(w, p.Version)
	return ok(w, http.StatusOK, userProfileJSON(p))
}

func (api *API) deleteUserProfile(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	orgID, id := r.PathValue("org"), r.PathValue("id")
	if err := api.svc.DeleteUserProfile(r.Context(), a, orgID, id, pre.expect()); err != nil {
		return builtInUnchangeable(id, pre.result(err))
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
