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
)

// deleteExpired removes the rows of kind before before, limit a transaction, until none is
// left, and returns how many each transaction removed.
func deleteExpired(t *testing.T, db *sqldb.DB, kind roster.RetentionKind, before time.Time, limit int) []int {
	t.Helper()
	var batches []int
	for {
		var n int
		write(t, db, func(tx roster.Tx) error {
			var err error
			n, err = tx.DeleteExpired(context.Background(), kind, before, limit)
			return err
		})
		batches = append(batches, n)
		if n < limit {
			return batches
		}
	}
}

func finishedTask(orgID string, finished time.Time) *roster.Task {
	task := newTask(orgID, "import", finished.Add(-time.Hour))
	task.State, task.StartedAt, task.FinishedAt = roster.TaskCompleted, finished.Add(-time.Hour), finished
	return task
}

// mustReport gives a task a report of blocks blocks of one row each and an input file of parts
// parts.
func mustReport(t *testing.T, db *sqldb.DB, taskID string, blocks, parts int) {
	t.Helper()
	ctx := context.Background()
	write(t, db, func(tx roster.Tx) error {
		for i := range blocks {
			row := &roster.TaskRow{TaskID: taskID, Row: i + 1, Email: fmt.Sprintf("u%d@example.com", i), Outcome: "created"}
			if err := tx.CreateTaskRows(ctx, []*roster.TaskRow{row}); err != nil {
				return err
			}
		}
		for i := range parts {
			if err := tx.CreateTaskFilePart(ctx, taskID, i, []byte("email\n")); err != nil {
				return err
			}
		}
		return nil
	})
}

func reportRows(t *testing.T, db *sqldb.DB, taskID string) int {
	t.Helper()
	rows, err := db.FindTaskRows(context.Background(), taskID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

func hasFile(t *testing.T, db *sqldb.DB, taskID string) bool {
	t.Helper()
	_, err := db.FindTaskFilePart(context.Background(), taskID, 0)
	if err != nil && roster.ErrorCode(err) != roster.CodeNotFound {
		t.Fatal(err)
	}
	return err == nil
}

func taskExists(t *testing.T, db *sqldb.DB, orgID, id string) bool {
	t.Helper()
	_, err := db.FindTaskByID(context.Background(), orgID, id)
	if err != nil && roster.ErrorCode(err) != roster.CodeNotFound {
		t.Fatal(err)
	}
	return err == nil
}

func equalInts(a, b []int) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func TestRetentionOfTasks(t *testing.T) {
	t.Parallel()
	cutoff := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org, busy := mustCreateOrg(t, db, "Acme"), mustCreateOrg(t, db, "Busy")
		old, recent := finishedTask(org.ID, cutoff.Add(-time.Hour)), finishedTask(org.ID, cutoff.Add(time.Hour))
		leftovers := finishedTask(org.ID, cutoff.Add(-2*time.Hour))
		queued := newTask(busy.ID, "import", cutoff.Add(-48*time.Hour))
		// Busy runs a task and has one queued: its old finished task and its report stay until they end.
		busyOld, running := finishedTask(busy.ID, cutoff.Add(-time.Hour)), newTask(busy.ID, "import_revert", cutoff)
		mustCreateTasks(t, db, old, recent, leftovers, queued, busyOld, running)
		for _, task := range []*roster.Task{old, recent, leftovers, busyOld} {
			mustReport(t, db, task.ID, 3, 3)
		}

		if got := deleteExpired(t, db, roster.RetainTaskFiles, cutoff, 2); !equalInts(got, []int{2, 2, 2, 2, 1}) {
			t.Errorf("files removed by batch %v, want [2 2 2 2 1]: the files of old, leftovers and busyOld", got)
		}
		if hasFile(t, db, old.ID) || hasFile(t, db, busyOld.ID) || !hasFile(t, db, recent.ID) {
			t.Error("the files of tasks ended before the cutoff are not the ones removed")
		}
		if reportRows(t, db, old.ID) != 3 {
			t.Error("removing the files removed report rows")
		}

		if got := deleteExpired(t, db, roster.RetainTaskReports, cutoff, 4); !equalInts(got, []int{4, 2}) {
			t.Errorf("report blocks removed by batch %v, want [4 2]: those of old and leftovers", got)
		}
		if reportRows(t, db, old.ID) != 0 || reportRows(t, db, recent.ID) != 3 || reportRows(t, db, busyOld.ID) != 3 {
			t.Error("report rows of the wrong tasks removed")
		}

		// Whatever is left of a task's report and file goes with it.
		mustReport(t, db, leftovers.ID, 0, 2)
		write(t, db, func(tx roster.Tx) error {
			return tx.CreateTaskRows(context.Background(), []*roster.TaskRow{{TaskID: leftovers.ID, Row: 9, Outcome: "created"}})
		})
		if got := deleteExpired(t, db, roster.RetainTasks, cutoff, 1); !equalInts(got, []int{1, 1, 0}) {
			t.Errorf("tasks removed by batch %v, want [1 1 0]", got)
		}
		for _, gone := range []*roster.Task{old, leftovers} {
			if taskExists(t, db, org.ID, gone.ID) || reportRows(t, db, gone.ID) != 0 || hasFile(t, db, gone.ID) {
				t.Errorf("task %s ended before the cutoff, or its report or file, is still there", gone.ID)
			}
		}
		if !taskExists(t, db, org.ID, recent.ID) || !taskExists(t, db, busy.ID, queued.ID) {
			t.Error("a task that ended after the cutoff, or has not begun, was removed")
		}
		if !taskExists(t, db, busy.ID, busyOld.ID) || reportRows(t, db, busyOld.ID) != 3 {
			t.Error("a finished task of an organization with a running task was removed")
		}
		if !hasFile(t, db, recent.ID) {
			t.Error("the file of a task ended after the cutoff was removed")
		}
	})
}

