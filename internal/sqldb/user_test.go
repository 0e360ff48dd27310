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
	"roster/internal/sqldb/sqldbtest"
)

func TestUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		beta := mustCreateOrg(t, db, "Beta")
		ann := newUser(acme, "ann@example.com", "Ann", "Lee")
		bob := newUser(beta, "bob@example.com", "Bob", "Ng")
		mustCreateUsers(t, db, ann, bob)
		if ann.Version != 1 || !ann.UpdatedAt.Equal(at.Truncate(time.Microsecond)) {
			t.Fatalf("after create: version %d, updated %v", ann.Version, ann.UpdatedAt)
		}

		got, err := db.FindUserByID(ctx, acme.ID, ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, got, ann)
		got, err = db.FindUserByEmail(ctx, bob.Email)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, got, bob)

		// Every field is written, and the version moves by one.
		changed := *ann
		changed.Email, changed.FirstName, changed.LastName = "ann.lee@example.com", "Anne", "Łęcka"
		changed.DisplayName, changed.PhoneNumber, changed.Title = "A. Lee", "", "Lead"
		changed.Department, changed.PreferredLanguage = "Sales", roster.Dutch
		changed.Status, changed.License = roster.StatusActive, roster.LicensePremium
		changed.CCRole, changed.AdminRole = roster.RoleSupervisor, roster.AdminFull
		changed.SyncStatus, changed.UpdatedAt = roster.SyncPending, at.Add(time.Minute)
		write(t, db, func(tx roster.Tx) error { return tx.UpdateUser(ctx, &changed) })
		if changed.Version != 2 {
			t.Fatalf("Version after update = %d, want 2", changed.Version)
		}
		got, err = db.FindUserByID(ctx, acme.ID, ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, got, &changed)
		// The name keys follow the names.
		page, err := db.FindUsers(ctx, roster.UserFilter{OrgID: acme.ID, Query: "ŁĘC"})
		if err != nil || len(page.Users) != 1 {
			t.Fatalf("search by the new last name: %v, %+v", err, page)
		}

		stale := *ann // version 1, stored 2
		taken := changed
		taken.Email = bob.Email
		elsewhere := changed
		elsewhere.OrgID = beta.ID
		tests := []struct {
			name string
			fn   func(tx roster.Tx) error
			want roster.Code
		}{
			{"find by id in another org", func(tx roster.Tx) error { _, err := tx.FindUserByID(ctx, beta.ID, ann.ID); return err }, roster.CodeNotFound},
			{"find by missing id", func(tx roster.Tx) error { _, err := tx.FindUserByID(ctx, acme.ID, roster.NewID()); return err }, roster.CodeNotFound},
			{"find by missing email", func(tx roster.Tx) error { _, err := tx.FindUserByEmail(ctx, "nobody@example.com"); return err }, roster.CodeNotFound},
			{"create with an email of another org", func(tx roster.Tx) error {
				return tx.CreateUser(ctx, newUser(acme, bob.Email, "Bob", "Again"))
			}, roster.CodeConflict},
			{"create with a taken id", func(tx roster.Tx) error {
				u := newUser(acme, "new@example.com", "New", "User")
				u.ID = bob.ID
				return tx.CreateUser(ctx, u)
			}, roster.CodeConflict},
			{"create in a missing org", func(tx roster.Tx) error {
				return tx.CreateUser(ctx, newUser(newOrg("Missing"), "new@example.com", "New", "User"))
			}, roster.CodeNotFound},
			{"update stale", func(tx roster.Tx) error { return tx.UpdateUser(ctx, &stale) }, roster.CodeVersionConflict},
			{"update to a taken email", func(tx roster.Tx) error { return tx.UpdateUser(ctx, &taken) }, roster.CodeConflict},
			{"update in another org", func(tx roster.Tx) error { return tx.UpdateUser(ctx, &elsewhere) }, roster.CodeNotFound},
			{"delete in another org", func(tx roster.Tx) error { return tx.DeleteUser(ctx, beta.ID, ann.ID) }, roster.CodeNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantCode(t, db.Write(ctx, tt.fn), tt.want)
			})
		}
		if stale.Version != 1 || taken.Version != 2 {
			t.Fatalf("a failed update changed the version: %d, %d", stale.Version, taken.Version)
		}

		// A taken email fails that one statement only: the transaction goes on and commits, on
		// PostgreSQL too, so that a bulk operation can report one failed row.
		carl := newUser(acme, "carl@example.com", "Carl", "Ek")
		write(t, db, func(tx roster.Tx) error {
			wantCode(t, tx.CreateUser(ctx, newUser(acme, bob.Email, "Bob", "Again")), roster.CodeConflict)
			wantCode(t, tx.UpdateUser(ctx, &taken), roster.CodeConflict)
			return tx.CreateUser(ctx, carl)
		})
		if _, err := db.FindUserByEmail(ctx, carl.Email); err != nil {
			t.Fatalf("the user created after a conflict: %v", err)
		}

		// UpdateUsersChanges writes what differs, with the same version and email guards.
		now, err := db.FindUserByID(ctx, acme.ID, ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		next := *now
		next.License, next.LastName, next.Email = roster.LicenseStandard, "Lind", "ann.lind@example.com"
		next.DirectLicense = roster.LicenseGrant{License: roster.LicenseStandard, Since: at.Add(time.Hour)}
		write(t, db, func(tx roster.Tx) error {
			return tx.UpdateUsersChanges(ctx, []roster.UserUpdate{{Before: now, After: &next}})
		})
		if next.Version != now.Version+1 {
			t.Fatalf("Version after UpdateUsersChanges = %d, want %d", next.Version, now.Version+1)
		}
		if got, err = db.FindUserByID(ctx, acme.ID, ann.ID); err != nil {
			t.Fatal(err)
		}
		wantEqual(t, got, &next)
		if page, err := db.FindUsers(ctx, roster.UserFilter{OrgID: acme.ID, Query: "lind"}); err != nil || len(page.Users) != 1 {
			t.Fatalf("search by the changed last name: %v, %+v", err, page)
		}
		takenToo := next
		takenToo.Email = bob.Email
		wantCode(t, db.Write(ctx, func(tx roster.Tx) error {
			return tx.UpdateUsersChanges(ctx, []roster.UserUpdate{{Before: &next, After: &takenToo}})
		}), roster.CodeConflict)
		wantCode(t, db.Write(ctx, func(tx roster.Tx) error {
			return tx.UpdateUsersChanges(ctx, []roster.UserUpdate{{Before: now, After: &next}})
		}), roster.CodeVersionConflict)

		write(t, db, func(tx roster.Tx) error { return tx.DeleteUser(ctx, acme.ID, ann.ID) })
		_, err = db.FindUserByID(ctx, acme.ID, ann.ID)
		wantCode(t, err, roster.CodeNotFound)
		wantCode(t, db.Write(ctx, func(tx roster.Tx) error { return tx.DeleteUser(ctx, acme.ID, ann.ID) }), roster.CodeNotFound)
		// The email is free again.
		mustCreateUsers(t, db, newUser(beta, changed.Email, "Ann", "Again"))
	})
}

