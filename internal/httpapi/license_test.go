package httpapi_test

import (
	"fmt"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
)

func TestLicenseAssignment(t *testing.T) {
	t.Parallel()
	path := "/api/v1/orgs/{A}/license-assignment"
	orgMode := func(f *fixture) { f.setAssignment(f.a.ID, roster.AssignOrg, roster.LicenseStandard) }
	runScenarios(t, []scenario{
		{name: "read", method: "GET", path: path, token: "A.ro", status: 200,
			want: map[string]any{"mode": "off", "license": "none", "version": 1},
			check: func(t *testing.T, _ *fixture, r resp) {
				if r.header.Get("ETag") != `"1"` {
					t.Errorf("ETag %q", r.header.Get("ETag"))
				}
			}},
		{name: "org mode", method: "PUT", path: path, token: "A.full", header: ifMatch(`"1"`), body: map[string]any{"mode": "org", "license": "standard"},
			status: 200, want: map[string]any{"mode": "org", "license": "standard", "version": 2},
			check: func(t *testing.T, f *fixture, r resp) {
				if r.header.Get("ETag") != `"2"` {
					t.Errorf("ETag %q", r.header.Get("ETag"))
				}
				// A new user without a license choice gets the template's.
				u := f.do(req{method: "POST", path: f.expand("/api/v1/orgs/{A}/users"), token: f.tokens["A.full"], body: map[string]any{"email": "new@a.example"}})
				if get(u.body, "license") != "standard" {
					t.Errorf("new user %s", u.raw)
				}
			}},
		{name: "group mode", method: "PUT", path: path, token: "A.cc", body: map[string]any{"mode": "group"},
			status: 200, want: map[string]any{"mode": "group", "license": "none"}},
		{name: "stale", method: "PUT", path: path, token: "A.full", header: ifMatch(`"1"`), body: map[string]any{"mode": "group"},
			setup: orgMode, status: 412, code: roster.CodePreconditionFailed},
		{name: "org mode needs a license", method: "PUT", path: path, token: "A.full", body: map[string]any{"mode": "org"},
			status: 400, code: roster.CodeInvalid, field: "license"},
		{name: "license only in org mode", method: "PUT", path: path, token: "A.full", body: map[string]any{"mode": "group", "license": "premium"},
			status: 400, code: roster.CodeInvalid, field: "license"},
		{name: "unknown mode", method: "PUT", path: path, token: "A.full", body: map[string]any{"mode": "auto"},
			status: 400, code: roster.CodeInvalid, field: "mode"},
		{name: "read_only", method: "PUT", path: path, token: "A.ro", body: map[string]any{"mode": "group"},
			status: 403, code: roster.CodeForbidden},
		{name: "another org", method: "GET", path: path, token: "B.full", status: 404, code: roster.CodeNotFound},

		{name: "apply in mode off", method: "POST", path: path + "/apply", token: "A.full", body: map[string]any{"dryRun": true},
			status: 409, code: roster.CodeTemplateOff},
		{name: "apply by read_only", method: "POST", path: path + "/apply", token: "A.ro", body: map[string]any{"dryRun": true},
			setup: orgMode, status: 403, code: roster.CodeForbidden},
		// A has imports queued: one task that changes licenses runs at a time.
		{name: "apply during an import", method: "POST", path: path + "/apply", token: "A.cc", body: map[string]any{},
			setup: orgMode, status: 409, code: roster.CodeImportInProgress},
		{name: "apply queued", method: "POST", path: "/api/v1/orgs/{B}/license-assignment/apply", token: "B.full",
			body:   map[string]any{"dryRun": true, "preserveLicenses": true},
			setup:  func(f *fixture) { f.setAssignment(f.b.ID, roster.AssignOrg, roster.LicenseStandard) },
			status: 202, want: map[string]any{"kind": provision.KindApplyTemplate, "state": "queued", "progress.total": 2, "summary": nil},
			check: func(t *testing.T, f *fixture, r resp) {
				if loc := r.header.Get("Location"); loc != "/api/v1/orgs/"+f.b.ID+"/tasks/"+get(r.body, "id").(string) {
					t.Errorf("Location %q", loc)
				}
			}},
		{name: "apply unknown option", method: "POST", path: path + "/apply", token: "A.full", body: map[string]any{"force": true},
			setup: orgMode, status: 400, code: roster.CodeInvalid, field: "force"},
	})
}

