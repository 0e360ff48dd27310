package sqldb

import (
	"context"

	"roster"
)

// The user_profiles table holds the custom profiles only: the built-in ones are not stored.
// They are read and written through the one code path of entity.go.

var userProfiles = &entityTable[*roster.UserProfile]{
	table: "user_profiles", noun: func(string) string { return "user profile" },
	new:     func() *roster.UserProfile { return &roster.UserProfile{} },
	columns: []string{"profile_type"},
	fields:  func(p *roster.UserProfile) []any { return []any{&p.Type} },
	values:  func(p *roster.UserProfile) []any { return []any{string(p.Type)} }, scopeOf: noScope[*roster.UserProfile],
	prepare: func(_ context.Context, _ *tx, p *roster.UserProfile) error {
		p.BuiltIn = false // what is stored is custom
		return nil
	},
}

// FindUserProfileByID returns the custom user profile of organization orgID with this id.
// Inside Write it locks the row on PostgreSQL.
func (r *reader) FindUserProfileByID(ctx context.Context, orgID, id string) (*roster.UserProfile, error) {
	return findEntity(ctx, r, userProfiles, orgID, "", id)
}

// FindUserProfiles returns the custom user profiles of the organization, by name ignoring case.
func (r *reader) FindUserProfiles(ctx context.Context, orgID string) ([]*roster.UserProfile, error) {
	return findEntities(ctx, r, userProfiles, orgID, "", "")
}

// CreateUserProfile inserts p, as createEntity.
func (t *tx) CreateUserProfile(ctx context.Context, p *roster.UserProfile) error {
	return createEntity(ctx, t, userProfiles, p)
}

// UpdateUserProfile writes the name of p, as updateEntity. Its type never changes.
func (t *tx) UpdateUserProfile(ctx context.Context, p *roster.UserProfile) error {
	return updateEntity(ctx, t, userProfiles, p)
}

// DeleteUserProfile deletes the custom user profile of organization orgID with this id. Its
// users keep their user_profile_id: moving them is the caller's rule to apply.
func (t *tx) DeleteUserProfile(ctx context.Context, orgID, id string) error {
	return deleteEntity(ctx, t, userProfiles, orgID, "", id)
}
