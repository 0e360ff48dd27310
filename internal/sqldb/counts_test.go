package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"testing"

	"roster"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

// TestCountersFollowEveryWrite changes users and agents through every write of the store and
// checks, after each, that the counters (migration 0019) say what counting the rows says.
func TestCountersFollowEveryWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			db, cfg := sqldbtest.OpenWithConfig(t, engine)
			raw := sqldbtest.Raw(t, cfg)
			check := func(step string) {
				t.Helper()
				wantEqual(t, counted(t, raw, `SELECT org_id, status, sync_status, license, direct, template, CAST(SUM(n) AS BIGINT)
					FROM user_counts GROUP BY org_id, status, sync_status, license, direct, template HAVING SUM(n) <> 0`),
					counted(t, raw, `SELECT org_id, status, sync_status, license, direct_license = license, template_license = license, COUNT(*)
					FROM users GROUP BY 1, 2, 3, 4, 5, 6`))
				wantEqual(t, counted(t, raw, `SELECT org_id, profile_type, CAST(SUM(n) AS BIGINT) FROM agent_counts
					GROUP BY org_id, profile_type HAVING SUM(n) <> 0`),
					counted(t, raw, `SELECT org_id, profile_type, COUNT(*) FROM agents WHERE active GROUP BY org_id, profile_type`))
				if t.Failed() {
					t.Fatalf("after %s", step)
				}
			}

			acme, beta := mustCreateOrg(t, db, "Acme"), mustCreateOrg(t, db, "Beta")
			var users []*roster.User
			for i := range 12 {
				u := newUser(acme, fmt.Sprintf("u%02d@example.com", i), "U", "Ser")
				u.License = []roster.License{roster.LicenseNone, roster.LicenseStandard, roster.LicensePremium}[i%3]
				u.SyncStatus = []roster.SyncStatus{roster.SyncNone, roster.SyncPending, roster.SyncValid, roster.SyncInvalid}[i%4]
				if i%2 == 0 {
					u.DirectLicense = roster.LicenseGrant{License: u.License, Since: at}
				}
				users = append(users, u)
			}
			write(t, db, func(tx roster.Tx) error { return tx.CreateUsers(ctx, users[:10]) })
			mustCreateUsers(t, db, users[10], newUser(beta, "b@example.com", "B", "Eta"))
			check("creating users")

			users[0].Status, users[1].License = roster.StatusActive, roster.LicensePremium
			write(t, db, func(tx roster.Tx) error {
				if err := tx.UpdateUser(ctx, users[0]); err != nil {
					return err
				}
				return tx.UpdateUser(ctx, users[1])
			})
			check("updating users")

			before, after := *users[2], *users[2]
			after.Status, after.License, after.Version = roster.StatusInactive, roster.LicenseNone, before.Version+1
			same, renamed := *users[3], *users[3]
			renamed.FirstName, renamed.Version = "Renamed", same.Version+1
			renamed.TemplateLicense = roster.LicenseGrant{License: renamed.License, Since: at}
			write(t, db, func(tx roster.Tx) error {
				return tx.UpdateUsersChanges(ctx, []roster.UserUpdate{{Before: &before, After: &after}, {Before: &same, After: &renamed}})
			})
			check("updating the changes of users")

			write(t, db, func(tx roster.Tx) error {
				return tx.SetSyncStatuses(ctx, acme.ID, map[string]roster.SyncStatus{
					users[4].ID: roster.SyncValid, users[5].ID: roster.SyncValid, users[6].ID: roster.SyncInvalid})
			})
			check("setting sync statuses")

			var agents []*roster.Agent
			for i, pt := range []roster.ProfileType{roster.ProfileStandardAgent, roster.ProfilePremiumAgent, roster.ProfileSupervisor, roster.ProfileStandardAgent} {
				a := newAgent(users[i+4])
				a.ProfileType, a.Active = pt, i != 3
				agents = append(agents, a)
			}
			mustCreateAgents(t, db, agents...)
			check("creating agents")

			agents[0].ProfileType = roster.ProfileSupervisor
			agents[1].Active, agents[3].Active = false, true
			write(t, db, func(tx roster.Tx) error {
				for _, a := range []*roster.Agent{agents[0], agents[1], agents[3]} {
					if err := tx.UpdateAgent(ctx, a); err != nil {
						return err
					}
				}
				return nil
			})
			check("updating agents")

			write(t, db, func(tx roster.Tx) error {
				return tx.DeleteAgents(ctx, acme.ID, []string{agents[2].UserID, agents[3].UserID})
			})
			check("deleting agents")

			write(t, db, func(tx roster.Tx) error { return tx.DeleteUser(ctx, acme.ID, users[9].ID) })
			check("deleting a user")

			// A rolled back change leaves the counters as they were.
			err := db.Write(ctx, func(tx roster.Tx) error {
				users[10].Status = roster.StatusActive
				if err := tx.UpdateUser(ctx, users[10]); err != nil {
					return err
				}
				return fmt.Errorf("changed my mind")
			})
			if err == nil {
				t.Fatal("the write did not fail")
			}
			check("a rolled back change")

			if engine == sqldb.EnginePostgres {
				// By hand, from a session whose search_path does not name Roster's schema.
				u, err := url.Parse(cfg.DatabaseURL)
				if err != nil {
					t.Fatal(err)
				}
				q := u.Query()
				schema := q.Get("search_path")
				q.Del("search_path")
				u.RawQuery = q.Encode()
				other, err := sql.Open("pgx", u.String())
				if err != nil {
					t.Fatal(err)
				}
				defer other.Close()
				if _, err := other.ExecContext(ctx, `UPDATE `+schema+`.users SET status = 'inactive' WHERE id = $1`, users[10].ID); err != nil {
					t.Fatal(err)
				}
				check("a change by hand")
			}

			write(t, db, func(tx roster.Tx) error { return tx.FoldCounts(ctx) })
			check("folding")
			var rows, keys int
			if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_counts`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT DISTINCT org_id, status, sync_status, license,
				direct_license = license, template_license = license FROM users) AS k`).Scan(&keys); err != nil {
				t.Fatal(err)
			}
			// SQLite keeps a row a key, emptied ones too; PostgreSQL's fold leaves a row a key.
			if engine == sqldb.EnginePostgres && rows != keys || rows < keys {
				t.Errorf("after folding: %d rows of counters for %d keys", rows, keys)
			}

			wantEqual(t, ok(db.CountUsersBySyncStatus(ctx, acme.ID)).must(t), map[roster.SyncStatus]int{
				roster.SyncNone: 2, roster.SyncPending: 1, roster.SyncValid: 4, roster.SyncInvalid: 3})
			wantEqual(t, ok(db.CountAgents(ctx, acme.ID)).must(t), map[roster.ProfileType]int{
				roster.ProfileSupervisor: 1})
		})
	}
}

// counted reads rows of keys and a count into a map from the keys, joined, to the count.
func counted(t *testing.T, raw *sql.DB, q string) map[string]int {
	t.Helper()
	rows, err := raw.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for rows.Next() {
		vals := make([]any, len(cols))
		keys := make([]string, len(cols)-1)
		var n int
		for i := range keys {
			vals[i] = &keys[i]
		}
		vals[len(cols)-1] = &n
		if err := rows.Scan(vals...); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprint(keys)] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
