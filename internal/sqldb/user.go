package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"roster"
)

const userColumns = `id, org_id, email, first_name, last_name, display_name, phone_number,
	title, department, preferred_language, status, license, cc_role, admin_role, sync_status,
	created_at, updated_at, version`

func scanUser(s rowScanner) (*roster.User, error) {
	var u roster.User
	err := s.Scan(&u.ID, &u.OrgID, &u.Email, &u.FirstName, &u.LastName, &u.DisplayName,
		&u.PhoneNumber, &u.Title, &u.Department, &u.PreferredLanguage, &u.Status, &u.License,
		&u.CCRole, &u.AdminRole, &u.SyncStatus, &u.CreatedAt, &u.UpdatedAt, &u.Version)
	if err != nil {
		return nil, err
	}
	u.CreatedAt = u.CreatedAt.UTC()
	u.UpdatedAt = u.UpdatedAt.UTC()
	return &u, nil
}

// nameKey is the searchable form of a name. It is computed here rather than with SQL lower(),
// which folds only ASCII on SQLite.
func nameKey(s string) string { return strings.ToLower(s) }

// FindUserByID returns the user of organization orgID with this id. Inside Write it locks the
// row on PostgreSQL.
func (r *reader) FindUserByID(ctx context.Context, orgID, id string) (*roster.User, error) {
	q := r.d.lock(`SELECT `+userColumns+` FROM users WHERE id = ? AND org_id = ?`, r.lock)
	u, err := scanUser(r.run.queryRow(ctx, q, id, orgID))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find user " + id, notFound: "User not found."})
	}
	return u, nil
}

// FindUserByEmail returns the user with this normalized email, in any organization. Inside
// Write it locks the row on PostgreSQL.
func (r *reader) FindUserByEmail(ctx context.Context, email string) (*roster.User, error) {
	q := r.d.lock(`SELECT `+userColumns+` FROM users WHERE email = ?`, r.lock)
	u, err := scanUser(r.run.queryRow(ctx, q, email))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find user by email", notFound: "User not found."})
	}
	return u, nil
}

// FindUsers returns one page of an organization's users ordered by email, after the email
// f.After, and the number of users matching f: exact from the organization's counters when f
// filters on nothing but the license, otherwise counted up to roster.TotalCap.
func (r *reader) FindUsers(ctx context.Context, f roster.UserFilter) (*roster.UserPage, error) {
	limit := pageLimit(f.Limit)
	w := userWhere(f)

	page := &roster.UserPage{}
	var err error
	if f.Query == "" && f.CCRole == "" && f.AdminRole == "" && f.Status == "" && f.SyncStatus == "" {
		page.Total, err = r.countFromOrg(ctx, f.OrgID, f.License)
		page.TotalExact = true
	} else {
		page.Total, page.TotalExact, err = r.countCapped(ctx, w)
	}
	if err != nil {
		return nil, fmt.Errorf("count users of organization %s: %w", f.OrgID, err)
	}

	if f.After != "" {
		w.add("email > ?", f.After)
	}
	// One row more than the page tells whether there is a next page.
	q := `SELECT ` + userColumns + ` FROM users` + w.String() + ` ORDER BY email LIMIT ?`
	rows, err := r.run.query(ctx, q, append(w.args, limit+1)...)
	if err != nil {
		return nil, fmt.Errorf("find users of organization %s: %w", f.OrgID, err)
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("find users of organization %s: %w", f.OrgID, err)
		}
		page.Users = append(page.Users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find users of organization %s: %w", f.OrgID, err)
	}
	if len(page.Users) > limit {
		page.Users = page.Users[:limit]
		page.Next = page.Users[limit-1].Email
	}
	return page, nil
}

// userWhere returns the conditions of f, except its cursor.
//
// Each filter has an index (org_id, column, email), so that a page is a short range scan
// already in email order. The roles have partial indexes that leave out the common values; a
// query uses them only when it names the role as a literal and repeats the index's predicate,
// which SQLite's planner cannot infer from "admin_role = 'full'" alone. So a valid role is
// written into the query text, and anything else is bound.
func userWhere(f roster.UserFilter) *where {
	w := &where{}
	w.add("org_id = ?", f.OrgID)
	if f.License != "" {
		w.add("license = ?", f.License)
	}
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	if f.SyncStatus != "" {
		w.add("sync_status = ?", f.SyncStatus)
	}
	switch {
	case f.AdminRole == "":
	case f.AdminRole.Valid() && f.AdminRole != roster.AdminNone:
		w.add("admin_role = '" + string(f.AdminRole) + "' AND admin_role <> 'none'")
	case f.AdminRole.Valid():
		w.add("admin_role = 'none'")
	default:
		w.add("admin_role = ?", f.AdminRole)
	}
	switch {
	case f.CCRole == "":
	case f.CCRole.Valid() && f.CCRole != roster.RoleAgent:
		w.add("cc_role = '" + string(f.CCRole) + "' AND cc_role <> 'agent'")
	case f.CCRole.Valid():
		w.add("cc_role = 'agent'")
	default:
		w.add("cc_role = ?", f.CCRole)
	}
	if f.Query != "" {
		// Ranges rather than LIKE, so that each branch of the OR is an index range scan.
		p := strings.ToLower(strings.ToValidUTF8(f.Query, ""))
		if end, ok := prefixEnd(p); ok {
			w.add(`((email >= ? AND email < ?) OR (first_name_key >= ? AND first_name_key < ?)
				OR (last_name_key >= ? AND last_name_key < ?))`, p, end, p, end, p, end)
		} else {
			w.add(`(email >= ? OR first_name_key >= ? OR last_name_key >= ?)`, p, p, p)
		}
	}
	return w
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
		switch {
		case r == utf8.MaxRune:
			continue
		case r == 0xD7FF:
			r = 0xE000
		default:
			r++
		}
		return p + string(r), true
	}
	return "", false
}

