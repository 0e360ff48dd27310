package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"roster"
)

// The user list must answer a page in milliseconds on an organization of a million users
// (NOTES.md; BenchmarkFindUsers measures it). So it never uses OFFSET, pages by keyset on
// email, reads each filter from an index (org_id, column, email) that is already in page
// order, and counts totals from the organization's counters or up to roster.TotalCap only.
// What stays slow is what no index serves: a one-letter search (tens of thousands of
// matches to sort) and the capped count of two filters at once.

// FindUsers returns one page of an organization's users ordered by email, after the email
// f.After or before f.Before, and the number of users matching f: exact from the organization's
// counters when f filters on nothing but the license, status and sync status, or from the
// group's when on nothing but the group, otherwise counted up to roster.TotalCap.
func (r *reader) FindUsers(ctx context.Context, f roster.UserFilter) (*roster.UserPage, error) {
	limit := pageLimit(f.Limit)
	prefix := strings.ToLower(strings.ToValidUTF8(f.Query, ""))

	page := &roster.UserPage{}
	members, users, membersFirst, err := r.groupPlan(ctx, f, prefix, limit)
	if err != nil {
		return nil, fmt.Errorf("count members of group %s: %w", f.GroupID, err)
	}
	// The counters answer the license, status and sync status, alone or together, exactly;
	// with other filters they still say when no user can match, which would otherwise read
	// every candidate of the other filters to find none.
	counted, err := r.countFromCounters(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("count users of organization %s: %w", f.OrgID, err)
	}
	onlyCounted := prefix == "" && f.Email == "" && f.CCRole == "" && f.AdminRole == ""
	capped := false
	switch {
	case counted == 0 || onlyCounted && f.GroupID == "":
		page.Total, page.TotalExact = counted, true
		if counted == 0 {
			return page, nil
		}
	case onlyCounted && f.License == "" && f.Status == "" && f.SyncStatus == "":
		page.Total, page.TotalExact = members, true
	default:
		capped = true
	}

	// The capped count. Without a search the page's query does not depend on it, and the two
	// read different rows: on the read pool they run side by side, so that a page waits for the
	// longer of the two rather than for both (a group of 10,000 members with a license, at a
	// million users: 36 ms instead of 51). Inside Write they share the transaction's connection.
	var counting sync.WaitGroup
	var countErr error
	if capped {
		count := func() {
			fromMembers := membersFirst || prefix == "" && countFromMembers(members, users, counted)
			page.Total, page.TotalExact, countErr = r.countCapped(ctx, f, prefix, fromMembers)
			if countErr != nil {
				countErr = fmt.Errorf("count users of organization %s: %w", f.OrgID, countErr)
			}
		}
		if _, onPool := r.run.(*poolRunner); onPool && prefix == "" {
			counting.Go(count)
		} else {
			count()
		}
	}
	// A search's page depends on the count: it is known by now.
	dense := prefix != "" && !page.TotalExact
	found, err := r.readPage(ctx, f, prefix, dense, membersFirst, limit)
	counting.Wait()
	if err = errors.Join(err, countErr); err != nil {
		return nil, err
	}
	page.Users = found
	more := len(page.Users) > limit
	if more {
		page.Users = page.Users[:limit]
	}
	if n := len(page.Users); n > 0 && f.Before != "" {
		// Read backwards from the cursor: put the page in email order again. There is a
		// next page, the one the cursor came from.
		slices.Reverse(page.Users)
		page.Next = page.Users[n-1].Email
		if more {
			page.Prev = page.Users[0].Email
		}
	} else if n > 0 {
		if more {
			page.Next = page.Users[n-1].Email
		}
		if f.After != "" {
			page.Prev = page.Users[0].Email
		}
	}
	return page, nil
}

// readPage returns the users of f's page, and one more when there is a next page. dense says
// that at least roster.TotalCap users match (pageQuery).
func (r *reader) readPage(ctx context.Context, f roster.UserFilter, prefix string, dense, membersFirst bool, limit int) ([]*roster.User, error) {
	q, args := r.d.pageQuery(f, prefix, dense, membersFirst)
	rows, err := r.run.query(ctx, q, append(args, limit+1)...)
	if err != nil {
		return nil, fmt.Errorf("find users of organization %s: %w", f.OrgID, err)
	}
	defer rows.Close()
	var users []*roster.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("find users of organization %s: %w", f.OrgID, err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find users of organization %s: %w", f.OrgID, err)
	}
	return users, nil
}

