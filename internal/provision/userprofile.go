package provision

import (
	"context"
	"strings"

	"roster"
)

// User profiles: the built-in default profile of each profile type, which every organization
// has, and the custom ones an organization defines, written by the one code path of
// entity.go.
//
// The rule for built-in profiles is here, for every entry point: they are not stored, their
// id is their type, and they cannot be renamed or deleted (findCustomProfile); no custom
// profile may take a built-in one's name (checkProfileName).

var userProfileKind = &entityKind[*roster.UserProfile]{
	kind: "user_profile", noun: "user profile",
	find:   findCustomProfile,
	create: roster.Tx.CreateUserProfile, update: roster.Tx.UpdateUserProfile, delete: roster.Tx.DeleteUserProfile,
	fields: func(p *roster.UserProfile) map[string]any {
		return map[string]any{"name": p.Name, "type": string(p.Type)}
	},
	inUse: func(ctx context.Context, r roster.Reader, p *roster.UserProfile) error {
		users, err := r.FindUsersByProfile(ctx, p.OrgID, p.ID, "", 6)
		if err != nil {
			return err
		}
		emails := make([]string, len(users))
		for i, u := range users {
			emails[i] = u.Email
		}
		return heldBy(emails, "user profile", p.Name, "another profile")
	},
}

// profileTypes lists the types of agent profiles, in the order of SPEC §2.
var profileTypes = []roster.ProfileType{roster.ProfileStandardAgent, roster.ProfilePremiumAgent,
	roster.ProfileSupervisor, roster.ProfileAdministrator, roster.ProfileAdministratorOnly}

// builtInProfile returns the built-in profile whose id is id, if there is one.
func builtInProfile(orgID, id string) (*roster.UserProfile, bool) {
	name, ok := roster.DefaultProfileName[roster.ProfileType(id)]
	if !ok {
		return nil, false
	}
	return &roster.UserProfile{Entity: roster.Entity{ID: id, OrgID: orgID, Name: name, Version: 1},
		Type: roster.ProfileType(id), BuiltIn: true}, true
}

// findCustomProfile reads the custom profile id to change it. A built-in profile cannot be
// changed: it is the same in every organization and the contact center defines it.
func findCustomProfile(r roster.Reader, ctx context.Context, orgID, id string) (*roster.UserProfile, error) {
	if p, ok := builtInProfile(orgID, id); ok {
		return nil, roster.Errorf(roster.CodeConflict,
			"The user profile %s is built in: it cannot be renamed or deleted. Create a custom profile of its type instead.", p.Name)
	}
	return r.FindUserProfileByID(ctx, orgID, id)
}

// UserProfiles returns the built-in default user profile of each profile type, then the
// organization's custom ones by name.
func (s *Service) UserProfiles(ctx context.Context, a roster.Actor, orgID string) ([]*roster.UserProfile, error) {
	return authorizedRead(a, orgID, func() ([]*roster.UserProfile, error) {
		custom, err := s.store.FindUserProfiles(ctx, orgID)
		if err != nil {
			return nil, err
		}
		out := make([]*roster.UserProfile, 0, len(profileTypes)+len(custom))
		for _, t := range profileTypes {
			p, _ := builtInProfile(orgID, string(t))
			out = append(out, p)
		}
		return append(out, custom...), nil
	})
}

// UserProfile returns one user profile, built in or custom.
func (s *Service) UserProfile(ctx context.Context, a roster.Actor, orgID, id string) (*roster.UserProfile, error) {
	return authorizedRead(a, orgID, func() (*roster.UserProfile, error) {
		if p, ok := builtInProfile(orgID, id); ok {
			return p, nil
		}
		p, err := s.store.FindUserProfileByID(ctx, orgID, id)
		if roster.ErrorCode(err) == roster.CodeNotFound {
			return nil, roster.Errorf(roster.CodeNotFound, "No user profile of this organization has the id %s.", id)
		}
		return p, err
	})
}

// CreateUserProfile creates a custom user profile of a profile type.
func (s *Service) CreateUserProfile(ctx context.Context, a roster.Actor, orgID, name string, t roster.ProfileType) (*roster.UserProfile, error) {
	p := &roster.UserProfile{Entity: s.newEntity(orgID, name), Type: t}
	var typeErr *roster.FieldError
	if _, ok := roster.DefaultProfileName[t]; !ok {
		typeErr = enumError("type", string(t), "standard_agent, premium_agent, supervisor, administrator, administrator_only")
	}
	return createEntity(ctx, s, a, userProfileKind, p, checkProfileName(p.Name), typeErr)
}

// RenameUserProfile renames a custom user profile. Its type never changes: users hold it.
func (s *Service) RenameUserProfile(ctx context.Context, a roster.Actor, orgID, id, name string, expectVersion int64) (*roster.UserProfile, error) {
	return renameEntity(ctx, s, a, userProfileKind, orgID, id, name, expectVersion, checkProfileName)
}

// DeleteUserProfile deletes a custom user profile that no user holds; otherwise it names some
// of the users that do. expectVersion, when not 0, must be the current version.
func (s *Service) DeleteUserProfile(ctx context.Context, a roster.Actor, orgID, id string, expectVersion int64) error {
	return deleteEntity(ctx, s, a, userProfileKind, orgID, id, expectVersion)
}

func checkProfileName(name string) *roster.FieldError {
	if name == "" {
		return &roster.FieldError{Field: "name", Code: roster.CodeInvalid, Message: "Enter a name for the user profile."}
	}
	for _, t := range profileTypes {
		if strings.EqualFold(name, roster.DefaultProfileName[t]) {
			return &roster.FieldError{Field: "name", Code: roster.CodeInvalid,
				Message: "The name " + quote(name) + " is the name of a built-in profile; choose another."}
		}
	}
	return validateText("name", "The name", name, maxNameLen)
}
