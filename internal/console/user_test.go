package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
)

var sys = provision.System(roster.ViaCLI)

// newUser creates a user of the test organization.
func (e *env) newUser(in provision.NewUser) *roster.User {
	e.t.Helper()
	u, err := e.svc.CreateUser(context.Background(), sys, e.org.ID, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// user reads a user of the test organization again; nil when it was deleted.
func (e *env) user(id string) *roster.User {
	e.t.Helper()
	u, err := e.svc.User(context.Background(), sys, e.org.ID, id)
	if roster.ErrorCode(err) == roster.CodeNotFound {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

var versionField = regexp.MustCompile(`name="version" value="(\d+)"`)

// versionOn returns the version the page's forms carry.
func versionOn(t *testing.T, body string) string {
	t.Helper()
	m := versionField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no version on the page:\n%s", body)
	}
	return m[1]
}

func mustAnswer(t *testing.T, what string, resp response, status int, has ...string) {
	t.Helper()
	if resp.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, resp.status, status, resp.body)
	}
	for _, s := range has {
		if !strings.Contains(resp.body, s) {
			t.Errorf("%s lacks %q", what, s)
		}
	}
}

// TestUserPageByRole opens the user details page and its confirmation pages as each kind of
// reader, and posts each action as the roles that may not take it: refused, nothing changed.
func TestUserPageByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	readers := map[string]*browser{
		"signed out": e.browser("en"),
		"full":       e.signedIn(roster.AdminFull, "en"),
		"cc_service": e.signedIn(roster.AdminCCService, "en"),
		"read_only":  e.signedIn(roster.AdminReadOnly, "en"),
	}
	u := e.newUser(provision.NewUser{Email: "ada@acme.example", FirstName: "Ada", LastName: "Lovelace", License: roster.LicensePremium})
	base := e.orgPath("/users/" + u.ID)
	post := func(action string) string { return `action="` + base + "/" + action + `"` }
	tests := []struct {
		reader, path string
		status       int
		location     string
		has, hasNot  []string
	}{
		{"signed out", base, http.StatusSeeOther, "/console/sign-in?next=" + url.QueryEscape(base), nil, nil},
		{"signed out", base + "/delete", http.StatusSeeOther, "/console/sign-in?next=", nil, nil},
		{"full", base, http.StatusOK, "", []string{"<h1>Ada Lovelace</h1>", post("profile"), post("license"), post("admin-role"),
			post("user-profile"), `href="` + base + `/deactivate"`, `href="` + base + `/delete"`, post("resend-invitation"), `id="activity"`},
			[]string{"cannot deactivate", post("retry-sync")}},
		{"cc_service", base, http.StatusOK, "", []string{post("license"), post("user-profile"), post("resend-invitation"),
			"cannot deactivate, reactivate or delete users", "Only full administrators give administrator roles."},
			[]string{post("profile"), post("admin-role"), base + "/delete", base + "/deactivate"}},
		{"read_only", base, http.StatusOK, "", []string{"lets you read this user, not change it", "Lovelace"},
			[]string{`method="post" action="` + base, base + "/delete", base + "/deactivate"}},
		{"full", base + "/delete", http.StatusOK, "", []string{"Delete Ada Lovelace?", "Premium agent license is freed",
			"agent is removed from the contact center", "cannot be undone", post("delete"), "autofocus", "Deactivate instead"}, nil},
		{"full", base + "/deactivate", http.StatusOK, "", []string{"Deactivate Ada Lovelace?", "keep their Premium agent license",
			"agent is deactivated", post("deactivate")}, nil},
		{"cc_service", base + "/delete", http.StatusForbidden, "", nil, []string{post("delete")}},
		{"read_only", base + "/deactivate", http.StatusForbidden, "", nil, nil},
		{"full", e.orgPath("/users/" + roster.NewID()), http.StatusNotFound, "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.reader+" "+strings.TrimPrefix(tt.path, base), func(t *testing.T) {
			resp := readers[tt.reader].get(tt.path)
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d\n%s", resp.status, tt.status, resp.body)
			}
			if loc := resp.header.Get("Location"); !strings.HasPrefix(loc, tt.location) {
				t.Errorf("redirect to %q, want %q", loc, tt.location)
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
			if tt.status != http.StatusSeeOther {
				checkHeaders(t, resp)
			}
		})
	}

	// Every POST checks again: forged forms of roles that may not are refused and change nothing.
	v := versionOn(t, readers["full"].get(base).body)
	refused := []struct {
		reader, action string
		form           url.Values
	}{
		{"read_only", "license", url.Values{"version": {v}, "license": {"standard"}, "ccRole": {"agent"}}},
		{"read_only", "user-profile", url.Values{"version": {v}, "userProfileId": {"premium_agent"}}},
		{"read_only", "resend-invitation", nil},
		{"read_only", "retry-sync", nil},
		{"cc_service", "profile", url.Values{"version": {v}, "firstName": {"Eve"}}},
		{"cc_service", "admin-role", url.Values{"version": {v}, "adminRole": {"full"}}},
		{"cc_service", "deactivate", url.Values{"version": {v}}},
		{"cc_service", "reactivate", url.Values{"version": {v}}},
		{"cc_service", "delete", url.Values{"version": {v}}},
		{"signed out", "delete", url.Values{"version": {v}}},
	}
	for _, tt := range refused {
		resp := readers[tt.reader].post(base+"/"+tt.action, tt.form)
		want := http.StatusForbidden
		if tt.reader == "signed out" {
			want = http.StatusSeeOther
		}
		if resp.status != want {
			t.Errorf("%s posts %s: %d, want %d", tt.reader, tt.action, resp.status, want)
		}
	}
	if got := e.user(u.ID); got == nil || got.Version != u.Version || got.Status != roster.StatusPending {
		t.Fatalf("refused posts changed the user: %+v", got)
	}

	// What a contact center service administrator may do, it does.
	resp := readers["cc_service"].post(base+"/license", url.Values{"version": {v}, "license": {"standard"}, "ccRole": {"agent"}})
	if resp.status != http.StatusSeeOther || resp.header.Get("Location") != base+"#license" {
		t.Fatalf("license as cc_service: %d %s\n%s", resp.status, resp.header.Get("Location"), resp.body)
	}
	if got := e.user(u.ID); got.License != roster.LicenseStandard {
		t.Fatalf("license after the change: %s", got.License)
	}
	mustAnswer(t, "page after saving", readers["cc_service"].get(base), http.StatusOK, "Your changes were saved.")
}

