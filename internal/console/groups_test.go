package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
)

// newGroup creates a group of the test organization that gives license.
func (e *env) newGroup(name string, license roster.License) *roster.Group {
	e.t.Helper()
	g, err := e.svc.CreateGroup(context.Background(), sys, e.org.ID, provision.GroupInput{Name: &name, License: &license})
	if err != nil {
		e.t.Fatal(err)
	}
	return g
}

// setMode sets the organization's automatic license assignment.
func (e *env) setMode(m roster.AssignmentMode, l roster.License) {
	e.t.Helper()
	if _, err := e.svc.SetLicenseAssignment(context.Background(), sys, e.org.ID, roster.LicenseAssignment{Mode: m, License: l}, 0); err != nil {
		e.t.Fatal(err)
	}
}

// groupNamed reads the test organization's group by name; nil when there is none.
func (e *env) groupNamed(name string) *roster.Group {
	e.t.Helper()
	page, err := e.svc.Groups(context.Background(), sys, roster.GroupFilter{OrgID: e.org.ID, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, g := range page.Groups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// orgVersion is the version of the test organization now.
func (e *env) orgVersion() int64 {
	e.t.Helper()
	org, err := e.svc.Org(context.Background(), sys, e.org.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return org.Version
}

// TestGroupPagesByRole opens the groups pages as each kind of reader and posts each change
// as the roles that may not make it: refused, nothing changed.
func TestGroupPagesByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	readers := map[string]*browser{
		"signed out": e.browser("en"),
		"full":       e.signedIn(roster.AdminFull, "en"),
		"cc_service": e.signedIn(roster.AdminCCService, "en"),
		"read_only":  e.signedIn(roster.AdminReadOnly, "en"),
	}
	e.setMode(roster.AssignGroup, "")
	g := e.newGroup("Night shift", roster.LicensePremium)
	u := e.newUser(provision.NewUser{Email: "ada@acme.example"})
	if _, err := e.svc.AddMembers(context.Background(), sys, e.org.ID, g.ID, provision.MemberRefs{UserIDs: []string{u.ID}}); err != nil {
		t.Fatal(err)
	}
	base := e.orgPath("/groups/" + g.ID)
	tests := []struct {
		reader, path string
		status       int
		has, hasNot  []string
	}{
		{"signed out", e.orgPath("/groups"), http.StatusSeeOther, nil, nil},
		{"signed out", base, http.StatusSeeOther, nil, nil},
		{"signed out", e.orgPath("/license-assignment"), http.StatusSeeOther, nil, nil},
		{"full", e.orgPath("/groups"), http.StatusOK, []string{"Night shift", "Create a group", `aria-current="page"`, "Automatic license assignment: by group."}, nil},
		{"full", base, http.StatusOK, []string{"ada@acme.example", `name="name"`, `name="license"`, "Add members", "Remove the selected members", base + "/delete"}, nil},
		{"full", base + "/delete", http.StatusOK, []string{"1 member leaves the group.", "1 user loses the license inherited from this group.", "Delete Night shift"}, nil},
		{"full", e.orgPath("/license-assignment"), http.StatusOK, []string{"Applies to new users; existing users are not changed.", "Run a dry run", "Preserve licenses (never remove)", "This is not recommended"}, nil},
		{"cc_service", e.orgPath("/groups"), http.StatusOK, []string{"Night shift"}, []string{"Create a group"}},
		{"cc_service", base, http.StatusOK, []string{`name="license"`}, []string{`name="name"`, "Add members", "Remove the selected members", base + "/delete"}},
		{"cc_service", base + "/delete", http.StatusForbidden, nil, nil},
		{"cc_service", e.orgPath("/license-assignment"), http.StatusOK, []string{"Run a dry run", `<button type="submit">Save`}, nil},
		{"read_only", e.orgPath("/groups"), http.StatusOK, []string{"Night shift"}, []string{"Create a group"}},
		{"read_only", base, http.StatusOK, []string{"ada@acme.example"}, []string{`<form method="post"` + ` action="` + base, `type="checkbox"`}},
		{"read_only", base + "/delete", http.StatusForbidden, nil, nil},
		{"read_only", e.orgPath("/license-assignment"), http.StatusOK, []string{"Applies to new users"}, []string{"Run a dry run", `<button type="submit">Save`}},
		{"full", e.orgPath("/groups/no-such-group"), http.StatusNotFound, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.reader+" "+tt.path, func(t *testing.T) {
			resp := readers[tt.reader].get(tt.path)
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d\n%s", resp.status, tt.status, resp.body)
			}
			if tt.status == http.StatusSeeOther && !strings.HasPrefix(resp.header.Get("Location"), "/console/sign-in?next=") {
				t.Errorf("redirect to %q", resp.header.Get("Location"))
			}
			for _, s := range tt.has {
				if !strings.Contains(resp.body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(resp.body, s) {
					t.Errorf("page shows %q", s)
				}
			}
		})
	}
	v := url.Values{"version": {"1"}}
	posts := []struct {
		reader, path string
		form         url.Values
	}{
		{"read_only", e.orgPath("/groups"), url.Values{"name": {"Day shift"}, "license": {"none"}}},
		{"cc_service", e.orgPath("/groups"), url.Values{"name": {"Day shift"}, "license": {"none"}}},
		{"read_only", base, url.Values{"version": {"1"}, "license": {"standard"}}},
		{"cc_service", base, url.Values{"version": {"1"}, "name": {"Renamed"}, "license": {"premium"}}},
		{"read_only", base + "/members", url.Values{"emails": {"full@acme.example"}}},
		{"cc_service", base + "/members", url.Values{"emails": {"full@acme.example"}}},
		{"cc_service", base + "/members/remove", url.Values{"userId": {u.ID}, "confirm": {"1"}}},
		{"read_only", base + "/members/remove", url.Values{"userId": {u.ID}, "confirm": {"1"}}},
		{"cc_service", base + "/delete", v},
		{"read_only", base + "/delete", v},
		{"read_only", e.orgPath("/license-assignment"), url.Values{"version": {strconv.FormatInt(e.orgVersion(), 10)}, "mode": {"off"}}},
		{"read_only", e.orgPath("/license-assignment/dry-run"), url.Values{}},
	}
	for _, p := range posts {
		resp := readers[p.reader].post(p.path, p.form)
		if resp.status != http.StatusForbidden {
			t.Errorf("%s posts %s: %d, want 403\n%s", p.reader, p.path, resp.status, resp.body)
		}
	}
	if resp := readers["signed out"].post(base+"/delete", v); resp.status != http.StatusSeeOther {
		t.Errorf("signed out delete: %d", resp.status)
	}
	after, _ := e.svc.Group(context.Background(), sys, e.org.ID, g.ID)
	if after == nil || after.Name != "Night shift" || after.License != roster.LicensePremium || after.Members != 1 || e.groupNamed("Day shift") != nil {
		t.Errorf("a refused post changed the groups: %+v", after)
	}
	if e.taskCount() != 0 {
		t.Error("a refused dry run started a task")
	}
	// cc_service changes licenses: the group's license, without the name.
	if resp := readers["cc_service"].post(base, url.Values{"version": {"1"}, "license": {"standard"}}); resp.status != http.StatusSeeOther {
		t.Fatalf("cc_service changes the group's license: %d\n%s", resp.status, resp.body)
	}
	if got, _ := e.svc.Group(context.Background(), sys, e.org.ID, g.ID); got.License != roster.LicenseStandard || got.Name != "Night shift" {
		t.Errorf("after cc_service's change: %+v", got)
	}
}

// TestGroupBadInput refuses bad forms with a localized message at their field, keeps what was
// entered, and changes nothing.
func TestGroupBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	sv := e.signedIn(roster.AdminFull, "sv")
	if resp := sv.post("/console/language", url.Values{"language": {"sv"}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
		t.Fatalf("language: %d", resp.status)
	}
	orgVersion := strconv.FormatInt(e.orgVersion(), 10)
	g := e.newGroup("Kväll", roster.LicenseNone)
	base := e.orgPath("/groups/" + g.ID)
	tests := []struct {
		name, path string
		form       url.Values
		status     int
		has        []string
	}{
		{"empty name", e.orgPath("/groups"), url.Values{"name": {"  "}, "license": {"none"}}, http.StatusUnprocessableEntity, []string{`aria-invalid="true"`, `href="#name"`}},
		{"name in use", e.orgPath("/groups"), url.Values{"name": {"kväll"}, "license": {"standard"}}, http.StatusUnprocessableEntity, []string{"Det finns redan en grupp med det här namnet", `value="kväll"`}},
		{"bar in name", e.orgPath("/groups"), url.Values{"name": {"a|b"}, "license": {"none"}}, http.StatusUnprocessableEntity, []string{`value="a|b"`}},
		{"unknown license", e.orgPath("/groups"), url.Values{"name": {"Ny"}, "license": {"gold"}}, http.StatusUnprocessableEntity, []string{`href="#license"`}},
		{"stale rename", base, url.Values{"version": {"7"}, "name": {"Natt"}, "license": {"none"}}, http.StatusConflict, []string{"Någon ändrade gruppen"}},
		{"no version", base, url.Values{"name": {"Natt"}, "license": {"none"}}, http.StatusConflict, nil},
		{"no emails", base + "/members", url.Values{"emails": {" ;, "}}, http.StatusUnprocessableEntity, []string{"Ange minst en e-postadress."}},
		{"unknown email", base + "/members", url.Values{"emails": {"nobody@acme.example"}}, http.StatusUnprocessableEntity, []string{"nobody@acme.example: ingen användare", ">nobody@acme.example</textarea>"}},
		{"nothing ticked", base + "/members/remove", url.Values{}, http.StatusUnprocessableEntity, []string{"Välj de medlemmar som ska tas bort."}},
		{"org mode without license", e.orgPath("/license-assignment"), url.Values{"version": {orgVersion}, "mode": {"org"}, "license": {""}}, http.StatusUnprocessableEntity, []string{`href="#license"`}},
		{"unknown mode", e.orgPath("/license-assignment"), url.Values{"version": {orgVersion}, "mode": {"all"}}, http.StatusUnprocessableEntity, []string{`href="#mode"`}},
		{"apply while off", e.orgPath("/license-assignment/dry-run"), url.Values{}, http.StatusUnprocessableEntity, []string{"Automatisk licenstilldelning är avstängd."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := sv.post(tt.path, tt.form)
			mustAnswer(t, tt.name, resp, tt.status, tt.has...)
			if !strings.Contains(resp.body, `<html lang="sv">`) {
				t.Error("not in Swedish")
			}
		})
	}
	page, _ := e.svc.Groups(context.Background(), sys, roster.GroupFilter{OrgID: e.org.ID, Limit: 10})
	if len(page.Groups) != 1 || page.Groups[0].Name != "Kväll" || page.Groups[0].Members != 0 {
		t.Errorf("bad input changed the groups: %+v", page.Groups)
	}
	if org, _ := e.svc.Org(context.Background(), sys, e.org.ID); org.Assignment.Mode != roster.AssignOff {
		t.Errorf("bad input changed the mode: %+v", org.Assignment)
	}
}

var locationTask = regexp.MustCompile(`/tasks/([^/?#]+)$`)

// TestGroupLicensing creates a premium group, adds members, sees their licenses and sources,
// removes one after a confirmation that counts, and deletes the group.
func TestGroupLicensing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	e.setMode(roster.AssignGroup, "")
	ada := e.newUser(provision.NewUser{Email: "ada@acme.example"})
	bob := e.newUser(provision.NewUser{Email: "bob@acme.example", License: roster.LicenseStandard})

	resp := b.post(e.orgPath("/groups"), url.Values{"name": {"Premium agents"}, "license": {"premium"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.status, resp.body)
	}
	g := e.groupNamed("Premium agents")
	base := e.orgPath("/groups/" + g.ID)
	if loc := resp.header.Get("Location"); loc != base {
		t.Errorf("after create: %s", loc)
	}
	mustAnswer(t, "group page", b.get(base), http.StatusOK, "Group Premium agents created.", "Premium agent")
	resp = b.post(base+"/members", url.Values{"emails": {"ADA@acme.example; bob@acme.example"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("add: %d\n%s", resp.status, resp.body)
	}
	mustAnswer(t, "group page", b.get(base), http.StatusOK, "2 members added.", "ada@acme.example", "bob@acme.example")
	if e.user(ada.ID).License != roster.LicensePremium || e.user(bob.ID).License != roster.LicensePremium {
		t.Fatalf("members' licenses: %s %s", e.user(ada.ID).License, e.user(bob.ID).License)
	}
	// The user's page names the group as the source, linked to the group's page.
	mustAnswer(t, "ada's page", b.get(e.orgPath("/users/"+ada.ID)), http.StatusOK, `href="`+base+`">Premium agents</a>`)

	// Removing both: ada loses premium; bob keeps a license, but standard is not premium:
	// he loses the inherited one too. Remove ada alone first.
	resp = b.post(base+"/members/remove", url.Values{"userId": {ada.ID}})
	mustAnswer(t, "removal confirmation", resp, http.StatusOK, "1 selected user leaves the group.",
		"1 user loses the license inherited from this group.", "0 users keep their license from another source.", "Remove 1 member")
	if e.user(ada.ID).License != roster.LicensePremium {
		t.Fatal("the confirmation page removed the member")
	}
	resp = b.post(base+"/members/remove", url.Values{"userId": {ada.ID}, "confirm": {"1"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", resp.status, resp.body)
	}
	if got := e.user(ada.ID).License; got != roster.LicenseNone {
		t.Errorf("ada after leaving: %s", got)
	}
	mustAnswer(t, "group page", b.get(base), http.StatusOK, "1 member removed.")

	// Deleting the group: bob falls back to his direct standard license.
	mustAnswer(t, "delete confirmation", b.get(base+"/delete"), http.StatusOK, "1 member leaves the group.", "1 user loses the license inherited from this group.")
	resp = b.post(base+"/delete", url.Values{"version": {versionOn(t, b.get(base).body)}})
	if resp.status != http.StatusSeeOther || resp.header.Get("Location") != e.orgPath("/groups") {
		t.Fatalf("delete: %d %s\n%s", resp.status, resp.header.Get("Location"), resp.body)
	}
	if got := e.user(bob.ID).License; got != roster.LicenseStandard {
		t.Errorf("bob after the deletion: %s", got)
	}
	if e.groupNamed("Premium agents") != nil {
		t.Error("the group is still there")
	}
}

// TestApplyTemplatePages sets the template, runs the mandatory dry run, is refused the real
// run without the confirmation of the profile reset, runs it with it, and offers the revert.
func TestApplyTemplatePages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	e.startWorker()
	b := e.signedIn(roster.AdminFull, "en")
	u := e.newUser(provision.NewUser{Email: "ada@acme.example", License: roster.LicensePremium})
	custom, err := e.svc.CreateUserProfile(context.Background(), sys, e.org.ID, "Night shift", roster.ProfilePremiumAgent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateUser(context.Background(), sys, e.org.ID, u.ID, provision.UserChange{UserProfileID: &custom.ID}, 0); err != nil {
		t.Fatal(err)
	}
	page := b.get(e.orgPath("/license-assignment"))
	resp := b.post(e.orgPath("/license-assignment"), url.Values{"version": {versionOn(t, page.body)}, "mode": {"org"}, "license": {"standard"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("set the template: %d\n%s", resp.status, resp.body)
	}
	mustAnswer(t, "template page", b.get(e.orgPath("/license-assignment")), http.StatusOK, "Automatic license assignment saved.", `value="org" checked`)

	resp = b.post(e.orgPath("/license-assignment/dry-run"), url.Values{}) // without preserving licenses
	m := locationTask.FindStringSubmatch(resp.header.Get("Location"))
	if resp.status != http.StatusSeeOther || m == nil {
		t.Fatalf("dry run: %d %s\n%s", resp.status, resp.header.Get("Location"), resp.body)
	}
	dry := e.waitTask(m[1])
	taskPath := e.orgPath("/tasks/" + dry.ID)
	mustAnswer(t, "dry run page", b.get(taskPath), http.StatusOK, "Dry run: template applied to existing users", "ada@acme.example",
		"From Premium agent to Standard agent", "Reset to the default profile", "I understand that 1 custom user profile will be reset",
		"No: licenses may be removed", "This is not recommended")
	if e.user(u.ID).License != roster.LicensePremium {
		t.Fatal("the dry run changed the user")
	}
	resp = b.post(e.orgPath("/license-assignment/apply/"+dry.ID), url.Values{})
	mustAnswer(t, "unconfirmed", resp, http.StatusUnprocessableEntity, "Tick the box to confirm", `href="#confirmProfileReset"`)
	if n := e.taskCount(); n != 1 {
		t.Errorf("the unconfirmed run started a task: %d tasks", n)
	}
	resp = b.post(e.orgPath("/license-assignment/apply/"+dry.ID), url.Values{"confirmProfileReset": {"1"}})
	m = locationTask.FindStringSubmatch(resp.header.Get("Location"))
	if resp.status != http.StatusSeeOther || m == nil {
		t.Fatalf("real run: %d\n%s", resp.status, resp.body)
	}
	real := e.waitTask(m[1])
	if got := e.user(u.ID); got.License != roster.LicenseStandard || got.UserProfileID != "" {
		t.Errorf("after the real run: %s %q", got.License, got.UserProfileID)
	}
	mustAnswer(t, "real run page", b.get(e.orgPath("/tasks/"+real.ID)), http.StatusOK, "Users changed", `/tasks/`+real.ID+`/revert`)
	// A dry run cannot be run twice for real with another template in between.
	e.setMode(roster.AssignOrg, roster.LicensePremium)
	mustAnswer(t, "template changed", b.post(e.orgPath("/license-assignment/apply/"+dry.ID), url.Values{"confirmProfileReset": {"1"}}), http.StatusConflict)
	// The revert puts the user back.
	resp = b.post(e.orgPath("/tasks/"+real.ID+"/revert"), url.Values{})
	m = locationTask.FindStringSubmatch(resp.header.Get("Location"))
	if resp.status != http.StatusSeeOther || m == nil {
		t.Fatalf("revert: %d\n%s", resp.status, resp.body)
	}
	e.waitTask(m[1])
	if got := e.user(u.ID).License; got != roster.LicensePremium {
		t.Errorf("after the revert: %s", got)
	}
}

// TestGroupPagesInEveryLanguage renders the groups pages in each language without a key.
func TestGroupPagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	e.startWorker()
	b := e.signedIn(roster.AdminFull, "en")
	e.setMode(roster.AssignGroup, "")
	g := e.newGroup("Night shift", roster.LicensePremium)
	u := e.newUser(provision.NewUser{Email: "ada@acme.example"})
	if _, err := e.svc.AddMembers(context.Background(), sys, e.org.ID, g.ID, provision.MemberRefs{UserIDs: []string{u.ID}}); err != nil {
		t.Fatal(err)
	}
	dry, err := e.svc.StartApplyTemplate(context.Background(), sys, e.org.ID, provision.ApplyOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	e.waitTask(dry.ID)
	base := e.orgPath("/groups/" + g.ID)
	pages := []string{e.orgPath("/groups"), base, base + "/delete", e.orgPath("/license-assignment"), e.orgPath("/tasks/" + dry.ID)}
	for _, lang := range roster.Languages {
		if resp := b.post("/console/language", url.Values{"language": {string(lang)}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
			t.Fatalf("language %s: %d", lang, resp.status)
		}
		for _, p := range pages {
			resp := b.get(p)
			if resp.status != http.StatusOK {
				t.Fatalf("%s %s: %d", lang, p, resp.status)
			}
			checkLocalized(t, lang, p, resp.body)
		}
		resp := b.post(base+"/members/remove", url.Values{"userId": {u.ID}})
		mustAnswer(t, string(lang)+" removal confirmation", resp, http.StatusOK)
		checkLocalized(t, lang, "removal confirmation", resp.body)
	}
}
