package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
)

// wizardPath is the wizard's address in the test organization.
func (e *env) wizardPath() string { return e.orgPath("/users/add") }

// step posts one step of the wizard with form, from step.
func (b *browser) step(step string, form url.Values) response {
	b.e.t.Helper()
	f := url.Values{"step": {step}}
	for k, v := range form {
		f[k] = v
	}
	return b.post(b.e.wizardPath(), f)
}

// people are the wizard's hidden fields for these addresses (emails only).
func people(emails ...string) url.Values {
	f := url.Values{}
	for _, e := range emails {
		f.Add("email", e)
		f.Add("firstName", "")
		f.Add("lastName", "")
	}
	return f
}

func with(f url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Add(kv[i], kv[i+1])
	}
	return out
}

// users returns the organization's users by email.
func (e *env) users() map[string]*roster.User {
	e.t.Helper()
	page, err := e.svc.Users(context.Background(), provision.System(roster.ViaCLI), roster.UserFilter{OrgID: e.org.ID, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*roster.User{}
	for _, u := range page.Users {
		out[u.Email] = u
	}
	return out
}

func (e *env) seed(in provision.NewUser) *roster.User {
	e.t.Helper()
	u, err := e.svc.CreateUser(context.Background(), provision.System(roster.ViaCLI), e.org.ID, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func mustContain(t *testing.T, resp response, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(resp.body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

var keyField = regexp.MustCompile(`name="key" value="([^"]+)"`)

// TestWizardByRole opens each step as each reader: full and contact center service
// administrators get the wizard, a read-only administrator gets no wizard (and no link to it),
// a signed-out browser goes to sign-in. Every POST checks again.
func TestWizardByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	readers := map[string]*browser{
		"signed out": e.browser("en"),
		"full":       e.signedIn(roster.AdminFull, "en"),
		"cc_service": e.signedIn(roster.AdminCCService, "en"),
		"read_only":  e.signedIn(roster.AdminReadOnly, "en"),
	}
	review := with(people("new@acme.example"), "choice", "standard", "key", "k-by-role")
	tests := []struct {
		reader, step string
		form         url.Values
		status       int
		has, hasNot  []string
	}{
		{"signed out", "", nil, http.StatusSeeOther, nil, nil},
		{"full", "", nil, http.StatusOK, []string{"Before you start", "invitation email", "trial account", `name="mode"`},
			[]string{"contact center service administrator you may"}},
		{"cc_service", "", nil, http.StatusOK, []string{"Before you start", "change the licenses of people already in this organization, but not add people"}, nil},
		{"read_only", "", nil, http.StatusForbidden, []string{"does not allow"}, []string{`name="mode"`}},
		{"signed out", "start", url.Values{"mode": {"emails"}}, http.StatusSeeOther, nil, nil},
		{"full", "start", url.Values{"mode": {"emails"}}, http.StatusOK, []string{`<textarea id="emails"`, "Step 2 of 4"}, nil},
		{"cc_service", "start", url.Values{"mode": {"names"}}, http.StatusOK, []string{`id="email-4"`, "5 of 25"}, nil},
		{"read_only", "start", url.Values{"mode": {"emails"}}, http.StatusForbidden, nil, []string{"<textarea"}},
		{"read_only", "review", review, http.StatusForbidden, nil, nil},
		{"cc_service", "review", review, http.StatusSeeOther, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.reader+" "+tt.step, func(t *testing.T) {
			b := readers[tt.reader]
			var resp response
			if tt.step == "" {
				resp = b.get(e.wizardPath())
			} else {
				resp = b.step(tt.step, tt.form)
			}
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d\n%s", resp.status, tt.status, resp.body)
			}
			if tt.status == http.StatusSeeOther && tt.reader == "signed out" && !strings.HasPrefix(resp.header.Get("Location"), "/console/sign-in") {
				t.Errorf("redirect to %q", resp.header.Get("Location"))
			}
			mustContain(t, resp, tt.has...)
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
	// The summary and its report: only the session that saved reads them.
	saved := readers["cc_service"].step("review", review).header.Get("Location") // the same key: the kept summary
	if !strings.HasPrefix(saved, e.wizardPath()+"/summary/") {
		t.Fatalf("save went to %q", saved)
	}
	for _, tt := range []struct {
		reader, path string
		status       int
	}{
		{"signed out", saved, http.StatusSeeOther}, {"signed out", saved + "/report.csv", http.StatusSeeOther},
		{"cc_service", saved, http.StatusOK}, {"cc_service", saved + "/report.csv", http.StatusOK},
		{"full", saved, http.StatusNotFound}, {"read_only", saved + "/report.csv", http.StatusNotFound},
		{"full", e.wizardPath() + "/summary/no-such-key", http.StatusNotFound},
	} {
		if resp := readers[tt.reader].get(tt.path); resp.status != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.reader, tt.path, resp.status, tt.status)
		}
	}
	// Neither refused save nor cc_service's save of a new address added anyone.
	if u := e.users()["new@acme.example"]; u != nil {
		t.Fatalf("a refused save created %s", u.Email)
	}
	if resp := readers["read_only"].get(e.orgPath("/users")); strings.Contains(resp.body, "/users/add") {
		t.Errorf("the users list links the wizard for a read-only administrator")
	}
}

// TestWizardEmailsOnly goes through the emails mode on the new platform: bad addresses and 26
// of them are refused with the text kept, the license step checks seats, the review says what
// will happen to each entry, Save runs once, and the summary tells each outcome.
func TestWizardEmailsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	seats := 3
	if _, err := e.svc.UpdateOrg(context.Background(), provision.System(roster.ViaCLI), e.org.ID, provision.OrgChange{PremiumSeats: &seats}, 0); err != nil {
		t.Fatal(err)
	}
	other := "Secret Trial Org"
	o2, err := e.svc.CreateOrg(context.Background(), provision.System(roster.ViaCLI), provision.OrgChange{Name: &other})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateUser(context.Background(), provision.System(roster.ViaCLI), o2.ID, provision.NewUser{Email: "trial@acme.example"}); err != nil {
		t.Fatal(err)
	}
	e.seed(provision.NewUser{Email: "std@acme.example", License: roster.LicenseStandard})
	b := e.signedIn(roster.AdminFull, "en")

	// Malformed addresses: 422, the error summary linking to the text area, the text kept.
	typed := "new1@acme.example, STD@acme.example;\nnot-an-address\nnew1@acme.example"
	resp := b.step("who", url.Values{"mode": {"emails"}, "emails": {typed}})
	if resp.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad address: %d\n%s", resp.status, resp.body)
	}
	mustContain(t, resp, "error-summary", `href="#emails"`, "not-an-address", `aria-invalid="true"`, "new1@acme.example, STD@acme.example;", "<title>Error:")
	// 26 addresses: batch_too_large, with the way to the CSV import.
	var many []string
	for i := range 26 {
		many = append(many, fmt.Sprintf("p%d@acme.example", i))
	}
	resp = b.step("who", url.Values{"mode": {"emails"}, "emails": {strings.Join(many, "\n")}})
	if resp.status != http.StatusUnprocessableEntity {
		t.Fatalf("26 addresses: %d", resp.status)
	}
	mustContain(t, resp, "At most 25 people at a time", "/import", "p25@acme.example")
	// 25 pass.
	if resp = b.step("who", url.Values{"mode": {"emails"}, "emails": {strings.Join(many[:25], ",")}}); resp.status != http.StatusOK {
		t.Fatalf("25 addresses: %d", resp.status)
	}
	// Split, normalized, each once: four people, and the license step's seat check.
	resp = b.step("who", url.Values{"mode": {"emails"}, "emails": {"new1@acme.example, STD@acme.example;\ntrial@acme.example\nnew1@acme.example\nnew2@acme.example\nnew3@acme.example"}})
	if resp.status != http.StatusOK {
		t.Fatalf("who: %d\n%s", resp.status, resp.body)
	}
	mustContain(t, resp, "Step 3 of 4", `value="std@acme.example"`, "all 5 people", "Premium agent: 3 seats left, this adds up to 4",
		"Standard agent", "Don&#39;t change", "No contact-center license", "No automatic license assignment is active")
	if strings.Count(resp.body, `name="email"`) != 5 {
		t.Errorf("hidden people: %d, want 5", strings.Count(resp.body, `name="email"`))
	}
	state := people("new1@acme.example", "std@acme.example", "trial@acme.example", "new2@acme.example", "new3@acme.example")
	state.Set("mode", "emails")

	// No choice: 422 at the first radio.
	if resp = b.step("license", state); resp.status != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `href="#license-standard"`) {
		t.Fatalf("no choice: %d", resp.status)
	}
	// Back keeps the people.
	if resp = b.step("license", with(state, "back", "1")); resp.status != http.StatusOK || !strings.Contains(resp.body, "new1@acme.example\nstd@acme.example") {
		t.Fatalf("back: %d\n%s", resp.status, resp.body)
	}
	resp = b.step("license", with(state, "license", "premium", "role", "supervisor"))
	if resp.status != http.StatusOK {
		t.Fatalf("license: %d\n%s", resp.status, resp.body)
	}
	mustContain(t, resp, "Step 4 of 4", "Premium agent – Supervisor", "New user with Premium agent – Supervisor",
		"License changes from Standard agent to Premium agent – Supervisor", "use another address, or the other organization",
		`name="choice" value="supervisor"`)
	if strings.Contains(resp.body, other) {
		t.Fatalf("the review names the other organization")
	}
	m := keyField.FindStringSubmatch(resp.body)
	if m == nil {
		t.Fatal("the review has no key")
	}
	save := with(state, "choice", "supervisor", "key", m[1])

	// Back from the review keeps the choice.
	if resp = b.step("review", with(save, "back", "1")); resp.status != http.StatusOK || !strings.Contains(resp.body, `id="role-supervisor" name="role" value="supervisor" checked`) {
		t.Fatalf("back from review: %d\n%s", resp.status, resp.body)
	}

	// Save twice (a double click): one run, the same summary.
	first := b.step("review", save)
	second := b.step("review", save)
	if first.status != http.StatusSeeOther || second.status != http.StatusSeeOther || first.header.Get("Location") != second.header.Get("Location") {
		t.Fatalf("save: %d %s, again %d %s", first.status, first.header.Get("Location"), second.status, second.header.Get("Location"))
	}
	users := e.users()
	if users["new1@acme.example"] == nil || users["new1@acme.example"].CCRole != roster.RoleSupervisor || users["std@acme.example"].License != roster.LicensePremium {
		t.Fatalf("saved: %+v", users)
	}
	if users["new2@acme.example"] == nil || users["new3@acme.example"] != nil {
		t.Fatalf("new3 took a fourth premium seat")
	}
	summary := b.get(first.header.Get("Location"))
	if summary.status != http.StatusOK {
		t.Fatalf("summary: %d", summary.status)
	}
	mustContain(t, summary, "Summary of records processed", "Created with Premium agent – Supervisor",
		"License changed from Standard agent to Premium agent – Supervisor", "use another address, or the other organization",
		"No seat of this license is free", "Try the failed ones again", "Download (CSV)", "Finish", `name="email" value="trial@acme.example"`, `name="email" value="new3@acme.example"`)
	if strings.Contains(summary.body, other) {
		t.Fatalf("the summary names the other organization")
	}
	csv := b.get(first.header.Get("Location") + "/report.csv")
	if csv.status != http.StatusOK || !strings.Contains(csv.body, "Row,Email,Outcome,Code,Message") ||
		!strings.Contains(csv.body, "3,trial@acme.example,error,email_in_other_org,") || !strings.Contains(csv.body, "1,new1@acme.example,created,,") {
		t.Fatalf("report: %d\n%s", csv.status, csv.body)
	}
	if strings.Contains(csv.body, other) {
		t.Fatalf("the report names the other organization to an organization's administrator")
	}
	// Another session does not see this summary.
	if resp := e.signedIn(roster.AdminCCService, "en").get(first.header.Get("Location")); resp.status != http.StatusNotFound {
		t.Fatalf("another session's summary: %d", resp.status)
	}
	// "Try the failed ones again" comes back to the people step with them.
	resp = b.step("retry", with(people("trial@acme.example", "new2@acme.example"), "mode", "emails", "choice", "supervisor"))
	if resp.status != http.StatusOK || !strings.Contains(resp.body, "trial@acme.example\nnew2@acme.example</textarea>") {
		t.Fatalf("retry: %d\n%s", resp.status, resp.body)
	}
}

// TestWizardNames adds and removes rows without JavaScript, flags bad and repeated addresses at
// their rows, and keeps every value.
func TestWizardNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	rows := func(n int, fill func(i int) [3]string) url.Values {
		f := url.Values{"mode": {"names"}}
		for i := range n {
			v := fill(i)
			f.Add("firstName", v[0])
			f.Add("lastName", v[1])
			f.Add("email", v[2])
		}
		return f
	}
	blank := func(int) [3]string { return [3]string{} }
	resp := b.step("who", with(rows(5, blank), "add", "1"))
	if resp.status != http.StatusOK || !strings.Contains(resp.body, "6 of 25") || !strings.Contains(resp.body, `id="email-5"`) {
		t.Fatalf("add a row: %d\n%s", resp.status, resp.body)
	}
	resp = b.step("who", with(rows(3, func(i int) [3]string { return [3]string{fmt.Sprint("F", i), "", ""} }), "remove", "1"))
	if resp.status != http.StatusOK || strings.Contains(resp.body, `value="F1"`) || !strings.Contains(resp.body, `value="F2"`) {
		t.Fatalf("remove a row: %d\n%s", resp.status, resp.body)
	}
	full := rows(25, func(i int) [3]string { return [3]string{"", "", fmt.Sprintf("p%d@acme.example", i)} })
	if resp = b.step("who", with(full, "add", "1")); !strings.Contains(resp.body, "25 of 25") || !strings.Contains(resp.body, "disabled") {
		t.Fatalf("at 25: %s", resp.body)
	}
	// 26 rows sent by hand are refused whole.
	if resp = b.step("who", rows(26, func(i int) [3]string { return [3]string{"", "", fmt.Sprintf("p%d@acme.example", i)} })); resp.status != http.StatusUnprocessableEntity ||
		!strings.Contains(resp.body, "At most 25") {
		t.Fatalf("26 rows: %d", resp.status)
	}

	people := [][3]string{{"Ada", "Lovelace", "ada@acme.example"}, {"", "", ""}, {"Bob", "", "not an address"}, {"Cy", "", "ADA@acme.example"}, {"Dee", "", ""}}
	resp = b.step("who", rows(len(people), func(i int) [3]string { return people[i] }))
	if resp.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad rows: %d\n%s", resp.status, resp.body)
	}
	mustContain(t, resp, `href="#email-2"`, `href="#email-3"`, `href="#email-4"`, `id="email-2-error"`,
		"Enter an email address in the form name@example.com.", "This address is on an earlier line", "Enter this person&#39;s email address.",
		`value="not an address"`, `value="Lovelace"`)
	if strings.Contains(resp.body, `href="#email-0"`) || strings.Contains(resp.body, `href="#email-1"`) {
		t.Errorf("a good row or a blank one is flagged")
	}
	// Good rows go on without the blank one.
	people = [][3]string{{"Ada", "Lovelace", "ada@acme.example"}, {"", "", ""}, {" Bob ", "Byte", "bob@acme.example"}}
	resp = b.step("who", rows(len(people), func(i int) [3]string { return people[i] }))
	if resp.status != http.StatusOK || strings.Count(resp.body, `name="email"`) != 2 || !strings.Contains(resp.body, `name="firstName" value="Bob"`) {
		t.Fatalf("good rows: %d\n%s", resp.status, resp.body)
	}
}

