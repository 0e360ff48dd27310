package provision_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// The wizard's preview and its once-only save are tested on both engines: the preview rolls a
// write transaction back, and the save's key is found under the organization's lock.

func entries(emails ...string) []provision.BatchEntry {
	es := make([]provision.BatchEntry, len(emails))
	for i, e := range emails {
		es[i] = provision.BatchEntry{Email: e}
	}
	return es
}

// consoleAdmin is a signed-in administrator of o with role, in session sessionID.
func consoleAdmin(o *roster.Org, role roster.AdminRole, sessionID string) *provision.Admin {
	return &provision.Admin{Session: &roster.ConsoleSession{ID: sessionID},
		User: &roster.User{ID: "admin-" + sessionID, Email: sessionID + "@example.com", OrgID: o.ID, AdminRole: role}, Org: o}
}

func TestPreviewAddOrModifyUsers(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		svc := provision.New(sqldbtest.Open(t, engine))
		o := newOrg(t, svc, "Preview", orgSpec{premium: 3, standard: 10})
		other := newOrg(t, svc, "Elsewhere", orgSpec{})
		full := admin(o, roster.AdminFull)
		mustCreate(t, svc, other, provision.NewUser{Email: "taken@example.com"})
		mustCreate(t, svc, o, provision.NewUser{Email: "sup@example.com", License: roster.LicensePremium, CCRole: roster.RoleSupervisor})
		mustCreate(t, svc, o, provision.NewUser{Email: "std@example.com", License: roster.LicenseStandard})
		b := provision.Batch{
			Entries: append(entries("new1@example.com", "STD@example.com", "taken@example.com", "new1@example.com", "not an email", "sup@example.com"),
				provision.BatchEntry{Email: "new2@example.com", FirstName: "Ann", LastName: "Lee"}, provision.BatchEntry{Email: "new3@example.com"}),
			License: roster.LicensePremium,
		}
		p, err := svc.PreviewAddOrModifyUsers(ctx, full, o.ID, b)
		if err != nil {
			t.Fatal(err)
		}
		std := provision.Holding{License: roster.LicenseStandard, CCRole: roster.RoleAgent}
		prem := provision.Holding{License: roster.LicensePremium, CCRole: roster.RoleAgent}
		sup := provision.Holding{License: roster.LicensePremium, CCRole: roster.RoleSupervisor}
		want := []struct {
			outcome       provision.Outcome
			code          roster.Code
			before, after provision.Holding
		}{
			{provision.Created, "", provision.Holding{}, prem},
			{provision.Updated, "", std, prem},
			{provision.Failed, roster.CodeEmailInOtherOrg, provision.Holding{}, provision.Holding{}},
			{provision.Failed, roster.CodeDuplicateEmail, provision.Holding{}, provision.Holding{}},
			{provision.Failed, roster.CodeInvalid, provision.Holding{}, provision.Holding{}},
			{provision.Updated, "", sup, prem},                                                        // the choice sets the role too
			{provision.Failed, roster.CodeNoSeatsAvailable, provision.Holding{}, provision.Holding{}}, // sup, new1, std hold all 3
			{provision.Failed, roster.CodeNoSeatsAvailable, provision.Holding{}, provision.Holding{}},
		}
		for i, w := range want {
			r := p.Results[i]
			if r.Outcome != w.outcome || r.Code != w.code || r.Before != w.before || r.After != w.after {
				t.Errorf("entry %d (%s): %+v, want %+v", i, r.Email, r, w)
			}
		}
		if p.Results[4].Field != "email" {
			t.Errorf("an invalid address names its field: %+v", p.Results[4])
		}
		// Premium: 3 seats, 2 free; new1, std, new2 and new3 do not hold it. The entries
		// refused for their address count for no license.
		wantSeats := []provision.SeatCheck{
			{License: roster.LicenseStandard, Seats: 10, Free: 9, UpTo: 4}, // all but std
			{License: roster.LicensePremium, Seats: 3, Free: 2, UpTo: 4},   // sup holds it
		}
		if !reflect.DeepEqual(p.Seats, wantSeats) || !p.Seats[1].Short() || p.Seats[0].Short() {
			t.Errorf("seats %+v, want %+v", p.Seats, wantSeats)
		}

		// The preview changed nothing; the real run does what it said.
		got, _ := svc.Org(ctx, system, o.ID)
		if got.Usage != (roster.Usage{Users: 2, Standard: 1, Premium: 1}) {
			t.Fatalf("the preview changed the usage: %+v", got.Usage)
		}
		results, err := svc.AddOrModifyUsers(ctx, full, o.ID, b)
		if err != nil {
			t.Fatal(err)
		}
		for i := range results {
			pr := p.Results[i]
			if results[i].Outcome == provision.Created {
				pr.UserID = results[i].UserID // a new user's id is drawn when it is made
			}
			if !reflect.DeepEqual(results[i], pr) {
				t.Errorf("entry %d: saved %+v, previewed %+v", i, results[i], pr)
			}
		}

		// "Don't change": existing users keep theirs, new ones get the organization-wide
		// template's license, which the preview names.
		if _, err := svc.SetLicenseAssignment(ctx, full, o.ID, roster.LicenseAssignment{Mode: roster.AssignOrg, License: roster.LicenseStandard}, 0); err != nil {
			t.Fatal(err)
		}
		p, err = svc.PreviewAddOrModifyUsers(ctx, full, o.ID, provision.Batch{Entries: entries("std@example.com", "fresh@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		if p.Automatic != roster.LicenseStandard || p.Results[0].Outcome != provision.Unchanged || p.Results[0].After != prem ||
			p.Results[1].Outcome != provision.Created || p.Results[1].After != std {
			t.Errorf("don't change: %+v", p)
		}

		// A contact center service administrator may change licenses of existing users, not
		// add people: the preview says so per entry.
		p, err = svc.PreviewAddOrModifyUsers(ctx, admin(o, roster.AdminCCService), o.ID,
			provision.Batch{Entries: entries("std@example.com", "brand-new@example.com"), License: roster.LicenseNone})
		if err != nil || p.Results[0].Outcome != provision.Updated || p.Results[1].Code != roster.CodeForbidden {
			t.Fatalf("cc_service: %+v %v", p, err)
		}
		// Refused whole, as the real run is.
		_, err = svc.PreviewAddOrModifyUsers(ctx, admin(o, roster.AdminReadOnly), o.ID, provision.Batch{Entries: entries("a@example.com")})
		wantCode(t, err, roster.CodeForbidden)
		many := make([]string, 26)
		for i := range many {
			many[i] = fmt.Sprintf("u%d@example.com", i)
		}
		_, err = svc.PreviewAddOrModifyUsers(ctx, full, o.ID, provision.Batch{Entries: entries(many...)})
		wantCode(t, err, roster.CodeBatchTooLarge)
	})
}

func TestSubmitBatchOnce(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		svc := provision.New(sqldbtest.Open(t, engine))
		o := newOrg(t, svc, "Once", orgSpec{})
		other := newOrg(t, svc, "Other", orgSpec{})
		adm := consoleAdmin(o, roster.AdminFull, "session-1")
		b := provision.Batch{Entries: entries("a@example.com", "b@example.com"), License: roster.LicenseStandard}

		// The same form sent twice at once: one runs, both answer what it did.
		var wg sync.WaitGroup
		recs := make([]*provision.BatchRecord, 2)
		errs := make([]error, 2)
		for i := range recs {
			wg.Go(func() { recs[i], errs[i] = svc.SubmitBatch(ctx, adm, o.ID, "key-1", b) })
		}
		wg.Wait()
		for i := range recs {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if recs[i].Results[0].Outcome != provision.Created || recs[i].Results[1].Outcome != provision.Created {
				t.Fatalf("submission %d: %+v", i, recs[i].Results)
			}
		}
		if !reflect.DeepEqual(recs[0], recs[1]) {
			t.Fatalf("two answers: %+v and %+v", recs[0], recs[1])
		}
		got, _ := svc.Org(ctx, system, o.ID)
		if got.Usage.Users != 2 {
			t.Fatalf("users %d, want 2", got.Usage.Users)
		}
		page, _ := svc.AuditEntries(ctx, system, roster.AuditFilter{OrgID: o.ID, Action: "user.create"})
		if len(page.Entries) != 2 {
			t.Fatalf("%d user.create entries, want 2", len(page.Entries))
		}

		// The summary reads it back, in this session and organization only.
		rec, err := svc.SubmittedBatch(ctx, adm, o.ID, "key-1")
		if err != nil || !reflect.DeepEqual(rec, recs[0]) || rec.Batch.License != roster.LicenseStandard || len(rec.Batch.Entries) != 2 {
			t.Fatalf("submitted: %+v %v", rec, err)
		}
		_, err = svc.SubmittedBatch(ctx, consoleAdmin(o, roster.AdminFull, "session-2"), o.ID, "key-1")
		wantCode(t, err, roster.CodeNotFound)
		_, err = svc.SubmittedBatch(ctx, consoleAdmin(other, roster.AdminFull, "session-1"), other.ID, "key-1")
		wantCode(t, err, roster.CodeNotFound)

		// A new form (a new key) runs again: nothing left to create.
		rec, err = svc.SubmitBatch(ctx, adm, o.ID, "key-2", b)
		if err != nil || rec.Results[0].Outcome != provision.Unchanged {
			t.Fatalf("a new key: %+v %v", rec, err)
		}
		_, err = svc.SubmitBatch(ctx, adm, o.ID, "", b)
		wantCode(t, err, roster.CodeInvalid)
		_, err = svc.SubmitBatch(ctx, consoleAdmin(o, roster.AdminReadOnly, "session-3"), o.ID, "key-3", b)
		wantCode(t, err, roster.CodeForbidden)
	})
}