// Names for the list tests: prefixes that share bytes in UTF-8 (Å U+00C5 and Æ U+00C6, Ł and
// Ł's neighbours) catch a wrong upper bound of the prefix ranges.
var (
	firstNames = []string{"Ann", "Anna", "Łukasz", "Åsa", "Æsir", "Émile", "bob", "Zoë", "Ölund", "ann-marie", "Lukas"}
	lastNames  = []string{"Lee", "Łęcki", "Åberg", "Andersson", "Østergaard", "Ng", " Łan", "Lukaszewicz"}
	statuses   = []roster.UserStatus{roster.StatusPending, roster.StatusActive, roster.StatusInactive}
	licenses   = []roster.License{roster.LicenseNone, roster.LicenseStandard, roster.LicensePremium, roster.LicenseStandard}
	adminRoles = []roster.AdminRole{roster.AdminNone, roster.AdminNone, roster.AdminFull, roster.AdminCCService, roster.AdminReadOnly}
	syncs      = []roster.SyncStatus{roster.SyncNone, roster.SyncPending, roster.SyncValid, roster.SyncInvalid}
)

// seedUsers creates n users of org with varied fields, sets the org's counters from them, and
// returns them.
func seedUsers(t *testing.T, db *sqldb.DB, org *roster.Org, n int, emailPrefix string) []*roster.User {
	t.Helper()
	users := make([]*roster.User, n)
	var usage roster.Usage
	for i := range users {
		u := newUser(org, fmt.Sprintf("%s%03d@example.com", emailPrefix, (i*37)%n),
			firstNames[i%len(firstNames)], lastNames[i%len(lastNames)])
		u.Status, u.License = statuses[i%len(statuses)], licenses[i%len(licenses)]
		u.AdminRole, u.SyncStatus = adminRoles[i%len(adminRoles)], syncs[i%len(syncs)]
		if u.License == roster.LicensePremium && i%2 == 0 {
			u.CCRole = roster.RoleSupervisor
		}
		usage = usage.Add(roster.Usage{Users: 1, Standard: b2i(u.License == roster.LicenseStandard), Premium: b2i(u.License == roster.LicensePremium)})
		users[i] = u
	}
	mustCreateUsers(t, db, users...)
	write(t, db, func(tx roster.Tx) error { return tx.UpdateOrgUsage(context.Background(), org.ID, usage) })
	return users
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// allPages walks every page of f and returns the emails in order.
func allPages(t *testing.T, db *sqldb.DB, f roster.UserFilter) (emails []string, first *roster.UserPage) {
	t.Helper()
	for i := 0; ; i++ {
		page, err := db.FindUsers(context.Background(), f)
		if err != nil {
			t.Fatalf("FindUsers(%+v): %v", f, err)
		}
		if first == nil {
			first = page
		}
		if f.Limit > 0 && len(page.Users) > f.Limit {
			t.Fatalf("page of %d users, limit %d", len(page.Users), f.Limit)
		}
		for _, u := range page.Users {
			emails = append(emails, u.Email)
		}
		if (f.After == "") != (page.Prev == "") && len(page.Users) > 0 {
			t.Fatalf("page after %q has previous-page cursor %q", f.After, page.Prev)
		}
		if page.Next == "" {
			checkBackwards(t, db, f, page, emails)
			return emails, first
		}
		if i > 1000 {
			t.Fatal("paging does not end")
		}
		f.After = page.Next
	}
}

// checkBackwards pages from the last page back to the first with the previous-page cursors,
// and checks that it reads the same users as the way forward.
func checkBackwards(t *testing.T, db *sqldb.DB, f roster.UserFilter, last *roster.UserPage, forward []string) {
	t.Helper()
	var back []string
	page := last
	for i := 0; ; i++ {
		back = append(slices.Clone(emailsOf(page.Users)), back...)
		if page.Prev == "" {
			break
		}
		if i > 1000 {
			t.Fatal("paging backwards does not end")
		}
		f.After, f.Before = "", page.Prev
		var err error
		if page, err = db.FindUsers(context.Background(), f); err != nil {
			t.Fatalf("FindUsers(%+v): %v", f, err)
		}
		if page.Next == "" {
			t.Fatalf("a page read backwards from %q has no next page", f.Before)
		}
	}
	if !slices.Equal(back, forward) {
		t.Fatalf("backwards: %v\nforwards: %v", back, forward)
	}
}

func emailsOf(us []*roster.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Email
	}
	return out
}

