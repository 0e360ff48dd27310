package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"roster"
	"roster/internal/httpapi"
)

// TestPaging creates 230 users through the batch route and reads them back with cursors.
func TestPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for b := range 10 {
		r := f.do(req{method: "POST", path: f.expand("/api/v1/orgs/{A}/users/batch"), token: f.tokens["A.full"],
			body: map[string]any{"entries": entries(23, fmt.Sprintf("u%02d-", b)), "license": "standard"}})
		if r.status != 200 {
			t.Fatalf("batch %d: %d %s", b, r.status, r.raw)
		}
	}
	for _, tt := range []struct {
		query string
		want  int
	}{{"", 232}, {"license=standard", 231}, {"q=u0", 230}, {"q=u05-", 23}} {
		t.Run(tt.query, func(t *testing.T) {
			var emails []string
			cursor, pages := "", 0
			for {
				path := f.expand("/api/v1/orgs/{A}/users") + "?limit=40&" + tt.query
				if cursor != "" {
					path += "&cursor=" + cursor
				}
				r := f.do(req{method: "GET", path: path, token: f.tokens["A.ro"]})
				if r.status != 200 {
					t.Fatalf("page %d: %d %s", pages, r.status, r.raw)
				}
				pages++
				if get(r.body, "total") != float64(tt.want) || get(r.body, "totalExact") != true {
					t.Errorf("page %d: total %v exact %v, want %d", pages, get(r.body, "total"), get(r.body, "totalExact"), tt.want)
				}
				for _, u := range get(r.body, "items").([]any) {
					emails = append(emails, get(u, "email").(string))
				}
				next, _ := get(r.body, "nextCursor").(string)
				if next == "" {
					break
				}
				cursor = next
				if pages > 20 {
					t.Fatal("the cursors do not end")
				}
			}
			if len(emails) != tt.want || !slices.IsSorted(emails) || len(slices.Compact(slices.Clone(emails))) != tt.want {
				t.Errorf("read %d emails in %d pages (sorted %v), want %d distinct", len(emails), pages, slices.IsSorted(emails), tt.want)
			}
			if wantPages := (tt.want + 39) / 40; pages != wantPages {
				t.Errorf("%d pages, want %d", pages, wantPages)
			}
		})
	}
}

// TestAuditInterface checks that changes through the API are in the audit log with the
// interface api, and with cli when they come from the roster CLI's client.
func TestAuditInterface(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	agent := f.users["A.agent"]
	r := f.do(req{method: "PATCH", path: f.expand("/api/v1/orgs/{A}/users/{A.agent}"), token: f.tokens["A.full"],
		header: ifMatch(`"1"`), body: map[string]any{"title": "Lead"}})
	if r.status != 200 {
		t.Fatalf("PATCH: %d %s", r.status, r.raw)
	}
	cli := httpapi.NewClient(f.srv.URL, f.tokens["A.cc"], f.srv.Client(), httpapi.WithVersion("1.2.3"))
	if _, err := cli.UpdateUser(ctx, f.a.ID, agent.ID, httpapi.UserPatch{License: httpapi.Some(roster.LicensePremium)}, httpapi.ETag(2)); err != nil {
		t.Fatalf("client PATCH: %v", err)
	}

	list := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/audit?targetId={A.agent}&action=user.update"), token: f.tokens["A.ro"]})
	items, _ := get(list.body, "items").([]any)
	if len(items) != 2 {
		t.Fatalf("%d entries: %s", len(items), list.raw)
	}
	// Newest first: the CLI's change, then the API's.
	for i, want := range []struct {
		iface, token, before, after string
	}{{"cli", "A.cc", "standard", "premium"}, {"api", "A.full", "", "Lead"}} {
		e := items[i]
		if get(e, "interface") != want.iface || get(e, "actorId") != f.tokenIDs[want.token] || get(e, "actorKind") != "token" {
			t.Errorf("entry %d: %v", i, e)
		}
		field := "license"
		if want.iface == "api" {
			field = "title"
		}
		if get(e, "before."+field) != want.before || get(e, "after."+field) != want.after {
			t.Errorf("entry %d: before %v after %v", i, get(e, "before"), get(e, "after"))
		}
	}

	// The filter on the interface, and paging through the log one entry at a time.
	cliOnly := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/audit?interface=cli&actorId={tok:A.cc}"), token: f.tokens["A.ro"]})
	if n := len(get(cliOnly.body, "items").([]any)); n != 1 {
		t.Errorf("interface=cli&actorId: %d entries", n)
	}
	var ids []string
	page, err := cli.AuditEntries(ctx, f.a.ID, httpapi.AuditQuery{Limit: 1})
	for ; err == nil; page, err = cli.AuditEntries(ctx, f.a.ID, httpapi.AuditQuery{Limit: 1, Cursor: *page.NextCursor}) {
		for _, e := range page.Items {
			ids = append(ids, e.ID)
		}
		if page.NextCursor == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	// org.create, three token.create, two user.create, two user.update.
	if len(ids) != 8 || !slices.IsSortedFunc(ids, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("paged through %d entries: %v", len(ids), ids)
	}
}

// TestConcurrentPatches sends PATCHes of one user at the same time and checks that none is
// lost.
func TestConcurrentPatches(t *testing.T) {
	t.Parallel()
	const n = 8
	path := "/api/v1/orgs/{A}/users/{A.agent}"

	// With If-Match: * each PATCH is one atomic read-modify-write on the server: every one
	// of them becomes its own version, none overwrites another's version unseen.
	t.Run("any version", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		var wg sync.WaitGroup
		versions := make([]float64, n)
		for i := range n {
			wg.Go(func() {
				r := f.do(req{method: "PATCH", path: f.expand(path), token: f.tokens["A.full"], header: ifMatch("*"),
					body: map[string]any{"title": fmt.Sprintf("title %d", i)}})
				if r.status != 200 {
					t.Errorf("PATCH %d: %d %s", i, r.status, r.raw)
				}
				versions[i], _ = get(r.body, "version").(float64)
			})
		}
		wg.Wait()
		slices.Sort(versions)
		for i, v := range versions {
			if v != float64(i+2) {
				t.Fatalf("versions %v, want 2 to %d, one each", versions, n+1)
			}
		}
		audit := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/audit?action=user.update&targetId={A.agent}"), token: f.tokens["A.ro"]})
		if got := len(get(audit.body, "items").([]any)); got != n {
			t.Errorf("%d audit entries, want %d", got, n)
		}
	})

	// Appending to the title is a read-modify-write on the client: each writer reads the user,
	// appends its mark and writes with If-Match of what it read, retrying on 412. No append
	// may be lost. (With If-Match: * two writers that read the same title would each write
	// their own append and one would be lost: that is what * asks for.)
	t.Run("append with If-Match", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		cli := httpapi.NewClient(f.srv.URL, f.tokens["A.full"], f.srv.Client())
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				for attempt := 0; ; attempt++ {
					u, err := cli.User(ctx, f.a.ID, f.users["A.agent"].ID)
					if err != nil {
						t.Errorf("read: %v", err)
						return
					}
					_, err = cli.UpdateUser(ctx, f.a.ID, u.ID, httpapi.UserPatch{Title: httpapi.Some(u.Title + fmt.Sprintf("[%d]", i))}, httpapi.ETag(u.Version))
					if roster.ErrorCode(err) == roster.CodePreconditionFailed && attempt < 100 {
						continue
					}
					if err != nil {
						t.Errorf("writer %d: %v", i, err)
					}
					return
				}
			})
		}
		wg.Wait()
		u, err := cli.User(ctx, f.a.ID, f.users["A.agent"].ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if !strings.Contains(u.Title, fmt.Sprintf("[%d]", i)) {
				t.Errorf("the append of writer %d is lost: %q", i, u.Title)
			}
		}
		if u.Version != n+1 {
			t.Errorf("version %d, want %d", u.Version, n+1)
		}
	})
}

