package contactcenter_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"roster"
	"roster/internal/contactcenter"
	"roster/internal/contactcenter/scimtest"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

func scimConnector(t *testing.T, srv *scimtest.Server) func(roster.Store) roster.Connector {
	return func(roster.Store) roster.Connector {
		return newSCIM(t, contactcenter.SCIMConfig{BaseURL: srv.URL})
	}
}

// createUsers creates users with these licenses, u0@example.com, u1@… in order, and
// returns their ids.
func (f *fixture) createUsers(org *roster.Org, actor roster.Actor, prefix string, licenses ...roster.License) []string {
	f.t.Helper()
	var ids []string
	for i, l := range licenses {
		u, err := f.svc.CreateUser(f.ctx, actor, org.ID, provision.NewUser{Email: fmt.Sprintf("%s%d@example.com", prefix, i),
			FirstName: "First", LastName: "Last", License: l})
		if err != nil {
			f.t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	return ids
}

// checkRemoteHoldsDirectory checks that the SCIM server holds, for each user of the
// organization, exactly what the directory says: an active user with its fields when it needs
// an agent, at most an inactive one when it does not.
func (f *fixture) checkRemoteHoldsDirectory(srv *scimtest.Server, orgID string, ids []string) {
	f.t.Helper()
	for _, id := range ids {
		u, err := f.store.FindUserByID(f.ctx, orgID, id)
		if err != nil {
			f.t.Fatal(err)
		}
		st := roster.AgentStateOf(u)
		got, ok := srv.UserByExternalID(id)
		needs := st.ProfileType != roster.ProfileNone
		if !ok {
			if needs {
				f.t.Errorf("no remote user for %s", u.Email)
			}
			continue
		}
		if got.UserName != st.Email || got.GivenName != st.FirstName || got.FamilyName != st.LastName ||
			got.Active != needs || got.ProfileType != string(st.ProfileType) {
			f.t.Errorf("remote user of %s = %+v, want %+v", u.Email, got, st)
		}
	}
}

// Synchronize Users through the SCIM connector reads the remote side: what was deactivated,
// renamed or deleted there is repaired, remote agents of deleted users are deleted (those of
// another organization on the same service stay), attributes set there stay, and the task
// counts what it did.
func TestSynchronizeUsersSCIM(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		for _, b := range []struct {
			name      string
			behaviour scimtest.Behaviour
		}{{"patch", scimtest.Complete}, {"put", withoutPatch}} {
			t.Run(b.name, func(t *testing.T) {
				srv := newSCIMServerWith(t, b.behaviour)
				f := newFixture(t, engine, scimConnector(t, srv))
				ids := f.createUsers(f.org, f.full, "u", roster.LicenseStandard, roster.LicensePremium, roster.LicenseStandard, roster.LicenseNone)
				name := "Other"
				other, err := f.svc.CreateOrg(f.ctx, system, provision.OrgChange{Name: &name})
				if err != nil {
					t.Fatal(err)
				}
				otherIDs := f.createUsers(other, system, "other", roster.LicenseStandard)
				f.waitFor("delivered", func() bool {
					_, ok := srv.UserByExternalID(otherIDs[0])
					return ok && f.user(ids[0]).SyncStatus == roster.SyncValid && f.user(ids[1]).SyncStatus == roster.SyncValid &&
						f.user(ids[2]).SyncStatus == roster.SyncValid
				})

				// Changed on the remote side: u0 deactivated, u1 renamed (and given a title),
				// u2 deleted; a remote agent of a user deleted from the directory; a remote
				// user Roster does not manage.
				srv.ChangeUser(ids[0], func(u *scimtest.User) { u.Active = false })
				srv.ChangeUser(ids[1], func(u *scimtest.User) { u.GivenName, u.Title = "Drifted", "Supervisor of the night" })
				srv.DeleteUser(ids[2])
				ghost := roster.NewID()
				srv.AddUser(scimtest.User{ExternalID: ghost, UserName: "ghost@example.com", Active: true, ProfileType: "standard_agent"})
				srv.AddUser(scimtest.User{UserName: "local@example.com", Active: true})
				if s := f.user(ids[0]).SyncStatus; s != roster.SyncValid {
					t.Fatalf("status before the synchronize: %s", s)
				}

				task := f.synchronize()
				if want := (roster.TaskCounts{Created: 1, Updated: 3, Unchanged: 1}); task.Counts != want {
					t.Errorf("counts = %+v, want %+v\n%s", task.Counts, want, f.report(task.ID))
				}
				if got, want := f.report(task.ID), "u0@example.com updated \nu1@example.com updated \nu2@example.com created \nghost@example.com updated "; !sameLines(got, want) {
					t.Errorf("report:\n%s\nwant (in any order)\n%s", got, want)
				}
				f.checkRemoteHoldsDirectory(srv, f.org.ID, ids)
				f.checkRemoteHoldsDirectory(srv, other.ID, otherIDs)
				if u, _ := srv.UserByExternalID(ids[1]); u.Title != "Supervisor of the night" {
					t.Errorf("title set on the remote side = %q, want it kept", u.Title)
				}
				if _, ok := srv.UserByExternalID(ghost); ok {
					t.Error("the remote agent of a deleted user is still there")
				}
				var names []string
				for _, u := range srv.Users() {
					names = append(names, u.UserName)
				}
				if !slices.Contains(names, "local@example.com") || len(names) != 5 {
					t.Errorf("remote users = %v, want the 3 licensed, the other organization's and local@example.com", names)
				}

				again := f.synchronize()
				if want := (roster.TaskCounts{Unchanged: 4}); again.Counts != want {
					t.Errorf("second synchronize: %+v, want %+v\n%s", again.Counts, want, f.report(again.ID))
				}
			})
		}
	})
}

