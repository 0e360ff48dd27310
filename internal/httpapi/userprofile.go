package httpapi

import "roster"

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