// TestUserStaleEdit saves a form made from a version someone changed since: refused, with
// the current values, and nothing of the stale form saved.
func TestUserStaleEdit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	u := e.newUser(provision.NewUser{Email: "ada@acme.example", FirstName: "Ada", License: roster.LicenseStandard})
	base := e.orgPath("/users/" + u.ID)
	v := versionOn(t, b.get(base).body)

	// Someone else changes the user meanwhile.
	other := "Augusta"
	if _, err := e.svc.UpdateUser(t.Context(), sys, e.org.ID, u.ID, provision.UserChange{FirstName: &other}, 0); err != nil {
		t.Fatal(err)
	}
	for _, form := range []struct {
		action string
		values url.Values
	}{
		{"profile", url.Values{"firstName": {"Eve"}, "lastName": {"Stale"}, "email": {u.Email}}},
		{"license", url.Values{"license": {"premium"}, "ccRole": {"agent"}}},
		{"admin-role", url.Values{"adminRole": {"read_only"}}},
		{"deactivate", nil},
		{"delete", nil},
	} {
		values := url.Values{"version": {v}}
		for k, vs := range form.values {
			values[k] = vs
		}
		resp := b.post(base+"/"+form.action, values)
		mustAnswer(t, "stale "+form.action, resp, http.StatusConflict,
			"Someone changed this user after you opened the page", `value="Augusta"`, "error-summary")
		if versionOn(t, resp.body) == v {
			t.Errorf("stale %s: the page still carries the old version", form.action)
		}
	}
	got := e.user(u.ID)
	if got == nil || got.FirstName != "Augusta" || got.LastName != "" || got.License != roster.LicenseStandard ||
		got.AdminRole != roster.AdminNone || got.Status != roster.StatusPending {
		t.Fatalf("a stale form changed the user: %+v", got)
	}
	// A form without a version cannot tell, so it is refused too.
	mustAnswer(t, "no version", b.post(base+"/profile", url.Values{"firstName": {"Eve"}}), http.StatusConflict,
		"Someone changed this user after you opened the page")

	// With the current version the change is saved.
	resp := b.post(base+"/profile", url.Values{"version": {versionOn(t, b.get(base).body)}, "firstName": {"Eve"},
		"lastName": {"Fresh"}, "email": {u.Email}, "phoneNumber": {"+46812345678"}, "preferredLanguage": {"pl"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("fresh save: %d\n%s", resp.status, resp.body)
	}
	if got := e.user(u.ID); got.FirstName != "Eve" || got.LastName != "Fresh" || got.PhoneNumber != "+46812345678" || got.PreferredLanguage != roster.Polish {
		t.Fatalf("after the save: %+v", got)
	}
}

// TestUserBadInput refuses invalid profile values with the message at the field, keeps what
// was entered, and changes nothing.
func TestUserBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "sv")
	if resp := b.post("/console/language", url.Values{"language": {"sv"}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
		t.Fatalf("language: %d", resp.status)
	}
	u := e.newUser(provision.NewUser{Email: "ada@acme.example", FirstName: "Ada"})
	base := e.orgPath("/users/" + u.ID)
	v := versionOn(t, b.get(base).body)
	resp := b.post(base+"/profile", url.Values{"version": {v}, "firstName": {"Eve"}, "email": {"not an email"}, "phoneNumber": {"46812345678"}})
	mustAnswer(t, "bad profile", resp, http.StatusUnprocessableEntity, "error-summary", `value="not an email"`,
		`value="46812345678"`, `value="Eve"`, `href="#email"`, `href="#phoneNumber"`, `aria-invalid="true"`, `<html lang="sv">`)
	resp = b.post(base+"/license", url.Values{"version": {v}, "license": {"gold"}, "ccRole": {"agent"}})
	mustAnswer(t, "unknown license", resp, http.StatusUnprocessableEntity, "error-summary")
	resp = b.post(base+"/user-profile", url.Values{"version": {v}, "userProfileId": {"supervisor"}})
	mustAnswer(t, "profile of another type", resp, http.StatusUnprocessableEntity, "error-summary")
	if got := e.user(u.ID); got.Version != u.Version {
		t.Fatalf("bad input changed the user: %+v", got)
	}
}