// countFromOrg returns the exact number of users of the organization holding license l (any
// license when l is ""), from the counters kept in step with every change.
func (r *reader) countFromOrg(ctx context.Context, orgID string, l roster.License) (int, error) {
	var u roster.Usage
	err := r.run.queryRow(ctx, `SELECT users_count, standard_used, premium_used FROM orgs WHERE id = ?`,
		orgID).Scan(&u.Users, &u.Standard, &u.Premium)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil // no organization, no users
	case err != nil:
		return 0, err
	}
	switch l {
	case "":
		return u.Users, nil
	case roster.LicenseNone:
		return u.Users - u.Standard - u.Premium, nil
	case roster.LicenseStandard, roster.LicensePremium:
		return u.Used(l), nil
	}
	return 0, nil // an unknown license matches no user
}

// countCapped counts the users matching w, stopping at roster.TotalCap+1 so that no request
// counts a million rows.
func (r *reader) countCapped(ctx context.Context, w *where) (int, bool, error) {
	var n int
	q := `SELECT COUNT(*) FROM (SELECT 1 FROM users` + w.String() + ` LIMIT ?) AS matches`
	if err := r.run.queryRow(ctx, q, append(w.args, roster.TotalCap+1)...).Scan(&n); err != nil {
		return 0, false, err
	}
	if n > roster.TotalCap {
		return roster.TotalCap, false, nil
	}
	return n, true, nil
}

// CreateUser inserts u, with Version 1 when it is zero. Its times are stored in UTC to the
// microsecond, and u is updated to hold what was stored. An email taken anywhere in the
// installation fails with CodeConflict.
func (t *tx) CreateUser(ctx context.Context, u *roster.User) error {
	if u.Version == 0 {
		u.Version = 1
	}
	u.CreatedAt, u.UpdatedAt = dbTime(u.CreatedAt), dbTime(u.UpdatedAt)
	res, err := t.run.exec(ctx, `INSERT INTO users (`+userColumns+`, first_name_key, last_name_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		u.ID, u.OrgID, u.Email, u.FirstName, u.LastName, u.DisplayName, u.PhoneNumber, u.Title,
		u.Department, u.PreferredLanguage, u.Status, u.License, u.CCRole, u.AdminRole,
		u.SyncStatus, u.CreatedAt, u.UpdatedAt, u.Version, nameKey(u.FirstName), nameKey(u.LastName))
	if err == nil {
		err = inserted(res, emailTaken(u.Email))
	}
	return t.d.translate(err, errs{op: "create user " + u.ID})
}

// UpdateUser writes every field of u but its id and organization when u.Version is the stored
// version, and then sets u.Version to the new version. An email taken by another user fails
// with CodeConflict.
func (t *tx) UpdateUser(ctx context.Context, u *roster.User) error {
	u.CreatedAt, u.UpdatedAt = dbTime(u.CreatedAt), dbTime(u.UpdatedAt)
	// The NOT EXISTS guard reports a taken email as "no row matched" rather than as a unique
	// violation, which would abort the whole transaction on PostgreSQL (see inserted). The
	// unique index still decides when another transaction takes the email at the same moment.
	res, err := t.run.exec(ctx, `UPDATE users SET email = ?, first_name = ?, last_name = ?,
		display_name = ?, phone_number = ?, title = ?, department = ?, preferred_language = ?,
		status = ?, license = ?, cc_role = ?, admin_role = ?, sync_status = ?,
		first_name_key = ?, last_name_key = ?, created_at = ?, updated_at = ?,
		version = version + 1
		WHERE id = ? AND org_id = ? AND version = ?
		AND NOT EXISTS (SELECT 1 FROM users AS other WHERE other.email = ? AND other.id <> ?)`,
		u.Email, u.FirstName, u.LastName, u.DisplayName, u.PhoneNumber, u.Title, u.Department,
		u.PreferredLanguage, u.Status, u.License, u.CCRole, u.AdminRole, u.SyncStatus,
		nameKey(u.FirstName), nameKey(u.LastName), u.CreatedAt, u.UpdatedAt,
		u.ID, u.OrgID, u.Version, u.Email, u.ID)
	if err == nil {
		err = t.checkVersion(ctx, res, `SELECT version FROM users WHERE id = ? AND org_id = ?`,
			[]any{u.ID, u.OrgID}, u.Version, "User not found.",
			"The user has changed since it was read.", emailTaken(u.Email))
	}
	if err != nil {
		return t.d.translate(err, errs{op: "update user " + u.ID, conflict: emailTaken(u.Email)})
	}
	u.Version++
	return nil
}

func emailTaken(email string) string {
	return fmt.Sprintf("A user with the email address %s already exists.", email)
}

// DeleteUser deletes the user of organization orgID with this id.
func (t *tx) DeleteUser(ctx context.Context, orgID, id string) error {
	res, err := t.run.exec(ctx, `DELETE FROM users WHERE id = ? AND org_id = ?`, id, orgID)
	if err == nil {
		err = affected(res, "User not found.")
	}
	return t.d.translate(err, errs{op: "delete user " + id})
}
