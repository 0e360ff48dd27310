package sqldb

import (
	"context"
	"database/sql"
	"fmt"

	"roster"
)

const orgColumns = `id, name, platform, send_welcome_email, default_language, seats_standard,
	seats_premium, users_count, standard_used, premium_used, assignment_mode, template_license,
	partner_org_id, created_at, updated_at, version`

func scanOrg(s rowScanner) (*roster.Org, error) {
	var o roster.Org
	var partner sql.NullString
	err := s.Scan(&o.ID, &o.Name, &o.Platform, &o.Settings.SendWelcomeEmail,
		&o.Settings.DefaultLanguage, &o.Seats.Standard, &o.Seats.Premium, &o.Usage.Users,
		&o.Usage.Standard, &o.Usage.Premium, &o.Assignment.Mode, &o.Assignment.License,
		&partner, &o.CreatedAt, &o.UpdatedAt, &o.Version)
	if err != nil {
		return nil, err
	}
	o.PartnerID = partner.String
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
	return r.findOrgs(ctx, "find organizations", `SELECT `+orgColumns+` FROM orgs ORDER BY name, id`)
}

// FindCustomerOrgs returns the organizations partnerID manages, ordered by name.
func (r *reader) FindCustomerOrgs(ctx context.Context, partnerID string) ([]*roster.Org, error) {
	return r.findOrgs(ctx, "find customers of organization "+partnerID,
		`SELECT `+orgColumns+` FROM orgs WHERE partner_org_id = ? ORDER BY name, id`, partnerID)
}

// findOrgs returns the organizations query selects; op names it in errors.
func (r *reader) findOrgs(ctx context.Context, op, query string, args ...any) ([]*roster.Org, error) {
	rows, err := r.run.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	var orgs []*roster.Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		orgs = append(orgs, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return orgs, nil
}

// CreateOrg inserts o, with Version 1 when it is zero. Its times are stored in UTC to the
// microsecond, and o is updated to hold what was stored.
func (t *tx) CreateOrg(ctx context.Context, o *roster.Org) error {
	if o.Version == 0 {
		o.Version = 1
	}
	normalizeOrg(o)
	res, err := t.run.exec(ctx, `INSERT INTO orgs (`+orgColumns+`)
		VALUES `+placeholders(1, 16)+` ON CONFLICT DO NOTHING`,
		o.ID, o.Name, o.Platform, o.Settings.SendWelcomeEmail, o.Settings.DefaultLanguage,
		o.Seats.Standard, o.Seats.Premium, o.Usage.Users, o.Usage.Standard, o.Usage.Premium,
		o.Assignment.Mode, o.Assignment.License, nullString(o.PartnerID), o.CreatedAt, o.UpdatedAt, o.Version)
	if err == nil {
		err = inserted(res, "An organization with this id already exists.")
	}
	return t.d.translate(err, errs{op: "create organization " + o.ID})
}

// UpdateOrg writes every field of o but Usage when o.Version is the stored version, and then
// sets o.Version to the new version.
func (t *tx) UpdateOrg(ctx context.Context, o *roster.Org) error {
	normalizeOrg(o)
	res, err := t.run.exec(ctx, `UPDATE orgs SET name = ?, platform = ?, send_welcome_email = ?,
		default_language = ?, seats_standard = ?, seats_premium = ?, assignment_mode = ?,
		template_license = ?, partner_org_id = ?, created_at = ?, updated_at = ?,
		version = version + 1
		WHERE id = ? AND version = ?`,
		o.Name, o.Platform, o.Settings.SendWelcomeEmail, o.Settings.DefaultLanguage,
		o.Seats.Standard, o.Seats.Premium, o.Assignment.Mode, o.Assignment.License,
		nullString(o.PartnerID), o.CreatedAt, o.UpdatedAt, o.ID, o.Version)
	if err == nil {
		err = t.checkVersion(ctx, res, `SELECT version FROM orgs WHERE id = ?`, []any{o.ID}, o.Version,
			"Organization not found.", "The organization has changed since it was read.", "")
	}
	if err != nil {
		return t.d.translate(err, errs{op: "update organization " + o.ID})
	}
	o.Version++
	return nil
}

// normalizeOrg sets o to what the orgs table stores: times in UTC to the microsecond, and the
// columns' defaults for an assignment left empty by callers that predate it.
func normalizeOrg(o *roster.Org) {
	o.CreatedAt, o.UpdatedAt = dbTime(o.CreatedAt), dbTime(o.UpdatedAt)
	if o.Assignment.Mode == "" {
		o.Assignment.Mode = roster.AssignOff
	}
	if o.Assignment.License == "" {
		o.Assignment.License = roster.LicenseNone
	}
}

// UpdateOrgUsage writes the usage counters of an organization, and nothing else: not its
// version, which is the ETag administrators edit the organization against, and which would
// otherwise change with every user they add.
func (t *tx) UpdateOrgUsage(ctx context.Context, orgID string, u roster.Usage) error {
	res, err := t.run.exec(ctx, `UPDATE orgs SET users_count = ?, standard_used = ?, premium_used = ?
		WHERE id = ?`, u.Users, u.Standard, u.Premium, orgID)
	if err == nil {
		err = affected(res, "Organization not found.")
	}
	return t.d.translate(err, errs{op: "update usage of organization " + orgID})
}