// TestUserLicenseAndRoles takes premium from a supervisor (a question first, then both in one
// request), gives an administrator role, and on Contact Center 1.0 shows the administrator
// role of a supervisor disabled with its reason.
func TestUserLicenseAndRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	u := e.newUser(provision.NewUser{Email: "sam@acme.example", FirstName: "Sam", License: roster.LicensePremium, CCRole: roster.RoleSupervisor})
	base := e.orgPath("/users/" + u.ID)
	v := versionOn(t, b.get(base).body)

	resp := b.post(base+"/license", url.Values{"version": {"99"}, "license": {"standard"}, "ccRole": {"supervisor"}})
	mustAnswer(t, "stale question", resp, http.StatusConflict, "Someone changed this user after you opened the page")
	resp = b.post(base+"/license", url.Values{"version": {v}, "license": {"standard"}, "ccRole": {"supervisor"}})
	mustAnswer(t, "question", resp, http.StatusOK, "Also remove the supervisor role?", "Change to Standard agent and remove the supervisor role",
		`name="ccRole" value="agent"`, `name="license" value="standard"`, `name="version" value="`+v+`"`, "Standard agent")
	if got := e.user(u.ID); got.License != roster.LicensePremium || got.CCRole != roster.RoleSupervisor {
		t.Fatalf("the question changed the user: %+v", got)
	}
	resp = b.post(base+"/license", url.Values{"version": {v}, "license": {"standard"}, "ccRole": {"agent"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("answer: %d\n%s", resp.status, resp.body)
	}
	got := e.user(u.ID)
	if got.License != roster.LicenseStandard || got.CCRole != roster.RoleAgent || got.Version != u.Version+1 {
		t.Fatalf("after the answer: %+v", got)
	}

	resp = b.post(base+"/admin-role", url.Values{"version": {versionOn(t, b.get(base).body)}, "adminRole": {"cc_service"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("admin role: %d\n%s", resp.status, resp.body)
	}
	if got := e.user(u.ID); got.AdminRole != roster.AdminCCService {
		t.Fatalf("admin role: %s", got.AdminRole)
	}
	page := b.get(base)
	mustAnswer(t, "page of an administrator", page, http.StatusOK, "Contact center service administrator", "Administrator")

	// Contact Center 1.0: a supervisor's administrator role is disabled, with the reason.
	e10 := newEnv(t, roster.Platform10)
	b10 := e10.signedIn(roster.AdminFull, "en")
	s := e10.newUser(provision.NewUser{Email: "sup@acme.example", License: roster.LicensePremium, CCRole: roster.RoleSupervisor})
	mustAnswer(t, "1.0 supervisor", b10.get(e10.orgPath("/users/"+s.ID)), http.StatusOK,
		`disabled aria-describedby="adminRole-locked"`, "a supervisor cannot be an administrator")
	resp = b10.post(e10.orgPath("/users/"+s.ID+"/admin-role"), url.Values{"version": {"1"}, "adminRole": {"full"}})
	mustAnswer(t, "forged 1.0 admin role", resp, http.StatusUnprocessableEntity, "On Contact Center 1.0, a supervisor cannot be an administrator.")
}

// TestUserActions resends an invitation, deactivates, reactivates, retries a failed sync and
// deletes, each through its page and with its effect.
func TestUserActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	ccService := e.signedIn(roster.AdminCCService, "en")
	readOnly := e.signedIn(roster.AdminReadOnly, "en")
	u := e.newUser(provision.NewUser{Email: "ada@acme.example", FirstName: "Ada", License: roster.LicensePremium})
	name := "Night shift"
	g, err := e.svc.CreateGroup(t.Context(), sys, e.org.ID, provision.GroupInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddMembers(t.Context(), sys, e.org.ID, g.ID, provision.MemberRefs{UserIDs: []string{u.ID}}); err != nil {
		t.Fatal(err)
	}
	base := e.orgPath("/users/" + u.ID)
	page := b.get(base)
	mustAnswer(t, "groups and sources", page, http.StatusOK, "Night shift", "/groups/"+g.ID, "Chosen by an administrator",
		"Added to a group", "User created")

	// Resend invitation.
	emails := func() int {
		p, err := e.svc.Emails(t.Context(), sys, roster.EmailFilter{OrgID: e.org.ID})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Emails)
	}
	before := emails()
	if resp := ccService.post(base+"/resend-invitation", nil); resp.status != http.StatusSeeOther {
		t.Fatalf("resend: %d\n%s", resp.status, resp.body)
	}
	if emails() != before+1 {
		t.Fatalf("no new invitation")
	}

	// Retry sync: offered only when the sync failed, to those who may run syncs.
	err = e.store.Write(t.Context(), func(tx roster.Tx) error {
		return tx.SetSyncStatuses(t.Context(), e.org.ID, map[string]roster.SyncStatus{u.ID: roster.SyncInvalid})
	})
	if err != nil {
		t.Fatal(err)
	}
	retry := `action="` + base + `/retry-sync"`
	mustAnswer(t, "invalid sync", ccService.get(base), http.StatusOK, retry, "The last attempts to update the contact center failed.")
	if strings.Contains(readOnly.get(base).body, retry) {
		t.Error("a read-only administrator is offered Retry sync")
	}
	if resp := ccService.post(base+"/retry-sync", nil); resp.status != http.StatusSeeOther || resp.header.Get("Location") != base+"#sync" {
		t.Fatalf("retry: %d %s\n%s", resp.status, resp.header.Get("Location"), resp.body)
	}
	if got := e.user(u.ID); got.SyncStatus != roster.SyncPending {
		t.Fatalf("after retry: %s", got.SyncStatus)
	}
	mustAnswer(t, "after retry", ccService.get(base), http.StatusOK, "queued again", "Sync retried")
	// Nothing failed now: a second retry is refused, saying why.
	mustAnswer(t, "retry of a pending sync", ccService.post(base+"/retry-sync", nil), http.StatusConflict, "error-summary")

	// Deactivate, through its confirmation page.
	v := versionOn(t, b.get(base+"/deactivate").body)
	if resp := b.post(base+"/deactivate", url.Values{"version": {v}}); resp.status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d\n%s", resp.status, resp.body)
	}
	if got := e.user(u.ID); got.Status != roster.StatusInactive || got.License != roster.LicensePremium {
		t.Fatalf("after deactivate: %+v", got)
	}
	page = b.get(base)
	mustAnswer(t, "inactive user", page, http.StatusOK, `action="`+base+`/reactivate"`, "keeps its license", "The user was deactivated.")
	if resp := b.post(base+"/reactivate", url.Values{"version": {versionOn(t, page.body)}}); resp.status != http.StatusSeeOther {
		t.Fatalf("reactivate: %d\n%s", resp.status, resp.body)
	}
	if got := e.user(u.ID); got.Status != roster.StatusActive {
		t.Fatalf("after reactivate: %s", got.Status)
	}

	// Delete, through its confirmation page, which counts the consequences.
	confirm := b.get(base + "/delete")
	mustAnswer(t, "delete confirmation", confirm, http.StatusOK, "They leave 1 group.", "Premium agent license is freed",
		"agent is removed from the contact center")
	usage := e.org.Usage.Premium
	resp := b.post(base+"/delete", url.Values{"version": {versionOn(t, confirm.body)}})
	if resp.status != http.StatusSeeOther || resp.header.Get("Location") != e.orgPath("/users") {
		t.Fatalf("delete: %d %s\n%s", resp.status, resp.header.Get("Location"), resp.body)
	}
	if e.user(u.ID) != nil {
		t.Fatal("the user is still there")
	}
	o, err := e.svc.Org(t.Context(), sys, e.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Usage.Premium != usage {
		t.Errorf("premium seats used %d, want %d", o.Usage.Premium, usage)
	}
	mustAnswer(t, "list after delete", b.get(e.orgPath("/users")), http.StatusOK, "ada@acme.example was deleted.")
	if resp := b.get(base); resp.status != http.StatusNotFound {
		t.Fatalf("deleted user's page: %d", resp.status)
	}
}

// TestUserCrossOriginPost refuses an action posted from another site.
func TestUserCrossOriginPost(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	u := e.newUser(provision.NewUser{Email: "ada@acme.example"})
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+e.orgPath("/users/"+u.ID+"/delete"),
		strings.NewReader(url.Values{"version": {"1"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp := b.do(req); resp.status != http.StatusForbidden || !strings.Contains(resp.body, "another site") {
		t.Fatalf("cross-site delete: %d\n%s", resp.status, resp.body)
	}
	if e.user(u.ID) == nil {
		t.Fatal("a cross-site post deleted the user")
	}
}

// TestUserPagesInEveryLanguage renders the details page and its confirmation pages in each
// language without a message key.
func TestUserPagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	u := e.newUser(provision.NewUser{Email: "sam@acme.example", FirstName: "Sam", License: roster.LicensePremium, CCRole: roster.RoleSupervisor})
	base := e.orgPath("/users/" + u.ID)
	for _, lang := range roster.Languages {
		if resp := b.post("/console/language", url.Values{"language": {string(lang)}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
			t.Fatalf("language %s: %d", lang, resp.status)
		}
		for _, p := range []string{base, base + "/deactivate", base + "/delete"} {
			resp := b.get(p)
			if resp.status != http.StatusOK {
				t.Fatalf("%s %s: %d", lang, p, resp.status)
			}
			checkLocalized(t, lang, p, resp.body)
		}
		question := b.post(base+"/license", url.Values{"version": {versionOn(t, b.get(base).body)}, "license": {"none"}, "ccRole": {"supervisor"}})
		if question.status != http.StatusOK {
			t.Fatalf("%s question: %d", lang, question.status)
		}
		checkLocalized(t, lang, "question", question.body)
		stale := b.post(base+"/profile", url.Values{"version": {"999"}, "firstName": {"X"}})
		if stale.status != http.StatusConflict {
			t.Fatalf("%s stale: %d", lang, stale.status)
		}
		checkLocalized(t, lang, "stale", stale.body)
	}
}

// TestUserSelf is an administrator on their own page: told so, and warned before deleting
// themselves, which provision allows (docs/decisions.md, "Permissions"); their session ends.
func TestUserSelf(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	page, err := e.svc.Users(t.Context(), sys, roster.UserFilter{OrgID: e.org.ID, Email: "full@acme.example"})
	if err != nil || len(page.Users) != 1 {
		t.Fatalf("own user: %v", err)
	}
	base := e.orgPath("/users/" + page.Users[0].ID)
	mustAnswer(t, "own page", b.get(base), http.StatusOK, "This is your own account.", "a change of your role applies at once")
	confirm := b.get(base + "/delete")
	mustAnswer(t, "own delete", confirm, http.StatusOK, "This is your own account: you will be signed out.")
	if resp := b.post(base+"/delete", url.Values{"version": {versionOn(t, confirm.body)}}); resp.status != http.StatusSeeOther {
		t.Fatalf("delete oneself: %d\n%s", resp.status, resp.body)
	}
	if resp := b.get(e.orgPath("/users")); resp.status != http.StatusSeeOther || !strings.HasPrefix(resp.header.Get("Location"), "/console/sign-in") {
		t.Fatalf("after deleting oneself: %d %s", resp.status, resp.header.Get("Location"))
	}
}
