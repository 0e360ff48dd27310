package provision_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// groupsFixture is an organization in group mode with a standard and a premium group, on one
// engine.
type groupsFixture struct {
	t         *testing.T
	svc       *provision.Service
	store     roster.Store
	org       *roster.Org
	full      roster.Actor
	std, prem *roster.Group
	ctx       context.Context
}

func newGroupsFixture(t *testing.T, engine string, spec orgSpec) *groupsFixture {
	t.Helper()
	store := sqldbtest.Open(t, engine)
	svc := provision.New(store)
	f := &groupsFixture{t: t, svc: svc, store: store, ctx: context.Background()}
	f.org = newOrg(t, svc, "Groups", spec)
	f.full = admin(f.org, roster.AdminFull)
	f.setMode(roster.AssignGroup, "")
	f.std = f.group("Standard agents", roster.LicenseStandard)
	f.prem = f.group("Premium agents", roster.LicensePremium)
	return f
}

func (f *groupsFixture) setMode(m roster.AssignmentMode, l roster.License) {
	f.t.Helper()
	if _, err := f.svc.SetLicenseAssignment(f.ctx, f.full, f.org.ID, roster.LicenseAssignment{Mode: m, License: l}, 0); err != nil {
		f.t.Fatal(err)
	}
}

func (f *groupsFixture) group(name string, l roster.License) *roster.Group {
	f.t.Helper()
	g, err := f.svc.CreateGroup(f.ctx, f.full, f.org.ID, provision.GroupInput{Name: &name, License: &l})
	if err != nil {
		f.t.Fatal(err)
	}
	return g
}

func (f *groupsFixture) join(g *roster.Group, users ...*roster.User) *provision.MembersResult {
	f.t.Helper()
	return f.members(true, g, users...)
}

func (f *groupsFixture) leave(g *roster.Group, users ...*roster.User) *provision.MembersResult {
	f.t.Helper()
	return f.members(false, g, users...)
}

func (f *groupsFixture) members(add bool, g *roster.Group, users ...*roster.User) *provision.MembersResult {
	f.t.Helper()
	refs := provision.MemberRefs{}
	for _, u := range users {
		refs.UserIDs = append(refs.UserIDs, u.ID)
	}
	change := f.svc.RemoveMembers
	if add {
		change = f.svc.AddMembers
	}
	res, err := change(f.ctx, f.full, f.org.ID, g.ID, refs)
	if err != nil {
		f.t.Fatal(err)
	}
	if len(res.Failed) > 0 {
		f.t.Fatalf("members failed: %+v", res.Failed)
	}
	return res
}