func TestFindUsers(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		other := mustCreateOrg(t, db, "Other")
		users := seedUsers(t, db, acme, 60, "u")
		seedUsers(t, db, other, 20, "other") // same names, never listed for acme

		prefixed := func(q string) func(u *roster.User) bool {
			q = strings.ToLower(q)
			return func(u *roster.User) bool {
				return strings.HasPrefix(u.Email, q) || strings.HasPrefix(strings.ToLower(u.FirstName), q) ||
					strings.HasPrefix(strings.ToLower(u.LastName), q)
			}
		}
		tests := []struct {
			name  string
			f     roster.UserFilter
			match func(u *roster.User) bool
			// fromCounters: the total comes from the organization's counters.
			fromCounters bool
		}{
			{"all", roster.UserFilter{}, func(*roster.User) bool { return true }, true},
			{"license none", roster.UserFilter{License: roster.LicenseNone}, func(u *roster.User) bool { return u.License == roster.LicenseNone }, true},
			{"license standard", roster.UserFilter{License: roster.LicenseStandard}, func(u *roster.User) bool { return u.License == roster.LicenseStandard }, true},
			{"license premium", roster.UserFilter{License: roster.LicensePremium}, func(u *roster.User) bool { return u.License == roster.LicensePremium }, true},
			{"status", roster.UserFilter{Status: roster.StatusActive}, func(u *roster.User) bool { return u.Status == roster.StatusActive }, false},
			{"sync status", roster.UserFilter{SyncStatus: roster.SyncInvalid}, func(u *roster.User) bool { return u.SyncStatus == roster.SyncInvalid }, false},
			{"admin role full", roster.UserFilter{AdminRole: roster.AdminFull}, func(u *roster.User) bool { return u.AdminRole == roster.AdminFull }, false},
			{"admin role none", roster.UserFilter{AdminRole: roster.AdminNone}, func(u *roster.User) bool { return u.AdminRole == roster.AdminNone }, false},
			{"cc role supervisor", roster.UserFilter{CCRole: roster.RoleSupervisor}, func(u *roster.User) bool { return u.CCRole == roster.RoleSupervisor }, false},
			{"cc role agent", roster.UserFilter{CCRole: roster.RoleAgent}, func(u *roster.User) bool { return u.CCRole == roster.RoleAgent }, false},
			{"unknown admin role", roster.UserFilter{AdminRole: "root' OR 1=1 --"}, func(*roster.User) bool { return false }, false},
			{"unknown cc role", roster.UserFilter{CCRole: "boss"}, func(*roster.User) bool { return false }, false},
			{"license and status", roster.UserFilter{License: roster.LicenseStandard, Status: roster.StatusPending},
				func(u *roster.User) bool {
					return u.License == roster.LicenseStandard && u.Status == roster.StatusPending
				}, false},
			{"email", roster.UserFilter{Email: "u011@example.com"}, func(u *roster.User) bool { return u.Email == "u011@example.com" }, false},
			{"email of another organization matches nothing", roster.UserFilter{Email: "other011@example.com"}, func(*roster.User) bool { return false }, false},
			{"email and a query that match nothing together", roster.UserFilter{Email: "u011@example.com", Query: "zz"}, func(*roster.User) bool { return false }, false},
			{"query email", roster.UserFilter{Query: "U01"}, prefixed("u01"), false},
			{"query first name", roster.UserFilter{Query: "ann"}, prefixed("ann"), false},
			{"query Łu", roster.UserFilter{Query: "ŁU"}, prefixed("łu"), false},
			{"query ł", roster.UserFilter{Query: "ł"}, prefixed("ł"), false},
			{"query Å", roster.UserFilter{Query: "Å"}, prefixed("å"), false},
			{"query åsa", roster.UserFilter{Query: "åSA"}, prefixed("åsa"), false},
			{"query Ø", roster.UserFilter{Query: "ø"}, prefixed("ø"), false},
			{"query with a space", roster.UserFilter{Query: " ł"}, prefixed(" ł"), false},
			{"query matching nothing", roster.UserFilter{Query: "zz"}, prefixed("zz"), false},
			{"query and admin role", roster.UserFilter{Query: "a", AdminRole: roster.AdminReadOnly},
				func(u *roster.User) bool { return prefixed("a")(u) && u.AdminRole == roster.AdminReadOnly }, false},
			{"query and license", roster.UserFilter{Query: "l", License: roster.LicensePremium},
				func(u *roster.User) bool { return prefixed("l")(u) && u.License == roster.LicensePremium }, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var want []string
				for _, u := range users {
					if tt.match(u) {
						want = append(want, u.Email)
					}
				}
				slices.Sort(want) // byte order, as both engines compare
				if len(want) == 0 && !strings.Contains(tt.name, "nothing") && !strings.Contains(tt.name, "unknown") {
					t.Fatal("the case matches no user: it tests nothing")
				}

				for _, limit := range []int{0, 1, 7} {
					f := tt.f
					f.OrgID, f.Limit = acme.ID, limit
					got, first := allPages(t, db, f)
					if !slices.Equal(got, want) {
						t.Fatalf("limit %d: got %d users %v\nwant %d %v", limit, len(got), got, len(want), want)
					}
					if first.Total != len(want) || !first.TotalExact {
						t.Fatalf("limit %d: total %d exact %v, want %d exact", limit, first.Total, first.TotalExact, len(want))
					}
				}
			})
		}
	})
}