// cursor returns the condition of f's cursor on the email column (with a planner hint) and
// the order of the page query: after the cursor in email order, or before it backwards.
func cursor(f roster.UserFilter, hint string) (cond string, arg any, order string) {
	switch {
	case f.Before != "":
		return hint + "email < ?", f.Before, " ORDER BY email DESC"
	case f.After != "":
		return hint + "email > ?", f.After, " ORDER BY email"
	}
	return "", nil, " ORDER BY email"
}

// pageQuery returns the query of the page of f, whose prefix is lower-cased already, but for
// its last argument, the LIMIT. dense says that at least roster.TotalCap users match;
// membersFirst that the page is read from the group's members (see groupPlan).
func (d *dialect) pageQuery(f roster.UserFilter, prefix string, dense, membersFirst bool) (string, []any) {
	if prefix != "" && dense {
		return d.denseSearchQuery(f, prefix)
	}
	if prefix != "" {
		return d.searchQuery(f, prefix)
	}
	if membersFirst {
		return d.membersFirstQuery(f)
	}
	w := &where{}
	w.add("org_id = ?", f.OrgID)
	w.and(userFilters(f, ""))
	cond, arg, order := cursor(f, "")
	if cond != "" {
		w.add(cond, arg)
	}
	return `SELECT ` + userColumns + ` FROM users` + w.String() + order + ` LIMIT ?`, w.args
}

// groupPlan returns the number of members of f's group (0 when f has no group) and whether
// the page is read from the members rather than from the organization in email order.
//
// Probing the group for each user keeps the order of the index the other filters chose and
// stops after a page, having read about limit × users / members rows: fast for a large group,
// but a group of ten in a million users reads the whole organization (1.6 s). Reading the
// members first costs a lookup per member, about ten times a row of an index walk, and a sort.
// So the members come first when members × 10 < limit × users / members.
//
// It also returns the number of users of the organization (0 when f has no group or searches).
func (r *reader) groupPlan(ctx context.Context, f roster.UserFilter, prefix string, limit int) (members, users int, membersFirst bool, err error) {
	if f.GroupID == "" {
		return 0, 0, false, nil
	}
	if members, err = r.countFromGroup(ctx, f.OrgID, f.GroupID); err != nil || prefix != "" {
		// A search reads its prefix ranges, which the group's probe narrows enough.
		return members, 0, false, err
	}
	if users, err = r.countFromOrg(ctx, f.OrgID); err != nil {
		return 0, 0, false, err
	}
	return members, users, 10*members*members < (limit+1)*users, nil
}

// countFromMembers says whether the capped count of a group's members with other filters reads
// the members rather than walking the other filters' candidates and probing the group for
// each. Both stop at roster.TotalCap matches: the walk reads up to all its candidates (counted,
// from the counters), or about TotalCap × users / members of them before it finds as many;
// reading the members reads at most all of them. A group of 10,000 with the premium license
// in a million users: 10,000 lookups, where the walk read 333,000 candidates (646 ms).
func countFromMembers(members, users, counted int) bool {
	return members > 0 && members < min(counted, roster.TotalCap*users/members)
}

// membersFirstQuery is the page query of a group with few members for its organization's
// size: its members' rows, filtered and sorted by email. The hints keep SQLite off the email
// and filter indexes, which would walk the organization.
func (d *dialect) membersFirstQuery(f roster.UserFilter) (string, []any) {
	w := &where{}
	w.add(d.unindexed+"org_id = ?", f.OrgID)
	w.add("id IN (SELECT user_id FROM group_members WHERE group_id = ?)", f.GroupID)
	others := f
	others.GroupID = ""
	w.and(userFilters(others, d.unindexed))
	cond, arg, order := cursor(f, d.unindexed)
	if cond != "" {
		w.add(cond, arg)
	}
	order = strings.Replace(order, "email", d.unindexed+"email", 1)
	return `SELECT ` + userColumns + ` FROM users` + w.String() + order + ` LIMIT ?`, w.args
}