// license returns the user's license as "license[+waiting]" and its sources, for comparing.
func (f *groupsFixture) license(u *roster.User) string {
	f.t.Helper()
	e, err := f.svc.LicenseSources(f.ctx, f.full, f.org.ID, u.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	s := string(e.License)
	if e.Waiting.Granted() {
		s += "+waiting " + string(e.Waiting.License)
	}
	var srcs []string
	for _, src := range e.Sources {
		name := string(src.Kind)
		if src.Kind == roster.SourceGroup {
			name = src.GroupName
		}
		srcs = append(srcs, name+"="+string(src.License))
	}
	return s + " [" + strings.Join(srcs, ", ") + "]"
}

func TestLicensePrecedence(t *testing.T) {
	t.Parallel()
	type step struct {
		do   func(f *groupsFixture, u *roster.User)
		want string
	}
	join := func(g func(f *groupsFixture) *roster.Group) func(f *groupsFixture, u *roster.User) {
		return func(f *groupsFixture, u *roster.User) { f.join(g(f), u) }
	}
	leave := func(g func(f *groupsFixture) *roster.Group) func(f *groupsFixture, u *roster.User) {
		return func(f *groupsFixture, u *roster.User) { f.leave(g(f), u) }
	}
	std := func(f *groupsFixture) *roster.Group { return f.std }
	prem := func(f *groupsFixture) *roster.Group { return f.prem }
	direct := func(l roster.License) func(f *groupsFixture, u *roster.User) {
		return func(f *groupsFixture, u *roster.User) {
			if _, err := f.svc.UpdateUser(f.ctx, f.full, f.org.ID, u.ID, provision.UserChange{License: &l}, 0); err != nil {
				f.t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name    string
		license roster.License // the direct choice at creation; "" for none
		steps   []step
	}{
		{"groups only", "", []step{
			{join(std), "standard [Standard agents=standard]"},
			{join(prem), "premium [Standard agents=standard, Premium agents=premium]"},
			{leave(prem), "standard [Standard agents=standard]"},
			{leave(std), "none []"},
		}},
		{"direct and a group", roster.LicenseStandard, []step{
			{join(prem), "premium [direct=standard, Premium agents=premium]"},
			{leave(prem), "standard [direct=standard]"},
		}},
		{"direct premium outlives its group", "", []step{
			{join(std), "standard [Standard agents=standard]"},
			{direct(roster.LicensePremium), "premium [direct=premium, Standard agents=standard]"},
			{leave(std), "premium [direct=premium]"},
		}},
		{"deleting a group", "", []step{
			{join(prem), "premium [Premium agents=premium]"},
			{func(f *groupsFixture, u *roster.User) {
				if err := f.svc.DeleteGroup(f.ctx, f.full, f.org.ID, f.prem.ID, 0); err != nil {
					f.t.Fatal(err)
				}
			}, "none []"},
		}},
		{"a group joined outside group mode grants nothing", "", []step{
			{func(f *groupsFixture, u *roster.User) { f.setMode(roster.AssignOff, ""); f.join(f.prem, u) }, "none []"},
			{func(f *groupsFixture, u *roster.User) { f.setMode(roster.AssignGroup, "") }, "none []"},
		}},
	}
	for _, tt := range tests {
		eachEngine(t, func(t *testing.T, engine string) {
			t.Run(tt.name, func(t *testing.T) {
				f := newGroupsFixture(t, engine, orgSpec{})
				u := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "ada@example.com", License: tt.license})
				for i, s := range tt.steps {
					s.do(f, u)
					if got := f.license(u); got != s.want {
						t.Fatalf("step %d: %s, want %s", i+1, got, s.want)
					}
				}
			})
		})
	}
}

func TestLicenseInheritedRefusesLowering(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		f := newGroupsFixture(t, engine, orgSpec{})
		startWorker(t, f.store, f.svc, 0)
		u := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "ada@example.com"})
		f.join(f.prem, u)
		_, err := f.svc.UpdateUser(f.ctx, f.full, f.org.ID, u.ID, provision.UserChange{License: ptr(roster.LicenseStandard)}, 0)
		wantCode(t, err, roster.CodeLicenseInherited)
		// The same from a CSV file: the row is refused, the user keeps premium.
		task := importFile(t, f.svc, f.full, f.org, provision.ImportAddRemove, false,
			"User ID/Email (Required),Contact Center Standard Agent,Contact Center Premium Agent\nada@example.com,TRUE,FALSE\n")
		if got := report(t, f.svc, f.org, task.ID); got != "2 error license_inherited" {
			t.Errorf("report: %s", got)
		}
		if got := f.license(u); got != "premium [Premium agents=premium]" {
			t.Errorf("after: %s", got)
		}
	})
}

