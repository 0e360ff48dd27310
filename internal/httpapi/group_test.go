package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
)

func TestGroups(t *testing.T) {
	t.Parallel()
	groups, one := "/api/v1/orgs/{A}/groups", "/api/v1/orgs/{A}/groups/{group:Sales}"
	sales := func(f *fixture) { f.group("Sales", roster.LicenseStandard) }
	salesAndSupport := func(f *fixture) { sales(f); f.group("Support", roster.LicenseNone) }
	runScenarios(t, []scenario{
		{name: "create", method: "POST", path: groups, token: "A.full", body: map[string]any{"name": " Support ", "license": "premium"},
			status: 201, want: map[string]any{"name": "Support", "license": "premium", "members": 0, "version": 1, "orgId": "{A}"},
			check: func(t *testing.T, f *fixture, r resp) {
				if loc := r.header.Get("Location"); loc != "/api/v1/orgs/"+f.a.ID+"/groups/"+get(r.body, "id").(string) {
					t.Errorf("Location %q", loc)
				}
				if r.header.Get("ETag") != `"1"` {
					t.Errorf("ETag %q", r.header.Get("ETag"))
				}
			}},
		{name: "create without a license", method: "POST", path: groups, token: "A.full", body: map[string]any{"name": "Support"},
			status: 201, want: map[string]any{"license": "none"}},
		{name: "create a taken name", method: "POST", path: groups, token: "A.full", body: map[string]any{"name": "SALES"}, setup: sales,
			status: 409, code: roster.CodeNameExists},
		{name: "the same name in another org", method: "POST", path: "/api/v1/orgs/{B}/groups", token: "B.full", body: map[string]any{"name": "Sales"},
			setup: sales, status: 201},
		{name: "create without a name", method: "POST", path: groups, token: "A.full", body: map[string]any{"license": "standard"},
			status: 400, code: roster.CodeInvalid, field: "name"},
		{name: "create with a bar", method: "POST", path: groups, token: "A.full", body: map[string]any{"name": "A|B"},
			status: 400, code: roster.CodeInvalid, field: "name"},
		{name: "create with a bad license", method: "POST", path: groups, token: "A.full", body: map[string]any{"name": "X", "license": "gold"},
			status: 400, code: roster.CodeInvalid, field: "license"},
		{name: "create by read_only", method: "POST", path: groups, token: "A.ro", body: map[string]any{"name": "X"},
			status: 403, code: roster.CodeForbidden},
		{name: "create by cc_service", method: "POST", path: groups, token: "A.cc", body: map[string]any{"name": "X"},
			status: 403, code: roster.CodeForbidden},
		{name: "create in another org", method: "POST", path: groups, token: "B.full", body: map[string]any{"name": "X"},
			status: 404, code: roster.CodeNotFound},

		{name: "list by name", method: "GET", path: groups, token: "A.ro", setup: salesAndSupport, status: 200,
			want: map[string]any{"items.0.name": "Sales", "items.1.name": "Support", "items.2": nil, "nextCursor": nil}},
		{name: "list by prefix", method: "GET", path: groups + "?q=SU", token: "A.ro", setup: salesAndSupport, status: 200,
			want: map[string]any{"items.0.name": "Support", "items.1": nil}},
		{name: "list pages", method: "GET", path: groups + "?limit=1", token: "A.ro", setup: salesAndSupport, status: 200,
			check: func(t *testing.T, f *fixture, r resp) {
				cursor, _ := get(r.body, "nextCursor").(string)
				next := f.do(req{method: "GET", path: f.expand(groups) + "?limit=1&cursor=" + cursor, token: f.tokens["A.ro"]})
				if get(next.body, "items.0.name") != "Support" || get(next.body, "nextCursor") != nil {
					t.Errorf("second page %s", next.raw)
				}
			}},
		{name: "list unknown parameter", method: "GET", path: groups + "?name=x", token: "A.ro", status: 400, code: roster.CodeInvalid, field: "name"},
		{name: "list in another org", method: "GET", path: groups, token: "B.full", status: 404, code: roster.CodeNotFound},

		{name: "get", method: "GET", path: one, token: "A.ro", setup: sales, status: 200,
			want: map[string]any{"name": "Sales", "license": "standard", "id": "{group:Sales}"},
			check: func(t *testing.T, _ *fixture, r resp) {
				if r.header.Get("ETag") != `"1"` {
					t.Errorf("ETag %q", r.header.Get("ETag"))
				}
			}},
		{name: "get unknown", method: "GET", path: groups + "/nope", token: "A.ro", status: 404, code: roster.CodeNotFound},
		{name: "get by another org", method: "GET", path: one, token: "B.full", setup: sales, status: 404, code: roster.CodeNotFound},
		{name: "get under another org's path", method: "GET", path: "/api/v1/orgs/{B}/groups/{group:Sales}", token: "B.full", setup: sales,
			status: 404, code: roster.CodeNotFound},

		{name: "rename", method: "PATCH", path: one, token: "A.full", header: ifMatch(`"1"`), body: map[string]any{"name": "Sales EMEA"},
			setup: sales, status: 200, want: map[string]any{"name": "Sales EMEA", "license": "standard", "version": 2},
			check: func(t *testing.T, _ *fixture, r resp) {
				if r.header.Get("ETag") != `"2"` {
					t.Errorf("ETag %q", r.header.Get("ETag"))
				}
			}},
		{name: "rename without If-Match", method: "PATCH", path: one, token: "A.full", body: map[string]any{"name": "Sales EMEA"},
			setup: sales, status: 200, want: map[string]any{"version": 2}},
		{name: "rename to a taken name", method: "PATCH", path: one, token: "A.full", body: map[string]any{"name": "support"},
			setup: salesAndSupport, status: 409, code: roster.CodeNameExists},
		{name: "rename stale", method: "PATCH", path: one, token: "A.full", header: ifMatch(`"7"`), body: map[string]any{"name": "X"},
			setup: sales, status: 412, code: roster.CodePreconditionFailed},
		{name: "name cannot be null", method: "PATCH", path: one, token: "A.full", body: `{"name":null}`,
			setup: sales, status: 400, code: roster.CodeInvalid, field: "name"},
		{name: "null license is none", method: "PATCH", path: one, token: "A.full", body: `{"license":null}`,
			setup: sales, status: 200, want: map[string]any{"license": "none"}},
		{name: "cc_service changes the license", method: "PATCH", path: one, token: "A.cc", body: map[string]any{"license": "premium"},
			setup: sales, status: 200, want: map[string]any{"license": "premium", "version": 2}},
		{name: "cc_service cannot rename", method: "PATCH", path: one, token: "A.cc", body: map[string]any{"name": "X"},
			setup: sales, status: 403, code: roster.CodeForbidden},
		{name: "read_only cannot change", method: "PATCH", path: one, token: "A.ro", body: map[string]any{"license": "premium"},
			setup: sales, status: 403, code: roster.CodeForbidden},

		{name: "delete", method: "DELETE", path: one, token: "A.full", header: ifMatch(`"1"`), status: 204,
			setup: func(f *fixture) { sales(f); f.addMembers(f.a.ID, f.groups["Sales"].ID, f.users["A.agent"].ID) },
			check: func(t *testing.T, f *fixture, _ resp) {
				if r := f.do(req{method: "GET", path: f.expand(one), token: f.tokens["A.ro"]}); r.status != 404 {
					t.Errorf("read after delete: %d", r.status)
				}
				if r := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/users/{A.agent}/groups"), token: f.tokens["A.ro"]}); get(r.body, "items.0") != nil {
					t.Errorf("the member is still in a group: %s", r.raw)
				}
			}},
		{name: "delete stale", method: "DELETE", path: one, token: "A.full", header: ifMatch(`"2"`), setup: sales,
			status: 412, code: roster.CodePreconditionFailed},
		{name: "delete by cc_service", method: "DELETE", path: one, token: "A.cc", setup: sales, status: 403, code: roster.CodeForbidden},
		{name: "delete by another org", method: "DELETE", path: one, token: "B.full", setup: sales, status: 404, code: roster.CodeNotFound,
			check: func(t *testing.T, f *fixture, _ resp) {
				if r := f.do(req{method: "GET", path: f.expand(one), token: f.tokens["A.ro"]}); r.status != 200 {
					t.Errorf("the group is gone: %d", r.status)
				}
			}},
	})
}