// TestFindUsersCounters shows where the totals come from: the organization's counters when the
// filter is empty or only a license, and a count of the rows otherwise.
func TestFindUsersCounters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org := mustCreateOrg(t, db, "Acme")
		var users []*roster.User
		for i := range 12 {
			u := newUser(org, fmt.Sprintf("u%02d@example.com", i), "U", "Ser")
			u.License = []roster.License{roster.LicenseNone, roster.LicenseStandard, roster.LicensePremium}[i%3]
			u.Status = []roster.UserStatus{roster.StatusPending, roster.StatusActive}[i%2]
			u.SyncStatus = []roster.SyncStatus{roster.SyncNone, roster.SyncPending, roster.SyncValid, roster.SyncInvalid}[i%4]
			u.CCRole = []roster.CCRole{roster.RoleAgent, roster.RoleSupervisor}[i/6]
			users = append(users, u)
		}
		mustCreateUsers(t, db, users...)
		tests := []struct {
			f     roster.UserFilter
			want  int
			exact bool
		}{
			{roster.UserFilter{}, 12, true},
			{roster.UserFilter{License: roster.LicenseNone}, 4, true},
			{roster.UserFilter{License: roster.LicensePremium, Status: roster.StatusActive}, 2, true},
			{roster.UserFilter{Status: roster.StatusPending, SyncStatus: roster.SyncValid}, 3, true},
			{roster.UserFilter{License: roster.LicenseStandard, Status: roster.StatusActive, SyncStatus: roster.SyncPending}, 1, true},
			// No user can match: told by the counters, whatever the other filters.
			{roster.UserFilter{Status: roster.StatusInactive, Query: "u0"}, 0, true},
			{roster.UserFilter{Status: roster.StatusActive, SyncStatus: roster.SyncNone, CCRole: roster.RoleSupervisor}, 0, true},
			{roster.UserFilter{License: "unknown"}, 0, true},
			// Other filters are counted from the rows, exactly under the cap.
			{roster.UserFilter{Status: roster.StatusActive, CCRole: roster.RoleSupervisor}, 3, true},
		}
		check := func(r roster.Reader) {
			for _, tt := range tests {
				tt.f.OrgID = org.ID
				page, err := r.FindUsers(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != tt.want || page.TotalExact != tt.exact || len(page.Users) != tt.want {
					t.Errorf("%+v: total %d exact %v, %d users, want %d", tt.f, page.Total, page.TotalExact, len(page.Users), tt.want)
				}
			}
		}
		check(db)
		// The same inside a transaction, where each query is prepared once.
		write(t, db, func(tx roster.Tx) error {
			check(tx)
			check(tx)
			return nil
		})
		page, err := db.FindUsers(ctx, roster.UserFilter{OrgID: roster.NewID()})
		if err != nil || page.Total != 0 || len(page.Users) != 0 {
			t.Fatalf("missing org: %v %+v", err, page)
		}
	})
}