func TestSplitEmails(t *testing.T) {
	t.Parallel()
	got := provision.SplitEmails(" Ann@Example.com,bob@example.com;\r\n\n ann@example.com ; , not an address\ncy@example.com ")
	want := []string{"ann@example.com", "bob@example.com", "not an address", "cy@example.com"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("SplitEmails = %q, want %q", got, want)
	}
	if got := provision.SplitEmails(" \n;, "); len(got) != 0 {
		t.Fatalf("blank: %q", got)
	}
}

func TestCheckEntries(t *testing.T) {
	t.Parallel()
	fields := func(err error) []string {
		var out []string
		for _, f := range roster.ErrorFields(err) {
			out = append(out, f.Field+" "+string(f.Code))
		}
		return out
	}
	err := provision.CheckEntries([]provision.BatchEntry{
		{Email: "ann@example.com", FirstName: "Ann"},
		{Email: "bad"},
		{Email: "ANN@example.com"},
		{Email: "dee@example.com", FirstName: " Dee"},
		{},
	})
	want := []string{"email.1 invalid", "email.2 duplicate_email", "firstName.3 invalid", "email.4 invalid"}
	if !reflect.DeepEqual(fields(err), want) {
		t.Fatalf("fields %q, want %q", fields(err), want)
	}
	if err := provision.CheckEntries(entries("a@example.com", "b@example.com")); err != nil {
		t.Fatal(err)
	}
	wantCode(t, provision.CheckEntries(nil), roster.CodeInvalid)
	many := make([]string, 26)
	for i := range many {
		many[i] = fmt.Sprintf("u%d@example.com", i)
	}
	wantCode(t, provision.CheckEntries(entries(many...)), roster.CodeBatchTooLarge)
	if err := provision.CheckEntries(entries(many[:25]...)); err != nil {
		t.Fatalf("25: %v", err)
	}
}

func TestWriteBatchReport(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	err := provision.WriteBatchReport(&b, &provision.BatchRecord{Results: []provision.Result{
		{Email: "a@example.com", Outcome: provision.Created},
		{Email: "=b@example.com", Outcome: provision.Failed, Code: roster.CodeInvalid, Message: "The email address must look like name@example.com."},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := "\ufeffRow,Email,Outcome,Code,Message\r\n1,a@example.com,created,,\r\n2,'=b@example.com,error,invalid,The email address must look like name@example.com.\r\n"
	if b.String() != want {
		t.Fatalf("report:\n%q\nwant\n%q", b.String(), want)
	}
}
