package retention_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"roster"
	"roster/internal/retention"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

const day = 24 * time.Hour

var (
	now    = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	policy = retention.Policy{Files: 7 * day, Tasks: 90 * day, Emails: 30 * day, Audit: 0,
		SessionIdle: time.Hour, SignInWindow: 15 * time.Minute}
)

// fixture is a directory with records of every kind, each on either side of its retention.
type fixture struct {
	org                                *roster.Org
	keptFile, oldTask, newTask         *roster.Task
	oldEmail, newEmail                 *roster.Email
	audit                              *roster.AuditEntry
	idleSession, usedSession           *roster.ConsoleSession
	expiredInvitation, validInvitation *roster.Invitation
}

// want is what a sweep of the fixture at now removes with policy.
var want = retention.Removed{
	roster.RetainTaskFiles:      6, // 2 parts of each task: all ended more than 7 days ago
	roster.RetainTaskReports:    3, // the report of the task ended 91 days ago
	roster.RetainTasks:          1,
	roster.RetainEmails:         1,
	roster.RetainSessions:       1,
	roster.RetainSignInFailures: 1,
	roster.RetainInvitations:    1,
}

func newFixture(t *testing.T, db roster.Writer) *fixture {
	t.Helper()
	ctx := context.Background()
	org := &roster.Org{ID: roster.NewID(), Name: "Acme", Platform: roster.PlatformNew,
		Settings: roster.OrgSettings{DefaultLanguage: roster.English}, CreatedAt: now, UpdatedAt: now}
	task := func(ended time.Time) *roster.Task {
		return &roster.Task{ID: roster.NewID(), OrgID: org.ID, Kind: "import", State: roster.TaskCompleted,
			CreatedBy: "tok", CreatedAt: ended.Add(-time.Minute), StartedAt: ended.Add(-time.Minute), FinishedAt: ended}
	}
	email := func(created time.Time) *roster.Email {
		return &roster.Email{ID: roster.NewID(), OrgID: org.ID, UserID: "u1", Kind: roster.EmailInvitation,
			To: "u1@example.com", Language: "en", State: roster.EmailSent, NextAttemptAt: created, CreatedAt: created, SentAt: created}
	}
	session := func(seen time.Time) *roster.ConsoleSession {
		return &roster.ConsoleSession{ID: roster.NewID(), UserID: "u1", OrgID: org.ID, SecretHash: []byte(seen.String()),
			CreatedAt: seen, LastSeenAt: seen}
	}
	invitation := func(expires time.Time) *roster.Invitation {
		return &roster.Invitation{ID: roster.NewID(), SecretHash: []byte(expires.String()), OrgID: org.ID, UserID: "u1",
			CreatedAt: expires.Add(-7 * day), ExpiresAt: expires}
	}
	made := now.Add(-400 * day)
	f := &fixture{org: org,
		keptFile: task(now.Add(-8 * day)), oldTask: task(now.Add(-91 * day)), newTask: task(now.Add(-89 * day)),
		oldEmail: email(now.Add(-31 * day)), newEmail: email(now.Add(-29 * day)),
		audit: &roster.AuditEntry{ID: roster.FirstIDAt(made), OrgID: org.ID, At: made, ActorKind: "system",
			Interface: roster.ViaCLI, Action: "org.create", TargetKind: "org", TargetID: org.ID, Target: org.Name},
		idleSession: session(now.Add(-2 * time.Hour)), usedSession: session(now.Add(-time.Minute)),
		expiredInvitation: invitation(now.Add(-time.Minute)), validInvitation: invitation(now.Add(time.Hour)),
	}
	err := db.Write(ctx, func(tx roster.Tx) error {
		errs := []error{tx.CreateOrg(ctx, org)}
		for _, task := range []*roster.Task{f.keptFile, f.oldTask, f.newTask} {
			errs = append(errs, tx.CreateTask(ctx, task))
			for part := range 2 {
				errs = append(errs, tx.CreateTaskFilePart(ctx, task.ID, part, []byte("email\n")))
			}
		}
		for row := 1; row <= 3; row++ {
			for _, task := range []*roster.Task{f.oldTask, f.newTask} {
				errs = append(errs, tx.CreateTaskRows(ctx, []*roster.TaskRow{{TaskID: task.ID, Row: row, Outcome: "created"}}))
			}
		}
		errs = append(errs, tx.CreateEmails(ctx, []*roster.Email{f.oldEmail, f.newEmail}),
			tx.CreateAuditEntry(ctx, f.audit),
			tx.CreateConsoleSession(ctx, f.idleSession), tx.CreateConsoleSession(ctx, f.usedSession),
			tx.RecordSignInFailure(ctx, "email:u1@example.com", now.Add(-time.Hour), time.Time{}),
			tx.RecordSignInFailure(ctx, "email:u1@example.com", now.Add(-time.Minute), time.Time{}),
			tx.CreateInvitations(ctx, []*roster.Invitation{f.expiredInvitation, f.validInvitation}))
		return errors.Join(errs...)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// check fails t unless what the policy keeps is there and what it removes is not.
func (f *fixture) check(t *testing.T, db roster.Reader) {
	t.Helper()
	ctx := context.Background()
	kept := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v, want it kept", what, err)
		}
	}
	removed := func(what string, err error) {
		t.Helper()
		if roster.ErrorCode(err) != roster.CodeNotFound {
			t.Errorf("%s: %v, want it removed", what, err)
		}
	}
	_, err := db.FindTaskFilePart(ctx, f.keptFile.ID, 0)
	removed("the file of a dry run ended 8 days ago", err)
	_, err = db.FindTaskByID(ctx, f.org.ID, f.keptFile.ID)
	kept("the dry run ended 8 days ago", err)
	_, err = db.FindTaskByID(ctx, f.org.ID, f.oldTask.ID)
	removed("the task ended 91 days ago", err)
	_, err = db.FindTaskByID(ctx, f.org.ID, f.newTask.ID)
	kept("the task ended 89 days ago", err)
	if rows, err := db.FindTaskRows(ctx, f.newTask.ID, 0, 10); err != nil || len(rows) != 3 {
		t.Errorf("report of the task ended 89 days ago: %d rows, %v; want 3", len(rows), err)
	}
	if rows, err := db.FindTaskRows(ctx, f.oldTask.ID, 0, 10); err != nil || len(rows) != 0 {
		t.Errorf("report of the task ended 91 days ago: %d rows, %v; want none", len(rows), err)
	}
	page, err := db.FindEmails(ctx, roster.EmailFilter{OrgID: f.org.ID})
	if err != nil || len(page.Emails) != 1 || page.Emails[0].ID != f.newEmail.ID {
		t.Errorf("outbox: %v, %v; want only the email of 29 days ago", page, err)
	}
	audit, err := db.FindAuditEntries(ctx, roster.AuditFilter{OrgID: f.org.ID})
	if err != nil || len(audit.Entries) != 1 {
		t.Errorf("audit: %v, %v; want the entry of 400 days ago kept (Audit 0)", audit, err)
	}
	_, err = db.FindConsoleSession(ctx, f.idleSession.ID)
	removed("a session unused for 2 hours", err)
	_, err = db.FindConsoleSession(ctx, f.usedSession.ID)
	kept("a session used a minute ago", err)
	if n, err := db.CountSignInFailures(ctx, "email:u1@example.com", time.Time{}); err != nil || n != 1 {
		t.Errorf("sign-in failures: %d, %v; want the one of a minute ago", n, err)
	}
	_, err = db.FindInvitation(ctx, f.expiredInvitation.ID)
	removed("an expired invitation", err)
	_, err = db.FindInvitation(ctx, f.validInvitation.ID)
	kept("an invitation valid for an hour", err)
}

func eachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fn(t, engine)
		})
	}
}

