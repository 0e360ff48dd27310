package provision_test

import (
	"testing"

	"roster"
	"roster/internal/provision"
)

// TestPreviewMemberRemoval counts, before a removal, the members that would lose the group's
// license and those another source keeps it for; the removal then does what it said.
func TestPreviewMemberRemoval(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		f := newGroupsFixture(t, engine, orgSpec{})
		only := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "only@example.com"})
		both := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "both@example.com"})
		direct := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "direct@example.com", License: roster.LicensePremium})
		outside := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "outside@example.com"})
		f.join(f.prem, only, both, direct)
		second := f.group("Night shift", roster.LicensePremium)
		f.join(second, both)
		f.join(f.std, outside)

		whole, err := f.svc.PreviewMemberRemoval(f.ctx, f.full, f.org.ID, f.prem.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if *whole != (provision.RemovalPreview{Members: 3, Lose: 1, Keep: 2}) {
			t.Errorf("whole group: %+v", *whole)
		}
		// Users outside the group are not counted; a group granting nothing loses nothing.
		some, err := f.svc.PreviewMemberRemoval(f.ctx, f.full, f.org.ID, f.prem.ID, []string{only.ID, outside.ID})
		if err != nil {
			t.Fatal(err)
		}
		if *some != (provision.RemovalPreview{Members: 1, Lose: 1}) {
			t.Errorf("some members: %+v", *some)
		}
		readOnly := admin(f.org, roster.AdminReadOnly)
		if _, err := f.svc.PreviewMemberRemoval(f.ctx, readOnly, f.org.ID, f.prem.ID, nil); err != nil {
			t.Errorf("a read-only administrator reads the preview: %v", err)
		}
		_, err = f.svc.PreviewMemberRemoval(f.ctx, f.full, f.org.ID, "no-such-group", nil)
		wantCode(t, err, roster.CodeNotFound)
		other := newOrg(t, f.svc, "Other", orgSpec{})
		_, err = f.svc.PreviewMemberRemoval(f.ctx, admin(other, roster.AdminFull), f.org.ID, f.prem.ID, nil)
		wantCode(t, err, roster.CodeNotFound)

		if err := f.svc.DeleteGroup(f.ctx, f.full, f.org.ID, f.prem.ID, 0); err != nil {
			t.Fatal(err)
		}
		for u, want := range map[*roster.User]string{
			only:   "none []",
			both:   "premium [Night shift=premium]",
			direct: "premium [direct=premium]",
		} {
			if got := f.license(u); got != want {
				t.Errorf("%s after the deletion: %s, want %s", u.Email, got, want)
			}
		}
	})
}

// TestApplyFromDryRun runs for real what a dry run previewed, and refuses when the template
// changed since or the task is no dry run.
func TestApplyFromDryRun(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		f := newGroupsFixture(t, engine, orgSpec{})
		startWorker(t, f.store, f.svc, 0)
		f.setMode(roster.AssignOrg, roster.LicenseStandard)
		u := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "u@example.com", License: roster.LicenseNone})
		dry, err := f.svc.StartApplyTemplate(f.ctx, f.full, f.org.ID, provision.ApplyOptions{DryRun: true, PreserveLicenses: true})
		if err != nil {
			t.Fatal(err)
		}
		dry = waitTask(t, f.svc, f.org, dry.ID)
		at, ok := provision.ApplyTaskOf(dry)
		if !ok || !at.Options.DryRun || !at.Options.PreserveLicenses || at.Mode != roster.AssignOrg || at.Summary.LicenseChanges != 1 {
			t.Fatalf("dry run: %+v %v", at, ok)
		}
		rows, err := f.svc.TaskRows(f.ctx, f.full, f.org.ID, dry.ID, 0, 10)
		if err != nil || len(rows) != 1 || rows[0].Email != "u@example.com" {
			t.Fatalf("rows of the dry run: %v %+v", err, rows)
		}
		_, err = f.svc.StartApplyFromDryRun(f.ctx, admin(f.org, roster.AdminReadOnly), f.org.ID, dry.ID, false)
		wantCode(t, err, roster.CodeForbidden)

		f.setMode(roster.AssignOrg, roster.LicensePremium)
		_, err = f.svc.StartApplyFromDryRun(f.ctx, f.full, f.org.ID, dry.ID, false)
		wantCode(t, err, roster.CodeConflict)
		f.setMode(roster.AssignOrg, roster.LicenseStandard)

		real, err := f.svc.StartApplyFromDryRun(f.ctx, f.full, f.org.ID, dry.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		real = waitTask(t, f.svc, f.org, real.ID)
		if at, _ := provision.ApplyTaskOf(real); at.Options.DryRun || !at.Options.PreserveLicenses {
			t.Errorf("real run options: %+v", at.Options)
		}
		if got := f.license(u); got != "standard [template=standard]" {
			t.Errorf("after the real run: %s", got)
		}
		_, err = f.svc.StartApplyFromDryRun(f.ctx, f.full, f.org.ID, real.ID, false)
		wantCode(t, err, roster.CodeInvalid)
	})
}
