package provision_test

import (
	"context"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/retention"
	"roster/internal/sqldb/sqldbtest"
)

// What retention removes of an import: first the file its dry run kept, and a real import from
// that dry run is refused as a conflict (upload the file again); then the tasks themselves, and
// the import can no longer be reverted, its dry run no longer imported, and its id answers as
// an unknown task.
func TestImportRemovedByRetention(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		store := sqldbtest.Open(t, engine)
		svc := provision.New(store)
		startWorker(t, store, svc, 0)
		o := newOrg(t, svc, "Acme", orgSpec{})
		full := admin(o, roster.AdminFull)
		csv := "First Name,Last Name,User ID/Email (Required)\r\nAda,Lovelace,ada@acme.example\r\n"
		imp := importFile(t, svc, full, o, provision.ImportAdd, false, csv)
		dry := importFile(t, svc, full, o, provision.ImportAdd, true, "First Name,Last Name,User ID/Email (Required)\r\nBo,Ek,bo@acme.example\r\n")
		if imp.State != roster.TaskCompleted || dry.State != roster.TaskCompleted {
			t.Fatalf("import %s, dry run %s", imp.State, dry.State)
		}
		sweep := func(p retention.Policy, after time.Duration) {
			t.Helper()
			p.SessionIdle, p.SignInWindow = provision.SessionIdle, provision.SignInWindow
			s := retention.New(store, p, retention.Options{Pause: -1, Now: func() time.Time { return time.Now().Add(after) }})
			if _, err := s.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
		}

		// Eight days on: the dry run's file has gone, the tasks stay.
		sweep(retention.Policy{Files: 7 * 24 * time.Hour, Tasks: 90 * 24 * time.Hour}, 8*24*time.Hour)
		_, err := svc.StartImportFromDryRun(ctx, full, o.ID, dry.ID)
		wantCode(t, err, roster.CodeConflict)
		if _, err := svc.Task(ctx, full, o.ID, imp.ID); err != nil {
			t.Fatalf("the import after its dry run's file went: %v", err)
		}

		// Ninety-one days on: the tasks have gone.
		sweep(retention.Policy{Files: 7 * 24 * time.Hour, Tasks: 90 * 24 * time.Hour}, 91*24*time.Hour)
		for _, id := range []string{imp.ID, dry.ID} {
			_, err := svc.Task(ctx, full, o.ID, id)
			wantCode(t, err, roster.CodeNotFound)
		}
		_, err = svc.StartRevert(ctx, full, o.ID, imp.ID)
		wantCode(t, err, roster.CodeNotFound)
		_, err = svc.StartImportFromDryRun(ctx, full, o.ID, dry.ID)
		wantCode(t, err, roster.CodeNotFound)
		// What the import did stays: its user, and the audit trail.
		if u := userByEmail(t, store, "ada@acme.example"); u == nil {
			t.Error("the user the import created went with the import")
		}
		page, err := store.FindAuditEntries(ctx, roster.AuditFilter{OrgID: o.ID, TaskID: imp.ID})
		if err != nil || len(page.Entries) == 0 {
			t.Errorf("audit entries of the removed import: %v, %v; want them kept", page, err)
		}
	})
}
