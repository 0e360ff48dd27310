package sqldb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/sqldb"
)

func newGroup(org *roster.Org, name string, l roster.License) *roster.Group {
	return &roster.Group{ID: roster.NewID(), OrgID: org.ID, Name: name, License: l, CreatedAt: at, UpdatedAt: at}
}

func mustCreateGroups(t testing.TB, db *sqldb.DB, groups ...*roster.Group) {
	t.Helper()
	write(t, db, func(tx roster.Tx) error {
		for _, g := range groups {
			if err := tx.CreateGroup(context.Background(), g); err != nil {
				return err
			}
		}
		return nil
	})
}

func findGroup(t testing.TB, r roster.Reader, g *roster.Group) *roster.Group {
	t.Helper()
	got, err := r.FindGroupByID(context.Background(), g.OrgID, g.ID)
	if err != nil {
		t.Fatalf("find group %s: %v", g.Name, err)
	}
	return got
}

// wantMembers checks the member counts of groups.
func wantMembers(t testing.TB, db *sqldb.DB, want map[*roster.Group]int) {
	t.Helper()
	for g, n := range want {
		if got := findGroup(t, db, g).Members; got != n {
			t.Fatalf("group %s has %d members, want %d", g.Name, got, n)
		}
	}
}

func groupNames(groups []*roster.Group) []string {
	var names []string
	for _, g := range groups {
		names = append(names, g.Name)
	}
	return names
}

