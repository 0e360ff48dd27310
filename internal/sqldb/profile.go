package sqldb

import (
	"context"
	"fmt"

	"roster"
)

// The user_profiles table holds the custom profiles only: the built-in ones are not stored.

const profileColumns = `id, org_id, name, profile_type, created_at, updated_at, version`

func scanProfile(s rowScanner) (*roster.UserProfile, error) {
	var p roster.UserProfile
	err := s.Scan(&p.ID, &p.OrgID, &p.Name, &p.Type, &p.CreatedAt, &p.UpdatedAt, &p.Version)
	if err != nil {
		return nil, err
	}
	p.CreatedAt = p.CreatedAt.UTC()
	p.UpdatedAt = p.UpdatedAt.UTC()
	return &p, nil
}

func profileNameTaken(name string) string {
	return fmt.Sprintf("A user profile named %s already exists.", name)
}

// FindUserProfileByID returns the custom user profile of organization orgID with this id.
// Inside Write it locks the row on PostgreSQL.
func (r *reader) FindUserProfileByID(ctx context.Context, orgID, id string) (*roster.UserProfile, error) {
	q := r.d.lock(`SELECT `+profileColumns+` FROM user_profiles WHERE id = ? AND org_id = ?`, r.lock)
	p, err := scanProfile(r.run.queryRow(ctx, q, id, orgID))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find user profile " + id, notFound: "User profile not found."})
	}
	return p, nil
}

// FindUserProfiles returns the custom user profiles of the organization, by name ignoring case.
func (r *reader) FindUserProfiles(ctx context.Context, orgID string) ([]*roster.UserProfile, error) {
	profiles, err := func() ([]*roster.UserProfile, error) {
		rows, err := r.run.query(ctx, `SELECT `+profileColumns+` FROM user_profiles
			WHERE org_id = ? ORDER BY name_key`, orgID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var profiles []*roster.UserProfile
		for rows.Next() {
			p, err := scanProfile(rows)
			if err != nil {
				return nil, err
			}
			profiles = append(profiles, p)
		}
		return profiles, rows.Err()
	}()
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find user profiles of organization " + orgID})
	}
	return profiles, nil
}

// CreateUserProfile inserts p, with Version 1 when it is zero. Its times are stored in UTC to
// the microsecond, and p is updated to hold what was stored. A name taken in the organization,
// ignoring case, fails with CodeConflict; the transaction is still usable (see inserted).
func (t *tx) CreateUserProfile(ctx context.Context, p *roster.UserProfile) error {
	if p.Version == 0 {
		p.Version = 1
	}
	p.BuiltIn = false
	p.CreatedAt, p.UpdatedAt = dbTime(p.CreatedAt), dbTime(p.UpdatedAt)
	res, err := t.run.exec(ctx, `INSERT INTO user_profiles (`+profileColumns+`, name_key)
		VALUES `+placeholders(1, 8)+` ON CONFLICT DO NOTHING`,
		p.ID, p.OrgID, p.Name, p.Type, p.CreatedAt, p.UpdatedAt, p.Version, nameKey(p.Name))
	if err == nil {
		err = inserted(res, profileNameTaken(p.Name))
	}
	return t.d.translate(err, errs{op: "create user profile " + p.ID})
}

// UpdateUserProfile writes the name and UpdatedAt of p when p.Version is the stored version,
// and then sets p.Version to the new version. A name taken by another profile of the
// organization fails with CodeConflict.
func (t *tx) UpdateUserProfile(ctx context.Context, p *roster.UserProfile) error {
	p.UpdatedAt = dbTime(p.UpdatedAt)
	key := nameKey(p.Name)
	// The NOT EXISTS guard, as in UpdateUser: a taken name is no row matched, not a unique
	// violation that would abort the transaction on PostgreSQL.
	res, err := t.run.exec(ctx, `UPDATE user_profiles SET name = ?, name_key = ?, updated_at = ?,
		version = version + 1
		WHERE id = ? AND org_id = ? AND version = ?
		AND NOT EXISTS (SELECT 1 FROM user_profiles AS other
			WHERE other.org_id = ? AND other.name_key = ? AND other.id <> ?)`,
		p.Name, key, p.UpdatedAt, p.ID, p.OrgID, p.Version, p.OrgID, key, p.ID)
	if err == nil {
		err = t.checkVersion(ctx, res, `SELECT version FROM user_profiles WHERE id = ? AND org_id = ?`,
			[]any{p.ID, p.OrgID}, p.Version, "User profile not found.",
			"The user profile has changed since it was read.", profileNameTaken(p.Name))
	}
	if err != nil {
		return t.d.translate(err, errs{op: "update user profile " + p.ID, conflict: profileNameTaken(p.Name)})
	}
	p.Version++
	return nil
}

// DeleteUserProfile deletes the custom user profile of organization orgID with this id. Its
// users keep their user_profile_id: moving them is the caller's rule to apply.
func (t *tx) DeleteUserProfile(ctx context.Context, orgID, id string) error {
	res, err := t.run.exec(ctx, `DELETE FROM user_profiles WHERE id = ? AND org_id = ?`, id, orgID)
	if err == nil {
		err = affected(res, "User profile not found.")
	}
	return t.d.translate(err, errs{op: "delete user profile " + id})
}