// A server that drops the contact-center extension leaves the user invalid with the reason,
// not valid with its license lost; the synchronize reports it as an error.
func TestSynchronizeUsersSCIMExtensionDropped(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		srv := newSCIMServerWith(t, scimtest.LikeGateway)
		f := newFixture(t, engine, scimConnector(t, srv))
		ids := f.createUsers(f.org, f.full, "u", roster.LicensePremium)
		f.waitFor("invalid", func() bool { return f.user(ids[0]).SyncStatus == roster.SyncInvalid })
		reason := "The SCIM service did not keep the contact-center attributes (profile type premium_agent): " +
			"it does not support the schema " + contactcenter.SCIMExtensionSchema + "."
		j, err := f.svc.SyncState(f.ctx, f.full, f.org.ID, ids[0])
		if err != nil || j == nil || !j.Failed || j.LastError != reason {
			t.Fatalf("sync state = %+v, %v; want failed with %q", j, err, reason)
		}
		task := f.synchronize()
		if task.Counts.Errors != 1 || task.Counts.Created+task.Counts.Updated != 0 {
			t.Errorf("counts = %+v\n%s", task.Counts, f.report(task.ID))
		}
		if got := f.report(task.ID); got != "u0@example.com error sync_failed" {
			t.Errorf("report = %q", got)
		}
		if s := f.user(ids[0]).SyncStatus; s != roster.SyncInvalid {
			t.Errorf("status after the synchronize = %s, want invalid", s)
		}
	})
}

// A remote user with the directory user's userName and no externalId, created there before
// Roster pushed, is adopted by the automatic sync instead of failing on 409 for good.
func TestSyncAdoptsRemoteUserSCIM(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		srv := newSCIMServerWith(t, scimtest.Complete)
		srv.AddUser(scimtest.User{UserName: "u0@example.com", GivenName: "Remote", Active: false,
			PhoneNumbers: []string{"+31 20 123 4567"}})
		f := newFixture(t, engine, scimConnector(t, srv))
		ids := f.createUsers(f.org, f.full, "u", roster.LicenseStandard)
		f.waitFor("valid", func() bool { return f.user(ids[0]).SyncStatus == roster.SyncValid })
		f.checkRemoteHoldsDirectory(srv, f.org.ID, ids)
		if u, _ := srv.UserByExternalID(ids[0]); len(srv.Users()) != 1 || len(u.PhoneNumbers) != 1 {
			t.Errorf("remote users = %+v, want the one adopted, its phone number kept", srv.Users())
		}
	})
}

func sameLines(a, b string) bool {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// Service Details say what the remote side supports once the connector asked it.
func TestServiceDetailsSCIM(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		srv := newSCIMServerWith(t, scimtest.LikeGateway)
		c := newSCIM(t, contactcenter.SCIMConfig{BaseURL: srv.URL})
		svc := provision.New(sqldbtest.Open(t, engine), provision.WithConnectorName(c.Name()), provision.WithRemoteSupport(c.Support))
		name := "Acme"
		org, err := svc.CreateOrg(context.Background(), system, provision.OrgChange{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		d, err := svc.ContactCenter(context.Background(), system, org.ID)
		if err != nil || d.Connector != "scim" || d.Remote != nil {
			t.Fatalf("details before the remote was asked: %+v, %v", d, err)
		}
		c.Discover(context.Background())
		if d, err = svc.ContactCenter(context.Background(), system, org.ID); err != nil {
			t.Fatal(err)
		}
		if r := d.Remote; r == nil || !r.Reachable || r.Patch || r.ETags || r.ExtensionListed ||
			r.Problem != "The SCIM service does not list the contact-center schema "+contactcenter.SCIMExtensionSchema+
				": users whose profile type it does not keep are invalid." {
			t.Errorf("remote support on Service Details = %+v", d.Remote)
		}
	})
}