// TestFindUsersTotalCap has more matches than roster.TotalCap.
func TestFindUsersTotalCap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org := mustCreateOrg(t, db, "Big")
		n := roster.TotalCap + 5
		users := make([]*roster.User, n)
		for i := range users {
			users[i] = newUser(org, fmt.Sprintf("user%06d@example.com", i), "Ann", "Lee")
		}
		mustCreateUsers(t, db, users...)

		tests := []struct {
			f         roster.UserFilter
			total     int
			exact     bool
			pageSize  int
			firstNext string
		}{
			{roster.UserFilter{}, n, true, roster.DefaultPageSize, "user000099@example.com"},
			{roster.UserFilter{Status: roster.StatusPending}, n, true, roster.DefaultPageSize, "user000099@example.com"},
			{roster.UserFilter{CCRole: roster.RoleAgent}, roster.TotalCap, false, roster.DefaultPageSize, "user000099@example.com"},
			{roster.UserFilter{Query: "ann", Limit: 5000}, roster.TotalCap, false, roster.MaxPageSize, "user000999@example.com"},
			{roster.UserFilter{Query: "ann", After: "user005000@example.com", Limit: 3}, roster.TotalCap, false, 3, "user005003@example.com"},
			{roster.UserFilter{Query: "user00000"}, 10, true, 10, ""},
		}
		for _, tt := range tests {
			tt.f.OrgID = org.ID
			page, err := db.FindUsers(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != tt.total || page.TotalExact != tt.exact || len(page.Users) != tt.pageSize || page.Next != tt.firstNext {
				t.Errorf("%+v: total %d exact %v, %d users, next %q; want %d %v %d %q", tt.f,
					page.Total, page.TotalExact, len(page.Users), page.Next, tt.total, tt.exact, tt.pageSize, tt.firstNext)
			}
		}
	})
}