func TestInheritedLicensesWaitForSeats(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		f := newGroupsFixture(t, engine, orgSpec{premium: 1})
		a := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "a@example.com"})
		b := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "b@example.com", License: roster.LicenseStandard})
		c := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "c@example.com"})
		res := f.join(f.prem, a, b, c)
		if res.Changed != 3 || res.Waiting != 2 {
			t.Fatalf("join: %+v", res)
		}
		for u, want := range map[*roster.User]string{
			a: "premium [Premium agents=premium]",
			b: "standard+waiting premium [direct=standard, Premium agents=premium]",
			// Premium includes standard: a standard seat is free, so c holds standard meanwhile.
			c: "standard+waiting premium [Premium agents=premium]",
		} {
			if got := f.license(u); got != want {
				t.Errorf("%s: %s, want %s", u.Email, got, want)
			}
		}
		// A direct choice beyond the seats still fails (rule 5).
		_, err := f.svc.UpdateUser(f.ctx, f.full, f.org.ID, c.ID, provision.UserChange{License: ptr(roster.LicensePremium)}, 0)
		wantCode(t, err, roster.CodeNoSeatsAvailable)
		// a leaves: its seat goes to the longest waiting, b.
		f.leave(f.prem, a)
		if got := f.license(b); got != "premium [direct=standard, Premium agents=premium]" {
			t.Errorf("b after a left: %s", got)
		}
		// More seats: c gets one.
		if _, err := f.svc.UpdateOrg(f.ctx, system, f.org.ID, provision.OrgChange{PremiumSeats: ptr(2)}, 0); err != nil {
			t.Fatal(err)
		}
		if got := f.license(c); got != "premium [Premium agents=premium]" {
			t.Errorf("c after more seats: %s", got)
		}
		org, err := f.svc.Org(f.ctx, f.full, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if org.Usage.Premium != 2 || org.Usage.Standard != 0 || org.Usage.Users != 3 {
			t.Errorf("usage %+v", org.Usage)
		}
		// Deleting a premium user frees a seat for the waiting one.
		f.join(f.prem, a)
		if got := f.license(a); got != "standard+waiting premium [Premium agents=premium]" {
			t.Errorf("a rejoined: %s", got)
		}
		if err := f.svc.DeleteUser(f.ctx, f.full, f.org.ID, c.ID, 0); err != nil {
			t.Fatal(err)
		}
		if got := f.license(a); got != "premium [Premium agents=premium]" {
			t.Errorf("a after c was deleted: %s", got)
		}
	})
}

func TestTemplateForNewUsers(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		f := newGroupsFixture(t, engine, orgSpec{})
		startWorker(t, f.store, f.svc, 0)
		f.setMode(roster.AssignOrg, roster.LicenseStandard)
		chosen := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "chosen@example.com", License: roster.LicenseNone})
		auto := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "auto@example.com"})
		res, err := f.svc.AddOrModifyUsers(f.ctx, f.full, f.org.ID, provision.Batch{Entries: []provision.BatchEntry{{Email: "batch@example.com"}}})
		if err != nil || res[0].Outcome != provision.Created {
			t.Fatalf("batch: %+v %v", res, err)
		}
		importFile(t, f.svc, f.full, f.org, provision.ImportAdd, false,
			"User ID/Email (Required),Contact Center Standard Agent,Contact Center Premium Agent\ncsv@example.com,,\ncsvnone@example.com,FALSE,FALSE\n")
		for email, want := range map[string]string{
			"chosen@example.com": "none []",
			"auto@example.com":   "standard [template=standard]",
			"batch@example.com":  "standard [template=standard]",
			"csv@example.com":    "standard [template=standard]",
			// FALSE in add mode adds nothing: no explicit choice either.
			"csvnone@example.com": "standard [template=standard]",
		} {
			if got := f.license(userByEmail(t, f.store, email)); got != want {
				t.Errorf("%s: %s, want %s", email, got, want)
			}
		}
		// Switching modes changes no existing user.
		f.setMode(roster.AssignGroup, "")
		if got := f.license(auto); got != "standard [template=standard]" {
			t.Errorf("after switching to group mode: %s", got)
		}
		_ = chosen
		// In group mode a CSV row joins its groups, and an unknown group is a row error.
		task := importFile(t, f.svc, f.full, f.org, provision.ImportAdd, false,
			"User ID/Email (Required),Groups\nnew@example.com,Premium agents\nauto@example.com,Standard agents|premium AGENTS\nbad@example.com,Nope\n")
		if got := report(t, f.svc, f.org, task.ID); got != "2 created \n3 updated \n4 error unknown_group" {
			t.Errorf("report:\n%s", got)
		}
		if got := f.license(userByEmail(t, f.store, "new@example.com")); got != "premium [Premium agents=premium]" {
			t.Errorf("new: %s", got)
		}
		if got := f.license(auto); got != "premium [template=standard, Premium agents=premium, Standard agents=standard]" {
			t.Errorf("auto: %s", got)
		}
		if userByEmail(t, f.store, "bad@example.com") != nil {
			t.Error("a row naming an unknown group created its user")
		}
		// add_remove leaves the groups a row does not list.
		importFile(t, f.svc, f.full, f.org, provision.ImportAddRemove, false, "User ID/Email (Required),Groups\nauto@example.com,Standard agents\n")
		if got := f.license(auto); got != "standard [template=standard, Standard agents=standard]" {
			t.Errorf("auto after add_remove: %s", got)
		}
		// The export writes the groups, for a file that imports back unchanged.
		var out strings.Builder
		if err := f.svc.ExportUsers(f.ctx, f.full, f.org.ID, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), ",auto@example.com,pending,,,,,Standard agents,TRUE,FALSE,") ||
			!strings.Contains(out.String(), ",new@example.com,pending,,,,,Premium agents,FALSE,TRUE,") {
			t.Errorf("export:\n%s", out.String())
		}
		again := importFile(t, f.svc, f.full, f.org, provision.ImportAddRemove, false, out.String())
		if again.Counts.Unchanged != again.Progress.Total || again.Counts.Errors != 0 {
			t.Errorf("the export imported back: %s\n%s", counts(again.Counts), report(t, f.svc, f.org, again.ID))
		}
	})
}