func TestGroups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		beta := mustCreateOrg(t, db, "Beta")
		sales := newGroup(acme, "Sales", roster.LicenseStandard)
		sales.Members = 7 // a new group has no members, whatever the caller says
		mustCreateGroups(t, db, sales)
		if sales.Version != 1 || sales.Members != 0 || sales.CreatedAt.Location() != time.UTC ||
			!sales.CreatedAt.Equal(at.Truncate(time.Microsecond)) {
			t.Fatalf("after create: %+v", sales)
		}
		wantEqual(t, findGroup(t, db, sales), sales)

		// A name taken ignoring case fails that statement only: the transaction goes on.
		support := newGroup(acme, "Support", roster.LicenseNone)
		write(t, db, func(tx roster.Tx) error {
			err := tx.CreateGroup(ctx, newGroup(acme, "SALES", roster.LicensePremium))
			wantCode(t, err, roster.CodeConflict)
			if msg := roster.ErrorMessage(err); msg != "A group named SALES already exists." {
				t.Errorf("message %q", msg)
			}
			return tx.CreateGroup(ctx, support)
		})
		// Names are unique per organization.
		betaSales := newGroup(beta, "sales", roster.LicensePremium)
		mustCreateGroups(t, db, betaSales)

		got, err := db.FindGroupsByNames(ctx, acme.ID, []string{"sALES", "support", "nobody", "Sales"})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(a, b *roster.Group) int { return strings.Compare(a.Name, b.Name) })
		wantEqual(t, got, []*roster.Group{sales, support})
		// More names than one statement takes.
		many := make([]string, 250)
		for i := range many {
			many[i] = fmt.Sprintf("g%d", i)
		}
		many[200] = "SUPPORT"
		got, err = db.FindGroupsByNames(ctx, acme.ID, many)
		if err != nil || len(got) != 1 || got[0].ID != support.ID {
			t.Fatalf("250 names: %v %v", err, groupNames(got))
		}

		// Update: name, license and time, with the version.
		changed := *sales
		changed.Name, changed.License, changed.UpdatedAt = "Sales EMEA", roster.LicensePremium, at.Add(time.Hour)
		write(t, db, func(tx roster.Tx) error { return tx.UpdateGroup(ctx, &changed) })
		if changed.Version != 2 {
			t.Fatalf("version after update %d", changed.Version)
		}
		wantEqual(t, findGroup(t, db, sales), &changed)
		// Another case of its own name is no conflict.
		changed.Name = "SALES emea"
		write(t, db, func(tx roster.Tx) error { return tx.UpdateGroup(ctx, &changed) })

		stale := *sales // version 1, stored 3
		taken := changed
		taken.Name = "support"
		elsewhere := changed
		elsewhere.OrgID = beta.ID
		tests := []struct {
			name string
			fn   func(tx roster.Tx) error
			want roster.Code
		}{
			{"find in another org", func(tx roster.Tx) error { _, err := tx.FindGroupByID(ctx, beta.ID, sales.ID); return err }, roster.CodeNotFound},
			{"create with a taken id", func(tx roster.Tx) error {
				g := newGroup(acme, "New", roster.LicenseNone)
				g.ID = support.ID
				return tx.CreateGroup(ctx, g)
			}, roster.CodeConflict},
			{"create in a missing org", func(tx roster.Tx) error { return tx.CreateGroup(ctx, newGroup(newOrg("X"), "New", "none")) }, roster.CodeNotFound},
			{"update stale", func(tx roster.Tx) error { return tx.UpdateGroup(ctx, &stale) }, roster.CodeVersionConflict},
			{"update to a taken name", func(tx roster.Tx) error { return tx.UpdateGroup(ctx, &taken) }, roster.CodeConflict},
			{"update in another org", func(tx roster.Tx) error { return tx.UpdateGroup(ctx, &elsewhere) }, roster.CodeNotFound},
			{"delete in another org", func(tx roster.Tx) error { return tx.DeleteGroup(ctx, beta.ID, sales.ID) }, roster.CodeNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantCode(t, db.Write(ctx, tt.fn), tt.want)
			})
		}
		if stale.Version != 1 || taken.Version != 3 {
			t.Fatalf("a failed update changed the version: %d, %d", stale.Version, taken.Version)
		}
		if msg := roster.ErrorMessage(db.Write(ctx, func(tx roster.Tx) error { return tx.UpdateGroup(ctx, &taken) })); msg != "A group named support already exists." {
			t.Fatalf("message of a taken name: %q", msg)
		}

		// Delete takes the memberships along.
		ann := newUser(acme, "ann@example.com", "Ann", "Lee")
		mustCreateUsers(t, db, ann)
		write(t, db, func(tx roster.Tx) error {
			return tx.CreateMemberships(ctx, []*roster.Membership{
				{GroupID: sales.ID, UserID: ann.ID, OrgID: acme.ID, License: roster.LicenseNone, Since: at},
				{GroupID: support.ID, UserID: ann.ID, OrgID: acme.ID, License: roster.LicenseNone, Since: at},
			})
		})
		write(t, db, func(tx roster.Tx) error { return tx.DeleteGroup(ctx, acme.ID, sales.ID) })
		_, err = db.FindGroupByID(ctx, acme.ID, sales.ID)
		wantCode(t, err, roster.CodeNotFound)
		wantCode(t, db.Write(ctx, func(tx roster.Tx) error { return tx.DeleteGroup(ctx, acme.ID, sales.ID) }), roster.CodeNotFound)
		ms, err := db.FindMembershipsOfUsers(ctx, acme.ID, []string{ann.ID})
		if err != nil || len(ms) != 1 || ms[0].GroupID != support.ID {
			t.Fatalf("memberships after deleting a group: %v %+v", err, ms)
		}
		// The name is free again.
		mustCreateGroups(t, db, newGroup(acme, "sales", roster.LicenseNone))
	})
}