// TestFindUsersByList: the bulk finders take any number of ids or emails in one query, of any
// characters, duplicated or unknown; by id only the organization's users, inside a transaction
// as outside.
func TestFindUsersByList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org, other := mustCreateOrg(t, db, "Acme"), mustCreateOrg(t, db, "Other")
		var users []*roster.User
		for i := range 250 {
			users = append(users, newUser(org, fmt.Sprintf("u%03d@example.com", i), "First", "Last"))
		}
		users[7].Email = `o"neil\back,[x]@exämple.com`
		outsider := newUser(other, "outsider@example.com", "Out", "Sider")
		mustCreateUsers(t, db, append(users, outsider)...)

		ids, emails := []string{outsider.ID, "no-such-id"}, []string{outsider.Email, "nobody@example.com"}
		for _, u := range users {
			ids, emails = append(ids, u.ID, u.ID), append(emails, u.Email)
		}
		check := func(t *testing.T, r roster.UserReader) {
			t.Helper()
			byID, err := r.FindUsersByIDs(ctx, org.ID, ids)
			if err != nil {
				t.Fatal(err)
			}
			byEmail, err := r.FindUsersByEmails(ctx, emails)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				got  []*roster.User
				want []*roster.User
			}{{byID, users}, {byEmail, append(slices.Clone(users), outsider)}} {
				slices.SortFunc(c.got, func(a, b *roster.User) int { return strings.Compare(a.ID, b.ID) })
				slices.SortFunc(c.want, func(a, b *roster.User) int { return strings.Compare(a.ID, b.ID) })
				wantEqual(t, c.got, c.want)
			}
			byNoID, err := r.FindUsersByIDs(ctx, org.ID, nil)
			if err != nil || len(byNoID) != 0 {
				t.Fatalf("by no id: %d users, %v", len(byNoID), err)
			}
			byNoEmail, err := r.FindUsersByEmails(ctx, []string{})
			if err != nil || len(byNoEmail) != 0 {
				t.Fatalf("by no email: %d users, %v", len(byNoEmail), err)
			}
		}
		check(t, db)
		write(t, db, func(tx roster.Tx) error { check(t, tx); return nil })
	})
}

// TestBulkUserReadsOddRows: the bulk reads of users read each row as one string on SQLite.
// A row that does not split (a field holds the separator, which the application refuses) or
// whose time is written in a layout of its own (by hand, or by an older driver) is read again
// column by column, in its place: the reads return the users all the same, in order.
func TestBulkUserReadsOddRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			db, cfg := sqldbtest.OpenWithConfig(t, engine)
			org := mustCreateOrg(t, db, "Acme")
			var users []*roster.User
			for i := range 5 {
				users = append(users, newUser(org, fmt.Sprintf("u%d@example.com", i), "First", "Last"))
			}
			users[1].Title, users[1].Department = "Team\x1fLead", "\x1f"
			users[3].WaitingLicense = roster.LicenseGrant{License: roster.LicensePremium, Since: at}
			mustCreateUsers(t, db, users...)
			// Seconds only, no zone: a layout the driver reads but does not write.
			if _, err := sqldbtest.Raw(t, cfg).ExecContext(ctx, rebind(engine, `UPDATE users SET created_at = '2025-03-14 14:09:26', waiting_since = '2025-03-14 14:09:26' WHERE id = ?`), users[3].ID); err != nil {
				t.Fatal(err)
			}
			stored, err := db.FindUserByID(ctx, org.ID, users[3].ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := at.Truncate(time.Second).UTC(); !stored.CreatedAt.Equal(want) || !stored.WaitingLicense.Since.Equal(want) {
				t.Fatalf("created %v, waiting since %v, want %v", stored.CreatedAt, stored.WaitingLicense.Since, want)
			}
			users[3] = stored

			ids, emails := make([]string, len(users)), make([]string, len(users))
			for i, u := range users {
				ids[i], emails[i] = u.ID, u.Email
			}
			byID, err := db.FindUsersByIDs(ctx, org.ID, ids)
			if err != nil {
				t.Fatal(err)
			}
			byEmail, err := db.FindUsersByEmails(ctx, emails)
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range [][]*roster.User{byID, byEmail} {
				slices.SortFunc(got, func(a, b *roster.User) int { return strings.Compare(a.Email, b.Email) })
				wantEqual(t, got, users)
			}
			// In the query's order: the users waiting for a seat, longest waiting first.
			users[1].WaitingLicense = roster.LicenseGrant{License: roster.LicenseStandard, Since: at.Add(time.Hour)}
			users[4].WaitingLicense = roster.LicenseGrant{License: roster.LicenseStandard, Since: at.Add(-time.Hour)}
			write(t, db, func(tx roster.Tx) error {
				for _, u := range []*roster.User{users[1], users[4]} {
					if err := tx.UpdateUser(ctx, u); err != nil {
						return err
					}
				}
				return nil
			})
			waiting, err := db.FindWaitingUsers(ctx, org.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, waiting, []*roster.User{users[4], users[3], users[1]})
		})
	}
}

