package provision_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"roster"
	"roster/internal/csvfile"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
	"roster/internal/worker"
)

// Imports are tested on both engines: they lean on the task runner's claims and fences.

func eachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	t.Helper()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fn(t, engine)
		})
	}
}

// handlers are the worker handlers of a service, as roster serve wires them.
func handlers(svc *provision.Service) map[string]worker.Handler {
	return map[string]worker.Handler{
		provision.KindImport:            worker.HandlerFunc(svc.RunImport),
		provision.KindImportRevert:      worker.HandlerFunc(svc.RunRevert),
		provision.KindResendInvitations: worker.HandlerFunc(svc.RunResendInvitations),
		provision.KindApplyTemplate:     worker.HandlerFunc(svc.RunApplyTemplate),
		provision.KindAgentUpload:       worker.HandlerFunc(svc.RunAgentUpload),
	}
}

var quiet = slog.New(slog.DiscardHandler)

// startWorker runs a worker on store until the test ends.
func startWorker(t *testing.T, store roster.Store, svc *provision.Service, lease time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = worker.New(store, handlers(svc), worker.Options{Poll: 5 * time.Millisecond, Lease: lease, Logger: quiet}).Run(ctx)
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// waitTask waits until the task is final and returns it.
func waitTask(t *testing.T, svc *provision.Service, o *roster.Org, id string) *roster.Task {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		task, err := svc.Task(context.Background(), system, o.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if task.State.Final() {
			return task
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("task %s did not finish", id)
	return nil
}

// importFile starts an import of csv and waits for it.
func importFile(t *testing.T, svc *provision.Service, a roster.Actor, o *roster.Org, mode provision.ImportMode, dry bool, csv string) *roster.Task {
	t.Helper()
	t.Helper()
	task, err := svc.StartImport(context.Background(), a, o.ID, provision.ImportRequest{Mode: mode, DryRun: dry,
		FileName: "users.csv", File: strings.NewReader(csv)})
	if err != nil {
		t.Fatalf("start import: %v", err)
	}
	return waitTask(t, svc, o, task.ID)
}

// report returns the report of a task as "row outcome code" lines.
func report(t *testing.T, svc *provision.Service, o *roster.Org, id string) string {
	t.Helper()
	var b bytes.Buffer
	if err := svc.WriteTaskReport(context.Background(), system, o.ID, id, &b); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for i, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if i == 0 {
			continue
		}
		f := strings.SplitN(strings.TrimRight(line, "\r"), ",", 5)
		lines = append(lines, f[0]+" "+f[2]+" "+f[3])
	}
	return strings.Join(lines, "\n")
}

func userByEmail(t *testing.T, store roster.Store, email string) *roster.User {
	t.Helper()
	u, err := store.FindUserByEmail(context.Background(), email)
	if roster.ErrorCode(err) == roster.CodeNotFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func counts(c roster.TaskCounts) string {
	return fmt.Sprintf("created %d updated %d unchanged %d warnings %d errors %d", c.Created, c.Updated, c.Unchanged, c.Warnings, c.Errors)
}

func TestImport(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		store := sqldbtest.Open(t, engine)
		svc := provision.New(store)
		startWorker(t, store, svc, 0)
		o := newOrg(t, svc, "Acme", orgSpec{premium: 3})
		other := newOrg(t, svc, "Other", orgSpec{})
		mustCreate(t, svc, other, provision.NewUser{Email: "taken@other.example"})
		mustCreate(t, svc, o, provision.NewUser{Email: "kept@acme.example", FirstName: "Kept", License: roster.LicenseStandard})
		sup := mustCreate(t, svc, o, provision.NewUser{Email: "sup@acme.example", License: roster.LicensePremium, CCRole: roster.RoleSupervisor})

		csv := "First Name;Last Name;User ID/Email (Required);Phone Number;Preferred Language;Contact Center Standard Agent;Contact Center Premium Agent;Notes\r\n" +
			"Ada;Lovelace;ada@acme.example;+46701234567;sv_SE;WAAR;;x\r\n" + // 2 created, standard
			"Bo;Ek;bo@acme.example;;;ONWAAR;WAAR;\r\n" + // 3 created, premium
			"Cy;Both;cy@acme.example;;;TRUE;TRUE;\r\n" + // 4 created with a warning: premium wins
			";;KEPT@acme.example;;;;;\r\n" + // 5 unchanged: empty cells change nothing
			"New;Name;kept@acme.example;;;;;\r\n" + // 6 duplicate of line 5
			";;taken@other.example;;;TRUE;;\r\n" + // 7 another organization's user
			";;not-an-email;;;;;\r\n" + // 8 invalid email
			";;phone@acme.example;46701234567;;;;\r\n" + // 9 phone that lost its +: added without it
			";;dee@acme.example;;;;TRUE;\r\n" + // 10 no premium seat left (sup, bo, cy hold 3)
			";;eve@acme.example;;;maybe;;\r\n" + // 11 not a yes/no word
			";;sup@acme.example;;;;FALSE;\r\n" // 12 add mode: FALSE changes nothing
		task := importFile(t, svc, admin(o, roster.AdminFull), o, provision.ImportAdd, false, csv)
		if task.State != roster.TaskCompletedWithErrors {
			t.Fatalf("state %s (%s)", task.State, task.Error)
		}
		if got, want := counts(task.Counts), "created 4 updated 0 unchanged 2 warnings 3 errors 5"; got != want {
			t.Errorf("counts: %s, want %s", got, want)
		}
		want := strings.Join([]string{
			"1 warning csv_unknown_columns",
			"2 created ", "3 created ", "4 warning csv_both_licenses", "5 unchanged ",
			"6 error csv_duplicate_email", "7 error email_in_other_org", "8 error invalid", "9 warning csv_phone_lost_plus",
			"10 error no_seats_available", "11 error csv_invalid_boolean", "12 unchanged ",
		}, "\n")
		if got := report(t, svc, o, task.ID); got != want {
			t.Errorf("report:\n%s\nwant:\n%s", got, want)
		}
		var sum provision.ImportSummary
		if err := json.Unmarshal(task.Summary, &sum); err != nil {
			t.Fatal(err)
		}
		if sum.SeatsTaken != (provision.LicenseCounts{Standard: 1, Premium: 2}) || sum.SeatShortfall != (provision.LicenseCounts{Premium: 1}) {
			t.Errorf("summary %+v", sum)
		}
		if u := userByEmail(t, store, "ada@acme.example"); u == nil || u.License != roster.LicenseStandard ||
			u.PreferredLanguage != "sv" || u.PhoneNumber != "+46701234567" || u.FirstName != "Ada" || u.Status != roster.StatusPending {
			t.Errorf("ada: %+v", u)
		}
		if u := userByEmail(t, store, "cy@acme.example"); u == nil || u.License != roster.LicensePremium || u.CCRole != roster.RoleAgent {
			t.Errorf("cy: %+v", u)
		}
		if u := userByEmail(t, store, "kept@acme.example"); u.FirstName != "Kept" || u.Version != 1 {
			t.Errorf("kept changed: %+v", u)
		}
		if u := userByEmail(t, store, "phone@acme.example"); u == nil || u.PhoneNumber != "" {
			t.Errorf("phone: %+v, want a user without a phone number", u)
		}
		for _, email := range []string{"dee@acme.example", "eve@acme.example"} {
			if u := userByEmail(t, store, email); u != nil {
				t.Errorf("%s created", email)
			}
		}
		org, err := svc.Org(ctx, system, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if org.Usage != (roster.Usage{Users: 6, Standard: 2, Premium: 3}) {
			t.Errorf("usage %+v", org.Usage)
		}
		entries, err := store.FindAuditEntries(ctx, roster.AuditFilter{OrgID: o.ID, Action: "user.create", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var fromTask int
		for _, e := range entries.Entries {
			if e.TaskID == task.ID {
				fromTask++
				if e.Interface != roster.ViaCSV || e.ActorID != "tok-full" {
					t.Errorf("audit entry %+v", e)
				}
			}
		}
		if fromTask != 4 {
			t.Errorf("%d audit entries of the task, want 4", fromTask)
		}
		if u := userByEmail(t, store, sup.Email); u.CCRole != roster.RoleSupervisor {
			t.Errorf("supervisor changed by add mode: %+v", u)
		}

		// Remove mode: premium FALSE drops the supervisor role with a warning; both FALSE
		// removes the license.
		task = importFile(t, svc, admin(o, roster.AdminCCService), o, provision.ImportAddRemove, false,
			"email,Webex Contact Center Premium Agent,Webex Contact Center Standard\n"+
				"sup@acme.example,no,\n"+
				"kept@acme.example,no,no\n"+
				"bo@acme.example,,\n"+
				"zed@acme.example,yes,\n") // cc_service may not add users
		if got, want := report(t, svc, o, task.ID), "2 warning role_requires_premium\n3 updated \n4 unchanged \n5 error forbidden"; got != want {
			t.Errorf("report:\n%s\nwant:\n%s", got, want)
		}
		if u := userByEmail(t, store, sup.Email); u.License != roster.LicenseNone || u.CCRole != roster.RoleAgent {
			t.Errorf("supervisor: %+v", u)
		}
		if u := userByEmail(t, store, "kept@acme.example"); u.License != roster.LicenseNone {
			t.Errorf("kept: %+v", u)
		}

		// Revert the second import: both users get their license (and role) back.
		rev, err := svc.StartRevert(ctx, admin(o, roster.AdminFull), o.ID, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		rev = waitTask(t, svc, o, rev.ID)
		if got, want := counts(rev.Counts), "created 0 updated 2 unchanged 0 warnings 0 errors 0"; got != want || rev.State != roster.TaskCompleted {
			t.Errorf("revert %s: %s, want %s", rev.State, got, want)
		}
		// The import's row with a warning changed a user: it is one of the two rows to revert,
		// so the finished revert is at 2 of 2.
		if rev.Progress != (roster.TaskProgress{Done: 2, Total: 2}) {
			t.Errorf("revert progress %+v, want 2 of 2", rev.Progress)
		}
		if u := userByEmail(t, store, sup.Email); u.License != roster.LicensePremium || u.CCRole != roster.RoleSupervisor {
			t.Errorf("supervisor after revert: %+v", u)
		}
		if u := userByEmail(t, store, "kept@acme.example"); u.License != roster.LicenseStandard {
			t.Errorf("kept after revert: %+v", u)
		}
		_, err = svc.StartRevert(ctx, admin(o, roster.AdminFull), o.ID, task.ID)
		wantCode(t, err, roster.CodeConflict)
	})
}

func TestImportDryRunEqualsRealRun(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		store := sqldbtest.Open(t, engine)
		svc := provision.New(store, provision.WithImportChunk(3))
		startWorker(t, store, svc, 0)
		o := newOrg(t, svc, "Acme", orgSpec{standard: 4, premium: 2})
		mustCreate(t, svc, o, provision.NewUser{Email: "old@acme.example", License: roster.LicenseStandard})
		var b strings.Builder
		b.WriteString("Email,Contact Center Standard Agent,Contact Center Premium Agent\n")
		for i := range 10 {
			fmt.Fprintf(&b, "u%d@acme.example,%v,%v\n", i, i%2 == 0, i%2 == 1)
		}
		b.WriteString("old@acme.example,,TRUE\n")
		dry := importFile(t, svc, admin(o, roster.AdminFull), o, provision.ImportAdd, true, b.String())
		if u := userByEmail(t, store, "u0@acme.example"); u != nil {
			t.Fatal("the dry run created a user")
		}
		var sum provision.ImportSummary
		if err := json.Unmarshal(dry.Summary, &sum); err != nil {
			t.Fatal(err)
		}
		// 5 standard rows for 3 free standard seats; 5 premium rows and a move to premium for
		// 2 premium seats.
		if sum.SeatShortfall != (provision.LicenseCounts{Standard: 2, Premium: 4}) {
			t.Errorf("shortfall %+v", sum.SeatShortfall)
		}
		real := importFile(t, svc, admin(o, roster.AdminFull), o, provision.ImportAdd, false, b.String())
		if counts(dry.Counts) != counts(real.Counts) || dry.Counts.Errors != 6 {
			t.Errorf("dry run %s, real run %s", counts(dry.Counts), counts(real.Counts))
		}
		if d, r := report(t, svc, o, dry.ID), report(t, svc, o, real.ID); d != r {
			t.Errorf("dry run report:\n%s\nreal run report:\n%s", d, r)
		}
		org, _ := svc.Org(ctx, system, o.ID)
		if org.Usage.Standard != 4 || org.Usage.Premium != 2 {
			t.Errorf("usage %+v", org.Usage)
		}
	})
}

func TestImportRefusedUpFront(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := sqldbtest.Open(t, "sqlite")
	svc := provision.New(store, provision.WithImportLimits(csvfile.Limits{MaxRows: 2, MaxBytes: 1 << 10}))
	o := newOrg(t, svc, "Acme", orgSpec{})
	full := admin(o, roster.AdminFull)
	tests := []struct {
		name string
		a    roster.Actor
		mode provision.ImportMode
		file string
		code roster.Code
	}{
		{"empty file", full, provision.ImportAdd, "", roster.CodeInvalid},
		{"header only", full, provision.ImportAdd, "Email\n", roster.CodeInvalid},
		{"no email column", full, provision.ImportAdd, "Name,Phone\nAda,+4670\n", roster.CodeInvalid},
		{"binary", full, provision.ImportAdd, "PK\x03\x04\x00\x00\x08\x00binary", roster.CodeInvalid},
		{"too many rows", full, provision.ImportAdd, "Email\na@x.example\nb@x.example\nc@x.example\n", roster.CodeFileTooLarge},
		{"too large", full, provision.ImportAdd, "Email\n" + strings.Repeat("a", 2<<10) + "\n", roster.CodeFileTooLarge},
		{"bad mode", full, "replace", "Email\na@x.example\n", roster.CodeInvalid},
		{"read only", admin(o, roster.AdminReadOnly), provision.ImportAdd, "Email\na@x.example\n", roster.CodeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.StartImport(ctx, tt.a, o.ID, provision.ImportRequest{Mode: tt.mode, File: strings.NewReader(tt.file)})
			wantCode(t, err, tt.code)
		})
	}
	page, err := svc.Tasks(ctx, full, roster.TaskFilter{OrgID: o.ID})
	if err != nil || len(page.Tasks) != 0 {
		t.Fatalf("tasks queued: %v %v", page, err)
	}

	// One import at a time: no worker runs here, so the first stays queued.
	first, err := svc.StartImport(ctx, full, o.ID, provision.ImportRequest{Mode: provision.ImportAdd, File: strings.NewReader("Email\na@x.example\n")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.StartImport(ctx, full, o.ID, provision.ImportRequest{Mode: provision.ImportAdd, File: strings.NewReader("Email\nb@x.example\n")})
	wantCode(t, err, roster.CodeImportInProgress)
	_, err = svc.StartRevert(ctx, full, o.ID, first.ID)
	wantCode(t, err, roster.CodeImportInProgress)
}

func TestImportResumesAfterCrash(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		cfg := sqldbtest.Config(t, engine)
		first := sqldbtest.OpenConfig(t, cfg)
		if err := first.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		svc := provision.New(first, provision.WithImportChunk(50))
		o := newOrg(t, svc, "Acme", orgSpec{})
		var b strings.Builder
		b.WriteString("Email,Contact Center Premium Agent\n")
		const n = 1000
		for i := range n {
			fmt.Fprintf(&b, "u%04d@acme.example,TRUE\n", i)
		}
		b.WriteString("u0007@acme.example,TRUE\n") // a duplicate of a row applied before the crash
		task, err := svc.StartImport(ctx, admin(o, roster.AdminFull), o.ID, provision.ImportRequest{Mode: provision.ImportAdd,
			File: strings.NewReader(b.String())})
		if err != nil {
			t.Fatal(err)
		}

		// The first node stops in the middle, as if killed: it leaves the task leased.
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = worker.New(first, handlers(svc), worker.Options{Poll: time.Millisecond, Lease: 300 * time.Millisecond, Logger: quiet}).Run(runCtx)
		}()
		for {
			got, err := first.FindTaskByID(ctx, o.ID, task.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Progress.Done >= 200 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		stop()
		<-done
		stopped, _ := first.FindTaskByID(ctx, o.ID, task.ID)
		if stopped.State.Final() || stopped.Progress.Done == n+1 {
			t.Skipf("the import finished before the stop (%d rows done)", stopped.Progress.Done)
		}

		second := sqldbtest.OpenConfig(t, cfg)
		svc2 := provision.New(second, provision.WithImportChunk(50))
		startWorker(t, second, svc2, 300*time.Millisecond)
		got := waitTask(t, svc2, o, task.ID)
		if got.Attempts != 2 {
			t.Errorf("attempts %d, want 2", got.Attempts)
		}
		if want := fmt.Sprintf("created %d updated 0 unchanged 0 warnings 0 errors 1", n); counts(got.Counts) != want || got.Progress.Done != n+1 {
			t.Errorf("%s, done %d; want %s, done %d", counts(got.Counts), got.Progress.Done, want, n+1)
		}
		page, err := second.FindUsers(ctx, roster.UserFilter{OrgID: o.ID, Limit: roster.MaxPageSize})
		if err != nil || len(page.Users) != n {
			t.Fatalf("%d users, %v", len(page.Users), err)
		}
		audits := 0
		f := roster.AuditFilter{OrgID: o.ID, Limit: roster.MaxPageSize}
		for {
			p, err := second.FindAuditEntries(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Entries {
				if e.TaskID == task.ID {
					audits++
				}
			}
			if p.Next == "" {
				break
			}
			f.Before = p.Next
		}
		if audits != n {
			t.Errorf("%d audit entries, want %d", audits, n)
		}
		if rows := report(t, svc2, o, task.ID); !strings.HasSuffix(rows, fmt.Sprintf("%d error csv_duplicate_email", n+2)) {
			t.Errorf("last report row: %s", rows[strings.LastIndex(rows, "\n")+1:])
		}
		org, _ := second.FindOrgByID(ctx, o.ID)
		if org.Usage != (roster.Usage{Users: n, Premium: n}) {
			t.Errorf("usage %+v", org.Usage)
		}
		if _, err := second.FindTaskFilePart(ctx, task.ID, 0); roster.ErrorCode(err) != roster.CodeNotFound {
			t.Errorf("the file of a finished task is kept: %v", err)
		}
	})
}

func TestRevertSkipsUsersChangedSince(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		store := sqldbtest.Open(t, engine)
		svc := provision.New(store)
		startWorker(t, store, svc, 0)
		o := newOrg(t, svc, "Acme", orgSpec{})
		full := admin(o, roster.AdminFull)
		old := mustCreate(t, svc, o, provision.NewUser{Email: "old@acme.example", FirstName: "Old"})
		task := importFile(t, svc, full, o, provision.ImportAdd, false,
			"First Name,Email,Contact Center Standard Agent\nNewer,old@acme.example,TRUE\nAda,ada@acme.example,TRUE\nBo,bo@acme.example,\n")
		if task.Counts.Created != 2 || task.Counts.Updated != 1 {
			t.Fatalf("import %s", counts(task.Counts))
		}
		bo := userByEmail(t, store, "bo@acme.example")
		if _, err := svc.UpdateUser(ctx, full, o.ID, bo.ID, provision.UserChange{Title: ptr("Boss")}, 0); err != nil {
			t.Fatal(err)
		}
		_, err := svc.StartRevert(ctx, admin(o, roster.AdminCCService), o.ID, "not-a-task")
		wantCode(t, err, roster.CodeNotFound)
		rev, err := svc.StartRevert(ctx, full, o.ID, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		rev = waitTask(t, svc, o, rev.ID)
		if got, want := report(t, svc, o, rev.ID), "2 updated \n3 updated \n4 warning changed_since_import"; got != want {
			t.Errorf("revert report:\n%s\nwant:\n%s", got, want)
		}
		if u := userByEmail(t, store, old.Email); u.FirstName != "Old" || u.License != roster.LicenseNone {
			t.Errorf("old after revert: %+v", u)
		}
		if userByEmail(t, store, "ada@acme.example") != nil {
			t.Error("ada, created by the import, is still there")
		}
		if u := userByEmail(t, store, "bo@acme.example"); u == nil || u.Title != "Boss" {
			t.Errorf("bo, changed since, was reverted: %+v", u)
		}
		org, _ := svc.Org(ctx, system, o.ID)
		if org.Usage != (roster.Usage{Users: 2}) {
			t.Errorf("usage %+v", org.Usage)
		}
		dry := importFile(t, svc, full, o, provision.ImportAdd, true, "Email\nx@acme.example\n")
		_, err = svc.StartRevert(ctx, full, o.ID, dry.ID)
		wantCode(t, err, roster.CodeInvalid)
	})
}

// TestImportSpreadsheetFiles imports the files spreadsheet programs saved in the five
// languages' conventions (internal/csvfile/testdata) and checks the users they make.
func TestImportSpreadsheetFiles(t *testing.T) {
	t.Parallel()
	type want struct {
		email, first, last string
		license            roster.License
	}
	tests := []struct {
		file   string
		users  []want
		errors int // rows refused
	}{
		// Errors: a line break in a title, a "misschien". The phone number without its + is a
		// warning: Ingrid is added without it.
		{"excel_nl_utf8bom.csv", []want{{"jan.devries@example.nl", "Jan", "de Vries", roster.LicensePremium},
			{"ingrid@example.nl", "Ingrid", "van Dijk", roster.LicenseStandard}}, 2},
		{"excel_sv_1252.csv", []want{{"asa.oberg@example.se", "Åsa", "Öberg", roster.LicenseStandard},
			{"jose.pena@example.se", "José", "Peña", roster.LicensePremium}, {"zofia.wojcik@example.se", "Zofia", "Wójcik", roster.LicenseNone}}, 0},
		// Łukasz's phone number lost its +: he is added without it, with a warning.
		{"excel_es_unicode.txt", []want{{"maria.nunez@example.es", "María", "Núñez", roster.LicenseStandard},
			{"lukasz.was@example.pl", "Łukasz", "Wąs", roster.LicensePremium},
			{"dwayne@example.com", "Dwayne", `Dwayne "The Rock"`, roster.LicenseStandard}}, 0},
		{"excel_pl_1250.csv", []want{{"lukasz.was@example.pl", "Łukasz", "Wąs", roster.LicenseStandard},
			{"grzegorz@example.pl", "Grzegorz", "Brzęczyszczykiewicz", roster.LicensePremium}}, 0},
		{"controlhub_export.csv", []want{{"alice@example.com", "Alice", "Anderson", roster.LicenseStandard},
			{"carol@example.com", "Carol", "Clark", roster.LicensePremium}}, 0},
		{"excel_mac_cr.csv", []want{{"mac1@example.com", "Mac", "", roster.LicensePremium}, {"mac2@example.com", "Intosh", "", roster.LicenseNone}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			store := sqldbtest.Open(t, "sqlite")
			svc := provision.New(store)
			startWorker(t, store, svc, 0)
			o := newOrg(t, svc, "Acme", orgSpec{})
			// The groups the files name: an import never creates one.
			for _, name := range []string{"Team A", "Team B", "Ventas", "Soporte"} {
				if _, err := svc.CreateGroup(context.Background(), admin(o, roster.AdminFull), o.ID, provision.GroupInput{Name: &name}); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(filepath.Join("..", "csvfile", "testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			task := importFile(t, svc, admin(o, roster.AdminFull), o, provision.ImportAdd, false, string(b))
			if task.State.Final() && task.State != roster.TaskCompleted && task.State != roster.TaskCompletedWithErrors {
				t.Fatalf("state %s: %s", task.State, task.Error)
			}
			if task.Counts.Errors != tt.errors {
				t.Errorf("%d errors, want %d:\n%s", task.Counts.Errors, tt.errors, report(t, svc, o, task.ID))
			}
			for _, w := range tt.users {
				u := userByEmail(t, store, w.email)
				if u == nil || u.FirstName != w.first || u.LastName != w.last || u.License != w.license {
					t.Errorf("%s: %+v, want %+v", w.email, u, w)
				}
			}
		})
	}
}
