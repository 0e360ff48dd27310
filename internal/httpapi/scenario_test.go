package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"roster"
)

// scenario is one request against a fresh fixture and what must come back.
type scenario struct {
	name   string
	method string
	path   string // with the placeholders of fixture.expand
	token  string // a fixture token name; "" sends none
	body   any
	header map[string]string
	status int
	code   roster.Code    // the problem code, for an error
	field  string         // a field that must be among the problem's field errors
	want   map[string]any // dotted path → value the JSON answer must hold
	check  func(t *testing.T, f *fixture, r resp)
	// setup, when set, prepares the fixture before the request, such as groups to name with
	// {group:NAME}.
	setup func(f *fixture)
}

func runScenarios(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if sc.setup != nil {
				sc.setup(f)
			}
			body := sc.body
			switch b := body.(type) {
			case nil, string, []byte:
			default:
				// Placeholders in a JSON body are expanded like those of the path.
				j, err := json.Marshal(b)
				if err != nil {
					t.Fatal(err)
				}
				body = []byte(f.expand(string(j)))
			}
			r := f.do(req{method: sc.method, path: f.expand(sc.path), token: f.tokens[sc.token], body: body, header: sc.header})
			if r.status != sc.status {
				t.Fatalf("status %d, want %d\n%s", r.status, sc.status, r.raw)
			}
			if sc.code != "" {
				checkProblem(t, r, sc.code, sc.field)
			}
			for path, want := range sc.want {
				if s, is := want.(string); is {
					want = f.expand(s)
				}
				if got := get(r.body, path); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v\n%s", path, got, want, r.raw)
				}
			}
			if sc.check != nil {
				sc.check(t, f, r)
			}
		})
	}
}

// checkProblem checks that r is a problem with code, and with a field error for field.
func checkProblem(t *testing.T, r resp, code roster.Code, field string) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	if got := get(r.body, "code"); got != string(code) {
		t.Errorf("code %v, want %s\n%s", got, code, r.raw)
	}
	if got := get(r.body, "type"); got != "/api/v1/problems/"+string(code) {
		t.Errorf("type %v", got)
	}
	if got := get(r.body, "status"); got != float64(r.status) {
		t.Errorf("status member %v, HTTP status %d", got, r.status)
	}
	if field == "" {
		return
	}
	errs, _ := get(r.body, "errors").([]any)
	for _, e := range errs {
		if get(e, "field") == field {
			return
		}
	}
	t.Errorf("no field error for %q: %s", field, r.raw)
}

func ifMatch(v string) map[string]string { return map[string]string{"If-Match": v} }

func TestAuthentication(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{name: "openapi needs no token", method: "GET", path: "/api/v1/openapi.json", status: 200,
			want: map[string]any{"openapi": "3.1.0"}},
		{name: "no token", method: "GET", path: "/api/v1/orgs", status: 401, code: roster.CodeUnauthorized,
			check: func(t *testing.T, _ *fixture, r resp) {
				if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate %q", got)
				}
			}},
		{name: "unknown token", method: "GET", path: "/api/v1/orgs", token: "bogus", status: 401, code: roster.CodeUnauthorized},
		{name: "not bearer", method: "GET", path: "/api/v1/orgs", header: map[string]string{"Authorization": "Basic dXNlcjpwYXNz"},
			status: 401, code: roster.CodeUnauthorized},
	})
}