// rebind writes the ? placeholders of q as PostgreSQL's $n on PostgreSQL.
func rebind(engine, q string) string {
	if engine == sqldb.EnginePostgres {
		return strings.Replace(q, "?", "$1", 1)
	}
	return q
}

// TestUpdateUsersChanges changes many users in one call, more than a statement carries on
// PostgreSQL, with different sets of columns: licenses and their times (set and cleared),
// names (found again by their search keys), a status. A stale version fails the whole call.
func TestUpdateUsersChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org := mustCreateOrg(t, db, "Acme")
		var users []*roster.User
		for i := range 250 {
			u := newUser(org, fmt.Sprintf("u%03d@example.com", i), "First", "Last")
			if i%5 == 0 {
				u.WaitingLicense = roster.LicenseGrant{License: roster.LicensePremium, Since: at}
			}
			users = append(users, u)
		}
		write(t, db, func(tx roster.Tx) error { return tx.CreateUsers(ctx, users) })

		updates := make([]roster.UserUpdate, len(users))
		for i, u := range users {
			next := *u
			next.UpdatedAt = at.Add(time.Duration(i) * time.Minute)
			switch i % 3 {
			case 0:
				next.License, next.GroupLicense = roster.LicensePremium, roster.LicensePremium
				next.WaitingLicense = roster.LicenseGrant{}
			case 1:
				next.FirstName, next.LastName = "Renamed", fmt.Sprintf("Lind%03d", i)
			case 2:
				next.Status = roster.StatusInactive
				next.DirectLicense = roster.LicenseGrant{License: roster.LicenseStandard, Since: at.Add(time.Hour)}
			}
			updates[i] = roster.UserUpdate{Before: u, After: &next}
		}
		write(t, db, func(tx roster.Tx) error { return tx.UpdateUsersChanges(ctx, updates) })
		for _, u := range updates {
			if u.After.Version != u.Before.Version+1 {
				t.Fatalf("version %d after %d", u.After.Version, u.Before.Version)
			}
			got, err := db.FindUserByID(ctx, org.ID, u.After.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, got, u.After)
		}
		page, err := db.FindUsers(ctx, roster.UserFilter{OrgID: org.ID, Query: "lind00"})
		if err != nil || len(page.Users) != 3 { // Lind001, Lind004, Lind007
			t.Fatalf("search by the new last names: %v, %d users", err, len(page.Users))
		}

		// An update that changes nothing still moves the version, as UpdateUser does.
		same := *updates[0].After
		write(t, db, func(tx roster.Tx) error {
			return tx.UpdateUsersChanges(ctx, []roster.UserUpdate{{Before: updates[0].After, After: &same}})
		})
		if got, err := db.FindUserByID(ctx, org.ID, same.ID); err != nil {
			t.Fatal(err)
		} else if got.Version != updates[0].After.Version+1 || same.Version != got.Version {
			t.Fatalf("after an update of nothing: version %d (%d), was %d", got.Version, same.Version, updates[0].After.Version)
		}
		updates[0].After = &same

		// Again, one of them from the version read before the first call: it is stale, and the
		// whole call changes nothing.
		again := make([]roster.UserUpdate, 0, len(updates))
		for _, u := range updates[1:] {
			next := *u.After
			next.Title = "Stale"
			again = append(again, roster.UserUpdate{Before: u.After, After: &next})
		}
		stale := *updates[0].Before
		staleNext := stale
		staleNext.Title = "Stale"
		again = append(again, roster.UserUpdate{Before: &stale, After: &staleNext})
		wantCode(t, db.Write(ctx, func(tx roster.Tx) error { return tx.UpdateUsersChanges(ctx, again) }), roster.CodeVersionConflict)
		got, err := db.FindUserByID(ctx, org.ID, updates[1].After.ID)
		if err != nil || got.Title == "Stale" {
			t.Fatalf("a failed call changed a user: %v %+v", err, got)
		}
	})
}
