package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"roster"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

func enqueue(t testing.TB, db *sqldb.DB, orgID string, now time.Time, userIDs ...string) {
	t.Helper()
	write(t, db, func(tx roster.Tx) error { return tx.EnqueueSync(context.Background(), orgID, userIDs, now) })
}

func claimSync(t testing.TB, db *sqldb.DB, owner string, now time.Time, limit int) []*roster.SyncJob {
	t.Helper()
	var jobs []*roster.SyncJob
	write(t, db, func(tx roster.Tx) error {
		var err error
		jobs, err = tx.ClaimSyncJobs(context.Background(), owner, now, time.Minute, limit)
		return err
	})
	return jobs
}

func completeSync(db *sqldb.DB, j *roster.SyncJob, owner string) (bool, error) {
	var deleted bool
	err := db.Write(context.Background(), func(tx roster.Tx) error {
		var err error
		deleted, err = tx.CompleteSyncJob(context.Background(), j, owner)
		return err
	})
	return deleted, err
}

func saveSync(db *sqldb.DB, j *roster.SyncJob, owner string) error {
	return db.Write(context.Background(), func(tx roster.Tx) error {
		return tx.SaveSyncJob(context.Background(), j, owner)
	})
}

func findSyncJob(t testing.TB, db *sqldb.DB, userID string) *roster.SyncJob {
	t.Helper()
	j, err := db.FindSyncJob(context.Background(), userID)
	if err != nil {
		t.Fatalf("find sync job of %s: %v", userID, err)
	}
	return j
}

func jobUsers(jobs []*roster.SyncJob) []string {
	ids := []string{}
	for _, j := range jobs {
		ids = append(ids, j.UserID)
	}
	return ids
}

func TestSyncJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org := mustCreateOrg(t, db, "Acme")
		t0 := at.UTC().Truncate(time.Microsecond)
		u1, u2, u3 := roster.NewID(), roster.NewID(), roster.NewID()

		// Twice in one call and once more: one job, a generation a change.
		enqueue(t, db, org.ID, t0.Add(time.Second), u1, u2, u1)
		enqueue(t, db, org.ID, t0, u2)
		wantEqual(t, findSyncJob(t, db, u1), &roster.SyncJob{UserID: u1, OrgID: org.ID, Generation: 1, DueAt: t0.Add(time.Second)})
		wantEqual(t, findSyncJob(t, db, u2), &roster.SyncJob{UserID: u2, OrgID: org.ID, Generation: 2, DueAt: t0})
		_, err := db.FindSyncJob(ctx, u3)
		wantCode(t, err, roster.CodeNotFound)

		// A claim takes the due jobs, oldest due first; a second claimer gets nothing while
		// the lease holds.
		now := t0.Add(2 * time.Second)
		if jobs := claimSync(t, db, "w1", now.Add(-1500*time.Millisecond), 10); len(jobs) != 1 || jobs[0].UserID != u2 {
			t.Fatalf("claim before u1 is due: %v", jobUsers(jobs))
		}
		jobs := claimSync(t, db, "w1", now, 10)
		wantEqual(t, jobUsers(jobs), []string{u1})
		wantEqual(t, jobs[0], &roster.SyncJob{UserID: u1, OrgID: org.ID, Generation: 1, DueAt: t0.Add(time.Second),
			LeaseOwner: "w1", LeaseUntil: now.Add(time.Minute)})
		j1 := jobs[0]
		j2 := findSyncJob(t, db, u2)
		if j2.LeaseOwner != "w1" || j2.Generation != 2 {
			t.Fatalf("u2 after claim: %+v", j2)
		}
		if jobs := claimSync(t, db, "w2", now.Add(30*time.Second), 10); len(jobs) != 0 {
			t.Fatalf("claimed while leased: %v", jobUsers(jobs))
		}

		// Delivered with no change since: the job goes.
		if deleted, err := completeSync(db, j2, "w1"); err != nil || !deleted {
			t.Fatalf("complete u2: %v %v", deleted, err)
		}
		_, err = db.FindSyncJob(ctx, u2)
		wantCode(t, err, roster.CodeNotFound)
		_, err = completeSync(db, j2, "w1")
		wantCode(t, err, roster.CodeConflict)

		// A change during delivery: the job stays, released and due at the change.
		enqueue(t, db, org.ID, now.Add(time.Second), u1)
		if deleted, err := completeSync(db, j1, "w1"); err != nil || deleted {
			t.Fatalf("complete u1 after a change: %v %v", deleted, err)
		}
		wantEqual(t, findSyncJob(t, db, u1), &roster.SyncJob{UserID: u1, OrgID: org.ID, Generation: 2, DueAt: now.Add(time.Second)})
		_, err = completeSync(db, j1, "w1")
		wantCode(t, err, roster.CodeConflict)

		// An expired lease is claimable again, and its former owner can neither complete nor
		// save the job.
		now = now.Add(time.Minute)
		jobs = claimSync(t, db, "w2", now, 10)
		wantEqual(t, jobUsers(jobs), []string{u1})
		if jobs := claimSync(t, db, "w3", now.Add(time.Minute), 10); len(jobs) != 0 {
			t.Fatalf("claimed at the end of the lease: %v", jobUsers(jobs))
		}
		now = now.Add(time.Minute + time.Microsecond)
		jobs = claimSync(t, db, "w3", now, 10)
		wantEqual(t, jobUsers(jobs), []string{u1})
		j1 = jobs[0]
		_, err = completeSync(db, j1, "w2")
		wantCode(t, err, roster.CodeConflict)
		if msg := roster.ErrorMessage(err); msg != "This worker no longer holds the sync job." {
			t.Errorf("message %q", msg)
		}
		wantCode(t, saveSync(db, j1, "w2"), roster.CodeConflict)

		// A failed attempt backs off.
		failed := *j1
		failed.Attempts, failed.DueAt, failed.LastError, failed.LastAttemptAt = 1, now.Add(5*time.Minute), "timeout", now
		if err := saveSync(db, &failed, "w3"); err != nil {
			t.Fatal(err)
		}
		wantEqual(t, findSyncJob(t, db, u1), &roster.SyncJob{UserID: u1, OrgID: org.ID, Generation: 2,
			DueAt: now.Add(5 * time.Minute), Attempts: 1, LastError: "timeout", LastAttemptAt: now})
		if jobs := claimSync(t, db, "w3", now.Add(4*time.Minute), 10); len(jobs) != 0 {
			t.Fatalf("claimed before its retry: %v", jobUsers(jobs))
		}
		now = now.Add(5 * time.Minute)
		jobs = claimSync(t, db, "w3", now, 10)
		wantEqual(t, jobUsers(jobs), []string{u1})
		if jobs[0].Attempts != 1 || jobs[0].LastError != "timeout" {
			t.Fatalf("claimed retry: %+v", jobs[0])
		}

		// Out of retries: failed, and never claimed again until a change revives it.
		failed = *jobs[0]
		failed.Attempts, failed.Failed, failed.LastError, failed.LastAttemptAt = 2, true, "refused", now
		if err := saveSync(db, &failed, "w3"); err != nil {
			t.Fatal(err)
		}
		if jobs := claimSync(t, db, "w3", now.Add(24*time.Hour), 10); len(jobs) != 0 {
			t.Fatalf("claimed a failed job: %v", jobUsers(jobs))
		}
		if j := findSyncJob(t, db, u1); !j.Failed || j.Attempts != 2 || j.LastError != "refused" {
			t.Fatalf("failed job: %+v", j)
		}
		now = now.Add(time.Hour)
		enqueue(t, db, org.ID, now, u1)
		wantEqual(t, findSyncJob(t, db, u1), &roster.SyncJob{UserID: u1, OrgID: org.ID, Generation: 3,
			DueAt: now, LastError: "refused", LastAttemptAt: failed.LastAttemptAt})

		// A change during a failed attempt wins: the retries start over, due at the change.
		jobs = claimSync(t, db, "w4", now, 10)
		wantEqual(t, jobUsers(jobs), []string{u1})
		enqueue(t, db, org.ID, now.Add(time.Second), u1)
		failed = *jobs[0]
		failed.Attempts, failed.Failed, failed.DueAt = 9, true, now.Add(time.Hour)
		failed.LastError, failed.LastAttemptAt = "unavailable", now.Add(2*time.Second)
		if err := saveSync(db, &failed, "w4"); err != nil {
			t.Fatal(err)
		}
		wantEqual(t, findSyncJob(t, db, u1), &roster.SyncJob{UserID: u1, OrgID: org.ID, Generation: 4,
			DueAt: now.Add(time.Second), LastError: "unavailable", LastAttemptAt: now.Add(2 * time.Second)})
		jobs = claimSync(t, db, "w5", now.Add(2*time.Second), 10)
		wantEqual(t, jobUsers(jobs), []string{u1})
		if deleted, err := completeSync(db, jobs[0], "w5"); err != nil || !deleted {
			t.Fatalf("complete: %v %v", deleted, err)
		}

		// The limit, and the order by due time then user.
		ids := []string{roster.NewID(), roster.NewID(), roster.NewID(), roster.NewID()}
		enqueue(t, db, org.ID, now.Add(time.Second), ids[3], ids[2])
		enqueue(t, db, org.ID, now, ids[1], ids[0])
		wantEqual(t, jobUsers(claimSync(t, db, "w6", now.Add(time.Hour), 3)), ids[:3])
		wantEqual(t, jobUsers(claimSync(t, db, "w6", now.Add(time.Hour), 3)), ids[3:])
		if jobs := claimSync(t, db, "w6", now.Add(time.Hour), 0); len(jobs) != 0 {
			t.Fatalf("limit 0 claimed %v", jobUsers(jobs))
		}
	})
}

func TestSetSyncStatuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		beta := mustCreateOrg(t, db, "Beta")
		var users []*roster.User
		statuses := make(map[string]roster.SyncStatus)
		for i := range 250 { // more than one statement per status
			u := newUser(acme, fmt.Sprintf("u%03d@example.com", i), "U", "Ser")
			users = append(users, u)
			statuses[u.ID] = []roster.SyncStatus{roster.SyncValid, roster.SyncPending, roster.SyncInvalid}[i%3]
		}
		outsider := newUser(beta, "b@example.com", "B", "Eta")
		statuses[outsider.ID] = roster.SyncValid // of another organization: left alone
		statuses[roster.NewID()] = roster.SyncValid
		mustCreateUsers(t, db, append(users, outsider)...)
		write(t, db, func(tx roster.Tx) error { return tx.SetSyncStatuses(ctx, acme.ID, statuses) })
		for _, u := range users {
			got, err := db.FindUserByID(ctx, acme.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := *u
			want.SyncStatus = statuses[u.ID]
			wantEqual(t, got, &want) // the version and update time too
		}
		wantEqual(t, ok(db.FindUserByID(ctx, beta.ID, outsider.ID)).must(t), outsider)
		wantEqual(t, ok(db.CountUsersBySyncStatus(ctx, acme.ID)).must(t), map[roster.SyncStatus]int{
			roster.SyncValid: 84, roster.SyncPending: 83, roster.SyncInvalid: 83})
		write(t, db, func(tx roster.Tx) error { return tx.SetSyncStatuses(ctx, acme.ID, nil) })
	})
}

