package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
)

// TestAuditByRole opens the audit log as each kind of reader: every administrator reads it,
// the signed-out go to sign in, and no reader gets a form that changes anything.
func TestAuditByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	readers := map[string]*browser{
		"signed out": e.browser("en"),
		"full":       e.signedIn(roster.AdminFull, "en"),
		"cc_service": e.signedIn(roster.AdminCCService, "en"),
		"read_only":  e.signedIn(roster.AdminReadOnly, "en"),
	}
	e.newUser(provision.NewUser{Email: "ada@acme.example", FirstName: "Ada"})
	path := e.orgPath("/audit")
	for name, b := range readers {
		t.Run(name, func(t *testing.T) {
			resp := b.get(path)
			if name == "signed out" {
				if resp.status != http.StatusSeeOther || !strings.HasPrefix(resp.header.Get("Location"), "/console/sign-in?next=") {
					t.Fatalf("signed out: %d %s", resp.status, resp.header.Get("Location"))
				}
				return
			}
			mustAnswer(t, name, resp, http.StatusOK, "<h1>Audit log</h1>", `aria-current="page">Audit log`,
				"<td>User created", "ada@acme.example", `>Invitations</a>`)
			if strings.Contains(resp.body, `method="post" action="`+path) {
				t.Error("the audit log has a form that posts")
			}
			checkHeaders(t, resp)
		})
	}
	// Another organization's log is not found, as any of its pages.
	other, err := e.svc.CreateOrg(context.Background(), sys, provision.OrgChange{Name: ptr("Other")})
	if err != nil {
		t.Fatal(err)
	}
	mustAnswer(t, "another organization", readers["full"].get("/console/orgs/"+other.ID+"/audit"), http.StatusNotFound)
}

func ptr[T any](v T) *T { return &v }

var newerLink = regexp.MustCompile(`href="([^"]*after=[^"]*)" rel="prev"`)

// TestAuditFilters filters by actor, target, action, interface, task and days, and shows the
// changed fields side by side in the reader's words.
func TestAuditFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	ctx := context.Background()
	ada := e.newUser(provision.NewUser{Email: "ada@acme.example", FirstName: "Ada", License: roster.LicenseStandard})
	bo := e.newUser(provision.NewUser{Email: "bo@acme.example", FirstName: "Bo"})
	premium := roster.LicensePremium
	api := roster.Actor{Kind: "token", ID: "tok-1", Name: "token CI", OrgID: e.org.ID, Role: roster.AdminFull, Interface: roster.ViaAPI}
	if _, err := e.svc.UpdateUser(ctx, api, e.org.ID, ada.ID, provision.UserChange{License: &premium, FirstName: ptr("Adele")}, 0); err != nil {
		t.Fatal(err)
	}
	path := e.orgPath("/audit")
	page := func(q string) string {
		t.Helper()
		resp := b.get(path + "?" + q)
		mustAnswer(t, q, resp, http.StatusOK)
		return resp.body
	}
	// By target, as an email address: ada's creation and change, not bo's.
	body := page("target=ada%40acme.example")
	for _, s := range []string{"<td>User created", "<td>User changed", "token CI", "REST API", "<th scope=\"row\">First name</th><td>Ada</td><td>Adele</td>",
		"<td>Standard agent</td><td>Premium agent</td>", `value="ada@acme.example"`} {
		if !strings.Contains(body, s) {
			t.Errorf("target filter lacks %q", s)
		}
	}
	if strings.Contains(body, "bo@acme.example") {
		t.Error("target filter shows another user")
	}
	// By actor id (the link of a row), by interface, by action.
	for q, want := range map[string][]string{
		"actor=tok-1":                        {"ada@acme.example", "<td>User changed"},
		"interface=api":                      {"ada@acme.example", "<td>User changed"},
		"action=user.create&target=" + bo.ID: {"bo@acme.example", "<td>User created"},
	} {
		body := page(q)
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Errorf("%s lacks %q", q, s)
			}
		}
		if q != "action=user.create&target="+bo.ID && strings.Contains(body, "bo@acme.example") {
			t.Errorf("%s shows bo", q)
		}
	}
	if !strings.Contains(page(""), `href="?actor=tok-1"`) {
		t.Error("an actor does not link to their entries")
	}
	// By days, in UTC: today holds everything, yesterday nothing.
	today := time.Now().UTC().Format("2006-01-02")
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
	if body := page("since=" + today + "&until=" + today); !strings.Contains(body, "ada@acme.example") {
		t.Error("today's entries are missing")
	}
	if body := page("until=" + yesterday); !strings.Contains(body, "No entry matches these filters.") {
		t.Error("entries before today shown")
	}
	// The user's page links to their full history.
	mustAnswer(t, "user page", b.get(e.orgPath("/users/"+ada.ID)), http.StatusOK, `href="`+path+"?target="+ada.ID+`"`)
}