// TestInternalError closes the database under a running server: the client sees a generic
// message and the request id, and the cause is logged once with that id.
func TestInternalError(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_ = f.store.Close()
	r := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/users"), token: f.tokens["A.full"],
		header: map[string]string{"X-Request-Id": "test-internal-1"}})
	if r.status != 500 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	checkProblem(t, r, roster.CodeInternal, "")
	if get(r.body, "detail") != "An internal error occurred." || get(r.body, "requestId") != "test-internal-1" ||
		r.header.Get("X-Request-Id") != "test-internal-1" {
		t.Errorf("answer: %s", r.raw)
	}
	if strings.Contains(string(r.raw), "closed") || strings.Contains(string(r.raw), "sql") {
		t.Errorf("the cause leaks: %s", r.raw)
	}
	logs := f.logs.String()
	if n := strings.Count(logs, `"msg":"internal error"`); n != 1 || !strings.Contains(logs, `"requestId":"test-internal-1"`) {
		t.Errorf("logged %d times:\n%s", n, logs)
	}

	// The client hands the request id on.
	cli := httpapi.NewClient(f.srv.URL, f.tokens["A.full"], f.srv.Client())
	_, err := cli.Orgs(context.Background())
	var e *roster.Error
	if !errors.As(err, &e) || e.Code != roster.CodeInternal || !strings.Contains(e.Message, "request id") {
		t.Errorf("client error: %#v", err)
	}
}

// TestEveryCodeHasStatus keeps the one mapping complete: a code of the domain missing from it
// would be answered as an internal error.
func TestEveryCodeHasStatus(t *testing.T) {
	t.Parallel()
	want := map[roster.Code]int{
		roster.CodeInvalid: 400, roster.CodeBatchTooLarge: 400, roster.CodeDuplicateEmail: 400, roster.CodeFileTooLarge: 413, roster.CodeUnauthorized: 401, roster.CodeForbidden: 403,
		roster.CodeNotFound: 404, roster.CodeConflict: 409, roster.CodeEmailExists: 409, roster.CodeEmailInOtherOrg: 409,
		roster.CodeNoSeatsAvailable: 409, roster.CodeImportInProgress: 409, roster.CodePreconditionFailed: 412, roster.CodeVersionConflict: 409,
		roster.CodeRoleRequiresPremium: 422, roster.CodeAdminRoleOnCreate: 422, roster.CodeSupervisorAdminExclusive: 422,
		roster.CodePreconditionRequired: 428, roster.CodeInternal: 500,
		roster.CodeNameExists: 409, roster.CodeInUse: 409, roster.CodeLicenseInherited: 409, roster.CodeProfileResetUnconfirmed: 409,
		roster.CodeTemplateOff: 409, roster.CodeProfileMismatch: 422, roster.CodeTooManyAttempts: 429,
		roster.CodeInvalidCharacters: 400, roster.CodeInvalidCursor: 400,
		roster.CodeLostCharacters: 422, roster.CodePhoneLostPlus: 422, roster.CodePhoneScientific: 422,
	}
	for _, code := range roster.Codes {
		if _, ok := want[code]; !ok {
			t.Errorf("%s: no status expected for this code of the domain", code)
		}
	}
	mapped := httpapi.ProblemCodes()
	for code, status := range want {
		if got := httpapi.StatusOf(code); got != status || mapped[string(code)] != status {
			t.Errorf("%s: status %d, want %d", code, got, status)
		}
	}
	if got := httpapi.StatusOf("made_up"); got != http.StatusInternalServerError {
		t.Errorf("an unknown code: %d", got)
	}
}
