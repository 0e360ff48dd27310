package scim

import (
	"context"
	"net/http"

	"roster"
	"roster/internal/provision"
)

// getUser answers GET /Users/{id}; If-None-Match with the current version answers 304.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	u, err := s.svc.User(r.Context(), a, a.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(u.Version))
	if noneMatch(r, u.Version) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	proj, err := projectionOf(r.URL.Query().Get("attributes"), r.URL.Query().Get("excludedAttributes"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, proj.apply(userResource(u, baseURL(r))))
	return nil
}

// createUser answers POST /Users. A user created with active false is created, then
// deactivated.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var res map[string]any
	if err := readJSON(r, &res); err != nil {
		return err
	}
	u, err := s.createUserResource(r.Context(), a, normalizeNumbers(res).(map[string]any))
	if err != nil {
		return err
	}
	s.writeUser(w, r, http.StatusCreated, u)
	return nil
}

func (s *Server) createUserResource(ctx context.Context, a roster.Actor, res map[string]any) (*roster.User, error) {
	in, err := readUser(res)
	if err != nil {
		return nil, err
	}
	nu := provision.NewUser{
		Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, DisplayName: in.DisplayName,
		PhoneNumber: in.PhoneNumber, Title: in.Title, Department: in.Department, PreferredLanguage: in.Language,
	}
	if in.License != nil {
		nu.License = *in.License
	}
	if in.CCRole != nil {
		nu.CCRole = *in.CCRole
	}
	u, err := s.svc.CreateUser(ctx, a, a.OrgID, nu)
	if err != nil {
		return nil, err
	}
	if in.Active != nil && !*in.Active {
		return s.svc.DeactivateUser(ctx, a, a.OrgID, u.ID, u.Version)
	}
	return u, nil
}

// putUser answers PUT /Users/{id}: the resource replaces the user's attributes. Attributes of
// Roster's extension that the resource leaves out stay as they are, so that a client that
// does not know the extension cannot remove licenses; so does active when left out.
func (s *Server) putUser(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var res map[string]any
	if err := readJSON(r, &res); err != nil {
		return err
	}
	u, err := s.replaceUser(r.Context(), a, r.PathValue("id"), normalizeNumbers(res).(map[string]any), ifMatch(r))
	if err != nil {
		return err
	}
	s.writeUser(w, r, http.StatusOK, u)
	return nil
}

func (s *Server) replaceUser(ctx context.Context, a roster.Actor, id string, res map[string]any, expect int64) (*roster.User, error) {
	u, err := s.svc.User(ctx, a, a.OrgID, id)
	if err != nil {
		return nil, err
	}
	in, err := readUser(res)
	if err != nil {
		return nil, err
	}
	return s.updateUser(ctx, a, u, in, expect)
}

// patchUser answers PATCH /Users/{id}: the operations apply to the user's resource as GET
// shows it, and the result is saved as a PUT of it would be.
func (s *Server) patchUser(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var req patchRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	u, err := s.patchUserResource(r.Context(), a, r.PathValue("id"), req, ifMatch(r), baseURL(r))
	if err != nil {
		return err
	}
	s.writeUser(w, r, http.StatusOK, u)
	return nil
}

func (s *Server) patchUserResource(ctx context.Context, a roster.Actor, id string, req patchRequest, expect int64, base string) (*roster.User, error) {
	u, err := s.svc.User(ctx, a, a.OrgID, id)
	if err != nil {
		return nil, err
	}
	if expect != 0 && expect != u.Version {
		return nil, roster.Errorf(roster.CodePreconditionFailed,
			"The user was changed since you read it (If-Match does not match its version %d). Read it again and retry.", u.Version)
	}
	res := userResource(u, base)
	if err := applyPatch(res, req, userSchema); err != nil {
		return nil, err
	}
	// The resource held license and ccRole: one the operations removed goes back to its
	// default, unlike one a PUT leaves out.
	ext, _ := get(res, URNRosterUser).(map[string]any)
	if ext == nil {
		ext = map[string]any{}
		res[URNRosterUser] = ext
	}
	if get(ext, "license") == nil {
		ext["license"] = string(roster.LicenseNone)
	}
	if get(ext, "ccRole") == nil {
		ext["ccRole"] = string(roster.RoleAgent)
	}
	in, err := readUser(res)
	if err != nil {
		return nil, err
	}
	return s.updateUser(ctx, a, u, in, expect)
}

// updateUser saves what in says of user u through provision: the changed fields first, then
// the change of active (a deactivation or reactivation). expect, when not 0, is the version
// the client read.
func (s *Server) updateUser(ctx context.Context, a roster.Actor, u *roster.User, in *userInput, expect int64) (*roster.User, error) {
	if expect != 0 && expect != u.Version {
		return nil, roster.Errorf(roster.CodePreconditionFailed,
			"The user was changed since you read it (If-Match does not match its version %d). Read it again and retry.", u.Version)
	}
	c, changed := userChange(u, in)
	var err error
	if changed {
		if u, err = s.svc.UpdateUser(ctx, a, a.OrgID, u.ID, c, expect); err != nil {
			return nil, err
		}
		expect = u.Version
	}
	if in.Active != nil && *in.Active != (u.Status != roster.StatusInactive) {
		if *in.Active {
			return s.svc.ReactivateUser(ctx, a, a.OrgID, u.ID, expect)
		}
		return s.svc.DeactivateUser(ctx, a, a.OrgID, u.ID, expect)
	}
	return u, nil
}

// userChange returns the change from u to what in says, and whether there is one.
func userChange(u *roster.User, in *userInput) (provision.UserChange, bool) {
	var c provision.UserChange
	changed := false
	text := func(dst **string, was, now string) {
		if was != now {
			*dst, changed = &now, true
		}
	}
	if provision.NormalizeEmail(in.Email) != u.Email {
		text(&c.Email, u.Email, in.Email)
	}
	text(&c.FirstName, u.FirstName, in.FirstName)
	text(&c.LastName, u.LastName, in.LastName)
	text(&c.DisplayName, u.DisplayName, in.DisplayName)
	text(&c.PhoneNumber, u.PhoneNumber, in.PhoneNumber)
	text(&c.Title, u.Title, in.Title)
	text(&c.Department, u.Department, in.Department)
	if in.Language != u.PreferredLanguage {
		c.PreferredLanguage, changed = &in.Language, true
	}
	if in.License != nil && *in.License != u.License {
		c.License, changed = in.License, true
	}
	if in.CCRole != nil && *in.CCRole != u.CCRole {
		c.CCRole, changed = in.CCRole, true
	}
	return c, changed
}

// deleteUser answers DELETE /Users/{id}; the user's agent follows through sync.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if err := s.svc.DeleteUser(r.Context(), a, a.OrgID, r.PathValue("id"), ifMatch(r)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// writeUser answers a user resource with its ETag and, when created, its Location.
func (s *Server) writeUser(w http.ResponseWriter, r *http.Request, status int, u *roster.User) {
	res := userResource(u, baseURL(r))
	w.Header().Set("ETag", etag(u.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", baseURL(r)+"/Users/"+u.ID)
	}
	writeJSON(w, status, res)
}