func TestSweep(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		db := sqldbtest.Open(t, engine)
		f := newFixture(t, db)
		var logs bytes.Buffer
		s := retention.New(db, policy, retention.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			Batch: 2, FileBatch: 1, Pause: -1, Now: func() time.Time { return now }})
		removed, err := s.Sweep(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(removed) != fmt.Sprint(want) {
			t.Errorf("removed %v, want %v", removed, want)
		}
		f.check(t, db)
		line := logs.String()
		for _, part := range []string{"retention removed", "task_files=6", "task_reports=3", "tasks=1", "emails=1",
			"console_sessions=1", "signin_failures=1", "invitations=1"} {
			if !strings.Contains(line, part) {
				t.Errorf("log %q lacks %q", line, part)
			}
		}
		if strings.Contains(line, "audit_entries") || strings.Count(line, "\n") != 1 {
			t.Errorf("log %q: want one line, without the kinds that removed nothing", line)
		}

		// Nothing more to remove: nothing logged.
		logs.Reset()
		if removed, err := s.Sweep(context.Background()); err != nil || len(removed) != 0 || logs.Len() != 0 {
			t.Errorf("second sweep removed %v, %v, and logged %q; want nothing", removed, err, logs.String())
		}

		// Two days later, with an audit age: the audit entry goes, and so does what was 2 days
		// short of its time.
		policy := policy
		policy.Audit = 365 * day
		s = retention.New(db, policy, retention.Options{Pause: -1, Now: func() time.Time { return now.Add(2 * day) }})
		if removed, err := s.Sweep(context.Background()); err != nil ||
			fmt.Sprint(removed) != fmt.Sprint(retention.Removed{roster.RetainAudit: 1, roster.RetainTaskReports: 3,
				roster.RetainTasks: 1, roster.RetainEmails: 1, roster.RetainSessions: 1, roster.RetainSignInFailures: 1,
				roster.RetainInvitations: 1}) {
			t.Errorf("sweep two days later with an audit age of 365d removed %v, %v", removed, err)
		}
	})
}

