package contactcenter_test

import (
	"sync/atomic"
	"testing"

	"roster"
	"roster/internal/contactcenter"
	"roster/internal/provision"
)

// TestRetrySync retries one user's failed sync: refused while it has not failed, queued with a
// fresh retry budget once it has (pending, then invalid again while the contact center still
// refuses, valid once it accepts), allowed to contact center service administrators, refused
// to read-only ones, and recorded in the audit log.
func TestRetrySync(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		var refuse atomic.Bool
		refuse.Store(true)
		f := newFixture(t, engine, func(s roster.Store) roster.Connector {
			return contactcenter.NewFault(contactcenter.NewBuiltin(s), contactcenter.FaultConfig{
				Permanent: func(string) bool { return refuse.Load() }})
		})
		ccService := f.full
		ccService.Role = roster.AdminCCService
		readOnly := f.full
		readOnly.Role = roster.AdminReadOnly

		none, err := f.svc.CreateUser(f.ctx, f.full, f.org.ID, provision.NewUser{Email: "none@example.com", License: roster.LicenseNone})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RetrySync(f.ctx, f.full, f.org.ID, none.ID); roster.ErrorCode(err) != roster.CodeConflict {
			t.Fatalf("retry of a user whose sync did not fail: %v", err)
		}
		u, err := f.svc.CreateUser(f.ctx, f.full, f.org.ID, provision.NewUser{Email: "ada@example.com", License: roster.LicenseStandard})
		if err != nil {
			t.Fatal(err)
		}
		f.waitFor("invalid", func() bool { return f.user(u.ID).SyncStatus == roster.SyncInvalid })
		job, err := f.svc.SyncState(f.ctx, f.full, f.org.ID, u.ID)
		if err != nil || job == nil || !job.Failed || job.LastError == "" || job.LastAttemptAt.IsZero() {
			t.Fatalf("failed sync: %+v %v", job, err)
		}
		version := f.user(u.ID).Version

		if _, err := f.svc.RetrySync(f.ctx, readOnly, f.org.ID, u.ID); roster.ErrorCode(err) != roster.CodeForbidden {
			t.Fatalf("read-only administrator: %v", err)
		}
		if _, err := f.svc.RetrySync(f.ctx, f.full, f.org.ID, roster.NewID()); roster.ErrorCode(err) != roster.CodeNotFound {
			t.Fatalf("unknown user: %v", err)
		}
		// Still refused by the contact center: the retry runs and fails again.
		attempts := job.Attempts
		got, err := f.svc.RetrySync(f.ctx, ccService, f.org.ID, u.ID)
		if err != nil || got.SyncStatus != roster.SyncPending {
			t.Fatalf("retry: %+v %v", got, err)
		}
		f.waitFor("invalid again", func() bool {
			j, err := f.svc.SyncState(f.ctx, f.full, f.org.ID, u.ID)
			return err == nil && j != nil && j.Failed && j.LastAttemptAt.After(job.LastAttemptAt) &&
				f.user(u.ID).SyncStatus == roster.SyncInvalid
		})
		if j, _ := f.svc.SyncState(f.ctx, f.full, f.org.ID, u.ID); j.Attempts > attempts {
			// A refusal fails at once: one attempt of a fresh budget, not one more of the old.
			t.Errorf("attempts after the retry: %d, want at most %d", j.Attempts, attempts)
		}
		// Accepted now: the retry delivers the user.
		refuse.Store(false)
		if _, err := f.svc.RetrySync(f.ctx, f.full, f.org.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		f.waitFor("valid", func() bool { return f.user(u.ID).SyncStatus == roster.SyncValid })
		if a := f.agent(u.ID); a == nil || a.ProfileType != roster.ProfileStandardAgent {
			t.Fatalf("agent: %+v", a)
		}
		if j, err := f.svc.SyncState(f.ctx, f.full, f.org.ID, u.ID); j != nil || err != nil {
			t.Errorf("sync job left after delivery: %+v %v", j, err)
		}
		if v := f.user(u.ID).Version; v != version {
			t.Errorf("version %d, want %d: a retry changes no field of the user", v, version)
		}
		retries := 0
		for _, e := range f.audit(roster.AuditFilter{TargetID: u.ID, Action: "user.retry_sync"}) {
			if e == `user.retry_sync ada@example.com {"syncStatus":"invalid"} → {"syncStatus":"pending"}` {
				retries++
			}
		}
		if retries != 2 {
			t.Errorf("audited retries: %d, want 2", retries)
		}
	})
}
