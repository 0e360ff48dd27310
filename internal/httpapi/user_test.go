package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"roster"
)

// entries returns n batch entries with new emails.
func entries(n int, prefix string) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"email": fmt.Sprintf("%s%02d@batch.example", prefix, i)}
	}
	return out
}

// unchanged checks that the named user is still at version 1.
func unchanged(name string) func(t *testing.T, f *fixture, r resp) {
	return func(t *testing.T, f *fixture, _ resp) {
		t.Helper()
		u := f.users[name]
		got := f.do(req{method: "GET", path: "/api/v1/orgs/" + u.OrgID + "/users/" + u.ID, token: f.tokens["sys"]})
		if get(got.body, "version") != float64(1) {
			t.Errorf("%s changed: %s", name, got.raw)
		}
	}
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 65) + "@example.com"
	runScenarios(t, []scenario{
		{name: "create", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body:   map[string]any{"email": " New.Person@Example.COM ", "firstName": "Nora", "phoneNumber": "+46701234567", "preferredLanguage": "sv"},
			status: 201, want: map[string]any{"email": "new.person@example.com", "firstName": "Nora", "status": "pending",
				"license": "none", "ccRole": "agent", "adminRole": "none", "profileType": "none", "userProfile": nil,
				"syncStatus": "none", "version": 1, "preferredLanguage": "sv"},
			check: func(t *testing.T, f *fixture, r resp) {
				if loc := r.header.Get("Location"); loc != "/api/v1/orgs/"+f.a.ID+"/users/"+get(r.body, "id").(string) {
					t.Errorf("Location %q", loc)
				}
				if r.header.Get("ETag") != `"1"` {
					t.Errorf("ETag %q", r.header.Get("ETag"))
				}
			}},
		{name: "create premium supervisor", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body:   map[string]any{"email": "s2@a.example", "license": "premium", "ccRole": "supervisor"},
			status: 201, want: map[string]any{"profileType": "supervisor", "userProfile": "Supervisor", "syncStatus": "pending"}},
		{name: "system creates", method: "POST", path: "/api/v1/orgs/{A}/users", token: "sys", body: map[string]any{"email": "x@a.example", "license": "standard"},
			status: 201, want: map[string]any{"userProfile": "Standard Agent"}},
		{name: "admin role on create", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": "x@a.example", "adminRole": "full"}, status: 422, code: roster.CodeAdminRoleOnCreate},
		{name: "supervisor without premium", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": "x@a.example", "license": "standard", "ccRole": "supervisor"}, status: 422, code: roster.CodeRoleRequiresPremium},
		{name: "email exists", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": "AGENT@a.example"}, status: 409, code: roster.CodeEmailExists},
		{name: "email in other org hides its name", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": "sup@b.example"}, status: 409, code: roster.CodeEmailInOtherOrg,
			check: func(t *testing.T, f *fixture, r resp) {
				if strings.Contains(string(r.raw), "Bravo") || strings.Contains(string(r.raw), f.b.ID) {
					t.Errorf("the other organization leaks: %s", r.raw)
				}
			}},
		{name: "email in other org named to system", method: "POST", path: "/api/v1/orgs/{A}/users", token: "sys",
			body: map[string]any{"email": "sup@b.example"}, status: 409, code: roster.CodeEmailInOtherOrg,
			check: func(t *testing.T, _ *fixture, r resp) {
				if !strings.Contains(get(r.body, "detail").(string), "Bravo Secret Trial") {
					t.Errorf("the system token should see the name: %s", r.raw)
				}
			}},
		{name: "no seats", method: "POST", path: "/api/v1/orgs/{B}/users", token: "B.full",
			body: map[string]any{"email": "new@b.example", "license": "standard"}, status: 409, code: roster.CodeNoSeatsAvailable},
		{name: "no license needs no seat", method: "POST", path: "/api/v1/orgs/{B}/users", token: "B.full",
			body: map[string]any{"email": "new@b.example"}, status: 201},
		{name: "local part of 65 characters", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": long}, status: 400, code: roster.CodeInvalid, field: "email"},
		{name: "local part of 64 characters", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": long[1:]}, status: 201},
		{name: "not an email", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": "Ana <ana@example.com>"}, status: 400, code: roster.CodeInvalid, field: "email"},
		{name: "no email", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"firstName": "Ana"}, status: 400, code: roster.CodeInvalid, field: "email"},
		{name: "tab in a name", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": "x@a.example", "firstName": "An\ta"}, status: 400, code: roster.CodeInvalid, field: "firstName"},
		{name: "line break in a name", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": "x@a.example", "lastName": "Lo\npez"}, status: 400, code: roster.CodeInvalid, field: "lastName"},
		{name: "phone without plus", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": "x@a.example", "phoneNumber": "46701234567"}, status: 400, code: roster.CodeInvalid, field: "phoneNumber",
			check: func(t *testing.T, _ *fixture, r resp) {
				if !strings.Contains(string(r.raw), "spreadsheet") {
					t.Errorf("want the spreadsheet hint: %s", r.raw)
				}
			}},
		{name: "phone with spaces", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": "x@a.example", "phoneNumber": "+46 70 123"}, status: 400, code: roster.CodeInvalid, field: "phoneNumber"},
		{name: "unknown license", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": "x@a.example", "license": "gold"}, status: 400, code: roster.CodeInvalid, field: "license"},
		{name: "unknown language", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": "x@a.example", "preferredLanguage": "de"}, status: 400, code: roster.CodeInvalid, field: "preferredLanguage"},
		{name: "malformed JSON", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: "{\n  \"email\": \"x@a.example\",\n  \"firstName\": 'Ana'\n}", status: 400, code: roster.CodeInvalid,
			check: func(t *testing.T, _ *fixture, r resp) {
				if d := get(r.body, "detail").(string); !strings.Contains(d, "line 3, column 16") {
					t.Errorf("want the position: %s", d)
				}
			}},
		{name: "truncated JSON", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: `{"email": "x@a.example"`, status: 400, code: roster.CodeInvalid,
			check: func(t *testing.T, _ *fixture, r resp) {
				if d := get(r.body, "detail").(string); !strings.Contains(d, "line 1, column 24") {
					t.Errorf("want the position: %s", d)
				}
			}},
		{name: "unknown field", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": "x@a.example", "nickname": "x"}, status: 400, code: roster.CodeInvalid, field: "nickname"},
		{name: "read-only field", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": "x@a.example", "status": "active"}, status: 400, code: roster.CodeInvalid, field: "status"},
		{name: "wrong type", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": 42}, status: 400, code: roster.CodeInvalid, field: "email"},
		{name: "not an object", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: `["x@a.example"]`, status: 400, code: roster.CodeInvalid},
		{name: "two objects", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: `{"email":"x@a.example"} {"email":"y@a.example"}`, status: 400, code: roster.CodeInvalid},
		{name: "empty body", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: " ", status: 400, code: roster.CodeInvalid},
		{name: "invalid UTF-8", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: "{\"email\":\"x@a.example\",\"firstName\":\"\xff\"}", status: 400, code: roster.CodeInvalid},
		{name: "not JSON", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: `email=x@a.example`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			status: 415, code: "unsupported_media_type"},
		{name: "no content type", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: `{"email":"x@a.example"}`, header: map[string]string{"Content-Type": ""}, status: 415, code: "unsupported_media_type"},
		{name: "JSON with charset", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: `{"email":"x@a.example"}`, header: map[string]string{"Content-Type": "application/json; charset=utf-8"}, status: 201},
		{name: "body over 1 MiB", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: `{"email":"x@a.example","title":"` + strings.Repeat("x", 1<<20) + `"}`, status: 413, code: "request_too_large"},
		{name: "cc_service cannot create", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.cc",
			body: map[string]any{"email": "x@a.example"}, status: 403, code: roster.CodeForbidden},
		{name: "read_only cannot create", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.ro",
			body: map[string]any{"email": "x@a.example"}, status: 403, code: roster.CodeForbidden},
	})
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	const agent, sup = "/api/v1/orgs/{A}/users/{A.agent}", "/api/v1/orgs/{A}/users/{A.sup}"
	runScenarios(t, []scenario{
		{name: "read", method: "GET", path: agent, token: "A.ro", status: 200,
			want: map[string]any{"email": "agent@a.example", "license": "standard", "profileType": "standard_agent", "userProfile": "Standard Agent"},
			check: func(t *testing.T, _ *fixture, r resp) {
				if r.header.Get("ETag") != `"1"` {
					t.Errorf("ETag %q", r.header.Get("ETag"))
				}
			}},
		{name: "read unknown", method: "GET", path: "/api/v1/orgs/{A}/users/nobody", token: "A.ro", status: 404, code: roster.CodeNotFound},
		{name: "If-Match missing", method: "PATCH", path: agent, token: "A.full", body: map[string]any{"title": "Lead"},
			status: 428, code: roster.CodePreconditionRequired, check: unchanged("A.agent")},
		{name: "If-Match stale", method: "PATCH", path: agent, token: "A.full", header: ifMatch(`"2"`), body: map[string]any{"title": "Lead"},
			status: 412, code: roster.CodePreconditionFailed, check: unchanged("A.agent")},
		{name: "If-Match zero", method: "PATCH", path: agent, token: "A.full", header: ifMatch(`"0"`), body: map[string]any{"title": "Lead"},
			status: 412, code: roster.CodePreconditionFailed, check: unchanged("A.agent")},
		{name: "If-Match unquoted", method: "PATCH", path: agent, token: "A.full", header: ifMatch(`1`), body: map[string]any{"title": "Lead"},
			status: 400, code: roster.CodeInvalid, field: "If-Match"},
		{name: "If-Match correct", method: "PATCH", path: agent, token: "A.full", header: ifMatch(`"1"`), body: map[string]any{"title": "Lead"},
			status: 200, want: map[string]any{"title": "Lead", "version": 2, "firstName": "Ada"},
			check: func(t *testing.T, _ *fixture, r resp) {
				if r.header.Get("ETag") != `"2"` {
					t.Errorf("ETag %q", r.header.Get("ETag"))
				}
			}},
		{name: "If-Match weak", method: "PATCH", path: agent, token: "A.full", header: ifMatch(`W/"1"`), body: map[string]any{"title": "Lead"}, status: 200},
		{name: "If-Match any", method: "PATCH", path: agent, token: "A.full", header: ifMatch(`*`), body: map[string]any{"title": "Lead"}, status: 200},
		{name: "merge patch content type", method: "PATCH", path: agent, token: "A.full", header: map[string]string{"If-Match": "*", "Content-Type": "application/merge-patch+json"},
			body: map[string]any{"department": "Sales"}, status: 200, want: map[string]any{"department": "Sales"}},
		{name: "null empties a text field", method: "PATCH", path: agent, token: "A.full", header: ifMatch(`*`),
			body: `{"firstName":null}`, status: 200, want: map[string]any{"firstName": "", "lastName": "Agent"}},
		{name: "no change keeps the version", method: "PATCH", path: agent, token: "A.full", header: ifMatch(`"1"`),
			body: map[string]any{"firstName": "Ada"}, status: 200, want: map[string]any{"version": 1}},
		{name: "premium removed from a supervisor", method: "PATCH", path: sup, token: "A.full", header: ifMatch(`*`),
			body: map[string]any{"license": "standard"}, status: 422, code: roster.CodeRoleRequiresPremium, check: unchanged("A.sup")},
		{name: "premium removed with the role cleared", method: "PATCH", path: sup, token: "A.full", header: ifMatch(`*`),
			body: `{"license":"standard","ccRole":null}`, status: 200,
			want: map[string]any{"license": "standard", "ccRole": "agent", "profileType": "standard_agent"}},
		{name: "premium removed with role agent", method: "PATCH", path: sup, token: "A.cc", header: ifMatch(`*`),
			body: map[string]any{"license": "none", "ccRole": "agent"}, status: 200,
			want: map[string]any{"license": "none", "profileType": "none", "userProfile": nil}},
		{name: "supervisor and admin on new platform", method: "PATCH", path: sup, token: "A.full", header: ifMatch(`*`),
			body: map[string]any{"adminRole": "full"}, status: 200, want: map[string]any{"adminRole": "full", "ccRole": "supervisor"}},
		{name: "supervisor and admin on 1.0", method: "PATCH", path: "/api/v1/orgs/{B}/users/{B.sup}", token: "B.full", header: ifMatch(`*`),
			body: map[string]any{"adminRole": "cc_service"}, status: 422, code: roster.CodeSupervisorAdminExclusive, check: unchanged("B.sup")},
		{name: "admin on 1.0 without supervisor", method: "PATCH", path: "/api/v1/orgs/{B}/users/{B.sup}", token: "B.full", header: ifMatch(`*`),
			body: map[string]any{"adminRole": "cc_service", "ccRole": "agent"}, status: 200, want: map[string]any{"profileType": "administrator"}},
		{name: "no seat to upgrade", method: "PATCH", path: "/api/v1/orgs/{B}/users/{B.std}", token: "B.full", header: ifMatch(`*`),
			body: map[string]any{"license": "premium"}, status: 409, code: roster.CodeNoSeatsAvailable, check: unchanged("B.std")},
		{name: "email of another org", method: "PATCH", path: agent, token: "A.full", header: ifMatch(`*`),
			body: map[string]any{"email": "std@b.example"}, status: 409, code: roster.CodeEmailInOtherOrg},
		{name: "email of a colleague", method: "PATCH", path: agent, token: "A.full", header: ifMatch(`*`),
			body: map[string]any{"email": "sup@a.example"}, status: 409, code: roster.CodeEmailExists},
		{name: "unknown license", method: "PATCH", path: agent, token: "A.full", header: ifMatch(`*`),
			body: map[string]any{"license": "platinum"}, status: 400, code: roster.CodeInvalid, field: "license"},
		{name: "read-only field", method: "PATCH", path: agent, token: "A.full", header: ifMatch(`*`),
			body: map[string]any{"version": 5}, status: 400, code: roster.CodeInvalid, field: "version"},
		{name: "wrong type", method: "PATCH", path: agent, token: "A.full", header: ifMatch(`*`),
			body: map[string]any{"title": true}, status: 400, code: roster.CodeInvalid, field: "title"},
		{name: "cc_service changes a license", method: "PATCH", path: agent, token: "A.cc", header: ifMatch(`"1"`),
			body: map[string]any{"license": "premium"}, status: 200, want: map[string]any{"license": "premium", "profileType": "premium_agent"}},
		{name: "cc_service cannot change a name", method: "PATCH", path: agent, token: "A.cc", header: ifMatch(`*`),
			body: map[string]any{"firstName": "X"}, status: 403, code: roster.CodeForbidden, check: unchanged("A.agent")},
		{name: "cc_service cannot give an admin role", method: "PATCH", path: agent, token: "A.cc", header: ifMatch(`*`),
			body: map[string]any{"adminRole": "full"}, status: 403, code: roster.CodeForbidden},
		{name: "read_only cannot change a license", method: "PATCH", path: agent, token: "A.ro", header: ifMatch(`*`),
			body: map[string]any{"license": "premium"}, status: 403, code: roster.CodeForbidden, check: unchanged("A.agent")},
	})
}

func TestUserActions(t *testing.T) {
	t.Parallel()
	const agent = "/api/v1/orgs/{A}/users/{A.agent}"
	runScenarios(t, []scenario{
		{name: "delete", method: "DELETE", path: agent, token: "A.full", status: 204,
			check: func(t *testing.T, f *fixture, _ resp) {
				if r := f.do(req{method: "GET", path: f.expand(agent), token: f.tokens["A.full"]}); r.status != 404 {
					t.Errorf("deleted user: %d", r.status)
				}
				if r := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}"), token: f.tokens["A.full"]}); get(r.body, "usage.standard") != float64(0) {
					t.Errorf("seat not freed: %s", r.raw)
				}
			}},
		{name: "delete with If-Match", method: "DELETE", path: agent, token: "A.full", header: ifMatch(`"1"`), status: 204},
		{name: "delete stale", method: "DELETE", path: agent, token: "A.full", header: ifMatch(`"3"`), status: 412,
			code: roster.CodePreconditionFailed, check: unchanged("A.agent")},
		{name: "delete unknown", method: "DELETE", path: "/api/v1/orgs/{A}/users/nobody", token: "A.full", status: 404, code: roster.CodeNotFound},
		{name: "cc_service cannot delete", method: "DELETE", path: agent, token: "A.cc", status: 403, code: roster.CodeForbidden, check: unchanged("A.agent")},
		{name: "read_only cannot delete", method: "DELETE", path: agent, token: "A.ro", status: 403, code: roster.CodeForbidden},
		{name: "deactivate", method: "POST", path: agent + "/deactivate", token: "A.full", status: 200,
			want: map[string]any{"status": "inactive", "license": "standard", "version": 2},
			check: func(t *testing.T, f *fixture, r resp) {
				if r.header.Get("ETag") != `"2"` {
					t.Errorf("ETag %q", r.header.Get("ETag"))
				}
				re := f.do(req{method: "POST", path: f.expand(agent + "/reactivate"), token: f.tokens["A.full"], header: ifMatch(`"2"`)})
				if re.status != 200 || get(re.body, "status") != "active" || re.header.Get("ETag") != `"3"` {
					t.Errorf("reactivate: %d %s", re.status, re.raw)
				}
			}},
		{name: "deactivate stale", method: "POST", path: agent + "/deactivate", token: "A.full", header: ifMatch(`"9"`),
			status: 412, code: roster.CodePreconditionFailed},
		{name: "reactivate a pending user", method: "POST", path: agent + "/reactivate", token: "A.full", status: 200,
			want: map[string]any{"status": "pending", "version": 1}},
		{name: "cc_service cannot deactivate", method: "POST", path: agent + "/deactivate", token: "A.cc", status: 403, code: roster.CodeForbidden},
		{name: "read_only cannot reactivate", method: "POST", path: agent + "/reactivate", token: "A.ro", status: 403, code: roster.CodeForbidden},
	})
}

func TestListUsers(t *testing.T) {
	t.Parallel()
	const users = "/api/v1/orgs/{A}/users"
	runScenarios(t, []scenario{
		{name: "all", method: "GET", path: users, token: "A.ro", status: 200,
			want: map[string]any{"total": 2, "totalExact": true, "nextCursor": nil, "items.0.email": "agent@a.example", "items.1.email": "sup@a.example"}},
		{name: "by license", method: "GET", path: users + "?license=premium", token: "A.ro", status: 200,
			want: map[string]any{"total": 1, "items.0.email": "sup@a.example", "items.1": nil}},
		{name: "by role", method: "GET", path: users + "?ccRole=supervisor&status=pending", token: "A.ro", status: 200,
			want: map[string]any{"items.0.email": "sup@a.example", "items.1": nil}},
		{name: "by prefix", method: "GET", path: users + "?q=ADA", token: "A.ro", status: 200,
			want: map[string]any{"items.0.email": "agent@a.example", "items.1": nil}},
		{name: "empty page", method: "GET", path: users + "?adminRole=full", token: "A.ro", status: 200,
			want: map[string]any{"total": 0, "nextCursor": nil},
			check: func(t *testing.T, _ *fixture, r resp) {
				if items, is := get(r.body, "items").([]any); !is || len(items) != 0 {
					t.Errorf("items must be an empty array: %s", r.raw)
				}
			}},
		{name: "limit", method: "GET", path: users + "?limit=1", token: "A.ro", status: 200,
			want: map[string]any{"total": 2, "items.0.email": "agent@a.example", "items.1": nil},
			check: func(t *testing.T, f *fixture, r resp) {
				next, _ := get(r.body, "nextCursor").(string)
				if next == "" {
					t.Fatalf("no nextCursor: %s", r.raw)
				}
				r2 := f.do(req{method: "GET", path: f.expand(users) + "?limit=1&cursor=" + next, token: f.tokens["A.ro"]})
				if get(r2.body, "items.0.email") != "sup@a.example" || get(r2.body, "nextCursor") != nil {
					t.Errorf("second page: %s", r2.raw)
				}
			}},
		{name: "unknown parameter", method: "GET", path: users + "?licence=premium", token: "A.ro", status: 400, code: roster.CodeInvalid, field: "licence"},
		{name: "group of no user", method: "GET", path: users + "?group=x", token: "A.ro", status: 200,
			want: map[string]any{"items": []any{}, "total": 0}},
		{name: "repeated parameter", method: "GET", path: users + "?q=a&q=b", token: "A.ro", status: 400, code: roster.CodeInvalid, field: "q"},
		{name: "unknown license", method: "GET", path: users + "?license=gold", token: "A.ro", status: 400, code: roster.CodeInvalid, field: "license"},
		{name: "unknown status", method: "GET", path: users + "?status=gone", token: "A.ro", status: 400, code: roster.CodeInvalid, field: "status"},
		{name: "limit zero", method: "GET", path: users + "?limit=0", token: "A.ro", status: 400, code: roster.CodeInvalid, field: "limit"},
		{name: "limit too large", method: "GET", path: users + "?limit=1001", token: "A.ro", status: 400, code: roster.CodeInvalid, field: "limit"},
		{name: "limit not a number", method: "GET", path: users + "?limit=ten", token: "A.ro", status: 400, code: roster.CodeInvalid, field: "limit"},
		{name: "bad cursor", method: "GET", path: users + "?cursor=%21%21", token: "A.ro", status: 400, code: roster.CodeInvalidCursor, field: "cursor"},
	})
}

func TestBatch(t *testing.T) {
	t.Parallel()
	const batch = "/api/v1/orgs/{A}/users/batch"
	runScenarios(t, []scenario{
		{name: "25 entries", method: "POST", path: batch, token: "A.full",
			body: map[string]any{"entries": entries(25, "p"), "license": "premium", "ccRole": "supervisor"}, status: 200,
			check: func(t *testing.T, f *fixture, r resp) {
				results := get(r.body, "results").([]any)
				if len(results) != 25 {
					t.Fatalf("%d results", len(results))
				}
				for i, res := range results {
					if get(res, "outcome") != "created" || get(res, "userId") == nil || get(res, "code") != nil {
						t.Errorf("result %d: %v", i, res)
					}
				}
				l := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/users?ccRole=supervisor&limit=100"), token: f.tokens["A.ro"]})
				if get(l.body, "total") != float64(26) {
					t.Errorf("supervisors: %v", get(l.body, "total"))
				}
			}},
		{name: "26 entries", method: "POST", path: batch, token: "A.full", body: map[string]any{"entries": entries(26, "p")},
			status: 400, code: roster.CodeBatchTooLarge,
			check: func(t *testing.T, f *fixture, _ resp) {
				l := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/users"), token: f.tokens["A.ro"]})
				if get(l.body, "total") != float64(2) {
					t.Errorf("users were created: %v", get(l.body, "total"))
				}
			}},
		{name: "no entries", method: "POST", path: batch, token: "A.full", body: map[string]any{"entries": []any{}},
			status: 400, code: roster.CodeInvalid, field: "entries"},
		{name: "partial", method: "POST", path: batch, token: "A.full",
			body: map[string]any{"license": "standard", "entries": []any{
				map[string]any{"email": "new@a.example", "firstName": "New", "lastName": "Person"},
				map[string]any{"email": "not-an-email"},
				map[string]any{"email": "sup@b.example"},
				map[string]any{"email": "AGENT@a.example"},
				map[string]any{"email": "sup@a.example"},
				map[string]any{"email": "new@a.example"},
			}},
			status: 207,
			want: map[string]any{
				"results.0.outcome": "created", "results.0.email": "new@a.example",
				"results.1.outcome": "failed", "results.1.code": "invalid",
				"results.2.outcome": "failed", "results.2.code": "email_in_other_org",
				"results.3.outcome": "unchanged", "results.3.email": "agent@a.example",
				"results.4.outcome": "updated",
				"results.5.outcome": "failed", "results.5.code": "duplicate_email",
			},
			check: func(t *testing.T, _ *fixture, r resp) {
				if strings.Contains(string(r.raw), "Bravo") {
					t.Errorf("the other organization leaks: %s", r.raw)
				}
			}},
		{name: "unknown license", method: "POST", path: batch, token: "A.full", body: map[string]any{"entries": entries(1, "x"), "license": "gold"},
			status: 400, code: roster.CodeInvalid, field: "license"},
		{name: "supervisor needs premium", method: "POST", path: batch, token: "A.full",
			body: map[string]any{"entries": entries(1, "x"), "license": "standard", "ccRole": "supervisor"}, status: 422, code: roster.CodeRoleRequiresPremium},
		{name: "seats run out", method: "POST", path: "/api/v1/orgs/{B}/users/batch", token: "B.full",
			body: map[string]any{"entries": entries(2, "x"), "license": "premium"}, status: 207,
			want: map[string]any{"results.0.code": "no_seats_available", "results.1.code": "no_seats_available"}},
		{name: "entry with unknown field", method: "POST", path: batch, token: "A.full",
			body: map[string]any{"entries": []any{map[string]any{"email": "x@a.example", "title": "x"}}}, status: 400, code: roster.CodeInvalid, field: "title"},
		{name: "cc_service changes licenses", method: "POST", path: batch, token: "A.cc",
			body: map[string]any{"entries": []any{map[string]any{"email": "agent@a.example"}}, "license": "premium"}, status: 200,
			want: map[string]any{"results.0.outcome": "updated"}},
		{name: "cc_service cannot create", method: "POST", path: batch, token: "A.cc",
			body: map[string]any{"entries": entries(1, "x"), "license": "premium"}, status: 207,
			want: map[string]any{"results.0.outcome": "failed", "results.0.code": "forbidden"}},
		{name: "read_only cannot", method: "POST", path: batch, token: "A.ro",
			body: map[string]any{"entries": entries(1, "x")}, status: 403, code: roster.CodeForbidden},
	})
}
