package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
	"roster/internal/server"
)

// outboxCount is how many messages the organization's outbox holds for the user.
func (e *env) outboxCount(userID string) int {
	e.t.Helper()
	page, err := e.svc.Emails(context.Background(), sys, roster.EmailFilter{OrgID: e.org.ID, UserID: userID, Limit: roster.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(page.Emails)
}

// TestOutboxByRole opens the outbox as each kind of reader: everyone reads the messages,
// the banner says they wait for a mail server, only full administrators read their links,
// and only those who may send invitations get the resend buttons. Forged posts change nothing.
func TestOutboxByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	readers := map[string]*browser{
		"signed out": e.browser("en"),
		"full":       e.signedIn(roster.AdminFull, "en"),
		"cc_service": e.signedIn(roster.AdminCCService, "en"),
		"read_only":  e.signedIn(roster.AdminReadOnly, "en"),
	}
	ada := e.newUser(provision.NewUser{Email: "ada@acme.example", FirstName: "Ada"})
	path := e.orgPath("/outbox")
	resend, resendAll := `action="`+path+`/resend"`, `action="`+path+`/resend-all"`
	tests := []struct {
		reader      string
		status      int
		has, hasNot []string
	}{
		{"signed out", http.StatusSeeOther, nil, nil},
		{"full", http.StatusOK, []string{"<h1>Invitations outbox</h1>", "wait here until ROSTER_SMTP_URL is set",
			"hand it to the person yourself", "ada@acme.example", "Waiting to be sent", "When a mail server is set up",
			`href="http://roster.test/invite/`, resend, resendAll, `aria-current="page">Invitations`, `>Audit log</a>`},
			[]string{"Shown to full administrators only."}},
		{"cc_service", http.StatusOK, []string{"ada@acme.example", "Shown to full administrators only.", resend, resendAll,
			"Only full administrators see the invitation links"}, []string{"/invite/"}},
		{"read_only", http.StatusOK, []string{"ada@acme.example", "Shown to full administrators only.", `>Audit log</a>`},
			[]string{"/invite/", resend, resendAll}},
	}
	for _, tt := range tests {
		t.Run(tt.reader, func(t *testing.T) {
			resp := readers[tt.reader].get(path)
			mustAnswer(t, tt.reader, resp, tt.status, tt.has...)
			for _, s := range tt.hasNot {
				if strings.Contains(resp.body, s) {
					t.Errorf("page shows %q", s)
				}
			}
			if tt.status == http.StatusSeeOther {
				if loc := resp.header.Get("Location"); !strings.HasPrefix(loc, "/console/sign-in?next=") {
					t.Errorf("redirect to %q", loc)
				}
				return
			}
			checkHeaders(t, resp)
		})
	}

	before := e.outboxCount(ada.ID)
	for _, reader := range []string{"read_only", "signed out"} {
		for _, action := range []string{"/resend", "/resend-all"} {
			resp := readers[reader].post(path+action, url.Values{"user": {ada.ID}})
			want := http.StatusForbidden
			if reader == "signed out" {
				want = http.StatusSeeOther
			}
			if resp.status != want {
				t.Errorf("%s posts %s: %d, want %d", reader, action, resp.status, want)
			}
		}
	}
	if got := e.outboxCount(ada.ID); got != before || e.taskCount() != 0 {
		t.Fatalf("refused posts wrote messages (%d, was %d) or tasks (%d)", got, before, e.taskCount())
	}

	// A contact center service administrator may send invitations.
	resp := readers["cc_service"].post(path+"/resend", url.Values{"user": {ada.ID}})
	if resp.status != http.StatusSeeOther || resp.header.Get("Location") != path {
		t.Fatalf("resend: %d %s\n%s", resp.status, resp.header.Get("Location"), resp.body)
	}
	if got := e.outboxCount(ada.ID); got != before+1 {
		t.Fatalf("resend wrote %d messages, want 1", got-before)
	}
	page := readers["full"].get(path)
	mustAnswer(t, "outbox after resend", page, http.StatusOK, "Not sent", "Dropped, as the message was not sent",
		"Not sent: a newer invitation replaced this one.")
	if got := strings.Count(page.body, `class="invite-link"`); got != 1 {
		t.Errorf("the page shows %d invitation links, want the new message's only", got)
	}
	mustAnswer(t, "the flash", readers["cc_service"].get(path), http.StatusOK, "A new invitation is in the outbox")

	// A pending user's page links to their messages, and only theirs are listed.
	userPage := readers["read_only"].get(e.orgPath("/users/" + ada.ID))
	mustAnswer(t, "user page", userPage, http.StatusOK, `href="`+path+"?user="+ada.ID+`"`)
	mustAnswer(t, "every message", readers["read_only"].get(path), http.StatusOK, "full@acme.example")
	mine := readers["read_only"].get(path + "?user=" + ada.ID)
	mustAnswer(t, "ada's messages", mine, http.StatusOK, "Only the messages to one user.", `name="user" value="`+ada.ID+`"`)
	if got := strings.Count(mine.body, `<section class="card"`); got != 2 || strings.Contains(mine.body, "full@acme.example") {
		t.Errorf("ada's messages: %d messages, or another user's", got)
	}
}

// TestOutboxResendAll starts the task that invites every pending user again: its page
// follows, a second one is refused while the first waits, and the task writes the messages.
func TestOutboxResendAll(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	ada := e.newUser(provision.NewUser{Email: "ada@acme.example"})
	path := e.orgPath("/outbox")
	resp := b.post(path+"/resend-all", nil)
	if resp.status != http.StatusSeeOther || !strings.HasPrefix(resp.header.Get("Location"), e.orgPath("/tasks/")) {
		t.Fatalf("resend all: %d %s\n%s", resp.status, resp.header.Get("Location"), resp.body)
	}
	taskPath := resp.header.Get("Location")
	// No worker runs yet: the task waits, and a second one is refused with the reason.
	again := b.post(path+"/resend-all", nil)
	mustAnswer(t, "second resend all", again, http.StatusConflict, "error-summary", "<h1>Invitations outbox</h1>")
	if e.taskCount() != 1 {
		t.Fatalf("%d tasks, want 1", e.taskCount())
	}
	before := e.outboxCount(ada.ID)
	e.startWorker()
	task := e.waitTask(taskPath[strings.LastIndex(taskPath, "/")+1:])
	if task.State != roster.TaskCompleted || task.Counts.Updated != 1 { // ada; the administrator accepted
		t.Fatalf("task %s, counts %+v", task.State, task.Counts)
	}
	if got := e.outboxCount(ada.ID); got != before+1 {
		t.Fatalf("the task wrote %d messages to ada, want 1", got-before)
	}
	mustAnswer(t, "task page", b.get(taskPath), http.StatusOK, "Invitations sent again",
		`href="`+e.orgPath("/audit?task="+task.ID)+`"`, "What this task changed")
}

// TestOutboxBadInput: a refused resend (the person accepted meanwhile) and a state no form
// offers are said at the top of the page, in the reader's language; nothing is written.
func TestOutboxBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	b.post("/console/language", url.Values{"language": {"sv"}, "next": {"/console/"}})
	admin := e.user(e.newAdmin("ro@acme.example", roster.AdminReadOnly).ID) // accepted its invitation
	path := e.orgPath("/outbox")
	before := e.outboxCount(admin.ID)
	resp := b.post(path+"/resend", url.Values{"user": {admin.ID}})
	mustAnswer(t, "resend to an active user", resp, http.StatusConflict, "error-summary", `<html lang="sv">`)
	checkLocalized(t, roster.Swedish, "refused resend", resp.body)
	if e.outboxCount(admin.ID) != before {
		t.Fatal("a refused resend wrote a message")
	}
	mustAnswer(t, "unknown user", b.post(path+"/resend", url.Values{"user": {roster.NewID()}}), http.StatusNotFound)
	resp = b.get(path + "?state=bogus")
	mustAnswer(t, "bad state", resp, http.StatusUnprocessableEntity, "error-summary", "ro@acme.example")
	checkLocalized(t, roster.Swedish, "bad state", resp.body)
}