func TestRouting(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{name: "unknown path", method: "GET", path: "/api/v1/nothing", token: "sys", status: 404, code: roster.CodeNotFound},
		{name: "unknown version", method: "GET", path: "/api/v2/orgs", token: "sys", status: 404, code: roster.CodeNotFound},
		{name: "unknown path without token", method: "GET", path: "/api/v1/nothing", status: 404, code: roster.CodeNotFound},
		{name: "trailing slash", method: "GET", path: "/api/v1/orgs/", token: "sys", status: 404, code: roster.CodeNotFound},
		{name: "unclean path is redirected", method: "GET", path: "/api/v1//orgs", token: "sys", status: 200,
			want: map[string]any{"items.0.name": "Alpha Corp"}},
		{name: "HEAD of a GET route", method: "HEAD", path: "/api/v1/orgs/{A}", token: "A.ro", status: 200,
			check: func(t *testing.T, _ *fixture, r resp) {
				if r.header.Get("ETag") != `"1"` || len(r.raw) != 0 {
					t.Errorf("ETag %q, body %q", r.header.Get("ETag"), r.raw)
				}
			}},
		{name: "wrong method", method: "DELETE", path: "/api/v1/orgs", token: "sys", status: 405, code: "method_not_allowed",
			check: func(t *testing.T, _ *fixture, r resp) {
				if got := r.header.Get("Allow"); got != "GET, HEAD, POST" {
					t.Errorf("Allow %q", got)
				}
			}},
		{name: "wrong method on a user", method: "PUT", path: "/api/v1/orgs/{A}/users/{A.agent}", token: "A.full", body: map[string]any{},
			status: 405, code: "method_not_allowed",
			check: func(t *testing.T, _ *fixture, r resp) {
				if got := r.header.Get("Allow"); !strings.Contains(got, "PATCH") || !strings.Contains(got, "DELETE") {
					t.Errorf("Allow %q", got)
				}
			}},
	})
}