func TestApplyTemplate(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		f := newGroupsFixture(t, engine, orgSpec{})
		startWorker(t, f.store, f.svc, 0)
		// Before group mode existed, everyone chose directly; memberships grant nothing.
		f.setMode(roster.AssignOff, "")
		var users []*roster.User
		for i, l := range []roster.License{roster.LicensePremium, roster.LicenseStandard, roster.LicenseNone, roster.LicensePremium} {
			users = append(users, mustCreate(t, f.svc, f.org, provision.NewUser{Email: fmt.Sprintf("u%d@example.com", i), License: l}))
		}
		f.join(f.prem, users[2])
		f.join(f.std, users[0], users[3])
		custom, err := f.svc.CreateUserProfile(f.ctx, f.full, f.org.ID, "Night shift", roster.ProfilePremiumAgent)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UpdateUser(f.ctx, f.full, f.org.ID, users[3].ID, provision.UserChange{UserProfileID: &custom.ID}, 0); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.StartApplyTemplate(f.ctx, f.full, f.org.ID, provision.ApplyOptions{DryRun: true})
		wantCode(t, err, roster.CodeTemplateOff)
		f.setMode(roster.AssignGroup, "")

		// u3 would go from premium to standard and lose its custom profile: refused unconfirmed.
		_, err = f.svc.StartApplyTemplate(f.ctx, f.full, f.org.ID, provision.ApplyOptions{})
		wantCode(t, err, roster.CodeProfileResetUnconfirmed)

		apply := func(o provision.ApplyOptions) (*roster.Task, string) {
			t.Helper()
			task, err := f.svc.StartApplyTemplate(f.ctx, f.full, f.org.ID, o)
			if err != nil {
				t.Fatal(err)
			}
			task = waitTask(t, f.svc, f.org, task.ID)
			if task.State != roster.TaskCompleted {
				t.Fatalf("apply: %s %s", task.State, task.Error)
			}
			var sum provision.ApplySummary
			if err := json.Unmarshal(task.Summary, &sum); err != nil {
				t.Fatal(err)
			}
			return task, report(t, f.svc, f.org, task.ID) + "\n" + fmt.Sprintf("%+v", sum)
		}
		dry, dryReport := apply(provision.ApplyOptions{DryRun: true})
		wantReport := "1 updated \n2 updated \n3 updated \n4 warning profile_reset\n" +
			`{LicenseChanges:4 SourceChanges:0 ProfileResets:1 Waiting:0}`
		if dryReport != wantReport {
			t.Errorf("dry run:\n%s\nwant\n%s", dryReport, wantReport)
		}
		// As in an import, the row with a warning counts as updated too: every reported user.
		if got, want := counts(dry.Counts), "created 0 updated 4 unchanged 0 warnings 1 errors 0"; got != want {
			t.Errorf("dry run counts: %s, want %s", got, want)
		}
		if got := f.license(users[0]); got != "premium [direct=premium]" {
			t.Errorf("the dry run changed u0: %s", got)
		}
		real, realReport := apply(provision.ApplyOptions{ConfirmProfileReset: true})
		if realReport != dryReport || real.Counts != dry.Counts {
			t.Errorf("real run:\n%s\n%+v\ndry run:\n%s\n%+v", realReport, real.Counts, dryReport, dry.Counts)
		}
		want := []string{
			"standard [Standard agents=standard]",
			"none []",
			"premium [Premium agents=premium]",
			"standard [Standard agents=standard]",
		}
		for i, u := range users {
			if got := f.license(u); got != want[i] {
				t.Errorf("u%d: %s, want %s", i, got, want[i])
			}
		}
		if u := userByEmail(t, f.store, "u3@example.com"); u.UserProfileID != "" {
			t.Errorf("u3 kept its custom profile %q", u.UserProfileID)
		}

		// The revert puts every user back, custom profile included.
		rv, err := f.svc.StartRevert(f.ctx, f.full, f.org.ID, real.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rv = waitTask(t, f.svc, f.org, rv.ID); rv.State != roster.TaskCompleted || rv.Counts.Updated != 4 {
			t.Fatalf("revert: %s %+v %s", rv.State, rv.Counts, report(t, f.svc, f.org, rv.ID))
		}
		if rv.Progress != (roster.TaskProgress{Done: 4, Total: 4}) {
			t.Errorf("revert progress %+v, want 4 of 4", rv.Progress)
		}
		want = []string{
			"premium [direct=premium]",
			"standard [direct=standard]",
			"none []",
			"premium [direct=premium]",
		}
		for i, u := range users {
			if got := f.license(u); got != want[i] {
				t.Errorf("reverted u%d: %s, want %s", i, got, want[i])
			}
		}
		if u := userByEmail(t, f.store, "u3@example.com"); u.UserProfileID != custom.ID {
			t.Errorf("u3 profile after revert: %q", u.UserProfileID)
		}

		// Preserving licenses only adds.
		_, preserved := apply(provision.ApplyOptions{PreserveLicenses: true})
		// u1 has no group to add to its direct standard: unchanged, so not reported. u0 and u3
		// keep premium and gain the grant of Standard agents: their sources change, not their
		// license.
		if preserved != "1 updated \n2 updated \n3 updated \n"+`{LicenseChanges:1 SourceChanges:2 ProfileResets:0 Waiting:0}` {
			t.Errorf("preserve:\n%s", preserved)
		}
		want = []string{
			"premium [direct=premium, Standard agents=standard]",
			"standard [direct=standard]",
			"premium [Premium agents=premium]",
			"premium [direct=premium, Standard agents=standard]",
		}
		for i, u := range users {
			if got := f.license(u); got != want[i] {
				t.Errorf("preserved u%d: %s, want %s", i, got, want[i])
			}
		}
	})
}

