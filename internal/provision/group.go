package provision

import (
	"context"
	"fmt"
	"strings"

	"roster"
)

// GroupInput is a group to create, or the fields to change on one (nil stays as it is).
type GroupInput struct {
	Name    *string
	License *roster.License // the group's license template
}

// Groups returns a page of an organization's groups, by name.
func (s *Service) Groups(ctx context.Context, a roster.Actor, f roster.GroupFilter) (*roster.GroupPage, error) {
	if err := authorize(a, f.OrgID, permRead); err != nil {
		return nil, err
	}
	if err := CheckPageSize(f.Limit); err != nil {
		return nil, err
	}
	f.Query = strings.ToLower(strings.TrimSpace(f.Query))
	return s.store.FindGroups(ctx, f)
}

// Group returns one group.
func (s *Service) Group(ctx context.Context, a roster.Actor, orgID, id string) (*roster.Group, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	return s.store.FindGroupByID(ctx, orgID, id)
}

// CreateGroup creates a group. Its license template is none unless in says otherwise.
func (s *Service) CreateGroup(ctx context.Context, a roster.Actor, orgID string, in GroupInput) (*roster.Group, error) {
	if err := authorize(a, orgID, permUsers); err != nil {
		return nil, err
	}
	now := s.clock()
	g := &roster.Group{ID: roster.NewID(), OrgID: orgID, License: roster.LicenseNone, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := applyGroupInput(g, in, true); err != nil {
		return nil, err
	}
	err := s.writeOrg(ctx, a, permUsers, orgID, func(tx roster.Tx, _ *roster.Org) error {
		if err := tx.CreateGroup(ctx, g); err != nil {
			return nameTaken(err, "group", g.Name)
		}
		return s.audit(ctx, tx, a, orgID, "group.create", "group", g.ID, g.Name, nil, groupFields(g))
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// UpdateGroup renames a group or changes its license template. A new template applies to
// members that join from now on; members already in the group keep what they have until a
// template is applied to existing users (StartApplyTemplate).
func (s *Service) UpdateGroup(ctx context.Context, a roster.Actor, orgID, id string, in GroupInput, expectVersion int64) (*roster.Group, error) {
	need := permUsers
	if in.Name == nil {
		need = permLicenses
	}
	if err := authorize(a, orgID, need); err != nil {
		return nil, err
	}
	var g *roster.Group
	err := s.writeOrg(ctx, a, need, orgID, func(tx roster.Tx, _ *roster.Org) error {
		var err error
		if g, err = tx.FindGroupByID(ctx, orgID, id); err != nil {
			return err
		}
		if expectVersion != 0 && g.Version != expectVersion {
			return staleVersion()
		}
		before := groupFields(g)
		if err := applyGroupInput(g, in, false); err != nil {
			return err
		}
		changedBefore, changedAfter := diff(before, groupFields(g))
		if len(changedAfter) == 0 {
			return nil
		}
		g.UpdatedAt = s.clock()
		if err := tx.UpdateGroup(ctx, g); err != nil {
			return nameTaken(err, "group", g.Name)
		}
		return s.audit(ctx, tx, a, orgID, "group.update", "group", g.ID, g.Name, changedBefore, changedAfter)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// DeleteGroup removes every member from a group, which takes away the licenses the group
// gave them unless another source still grants them, and then deletes the group. Members are
// removed in chunks: a large group is deleted in several transactions, and a failure leaves it
// with fewer members, to delete again.
func (s *Service) DeleteGroup(ctx context.Context, a roster.Actor, orgID, id string, expectVersion int64) error {
	if err := authorize(a, orgID, permUsers); err != nil {
		return err
	}
	g, err := s.store.FindGroupByID(ctx, orgID, id)
	if err != nil {
		return err
	}
	if expectVersion != 0 && g.Version != expectVersion {
		return staleVersion()
	}
	for {
		page, err := s.store.FindMemberships(ctx, roster.MembershipFilter{OrgID: orgID, GroupID: id, Limit: roster.MaxPageSize})
		if err != nil {
			return err
		}
		if len(page.Memberships) == 0 {
			break
		}
		ids := make([]string, len(page.Memberships))
		for i, m := range page.Memberships {
			ids[i] = m.UserID
		}
		if _, err := s.RemoveMembers(ctx, a, orgID, id, MemberRefs{UserIDs: ids}); err != nil {
			return err
		}
	}
	return s.writeOrg(ctx, a, permUsers, orgID, func(tx roster.Tx, _ *roster.Org) error {
		g, err := tx.FindGroupByID(ctx, orgID, id)
		if err != nil {
			return err
		}
		if g.Members > 0 {
			return roster.Errorf(roster.CodeConflict, "Users were added to the group %s while it was being deleted; delete it again.", g.Name)
		}
		if err := tx.DeleteGroup(ctx, orgID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, orgID, "group.delete", "group", g.ID, g.Name, groupFields(g), nil)
	})
}

// MemberRefs names users by id or by email.
type MemberRefs struct {
	UserIDs []string
	Emails  []string
}

// MembersResult is the outcome of adding or removing members: how many changed, how many were
// already as asked, and one entry per user that could not be changed.
type MembersResult struct {
	Changed   int
	Unchanged int
	// Waiting counts members the group should give a license to but no seat was free for:
	// they get it when a seat frees up.
	Waiting int
	Failed  []Result
}

// memberChunk is how many members one transaction adds or removes: 100,000 members joining a
// premium group took 6.5 s at 10,000 a transaction and 7.1 s at 5,000 (bench/README.md), each
// transaction holding the writer about half a second.
const memberChunk = 10_000

// AddMembers adds users to a group. In group mode a new member gets the group's license
// template on top of what it has; without a free seat it waits for one (MembersResult.Waiting).
func (s *Service) AddMembers(ctx context.Context, a roster.Actor, orgID, groupID string, refs MemberRefs) (*MembersResult, error) {
	return s.changeMembers(ctx, a, orgID, groupID, refs, true)
}

// RemoveMembers removes users from a group: each loses the license the membership gave it,
// unless another source still grants it.
func (s *Service) RemoveMembers(ctx context.Context, a roster.Actor, orgID, groupID string, refs MemberRefs) (*MembersResult, error) {
	return s.changeMembers(ctx, a, orgID, groupID, refs, false)
}

func (s *Service) changeMembers(ctx context.Context, a roster.Actor, orgID, groupID string, refs MemberRefs, add bool) (*MembersResult, error) {
	if err := authorize(a, orgID, permUsers); err != nil {
		return nil, err
	}
	if n := len(refs.UserIDs) + len(refs.Emails); n == 0 {
		return nil, roster.InvalidFields(roster.FieldError{Field: "userIds", Code: roster.CodeInvalid, Message: "Name at least one user, by id or by email."})
	} else if n > maxMembersPerCall {
		return nil, roster.InvalidFields(roster.FieldError{Field: "userIds", Code: roster.CodeInvalid,
			Message: fmt.Sprintf("Up to %d users can be added or removed at a time; this request names %d.", maxMembersPerCall, n)})
	}
	res := &MembersResult{}
	ids, err := s.memberIDs(ctx, orgID, refs, res)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		// Each transaction finds the group (or that there is none); with no user to change no
		// transaction runs, so look here.
		if _, err := s.store.FindGroupByID(ctx, orgID, groupID); err != nil {
			return nil, err
		}
	}
	for start := 0; start < len(ids); start += memberChunk {
		chunk := ids[start:min(start+memberChunk, len(ids))]
		err := s.writeOrg(ctx, a, permUsers, orgID, func(tx roster.Tx, org *roster.Org) error {
			return s.changeMembersChunk(ctx, tx, a, org, groupID, chunk, add, res)
		})
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// maxMembersPerCall bounds one request: a million members stay within a few calls.
const maxMembersPerCall = 200_000

// memberIDs turns refs into user ids, without repeats. Emails of no user of the organization
// are reported as failed in res.
func (s *Service) memberIDs(ctx context.Context, orgID string, refs MemberRefs, res *MembersResult) ([]string, error) {
	seen := make(map[string]bool, len(refs.UserIDs)+len(refs.Emails))
	ids := make([]string, 0, len(refs.UserIDs)+len(refs.Emails))
	for _, id := range refs.UserIDs {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(refs.Emails) == 0 {
		return ids, nil
	}
	emails := make([]string, len(refs.Emails))
	for i, e := range refs.Emails {
		emails[i] = NormalizeEmail(e)
	}
	found, err := s.store.FindUsersByEmails(ctx, emails)
	if err != nil {
		return nil, err
	}
	byEmail := make(map[string]string, len(found))
	for _, u := range found {
		if u.OrgID == orgID {
			byEmail[u.Email] = u.ID
		}
	}
	for _, e := range emails {
		id, ok := byEmail[e]
		switch {
		case !ok:
			res.Failed = append(res.Failed, Result{Email: e, Outcome: Failed, Code: roster.CodeNotFound,
				Message: "No user of this organization has this email address."})
		case !seen[id]:
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// changeMembersChunk adds (or removes) the users ids to (from) a group in one transaction, each
// through the license rules, with one audit entry per member.
func (s *Service) changeMembersChunk(ctx context.Context, tx roster.Tx, a roster.Actor, org *roster.Org, groupID string, ids []string, add bool, res *MembersResult) error {
	g, err := tx.FindGroupByID(ctx, org.ID, groupID)
	if err != nil {
		return err
	}
	users, err := tx.FindUsersByIDs(ctx, org.ID, ids)
	if err != nil {
		return err
	}
	byID := make(map[string]*roster.User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	of, err := membershipsByUser(ctx, tx, org.ID, ids)
	if err != nil {
		return err
	}
	now := s.clock()
	action := "group.remove_member"
	if add {
		action = "group.add_member"
	}
	var writes []*userWrite
	var changed []*roster.Membership
	var audits []*roster.AuditEntry
	for _, id := range ids {
		u := byID[id]
		if u == nil {
			res.Failed = append(res.Failed, Result{UserID: id, Outcome: Failed, Code: roster.CodeNotFound, Message: "No user of this organization has this id."})
			continue
		}
		mine, member := membershipIn(of[id], g.ID)
		if add == (member != nil) {
			res.Unchanged++
			continue
		}
		next := *u
		if add {
			member = &roster.Membership{GroupID: g.ID, UserID: u.ID, OrgID: org.ID, License: joinLicense(org, g), Since: now}
			next.GroupLicense = roster.Best(u.GroupLicense, member.License)
		} else {
			next.GroupLicense = groupLicense(mine)
		}
		w, err := s.checkUser(ctx, tx, a, org, u, &next, nil)
		if err != nil {
			r, err := failedOrError(u.Email, err)
			if err != nil {
				return err
			}
			r.UserID = u.ID
			res.Failed = append(res.Failed, r)
			continue
		}
		res.Changed++
		if next.WaitingLicense.Granted() && next.WaitingLicense != u.WaitingLicense {
			res.Waiting++
		}
		changed = append(changed, member)
		if w == nil {
			audits = append(audits, s.auditEntry(a, org.ID, action, "user", u.ID, u.Email, nil, map[string]any{"group": g.Name}))
			continue
		}
		// The member's own change is recorded in the same entry.
		w.changed["group"] = g.Name
		w.audit.Action, w.audit.After = action, rawJSON(w.changed)
		writes = append(writes, w)
	}
	if err := s.writeUsers(ctx, tx, writes); err != nil {
		return err
	}
	if add {
		err = tx.CreateMemberships(ctx, changed)
	} else {
		err = tx.DeleteMemberships(ctx, changed)
	}
	if err != nil {
		return err
	}
	return tx.CreateAuditEntries(ctx, audits)
}

// membershipIn returns the memberships of ms outside group groupID, and the one in it (nil
// when none).
func membershipIn(ms []*roster.Membership, groupID string) (others []*roster.Membership, in *roster.Membership) {
	for _, m := range ms {
		if m.GroupID == groupID {
			in = m
		} else {
			others = append(others, m)
		}
	}
	return others, in
}

// joinLicense is what joining group g grants: its template in group mode, else nothing.
func joinLicense(org *roster.Org, g *roster.Group) roster.License {
	if org.Assignment.Mode == roster.AssignGroup {
		return g.License
	}
	return roster.LicenseNone
}

// Memberships returns a page of the members of a group or of the groups of a user.
func (s *Service) Memberships(ctx context.Context, a roster.Actor, f roster.MembershipFilter) (*roster.MembershipPage, error) {
	if err := authorize(a, f.OrgID, permRead); err != nil {
		return nil, err
	}
	if err := CheckPageSize(f.Limit); err != nil {
		return nil, err
	}
	if (f.GroupID == "") == (f.UserID == "") {
		return nil, fmt.Errorf("memberships: exactly one of group and user")
	}
	var err error
	if f.GroupID != "" {
		_, err = s.store.FindGroupByID(ctx, f.OrgID, f.GroupID)
	} else {
		_, err = s.store.FindUserByID(ctx, f.OrgID, f.UserID)
	}
	if err != nil {
		return nil, err
	}
	return s.store.FindMemberships(ctx, f)
}

// applyGroupInput validates in and sets it on g; create requires a name.
func applyGroupInput(g *roster.Group, in GroupInput, create bool) error {
	var errs []roster.FieldError
	if in.Name != nil {
		g.Name = strings.TrimSpace(*in.Name)
		if fe := validateText("name", "The group name", g.Name, maxNameLen); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if (create || in.Name != nil) && g.Name == "" {
		errs = append(errs, roster.FieldError{Field: "name", Code: roster.CodeInvalid, Message: "Enter a name for the group."})
	}
	if strings.Contains(g.Name, "|") {
		errs = append(errs, roster.FieldError{Field: "name", Code: roster.CodeInvalid,
			Message: "A group name cannot contain |, which separates groups in CSV files."})
	}
	if in.License != nil {
		if !in.License.Valid() {
			errs = append(errs, *enumError("license", string(*in.License), "none, standard, premium"))
		}
		g.License = *in.License
	}
	if len(errs) > 0 {
		return roster.InvalidFields(errs...)
	}
	return nil
}

func groupFields(g *roster.Group) map[string]any {
	return map[string]any{"name": g.Name, "license": string(g.License)}
}

// nameTaken explains a store conflict on creating or renaming a named thing.
func nameTaken(err error, kind, name string) error {
	if roster.ErrorCode(err) == roster.CodeConflict {
		return roster.Errorf(roster.CodeNameExists, "A %s named %s already exists in this organization; choose another name.", kind, name)
	}
	return err
}

// membershipsByUser returns the memberships of the organization's users ids, by user.
func membershipsByUser(ctx context.Context, r roster.Reader, orgID string, ids []string) (map[string][]*roster.Membership, error) {
	ms, err := r.FindMembershipsOfUsers(ctx, orgID, ids)
	if err != nil {
		return nil, err
	}
	of := make(map[string][]*roster.Membership, len(ids))
	for _, m := range ms {
		of[m.UserID] = append(of[m.UserID], m)
	}
	return of, nil
}