// Two nodes sweeping one database at once remove each record once between them.
func TestSweepTwoNodes(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		cfg := sqldbtest.Config(t, engine)
		first := sqldbtest.OpenConfig(t, cfg)
		if err := first.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		second := sqldbtest.OpenConfig(t, cfg)
		f := newFixture(t, first)
		var wg sync.WaitGroup
		removed := make([]retention.Removed, 2)
		for i, db := range []*sqldb.DB{first, second} {
			wg.Go(func() {
				s := retention.New(db, policy, retention.Options{Batch: 1, FileBatch: 1, Pause: -1, Now: func() time.Time { return now }})
				var err error
				if removed[i], err = s.Sweep(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		total := retention.Removed{}
		for _, r := range removed {
			for kind, n := range r {
				total[kind] += n
			}
		}
		if fmt.Sprint(total) != fmt.Sprint(want) {
			t.Errorf("the two nodes removed %v and %v, %v in all; want %v", removed[0], removed[1], total, want)
		}
		f.check(t, first)
	})
}

// Run sweeps shortly after it starts, and stops with its context.
func TestRun(t *testing.T) {
	t.Parallel()
	db := sqldbtest.Open(t, sqldb.EngineSQLite)
	f := newFixture(t, db)
	logs := &syncBuffer{}
	s := retention.New(db, policy, retention.Options{Logger: slog.New(slog.NewTextHandler(logs, nil)),
		FirstAfter: time.Millisecond, Every: time.Hour, Now: func() time.Time { return now }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "retention removed") {
		if time.Now().After(deadline) {
			t.Fatalf("no sweep logged after 10 s: %q", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	f.check(t, db)
}

// TestRunFoldsCounters: users written in two transactions leave two rows of counts of one key on
// PostgreSQL; Run folds them into one between its sweeps. SQLite keeps one row a key already.
func TestRunFoldsCounters(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, cfg := sqldbtest.OpenWithConfig(t, engine)
			f := newFixture(t, db)
			for _, email := range []string{"a@example.com", "b@example.com"} {
				u := &roster.User{ID: roster.NewID(), OrgID: f.org.ID, Email: email, FirstName: "A", LastName: "B",
					PreferredLanguage: roster.English, Status: roster.StatusPending, License: roster.LicenseNone,
					CCRole: roster.RoleAgent, AdminRole: roster.AdminNone, SyncStatus: roster.SyncNone, CreatedAt: now, UpdatedAt: now}
				if err := db.Write(ctx, func(tx roster.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
					t.Fatal(err)
				}
			}
			raw := sqldbtest.Raw(t, cfg)
			rows := func() (n int) {
				if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_counts`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			if engine == sqldb.EnginePostgres && rows() != 2 {
				t.Fatalf("%d rows of counts before folding, want 2", rows())
			}
			s := retention.New(db, policy, retention.Options{FirstAfter: time.Hour, FoldEvery: time.Millisecond})
			runCtx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- s.Run(runCtx) }()
			deadline := time.Now().Add(10 * time.Second)
			for rows() != 1 {
				if time.Now().After(deadline) {
					t.Fatalf("%d rows of counts after 10 s of folds, want 1", rows())
				}
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v, want context.Canceled", err)
			}
			counts, err := db.CountUsersBySyncStatus(ctx, f.org.ID)
			if err != nil || counts[roster.SyncNone] != 2 {
				t.Fatalf("users by sync status after folding: %v %v", counts, err)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer the sweeper's goroutine writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Files kept forever still go with their tasks, in the files' own batches before the tasks'.
func TestSweepFilesKeptForever(t *testing.T) {
	t.Parallel()
	db := sqldbtest.Open(t, sqldb.EngineSQLite)
	f := newFixture(t, db)
	s := retention.New(db, retention.Policy{Tasks: 90 * day}, retention.Options{Pause: -1, Now: func() time.Time { return now }})
	removed, err := s.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := retention.Removed{roster.RetainTaskFiles: 2, roster.RetainTaskReports: 3, roster.RetainTasks: 1, roster.RetainInvitations: 1}
	if fmt.Sprint(removed) != fmt.Sprint(want) {
		t.Errorf("removed %v, want %v: the file and report of the task ended 91 days ago", removed, want)
	}
	if _, err := db.FindTaskFilePart(context.Background(), f.keptFile.ID, 0); err != nil {
		t.Errorf("the file of the dry run ended 8 days ago: %v, want it kept", err)
	}
}