func TestUserProfiles(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		f := newGroupsFixture(t, engine, orgSpec{})
		p, err := f.svc.CreateUserProfile(f.ctx, f.full, f.org.ID, "Night shift", roster.ProfilePremiumAgent)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.CreateUserProfile(f.ctx, f.full, f.org.ID, "night SHIFT", roster.ProfileStandardAgent)
		wantCode(t, err, roster.CodeNameExists)
		u := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "ada@example.com", License: roster.LicenseStandard})
		_, err = f.svc.UpdateUser(f.ctx, f.full, f.org.ID, u.ID, provision.UserChange{UserProfileID: &p.ID}, 0)
		wantCode(t, err, roster.CodeProfileMismatch)
		u, err = f.svc.UpdateUser(f.ctx, f.full, f.org.ID, u.ID, provision.UserChange{License: ptr(roster.LicensePremium), UserProfileID: &p.ID}, 0)
		if err != nil || u.UserProfileID != p.ID {
			t.Fatalf("premium with the profile: %+v %v", u, err)
		}
		wantCode(t, f.svc.DeleteUserProfile(f.ctx, f.full, f.org.ID, p.ID, 0), roster.CodeInUse)
		// A direct change of the profile type resets the custom profile.
		u, err = f.svc.UpdateUser(f.ctx, f.full, f.org.ID, u.ID, provision.UserChange{License: ptr(roster.LicenseStandard)}, 0)
		if err != nil || u.UserProfileID != "" {
			t.Fatalf("back to standard: %+v %v", u, err)
		}
		if err := f.svc.DeleteUserProfile(f.ctx, f.full, f.org.ID, p.ID, 0); err != nil {
			t.Fatal(err)
		}
	})
}

