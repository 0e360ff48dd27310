package httpapi_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
)

// fieldCode returns a scenario check that the problem has a field error on field with code.
func fieldCode(field string, code roster.Code) func(t *testing.T, f *fixture, r resp) {
	return func(t *testing.T, _ *fixture, r resp) {
		t.Helper()
		errs, _ := get(r.body, "errors").([]any)
		for _, e := range errs {
			if get(e, "field") == field && get(e, "code") == string(code) {
				return
			}
		}
		t.Errorf("no field error %s on %s: %s", code, field, r.raw)
	}
}

// detailSays returns a scenario check that the problem's detail holds each of words.
func detailSays(words ...string) func(t *testing.T, f *fixture, r resp) {
	return func(t *testing.T, _ *fixture, r resp) {
		t.Helper()
		d, _ := get(r.body, "detail").(string)
		for _, w := range words {
			if !strings.Contains(d, w) {
				t.Errorf("detail %q does not say %q", d, w)
			}
		}
	}
}

func TestOneIdentityPerPersonREST(t *testing.T) {
	t.Parallel()
	const users, batch = "/api/v1/orgs/{B}/users", "/api/v1/orgs/{B}/users/batch"
	inA := func(f *fixture) {
		f.createUser(f.a.ID, provision.NewUser{Email: "hr@bücher.example"})
		f.createUser(f.a.ID, provision.NewUser{Email: "ceo@fw.example"})
	}
	runScenarios(t, []scenario{
		{name: "punycode of a Unicode domain", method: "POST", path: users, token: "B.full", setup: inA,
			body: map[string]any{"email": "hr@xn--bcher-kva.example"}, status: 409, code: roster.CodeEmailInOtherOrg},
		{name: "full-width letter in the domain", method: "POST", path: users, token: "B.full", setup: inA,
			body: map[string]any{"email": "ceo@\uff46w.example"}, status: 409, code: roster.CodeEmailInOtherOrg},
		{name: "stored in Unicode form", method: "POST", path: "/api/v1/orgs/{A}/users", token: "A.full",
			body: map[string]any{"email": "HR@XN--BCHER-KVA.example"}, status: 201, want: map[string]any{"email": "hr@bücher.example"}},
		{name: "zero-width space", method: "POST", path: users, token: "B.full",
			body: map[string]any{"email": "ad\u200bmin@b.example"}, status: 400, code: roster.CodeInvalid, field: "email",
			check: fieldCode("email", roster.CodeInvalidCharacters)},
		{name: "full-width letter in the local part", method: "POST", path: users, token: "B.full",
			body: map[string]any{"email": "\uff43eo@b.example"}, status: 400, code: roster.CodeInvalid, field: "email",
			check: fieldCode("email", roster.CodeInvalidCharacters)},
		{name: "right-to-left override in a name", method: "POST", path: users, token: "B.full",
			body: map[string]any{"email": "bob@b.example", "lastName": "Bob\u202etxt.exe"}, status: 400, code: roster.CodeInvalid, field: "lastName",
			check: fieldCode("lastName", roster.CodeInvalidCharacters)},
		{name: "real scripts in names", method: "POST", path: users, token: "B.full",
			body: map[string]any{"email": "lukasz@b.example", "firstName": "Łukasz", "lastName": "Żółć", "displayName": "李伟 محمد Åsa"}, status: 201},
		{name: "isolate in a group name", method: "POST", path: "/api/v1/orgs/{B}/groups", token: "B.full",
			body: map[string]any{"name": "Sales\u2066x\u2069"}, status: 400, code: roster.CodeInvalid, field: "name",
			check: fieldCode("name", roster.CodeInvalidCharacters)},
		{name: "BOM in an organization name", method: "PATCH", path: "/api/v1/orgs/{B}", token: "sys",
			body: map[string]any{"name": "\ufeffBravo"}, status: 400, code: roster.CodeInvalid, field: "name",
			check: fieldCode("name", roster.CodeInvalidCharacters)},
		{name: "batch", method: "POST", path: batch, token: "B.full", setup: inA,
			body: map[string]any{"entries": []any{map[string]any{"email": "hr@xn--bcher-kva.example"}, map[string]any{"email": "x\u200d@b.example"},
				map[string]any{"email": "tag@b.example", "firstName": "Tag\U000E0041"}}},
			status: 207, want: map[string]any{"results.0.code": "email_in_other_org", "results.1.code": "invalid_characters",
				"results.2.code": "invalid_characters"}},
	})
}

