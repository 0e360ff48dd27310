package sqldb

import (
	"context"
	"fmt"

	"roster"
)

const orgColumns = `id, name, platform, send_welcome_email, default_language, seats_standard,
	seats_premium, users_count, standard_used, premium_used, created_at, updated_at, version`

func scanOrg(s rowScanner) (*roster.Org, error) {
	var o roster.Org
	err := s.Scan(&o.ID, &o.Name, &o.Platform, &o.Settings.SendWelcomeEmail,
		&o.Settings.DefaultLanguage, &o.Seats.Standard, &o.Seats.Premium, &o.Usage.Users,
		&o.Usage.Standard, &o.Usage.Premium, &o.CreatedAt, &o.UpdatedAt, &o.Version)
	if err != nil {
		return nil, err
	}
	o.CreatedAt = o.CreatedAt.UTC()
	o.UpdatedAt = o.UpdatedAt.UTC()
	return &o, nil
}

// FindOrgByID returns the organization with this id. Inside Write it locks the row on
// PostgreSQL.
func (r *reader) FindOrgByID(ctx context.Context, id string) (*roster.Org, error) {
	q := r.d.lock(`SELECT `+orgColumns+` FROM orgs WHERE id = ?`, r.lock)
	o, err := scanOrg(r.run.queryRow(ctx, q, id))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find organization " + id, notFound: "Organization not found."})
	}
	return o, nil
}

// FindOrgs returns every organization, ordered by name.
func (r *reader) FindOrgs(ctx context.Context) ([]*roster.Org, error) {
	rows, err := r.run.query(ctx, `SELECT `+orgColumns+` FROM orgs ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("find organizations: %w", err)
	}
	defer rows.Close()
	var orgs []*roster.Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, fmt.Errorf("find organizations: %w", err)
		}
		orgs = append(orgs, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find organizations: %w", err)
	}
	return orgs, nil
}

// CreateOrg inserts o, with Version 1 when it is zero. Its times are stored in UTC to the
// microsecond, and o is updated to hold what was stored.
func (t *tx) CreateOrg(ctx context.Context, o *roster.Org) error {
	if o.Version == 0 {
		o.Version = 1
	}
	o.CreatedAt, o.UpdatedAt = dbTime(o.CreatedAt), dbTime(o.UpdatedAt)
	_, err := t.run.exec(ctx, `INSERT INTO orgs (`+orgColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.Name, o.Platform, o.Settings.SendWelcomeEmail, o.Settings.DefaultLanguage,
		o.Seats.Standard, o.Seats.Premium, o.Usage.Users, o.Usage.Standard, o.Usage.Premium,
		o.CreatedAt, o.UpdatedAt, o.Version)
	return t.d.translate(err, errs{
		op:       "create organization " + o.ID,
		conflict: "An organization with this id already exists.",
	})
}

// UpdateOrg writes every field of o, Usage included, when o.Version is the stored version,
// and then sets o.Version to the new version.
func (t *tx) UpdateOrg(ctx context.Context, o *roster.Org) error {
	o.CreatedAt, o.UpdatedAt = dbTime(o.CreatedAt), dbTime(o.UpdatedAt)
	res, err := t.run.exec(ctx, `UPDATE orgs SET name = ?, platform = ?, send_welcome_email = ?,
		default_language = ?, seats_standard = ?, seats_premium = ?, users_count = ?,
		standard_used = ?, premium_used = ?, created_at = ?, updated_at = ?,
		version = version + 1
		WHERE id = ? AND version = ?`,
		o.Name, o.Platform, o.Settings.SendWelcomeEmail, o.Settings.DefaultLanguage,
		o.Seats.Standard, o.Seats.Premium, o.Usage.Users, o.Usage.Standard, o.Usage.Premium,
		o.CreatedAt, o.UpdatedAt, o.ID, o.Version)
	if err == nil {
		err = t.checkVersion(ctx, res, `SELECT 1 FROM orgs WHERE id = ?`, []any{o.ID},
			"Organization not found.", "The organization has changed since it was read.")
	}
	if err != nil {
		return t.d.translate(err, errs{op: "update organization " + o.ID})
	}
	o.Version++
	return nil
}

// checkVersion turns an optimistic UPDATE that matched no row into CodeNotFound when the row is
// missing (existsQuery finds nothing) and into CodeConflict when its version moved on.
func (t *tx) checkVersion(ctx context.Context, res interface{ RowsAffected() (int64, error) },
	existsQuery string, args []any, notFound, conflict string) error {
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	ok, err := t.exists(ctx, existsQuery, args...)
	switch {
	case err != nil:
		return err
	case !ok:
		return roster.Errorf(roster.CodeNotFound, "%s", notFound)
	}
	return roster.Errorf(roster.CodeConflict, "%s", conflict)
}