// TestOutboxWithMailServer: with a mail server, no banner, no link, and the next attempt's time.
func TestOutboxWithMailServer(t *testing.T) {
	t.Parallel()
	plain := newEnv(t, roster.PlatformNew)
	signedIn := plain.signedIn(roster.AdminFull, "en") // through an invitation's link, which only the outbox has
	// The same database, served by a node that has a mail server.
	e := *plain
	e.svc = provision.New(plain.store, provision.WithPasswordIterations(1000), provision.WithMailServer())
	e.srv = httptest.NewServer(server.New(server.Config{Service: e.svc, Store: e.store, Logger: quietLog}))
	t.Cleanup(e.srv.Close)
	b := *signedIn
	b.e = &e
	e.newUser(provision.NewUser{Email: "ada@acme.example"})
	resp := b.get(e.orgPath("/outbox"))
	mustAnswer(t, "outbox", resp, http.StatusOK, "Sent by email only.", "Next attempt")
	for _, s := range []string{"ROSTER_SMTP_URL", "/invite/", "When a mail server is set up"} {
		if strings.Contains(resp.body, s) {
			t.Errorf("outbox with a mail server shows %q", s)
		}
	}
}

var olderLink = regexp.MustCompile(`href="([^"]*before=[^"]*)" rel="next"`)

// TestOutboxInEveryLanguage renders the outbox, filtered and paged, in every language.
func TestOutboxInEveryLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	for i := range 26 {
		e.newUser(provision.NewUser{Email: "u" + string(rune('a'+i)) + "@acme.example"})
	}
	for _, lang := range roster.Languages {
		if resp := b.post("/console/language", url.Values{"language": {string(lang)}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
			t.Fatalf("language %s: %d", lang, resp.status)
		}
		first := b.get(e.orgPath("/outbox"))
		mustAnswer(t, string(lang), first, http.StatusOK)
		checkLocalized(t, lang, "outbox", first.body)
		m := olderLink.FindStringSubmatch(first.body)
		if m == nil {
			t.Fatalf("%s: no link to older messages", lang)
		}
		older := b.get(e.orgPath("/outbox") + strings.ReplaceAll(m[1], "&amp;", "&"))
		mustAnswer(t, string(lang)+" older", older, http.StatusOK, "ua@acme.example")
		checkLocalized(t, lang, "older", older.body)
		filtered := b.get(e.orgPath("/outbox?state=sent"))
		mustAnswer(t, string(lang)+" sent", filtered, http.StatusOK)
		checkLocalized(t, lang, "sent", filtered.body)
	}
}