func TestOrgs(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{name: "system lists every org", method: "GET", path: "/api/v1/orgs", token: "sys", status: 200,
			check: func(t *testing.T, _ *fixture, r resp) {
				if n := len(get(r.body, "items").([]any)); n != 2 {
					t.Errorf("%d orgs, want 2", n)
				}
			}},
		{name: "org token lists its own", method: "GET", path: "/api/v1/orgs", token: "A.ro", status: 200,
			want: map[string]any{"items.0.name": "Alpha Corp", "items.1": nil}},
		{name: "list refuses parameters", method: "GET", path: "/api/v1/orgs?limit=5", token: "sys", status: 400, code: roster.CodeInvalid, field: "limit"},
		{name: "create", method: "POST", path: "/api/v1/orgs", token: "sys",
			body:   map[string]any{"name": "Charlie", "platform": "1.0", "settings": map[string]any{"defaultLanguage": "pl"}, "seats": map[string]any{"standard": 5}},
			status: 201, want: map[string]any{"name": "Charlie", "platform": "1.0", "settings.defaultLanguage": "pl",
				"settings.sendWelcomeEmail": true, "seats.standard": 5, "seats.premium": 0, "usage.users": 0, "version": 1},
			check: func(t *testing.T, _ *fixture, r resp) {
				if loc := r.header.Get("Location"); loc != "/api/v1/orgs/"+get(r.body, "id").(string) {
					t.Errorf("Location %q", loc)
				}
				if r.header.Get("ETag") != `"1"` {
					t.Errorf("ETag %q", r.header.Get("ETag"))
				}
			}},
		{name: "create needs system", method: "POST", path: "/api/v1/orgs", token: "A.full", body: map[string]any{"name": "X"},
			status: 403, code: roster.CodeForbidden},
		{name: "create needs a name", method: "POST", path: "/api/v1/orgs", token: "sys", body: map[string]any{},
			status: 400, code: roster.CodeInvalid, field: "name"},
		{name: "create unknown platform", method: "POST", path: "/api/v1/orgs", token: "sys", body: map[string]any{"name": "X", "platform": "2.0"},
			status: 400, code: roster.CodeInvalid, field: "platform"},
		{name: "create unknown nested field", method: "POST", path: "/api/v1/orgs", token: "sys",
			body: map[string]any{"name": "X", "settings": map[string]any{"theme": "dark"}}, status: 400, code: roster.CodeInvalid, field: "theme"},
		{name: "create seats of the wrong type", method: "POST", path: "/api/v1/orgs", token: "sys",
			body: `{"name":"X","seats":{"standard":"ten"}}`, status: 400, code: roster.CodeInvalid, field: "seats.standard"},
		{name: "read", method: "GET", path: "/api/v1/orgs/{A}", token: "A.ro", status: 200,
			want: map[string]any{"name": "Alpha Corp", "usage.users": 2, "usage.standard": 1, "usage.premium": 1},
			check: func(t *testing.T, _ *fixture, r resp) {
				if r.header.Get("ETag") != `"1"` {
					t.Errorf("ETag %q", r.header.Get("ETag"))
				}
			}},
		{name: "read another org", method: "GET", path: "/api/v1/orgs/{B}", token: "A.full", status: 404, code: roster.CodeNotFound},
		{name: "rename", method: "PATCH", path: "/api/v1/orgs/{A}", token: "A.full", body: map[string]any{"name": "Alpha AB"},
			status: 200, want: map[string]any{"name": "Alpha AB", "version": 2, "platform": "new"}},
		{name: "rename with If-Match", method: "PATCH", path: "/api/v1/orgs/{A}", token: "A.full", header: ifMatch(`"1"`),
			body: map[string]any{"settings": map[string]any{"sendWelcomeEmail": false}}, status: 200,
			want: map[string]any{"settings.sendWelcomeEmail": false, "settings.defaultLanguage": "en"}},
		{name: "rename stale", method: "PATCH", path: "/api/v1/orgs/{A}", token: "A.full", header: ifMatch(`"7"`),
			body: map[string]any{"name": "X"}, status: 412, code: roster.CodePreconditionFailed},
		{name: "name cannot be null", method: "PATCH", path: "/api/v1/orgs/{A}", token: "A.full", body: `{"name":null}`,
			status: 400, code: roster.CodeInvalid, field: "name"},
		{name: "seats need system", method: "PATCH", path: "/api/v1/orgs/{A}", token: "A.full", body: map[string]any{"seats": map[string]any{"standard": 10}},
			status: 403, code: roster.CodeForbidden},
		{name: "system changes seats", method: "PATCH", path: "/api/v1/orgs/{B}", token: "sys", body: map[string]any{"seats": map[string]any{"premium": 3}},
			status: 200, want: map[string]any{"seats.premium": 3, "seats.standard": 1}},
		{name: "read_only cannot rename", method: "PATCH", path: "/api/v1/orgs/{A}", token: "A.ro", body: map[string]any{"name": "X"},
			status: 403, code: roster.CodeForbidden},
		// Partners: only the installation assigns them; a partner's tokens stay in their own
		// organization (the console's customer view is for its administrators).
		{name: "no partner", method: "GET", path: "/api/v1/orgs/{B}", token: "sys", status: 200, want: map[string]any{"partnerOrgId": nil}},
		{name: "partner needs system", method: "PATCH", path: "/api/v1/orgs/{A}", token: "A.full", body: map[string]any{"partnerOrgId": "{B}"},
			status: 403, code: roster.CodeForbidden},
		{name: "system assigns a partner", method: "PATCH", path: "/api/v1/orgs/{B}", token: "sys", body: map[string]any{"partnerOrgId": "{A}"},
			status: 200, want: map[string]any{"partnerOrgId": "{A}", "version": 2},
			check: func(t *testing.T, f *fixture, _ resp) {
				if r := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{B}"), token: f.tokens["B.full"]}); get(r.body, "partnerOrgId") != f.a.ID {
					t.Errorf("the customer sees partner %v, want %s", get(r.body, "partnerOrgId"), f.a.ID)
				}
				if r := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{B}/users"), token: f.tokens["A.full"]}); r.status != 404 {
					t.Errorf("a partner's token reads its customer's users: %d", r.status)
				}
				r := f.do(req{method: "PATCH", path: f.expand("/api/v1/orgs/{B}"), token: f.tokens["sys"], body: []byte(`{"partnerOrgId":null}`)})
				if r.status != 200 || get(r.body, "partnerOrgId") != nil {
					t.Errorf("null: %d %s", r.status, r.raw)
				}
			}},
		{name: "not its own partner", method: "PATCH", path: "/api/v1/orgs/{B}", token: "sys", body: map[string]any{"partnerOrgId": "{B}"},
			status: 400, code: roster.CodeInvalid, field: "partnerOrgId"},
		{name: "unknown partner", method: "PATCH", path: "/api/v1/orgs/{B}", token: "sys", body: map[string]any{"partnerOrgId": "nope"},
			status: 400, code: roster.CodeInvalid, field: "partnerOrgId"},
		{name: "null removes the partner", method: "PATCH", path: "/api/v1/orgs/{B}", token: "sys", body: `{"partnerOrgId":null}`,
			status: 200, want: map[string]any{"partnerOrgId": nil}},
	})
}
