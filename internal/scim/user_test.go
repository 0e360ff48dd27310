package scim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
)

// oktaCreate is the body Okta sends to create a user (recorded from Okta's SCIM 2.0 guide).
const oktaCreate = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "userName": "Test.User@Okta.local",
  "name": {"givenName": "Test", "familyName": "User"},
  "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
  "displayName": "Test User",
  "locale": "en-US",
  "externalId": "00ujl29u0le5T6Aj10h7",
  "groups": [],
  "password": "1mz050nq",
  "active": true
}`

// entraCreate is the body Microsoft Entra ID sends to create a user, with Roster's extension
// mapped as custom attributes.
const entraCreate = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "urn:ietf:params:scim:schemas:extension:roster:2.0:User"],
  "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
  "userName": "Ada.Lovelace@Example.com",
  "active": true,
  "displayName": "Ada Lovelace",
  "title": "Analyst",
  "preferredLanguage": "sv-SE",
  "emails": [{"primary": true, "type": "work", "value": "Ada.Lovelace@Example.com"}],
  "phoneNumbers": [{"type": "mobile", "value": "+46700000001"}, {"type": "work", "value": "+46700000002"}],
  "meta": {"resourceType": "User"},
  "name": {"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
  "roles": [],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Research", "employeeNumber": "42"},
  "urn:ietf:params:scim:schemas:extension:roster:2.0:User": {"license": "premium", "ccRole": "supervisor"}
}`

func TestAuthentication(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, e *env) {
		r := e.do("GET", "/scim/v2/Users", "", "").want(t, 401)
		if r.header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
		e.do("GET", "/scim/v2/Users", "rst_not-a-token", "").want(t, 401)
		e.do("GET", "/scim/v2/Users", e.sys, "").want(t, 403)
		e.do("GET", "/scim/v2/Nothing", e.full, "").want(t, 404)
		if r := e.do("PUT", "/scim/v2/Users", e.full, "").want(t, 405); !strings.Contains(r.header.Get("Allow"), "POST") {
			t.Errorf("405 without Allow: %v", r.header)
		}

		// read_only reads and changes nothing.
		e.do("GET", "/scim/v2/Users", e.ro, "").want(t, 200)
		e.do("POST", "/scim/v2/Users", e.ro, oktaCreate).want(t, 403)

		// cc_service may not create or delete users, but may change licenses.
		e.do("POST", "/scim/v2/Users", e.cc, oktaCreate).want(t, 403)
		u := e.createUser(provision.NewUser{Email: "cc@example.com", FirstName: "C"})
		e.do("DELETE", "/scim/v2/Users/"+u.ID, e.cc, "").want(t, 403)
		e.do("PATCH", "/scim/v2/Users/"+u.ID, e.cc, `{"Operations":[{"op":"replace","path":"active","value":false}]}`).want(t, 403)
		e.do("PATCH", "/scim/v2/Users/"+u.ID, e.cc, `{"Operations":[{"op":"replace","path":"name.givenName","value":"X"}]}`).want(t, 403)
		r = e.do("PATCH", "/scim/v2/Users/"+u.ID, e.cc, `{"Operations":[{"op":"replace","path":"`+rosterExt+`:license","value":"standard"}]}`).want(t, 200)
		if path(r.body, rosterExt, "license") != "standard" {
			t.Errorf("cc_service license change: %s", r.raw)
		}
		if e.user(u.ID).License != roster.LicenseStandard {
			t.Error("the license was not stored")
		}

		// Okta's update by GET then PUT works with a cc_service token when only the license
		// changes, and a PATCH that removes the license leaves none.
		got := e.do("GET", "/scim/v2/Users/"+u.ID, e.cc, "").want(t, 200)
		e.do("PUT", "/scim/v2/Users/"+u.ID, e.cc, strings.Replace(got.raw, `"license":"standard"`, `"license":"premium"`, 1)).want(t, 200)
		if e.user(u.ID).License != roster.LicensePremium {
			t.Error("PUT of the license by cc_service was not stored")
		}
		e.do("PUT", "/scim/v2/Users/"+u.ID, e.cc, strings.Replace(got.raw, `"givenName":"C"`, `"givenName":"D"`, 1)).want(t, 403)
		e.do("PATCH", "/scim/v2/Users/"+u.ID, e.cc, `{"Operations":[{"op":"remove","path":"`+rosterExt+`:license"}]}`).want(t, 200)
		if e.user(u.ID).License != roster.LicenseNone {
			t.Error("removing the license left one")
		}

		// A token of another organization sees nothing of this one.
		other := e.createOrg("Other", roster.Seats{})
		e.do("GET", "/scim/v2/Users/"+u.ID, e.token(other.ID, roster.AdminFull), "").want(t, 404)
	})
}

