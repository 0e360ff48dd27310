package sqldb

import (
	"context"
	"fmt"
	"strings"

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

// CreateUser inserts u, with Version 1 when it is zero. Its times are stored in UTC to the
// microsecond, and u is updated to hold what was stored. An email taken anywhere in the
// installation fails with CodeConflict.
func (t *tx) CreateUser(ctx context.Context, u *roster.User) error {
	return t.CreateUsers(ctx, []*roster.User{u})
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
