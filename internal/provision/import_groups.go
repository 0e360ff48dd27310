package provision

import (
	"context"
	"strings"
	"time"

	"roster"
)

// codeUnknownGroup marks a row naming a group the organization does not have. An import never
// creates groups: a typo would otherwise become a group.
const codeUnknownGroup roster.Code = "unknown_group"

// importGroups applies the Groups cells of one chunk of an import: a cell lists the groups the
// user belongs to. In add mode the user joins the groups listed; in add_remove mode it also
// leaves the groups not listed. An empty cell leaves the user's groups alone.
type importGroups struct {
	byName map[string]*roster.Group        // by strings.ToLower(name)
	of     map[string][]*roster.Membership // memberships of the chunk's users, by user id
	create []*roster.Membership
	remove []*roster.Membership
	audits []*roster.AuditEntry // of users only whose groups change
}

// loadImportGroups reads the groups the chunk names and the memberships of its existing users.
func loadImportGroups(ctx context.Context, tx roster.Tx, orgID string, rows []*importRow, owners map[string]*roster.User) (*importGroups, error) {
	ig := &importGroups{byName: map[string]*roster.Group{}, of: map[string][]*roster.Membership{}}
	var names, userIDs []string
	seen := map[string]bool{}
	for _, d := range rows {
		if d.report != nil || len(d.row.Groups) == 0 {
			continue
		}
		for _, n := range d.row.Groups {
			if k := strings.ToLower(strings.TrimSpace(n)); !seen[k] {
				seen[k] = true
				names = append(names, strings.TrimSpace(n))
			}
		}
		if u := owners[d.email]; u != nil && u.OrgID == orgID {
			userIDs = append(userIDs, u.ID)
		}
	}
	if len(names) == 0 {
		return ig, nil
	}
	groups, err := tx.FindGroupsByNames(ctx, orgID, names)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		ig.byName[strings.ToLower(g.Name)] = g
	}
	ms, err := tx.FindMembershipsOfUsers(ctx, orgID, userIDs)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		ig.of[m.UserID] = append(ig.of[m.UserID], m)
	}
	return ig, nil
}

// groupsPlan is what a Groups cell does to one user.
type groupsPlan struct {
	create, remove []*roster.Membership
	before, after  map[string]any // group id → license; "" for no membership
}

func (p *groupsPlan) changes() bool { return p != nil && len(p.create)+len(p.remove) > 0 }

// plan works out the memberships a row's Groups cell gives u and sets u.GroupLicense from
// them. It fails when the cell names a group the organization does not have.
func (ig *importGroups) plan(org *roster.Org, u *roster.User, cell []string, mode ImportMode, now time.Time) (*groupsPlan, error) {
	if len(cell) == 0 {
		return nil, nil
	}
	listed := map[string]*roster.Group{}
	var unknown []string
	for _, n := range cell {
		g := ig.byName[strings.ToLower(strings.TrimSpace(n))]
		if g == nil {
			unknown = append(unknown, strings.TrimSpace(n))
			continue
		}
		listed[g.ID] = g
	}
	if len(unknown) > 0 {
		return nil, roster.Errorf(codeUnknownGroup, "No group named %s exists in this organization; create it first, or correct the name.",
			strings.Join(unknown, ", ")).With("Groups", strings.Join(unknown, ", "))
	}
	p := &groupsPlan{before: map[string]any{}, after: map[string]any{}}
	have := map[string]bool{}
	l := roster.LicenseNone
	for _, m := range ig.of[u.ID] {
		have[m.GroupID] = true
		if listed[m.GroupID] == nil && mode == ImportAddRemove {
			p.remove = append(p.remove, m)
			p.before[m.GroupID], p.after[m.GroupID] = string(m.License), ""
			continue
		}
		l = roster.Best(l, m.License)
	}
	for id, g := range listed {
		if have[id] {
			continue
		}
		m := &roster.Membership{GroupID: id, UserID: u.ID, OrgID: org.ID, License: joinLicense(org, g), Since: now}
		p.create = append(p.create, m)
		p.before[id], p.after[id] = "", string(m.License)
		l = roster.Best(l, m.License)
	}
	u.GroupLicense = l
	return p, nil
}

// record keeps a planned change of an accepted row, to write with the chunk, and notes the
// memberships in the user's audit entry (w) so that a revert can restore them. Without w (the
// user's own record is unchanged) the change gets an entry of its own.
func (ig *importGroups) record(s *Service, a roster.Actor, org *roster.Org, u *roster.User, p *groupsPlan, w *userWrite) {
	if !p.changes() {
		return
	}
	ig.create = append(ig.create, p.create...)
	ig.remove = append(ig.remove, p.remove...)
	if w == nil {
		ig.audits = append(ig.audits, s.auditEntry(a, org.ID, "user.update", "user", u.ID, u.Email,
			map[string]any{"groupLicenses": p.before}, map[string]any{"groupLicenses": p.after}))
		return
	}
	if w.before != nil {
		w.audit.Before = withField(w.audit.Before, "groupLicenses", p.before)
		w.audit.After = withField(w.audit.After, "groupLicenses", p.after)
	}
}

// write stores the chunk's membership changes and their audit entries.
func (ig *importGroups) write(ctx context.Context, tx roster.Tx) error {
	if err := tx.CreateMemberships(ctx, ig.create); err != nil {
		return err
	}
	if err := tx.DeleteMemberships(ctx, ig.remove); err != nil {
		return err
	}
	return tx.CreateAuditEntries(ctx, ig.audits)
}