func TestFindGroups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		other := mustCreateOrg(t, db, "Other")
		names := []string{"beta", "Alpha", "ÅSA", "alphabet", "Zulu", "Åke", "b", "Gamma", "alps"}
		var groups []*roster.Group
		for _, n := range names {
			groups = append(groups, newGroup(acme, n, roster.LicenseNone))
		}
		mustCreateGroups(t, db, groups...)
		mustCreateGroups(t, db, newGroup(other, "Alpha", roster.LicenseNone))

		tests := []struct {
			query string
			want  []string // by name ignoring case, in byte order
		}{
			{"", []string{"Alpha", "alphabet", "alps", "b", "beta", "Gamma", "Zulu", "Åke", "ÅSA"}},
			{"AL", []string{"Alpha", "alphabet", "alps"}},
			{"alpha", []string{"Alpha", "alphabet"}},
			{"å", []string{"Åke", "ÅSA"}},
			{"b", []string{"b", "beta"}},
			{"x", nil},
		}
		for _, tt := range tests {
			for _, limit := range []int{0, 1, 2, 100} {
				f := roster.GroupFilter{OrgID: acme.ID, Query: tt.query, Limit: limit}
				var got []string
				for pages := 0; ; pages++ {
					if pages > len(names) {
						t.Fatalf("%+v: the pages do not end", f)
					}
					page, err := db.FindGroups(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if limit > 0 && len(page.Groups) > limit {
						t.Fatalf("%+v: a page of %d", f, len(page.Groups))
					}
					got = append(got, groupNames(page.Groups)...)
					if page.Next == "" {
						break
					}
					f.After = page.Next
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("query %q limit %d: %q, want %q", tt.query, limit, got, tt.want)
				}
			}
		}
	})
}

// membersFixture is an organization with users and two groups: every user in sales, the first
// three in support.
type membersFixture struct {
	org            *roster.Org
	users          []*roster.User // in id order
	sales, support *roster.Group
}

func newMembersFixture(t *testing.T, db *sqldb.DB, n int) *membersFixture {
	t.Helper()
	ctx := context.Background()
	f := &membersFixture{org: mustCreateOrg(t, db, "Acme")}
	for i := range n {
		f.users = append(f.users, newUser(f.org, fmt.Sprintf("u%02d@example.com", (i*3)%n), fmt.Sprintf("First%d", i), "Last"))
	}
	slices.SortFunc(f.users, func(a, b *roster.User) int { return strings.Compare(a.ID, b.ID) })
	write(t, db, func(tx roster.Tx) error { return tx.CreateUsers(ctx, f.users) })
	f.sales = newGroup(f.org, "Sales", roster.LicenseStandard)
	f.support = newGroup(f.org, "Support", roster.LicensePremium)
	mustCreateGroups(t, db, f.support, f.sales)
	var ms []*roster.Membership
	for i, u := range f.users {
		ms = append(ms, f.member(f.sales, u, roster.LicenseStandard))
		if i < 3 {
			ms = append(ms, f.member(f.support, u, roster.LicenseNone))
		}
	}
	write(t, db, func(tx roster.Tx) error { return tx.CreateMemberships(ctx, ms) })
	return f
}

func (f *membersFixture) member(g *roster.Group, u *roster.User, l roster.License) *roster.Membership {
	return &roster.Membership{GroupID: g.ID, UserID: u.ID, OrgID: f.org.ID, License: l, Since: at}
}

// allMemberships walks every page of mf.
func allMemberships(t *testing.T, db *sqldb.DB, mf roster.MembershipFilter) []*roster.Membership {
	t.Helper()
	var all []*roster.Membership
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("the pages do not end")
		}
		page, err := db.FindMemberships(context.Background(), mf)
		if err != nil {
			t.Fatalf("FindMemberships(%+v): %v", mf, err)
		}
		if mf.Limit > 0 && len(page.Memberships) > mf.Limit {
			t.Fatalf("a page of %d, limit %d", len(page.Memberships), mf.Limit)
		}
		all = append(all, page.Memberships...)
		if page.Next == "" {
			return all
		}
		mf.After = page.Next
	}
}