func TestStrictJSONKeys(t *testing.T) {
	t.Parallel()
	const users, batch, agent = "/api/v1/orgs/{A}/users", "/api/v1/orgs/{A}/users/batch", "/api/v1/orgs/{A}/users/{A.agent}"
	runScenarios(t, []scenario{
		{name: "duplicate key", method: "POST", path: users, token: "A.full",
			body: `{"email":"first@a.example","email":"second@a.example"}`, status: 400, code: roster.CodeInvalid, field: "email",
			check: detailSays(`"email"`, "twice")},
		{name: "key in another case", method: "POST", path: users, token: "A.full",
			body: `{"EMAIL":"upper@a.example"}`, status: 400, code: roster.CodeInvalid, field: "EMAIL",
			check: detailSays(`"EMAIL"`, `"email"`)},
		{name: "the same field in two cases", method: "POST", path: users, token: "A.full",
			body: `{"email":"a1@a.example","Email":"a2@a.example"}`, status: 400, code: roster.CodeInvalid, field: "Email"},
		{name: "duplicate key in a batch entry", method: "POST", path: batch, token: "A.full",
			body: `{"entries":[{"email":"b1@a.example","email":"b2@a.example"}]}`, status: 400, code: roster.CodeInvalid, field: "entries.email"},
		{name: "key in another case in a batch entry", method: "POST", path: batch, token: "A.full",
			body: `{"entries":[{"eMail":"b1@a.example"}]}`, status: 400, code: roster.CodeInvalid, field: "entries.eMail",
			check: detailSays(`"entries.email"`)},
		{name: "key in another case in a patch", method: "PATCH", path: agent, token: "A.full", header: ifMatch("*"),
			body: `{"firstName":"Ann","FIRSTNAME":"Eve"}`, status: 400, code: roster.CodeInvalid, field: "FIRSTNAME", check: unchanged("A.agent")},
		{name: "duplicate null and value in a patch", method: "PATCH", path: agent, token: "A.full", header: ifMatch("*"),
			body: `{"title":null,"title":"Lead"}`, status: 400, code: roster.CodeInvalid, field: "title", check: unchanged("A.agent")},
		{name: "the same key in two objects", method: "POST", path: batch, token: "A.full",
			body: `{"entries":[{"email":"c1@a.example"},{"email":"c2@a.example"}]}`, status: 200,
			want: map[string]any{"results.0.outcome": "created", "results.1.outcome": "created"}},
		{name: "exact keys", method: "POST", path: users, token: "A.full",
			body: `{"email":"exact@a.example","firstName":"Ex"}`, status: 201},
	})
}

// TestCursors: every list refuses a cursor it did not give out (made up, changed, cut short,
// of the form cursors had before they named their list, or from another list) with 400
// invalid_cursor, and follows its own.
func TestCursors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sales := f.group("Sales", roster.LicenseNone)
	f.addMembers(f.a.ID, sales.ID, f.users["A.agent"].ID, f.users["A.sup"].ID)
	f.addMembers(f.a.ID, f.group("Support", roster.LicenseNone).ID, f.users["A.agent"].ID)
	f.makeAgents(f.users["A.agent"], f.users["A.sup"])
	org := "/api/v1/orgs/" + f.a.ID
	lists := []string{org + "/users", org + "/users/" + f.users["A.agent"].ID + "/groups", org + "/emails", org + "/groups",
		org + "/groups/" + sales.ID + "/members", org + "/contact-center/agents", org + "/tasks", org + "/audit"}
	first := func(path string) string {
		t.Helper()
		r := f.do(req{method: "GET", path: path + "?limit=1", token: f.tokens["A.full"]})
		next, _ := get(r.body, "nextCursor").(string)
		if r.status != 200 || next == "" {
			t.Fatalf("%s: no second page: %d %s", path, r.status, r.raw)
		}
		// The cursor leads on.
		if r := f.do(req{method: "GET", path: path + "?limit=1&cursor=" + next, token: f.tokens["A.full"]}); r.status != 200 {
			t.Fatalf("%s: own cursor refused: %d %s", path, r.status, r.raw)
		}
		return next
	}
	cursors := make([]string, len(lists))
	for i, path := range lists {
		cursors[i] = first(path)
	}
	for i, path := range lists {
		own := cursors[i]
		bad := map[string]string{
			"made up":     base64.RawURLEncoding.EncodeToString([]byte("zzz@a.example")),
			"not base64":  "%21%21",
			"cut short":   own[:len(own)-2],
			"changed":     changed(own),
			"other list":  cursors[(i+1)%len(lists)],
			"id as email": base64.RawURLEncoding.EncodeToString([]byte(f.users["A.sup"].ID)),
		}
		for name, c := range bad {
			r := f.do(req{method: "GET", path: path + "?cursor=" + c, token: f.tokens["A.full"]})
			if r.status != 400 {
				t.Errorf("%s, %s cursor: status %d\n%s", path, name, r.status, r.raw)
				continue
			}
			checkProblem(t, r, roster.CodeInvalidCursor, "cursor")
		}
	}
}

// changed returns c with one character in the middle replaced by another.
func changed(c string) string {
	m := len(c) / 2
	r := byte('A')
	if c[m] == 'A' {
		r = 'B'
	}
	return c[:m] + string(r) + c[m+1:]
}
