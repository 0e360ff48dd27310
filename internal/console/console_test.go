package console_test

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/i18n"
	"roster/internal/provision"
	"roster/internal/server"
	"roster/internal/sqldb/sqldbtest"
)

// TestPagesByRole asks for each page as each kind of reader: the status, where a redirect
// goes, and which actions the page offers.
func TestPagesByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	readers := map[string]*browser{
		"signed out": e.browser("en"),
		"full":       e.signedIn(roster.AdminFull, "en"),
		"cc_service": e.signedIn(roster.AdminCCService, "en"),
		"read_only":  e.signedIn(roster.AdminReadOnly, "en"),
	}
	tests := []struct {
		reader, path string
		status       int
		location     string   // prefix of the redirect's target
		has, hasNot  []string // what the page shows and must not show
	}{
		{"signed out", "/console/", http.StatusSeeOther, "/console/sign-in?next=", nil, nil},
		{"signed out", e.orgPath("/users"), http.StatusSeeOther, "/console/sign-in?next=" + url.QueryEscape(e.orgPath("/users")), nil, nil},
		{"signed out", "/console/sign-in", http.StatusOK, "", []string{`name="password"`}, nil},
		{"full", "/console/", http.StatusSeeOther, e.orgPath("/"), nil, nil},
		{"full", e.orgPath("/"), http.StatusOK, "", []string{"Overview", `aria-current="page"`}, nil},
		{"full", e.orgPath("/users"), http.StatusOK, "", []string{"Add or modify users", "Import a CSV file", "full@acme.example"}, nil},
		{"cc_service", e.orgPath("/users"), http.StatusOK, "", []string{"Add or modify users"}, nil},
		{"read_only", e.orgPath("/users"), http.StatusOK, "", []string{"Export all users"}, []string{"Add or modify users", "Import a CSV file"}},
		{"read_only", e.orgPath("/tasks"), http.StatusOK, "", []string{"No task has run yet."}, nil},
		{"full", "/console/orgs/not-an-org/users", http.StatusNotFound, "", []string{"does not exist"}, nil},
		{"full", "/console/orgs", http.StatusForbidden, "", nil, nil},
		{"full", "/console/account", http.StatusOK, "", []string{"Where you are signed in", "this browser"}, nil},
		{"full", "/console/nothing-here", http.StatusNotFound, "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.reader+" "+tt.path, func(t *testing.T) {
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
}

// checkHeaders checks the security headers every page carries.
func checkHeaders(t *testing.T, resp response) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "same-origin",
	}
	for k, v := range want {
		if got := resp.header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

// TestCrossOriginPost refuses a form posted from another site, in the reader's language,
// and changes nothing.
func TestCrossOriginPost(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "pl")
	if resp := b.post("/console/language", url.Values{"language": {"pl"}, "next": {"/console/account"}}); resp.status != http.StatusSeeOther {
		t.Fatalf("language: %d", resp.status)
	}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/account/sessions", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp := b.do(req)
	if resp.status != http.StatusForbidden || !strings.Contains(resp.body, "z innej witryny") {
		t.Fatalf("cross-site post: %d\n%s", resp.status, resp.body)
	}
	checkHeaders(t, resp)
}