func TestMemberships(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		f := newMembersFixture(t, db, 7)
		wantMembers(t, db, map[*roster.Group]int{f.sales: 7, f.support: 3})

		// The members of a group by user id, with both sides filled in.
		var want []*roster.Membership
		for _, u := range f.users {
			want = append(want, &roster.Membership{GroupID: f.sales.ID, UserID: u.ID, OrgID: f.org.ID,
				License: roster.LicenseStandard, Since: at.UTC().Truncate(time.Microsecond),
				GroupName: "Sales", GroupLicense: roster.LicenseStandard,
				Email: u.Email, FirstName: u.FirstName, LastName: u.LastName})
		}
		for _, limit := range []int{0, 1, 3, 7} {
			got := allMemberships(t, db, roster.MembershipFilter{OrgID: f.org.ID, GroupID: f.sales.ID, Limit: limit})
			wantEqual(t, got, want)
		}
		// The groups of a user by group id.
		u := f.users[1]
		byID := []*roster.Group{f.sales, f.support}
		slices.SortFunc(byID, func(a, b *roster.Group) int { return strings.Compare(a.ID, b.ID) })
		for _, limit := range []int{0, 1} {
			got := allMemberships(t, db, roster.MembershipFilter{OrgID: f.org.ID, UserID: u.ID, Limit: limit})
			if len(got) != 2 || got[0].GroupID != byID[0].ID || got[1].GroupID != byID[1].ID {
				t.Fatalf("limit %d: groups of a user %+v", limit, got)
			}
			for _, m := range got {
				g := f.sales
				if m.GroupID == f.support.ID {
					g = f.support
				}
				if m.GroupName != g.Name || m.GroupLicense != g.License || m.Email != u.Email || m.UserID != u.ID {
					t.Fatalf("membership %+v", m)
				}
			}
		}
		page, err := db.FindMemberships(ctx, roster.MembershipFilter{OrgID: f.org.ID, GroupID: f.support.ID, Limit: 3})
		if err != nil || len(page.Memberships) != 3 || page.Next != "" {
			t.Fatalf("a full last page: %v, %d, next %q", err, len(page.Memberships), page.Next)
		}
		page, err = db.FindMemberships(ctx, roster.MembershipFilter{OrgID: roster.NewID(), GroupID: f.sales.ID})
		if err != nil || len(page.Memberships) != 0 {
			t.Fatalf("another organization: %v, %+v", err, page.Memberships)
		}
		_, err = db.FindMemberships(ctx, roster.MembershipFilter{OrgID: f.org.ID})
		wantCode(t, err, roster.CodeInvalid)

		// Of users: in chunks, duplicates once, with the group's side.
		ids := []string{f.users[0].ID, f.users[4].ID, f.users[0].ID, roster.NewID()}
		for range 300 {
			ids = append(ids, roster.NewID())
		}
		ids = append(ids, f.users[2].ID)
		ms, err := db.FindMembershipsOfUsers(ctx, f.org.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		var pairs []string
		for _, m := range ms {
			g := f.sales
			if m.GroupID == f.support.ID {
				g = f.support
			}
			if m.GroupName != g.Name || m.GroupLicense != g.License || m.OrgID != f.org.ID {
				t.Fatalf("membership %+v", m)
			}
			pairs = append(pairs, m.UserID+" "+g.Name)
		}
		slices.Sort(pairs)
		wantPairs := []string{f.users[0].ID + " Sales", f.users[0].ID + " Support", f.users[4].ID + " Sales",
			f.users[2].ID + " Sales", f.users[2].ID + " Support"}
		slices.Sort(wantPairs)
		wantEqual(t, pairs, wantPairs)
		ms, err = db.FindMembershipsOfUsers(ctx, roster.NewID(), ids)
		if err != nil || len(ms) != 0 {
			t.Fatalf("of users of another organization: %v %+v", err, ms)
		}

		// Group names, sorted ignoring case; users without groups left out.
		mustCreateGroups(t, db, newGroup(f.org, "alpha", roster.LicenseNone))
		alpha, err := db.FindGroupsByNames(ctx, f.org.ID, []string{"alpha"})
		if err != nil || len(alpha) != 1 {
			t.Fatal(err)
		}
		write(t, db, func(tx roster.Tx) error {
			return tx.CreateMemberships(ctx, []*roster.Membership{f.member(alpha[0], f.users[0], roster.LicenseNone)})
		})
		names, err := db.FindGroupNames(ctx, f.org.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, names, map[string][]string{
			f.users[0].ID: {"alpha", "Sales", "Support"},
			f.users[2].ID: {"Sales", "Support"},
			f.users[4].ID: {"Sales"},
		})

		// Update writes the license and since.
		m := f.member(f.support, f.users[1], roster.LicensePremium)
		m.Since = at.Add(time.Hour)
		write(t, db, func(tx roster.Tx) error { return tx.UpdateMemberships(ctx, []*roster.Membership{m}) })
		got := allMemberships(t, db, roster.MembershipFilter{OrgID: f.org.ID, UserID: f.users[1].ID})
		for _, g := range got {
			if g.GroupID == f.support.ID && (g.License != roster.LicensePremium || !g.Since.Equal(m.Since) || g.Since.Location() != time.UTC) {
				t.Fatalf("after update %+v", g)
			}
		}
		missing := f.member(f.support, f.users[5], roster.LicensePremium)
		wantCode(t, db.Write(ctx, func(tx roster.Tx) error { return tx.UpdateMemberships(ctx, []*roster.Membership{missing}) }), roster.CodeNotFound)
	})
}

func TestMembershipCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		f := newMembersFixture(t, db, 5)
		counts := map[*roster.Group]int{f.sales: 5, f.support: 3}
		wantMembers(t, db, counts)

		// A pair that exists fails the call and leaves the counts true to the rows; the
		// transaction goes on.
		extra := newUser(f.org, "extra@example.com", "Extra", "User")
		mustCreateUsers(t, db, extra)
		write(t, db, func(tx roster.Tx) error {
			err := tx.CreateMemberships(ctx, []*roster.Membership{
				f.member(f.support, extra, roster.LicenseNone), f.member(f.sales, f.users[0], roster.LicenseNone),
			})
			wantCode(t, err, roster.CodeConflict)
			err = tx.CreateMemberships(ctx, []*roster.Membership{
				f.member(f.support, f.users[4], roster.LicenseNone),
				f.member(&roster.Group{ID: roster.NewID()}, extra, roster.LicenseNone),
			})
			wantCode(t, err, roster.CodeNotFound)
			return nil
		})
		var support []string
		for _, m := range allMemberships(t, db, roster.MembershipFilter{OrgID: f.org.ID, GroupID: f.support.ID}) {
			support = append(support, m.UserID)
		}
		counts[f.support] = len(support)
		wantMembers(t, db, counts)

		// Delete lowers the counts by the rows deleted; a pair that is not there is no error.
		write(t, db, func(tx roster.Tx) error {
			return tx.DeleteMemberships(ctx, []*roster.Membership{
				f.member(f.sales, f.users[0], ""), f.member(f.sales, f.users[1], ""),
				f.member(f.sales, f.users[0], ""), f.member(f.support, f.users[4], ""),
				f.member(f.support, f.users[1], ""),
			})
		})
		counts[f.sales] -= 2
		counts[f.support]--
		wantMembers(t, db, counts)

		// Deleting a user deletes its memberships.
		write(t, db, func(tx roster.Tx) error { return tx.DeleteUser(ctx, f.org.ID, f.users[2].ID) })
		counts[f.sales]--
		counts[f.support]--
		wantMembers(t, db, counts)
		ms, err := db.FindMembershipsOfUsers(ctx, f.org.ID, []string{f.users[2].ID})
		if err != nil || len(ms) != 0 {
			t.Fatalf("memberships of a deleted user: %v %+v", err, ms)
		}
		got := allMemberships(t, db, roster.MembershipFilter{OrgID: f.org.ID, GroupID: f.sales.ID})
		if len(got) != counts[f.sales] {
			t.Fatalf("%d members of sales, counted %d", len(got), counts[f.sales])
		}
	})
}

