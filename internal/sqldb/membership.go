package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"roster"
)

// membershipColumns are the columns of a membership and of its group, read from group_members
// AS gm joined with groups AS g.
const membershipColumns = `gm.group_id, gm.user_id, gm.org_id, gm.license, gm.since, g.name, g.license`

// membershipsFrom joins every membership with its group, and with its user when users is set.
func membershipsFrom(users bool) string {
	q := ` FROM group_members AS gm JOIN groups AS g ON g.id = gm.group_id`
	if users {
		q += ` JOIN users AS u ON u.id = gm.user_id`
	}
	return q
}

// scanMembership reads membershipColumns, followed by the user's email and names when withUser.
func scanMembership(s rowScanner, withUser bool) (*roster.Membership, error) {
	var m roster.Membership
	dest := []any{&m.GroupID, &m.UserID, &m.OrgID, &m.License, &m.Since, &m.GroupName, &m.GroupLicense}
	if withUser {
		dest = append(dest, &m.Email, &m.FirstName, &m.LastName)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	m.Since = m.Since.UTC()
	return &m, nil
}

// FindMemberships returns a page of the members of a group, by user id, or of the groups of a
// user, by group id; each reads its own index (the primary key, or group_members_user) in page
// order. Both fill in the group's and the user's side.
func (r *reader) FindMemberships(ctx context.Context, f roster.MembershipFilter) (*roster.MembershipPage, error) {
	if f.GroupID == "" && f.UserID == "" {
		return nil, roster.Errorf(roster.CodeInvalid, "Select the members of a group or the groups of a user.")
	}
	limit := pageLimit(f.Limit)
	q, args := membershipPageQuery(f)
	rows, err := r.run.query(ctx, q, append(args, limit+1)...)
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find memberships"})
	}
	ms, err := scanMemberships(rows, true)
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find memberships"})
	}
	page := &roster.MembershipPage{Memberships: ms}
	// One row more than the page tells whether there is a next page.
	if len(ms) > limit {
		page.Memberships = ms[:limit]
		last := ms[limit-1]
		page.Next = last.UserID
		if f.GroupID == "" {
			page.Next = last.GroupID
		}
	}
	return page, nil
}

// membershipPageQuery returns the query of a page of f, which names a group or a user, but for
// its last argument, the LIMIT.
func membershipPageQuery(f roster.MembershipFilter) (string, []any) {
	w := &where{}
	w.add("gm.org_id = ?", f.OrgID)
	var order string
	if f.GroupID != "" {
		w.add("gm.group_id = ?", f.GroupID)
		if f.UserID != "" {
			w.add("gm.user_id = ?", f.UserID)
		}
		if f.After != "" {
			w.add("gm.user_id > ?", f.After)
		}
		order = "gm.user_id"
	} else {
		w.add("gm.user_id = ?", f.UserID)
		if f.After != "" {
			w.add("gm.group_id > ?", f.After)
		}
		order = "gm.group_id"
	}
	return `SELECT ` + membershipColumns + `, u.email, u.first_name, u.last_name` + membershipsFrom(true) +
		w.String() + ` ORDER BY ` + order + ` LIMIT ?`, w.args
}

func scanMemberships(rows *sql.Rows, withUser bool) ([]*roster.Membership, error) {
	defer rows.Close()
	var ms []*roster.Membership
	for rows.Next() {
		m, err := scanMembership(rows, withUser)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

// FindMembershipsOfUsers returns every membership of these users of the organization, with
// GroupName and GroupLicense filled in, in no particular order.
func (r *reader) FindMembershipsOfUsers(ctx context.Context, orgID string, userIDs []string) ([]*roster.Membership, error) {
	rows, err := r.run.query(ctx, `SELECT `+membershipColumns+membershipsFrom(false)+`
		WHERE gm.org_id = ? AND gm.user_id `+r.d.anyOf, orgID, r.d.listArg(userIDs))
	var ms []*roster.Membership
	if err == nil {
		ms, err = scanMemberships(rows, false)
	}
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find memberships of users of organization " + orgID})
	}
	return ms, nil
}

// FindGroupNames returns the names of the groups of each of these users of the organization,
// in the order of the group list (by name, ignoring case), keyed by user id; users without
// groups are left out.
func (r *reader) FindGroupNames(ctx context.Context, orgID string, userIDs []string) (map[string][]string, error) {
	type userGroup struct{ user, name string }
	found, err := findAll(ctx, r, func(s rowScanner) (g userGroup, err error) {
		return g, s.Scan(&g.user, &g.name)
	}, `SELECT gm.user_id, g.name`+membershipsFrom(false)+`
		WHERE gm.org_id = ? AND gm.user_id `+r.d.anyOf, orgID, r.d.listArg(userIDs))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find group names of users of organization " + orgID})
	}
	names := make(map[string][]string)
	for _, g := range found {
		names[g.user] = append(names[g.user], g.name)
	}
	for _, ns := range names {
		slices.SortFunc(ns, func(a, b string) int {
			return strings.Compare(nameKey(a), nameKey(b))
		})
	}
	return names, nil
}