// TestWizardPlatform10 shows Contact Center 1.0's license step: the licensed-agent box with
// three types, and the administrator box disabled with its reason.
func TestWizardPlatform10(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.Platform10)
	b := e.signedIn(roster.AdminFull, "en")
	state := with(people("one@acme.example"), "mode", "emails")
	resp := b.step("who", url.Values{"mode": {"emails"}, "emails": {"one@acme.example"}})
	mustContain(t, resp, `id="licensed"`, "Licensed agent", "Premium agent – Supervisor role", `id="administrator" name="administrator" disabled`,
		"on Contact Center 1.0 a supervisor cannot be an administrator", "No license", "Don&#39;t change")
	if resp = b.step("license", with(state, "licensed", "1")); resp.status != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `href="#agentType-standard"`) {
		t.Fatalf("licensed without a type: %d", resp.status)
	}
	resp = b.step("license", with(state, "licensed", "1", "agentType", "supervisor"))
	mustContain(t, resp, "New user with Premium agent – Supervisor", `name="choice" value="supervisor"`)
	m := keyField.FindStringSubmatch(resp.body)
	if m == nil {
		t.Fatal("no key")
	}
	if resp = b.step("review", with(state, "choice", "supervisor", "key", m[1])); resp.status != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.status)
	}
	if u := e.users()["one@acme.example"]; u == nil || u.CCRole != roster.RoleSupervisor {
		t.Fatalf("saved: %+v", u)
	}
	// Without the box: "No license" or "Don&#39;t change".
	resp = b.step("license", with(state, "unlicensed", "keep"))
	mustContain(t, resp, "Nothing changes (Premium agent – Supervisor)")
}

