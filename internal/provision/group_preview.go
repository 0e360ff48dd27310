package provision

import (
	"context"

	"roster"
)

// RemovalPreview counts what removing users from a group does to their licenses, before it
// happens: the confirmation pages of deleting a group and of removing members say it.
type RemovalPreview struct {
	// Members counts the named users that are in the group.
	Members int
	// Lose counts members whose license goes down: the group's grant was their best source.
	Lose int
	// Keep counts members the group grants a license that another source still grants.
	Keep int
}

// PreviewMemberRemoval counts what removing userIDs from a group would do to their licenses;
// nil userIDs means every member, as deleting the group does. It reads the members a page at
// a time and changes nothing, so a large group costs one read per page of members.
func (s *Service) PreviewMemberRemoval(ctx context.Context, a roster.Actor, orgID, groupID string, userIDs []string) (*RemovalPreview, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	if _, err := s.store.FindGroupByID(ctx, orgID, groupID); err != nil {
		return nil, err
	}
	p := &RemovalPreview{}
	if userIDs != nil {
		for start := 0; start < len(userIDs); start += roster.MaxPageSize {
			if err := s.previewRemoval(ctx, orgID, groupID, userIDs[start:min(start+roster.MaxPageSize, len(userIDs))], p); err != nil {
				return nil, err
			}
		}
		return p, nil
	}
	f := roster.MembershipFilter{OrgID: orgID, GroupID: groupID, Limit: roster.MaxPageSize}
	for {
		page, err := s.store.FindMemberships(ctx, f)
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(page.Memberships))
		for i, m := range page.Memberships {
			ids[i] = m.UserID
		}
		if err := s.previewRemoval(ctx, orgID, groupID, ids, p); err != nil {
			return nil, err
		}
		if page.Next == "" {
			return p, nil
		}
		f.After = page.Next
	}
}

// previewRemoval adds to p what removing ids from the group does, with the same license
// resolution as RemoveMembers.
func (s *Service) previewRemoval(ctx context.Context, orgID, groupID string, ids []string, p *RemovalPreview) error {
	if len(ids) == 0 {
		return nil
	}
	users, err := s.store.FindUsersByIDs(ctx, orgID, ids)
	if err != nil {
		return err
	}
	of, err := membershipsByUser(ctx, s.store, orgID, ids)
	if err != nil {
		return err
	}
	now := s.clock()
	for _, u := range users {
		others, in := membershipIn(of[u.ID], groupID)
		if in == nil {
			continue
		}
		p.Members++
		if in.License == roster.LicenseNone {
			continue
		}
		next := *u
		next.GroupLicense = groupLicense(others)
		next.License = "" // recomputed from the sources left
		if _, err := resolveLicense(u, &next, now); err != nil {
			return err
		}
		if next.License != u.License {
			p.Lose++
		} else {
			p.Keep++
		}
	}
	return nil
}
