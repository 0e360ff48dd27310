package provision_test

import (
	"context"
	"fmt"
	"testing"

	"roster"
	"roster/internal/provision"
)

func TestAddOrModifyUsers(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	o := newOrg(t, svc, "Batch", orgSpec{premium: 3})
	other := newOrg(t, svc, "Elsewhere", orgSpec{})
	full := admin(o, roster.AdminFull)
	mustCreate(t, svc, other, provision.NewUser{Email: "taken@example.com"})
	sup := mustCreate(t, svc, o, provision.NewUser{Email: "sup@example.com", License: roster.LicensePremium, CCRole: roster.RoleSupervisor})
	mustCreate(t, svc, o, provision.NewUser{Email: "std@example.com", License: roster.LicenseStandard})

	entries := func(emails ...string) []provision.BatchEntry {
		var es []provision.BatchEntry
		for _, e := range emails {
			es = append(es, provision.BatchEntry{Email: e})
		}
		return es
	}
	results, err := svc.AddOrModifyUsers(ctx, full, o.ID, provision.Batch{
		Entries: append(entries("new1@example.com", "STD@example.com", "taken@example.com", "new1@example.com", "not an email"),
			provision.BatchEntry{Email: "new2@example.com", FirstName: "Ann", LastName: "Lee"},
			provision.BatchEntry{Email: "new3@example.com"}),
		License: roster.LicensePremium,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		outcome provision.Outcome
		code    roster.Code
	}{
		{provision.Created, ""}, {provision.Updated, ""}, {provision.Failed, roster.CodeEmailInOtherOrg},
		{provision.Failed, roster.CodeDuplicateEmail}, {provision.Failed, roster.CodeInvalid},
		{provision.Failed, roster.CodeNoSeatsAvailable}, // sup + new1 + std take all 3 premium seats
		{provision.Failed, roster.CodeNoSeatsAvailable},
	}
	for i, w := range want {
		if results[i].Outcome != w.outcome || results[i].Code != w.code {
			t.Errorf("entry %d (%s): %+v, want %s %s", i, results[i].Email, results[i], w.outcome, w.code)
		}
	}

	// The same choice again changes nothing; a standard choice downgrades the supervisor, which
	// is allowed because the wizard's choice sets the role too.
	results, err = svc.AddOrModifyUsers(ctx, full, o.ID, provision.Batch{Entries: entries("new1@example.com"), License: roster.LicensePremium})
	if err != nil || results[0].Outcome != provision.Unchanged {
		t.Fatalf("repeat: %+v %v", results, err)
	}
	results, err = svc.AddOrModifyUsers(ctx, full, o.ID, provision.Batch{Entries: entries("sup@example.com"), License: roster.LicenseStandard})
	if err != nil || results[0].Outcome != provision.Updated {
		t.Fatalf("downgrade: %+v %v", results, err)
	}
	if u, _ := svc.User(ctx, full, o.ID, sup.ID); u.License != roster.LicenseStandard || u.CCRole != roster.RoleAgent {
		t.Fatalf("downgraded supervisor: %+v", u)
	}

	// A contact center service administrator may modify licenses but not add people.
	results, err = svc.AddOrModifyUsers(ctx, admin(o, roster.AdminCCService), o.ID, provision.Batch{
		Entries: entries("std@example.com", "brand-new@example.com"), License: roster.LicenseNone})
	if err != nil || results[0].Outcome != provision.Updated || results[1].Code != roster.CodeForbidden {
		t.Fatalf("cc_service: %+v %v", results, err)
	}
}

func TestAddOrModifyUsersRefusedWhole(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	o := newOrg(t, svc, "Whole", orgSpec{})
	many := make([]provision.BatchEntry, 26)
	for i := range many {
		many[i].Email = fmt.Sprintf("u%d@example.com", i)
	}
	tests := []struct {
		name string
		b    provision.Batch
		code roster.Code
	}{
		{"26 entries", provision.Batch{Entries: many}, roster.CodeBatchTooLarge},
		{"no entries", provision.Batch{}, roster.CodeInvalid},
		{"unknown license", provision.Batch{Entries: many[:1], License: "gold"}, roster.CodeInvalid},
		{"supervisor on standard", provision.Batch{Entries: many[:1], License: roster.LicenseStandard, CCRole: roster.RoleSupervisor}, roster.CodeRoleRequiresPremium},
		{"read only", provision.Batch{Entries: many[:1]}, roster.CodeForbidden},
	}
	for _, tt := range tests {
		a := admin(o, roster.AdminFull)
		if tt.name == "read only" {
			a = admin(o, roster.AdminReadOnly)
		}
		_, err := svc.AddOrModifyUsers(context.Background(), a, o.ID, tt.b)
		if got := roster.ErrorCode(err); got != tt.code {
			t.Errorf("%s: code %q, want %q", tt.name, got, tt.code)
		}
	}
	got, _ := svc.Org(context.Background(), system, o.ID)
	if got.Usage.Users != 0 {
		t.Fatalf("refused batches created %d users", got.Usage.Users)
	}
	// 25 is fine.
	res, err := svc.AddOrModifyUsers(context.Background(), admin(o, roster.AdminFull), o.ID, provision.Batch{Entries: many[:25]})
	if err != nil || len(res) != 25 {
		t.Fatalf("25 entries: %v", err)
	}
}

func TestAuditTrail(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	o := newOrg(t, svc, "Audit", orgSpec{})
	full := admin(o, roster.AdminFull)
	u := mustCreate(t, svc, o, provision.NewUser{Email: "x@example.com", FirstName: "X"})
	if _, err := svc.UpdateUser(ctx, full, o.ID, u.ID, provision.UserChange{License: ptr(roster.LicenseStandard)}, 0); err != nil {
		t.Fatal(err)
	}
	// A change that changes nothing writes no entry.
	if _, err := svc.UpdateUser(ctx, full, o.ID, u.ID, provision.UserChange{License: ptr(roster.LicenseStandard)}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeactivateUser(ctx, full, o.ID, u.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteUser(ctx, full, o.ID, u.ID, 0); err != nil {
		t.Fatal(err)
	}
	page, err := svc.AuditEntries(ctx, admin(o, roster.AdminReadOnly), roster.AuditFilter{OrgID: o.ID, TargetID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range page.Entries {
		got = append(got, fmt.Sprintf("%s %s %s %s", e.Action, e.Interface, e.Before, e.After))
	}
	want := []string{
		`user.delete api {"adminRole":"none","ccRole":"agent","department":"","directLicense":"standard","displayName":"","email":"x@example.com","firstName":"X","groupLicense":"none","lastName":"","license":"standard","phoneNumber":"","preferredLanguage":"","status":"inactive","templateLicense":"","title":"","userProfile":"","waitingLicense":""} `,
		`user.deactivate api {"status":"pending"} {"status":"inactive"}`,
		`user.update api {"directLicense":"","license":"none"} {"directLicense":"standard","license":"standard"}`,
		`user.create api  {"adminRole":"none","ccRole":"agent","department":"","directLicense":"","displayName":"","email":"x@example.com","firstName":"X","groupLicense":"none","lastName":"","license":"none","phoneNumber":"","preferredLanguage":"","status":"pending","templateLicense":"","title":"","userProfile":"","waitingLicense":""}`,
	}
	if len(got) != len(want) {
		t.Fatalf("audit entries:\n%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
	if page.Entries[0].ActorID != full.ID || page.Entries[0].Target != "x@example.com" {
		t.Errorf("actor/target: %+v", page.Entries[0])
	}
}

func TestCreateUsersInChunks(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	o := newOrg(t, svc, "Bulk", orgSpec{premium: 4})
	other := newOrg(t, svc, "Other", orgSpec{})
	mustCreate(t, svc, other, provision.NewUser{Email: "elsewhere@example.com"})
	mustCreate(t, svc, o, provision.NewUser{Email: "here@example.com"})

	in := []provision.NewUser{
		{Email: "p1@example.com", License: roster.LicensePremium},
		{Email: "P1@example.com"}, // the same person twice in one chunk
		{Email: "elsewhere@example.com"},
		{Email: "here@example.com"},
		{Email: "bad", License: roster.LicenseStandard},
		{Email: "p2@example.com", License: roster.LicensePremium}, // second chunk from here
		{Email: "p1@example.com"},                                 // the same person in a later chunk
		{Email: "p3@example.com", License: roster.LicensePremium},
		{Email: "p4@example.com", License: roster.LicensePremium},
		{Email: "p5@example.com", License: roster.LicensePremium}, // the fifth premium seat
		{Email: "s@example.com", License: roster.LicenseStandard, CCRole: roster.RoleSupervisor},
	}
	res, err := svc.CreateUsers(ctx, admin(o, roster.AdminFull), o.ID, in, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := []roster.Code{"", roster.CodeEmailExists, roster.CodeEmailInOtherOrg, roster.CodeEmailExists, roster.CodeInvalid,
		"", roster.CodeEmailExists, "", "", roster.CodeNoSeatsAvailable, roster.CodeRoleRequiresPremium}
	for i, w := range want {
		if res[i].Code != w || (w == "") != (res[i].Outcome == provision.Created) {
			t.Errorf("row %d (%s): %+v, want code %q", i, in[i].Email, res[i], w)
		}
	}
	got, _ := svc.Org(ctx, system, o.ID)
	if want := (roster.Usage{Users: 5, Premium: 4}); got.Usage != want {
		t.Fatalf("usage %+v, want %+v", got.Usage, want)
	}
	page, _ := svc.AuditEntries(ctx, system, roster.AuditFilter{OrgID: o.ID, Action: "user.create"})
	if len(page.Entries) != 5 {
		t.Fatalf("%d user.create audit entries, want 5", len(page.Entries))
	}
}