// TestWizardCCService: a contact center service administrator changes the license of someone
// already here; the new address fails with the reason, and nobody is added.
func TestWizardCCService(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	e.seed(provision.NewUser{Email: "here@acme.example"})
	b := e.signedIn(roster.AdminCCService, "en")
	state := with(people("here@acme.example", "newbie@acme.example"), "mode", "emails")
	resp := b.step("license", with(state, "license", "standard"))
	mustContain(t, resp, "License changes from No license to Standard agent", "may change licenses of existing users but not add people")
	m := keyField.FindStringSubmatch(resp.body)
	if resp = b.step("review", with(state, "choice", "standard", "key", m[1])); resp.status != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.status)
	}
	users := e.users()
	if users["newbie@acme.example"] != nil || users["here@acme.example"].License != roster.LicenseStandard {
		t.Fatalf("saved: %+v", users)
	}
}

// TestWizardCrossOrigin refuses a save posted from another site, and adds nobody.
func TestWizardCrossOrigin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	form := with(people("evil@acme.example"), "step", "review", "mode", "emails", "choice", "premium", "key", "k-evil")
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+e.wizardPath(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp := b.do(req)
	if resp.status != http.StatusForbidden || !strings.Contains(resp.body, "came from another site") {
		t.Fatalf("cross-site save: %d\n%s", resp.status, resp.body)
	}
	if e.users()["evil@acme.example"] != nil {
		t.Fatal("a cross-site save added someone")
	}
}

