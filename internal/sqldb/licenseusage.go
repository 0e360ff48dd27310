package sqldb

import (
	"context"

	"roster"
)

// The license usage page reads the holders of each license by source. The users of a license,
// inactive, direct and from the template, come from the organization's counters (migration
// 0019). The groups' part starts from the organization's groups and reads their members by
// primary key: its cost grows with the members of groups that give a license.

const licenseUsageQuery = `SELECT license, CAST(SUM(n) AS BIGINT),
	CAST(SUM(CASE WHEN status = 'inactive' THEN n ELSE 0 END) AS BIGINT),
	CAST(SUM(CASE WHEN direct THEN n ELSE 0 END) AS BIGINT),
	CAST(SUM(CASE WHEN template THEN n ELSE 0 END) AS BIGINT)
	FROM user_counts WHERE org_id = ? AND license IN ('standard', 'premium') GROUP BY license`

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
