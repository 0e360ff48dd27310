package provision

import (
	"context"

	"roster"
)

// UserByEmail returns the user of an organization that has email (normalized here), or a
// not_found error. It is the lookup identity providers make for every user on every cycle
// (SCIM's userName eq): one read of the email index, without the count a filtered page makes.
// A user of another organization is not found, as any record of another tenant.
func (s *Service) UserByEmail(ctx context.Context, a roster.Actor, orgID, email string) (*roster.User, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	u, err := s.store.FindUserByEmail(ctx, NormalizeEmail(email))
	if err != nil {
		return nil, err
	}
	if u.OrgID != orgID {
		return nil, roster.Errorf(roster.CodeNotFound, "The user was not found.")
	}
	return u, nil
}
