package sqldb_test

import (
	"context"
	"testing"
	"time"

	"roster"
	"roster/internal/sqldb"
)

// release runs fn, one of the Release methods, in a write transaction and returns its count.
func release(t *testing.T, db *sqldb.DB, fn func(tx roster.Tx) (int, error)) int {
	t.Helper()
	var n int
	write(t, db, func(tx roster.Tx) error {
		var err error
		n, err = fn(tx)
		return err
	})
	return n
}

func TestReleaseTasks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		mine, theirs := newTask("org1", "k", base), newTask("org1", "k", base.Add(time.Second))
		mustCreateTasks(t, db, mine, theirs)
		now, lease := base.Add(10*time.Second), 30*time.Second
		if got, err := claim(db, "w1", now, lease); err != nil || got.ID != mine.ID {
			t.Fatalf("claim by w1 = %+v, %v", got, err)
		}
		if got, err := claim(db, "w2", now, lease); err != nil || got.ID != theirs.ID {
			t.Fatalf("claim by w2 = %+v, %v", got, err)
		}
		// Progress saved before the stop stays with the task.
		held, err := db.FindTaskByID(ctx, "org1", mine.ID)
		if err != nil {
			t.Fatal(err)
		}
		held.Progress, held.Checkpoint = roster.TaskProgress{Done: 4, Total: 10}, 4
		write(t, db, func(tx roster.Tx) error { return tx.SaveTask(ctx, held, "w1") })

		stop := now.Add(time.Second)
		if n := release(t, db, func(tx roster.Tx) (int, error) { return tx.ReleaseTasks(ctx, "w1", stop) }); n != 1 {
			t.Fatalf("released %d tasks, want 1", n)
		}
		// Released twice: nothing more to release.
		if n := release(t, db, func(tx roster.Tx) (int, error) { return tx.ReleaseTasks(ctx, "w1", stop) }); n != 0 {
			t.Fatalf("released again %d tasks, want 0", n)
		}
		got, err := db.FindTaskByID(ctx, "org1", mine.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != roster.TaskRunning || !got.LeaseUntil.Equal(stop) || got.Checkpoint != 4 || got.Progress.Done != 4 {
			t.Fatalf("released task = %+v, want running, lease until %v, checkpoint 4", got, stop)
		}

		// Another worker takes it over at once, long before its lease would have ended; w2's
		// task keeps its lease.
		next := stop.Add(time.Millisecond)
		got, err = claim(db, "w3", next, lease)
		if err != nil || got.ID != mine.ID || got.LeaseOwner != "w3" || got.Attempts != 2 || got.Checkpoint != 4 {
			t.Fatalf("takeover = %+v, %v; want %s by w3, attempt 2, checkpoint 4", got, err, mine.ID)
		}
		_, err = claim(db, "w4", next, lease)
		wantCode(t, err, roster.CodeNotFound)

		// The worker that released it is fenced off.
		stale := *got
		stale.Progress.Done = 99
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.SaveTask(ctx, &stale, "w1") })
		wantCode(t, err, roster.CodeConflict)

		// A finished task is never released into a claim.
		got.State, got.FinishedAt = roster.TaskCompleted, next
		write(t, db, func(tx roster.Tx) error { return tx.SaveTask(ctx, got, "w3") })
		if n := release(t, db, func(tx roster.Tx) (int, error) { return tx.ReleaseTasks(ctx, "w3", next) }); n != 0 {
			t.Fatalf("released %d finished tasks", n)
		}
	})
}

func TestReleaseSyncJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org := mustCreateOrg(t, db, "Acme")
		t0 := at.UTC().Truncate(time.Microsecond)
		u1, u2, u3 := roster.NewID(), roster.NewID(), roster.NewID()
		enqueue(t, db, org.ID, t0, u1, u2)
		enqueue(t, db, org.ID, t0.Add(time.Second), u3)
		now := t0.Add(2 * time.Second)
		if jobs := claimSync(t, db, "w1", now, 2); len(jobs) != 2 {
			t.Fatalf("w1 claimed %v", jobUsers(jobs))
		}
		if jobs := claimSync(t, db, "w2", now, 10); len(jobs) != 1 || jobs[0].UserID != u3 {
			t.Fatalf("w2 claimed %v", jobUsers(jobs))
		}
		// A failed attempt before the stop keeps its retry count and due time through the
		// release.
		j1 := findSyncJob(t, db, u1)
		j1.Attempts, j1.LastError, j1.LastAttemptAt = 1, "busy", now
		if err := saveSync(db, j1, "w1"); err != nil {
			t.Fatal(err)
		}
		claimed := claimSync(t, db, "w1", now, 10)
		wantEqual(t, jobUsers(claimed), []string{u1})

		if n := release(t, db, func(tx roster.Tx) (int, error) { return tx.ReleaseSyncJobs(ctx, "w1") }); n != 2 {
			t.Fatalf("released %d jobs, want 2", n)
		}
		if n := release(t, db, func(tx roster.Tx) (int, error) { return tx.ReleaseSyncJobs(ctx, "w1") }); n != 0 {
			t.Fatalf("released again %d jobs, want 0", n)
		}
		got := findSyncJob(t, db, u1)
		if got.LeaseOwner != "" || !got.LeaseUntil.IsZero() || got.Attempts != 1 || !got.DueAt.Equal(t0) {
			t.Fatalf("released job = %+v", got)
		}
		// Another engine claims them at once, within w1's lease; w2 keeps u3.
		jobs := claimSync(t, db, "w3", now.Add(time.Millisecond), 10)
		wantEqual(t, jobUsers(jobs), []string{u1, u2})
		if got := findSyncJob(t, db, u3); got.LeaseOwner != "w2" {
			t.Fatalf("u3 after w1's release: %+v", got)
		}
		// w1 can no longer settle what it released.
		_, err := completeSync(db, jobs[0], "w1")
		wantCode(t, err, roster.CodeConflict)
	})
}

func TestReleaseEmails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org := mustCreateOrg(t, db, "Acme")
		now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
		var emails []*roster.Email
		for _, u := range []string{"u1", "u2", "u3"} {
			emails = append(emails, newEmail(org, u, now))
		}
		write(t, db, func(tx roster.Tx) error { return tx.CreateEmails(ctx, emails) })
		claimEmails := func(owner string, at time.Time, limit int) []*roster.Email {
			t.Helper()
			var got []*roster.Email
			write(t, db, func(tx roster.Tx) error {
				var err error
				got, err = tx.ClaimEmails(ctx, owner, at, time.Minute, limit)
				return err
			})
			return got
		}
		mine := claimEmails("w1", now, 2)
		if len(mine) != 2 || len(claimEmails("w2", now, 10)) != 1 {
			t.Fatalf("claims did not share the three messages")
		}
		// One of w1's is sent before the stop: it is no longer leased, and stays sent.
		sent := mine[0]
		sent.State, sent.Attempts, sent.SentAt, sent.Link = roster.EmailSent, 1, now, ""
		write(t, db, func(tx roster.Tx) error { return tx.SaveEmail(ctx, sent, "w1") })

		if n := release(t, db, func(tx roster.Tx) (int, error) { return tx.ReleaseEmails(ctx, "w1") }); n != 1 {
			t.Fatalf("released %d messages, want 1", n)
		}
		if n := release(t, db, func(tx roster.Tx) (int, error) { return tx.ReleaseEmails(ctx, "w1") }); n != 0 {
			t.Fatalf("released again %d messages, want 0", n)
		}
		// Another deliverer claims the released one at once, link and all.
		got := claimEmails("w3", now.Add(time.Second), 10)
		if len(got) != 1 || got[0].ID != mine[1].ID || got[0].Link != mine[1].Link || got[0].LeaseOwner != "w3" {
			t.Fatalf("claim after release = %+v, want %s", got, mine[1].ID)
		}
		// w1 can no longer record it.
		stale := *mine[1]
		stale.State = roster.EmailSent
		err := db.Write(ctx, func(tx roster.Tx) error { return tx.SaveEmail(ctx, &stale, "w1") })
		wantCode(t, err, roster.CodeConflict)
	})
}