// TestAuditByTask: the entries a task made, reached from the task's page.
func TestAuditByTask(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	ada := e.newUser(provision.NewUser{Email: "ada@acme.example"})
	e.newUser(provision.NewUser{Email: "bo@acme.example"})
	e.startWorker()
	task, err := e.svc.StartResendInvitations(context.Background(), sys, e.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.waitTask(task.ID)
	// Something after the task, by hand, that the task's filter must leave out.
	if _, err := e.svc.UpdateUser(context.Background(), sys, e.org.ID, ada.ID, provision.UserChange{FirstName: ptr("Ada")}, 0); err != nil {
		t.Fatal(err)
	}
	link := e.orgPath("/audit?task=" + task.ID)
	mustAnswer(t, "task page", b.get(e.orgPath("/tasks/"+task.ID)), http.StatusOK, `href="`+link+`"`)
	resp := b.get(link)
	mustAnswer(t, "by task", resp, http.StatusOK, "Invitation sent", "<td>Roster itself<br>", "ada@acme.example", "bo@acme.example", "<th scope=\"row\">Invitation expires</th><td>—</td><td>20",
		`href="`+e.orgPath("/tasks/"+task.ID)+`"`)
	if strings.Contains(resp.body, "<td>User changed") || strings.Count(resp.body, "<td>Invitation sent<br>") != 2 {
		t.Errorf("the task's entries are not exactly its two invitations:\n%s", resp.body)
	}
}

// TestAuditBadInput: a day that is not a day, a range backwards, an unknown email and an
// interface no form offers are said at their fields (422, the values kept), and the log shows
// unfiltered rather than looking filtered.
func TestAuditBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	e.newUser(provision.NewUser{Email: "ada@acme.example"})
	path := e.orgPath("/audit")
	for q, want := range map[string][]string{
		"since=22.11.2026":                  {`id="since-error"`, "enter a day as YYYY-MM-DD", `value="22.11.2026"`},
		"since=2026-11-22&until=2026-11-21": {`id="until-error"`, "The last day comes before the first one."},
		"actor=nobody%40acme.example":       {`id="actor-error"`, "No user of this organization has the address nobody@acme.example"},
		"target=nobody%40acme.example":      {`id="target-error"`, "No user of this organization"},
		"interface=telepathy":               {`href="#interface"`},
	} {
		resp := b.get(path + "?" + q)
		mustAnswer(t, q, resp, http.StatusUnprocessableEntity, append(want, "error-summary", "Error: Audit log", "ada@acme.example")...)
	}
}

// TestAuditPagingAndLanguages pages through the log (newest first, keyset) and renders it,
// filtered and with every kind of change, in every language without a message key.
func TestAuditPagingAndLanguages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	ctx := context.Background()
	for i := range 26 {
		e.newUser(provision.NewUser{Email: "u" + string(rune('a'+i)) + "@acme.example", License: roster.LicenseStandard})
	}
	g, err := e.svc.CreateGroup(ctx, sys, e.org.ID, provision.GroupInput{Name: ptr("Night shift")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateOrg(ctx, sys, e.org.ID, provision.OrgChange{Name: ptr("Acme Ltd")}, 0); err != nil {
		t.Fatal(err)
	}
	_ = g
	for _, lang := range roster.Languages {
		if resp := b.post("/console/language", url.Values{"language": {string(lang)}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
			t.Fatalf("language %s: %d", lang, resp.status)
		}
		first := b.get(e.orgPath("/audit"))
		mustAnswer(t, string(lang), first, http.StatusOK, "Night shift", "Acme Ltd")
		checkLocalized(t, lang, "audit", first.body)
		m := olderLink.FindStringSubmatch(first.body)
		if m == nil {
			t.Fatalf("%s: no link to older entries", lang)
		}
		older := b.get(e.orgPath("/audit") + strings.ReplaceAll(m[1], "&amp;", "&"))
		mustAnswer(t, string(lang)+" older", older, http.StatusOK, "ua@acme.example")
		checkLocalized(t, lang, "older", older.body)
		// And back: the newer entries are the first page again, which has no way further up.
		m = newerLink.FindStringSubmatch(older.body)
		if m == nil {
			t.Fatalf("%s: no link to newer entries", lang)
		}
		newer := b.get(e.orgPath("/audit") + strings.ReplaceAll(m[1], "&amp;", "&"))
		mustAnswer(t, string(lang)+" newer", newer, http.StatusOK, "Acme Ltd")
		if newerLink.MatchString(newer.body) || strings.Count(newer.body, "<tr>") != strings.Count(first.body, "<tr>") {
			t.Errorf("%s: the newer page is not the first page", lang)
		}
		bad := b.get(e.orgPath("/audit?since=x&interface=y"))
		mustAnswer(t, string(lang)+" bad", bad, http.StatusUnprocessableEntity)
		checkLocalized(t, lang, "bad", bad.body)
	}
}
