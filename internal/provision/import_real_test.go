package provision_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

func TestImportFromDryRun(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		store := sqldbtest.Open(t, engine)
		svc := provision.New(store)
		startWorker(t, store, svc, 0)
		o := newOrg(t, svc, "Acme", orgSpec{premium: 1})
		other := newOrg(t, svc, "Other", orgSpec{})
		full := admin(o, roster.AdminFull)
		mustCreate(t, svc, o, provision.NewUser{Email: "kept@acme.example", License: roster.LicenseStandard})
		csv := "User ID/Email (Required),Contact Center Standard Agent,Contact Center Premium Agent\n" +
			"ada@acme.example,TRUE,\n" + // created
			"kept@acme.example,FALSE,\n" + // add_remove: loses standard
			"bo@acme.example,,TRUE\n" + // created, premium
			"cy@acme.example,,TRUE\n" // no premium seat left

		hasFile := func(id string) bool {
			t.Helper()
			_, err := store.FindTaskFilePart(ctx, id, 0)
			if err != nil && roster.ErrorCode(err) != roster.CodeNotFound {
				t.Fatal(err)
			}
			return err == nil
		}
		dry := importFile(t, svc, full, o, provision.ImportAddRemove, true, csv)
		if dry.State != roster.TaskCompletedWithErrors || !hasFile(dry.ID) {
			t.Fatalf("dry run %s, file kept %v", dry.State, hasFile(dry.ID))
		}
		if u := userByEmail(t, store, "ada@acme.example"); u != nil {
			t.Fatal("the dry run created a user")
		}

		// Who may not import may not import for real either; another organization's dry run
		// is not found.
		for _, c := range []struct {
			name  string
			actor roster.Actor
			org   string
			code  roster.Code
		}{
			{"read only", admin(o, roster.AdminReadOnly), o.ID, roster.CodeForbidden},
			{"other org", admin(other, roster.AdminFull), other.ID, roster.CodeNotFound},
		} {
			if _, err := svc.StartImportFromDryRun(ctx, c.actor, c.org, dry.ID); roster.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
		}

		real, err := svc.StartImportFromDryRun(ctx, full, o.ID, dry.ID)
		if err != nil {
			t.Fatal(err)
		}
		if in, _ := provision.TaskInput(real); in.DryRun || in.Mode != provision.ImportAddRemove || in.FileName != "users.csv" {
			t.Errorf("real import input %+v", in)
		}
		if real.Progress.Total != 4 || real.CreatedBy != full.Label() {
			t.Errorf("real import total %d by %q", real.Progress.Total, real.CreatedBy)
		}
		if hasFile(dry.ID) {
			t.Error("the dry run kept its file after the real import took it")
		}
		// A second click finds the import running, or, once it ended, the file gone.
		if _, err := svc.StartImportFromDryRun(ctx, full, o.ID, dry.ID); roster.ErrorCode(err) != roster.CodeImportInProgress &&
			roster.ErrorCode(err) != roster.CodeConflict {
			t.Errorf("second real import: %v", err)
		}
		real = waitTask(t, svc, o, real.ID)
		if counts(real.Counts) != counts(dry.Counts) {
			t.Errorf("real run %s, dry run %s", counts(real.Counts), counts(dry.Counts))
		}
		if got, want := report(t, svc, o, real.ID), report(t, svc, o, dry.ID); got != want {
			t.Errorf("real report:\n%s\ndry report:\n%s", got, want)
		}
		if hasFile(real.ID) {
			t.Error("the real import kept its file")
		}
		if u := userByEmail(t, store, "kept@acme.example"); u.License != roster.LicenseNone {
			t.Errorf("kept: license %s, want none (add and remove services)", u.License)
		}
		if u := userByEmail(t, store, "bo@acme.example"); u == nil || u.License != roster.LicensePremium {
			t.Errorf("bo: %+v", u)
		}
		if _, err := svc.StartImportFromDryRun(ctx, full, o.ID, dry.ID); roster.ErrorCode(err) != roster.CodeConflict {
			t.Errorf("real import of a dry run already imported: %v, want conflict", err)
		}
		if _, err := svc.StartImportFromDryRun(ctx, full, o.ID, real.ID); roster.ErrorCode(err) != roster.CodeInvalid {
			t.Errorf("real import of a real import: %v, want invalid", err)
		}

		// The organization keeps the file of its latest dry run only.
		first := importFile(t, svc, full, o, provision.ImportAdd, true, csv)
		second := importFile(t, svc, full, o, provision.ImportAdd, true, csv)
		if hasFile(first.ID) || !hasFile(second.ID) {
			t.Errorf("files kept: first %v, second %v", hasFile(first.ID), hasFile(second.ID))
		}
		if _, err := svc.StartImportFromDryRun(ctx, full, o.ID, first.ID); roster.ErrorCode(err) != roster.CodeConflict {
			t.Errorf("real import of a replaced dry run: %v, want conflict", err)
		}

		// A contact center service administrator may import for real what only changes
		// licenses; rows that would add people are refused per row, as in any import.
		cc := admin(o, roster.AdminCCService)
		licenses := importFile(t, svc, cc, o, provision.ImportAdd, true,
			"User ID/Email (Required),Contact Center Standard Agent\nkept@acme.example,TRUE\nnew@acme.example,TRUE\n")
		ccReal, err := svc.StartImportFromDryRun(ctx, cc, o.ID, licenses.ID)
		if err != nil {
			t.Fatal(err)
		}
		ccReal = waitTask(t, svc, o, ccReal.ID)
		if got, want := counts(ccReal.Counts), "created 0 updated 1 unchanged 0 warnings 0 errors 1"; got != want {
			t.Errorf("cc_service real import: %s, want %s", got, want)
		}
		if u := userByEmail(t, store, "kept@acme.example"); u.License != roster.LicenseStandard {
			t.Errorf("kept: license %s, want standard", u.License)
		}
	})
}

func TestActiveImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := sqldbtest.Open(t, "sqlite")
	svc := provision.New(store) // no worker: the task stays queued
	o := newOrg(t, svc, "Acme", orgSpec{})
	ro := admin(o, roster.AdminReadOnly)
	if t0, err := svc.ActiveImport(ctx, ro, o.ID); t0 != nil || err != nil {
		t.Fatalf("no import yet: %v, %v", t0, err)
	}
	task, err := svc.StartImport(ctx, admin(o, roster.AdminFull), o.ID, provision.ImportRequest{Mode: provision.ImportAdd,
		File: strings.NewReader("User ID/Email (Required)\nada@acme.example\n")})
	if err != nil {
		t.Fatal(err)
	}
	active, err := svc.ActiveImport(ctx, ro, o.ID)
	if err != nil || active == nil || active.ID != task.ID {
		t.Fatalf("active import %v, %v; want %s", active, err, task.ID)
	}
	other := newOrg(t, svc, "Other", orgSpec{})
	if _, err := svc.ActiveImport(ctx, admin(other, roster.AdminFull), o.ID); roster.ErrorCode(err) != roster.CodeForbidden &&
		roster.ErrorCode(err) != roster.CodeNotFound {
		t.Errorf("another organization's administrator: %v", err)
	}
}

// The rows of a report say, beside their English message, the column and the parameters of
// their code, for the console to say the same in the reader's language.
func TestImportRowColumnsAndParams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := sqldbtest.Open(t, "sqlite")
	svc := provision.New(store)
	startWorker(t, store, svc, 0)
	o := newOrg(t, svc, "Acme", orgSpec{premium: 1})
	mustCreate(t, svc, o, provision.NewUser{Email: "sup@acme.example", License: roster.LicensePremium, CCRole: roster.RoleSupervisor})
	csv := "E-mail;Phone Number;Webex Contact Center Standard;Webex Contact Center Premium;Groups;Notes\n" +
		"ada@acme.example;46701234567;;;;\n" + // 2 phone without +
		"ada@acme.example;;;;;\n" + // 3 duplicate of 2
		"bo@acme.example;;maybe;;;\n" + // 4 not a yes/no word
		"cy@acme.example;;;;Night shift;\n" + // 5 unknown group
		"sup@acme.example;;;FALSE;;\n" + // 6 supervisor loses premium, and the role with it
		"dee@acme.example;;;TRUE;;\n" + // 7 premium seat freed by row 6: created
		"eve@acme.example;;;TRUE;;\n" + // 8 no premium seat left
		";;TRUE;;;\n" // 9 no email
	task := importFile(t, svc, admin(o, roster.AdminFull), o, provision.ImportAddRemove, false, csv)
	rows, err := svc.TaskProblems(ctx, admin(o, roster.AdminReadOnly), o.ID, task.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]string{}
	for _, r := range rows {
		got[r.Row] = fmt.Sprintf("%s %s %q %v", r.Outcome, r.Code, r.Column, r.Params)
	}
	want := map[int]string{
		1: `warning csv_unknown_columns "" map[Columns:"Notes"]`,
		2: `warning csv_phone_lost_plus "Phone Number" map[]`,
		3: `error csv_duplicate_email "E-mail" map[Line:2]`,
		4: `error csv_invalid_boolean "Webex Contact Center Standard" map[Value:maybe]`,
		5: `error unknown_group "Groups" map[Groups:Night shift]`,
		6: `warning role_requires_premium "Webex Contact Center Premium" map[Hint:supervisor_dropped]`,
		8: `error no_seats_available "Webex Contact Center Premium" map[]`,
		9: `error invalid "E-mail" map[Field:email]`,
	}
	for row, w := range want {
		if got[row] != w {
			t.Errorf("row %d: %s\n want %s", row, got[row], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems %v", got)
	}
}