// searchQuery returns the page query of a search for prefix in the email, first name or last
// name, with the other filters of f and its cursor.
//
// Each column's matches come from its own index: the emails in page order already, the names
// in name order, then sorted by email from the (org_id, name key, email) indexes; the three are
// merged in email order and only the rows of the page are read. A plain OR of the three ranges
// ordered by email lets the planner walk the whole organization in email order and test every
// row, which takes seconds on a million users when the prefix is rare. The hints keep SQLite,
// which has no statistics, on the name ranges: without them it walks the email index from the
// cursor on, or the index of a common status, and tests the names row by row.
func (d *dialect) searchQuery(f roster.UserFilter, prefix string) (string, []any) {
	var args []any
	_, _, order := cursor(f, "")
	arm := func(col, hint string) string {
		w := &where{}
		w.add("org_id = ?", f.OrgID)
		cond, a := prefixRange(col, prefix)
		w.add(cond, a...)
		if cond, arg, _ := cursor(f, hint); cond != "" {
			w.add(cond, arg)
		}
		w.and(userFilters(f, hint))
		args = append(args, w.args...)
		return `SELECT email FROM users` + w.String()
	}
	union := arm("email", "") +
		" UNION " + arm("first_name_key", d.unindexed) +
		" UNION " + arm("last_name_key", d.unindexed)
	return `SELECT ` + userColumns + ` FROM users WHERE org_id = ? AND email IN (` + union +
		order + ` LIMIT ?)` + order, append([]any{f.OrgID}, args...)
}

// denseSearchQuery is the page query of a search that matches at least roster.TotalCap users.
// Sorting that many matches by email costs tens of milliseconds (125,000 matches of a common
// last name: 37 ms); walking the organization in email order and testing each row finds a page
// after about limit × users / matches rows, at most a hundredth of the organization. The hints
// keep every filter off the indexes, so the planner walks (org_id, email) from the cursor on.
func (d *dialect) denseSearchQuery(f roster.UserFilter, prefix string) (string, []any) {
	w := &where{}
	w.add("org_id = ?", f.OrgID)
	var terms []string
	var args []any
	for _, col := range []string{"email", "first_name_key", "last_name_key"} {
		cond, a := prefixRange(d.unindexed+col, prefix)
		terms = append(terms, "("+cond+")")
		args = append(args, a...)
	}
	w.add("("+strings.Join(terms, " OR ")+")", args...)
	cond, arg, order := cursor(f, "")
	if cond != "" {
		w.add(cond, arg)
	}
	w.and(userFilters(f, d.unindexed))
	return `SELECT ` + userColumns + ` FROM users` + w.String() + order + ` LIMIT ?`, w.args
}

// userFilters returns the conditions of f on the license, status, sync status, roles and group.
// hint is written before the columns whose values are common (see searchQuery).
//
// The roles have partial indexes that leave out the common values. A query uses them only when
// it names the role as a literal and repeats the index's predicate, which SQLite's planner
// cannot infer from "admin_role = 'full'" alone. So a valid role is written into the query
// text, and anything else is bound.
func userFilters(f roster.UserFilter, hint string) *where {
	w := &where{}
	if f.Email != "" {
		w.add("email = ?", f.Email) // at most one row, through the unique index
	}
	if f.License != "" {
		w.add(hint+"license = ?", f.License)
	}
	if f.Status != "" {
		w.add(hint+"status = ?", f.Status)
	}
	if f.SyncStatus != "" {
		w.add(hint+"sync_status = ?", f.SyncStatus)
	}
	switch {
	case f.AdminRole == "":
	case f.AdminRole.Valid() && f.AdminRole != roster.AdminNone:
		w.add("admin_role = '" + string(f.AdminRole) + "' AND admin_role <> 'none'")
	case f.AdminRole.Valid():
		w.add(hint + "admin_role = 'none'")
	default:
		w.add(hint+"admin_role = ?", f.AdminRole)
	}
	switch {
	case f.CCRole == "":
	case f.CCRole.Valid() && f.CCRole != roster.RoleAgent:
		w.add("cc_role = '" + string(f.CCRole) + "' AND cc_role <> 'agent'")
	case f.CCRole.Valid():
		w.add(hint + "cc_role = 'agent'")
	default:
		w.add(hint+"cc_role = ?", f.CCRole)
	}
	if f.GroupID != "" {
		// A probe of the primary key of group_members per user, so that the page keeps the
		// order of the index the other filters chose and stops after one page; reading the
		// group's members first would sort them all by email for every page.
		w.add(`EXISTS (SELECT 1 FROM group_members AS gm
			WHERE gm.group_id = ? AND gm.user_id = users.id)`, f.GroupID)
	}
	return w
}