// CreateMemberships inserts ms and adds them to their groups' member counts. A group missing
// from its organization fails with CodeNotFound, and a user already in the group with
// CodeConflict; either way the counts stay true to the rows, and the transaction usable.
func (t *tx) CreateMemberships(ctx context.Context, ms []*roster.Membership) error {
	const cols = 5
	// The groups first: a missing one fails before any row is written.
	err := t.countMembers(ctx, ms, +1)
	if err == nil {
		// rowsPerStatement a statement on SQLite too: with OR IGNORE, and no foreign key, a
		// statement cannot abort half-way and needs no statement journal.
		err = inGroups(len(ms), rowsPerStatement, func(start, end int) error {
			group := ms[start:end]
			args := make([]any, 0, len(group)*cols)
			for _, m := range group {
				m.Since = dbTime(m.Since)
				args = append(args, m.GroupID, m.UserID, m.OrgID, m.License, m.Since)
			}
			res, err := t.run.exec(ctx, t.d.insertIgnore+` INTO group_members (group_id, user_id, org_id, license, since)
				VALUES `+placeholders(len(group), cols)+t.d.onConflictIgnore, args...)
			if err == nil {
				err = allAffected(res, len(group), roster.CodeConflict, "A user is already a member of this group.")
			}
			return err
		})
	}
	var re *roster.Error
	if errors.As(err, &re) {
		// Some counts were raised for rows that were not written: count the rows again.
		if rerr := t.recountMembers(ctx, ms); rerr != nil {
			err = fmt.Errorf("count members again after %q: %w", re.Message, rerr)
		}
	}
	return t.d.translate(err, errs{op: "create memberships"})
}

// countMembers adds sign times the number of memberships of each group of ms to its count.
func (t *tx) countMembers(ctx context.Context, ms []*roster.Membership, sign int) error {
	counts, order := membersPerGroup(ms)
	for _, k := range order {
		res, err := t.run.exec(ctx, `UPDATE groups SET member_count = member_count + ?
			WHERE id = ? AND org_id = ?`, sign*counts[k], k.group, k.org)
		if err == nil {
			err = affected(res, "Group not found.")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// recountMembers sets the count of each group of ms from its rows.
func (t *tx) recountMembers(ctx context.Context, ms []*roster.Membership) error {
	_, order := membersPerGroup(ms)
	for _, k := range order {
		_, err := t.run.exec(ctx, `UPDATE groups SET member_count =
			(SELECT COUNT(*) FROM group_members WHERE group_id = ? AND org_id = ?)
			WHERE id = ? AND org_id = ?`, k.group, k.org, k.group, k.org)
		if err != nil {
			return err
		}
	}
	return nil
}

type groupKey struct{ org, group string }

// membersPerGroup counts the memberships of ms per group, and returns the groups in the order
// they first appear, so that concurrent writers lock the groups' rows in a stable order.
func membersPerGroup(ms []*roster.Membership) (map[groupKey]int, []groupKey) {
	counts := make(map[groupKey]int)
	var order []groupKey
	for _, m := range ms {
		k := groupKey{m.OrgID, m.GroupID}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	return counts, order
}

// UpdateMemberships writes the license and since of each of ms. A membership that does not
// exist fails with CodeNotFound.
func (t *tx) UpdateMemberships(ctx context.Context, ms []*roster.Membership) error {
	for _, m := range ms {
		m.Since = dbTime(m.Since)
		res, err := t.run.exec(ctx, `UPDATE group_members SET license = ?, since = ?
			WHERE group_id = ? AND user_id = ? AND org_id = ?`,
			m.License, m.Since, m.GroupID, m.UserID, m.OrgID)
		if err == nil {
			err = affected(res, "Membership not found.")
		}
		if err != nil {
			return t.d.translate(err, errs{op: "update membership of user " + m.UserID})
		}
	}
	return nil
}

// DeleteMemberships deletes the memberships of ms (by organization, group and user) and lowers
// the count of each group by the number of its rows actually deleted. A membership that does
// not exist is no error.
func (t *tx) DeleteMemberships(ctx context.Context, ms []*roster.Membership) error {
	byGroup := make(map[groupKey][]string)
	_, order := membersPerGroup(ms)
	for _, m := range ms {
		k := groupKey{m.OrgID, m.GroupID}
		byGroup[k] = append(byGroup[k], m.UserID)
	}
	for _, k := range order {
		users := byGroup[k]
		var deleted int64
		res, err := t.run.exec(ctx, `DELETE FROM group_members WHERE group_id = ? AND org_id = ?
			AND user_id `+t.d.anyOf, k.group, k.org, t.d.listArg(users))
		if err == nil {
			deleted, err = res.RowsAffected()
		}
		if err == nil && deleted > 0 {
			_, err = t.run.exec(ctx, `UPDATE groups SET member_count = member_count - ?
				WHERE id = ? AND org_id = ?`, deleted, k.group, k.org)
		}
		if err != nil {
			return t.d.translate(err, errs{op: "delete memberships of group " + k.group})
		}
	}
	return nil
}