// TestOktaLifecycle follows what Okta does: look up by userName, create, read, update by GET
// then PUT of the whole object, deactivate by a no-path replace, and delete.
func TestOktaLifecycle(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, e *env) {
		r := e.do("GET", filterPath("Users", `userName eq "test.user@okta.local"`, "startIndex", "1", "count", "100"), e.full, "").want(t, 200)
		if r.body["totalResults"] != 0.0 || len(r.body["Resources"].([]any)) != 0 || !hasSchema(r.body, "urn:ietf:params:scim:api:messages:2.0:ListResponse") {
			t.Fatalf("lookup of nobody: %s", r.raw)
		}

		r = e.do("POST", "/scim/v2/Users", e.full, oktaCreate).want(t, 201)
		id, _ := r.body["id"].(string)
		if r.header.Get("Location") != e.srv.URL+"/scim/v2/Users/"+id || r.header.Get("ETag") != `W/"1"` {
			t.Errorf("create headers: %v", r.header)
		}
		if r.body["userName"] != "test.user@okta.local" || path(r.body, "name", "givenName") != "Test" || r.body["active"] != true ||
			path(r.body, "meta", "version") != `W/"1"` || path(r.body, "meta", "location") != e.srv.URL+"/scim/v2/Users/"+id {
			t.Errorf("created: %s", r.raw)
		}
		// The same userName in another case is the same user.
		e.do("POST", "/scim/v2/Users", e.full, strings.Replace(oktaCreate, "Test.User@Okta.local", "TEST.USER@OKTA.LOCAL", 1)).want(t, 409, "uniqueness")

		r = e.do("GET", filterPath("Users", `userName eq "TEST.USER@okta.local"`, "startIndex", "1", "count", "100"), e.full, "").want(t, 200)
		if r.body["totalResults"] != 1.0 || path(r.body, "Resources", "0", "id") != id || r.body["itemsPerPage"] != 1.0 || r.body["startIndex"] != 1.0 {
			t.Fatalf("lookup: %s", r.raw)
		}

		got := e.do("GET", "/scim/v2/Users/"+id, e.full, "").want(t, 200)
		e.do("GET", "/scim/v2/Users/"+id, e.full, "", "If-None-Match", `W/"1"`).want(t, 304)
		e.do("GET", "/scim/v2/Users/"+id, e.full, "", "If-None-Match", `W/"7"`).want(t, 200)

		// Okta's update: the whole object back, with a change.
		put := strings.Replace(got.raw, `"title"`, `"x"`, 1)
		put = strings.Replace(put, `"displayName":"Test User"`, `"displayName":"Tess User","title":"Lead"`, 1)
		r = e.do("PUT", "/scim/v2/Users/"+id, e.full, put, "If-Match", `W/"1"`).want(t, 200)
		if r.body["displayName"] != "Tess User" || r.body["title"] != "Lead" || r.header.Get("ETag") != `W/"2"` {
			t.Errorf("put: %s", r.raw)
		}
		e.do("PUT", "/scim/v2/Users/"+id, e.full, put, "If-Match", `W/"1"`).want(t, 412)

		// Deactivate keeps the license.
		e.do("PATCH", "/scim/v2/Users/"+id, e.full, `{"Operations":[{"op":"replace","path":"`+rosterExt+`:license","value":"standard"}]}`).want(t, 200)
		r = e.do("PATCH", "/scim/v2/Users/"+id, e.full, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`).want(t, 200)
		if r.body["active"] != false || path(r.body, rosterExt, "license") != "standard" {
			t.Errorf("deactivated: %s", r.raw)
		}
		if u := e.user(id); u.Status != roster.StatusInactive || u.License != roster.LicenseStandard {
			t.Errorf("deactivated user: %+v", u)
		}
		r = e.do("PATCH", "/scim/v2/Users/"+id, e.full, `{"Operations":[{"op":"replace","value":{"active":true}}]}`).want(t, 200)
		if e.user(id).Status == roster.StatusInactive {
			t.Errorf("reactivated: %s", r.raw)
		}

		e.do("DELETE", "/scim/v2/Users/"+id, e.full, "", "If-Match", `W/"1"`).want(t, 412)
		e.do("DELETE", "/scim/v2/Users/"+id, e.full, "").want(t, 204)
		e.do("GET", "/scim/v2/Users/"+id, e.full, "").want(t, 404)
		e.do("DELETE", "/scim/v2/Users/"+id, e.full, "").want(t, 404)

		// Every change came through SCIM, recorded as such.
		page, err := e.svc.AuditEntries(context.Background(), actor, roster.AuditFilter{OrgID: e.org.ID, Interface: roster.ViaSCIM, TargetID: id})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]bool{}
		for _, a := range page.Entries {
			actions[a.Action] = true
		}
		for _, want := range []string{"user.create", "user.update", "user.deactivate", "user.reactivate", "user.delete"} {
			if !actions[want] {
				t.Errorf("no %s audit entry through scim: %v", want, actions)
			}
		}
	})
}

// TestEntraUser follows what Microsoft Entra ID sends: its Test Connection, a create with the
// extensions, and PATCH with capitalized operations, string booleans, filtered and URN paths
// and a no-path replace of dotted keys.
func TestEntraUser(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, e *env) {
		// Test Connection: a random user that does not exist.
		for _, f := range []string{`userName eq "4b7c5ad1-1b0f-4b35-b7d4-2bb5d3c4a1e9"`, `id eq "4b7c5ad1-1b0f-4b35-b7d4-2bb5d3c4a1e9"`} {
			r := e.do("GET", filterPath("Users", f), e.full, "").want(t, 200)
			if r.body["totalResults"] != 0.0 {
				t.Errorf("test connection %s: %s", f, r.raw)
			}
		}

		r := e.do("POST", "/scim/v2/Users", e.full, entraCreate).want(t, 201)
		id := r.body["id"].(string)
		u := e.user(id)
		if u.Email != "ada.lovelace@example.com" || u.FirstName != "Ada" || u.LastName != "Lovelace" || u.Department != "Research" ||
			u.PhoneNumber != "+46700000002" || u.PreferredLanguage != roster.Swedish || u.License != roster.LicensePremium ||
			u.CCRole != roster.RoleSupervisor || u.Title != "Analyst" || u.SyncStatus != roster.SyncPending {
			t.Errorf("created user: %+v", u)
		}
		if path(r.body, enterpriseExt, "department") != "Research" || path(r.body, rosterExt, "profileType") != "supervisor" {
			t.Errorf("created: %s", r.raw)
		}

		r = e.do("PATCH", "/scim/v2/Users/"+id, e.full, `{
		  "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		  "Operations": [
		    {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ignored@example.com"},
		    {"op": "Replace", "path": "name.familyName", "value": "Byron"},
		    {"op": "Add", "path": "title", "value": "Countess"},
		    {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Mathematics"},
		    {"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+46700000009"},
		    {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:roster:2.0:User:ccRole", "value": "agent"},
		    {"op": "Replace", "path": "active", "value": "False"}
		  ]}`).want(t, 200)
		u = e.user(id)
		if u.LastName != "Byron" || u.Title != "Countess" || u.Department != "Mathematics" || u.PhoneNumber != "+46700000009" ||
			u.CCRole != roster.RoleAgent || u.Status != roster.StatusInactive || u.Email != "ada.lovelace@example.com" || u.License != roster.LicensePremium {
			t.Errorf("patched user: %+v", u)
		}
		if r.body["active"] != false {
			t.Errorf("patched: %s", r.raw)
		}

		// aadOptscim062020: a no-path replace with dotted keys.
		e.do("PATCH", "/scim/v2/Users/"+id, e.full, `{"Operations":[{"op":"replace","value":{
		  "name.givenName": "Augusta", "displayName": "Augusta Ada",
		  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Engines",
		  "active": "True"}}]}`).want(t, 200)
		u = e.user(id)
		if u.FirstName != "Augusta" || u.DisplayName != "Augusta Ada" || u.Department != "Engines" || u.Status == roster.StatusInactive {
			t.Errorf("no-path replace: %+v", u)
		}

		e.do("PATCH", "/scim/v2/Users/"+id, e.full, `{"Operations":[{"op":"Remove","path":"title"},{"op":"remove","path":"phoneNumbers[type eq \"work\"]"}]}`).want(t, 200)
		if u = e.user(id); u.Title != "" || u.PhoneNumber != "" {
			t.Errorf("remove: %+v", u)
		}

		// A userName change changes the email.
		e.do("PATCH", "/scim/v2/Users/"+id, e.full, `{"Operations":[{"op":"Replace","path":"userName","value":"Countess@Example.com"}]}`).want(t, 200)
		if u = e.user(id); u.Email != "countess@example.com" {
			t.Errorf("userName: %+v", u)
		}
	})
}

// TestUserErrors checks that every request Roster refuses gets a SCIM error with the right
// status and scimType, and changes nothing.
func TestUserErrors(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, e *env) {
		u := e.createUser(provision.NewUser{Email: "grace@example.com", FirstName: "Grace"})
		other := e.createOrg("Trial", roster.Seats{})
		if _, err := e.svc.CreateUser(context.Background(), actor, other.ID, provision.NewUser{Email: "taken@example.com"}); err != nil {
			t.Fatal(err)
		}
		limited := e.createOrg("Small", roster.Seats{Premium: 1})
		limitedToken := e.token(limited.ID, roster.AdminFull)
		if _, err := e.svc.CreateUser(context.Background(), actor, limited.ID, provision.NewUser{Email: "first@small.example", License: roster.LicensePremium}); err != nil {
			t.Fatal(err)
		}
		patch := func(ops string) string { return `{"Operations":[` + ops + `]}` }
		cases := []struct {
			name, method, path, token, body string
			status                          int
			scimType                        string
		}{
			{"taken in another organization", "POST", "/scim/v2/Users", e.full, `{"userName":"Taken@example.com"}`, 409, "uniqueness"},
			{"no userName", "POST", "/scim/v2/Users", e.full, `{"name":{"givenName":"X"}}`, 400, "invalidValue"},
			{"userName not a string", "POST", "/scim/v2/Users", e.full, `{"userName":42}`, 400, "invalidValue"},
			{"not an email", "POST", "/scim/v2/Users", e.full, `{"userName":"bob"}`, 400, "invalidValue"},
			{"unknown license", "POST", "/scim/v2/Users", e.full, `{"userName":"x@example.com","` + rosterExt + `":{"license":"gold"}}`, 400, "invalidValue"},
			{"supervisor without premium", "POST", "/scim/v2/Users", e.full, `{"userName":"x@example.com","` + rosterExt + `":{"license":"standard","ccRole":"supervisor"}}`, 400, "invalidValue"},
			{"no seat", "POST", "/scim/v2/Users", limitedToken, `{"userName":"second@small.example","` + rosterExt + `":{"license":"premium"}}`, 409, ""},
			{"active not a boolean", "POST", "/scim/v2/Users", e.full, `{"userName":"x@example.com","active":"maybe"}`, 400, "invalidValue"},
			{"not JSON", "POST", "/scim/v2/Users", e.full, `{"userName":`, 400, "invalidSyntax"},
			{"bad filter", "GET", filterPath("Users", `userName eq`), e.full, "", 400, "invalidFilter"},
			{"bad filter operator", "GET", filterPath("Users", `userName is "x"`), e.full, "", 400, "invalidFilter"},
			{"count not an integer", "GET", "/scim/v2/Users?count=ten", e.full, "", 400, "invalidValue"},
			{"startIndex not an integer", "GET", "/scim/v2/Users?startIndex=1.5", e.full, "", 400, "invalidValue"},
			{"bad attributes", "GET", "/scim/v2/Users?attributes=emails[", e.full, "", 400, "invalidPath"},
			{"bad path", "PATCH", "/scim/v2/Users/" + u.ID, e.full, patch(`{"op":"replace","path":"emails[type eq","value":"x"}`), 400, "invalidPath"},
			{"bad path characters", "PATCH", "/scim/v2/Users/" + u.ID, e.full, patch(`{"op":"replace","path":"name..givenName","value":"x"}`), 400, "invalidPath"},
			{"id is read-only", "PATCH", "/scim/v2/Users/" + u.ID, e.full, patch(`{"op":"replace","path":"id","value":"x"}`), 400, "mutability"},
			{"meta is read-only", "PATCH", "/scim/v2/Users/" + u.ID, e.full, patch(`{"op":"replace","value":{"meta":{"version":"x"}}}`), 400, "mutability"},
			{"unknown op", "PATCH", "/scim/v2/Users/" + u.ID, e.full, patch(`{"op":"move","path":"title","value":"x"}`), 400, "invalidSyntax"},
			{"remove without path", "PATCH", "/scim/v2/Users/" + u.ID, e.full, patch(`{"op":"remove"}`), 400, "noTarget"},
			{"no operations", "PATCH", "/scim/v2/Users/" + u.ID, e.full, `{"Operations":[]}`, 400, "invalidValue"},
			{"no match to replace", "PATCH", "/scim/v2/Users/" + u.ID, e.full, patch(`{"op":"replace","path":"emails[type eq \"home\" or type eq \"other\"].value","value":"x"}`), 400, "noTarget"},
			{"unknown user", "PATCH", "/scim/v2/Users/nobody", e.full, patch(`{"op":"replace","path":"title","value":"x"}`), 404, ""},
			{"stale If-Match", "PATCH", "/scim/v2/Users/" + u.ID, e.full, patch(`{"op":"replace","path":"title","value":"x"}`), 412, ""},
			{"wrong media type", "POST", "/scim/v2/Users", e.full, "userName=x", 415, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				headers := []string{}
				if c.name == "stale If-Match" {
					headers = append(headers, "If-Match", `W/"9"`)
				}
				if c.name == "wrong media type" {
					headers = append(headers, "Content-Type", "application/x-www-form-urlencoded")
				}
				e.do(c.method, c.path, c.token, c.body, headers...).want(t, c.status, c.scimType)
			})
		}
		if got := e.user(u.ID); got.Version != u.Version {
			t.Errorf("a refused request changed the user: %+v", got)
		}
		page, err := e.svc.Users(context.Background(), actor, roster.UserFilter{OrgID: e.org.ID})
		if err != nil || len(page.Users) != 1 {
			t.Errorf("a refused request created users: %v %d", err, len(page.Users))
		}
	})
}

func TestDiscovery(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, e *env) {
		r := e.do("GET", "/scim/v2/ServiceProviderConfig", e.ro, "").want(t, 200)
		if path(r.body, "patch", "supported") != true || path(r.body, "filter", "supported") != true || path(r.body, "etag", "supported") != true {
			t.Errorf("config: %s", r.raw)
		}
		r = e.do("GET", "/scim/v2/Schemas", e.ro, "").want(t, 200)
		ids := map[string]bool{}
		for _, s := range r.body["Resources"].([]any) {
			ids[s.(map[string]any)["id"].(string)] = true
		}
		for _, want := range []string{"urn:ietf:params:scim:schemas:core:2.0:User", enterpriseExt, rosterExt} {
			if !ids[want] {
				t.Errorf("/Schemas lacks %s", want)
			}
		}
		r = e.do("GET", "/scim/v2/Schemas/"+rosterExt, e.ro, "").want(t, 200)
		attrs := map[string]bool{}
		for _, a := range r.body["attributes"].([]any) {
			attrs[a.(map[string]any)["name"].(string)] = true
		}
		if !attrs["license"] || !attrs["ccRole"] {
			t.Errorf("roster schema: %s", r.raw)
		}
		e.do("GET", "/scim/v2/Schemas/urn:nothing", e.ro, "").want(t, 404)
		r = e.do("GET", "/scim/v2/ResourceTypes", e.ro, "").want(t, 200)
		if r.body["totalResults"] != 2.0 || path(r.body, "Resources", "0", "schemaExtensions", "1", "schema") != rosterExt {
			t.Errorf("resource types: %s", r.raw)
		}
		e.do("GET", "/scim/v2/ResourceTypes/User", e.ro, "").want(t, 200)
		if !strings.Contains(e.do("GET", "/scim/v2/ServiceProviderConfig", "", "").raw, "urn:ietf:params:scim:api:messages:2.0:Error") {
			t.Error("discovery served without a token")
		}
		_ = http.StatusOK
	})
}
