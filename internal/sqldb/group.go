package sqldb

import (
	"context"
	"fmt"
	"strings"

	"roster"
)

const groupColumns = `id, org_id, name, license, member_count, created_at, updated_at, version`

func scanGroup(s rowScanner) (*roster.Group, error) {
	var g roster.Group
	err := s.Scan(&g.ID, &g.OrgID, &g.Name, &g.License, &g.Members, &g.CreatedAt, &g.UpdatedAt, &g.Version)
	if err != nil {
		return nil, err
	}
	g.CreatedAt = g.CreatedAt.UTC()
	g.UpdatedAt = g.UpdatedAt.UTC()
	return &g, nil
}

func groupNameTaken(name string) string {
	return fmt.Sprintf("A group named %s already exists.", name)
}

// FindGroupByID returns the group of organization orgID with this id. Inside Write it locks the
// row on PostgreSQL.
func (r *reader) FindGroupByID(ctx context.Context, orgID, id string) (*roster.Group, error) {
	q := r.d.lock(`SELECT `+groupColumns+` FROM groups WHERE id = ? AND org_id = ?`, r.lock)
	g, err := scanGroup(r.run.queryRow(ctx, q, id, orgID))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find group " + id, notFound: "Group not found."})
	}
	return g, nil
}

// FindGroupsByNames returns the groups of the organization with one of these names, compared
// ignoring case, in no particular order.
func (r *reader) FindGroupsByNames(ctx context.Context, orgID string, names []string) ([]*roster.Group, error) {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = nameKey(n)
	}
	groups, err := r.findGroups(ctx, `SELECT `+groupColumns+` FROM groups
		WHERE org_id = ? AND name_key `+r.d.anyOf, orgID, r.d.listArg(keys))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find groups of organization " + orgID + " by name"})
	}
	return groups, nil
}

// FindGroups returns a page of the organization's groups ordered by name, ignoring case, from
// the index of the names. The name keys are unique, so the last one of a page is the cursor.
func (r *reader) FindGroups(ctx context.Context, f roster.GroupFilter) (*roster.GroupPage, error) {
	limit := pageLimit(f.Limit)
	w := &where{}
	w.add("org_id = ?", f.OrgID)
	if prefix := nameKey(strings.ToValidUTF8(f.Query, "")); prefix != "" {
		cond, args := prefixRange("name_key", prefix)
		w.add(cond, args...)
	}
	if f.After != "" {
		w.add("name_key > ?", f.After)
	}
	// One row more than the page tells whether there is a next page.
	groups, err := r.findGroups(ctx, `SELECT `+groupColumns+` FROM groups`+w.String()+`
		ORDER BY name_key LIMIT ?`, append(w.args, limit+1)...)
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find groups of organization " + f.OrgID})
	}
	page := &roster.GroupPage{Groups: groups}
	if len(groups) > limit {
		page.Groups = groups[:limit]
		page.Next = nameKey(groups[limit-1].Name)
	}
	return page, nil
}

// findGroups runs a query of groupColumns.
func (r *reader) findGroups(ctx context.Context, q string, args ...any) ([]*roster.Group, error) {
	rows, err := r.run.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var groups []*roster.Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return groups, rows.Err()
}

// CreateGroup inserts g with no members, and Version 1 when it is zero. Its times are stored in
// UTC to the microsecond, and g is updated to hold what was stored. A name taken in the
// organization, ignoring case, fails with CodeConflict; the transaction is still usable (see
// inserted).
func (t *tx) CreateGroup(ctx context.Context, g *roster.Group) error {
	if g.Version == 0 {
		g.Version = 1
	}
	g.Members = 0
	g.CreatedAt, g.UpdatedAt = dbTime(g.CreatedAt), dbTime(g.UpdatedAt)
	res, err := t.run.exec(ctx, `INSERT INTO groups (`+groupColumns+`, name_key)
		VALUES `+placeholders(1, 9)+` ON CONFLICT DO NOTHING`,
		g.ID, g.OrgID, g.Name, g.License, g.Members, g.CreatedAt, g.UpdatedAt, g.Version, nameKey(g.Name))
	if err == nil {
		err = inserted(res, groupNameTaken(g.Name))
	}
	return t.d.translate(err, errs{op: "create group " + g.ID})
}

// UpdateGroup writes the name, license and UpdatedAt of g when g.Version is the stored version,
// and then sets g.Version to the new version. A name taken by another group of the
// organization fails with CodeConflict.
func (t *tx) UpdateGroup(ctx context.Context, g *roster.Group) error {
	g.UpdatedAt = dbTime(g.UpdatedAt)
	key := nameKey(g.Name)
	// The NOT EXISTS guard, as in UpdateUser: a taken name is no row matched, not a unique
	// violation that would abort the transaction on PostgreSQL.
	res, err := t.run.exec(ctx, `UPDATE groups SET name = ?, name_key = ?, license = ?,
		updated_at = ?, version = version + 1
		WHERE id = ? AND org_id = ? AND version = ?
		AND NOT EXISTS (SELECT 1 FROM groups AS other
			WHERE other.org_id = ? AND other.name_key = ? AND other.id <> ?)`,
		g.Name, key, g.License, g.UpdatedAt, g.ID, g.OrgID, g.Version, g.OrgID, key, g.ID)
	if err == nil {
		err = t.checkVersion(ctx, res, `SELECT version FROM groups WHERE id = ? AND org_id = ?`,
			[]any{g.ID, g.OrgID}, g.Version, "Group not found.",
			"The group has changed since it was read.", groupNameTaken(g.Name))
	}
	if err != nil {
		return t.d.translate(err, errs{op: "update group " + g.ID, conflict: groupNameTaken(g.Name)})
	}
	g.Version++
	return nil
}

// DeleteGroup deletes the group of organization orgID with this id, and its memberships.
func (t *tx) DeleteGroup(ctx context.Context, orgID, id string) error {
	res, err := t.run.exec(ctx, `DELETE FROM groups WHERE id = ? AND org_id = ?`, id, orgID)
	if err == nil {
		err = affected(res, "Group not found.")
	}
	if err == nil {
		_, err = t.run.exec(ctx, `DELETE FROM group_members WHERE group_id = ? AND org_id = ?`, id, orgID)
	}
	return t.d.translate(err, errs{op: "delete group " + id})
}