func TestFindUsersOfGroup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		users := seedUsers(t, db, acme, 40, "u")
		other := mustCreateOrg(t, db, "Other")
		outsiders := seedUsers(t, db, other, 5, "o")
		group := newGroup(acme, "Half", roster.LicenseNone)
		foreign := newGroup(other, "Other", roster.LicenseNone)
		mustCreateGroups(t, db, group, foreign)
		var ms []*roster.Membership
		inGroup := make(map[string]bool)
		for i, u := range users {
			if i%2 == 0 {
				ms = append(ms, &roster.Membership{GroupID: group.ID, UserID: u.ID, OrgID: acme.ID, License: roster.LicenseNone, Since: at})
				inGroup[u.ID] = true
			}
		}
		for _, u := range outsiders {
			ms = append(ms, &roster.Membership{GroupID: foreign.ID, UserID: u.ID, OrgID: other.ID, License: roster.LicenseNone, Since: at})
		}
		write(t, db, func(tx roster.Tx) error { return tx.CreateMemberships(ctx, ms) })

		tests := []struct {
			name  string
			f     roster.UserFilter
			match func(u *roster.User) bool
		}{
			{"group", roster.UserFilter{}, func(*roster.User) bool { return true }},
			{"license", roster.UserFilter{License: roster.LicensePremium}, func(u *roster.User) bool { return u.License == roster.LicensePremium }},
			{"status", roster.UserFilter{Status: roster.StatusActive}, func(u *roster.User) bool { return u.Status == roster.StatusActive }},
			{"admin role", roster.UserFilter{AdminRole: roster.AdminFull}, func(u *roster.User) bool { return u.AdminRole == roster.AdminFull }},
			{"query", roster.UserFilter{Query: "a"}, prefixMatch("a")},
			{"query and license", roster.UserFilter{Query: "l", License: roster.LicensePremium},
				func(u *roster.User) bool { return prefixMatch("l")(u) && u.License == roster.LicensePremium }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var want []string
				for _, u := range users {
					if inGroup[u.ID] && tt.match(u) {
						want = append(want, u.Email)
					}
				}
				slices.Sort(want)
				if len(want) == 0 {
					t.Fatal("the case matches no user: it tests nothing")
				}
				for _, limit := range []int{0, 1, 3} {
					f := tt.f
					f.OrgID, f.GroupID, f.Limit = acme.ID, group.ID, limit
					got, first := allPages(t, db, f)
					if !slices.Equal(got, want) {
						t.Fatalf("limit %d: got %v\nwant %v", limit, got, want)
					}
					if first.Total != len(want) || !first.TotalExact {
						t.Fatalf("limit %d: total %d exact %v, want %d", limit, first.Total, first.TotalExact, len(want))
					}
					// Inside a transaction, whose one connection counts and then reads the
					// page, where the read pool does both at once.
					write(t, db, func(tx roster.Tx) error {
						inTx, err := tx.FindUsers(ctx, f)
						if err == nil {
							wantEqual(t, inTx, first)
						}
						return err
					})
				}
			})
		}
		// A group of another organization, or none, has no users here.
		for _, id := range []string{foreign.ID, roster.NewID()} {
			page, err := db.FindUsers(ctx, roster.UserFilter{OrgID: acme.ID, GroupID: id})
			if err != nil || len(page.Users) != 0 || page.Total != 0 {
				t.Fatalf("group %s: %v, %d users, total %d", id, err, len(page.Users), page.Total)
			}
		}
	})
}

// prefixMatch matches the users whose email or names start with q, in lower case.
func prefixMatch(q string) func(u *roster.User) bool {
	return func(u *roster.User) bool {
		return slices.ContainsFunc([]string{u.Email, u.FirstName, u.LastName}, func(s string) bool {
			return strings.HasPrefix(strings.ToLower(s), q)
		})
	}
}