// TestGroupLicenses follows a user into a premium group in group mode and out again, and a
// user of an organization without a free seat that waits for one.
func TestGroupLicenses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	full := f.tokens["A.full"]
	la := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/license-assignment"), token: full})
	r := f.do(req{method: "PUT", path: f.expand("/api/v1/orgs/{A}/license-assignment"), token: full,
		header: ifMatch(la.header.Get("ETag")), body: map[string]any{"mode": "group"}})
	if r.status != 200 {
		t.Fatalf("group mode: %d %s", r.status, r.raw)
	}
	r = f.do(req{method: "POST", path: f.expand("/api/v1/orgs/{A}/groups"), token: full, body: map[string]any{"name": "Premium people", "license": "premium"}})
	if r.status != 201 {
		t.Fatalf("create group: %d %s", r.status, r.raw)
	}
	groupID := get(r.body, "id").(string)
	members := f.expand("/api/v1/orgs/{A}/groups/") + groupID + "/members"
	agent := f.expand("/api/v1/orgs/{A}/users/{A.agent}")

	r = f.do(req{method: "POST", path: members, token: full, body: map[string]any{"userIds": []string{f.users["A.agent"].ID}}})
	if r.status != 200 || get(r.body, "changed") != float64(1) || get(r.body, "waiting") != float64(0) {
		t.Fatalf("add: %d %s", r.status, r.raw)
	}
	u := f.do(req{method: "GET", path: agent, token: f.tokens["A.ro"]})
	if get(u.body, "license") != "premium" || get(u.body, "licenseError") != nil || get(u.body, "userProfile") != "Premium Agent" {
		t.Errorf("member: %s", u.raw)
	}
	sources := map[string]string{}
	for _, s := range get(u.body, "licenseSources").([]any) {
		sources[get(s, "kind").(string)] = fmt.Sprint(get(s, "license"), " ", get(s, "groupName"))
	}
	if sources["direct"] != "standard <nil>" || sources["group"] != "premium Premium people" || len(sources) != 2 {
		t.Errorf("licenseSources of the user: %v", sources)
	}
	ls := f.do(req{method: "GET", path: agent + "/license-sources", token: f.tokens["A.ro"]})
	if ls.status != 200 || get(ls.body, "license") != "premium" || get(ls.body, "waiting") != nil ||
		get(ls.body, "sources.1.kind") != "group" || get(ls.body, "sources.1.groupId") != groupID {
		t.Errorf("license-sources: %d %s", ls.status, ls.raw)
	}
	// The list stays light: no sources there.
	list := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/users?group=") + groupID, token: f.tokens["A.ro"]})
	if item := get(list.body, "items.0").(map[string]any); item["license"] != "premium" || item["licenseSources"] != nil {
		t.Errorf("list item %v", item)
	}
	if _, found := get(list.body, "items.0").(map[string]any)["licenseSources"]; found {
		t.Errorf("a list shows licenseSources: %s", list.raw)
	}

	// The group's license is inherited: a direct change cannot go below it.
	r = f.do(req{method: "PATCH", path: agent, token: full, header: ifMatch("*"), body: map[string]any{"license": "standard"}})
	if r.status != 409 {
		t.Fatalf("lower the license: %d %s", r.status, r.raw)
	}
	checkProblem(t, r, roster.CodeLicenseInherited, "")

	r = f.do(req{method: "POST", path: members + "/remove", token: full, body: map[string]any{"emails": []string{"agent@a.example"}}})
	if r.status != 200 || get(r.body, "changed") != float64(1) {
		t.Fatalf("remove: %d %s", r.status, r.raw)
	}
	u = f.do(req{method: "GET", path: agent, token: f.tokens["A.ro"]})
	if get(u.body, "license") != "standard" || len(get(u.body, "licenseSources").([]any)) != 1 {
		t.Errorf("after leaving the group: %s", u.raw)
	}

	// B has one premium seat, taken: a member of B's premium group waits for it.
	f.setAssignment(f.b.ID, roster.AssignGroup, "")
	bg := f.group("B.Premium", roster.LicensePremium)
	r = f.do(req{method: "POST", path: "/api/v1/orgs/" + f.b.ID + "/groups/" + bg.ID + "/members", token: f.tokens["B.full"],
		body: map[string]any{"userIds": []string{f.users["B.std"].ID}}})
	if r.status != 200 || get(r.body, "changed") != float64(1) || get(r.body, "waiting") != float64(1) {
		t.Fatalf("add to B's group: %d %s", r.status, r.raw)
	}
	std := "/api/v1/orgs/" + f.b.ID + "/users/" + f.users["B.std"].ID
	u = f.do(req{method: "GET", path: std, token: f.tokens["B.full"]})
	if get(u.body, "license") != "standard" || get(u.body, "licenseError.code") != "no_seats_available" ||
		get(u.body, "licenseError.license") != "premium" {
		t.Errorf("waiting user: %s", u.raw)
	}
	ls = f.do(req{method: "GET", path: std + "/license-sources", token: f.tokens["B.full"]})
	if get(ls.body, "waiting.license") != "premium" {
		t.Errorf("license-sources of the waiting user: %s", ls.raw)
	}
	// Deleting B's supervisor frees the premium seat, which goes to the waiting user.
	if r := f.do(req{method: "DELETE", path: "/api/v1/orgs/" + f.b.ID + "/users/" + f.users["B.sup"].ID, token: f.tokens["B.full"]}); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	u = f.do(req{method: "GET", path: std, token: f.tokens["B.full"]})
	if get(u.body, "license") != "premium" || get(u.body, "licenseError") != nil {
		t.Errorf("after a seat freed up: %s", u.raw)
	}
}