// TestSignIn covers the sign-in form: one message for every failure, the way back to the page
// asked for, and sign-out.
func TestSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	e.newAdmin("ada@acme.example", roster.AdminFull)
	b := e.browser("en")
	if resp := b.post("/console/language", url.Values{"language": {"sv"}, "next": {"/console/sign-in"}}); resp.status != http.StatusSeeOther {
		t.Fatalf("language: %d", resp.status)
	}
	for _, creds := range [][2]string{{"ada@acme.example", "wrong password!"}, {"nobody@acme.example", password}} {
		resp := b.post("/console/sign-in", url.Values{"email": {creds[0]}, "password": {creds[1]}})
		if resp.status != http.StatusUnprocessableEntity || !strings.Contains(resp.body, "E-postadressen eller lösenordet är fel.") ||
			!strings.Contains(resp.body, `value="`+creds[0]+`"`) {
			t.Fatalf("%s: %d\n%s", creds[0], resp.status, resp.body)
		}
	}
	next := e.orgPath("/users?license=premium")
	resp := b.post("/console/sign-in", url.Values{"email": {"ADA@acme.example"}, "password": {password}, "next": {next}})
	if resp.status != http.StatusSeeOther || resp.header.Get("Location") != next {
		t.Fatalf("sign in: %d %s", resp.status, resp.header.Get("Location"))
	}
	// The language chosen before signing in stays, since the person chose none of their own.
	if resp := b.get(next); resp.status != http.StatusOK || !strings.Contains(resp.body, `<html lang="sv">`) {
		t.Fatalf("after sign-in: %d\n%s", resp.status, resp.body)
	}
	if resp := b.post("/console/sign-out", nil); resp.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", resp.status)
	}
	if resp := b.get(next); resp.status != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", resp.status)
	}
	// An outside address in next stays inside.
	resp = b.post("/console/sign-in", url.Values{"email": {"ada@acme.example"}, "password": {password}, "next": {"//evil.example/"}})
	if loc := resp.header.Get("Location"); loc != "/console/" {
		t.Fatalf("next=//evil.example/ went to %q", loc)
	}
}

// TestPagesInEveryLanguage renders each page in each language: the page says which language
// it is in, and no message key shows instead of its text.
func TestPagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	pages := []string{e.orgPath("/"), e.orgPath("/users"), e.orgPath("/users?license=premium&status=active"), e.orgPath("/tasks"), "/console/account"}
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
		checkLocalized(t, lang, "sign-in", e.browser(string(lang)).get("/console/sign-in").body)
	}
}

// checkLocalized fails when a page is not in lang or shows a message key.
func checkLocalized(t *testing.T, lang roster.Language, name, body string) {
	t.Helper()
	if !strings.Contains(body, `<html lang="`+string(lang)+`">`) {
		t.Errorf("%s %s: not in %s", lang, name, lang)
	}
	for _, k := range catalogKeys(t) {
		// An option's value may be a code that is also a key (action=user.delete): not shown.
		quoted := strings.Count(body, `"`+k+`"`) - strings.Count(body, `value="`+k+`"`)
		if strings.Contains(body, ">"+k+"<") || strings.Contains(body, " "+k+" ") || quoted > 0 {
			t.Errorf("%s %s shows the key %s", lang, name, k)
		}
	}
}

func catalogKeys(t *testing.T) []string {
	t.Helper()
	keys, err := i18n.Keys()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestInstallationAdmin opens every organization from the switcher and creates one.
func TestInstallationAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	if resp := b.get("/console/orgs"); resp.status != http.StatusForbidden {
		t.Fatalf("organizations before the grant: %d", resp.status)
	}
	if _, err := e.svc.GrantInstallationAdmin(t.Context(), provision.System(roster.ViaCLI), "full@acme.example"); err != nil {
		t.Fatal(err)
	}
	if resp := b.post("/console/orgs", url.Values{"name": {""}, "platform": {"new"}}); resp.status != http.StatusUnprocessableEntity ||
		!strings.Contains(resp.body, "error-summary") {
		t.Fatalf("organization without a name: %d\n%s", resp.status, resp.body)
	}
	resp := b.post("/console/orgs", url.Values{"name": {"Globex"}, "platform": {"1.0"}})
	if resp.status != http.StatusSeeOther || !strings.HasPrefix(resp.header.Get("Location"), "/console/orgs/") {
		t.Fatalf("create: %d %s", resp.status, resp.header.Get("Location"))
	}
	other := resp.header.Get("Location")
	if resp := b.get(other); resp.status != http.StatusOK || !strings.Contains(resp.body, "Globex") || !strings.Contains(resp.body, "Contact Center 1.0") {
		t.Fatalf("the new organization: %d", resp.status)
	}
	if resp := b.get("/console/orgs"); resp.status != http.StatusOK || !strings.Contains(resp.body, "Globex") || !strings.Contains(resp.body, "Acme") {
		t.Fatalf("organizations: %d", resp.status)
	}
	// A full administrator of Acme alone does not see Globex.
	if resp := e.signedIn(roster.AdminReadOnly, "en").get(other); resp.status != http.StatusNotFound {
		t.Fatalf("another organization's page: %d", resp.status)
	}
}