// TestFindSyncEntries pages through an organization's users in id order, each with the state
// its agent must hold and the directory fields of the agent it has.
func TestFindSyncEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		beta := mustCreateOrg(t, db, "Beta")
		var users []*roster.User
		for i := range 5 {
			u := newUser(acme, fmt.Sprintf("u%d@example.com", 4-i), "U", fmt.Sprint(i)) // emails against id order
			u.License, u.SyncStatus = roster.LicenseStandard, roster.SyncPending
			users = append(users, u)
		}
		users[1].License, users[1].CCRole, users[1].UserProfileID = roster.LicensePremium, roster.RoleSupervisor, roster.NewID()
		users[2].Status = roster.StatusInactive
		users[3].License, users[3].SyncStatus = roster.LicenseNone, roster.SyncNone
		outsider := newUser(beta, "b@example.com", "B", "Eta")
		mustCreateUsers(t, db, append(users, outsider)...)
		held := newAgent(users[1]) // an agent behind the directory, with fields of its own
		held.LastName, held.SiteID = "Old", "site-1"
		mustCreateAgents(t, db, held, newAgent(outsider))

		page := ok(db.FindSyncEntries(ctx, acme.ID, "", 2)).must(t)
		page = append(page, ok(db.FindSyncEntries(ctx, acme.ID, page[1].State.UserID, 10)).must(t)...)
		var want []*roster.SyncEntry
		for _, u := range users {
			want = append(want, &roster.SyncEntry{State: roster.AgentStateOf(u), Status: u.SyncStatus})
		}
		want[1].Agent = &roster.Agent{UserID: held.UserID, OrgID: acme.ID, Email: held.Email, FirstName: held.FirstName,
			LastName: "Old", ProfileType: roster.ProfileStandardAgent, Active: true}
		wantEqual(t, page, want)
		if want[1].State.ProfileType != roster.ProfileSupervisor || want[2].State.Active || want[3].State.ProfileType != roster.ProfileNone {
			t.Fatalf("the fixture does not vary the states: %+v", want)
		}
		wantEqual(t, len(ok(db.FindSyncEntries(ctx, acme.ID, users[4].ID, 10)).must(t)), 0)
	})
}

// TestEnqueueSyncBulk enqueues the users of a bulk write twice, as a 10,000-user import that
// is changed again would, and checks that it stays fast.
func TestEnqueueSyncBulk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org := mustCreateOrg(t, db, "Acme")
		ids := make([]string, 10_000)
		for i := range ids {
			ids[i] = roster.NewID()
		}
		start := time.Now()
		enqueue(t, db, org.ID, at, ids...)
		enqueue(t, db, org.ID, at.Add(time.Second), ids...)
		elapsed := time.Since(start)
		t.Logf("enqueued 2 × %d users in %v", len(ids), elapsed)
		for _, id := range []string{ids[0], ids[len(ids)-1]} {
			if j := findSyncJob(t, db, id); j.Generation != 2 {
				t.Fatalf("generation %d", j.Generation)
			}
		}
		var claimed int
		write(t, db, func(tx roster.Tx) error {
			jobs, err := tx.ClaimSyncJobs(ctx, "w", at.Add(time.Minute), time.Minute, len(ids)+1)
			claimed = len(jobs)
			return err
		})
		if claimed != len(ids) {
			t.Fatalf("claimed %d jobs, want %d", claimed, len(ids))
		}
	})
}

// TestClaimSyncJobsConcurrently claims from one database on two nodes at once: no job goes to
// both.
func TestClaimSyncJobsConcurrently(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			cfg := sqldbtest.Config(t, engine)
			nodes := make([]*sqldb.DB, 2)
			for i := range nodes {
				nodes[i] = sqldbtest.OpenConfig(t, cfg)
			}
			if err := nodes[0].Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			org := mustCreateOrg(t, nodes[0], "Acme")
			const n = 200
			ids := make([]string, n)
			for i := range ids {
				ids[i] = roster.NewID()
			}
			enqueue(t, nodes[0], org.ID, at, ids...)

			var mu sync.Mutex
			claimed := make(map[string]int)
			var wg sync.WaitGroup
			errs := make([]error, len(nodes))
			for i, db := range nodes {
				wg.Go(func() {
					owner := fmt.Sprintf("w%d", i)
					for {
						var jobs []*roster.SyncJob
						errs[i] = db.Write(context.Background(), func(tx roster.Tx) error {
							var err error
							jobs, err = tx.ClaimSyncJobs(context.Background(), owner, at.Add(time.Minute), time.Hour, 7)
							return err
						})
						if errs[i] != nil || len(jobs) == 0 {
							return
						}
						mu.Lock()
						for _, j := range jobs {
							if j.LeaseOwner != owner {
								errs[i] = fmt.Errorf("job of %s leased to %q", j.UserID, j.LeaseOwner)
							}
							claimed[j.UserID]++
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			if len(claimed) != n {
				t.Fatalf("%d jobs claimed, want %d", len(claimed), n)
			}
			for id, c := range claimed {
				if c != 1 {
					t.Fatalf("job %s claimed %d times", id, c)
				}
			}
		})
	}
}
