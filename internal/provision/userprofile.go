package provision

import (
	"context"
	"strings"

	"roster"
)

// UserProfiles returns the built-in default user profile of each profile type, then the
// organization's custom ones by name.
func (s *Service) UserProfiles(ctx context.Context, a roster.Actor, orgID string) ([]*roster.UserProfile, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	custom, err := s.store.FindUserProfiles(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := builtInProfiles(orgID)
	return append(out, custom...), nil
}

// profileTypes lists the types of agent profiles, in the order of SPEC §2.
var profileTypes = []roster.ProfileType{roster.ProfileStandardAgent, roster.ProfilePremiumAgent,
	roster.ProfileSupervisor, roster.ProfileAdministrator, roster.ProfileAdministratorOnly}

// builtInProfiles are the default profiles every organization has; their id is their type.
func builtInProfiles(orgID string) []*roster.UserProfile {
	out := make([]*roster.UserProfile, len(profileTypes))
	for i, t := range profileTypes {
		out[i] = &roster.UserProfile{ID: string(t), OrgID: orgID, Name: roster.DefaultProfileName[t], Type: t, BuiltIn: true, Version: 1}
	}
	return out
}

// CreateUserProfile creates a custom user profile of a profile type.
func (s *Service) CreateUserProfile(ctx context.Context, a roster.Actor, orgID, name string, t roster.ProfileType) (*roster.UserProfile, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	now := s.clock()
	p := &roster.UserProfile{ID: roster.NewID(), OrgID: orgID, Name: strings.TrimSpace(name), Type: t, CreatedAt: now, UpdatedAt: now, Version: 1}
	var errs []roster.FieldError
	if fe := checkProfileName(p.Name); fe != nil {
		errs = append(errs, *fe)
	}
	if _, ok := roster.DefaultProfileName[t]; !ok {
		errs = append(errs, *enumError("type", string(t), "standard_agent, premium_agent, supervisor, administrator, administrator_only"))
	}
	if len(errs) > 0 {
		return nil, roster.InvalidFields(errs...)
	}
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		if err := tx.CreateUserProfile(ctx, p); err != nil {
			return nameTaken(err, "user profile", p.Name)
		}
		return s.audit(ctx, tx, a, orgID, "user_profile.create", "user_profile", p.ID, p.Name, nil,
			map[string]any{"name": p.Name, "type": string(p.Type)})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// RenameUserProfile renames a custom user profile. Its type never changes: users hold it.
func (s *Service) RenameUserProfile(ctx context.Context, a roster.Actor, orgID, id, name string, expectVersion int64) (*roster.UserProfile, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if fe := checkProfileName(name); fe != nil {
		return nil, roster.InvalidFields(*fe)
	}
	var p *roster.UserProfile
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		var err error
		if p, err = tx.FindUserProfileByID(ctx, orgID, id); err != nil {
			return err
		}
		if expectVersion != 0 && p.Version != expectVersion {
			return staleVersion()
		}
		if p.Name == name {
			return nil
		}
		old := p.Name
		p.Name, p.UpdatedAt = name, s.clock()
		if err := tx.UpdateUserProfile(ctx, p); err != nil {
			return nameTaken(err, "user profile", name)
		}
		return s.audit(ctx, tx, a, orgID, "user_profile.update", "user_profile", p.ID, p.Name,
			map[string]any{"name": old}, map[string]any{"name": name})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DeleteUserProfile deletes a custom user profile that no user holds; otherwise it names some
// of the users that do. expectVersion, when not 0, must be the current version.
func (s *Service) DeleteUserProfile(ctx context.Context, a roster.Actor, orgID, id string, expectVersion int64) error {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return err
	}
	return s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, _ *roster.Org) error {
		p, err := tx.FindUserProfileByID(ctx, orgID, id)
		if err != nil {
			return err
		}
		if expectVersion != 0 && p.Version != expectVersion {
			return staleVersion()
		}
		users, err := tx.FindUsersByProfile(ctx, orgID, id, "", 6)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			names := make([]string, 0, 5)
			for _, u := range users[:min(5, len(users))] {
				names = append(names, u.Email)
			}
			more := ""
			if len(users) > 5 {
				more = " and others"
			}
			return roster.Errorf(roster.CodeInUse, "The user profile %s is in use by %s%s; give them another profile first.",
				p.Name, strings.Join(names, ", "), more)
		}
		if err := tx.DeleteUserProfile(ctx, orgID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, orgID, "user_profile.delete", "user_profile", p.ID, p.Name,
			map[string]any{"name": p.Name, "type": string(p.Type)}, nil)
	})
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