// TestSetup creates the first organization and its administrator from the one-time link.
func TestSetup(t *testing.T) {
	t.Parallel()
	store := sqldbtest.Open(t, "sqlite")
	svc := provision.New(store, provision.WithPasswordIterations(1000))
	e := &env{t: t, svc: svc, store: store, srv: httptest.NewServer(server.New(server.Config{Service: svc, Store: store, Logger: slog.New(slog.DiscardHandler)}))}
	t.Cleanup(e.srv.Close)
	secret, err := svc.PrepareSetup(t.Context())
	if err != nil || secret == "" {
		t.Fatalf("setup secret %q, %v", secret, err)
	}
	b := e.browser("nl")
	if resp := b.get("/console/setup/wrong"); resp.status != http.StatusNotFound {
		t.Fatalf("a wrong link: %d", resp.status)
	}
	link := "/console/setup/" + secret
	if resp := b.get(link); resp.status != http.StatusOK || !strings.Contains(resp.body, "Roster instellen") ||
		resp.header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("setup page: %d %s", resp.status, resp.header.Get("Referrer-Policy"))
	}
	form := url.Values{"name": {"Acme"}, "platform": {"new"}, "firstName": {"Ada"}, "email": {"ada@acme.example"},
		"password": {"short"}, "confirm": {"short"}, "language": {"nl"}}
	if resp := b.post(link, form); resp.status != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `value="ada@acme.example"`) {
		t.Fatalf("short password: %d\n%s", resp.status, resp.body)
	}
	form.Set("password", password)
	form.Set("confirm", password)
	resp := b.post(link, form)
	if resp.status != http.StatusSeeOther {
		t.Fatalf("setup: %d\n%s", resp.status, resp.body)
	}
	if resp := b.get("/console/"); resp.status != http.StatusSeeOther || !strings.HasPrefix(resp.header.Get("Location"), "/console/orgs/") {
		t.Fatalf("after setup: %d %s", resp.status, resp.header.Get("Location"))
	}
	if resp := b.get("/console/orgs"); resp.status != http.StatusOK || !strings.Contains(resp.body, "Organisaties") {
		t.Fatalf("the first administrator administers the installation: %d", resp.status)
	}
	if resp := e.browser("en").get(link); resp.status != http.StatusNotFound {
		t.Fatalf("the link works once: %d", resp.status)
	}
}

// TestFailedTaskInReadersLanguage shows why a task failed in the reader's language, from the
// code and parameters the worker stored, never the English message kept for the API.
func TestFailedTaskInReadersLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	task := &roster.Task{ID: "01a24aa7-0000-7000-8000-000000000001", OrgID: e.org.ID, Kind: "users.import",
		State: roster.TaskFailed, Error: "The file is larger than Roster takes.", ErrorCode: roster.CodeFileTooLarge,
		CreatedAt: time.Now(), FinishedAt: time.Now()}
	if err := e.store.Write(context.Background(), func(tx roster.Tx) error { return tx.CreateTask(context.Background(), task) }); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(roster.AdminFull, "pl")
	b.post("/console/language", url.Values{"language": {"pl"}, "next": {"/console/"}})
	resp := b.get(e.orgPath("/tasks/" + task.ID))
	if resp.status != http.StatusOK {
		t.Fatalf("task page: %d", resp.status)
	}
	want := i18n.MustLoad().For(roster.Polish).Code(roster.CodeFileTooLarge, nil)
	if !strings.Contains(resp.body, html.EscapeString(want)) || strings.Contains(resp.body, task.Error) {
		t.Errorf("the failed task's reason is not the Polish message %q:\n%s", want, resp.body)
	}
}
