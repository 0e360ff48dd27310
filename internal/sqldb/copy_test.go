package sqldb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

// TestBulkWrites writes more rows of each kind in one call than a statement carries, as an
// import's chunk or a synchronization does (through COPY on PostgreSQL), twice in one
// transaction, and reads every row back as written. A group of users of which one email is
// taken fails with CodeConflict, as does a group of agents of which one user has an agent
// already, and the transaction goes on: users and sync jobs written after them are there. Then
// their sync statuses, all in one call.
func TestBulkWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org := mustCreateOrg(t, db, "Acme")
		taken := newUser(org, "taken@example.com", "Ta", "Ken")
		mustCreateUsers(t, db, taken)
		enqueue(t, db, org.ID, at, taken.ID)

		now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		site := newSite(org, "Stockholm")
		team := newTeam(site, "Sales")
		write(t, db, func(tx roster.Tx) error {
			if err := tx.CreateSite(ctx, site); err != nil {
				return err
			}
			return tx.CreateTeam(ctx, team)
		})
		type bulk struct {
			users   []*roster.User
			agents  []*roster.Agent
			entries []*roster.AuditEntry
			emails  []*roster.Email
			invs    []*roster.Invitation
		}
		bulkOf := func(prefix string, n int) bulk {
			var b bulk
			for i := range n {
				u := newUser(org, fmt.Sprintf("%s%03d@example.com", prefix, i), "Åsa", fmt.Sprintf("Öberg %d", i))
				u.License, u.CCRole = roster.LicensePremium, roster.RoleSupervisor
				if i%2 == 0 {
					u.DirectLicense = roster.LicenseGrant{License: roster.LicensePremium, Since: now}
				}
				if i%3 == 0 {
					u.WaitingLicense = roster.LicenseGrant{License: roster.LicenseStandard, Since: now.Add(time.Minute)}
				}
				b.users = append(b.users, u)
				a := newAgent(u)
				a.SiteID, a.TeamIDs = site.ID, []string{team.ID}
				if i%2 == 0 {
					a.ProfileType, a.TeamIDs = roster.ProfilePremiumAgent, nil
				}
				b.agents = append(b.agents, a)
				e := &roster.AuditEntry{ID: roster.NewID(), OrgID: org.ID, At: now, ActorKind: "token",
					ActorID: "tok", ActorName: "Import", Interface: roster.ViaCSV, Action: "user.create",
					TargetKind: "user", TargetID: u.ID, Target: u.Email, TaskID: "task-" + prefix,
					After: json.RawMessage(fmt.Sprintf(`{"email":%q,"n":%d}`, u.Email, i))}
				if i%2 == 1 {
					e.Before = json.RawMessage(`{"title":"Agent"}`)
				}
				b.entries = append(b.entries, e)
				b.emails = append(b.emails, newEmail(org, u.ID, now))
				b.invs = append(b.invs, &roster.Invitation{ID: roster.NewID(), SecretHash: []byte("hash-" + u.ID),
					OrgID: org.ID, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour)})
			}
			return b
		}
		first, second := bulkOf("a", 250), bulkOf("b", 150)
		clash := bulkOf("c", 200).users
		clash = append(clash, newUser(org, taken.Email, "Again", "Taken"))
		var more bulk                       // written after the conflicts, in the same transaction
		ids := []string{taken.ID, taken.ID} // already queued, and twice
		for _, u := range append(first.users, second.users...) {
			ids = append(ids, u.ID)
		}
		write(t, db, func(tx roster.Tx) error {
			for _, b := range []bulk{first, second} {
				if err := tx.CreateUsers(ctx, b.users); err != nil {
					return err
				}
				if err := tx.CreateAgents(ctx, b.agents); err != nil {
					return err
				}
				if err := tx.CreateAuditEntries(ctx, b.entries); err != nil {
					return err
				}
				if err := tx.CreateEmails(ctx, b.emails); err != nil {
					return err
				}
				if err := tx.CreateInvitations(ctx, b.invs); err != nil {
					return err
				}
			}
			wantCode(t, tx.CreateUsers(ctx, clash), roster.CodeConflict)
			more = bulkOf("d", 150)
			if err := tx.CreateUsers(ctx, more.users); err != nil {
				return err
			}
			wantCode(t, tx.CreateAgents(ctx, append(more.agents, newAgent(first.users[0]))), roster.CodeConflict)
			var moreIDs []string
			for _, u := range more.users {
				moreIDs = append(moreIDs, u.ID)
			}
			if err := tx.EnqueueSync(ctx, org.ID, moreIDs, now.Add(time.Hour)); err != nil {
				return err
			}
			return tx.EnqueueSync(ctx, org.ID, ids, now)
		})
		// What the transaction wrote after the conflicts is there: the users, and the jobs of
		// users that had none.
		for _, u := range more.users {
			got, err := db.FindUserByID(ctx, org.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, got, u)
			if j := findSyncJob(t, db, u.ID); j.Generation != 1 || !j.DueAt.Equal(now.Add(time.Hour)) || j.Attempts != 0 || j.Failed {
				t.Fatalf("sync job of %s: %+v", u.Email, j)
			}
		}

		for _, b := range []bulk{first, second} {
			for i, u := range b.users {
				got, err := db.FindUserByID(ctx, org.ID, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				wantEqual(t, got, u)
				wantEqual(t, findAgent(t, db, b.agents[i]), b.agents[i])
				if j := findSyncJob(t, db, u.ID); j.Generation != 1 || !j.DueAt.Equal(now) {
					t.Fatalf("sync job of %s: %+v", u.Email, j)
				}
				inv, err := db.FindInvitation(ctx, b.invs[i].ID)
				if err != nil {
					t.Fatal(err)
				}
				wantEqual(t, inv, b.invs[i])
			}
			page, err := db.FindAuditEntries(ctx, roster.AuditFilter{OrgID: org.ID, TaskID: b.entries[0].TaskID, Limit: 500})
			if err != nil || len(page.Entries) != len(b.entries) {
				t.Fatalf("audit entries of %s: %v, %d", b.entries[0].TaskID, err, len(page.Entries))
			}
			for i, e := range page.Entries {
				want := b.entries[len(b.entries)-1-i] // newest first
				if !sameJSON(t, e.After, want.After) || !sameJSON(t, e.Before, want.Before) {
					t.Fatalf("entry %s: %s %s, want %s %s", e.ID, e.Before, e.After, want.Before, want.After)
				}
				e.Before, e.After, want.Before, want.After = nil, nil, nil, nil
				wantEqual(t, e, want)
			}
			for _, m := range b.emails {
				page, err := db.FindEmails(ctx, roster.EmailFilter{OrgID: org.ID, UserID: m.UserID})
				if err != nil || len(page.Emails) != 1 {
					t.Fatalf("emails of %s: %v, %+v", m.UserID, err, page)
				}
				wantEqual(t, page.Emails[0], m)
			}
		}
		// The sync statuses of all of them, and of a user of another organization, which stays.
		other := mustCreateOrg(t, db, "Other")
		outsider := newUser(other, "outsider@example.com", "Out", "Sider")
		mustCreateUsers(t, db, outsider)
		statuses := map[string]roster.SyncStatus{outsider.ID: roster.SyncInvalid}
		all := append(first.users, second.users...)
		for i, u := range all {
			statuses[u.ID] = []roster.SyncStatus{roster.SyncValid, roster.SyncInvalid}[i%2]
		}
		write(t, db, func(tx roster.Tx) error { return tx.SetSyncStatuses(ctx, org.ID, statuses) })
		for i, u := range append(all, outsider) {
			got, err := db.FindUserByID(ctx, u.OrgID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := *u
			if i < len(all) {
				want.SyncStatus = statuses[u.ID]
			}
			wantEqual(t, got, &want)
		}

		if j := findSyncJob(t, db, taken.ID); j.Generation != 2 {
			t.Fatalf("the queued user's job: generation %d, want 2", j.Generation)
		}
		if got, err := db.FindUserByEmail(ctx, taken.Email); err != nil || got.ID != taken.ID {
			t.Fatalf("the taken email: %v, %+v", err, got)
		}
	})
}