// prefixRange returns the condition that col starts with prefix, as a range rather than LIKE
// so that it is an index range scan on both engines, and its arguments.
func prefixRange(col, prefix string) (string, []any) {
	if end, ok := prefixEnd(prefix); ok {
		return col + " >= ? AND " + col + " < ?", []any{prefix, end}
	}
	return col + " >= ?", []any{prefix}
}

// prefixEnd returns the least string greater than every string that starts with p: p with its
// last character replaced by the next code point, dropping trailing U+10FFFF and skipping the
// surrogates, which UTF-8 cannot encode. Byte order of UTF-8 is code point order, and both
// engines compare these columns bytewise. ok is false when no such string exists (p is empty
// or made of U+10FFFF only).
func prefixEnd(p string) (end string, ok bool) {
	for p != "" {
		r, size := utf8.DecodeLastRuneInString(p)
		p = p[:len(p)-size]
		switch r {
		case utf8.MaxRune:
			continue
		case 0xD7FF:
			r = 0xE000
		default:
			r++
		}
		return p + string(r), true
	}
	return "", false
}

// countFromOrg returns the number of users of the organization, from the counter provision keeps
// in step with every change (orgs.users_count).
func (r *reader) countFromOrg(ctx context.Context, orgID string) (int, error) {
	var n int
	err := r.run.queryRow(ctx, `SELECT users_count FROM orgs WHERE id = ?`, orgID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // no organization, no users
	}
	return n, err
}

// countFromGroup returns the exact number of members of the organization's group, from the
// counter kept in step with its memberships.
func (r *reader) countFromGroup(ctx context.Context, orgID, groupID string) (int, error) {
	var n int
	err := r.run.queryRow(ctx, `SELECT member_count FROM groups WHERE id = ? AND org_id = ?`,
		groupID, orgID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // no group, no members
	}
	return n, err
}

// countCapped counts the users of the organization that match the prefix (if any) and the
// filters, stopping at roster.TotalCap+1 so that no request counts a million rows.
//
// The prefix is an OR of three ranges, each with the organization, so that each is an index
// range of its own (a "multi-index OR") that can stop at the cap.
func (r *reader) countCapped(ctx context.Context, f roster.UserFilter, prefix string, membersFirst bool) (int, bool, error) {
	q, args := r.d.countQuery(f, prefix, membersFirst)
	var n int
	if err := r.run.queryRow(ctx, q, append(args, roster.TotalCap+1)...).Scan(&n); err != nil {
		return 0, false, err
	}
	if n > roster.TotalCap {
		return roster.TotalCap, false, nil
	}
	return n, true, nil
}

// countQuery returns the query of countCapped, but for its last argument, the LIMIT.
// membersFirst counts from the group's members, as membersFirstQuery reads them.
func (d *dialect) countQuery(f roster.UserFilter, prefix string, membersFirst bool) (string, []any) {
	w := &where{}
	if membersFirst {
		w.add(d.unindexed+"org_id = ?", f.OrgID)
		w.add("id IN (SELECT user_id FROM group_members WHERE group_id = ?)", f.GroupID)
		others := f
		others.GroupID = ""
		w.and(userFilters(others, d.unindexed))
		return `SELECT COUNT(*) FROM (SELECT 1 FROM users` + w.String() + ` LIMIT ?) AS matches`, w.args
	}
	if prefix == "" {
		w.add("org_id = ?", f.OrgID)
	} else {
		var terms []string
		for _, col := range []string{"email", "first_name_key", "last_name_key"} {
			cond, args := prefixRange(col, prefix)
			terms = append(terms, "(org_id = ? AND "+cond+")")
			w.args = append(w.args, f.OrgID)
			w.args = append(w.args, args...)
		}
		w.terms = append(w.terms, "("+strings.Join(terms, " OR ")+")")
	}
	w.and(userFilters(f, ""))
	return `SELECT COUNT(*) FROM (SELECT 1 FROM users` + w.String() + ` LIMIT ?) AS matches`, w.args
}