func TestGroupMembers(t *testing.T) {
	t.Parallel()
	members := "/api/v1/orgs/{A}/groups/{group:Sales}/members"
	sales := func(f *fixture) { f.group("Sales", roster.LicenseStandard) }
	withAgent := func(f *fixture) { sales(f); f.addMembers(f.a.ID, f.groups["Sales"].ID, f.users["A.agent"].ID) }
	runScenarios(t, []scenario{
		{name: "add by id and by email", method: "POST", path: members, token: "A.full", setup: sales,
			body:   map[string]any{"userIds": []string{"{A.agent}", "no-such-user"}, "emails": []string{"SUP@a.example", "ghost@a.example", "sup@b.example"}},
			status: 200, want: map[string]any{"changed": 2, "unchanged": 0, "waiting": 0},
			check: func(t *testing.T, f *fixture, r resp) {
				var failed []string
				for _, e := range get(r.body, "failed").([]any) {
					if get(e, "code") != string(roster.CodeNotFound) {
						t.Errorf("failed entry %v", e)
					}
					failed = append(failed, fmt.Sprint(get(e, "userId"), "/", get(e, "email")))
				}
				slices.Sort(failed)
				// sup@b.example belongs to another organization: not found here either.
				if want := []string{"<nil>/ghost@a.example", "<nil>/sup@b.example", "no-such-user/<nil>"}; !slices.Equal(failed, want) {
					t.Errorf("failed %v, want %v", failed, want)
				}
				g := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/groups/{group:Sales}"), token: f.tokens["A.ro"]})
				if get(g.body, "members") != float64(2) {
					t.Errorf("group %s", g.raw)
				}
			}},
		{name: "add again", method: "POST", path: members, token: "A.full", setup: withAgent,
			body:   map[string]any{"userIds": []string{"{A.agent}"}, "emails": []string{"agent@a.example"}},
			status: 200, want: map[string]any{"changed": 0, "unchanged": 1, "failed": []any{}}},
		{name: "add nobody", method: "POST", path: members, token: "A.full", setup: sales, body: map[string]any{},
			status: 400, code: roster.CodeInvalid, field: "userIds"},
		{name: "add to an unknown group", method: "POST", path: "/api/v1/orgs/{A}/groups/nope/members", token: "A.full",
			body: map[string]any{"userIds": []string{"{A.agent}"}}, status: 404, code: roster.CodeNotFound},
		{name: "add unknown emails to an unknown group", method: "POST", path: "/api/v1/orgs/{A}/groups/nope/members", token: "A.full",
			body: map[string]any{"emails": []string{"ghost@a.example"}}, status: 404, code: roster.CodeNotFound},
		{name: "add by read_only", method: "POST", path: members, token: "A.ro", setup: sales,
			body: map[string]any{"userIds": []string{"{A.agent}"}}, status: 403, code: roster.CodeForbidden},
		{name: "add B's user", method: "POST", path: members, token: "A.full", setup: sales,
			body: map[string]any{"userIds": []string{"{B.std}"}}, status: 200,
			want: map[string]any{"changed": 0, "failed.0.userId": "{B.std}", "failed.0.code": "not_found"}},
		{name: "add by another org", method: "POST", path: members, token: "B.full", setup: sales,
			body: map[string]any{"userIds": []string{"{B.std}"}}, status: 404, code: roster.CodeNotFound},
		{name: "remove", method: "POST", path: members + "/remove", token: "A.full", setup: withAgent,
			body:   map[string]any{"emails": []string{"agent@a.example", "sup@a.example"}},
			status: 200, want: map[string]any{"changed": 1, "unchanged": 1, "failed": []any{}},
			check: func(t *testing.T, f *fixture, _ resp) {
				if r := f.do(req{method: "GET", path: f.expand(members), token: f.tokens["A.ro"]}); get(r.body, "items.0") != nil {
					t.Errorf("members left: %s", r.raw)
				}
			}},
		{name: "remove by cc_service", method: "POST", path: members + "/remove", token: "A.cc", setup: withAgent,
			body: map[string]any{"userIds": []string{"{A.agent}"}}, status: 403, code: roster.CodeForbidden},
		{name: "list", method: "GET", path: members, token: "A.ro", setup: withAgent, status: 200,
			want: map[string]any{"items.0.userId": "{A.agent}", "items.0.email": "agent@a.example", "items.0.firstName": "Ada",
				"items.0.lastName": "Agent", "items.0.license": "none", "items.1": nil, "nextCursor": nil}},
		{name: "list with a bad limit", method: "GET", path: members + "?limit=0", token: "A.ro", setup: sales,
			status: 400, code: roster.CodeInvalid, field: "limit"},
		{name: "list by another org", method: "GET", path: members, token: "B.full", setup: withAgent, status: 404, code: roster.CodeNotFound},
		{name: "groups of a user", method: "GET", path: "/api/v1/orgs/{A}/users/{A.agent}/groups", token: "A.ro", setup: withAgent, status: 200,
			want: map[string]any{"items.0.groupId": "{group:Sales}", "items.0.name": "Sales", "items.0.license": "none", "items.1": nil}},
		{name: "groups of an unknown user", method: "GET", path: "/api/v1/orgs/{A}/users/nope/groups", token: "A.ro", status: 404, code: roster.CodeNotFound},
		{name: "users of a group", method: "GET", path: "/api/v1/orgs/{A}/users?group={group:Sales}", token: "A.ro", setup: withAgent, status: 200,
			want: map[string]any{"items.0.email": "agent@a.example", "items.1": nil, "total": 1}},
	})
}

