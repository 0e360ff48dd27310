package sqldb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"roster"
	"roster/internal/sqldb"
)

// TestFindUsersForExport reads an organization a page at a time: every user once, in creation
// order rather than email order, none of another organization, with exactly the fields the
// export writes.
func TestFindUsersForExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		beta := mustCreateOrg(t, db, "Beta")
		empty := mustCreateOrg(t, db, "Empty")
		// Emails in reverse order of creation, and the other organization's users in between,
		// so that neither email order nor a plain walk of the table gives the right pages.
		var want []*roster.User
		for i := range 7 {
			u := newUser(acme, fmt.Sprintf("u%d@acme.example", 9-i), fmt.Sprintf("First%d", i), "Last")
			if i == 4 {
				// The store reads the fields joined by the unit separator; one that holds it
				// anyway (the application refuses control characters) is read all the same.
				u.Title, u.SyncStatus = "Team\x1fLead\x1f", roster.SyncInvalid
			}
			mustCreateUsers(t, db, u, newUser(beta, fmt.Sprintf("u%d@beta.example", i), "Other", "Org"))
			want = append(want, u)
		}
		// Every field the export writes, with values other than newUser's.
		special := want[2]
		special.License, special.CCRole, special.AdminRole = roster.LicensePremium, roster.RoleSupervisor, roster.AdminFull
		special.Status, special.SyncStatus, special.PreferredLanguage = roster.StatusActive, roster.SyncValid, roster.Swedish
		special.DisplayName, special.PhoneNumber, special.Title, special.Department = "=Spec", "+4612345", "Boss", "R&D, HQ"
		// An update moves a user neither in creation order nor out of it.
		write(t, db, func(tx roster.Tx) error { return tx.UpdateUser(ctx, special) })

		for _, limit := range []int{1, 2, 3, 7, 100} {
			var got []*roster.User
			after := ""
			for pages := 0; ; pages++ {
				if pages > len(want)+1 {
					t.Fatalf("limit %d: the pages do not end", limit)
				}
				page, err := db.FindUsersForExport(ctx, acme.ID, after, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > limit {
					t.Fatalf("limit %d: a page of %d users", limit, len(page))
				}
				got = append(got, page...)
				if len(page) < limit {
					break
				}
				after = page[len(page)-1].ID
			}
			if len(got) != len(want) {
				t.Fatalf("limit %d: %d users, want %d", limit, len(got), len(want))
			}
			for i, w := range want {
				e := *w
				e.AdminRole, e.CreatedAt, e.UpdatedAt, e.Version = "", time.Time{}, time.Time{}, 0
				e.UserProfileID, e.GroupLicense = "", ""
				e.DirectLicense, e.TemplateLicense, e.WaitingLicense = roster.LicenseGrant{}, roster.LicenseGrant{}, roster.LicenseGrant{}
				wantEqual(t, *got[i], e)
			}
		}

		// The last user's id as the cursor: nothing after it.
		page, err := db.FindUsersForExport(ctx, acme.ID, want[len(want)-1].ID, 10)
		if err != nil || len(page) != 0 {
			t.Errorf("after the last user: %d users, %v", len(page), err)
		}
		page, err = db.FindUsersForExport(ctx, empty.ID, "", 10)
		if err != nil || len(page) != 0 {
			t.Errorf("organization without users: %d users, %v", len(page), err)
		}
		page, err = db.FindUsersForExport(ctx, "no-such-org", "", 10)
		if err != nil || len(page) != 0 {
			t.Errorf("unknown organization: %d users, %v", len(page), err)
		}
	})
}