// TestBuiltInUserProfiles: the built-in profiles are read like custom ones, one at a time too,
// and every entry point is refused when it renames or deletes one.
func TestBuiltInUserProfiles(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	o := newOrg(t, svc, "Acme", orgSpec{})
	full, ro := admin(o, roster.AdminFull), admin(o, roster.AdminReadOnly)
	night, err := svc.CreateUserProfile(ctx, full, o.ID, "Night", roster.ProfileSupervisor)
	if err != nil {
		t.Fatal(err)
	}
	sup, err := svc.UserProfile(ctx, ro, o.ID, "supervisor")
	if err != nil || !sup.BuiltIn || sup.Name != "Supervisor" || sup.Type != roster.ProfileSupervisor || sup.Version != 1 {
		t.Fatalf("built-in profile: %+v %v", sup, err)
	}
	if got, err := svc.UserProfile(ctx, ro, o.ID, night.ID); err != nil || got.Name != "Night" || got.BuiltIn {
		t.Fatalf("custom profile: %+v %v", got, err)
	}
	_, err = svc.UserProfile(ctx, ro, o.ID, "nope")
	wantCode(t, err, roster.CodeNotFound)
	_, err = svc.UserProfile(ctx, admin(newOrg(t, svc, "Other", orgSpec{}), roster.AdminFull), o.ID, "supervisor")
	wantCode(t, err, roster.CodeNotFound)

	_, err = svc.RenameUserProfile(ctx, full, o.ID, "supervisor", "Bosses", 0)
	wantCode(t, err, roster.CodeConflict)
	if !strings.Contains(roster.ErrorMessage(err), "The user profile Supervisor is built in") {
		t.Errorf("message %q", roster.ErrorMessage(err))
	}
	wantCode(t, svc.DeleteUserProfile(ctx, full, o.ID, "standard_agent", 0), roster.CodeConflict)
	// The role is checked first, and a bad name before the profile is looked at.
	_, err = svc.RenameUserProfile(ctx, ro, o.ID, "supervisor", "Bosses", 0)
	wantCode(t, err, roster.CodeForbidden)
	_, err = svc.RenameUserProfile(ctx, full, o.ID, "supervisor", "", 0)
	wantCode(t, err, roster.CodeInvalid)
	ps, err := svc.UserProfiles(ctx, ro, o.ID)
	if err != nil || len(ps) != 6 || ps[2].ID != "supervisor" || ps[2].Name != "Supervisor" || ps[5].ID != night.ID {
		t.Fatalf("profiles after the refusals: %+v %v", ps, err)
	}
}

// TestPageSize: one rule for the page size of every list.
func TestPageSize(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		limit int
		ok    bool
	}{{0, true}, {1, true}, {roster.MaxPageSize, true}, {-1, false}, {roster.MaxPageSize + 1, false}} {
		err := provision.CheckPageSize(tt.limit)
		if (err == nil) != tt.ok {
			t.Errorf("CheckPageSize(%d) = %v", tt.limit, err)
		}
		if err != nil && roster.ErrorMessage(err) != "The page size must be a whole number between 1 and 1000." {
			t.Errorf("CheckPageSize(%d): message %q", tt.limit, roster.ErrorMessage(err))
		}
	}
	svc, _ := newService(t)
	o := newOrg(t, svc, "Acme", orgSpec{})
	ro := admin(o, roster.AdminReadOnly)
	ctx := context.Background()
	_, err := svc.Users(ctx, ro, roster.UserFilter{OrgID: o.ID, Limit: 1001})
	wantCode(t, err, roster.CodeInvalid)
	_, err = svc.Agents(ctx, ro, roster.AgentFilter{OrgID: o.ID, Limit: -1})
	wantCode(t, err, roster.CodeInvalid)
	_, err = svc.AuditEntries(ctx, ro, roster.AuditFilter{OrgID: o.ID, Limit: 1001})
	wantCode(t, err, roster.CodeInvalid)
	_, err = svc.Emails(ctx, ro, roster.EmailFilter{OrgID: o.ID, Limit: 1001})
	wantCode(t, err, roster.CodeInvalid)
	_, err = svc.Groups(ctx, ro, roster.GroupFilter{OrgID: o.ID, Limit: 1001})
	wantCode(t, err, roster.CodeInvalid)
}