// TestMembersPaging adds users by email through the members route and reads them back with
// cursors.
func TestMembersPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	g := f.group("Sales", roster.LicenseNone)
	var emails []string
	for i := range 7 {
		u := f.createUser(f.a.ID, provision.NewUser{Email: fmt.Sprintf("m%d@a.example", i)})
		emails = append(emails, u.Email)
	}
	path := "/api/v1/orgs/" + f.a.ID + "/groups/" + g.ID + "/members"
	r := f.do(req{method: "POST", path: path, token: f.tokens["A.full"], body: map[string]any{"emails": emails}})
	if r.status != 200 || get(r.body, "changed") != float64(7) {
		t.Fatalf("add: %d %s", r.status, r.raw)
	}
	var got []string
	cursor, pages := "", 0
	for {
		p := path + "?limit=3"
		if cursor != "" {
			p += "&cursor=" + cursor
		}
		r := f.do(req{method: "GET", path: p, token: f.tokens["A.ro"]})
		if r.status != 200 {
			t.Fatalf("page %d: %d %s", pages, r.status, r.raw)
		}
		pages++
		for _, m := range get(r.body, "items").([]any) {
			got = append(got, get(m, "email").(string))
		}
		next, _ := get(r.body, "nextCursor").(string)
		if next == "" || pages > 5 {
			break
		}
		cursor = next
	}
	slices.Sort(got)
	if pages != 3 || !slices.Equal(got, emails) {
		t.Errorf("%d pages: %v", pages, got)
	}
}

// TestMembersLargeBody sends the members route 100,000 user ids (about 4 MB, over the 1 MiB
// of other requests) and a body over its own limit.
func TestMembersLargeBody(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	g := f.group("Sales", roster.LicenseNone)
	path := "/api/v1/orgs/" + f.a.ID + "/groups/" + g.ID + "/members"
	ids := make([]string, 100_000)
	for i := range ids {
		ids[i] = f.users["A.agent"].ID // repeats count once
	}
	r := f.do(req{method: "POST", path: path, token: f.tokens["A.full"], body: map[string]any{"userIds": ids}})
	if r.status != 200 || get(r.body, "changed") != float64(1) {
		t.Errorf("100,000 ids: %d %s", r.status, r.raw)
	}
	huge := `{"emails":["` + strings.Repeat("x", 17<<20) + `"]}`
	r = f.do(req{method: "POST", path: path, token: f.tokens["A.full"], body: huge})
	if r.status != 413 {
		t.Fatalf("17 MiB: %d %s", r.status, r.raw)
	}
	checkProblem(t, r, "request_too_large", "")
	if d, _ := get(r.body, "detail").(string); !strings.Contains(d, "16 MiB") {
		t.Errorf("detail %q", d)
	}
}