// TestApplyTemplate runs applications of the template through a worker: a dry run, a refused
// real run that would reset a custom profile, the confirmed run, and its revert.
func TestApplyTemplate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.runWorker()
	full := f.tokens["B.full"]
	org := "/api/v1/orgs/" + f.b.ID
	// B: sup@b.example premium supervisor, std@b.example standard with a custom profile; two
	// seats of each license so that the template fits.
	seats := 2
	if _, err := f.svc.UpdateOrg(t.Context(), actor, f.b.ID, provision.OrgChange{StandardSeats: &seats, PremiumSeats: &seats}, 0); err != nil {
		t.Fatal(err)
	}
	p := f.createUserProfile(f.b.ID, "Day shift", roster.ProfileStandardAgent)
	if _, err := f.svc.UpdateUser(t.Context(), actor, f.b.ID, f.users["B.std"].ID, provision.UserChange{UserProfileID: &p.ID}, 0); err != nil {
		t.Fatal(err)
	}
	f.setAssignment(f.b.ID, roster.AssignOrg, roster.LicensePremium)

	wait := func(task resp) map[string]any {
		t.Helper()
		if task.status != 202 {
			t.Fatalf("apply: %d %s", task.status, task.raw)
		}
		for range 500 {
			r := f.do(req{method: "GET", path: task.header.Get("Location"), token: full})
			if s, _ := get(r.body, "state").(string); roster.TaskState(s).Final() {
				return r.body
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("the task does not finish")
		return nil
	}
	apply := func(body map[string]any) resp {
		return f.do(req{method: "POST", path: org + "/license-assignment/apply", token: full, body: body})
	}
	license := func(name string) any {
		u := f.do(req{method: "GET", path: org + "/users/" + f.users[name].ID, token: full})
		return get(u.body, "license")
	}

	dry := wait(apply(map[string]any{"dryRun": true}))
	if dry["state"] != "completed" || get(dry, "summary.licenseChanges") != float64(1) || get(dry, "summary.profileResets") != float64(1) ||
		get(dry, "summary.waiting") != float64(0) || get(dry, "kind") != provision.KindApplyTemplate {
		t.Errorf("dry run: %v", dry)
	}
	if license("B.std") != "standard" {
		t.Errorf("the dry run changed a license")
	}
	r := apply(map[string]any{})
	if r.status != 409 {
		t.Fatalf("apply without confirming the reset: %d %s", r.status, r.raw)
	}
	checkProblem(t, r, roster.CodeProfileResetUnconfirmed, "")

	done := wait(apply(map[string]any{"confirmProfileReset": true}))
	if done["state"] != "completed" || get(done, "summary.licenseChanges") != float64(1) {
		t.Errorf("real run: %v", done)
	}
	u := f.do(req{method: "GET", path: org + "/users/" + f.users["B.std"].ID, token: full})
	if get(u.body, "license") != "premium" || get(u.body, "userProfileId") != "" || get(u.body, "licenseSources.0.kind") != "template" {
		t.Errorf("after the application: %s", u.raw)
	}

	revert := f.do(req{method: "POST", path: org + "/tasks/" + get(done, "id").(string) + "/revert", token: full})
	if reverted := wait(revert); reverted["state"] != "completed" {
		t.Errorf("revert: %v", reverted)
	}
	if license("B.std") != "standard" {
		t.Errorf("after the revert: %v", license("B.std"))
	}
}