// TestOpenNeedsTemporary opens PostgreSQL as a user that may not create temporary tables,
// where bulk writes stage their rows: Open refuses, and says how to grant it.
func TestOpenNeedsTemporary(t *testing.T) {
	t.Parallel()
	base := os.Getenv(sqldbtest.EnvPostgresURL)
	if base == "" {
		t.Skip("PostgreSQL only: " + sqldbtest.EnvPostgresURL + " is not set")
	}
	ctx := context.Background()
	admin := sqldbtest.Raw(t, sqldb.Config{DatabaseURL: base})
	name := "roster_notemp_" + strings.ToLower(strings.ReplaceAll(roster.NewID(), "-", ""))[20:]
	exec := func(q string) {
		t.Helper()
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE ROLE ` + name + ` LOGIN`)
	exec(`CREATE DATABASE ` + name)
	t.Cleanup(func() {
		exec(`DROP DATABASE ` + name + ` WITH (FORCE)`)
		exec(`DROP ROLE ` + name)
	})
	exec(`REVOKE TEMPORARY ON DATABASE ` + name + ` FROM PUBLIC`)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.User, u.Path = url.User(name), "/"+name

	_, err = sqldb.Open(ctx, sqldb.Config{DatabaseURL: u.String()})
	if err == nil || !strings.Contains(err.Error(), `GRANT TEMPORARY ON DATABASE "`+name+`" TO "`+name+`"`) {
		t.Fatalf("open without the TEMPORARY privilege: %v", err)
	}
	exec(`GRANT TEMPORARY ON DATABASE ` + name + ` TO ` + name)
	db, err := sqldb.Open(ctx, sqldb.Config{DatabaseURL: u.String()})
	if err != nil {
		t.Fatalf("open with it: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
