package provision_test

import (
	"context"
	"testing"

	"roster"
	"roster/internal/contactcenter"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// settleSync delivers every queued contact-center job, as the sync engine does a moment after
// each change; its agent.* audit entries then follow the change that caused them.
func settleSync(t *testing.T, store roster.Store) {
	t.Helper()
	engine := contactcenter.New(store, contactcenter.NewBuiltin(store), contactcenter.Options{Logger: quiet})
	for {
		n, err := engine.DeliverDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// TestRevertAfterSync reverts imports and a template application after the contact center
// followed them: the sync's own entries are consequences of the change, not changes since.
func TestRevertAfterSync(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		store := sqldbtest.Open(t, engine)
		svc := provision.New(store)
		startWorker(t, store, svc, 0)
		o := newOrg(t, svc, "Acme", orgSpec{})
		full := admin(o, roster.AdminFull)
		sup := mustCreate(t, svc, o, provision.NewUser{Email: "sup@acme.example", License: roster.LicensePremium, CCRole: roster.RoleSupervisor})
		kept := mustCreate(t, svc, o, provision.NewUser{Email: "kept@acme.example", License: roster.LicenseStandard})
		later := mustCreate(t, svc, o, provision.NewUser{Email: "later@acme.example", License: roster.LicenseStandard})
		settleSync(t, store)

		revert := func(taskID string) (*roster.Task, string) {
			t.Helper()
			rev, err := svc.StartRevert(ctx, full, o.ID, taskID)
			if err != nil {
				t.Fatal(err)
			}
			rev = waitTask(t, svc, o, rev.ID)
			return rev, report(t, svc, o, rev.ID)
		}

		// An import that removes licenses (and drops the supervisor role), then a real change
		// to one of its users, then the sync of all of it.
		task := importFile(t, svc, full, o, provision.ImportAddRemove, false,
			"Email,Contact Center Standard Agent,Contact Center Premium Agent\n"+
				"sup@acme.example,FALSE,FALSE\nkept@acme.example,FALSE,FALSE\nlater@acme.example,FALSE,FALSE\n")
		if task.Counts.Updated != 3 {
			t.Fatalf("import %s", counts(task.Counts))
		}
		if _, err := svc.UpdateUser(ctx, full, o.ID, later.ID, provision.UserChange{Title: ptr("Night shift")}, 0); err != nil {
			t.Fatal(err)
		}
		settleSync(t, store)
		rev, got := revert(task.ID)
		if want := "2 updated \n3 updated \n4 warning changed_since_import"; got != want {
			t.Errorf("revert report:\n%s\nwant:\n%s", got, want)
		}
		if rev.State != roster.TaskCompleted || rev.Progress.Done != rev.Progress.Total {
			t.Errorf("revert %s, progress %+v", rev.State, rev.Progress)
		}
		if u := userByEmail(t, store, sup.Email); u.License != roster.LicensePremium || u.CCRole != roster.RoleSupervisor {
			t.Errorf("supervisor after revert: %s %s", u.License, u.CCRole)
		}
		if u := userByEmail(t, store, kept.Email); u.License != roster.LicenseStandard {
			t.Errorf("kept after revert: %s", u.License)
		}
		if u := userByEmail(t, store, later.Email); u.License != roster.LicenseNone || u.Title != "Night shift" {
			t.Errorf("later, changed since, was reverted: %s %q", u.License, u.Title)
		}

		// An import that grants licenses and creates a user, synchronized, then reverted.
		task = importFile(t, svc, full, o, provision.ImportAdd, false,
			"Email,Contact Center Premium Agent\nlater@acme.example,TRUE\nnew@acme.example,TRUE\n")
		settleSync(t, store)
		if _, got := revert(task.ID); got != "2 updated \n3 updated " {
			t.Errorf("revert of the granting import:\n%s", got)
		}
		if u := userByEmail(t, store, later.Email); u.License != roster.LicenseNone {
			t.Errorf("later after revert: %s", u.License)
		}
		if userByEmail(t, store, "new@acme.example") != nil {
			t.Error("the user the import created is still there")
		}

		// A template application, synchronized, then reverted.
		if _, err := svc.SetLicenseAssignment(ctx, full, o.ID, roster.LicenseAssignment{Mode: roster.AssignOrg, License: roster.LicenseStandard}, 0); err != nil {
			t.Fatal(err)
		}
		apply, err := svc.StartApplyTemplate(ctx, full, o.ID, provision.ApplyOptions{ConfirmProfileReset: true})
		if err != nil {
			t.Fatal(err)
		}
		apply = waitTask(t, svc, o, apply.ID)
		settleSync(t, store)
		if u := userByEmail(t, store, later.Email); u.License != roster.LicenseStandard {
			t.Fatalf("later after the template: %s", u.License)
		}
		if rev, got := revert(apply.ID); rev.Counts.Warnings+rev.Counts.Errors != 0 {
			t.Errorf("revert of the template application:\n%s", got)
		}
		if u := userByEmail(t, store, later.Email); u.License != roster.LicenseNone {
			t.Errorf("later after reverting the template: %s", u.License)
		}
	})
}