func TestRetentionOfOutboxSessionsAndAudit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cutoff := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	before, after := cutoff.Add(-time.Hour), cutoff.Add(time.Hour)
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org := mustCreateOrg(t, db, "Acme")

		// The outbox: sent and failed messages go by their creation, queued ones stay.
		sent, failed, queued, recent := newEmail(org, "u1", before), newEmail(org, "u2", before), newEmail(org, "u3", before), newEmail(org, "u4", after)
		sent.State, failed.State, recent.State = roster.EmailSent, roster.EmailFailed, roster.EmailSent
		write(t, db, func(tx roster.Tx) error { return tx.CreateEmails(ctx, []*roster.Email{sent, failed, queued, recent}) })
		if got := deleteExpired(t, db, roster.RetainEmails, cutoff, 1); !equalInts(got, []int{1, 1, 0}) {
			t.Errorf("emails removed by batch %v, want [1 1 0]", got)
		}
		page, err := db.FindEmails(ctx, roster.EmailFilter{OrgID: org.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Emails) != 2 || page.Emails[0].ID != recent.ID || page.Emails[1].ID != queued.ID {
			t.Errorf("outbox after the sweep: %+v, want the recent and the queued message", page.Emails)
		}

		// Invitations by their expiry.
		expired := &roster.Invitation{ID: roster.NewID(), SecretHash: []byte("a"), OrgID: org.ID, UserID: "u1", CreatedAt: before, ExpiresAt: before}
		valid := &roster.Invitation{ID: roster.NewID(), SecretHash: []byte("b"), OrgID: org.ID, UserID: "u2", CreatedAt: before, ExpiresAt: after}
		write(t, db, func(tx roster.Tx) error { return tx.CreateInvitations(ctx, []*roster.Invitation{expired, valid}) })
		if got := deleteExpired(t, db, roster.RetainInvitations, cutoff, 10); !equalInts(got, []int{1}) {
			t.Errorf("invitations removed %v, want [1]", got)
		}
		if _, err := db.FindInvitation(ctx, expired.ID); roster.ErrorCode(err) != roster.CodeNotFound {
			t.Errorf("expired invitation: %v, want not found", err)
		}
		if _, err := db.FindInvitation(ctx, valid.ID); err != nil {
			t.Errorf("valid invitation: %v", err)
		}

		// Console sessions by their last use.
		idle := &roster.ConsoleSession{ID: roster.NewID(), UserID: "u1", OrgID: org.ID, SecretHash: []byte("s"), CreatedAt: before, LastSeenAt: before}
		used := &roster.ConsoleSession{ID: roster.NewID(), UserID: "u1", OrgID: org.ID, SecretHash: []byte("t"), CreatedAt: before, LastSeenAt: after}
		write(t, db, func(tx roster.Tx) error {
			return errors.Join(tx.CreateConsoleSession(ctx, idle), tx.CreateConsoleSession(ctx, used))
		})
		if got := deleteExpired(t, db, roster.RetainSessions, cutoff, 10); !equalInts(got, []int{1}) {
			t.Errorf("sessions removed %v, want [1]", got)
		}
		if _, err := db.FindConsoleSession(ctx, idle.ID); roster.ErrorCode(err) != roster.CodeNotFound {
			t.Errorf("idle session: %v, want not found", err)
		}
		if _, err := db.FindConsoleSession(ctx, used.ID); err != nil {
			t.Errorf("session in use: %v", err)
		}

		// Sign-in failures by their time.
		write(t, db, func(tx roster.Tx) error {
			return errors.Join(tx.RecordSignInFailure(ctx, "email:a@example.com", before, time.Time{}),
				tx.RecordSignInFailure(ctx, "email:a@example.com", after, time.Time{}))
		})
		if got := deleteExpired(t, db, roster.RetainSignInFailures, cutoff, 10); !equalInts(got, []int{1}) {
			t.Errorf("sign-in failures removed %v, want [1]", got)
		}
		if n, err := db.CountSignInFailures(ctx, "email:a@example.com", time.Time{}); err != nil || n != 1 {
			t.Errorf("sign-in failures left: %d, %v; want 1", n, err)
		}

		// Audit entries by the time in their ids.
		var entries []*roster.AuditEntry
		for i, made := range []time.Time{cutoff.Add(-48 * time.Hour), before, after} {
			entries = append(entries, &roster.AuditEntry{ID: roster.FirstIDAt(made), OrgID: org.ID, At: made,
				ActorKind: "system", Interface: roster.ViaCLI, Action: "user.create", TargetKind: "user",
				TargetID: fmt.Sprintf("u%d", i), Target: "x"})
		}
		write(t, db, func(tx roster.Tx) error { return tx.CreateAuditEntries(ctx, entries) })
		if got := deleteExpired(t, db, roster.RetainAudit, cutoff, 1); !equalInts(got, []int{1, 1, 0}) {
			t.Errorf("audit entries removed by batch %v, want [1 1 0]", got)
		}
		audit, err := db.FindAuditEntries(ctx, roster.AuditFilter{OrgID: org.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(audit.Entries) != 1 || audit.Entries[0].ID != entries[2].ID {
			t.Errorf("audit after the sweep: %+v, want only the entry made after the cutoff", audit.Entries)
		}

		if err := db.Write(ctx, func(tx roster.Tx) error {
			_, err := tx.DeleteExpired(ctx, "users", cutoff, 10)
			return err
		}); err == nil {
			t.Error("DeleteExpired of users: no error")
		}
	})
}

func TestRetentionOfFailedSyncJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cutoff := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org := mustCreateOrg(t, db, "Acme")
		gone, kept, pending := newUser(org, "gone@example.com", "G", "One"), newUser(org, "kept@example.com", "K", "Two"),
			newUser(org, "pending@example.com", "P", "Three")
		mustCreateUsers(t, db, gone, kept, pending)
		write(t, db, func(tx roster.Tx) error {
			return tx.EnqueueSync(ctx, org.ID, []string{gone.ID, kept.ID, pending.ID}, cutoff.Add(-2*time.Hour))
		})
		// gone and kept failed for good an hour before the cutoff; pending waits for a retry.
		write(t, db, func(tx roster.Tx) error {
			jobs, err := tx.ClaimSyncJobs(ctx, "w1", cutoff.Add(-2*time.Hour), time.Minute, 10)
			if err != nil {
				return err
			}
			for _, j := range jobs {
				j.Attempts, j.LastError, j.LastAttemptAt = 1, "refused", cutoff.Add(-time.Hour)
				j.Failed, j.DueAt = j.UserID != pending.ID, cutoff
				if err := tx.SaveSyncJob(ctx, j, "w1"); err != nil {
					return err
				}
			}
			return errors.Join(tx.DeleteUser(ctx, org.ID, gone.ID), tx.DeleteUser(ctx, org.ID, pending.ID))
		})
		if got := deleteExpired(t, db, roster.RetainSyncJobs, cutoff, 10); !equalInts(got, []int{1}) {
			t.Errorf("sync jobs removed %v, want [1]: the failed job of the deleted user", got)
		}
		if _, err := db.FindSyncJob(ctx, gone.ID); roster.ErrorCode(err) != roster.CodeNotFound {
			t.Errorf("failed job of a deleted user: %v, want not found", err)
		}
		for _, u := range []*roster.User{kept, pending} {
			if _, err := db.FindSyncJob(ctx, u.ID); err != nil {
				t.Errorf("job of %s: %v", u.Email, err)
			}
		}
	})
}

// Two nodes sweeping at once share the rows: each row is removed once, and neither fails nor
// waits for the other to finish.
func TestRetentionConcurrentSweeps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cutoff := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		const rows = 200
		write(t, db, func(tx roster.Tx) error {
			for i := range rows {
				if err := tx.RecordSignInFailure(ctx, fmt.Sprintf("addr:10.0.0.%d", i), cutoff.Add(-time.Minute), time.Time{}); err != nil {
					return err
				}
			}
			return nil
		})
		var wg sync.WaitGroup
		removed := make([]int, 2)
		for node := range removed {
			wg.Go(func() {
				for {
					var n int
					err := db.Write(ctx, func(tx roster.Tx) error {
						var err error
						n, err = tx.DeleteExpired(ctx, roster.RetainSignInFailures, cutoff, 7)
						return err
					})
					if err != nil {
						t.Error(err)
						return
					}
					removed[node] += n
					if n == 0 {
						return
					}
				}
			})
		}
		wg.Wait()
		if removed[0]+removed[1] != rows {
			t.Errorf("the nodes removed %v rows, want %d in all", removed, rows)
		}
	})
}
