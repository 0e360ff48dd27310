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

// TestUserLicenseSources round-trips the sources of a user's license and its custom profile:
// a zero grant is stored as no grant, and a grant keeps its time, in UTC to the microsecond.
func TestUserLicenseSources(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org := mustCreateOrg(t, db, "Acme")
		plain := newUser(org, "plain@example.com", "Plain", "User") // no sources at all
		full := newUser(org, "full@example.com", "Full", "User")
		full.License, full.UserProfileID = roster.LicensePremium, roster.NewID()
		full.DirectLicense = roster.LicenseGrant{License: roster.LicenseStandard, Since: at}
		full.TemplateLicense = roster.LicenseGrant{License: roster.LicenseNone, Since: at.Add(time.Second)}
		full.GroupLicense = roster.LicensePremium
		full.WaitingLicense = roster.LicenseGrant{License: roster.LicensePremium, Since: at.Add(time.Minute)}
		full.CCRole = roster.RoleSupervisor
		// A time without a license is no grant.
		plain.DirectLicense.Since = at
		users := []*roster.User{plain, full}
		for i := range 150 { // more than one statement of a bulk insert on PostgreSQL
			u := newUser(org, fmt.Sprintf("bulk%03d@example.com", i), "Bulk", "User")
			if i%2 == 0 {
				u.TemplateLicense = roster.LicenseGrant{License: roster.LicenseStandard, Since: at.Add(time.Duration(i) * time.Hour)}
			}
			users = append(users, u)
		}
		write(t, db, func(tx roster.Tx) error { return tx.CreateUsers(ctx, users) })

		if plain.DirectLicense != (roster.LicenseGrant{}) || plain.GroupLicense != roster.LicenseNone {
			t.Fatalf("create did not normalize: %+v %q", plain.DirectLicense, plain.GroupLicense)
		}
		if s := full.WaitingLicense.Since; s.Location() != time.UTC || !s.Equal(at.Add(time.Minute).Truncate(time.Microsecond)) {
			t.Fatalf("waiting since after create: %v", s)
		}
		for _, u := range users {
			got, err := db.FindUserByID(ctx, org.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, got, u)
		}
		ids := []string{roster.NewID()} // in no organization: left out
		for _, u := range users {
			ids = append(ids, u.ID)
		}
		byID, err := db.FindUsersByIDs(ctx, org.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(byID, func(a, b *roster.User) int { return strings.Compare(a.Email, b.Email) })
		sorted := slices.Clone(users)
		slices.SortFunc(sorted, func(a, b *roster.User) int { return strings.Compare(a.Email, b.Email) })
		wantEqual(t, byID, sorted)
		got, err := db.FindUsersByEmails(ctx, []string{full.Email})
		if err != nil || len(got) != 1 {
			t.Fatal(err)
		}
		wantEqual(t, got[0], full)
		page, err := db.FindUsers(ctx, roster.UserFilter{OrgID: org.ID, Query: "full"})
		if err != nil || len(page.Users) != 1 {
			t.Fatalf("find users: %v", err)
		}
		wantEqual(t, page.Users[0], full)

		// Update swaps them: every grant of full goes, plain gets them.
		changedFull, changedPlain := *full, *plain
		changedFull.UserProfileID, changedFull.GroupLicense = "", roster.LicenseNone
		changedFull.DirectLicense, changedFull.TemplateLicense, changedFull.WaitingLicense = roster.LicenseGrant{}, roster.LicenseGrant{}, roster.LicenseGrant{}
		changedPlain.UserProfileID, changedPlain.GroupLicense = roster.NewID(), roster.LicenseStandard
		changedPlain.DirectLicense = roster.LicenseGrant{License: roster.LicenseNone, Since: at.Add(2 * time.Hour)}
		changedPlain.TemplateLicense = roster.LicenseGrant{License: roster.LicensePremium, Since: at.Add(3 * time.Hour)}
		changedPlain.WaitingLicense = roster.LicenseGrant{License: roster.LicenseStandard, Since: at.Add(4 * time.Hour)}
		write(t, db, func(tx roster.Tx) error {
			if err := tx.UpdateUser(ctx, &changedFull); err != nil {
				return err
			}
			return tx.UpdateUser(ctx, &changedPlain)
		})
		for _, u := range []*roster.User{&changedFull, &changedPlain} {
			got, err := db.FindUserByID(ctx, org.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, got, u)
		}
		page, err = db.FindUsers(ctx, roster.UserFilter{OrgID: org.ID, Email: plain.Email})
		if err != nil || len(page.Users) != 1 {
			t.Fatalf("find users: %v", err)
		}
		wantEqual(t, page.Users[0], &changedPlain)
	})
}

func TestFindWaitingUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		other := mustCreateOrg(t, db, "Other")
		var users []*roster.User
		var want []string
		// Two users share a time: the id decides between them.
		waits := []time.Duration{5, 1, -1, 3, 1, -1, 0}
		for i, w := range waits {
			u := newUser(acme, fmt.Sprintf("u%d@example.com", i), "U", "Ser")
			if w >= 0 {
				u.WaitingLicense = roster.LicenseGrant{License: roster.LicensePremium, Since: at.Add(w * time.Minute)}
			}
			users = append(users, u)
		}
		elsewhere := newUser(other, "other@example.com", "Otto", "Other")
		elsewhere.WaitingLicense = roster.LicenseGrant{License: roster.LicenseStandard, Since: at.Add(-time.Hour)}
		write(t, db, func(tx roster.Tx) error { return tx.CreateUsers(ctx, append(users, elsewhere)) })
		waiting := slices.DeleteFunc(slices.Clone(users), func(u *roster.User) bool { return !u.WaitingLicense.Granted() })
		slices.SortFunc(waiting, func(a, b *roster.User) int {
			if c := a.WaitingLicense.Since.Compare(b.WaitingLicense.Since); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		for _, u := range waiting {
			want = append(want, u.Email)
		}
		for _, limit := range []int{1, 3, 100} {
			got, err := db.FindWaitingUsers(ctx, acme.ID, limit)
			if err != nil {
				t.Fatal(err)
			}
			var emails []string
			for _, u := range got {
				emails = append(emails, u.Email)
			}
			if w := want[:min(limit, len(want))]; !slices.Equal(emails, w) {
				t.Fatalf("limit %d: %v, want %v", limit, emails, w)
			}
		}
		if got, err := db.FindWaitingUsers(ctx, acme.ID, 0); err != nil || len(got) != 0 {
			t.Fatalf("limit 0: %v %d", err, len(got))
		}
		// No longer waiting.
		u := *waiting[0]
		u.WaitingLicense = roster.LicenseGrant{}
		write(t, db, func(tx roster.Tx) error { return tx.UpdateUser(ctx, &u) })
		got, err := db.FindWaitingUsers(ctx, acme.ID, 100)
		if err != nil || len(got) != len(want)-1 || got[0].Email != want[1] {
			t.Fatalf("after the first stopped waiting: %v %d", err, len(got))
		}
	})
}

func TestFindUsersByProfile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		other := mustCreateOrg(t, db, "Other")
		p1, p2 := roster.NewID(), roster.NewID()
		profiles := []string{p1, "", p2, p1, "", p1, p2}
		var users []*roster.User
		for i, p := range profiles {
			u := newUser(acme, fmt.Sprintf("u%d@example.com", i), "U", "Ser")
			u.UserProfileID = p
			users = append(users, u)
		}
		elsewhere := newUser(other, "other@example.com", "Otto", "Other")
		elsewhere.UserProfileID = p1
		write(t, db, func(tx roster.Tx) error { return tx.CreateUsers(ctx, append(users, elsewhere)) })

		for _, profile := range []string{p1, p2, "", roster.NewID()} {
			var want []string
			for _, u := range users {
				if u.UserProfileID != "" && (profile == "" || u.UserProfileID == profile) {
					want = append(want, u.ID)
				}
			}
			slices.Sort(want)
			for _, limit := range []int{1, 2, 100} {
				var got []string
				after := ""
				for pages := 0; ; pages++ {
					if pages > len(users) {
						t.Fatal("the pages do not end")
					}
					page, err := db.FindUsersByProfile(ctx, acme.ID, profile, after, limit)
					if err != nil {
						t.Fatal(err)
					}
					for _, u := range page {
						got = append(got, u.ID)
					}
					if len(page) < limit {
						break
					}
					after = page[len(page)-1].ID
				}
				if !slices.Equal(got, want) {
					t.Fatalf("profile %q limit %d: %v, want %v", profile, limit, got, want)
				}
			}
		}
	})
}

func newProfile(org *roster.Org, name string, pt roster.ProfileType) *roster.UserProfile {
	return &roster.UserProfile{Entity: roster.Entity{ID: roster.NewID(), OrgID: org.ID, Name: name, CreatedAt: at, UpdatedAt: at}, Type: pt}
}

func TestUserProfiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		beta := mustCreateOrg(t, db, "Beta")
		night := newProfile(acme, "Night shift", roster.ProfileStandardAgent)
		night.BuiltIn = true // never stored
		leads := newProfile(acme, "leads", roster.ProfileSupervisor)
		write(t, db, func(tx roster.Tx) error {
			if err := tx.CreateUserProfile(ctx, night); err != nil {
				return err
			}
			// A name taken ignoring case fails that statement only.
			err := tx.CreateUserProfile(ctx, newProfile(acme, "NIGHT SHIFT", roster.ProfilePremiumAgent))
			wantCode(t, err, roster.CodeConflict)
			if msg := roster.ErrorMessage(err); msg != "A user profile named NIGHT SHIFT already exists." {
				t.Errorf("message %q", msg)
			}
			if err := tx.CreateUserProfile(ctx, leads); err != nil {
				return err
			}
			return tx.CreateUserProfile(ctx, newProfile(beta, "Night shift", roster.ProfileStandardAgent))
		})
		if night.Version != 1 || night.BuiltIn || night.CreatedAt.Location() != time.UTC {
			t.Fatalf("after create: %+v", night)
		}
		got, err := db.FindUserProfileByID(ctx, acme.ID, night.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, got, night)
		all, err := db.FindUserProfiles(ctx, acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, all, []*roster.UserProfile{leads, night}) // by name, ignoring case

		changed := *night
		changed.Name, changed.UpdatedAt = "Evening shift", at.Add(time.Hour)
		write(t, db, func(tx roster.Tx) error { return tx.UpdateUserProfile(ctx, &changed) })
		if changed.Version != 2 {
			t.Fatalf("version after update %d", changed.Version)
		}
		got, err = db.FindUserProfileByID(ctx, acme.ID, night.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, got, &changed)

		stale := *night
		taken := changed
		taken.Name = "LEADS"
		tests := []struct {
			name string
			fn   func(tx roster.Tx) error
			want roster.Code
		}{
			{"find in another org", func(tx roster.Tx) error { _, err := tx.FindUserProfileByID(ctx, beta.ID, night.ID); return err }, roster.CodeNotFound},
			{"create in a missing org", func(tx roster.Tx) error {
				return tx.CreateUserProfile(ctx, newProfile(newOrg("X"), "New", roster.ProfileSupervisor))
			}, roster.CodeNotFound},
			{"update stale", func(tx roster.Tx) error { return tx.UpdateUserProfile(ctx, &stale) }, roster.CodeVersionConflict},
			{"update to a taken name", func(tx roster.Tx) error { return tx.UpdateUserProfile(ctx, &taken) }, roster.CodeConflict},
			{"update missing", func(tx roster.Tx) error { return tx.UpdateUserProfile(ctx, newProfile(acme, "X", "none")) }, roster.CodeNotFound},
			{"delete in another org", func(tx roster.Tx) error { return tx.DeleteUserProfile(ctx, beta.ID, night.ID) }, roster.CodeNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantCode(t, db.Write(ctx, tt.fn), tt.want)
			})
		}

		write(t, db, func(tx roster.Tx) error { return tx.DeleteUserProfile(ctx, acme.ID, night.ID) })
		_, err = db.FindUserProfileByID(ctx, acme.ID, night.ID)
		wantCode(t, err, roster.CodeNotFound)
		all, err = db.FindUserProfiles(ctx, acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, all, []*roster.UserProfile{leads})
	})
}

func TestOrgAssignment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		// An organization created without an assignment has none.
		plain := mustCreateOrg(t, db, "Plain")
		if want := (roster.LicenseAssignment{Mode: roster.AssignOff, License: roster.LicenseNone}); plain.Assignment != want {
			t.Fatalf("assignment after create %+v", plain.Assignment)
		}
		o := newOrg("Acme")
		o.Assignment = roster.LicenseAssignment{Mode: roster.AssignOrg, License: roster.LicenseStandard}
		write(t, db, func(tx roster.Tx) error { return tx.CreateOrg(ctx, o) })
		got, err := db.FindOrgByID(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, got, o)

		got.Assignment = roster.LicenseAssignment{Mode: roster.AssignGroup, License: roster.LicenseNone}
		write(t, db, func(tx roster.Tx) error { return tx.UpdateOrg(ctx, got) })
		all, err := db.FindOrgs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, all, []*roster.Org{got, plain})
	})
}