// TestWizardInEveryLanguage renders every step, an error state and the summary in each
// language, on both platforms, without a message key.
func TestWizardInEveryLanguage(t *testing.T) {
	t.Parallel()
	for _, platform := range []roster.Platform{roster.PlatformNew, roster.Platform10} {
		e := newEnv(t, platform)
		e.seed(provision.NewUser{Email: "std@acme.example", License: roster.LicenseStandard})
		b := e.signedIn(roster.AdminFull, "en")
		state := with(people("std@acme.example", "new@acme.example"), "mode", "emails")
		for _, lang := range roster.Languages {
			if resp := b.post("/console/language", url.Values{"language": {string(lang)}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
				t.Fatalf("language %s: %d", lang, resp.status)
			}
			pages := map[string]response{
				"start":        b.get(e.wizardPath()),
				"who emails":   b.step("start", url.Values{"mode": {"emails"}}),
				"who names":    b.step("start", url.Values{"mode": {"names"}}),
				"who error":    b.step("who", url.Values{"mode": {"emails"}, "emails": {"bad"}}),
				"license":      b.step("who", url.Values{"mode": {"emails"}, "emails": {"std@acme.example\nnew@acme.example"}}),
				"license none": b.step("license", state),
			}
			review := b.step("license", with(state, "license", "premium", "role", "agent", "licensed", "1", "agentType", "premium"))
			pages["review"] = review
			m := keyField.FindStringSubmatch(review.body)
			if m == nil {
				t.Fatalf("%s %s: no key in the review\n%s", platform, lang, review.body)
			}
			saved := b.step("review", with(state, "choice", "premium", "key", m[1]))
			pages["summary"] = b.get(saved.header.Get("Location"))
			for name, resp := range pages {
				if resp.status != http.StatusOK && resp.status != http.StatusUnprocessableEntity {
					t.Fatalf("%s %s %s: %d", platform, lang, name, resp.status)
				}
				checkLocalized(t, lang, string(platform)+" "+name, resp.body)
			}
		}
	}
}
