package sqldb

import (
	"context"

	"roster"
)

// The license usage page reads the holders of each license by source. The users of a license
// come from the index (org_id, license, email); each of them is read once, so the cost grows
// with the licensed users, not with the organization. The groups' part starts from the
// organization's groups and reads their members by primary key.

const licenseUsageQuery = `SELECT license, COUNT(*),
	SUM(CASE WHEN status = 'inactive' THEN 1 ELSE 0 END),
	SUM(CASE WHEN direct_license = license THEN 1 ELSE 0 END),
	SUM(CASE WHEN template_license = license THEN 1 ELSE 0 END)
	FROM users WHERE org_id = ? AND license IN ('standard', 'premium') GROUP BY license`

const groupLicenseUsageQuery = `SELECT g.id, g.name, u.license, COUNT(*)
	FROM groups g JOIN group_members gm ON gm.group_id = g.id JOIN users u ON u.id = gm.user_id
	WHERE g.org_id = ? AND gm.license IN ('standard', 'premium') AND u.license = gm.license
	GROUP BY g.id, g.name, g.name_key, u.license ORDER BY g.name_key, g.id`

// CountLicenseUsage counts the holders of each license of the organization by source.
func (r *reader) CountLicenseUsage(ctx context.Context, orgID string) ([]roster.LicenseUsage, error) {
	out := []roster.LicenseUsage{{License: roster.LicenseStandard}, {License: roster.LicensePremium}}
	of := func(l roster.License) *roster.LicenseUsage {
		for i := range out {
			if out[i].License == l {
				return &out[i]
			}
		}
		return nil
	}
	fail := func(err error) ([]roster.LicenseUsage, error) {
		return nil, r.d.translate(err, errs{op: "count license usage of organization " + orgID})
	}
	rows, err := r.run.query(ctx, licenseUsageQuery, orgID)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		var l roster.License
		var u roster.LicenseUsage
		if err := rows.Scan(&l, &u.Users, &u.Inactive, &u.Direct, &u.Template); err != nil {
			return fail(err)
		}
		if dst := of(l); dst != nil {
			u.License = l
			*dst = u
		}
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	rows.Close()
	rows, err = r.run.query(ctx, groupLicenseUsageQuery, orgID)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		var g roster.GroupLicenseUsage
		var l roster.License
		if err := rows.Scan(&g.GroupID, &g.GroupName, &l, &g.Users); err != nil {
			return fail(err)
		}
		if dst := of(l); dst != nil {
			dst.Groups = append(dst.Groups, g)
		}
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	return out, nil
}
