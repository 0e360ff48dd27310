package sqldb_test

import (
	"context"
	"testing"
	"time"

	"roster"
	"roster/internal/sqldb"
)

func TestQueueStats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		now := at.UTC().Truncate(time.Microsecond)
		stats := func() roster.QueueStats {
			t.Helper()
			s, err := db.QueueStats(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		wantEqual(t, stats(), roster.QueueStats{})

		org := mustCreateOrg(t, db, "Acme")
		u1, u2, u3, u4 := roster.NewID(), roster.NewID(), roster.NewID(), roster.NewID()
		enqueue(t, db, org.ID, now.Add(-3*time.Minute), u1)
		enqueue(t, db, org.ID, now.Add(-2*time.Minute), u2)
		enqueue(t, db, org.ID, now.Add(-time.Minute), u3, u4)
		// u1, the oldest, is held by a worker; u2 gives up and waits for an administrator.
		jobs := claimSync(t, db, "w1", now, 2)
		if len(jobs) != 2 || jobs[0].UserID != u1 || jobs[1].UserID != u2 {
			t.Fatalf("claimed %v", jobUsers(jobs))
		}
		jobs[1].Failed, jobs[1].Attempts, jobs[1].LastError = true, 5, "refused"
		if err := saveSync(db, jobs[1], "w1"); err != nil {
			t.Fatal(err)
		}

		queued, retrying, sent := newEmail(org, u1, now.Add(-10*time.Minute)), newEmail(org, u2, now.Add(-time.Minute)), newEmail(org, u3, now.Add(-time.Hour))
		retrying.Attempts = 2
		sent.State, sent.SentAt, sent.Link = roster.EmailSent, now, ""
		write(t, db, func(tx roster.Tx) error { return tx.CreateEmails(ctx, []*roster.Email{queued, retrying, sent}) })

		wantEqual(t, stats(), roster.QueueStats{
			SyncQueued: 3, SyncInFlight: 1, SyncFailed: 1, SyncOldestDue: now.Add(-3 * time.Minute),
			EmailsQueued: 2, EmailsRetrying: 1, EmailOldestDue: now.Add(-10 * time.Minute),
		})
		// A lease that ran out is no longer in flight.
		s, err := db.QueueStats(ctx, now.Add(2*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if s.SyncInFlight != 0 || s.SyncQueued != 3 {
			t.Errorf("after the lease: %+v", s)
		}
		if pools := db.Pools(); len(pools) == 0 {
			t.Error("no pools")
		}
	})
}
