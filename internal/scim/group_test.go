package scim_test

import (
	"context"
	"net/url"
	"sort"
	"testing"

	"roster"
	"roster/internal/provision"
)

func (e *env) memberIDs(groupID string) []string {
	e.t.Helper()
	page, err := e.svc.Memberships(context.Background(), actor, roster.MembershipFilter{OrgID: e.org.ID, GroupID: groupID})
	if err != nil {
		e.t.Fatal(err)
	}
	out := []string{}
	for _, m := range page.Memberships {
		out = append(out, m.UserID)
	}
	sort.Strings(out)
	return out
}

func sorted(ids ...string) []string {
	out := append([]string{}, ids...)
	sort.Strings(out)
	return out
}

// TestEntraGroups follows Microsoft Entra ID: Test Connection, a group created with
// Microsoft's schema, members added and removed with value lists.
func TestEntraGroups(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, e *env) {
		u1 := e.createUser(provision.NewUser{Email: "one@example.com"})
		u2 := e.createUser(provision.NewUser{Email: "two@example.com"})
		r := e.do("GET", filterPath("Groups", `displayName eq "8b4ab0a4-2a5d-4bd4-b8f2-7c7a9e1f6a1c"`, "excludedAttributes", "members"), e.full, "").want(t, 200)
		if r.body["totalResults"] != 0.0 {
			t.Errorf("test connection: %s", r.raw)
		}
		r = e.do("POST", "/scim/v2/Groups", e.full, `{
		  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
		  "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "displayName": "Agents", "meta": {"resourceType": "Group"}}`).want(t, 201)
		id := r.body["id"].(string)
		if r.body["displayName"] != "Agents" || r.header.Get("Location") != e.srv.URL+"/scim/v2/Groups/"+id || len(r.body["members"].([]any)) != 0 {
			t.Errorf("created: %s", r.raw)
		}
		r = e.do("GET", filterPath("Groups", `displayName eq "agents"`, "excludedAttributes", "members"), e.full, "").want(t, 200)
		if r.body["totalResults"] != 1.0 || path(r.body, "Resources", "0", "id") != id || path(r.body, "Resources", "0", "members") != nil {
			t.Errorf("lookup: %s", r.raw)
		}
		e.do("PATCH", "/scim/v2/Groups/"+id, e.full, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		  "Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"`+u1.ID+`"},{"$ref":null,"value":"`+u2.ID+`"}]}]}`).want(t, 204)
		if got := e.memberIDs(id); !equalStrings(got, sorted(u1.ID, u2.ID)) {
			t.Errorf("members after add: %v", got)
		}
		r = e.do("GET", "/scim/v2/Groups/"+id, e.full, "").want(t, 200)
		if len(r.body["members"].([]any)) != 2 || r.header.Get("ETag") == "" {
			t.Errorf("group: %s", r.raw)
		}
		e.do("PATCH", "/scim/v2/Groups/"+id, e.full, `{"Operations":[{"op":"Remove","path":"members","value":[{"value":"`+u1.ID+`"}]}]}`).want(t, 204)
		if got := e.memberIDs(id); !equalStrings(got, []string{u2.ID}) {
			t.Errorf("members after remove: %v", got)
		}
		e.do("PATCH", "/scim/v2/Groups/"+id, e.full, `{"Operations":[{"op":"Replace","path":"displayName","value":"Premium agents"},
		  {"op":"Add","path":"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group:extra","value":"x"}]}`).want(t, 204)
		e.do("PATCH", "/scim/v2/Groups/"+id, e.full, `{"Operations":[{"op":"Remove","path":"members"}]}`).want(t, 204)
		if got := e.memberIDs(id); len(got) != 0 {
			t.Errorf("members after remove all: %v", got)
		}
		e.do("DELETE", "/scim/v2/Groups/"+id, e.full, "").want(t, 204)
		e.do("GET", "/scim/v2/Groups/"+id, e.full, "").want(t, 404)
	})
}

// TestOktaGroups follows Okta: push a group with members, rename it and change its members in
// one PATCH, replace it with PUT.
func TestOktaGroups(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, e *env) {
		u1 := e.createUser(provision.NewUser{Email: "one@example.com"})
		u2 := e.createUser(provision.NewUser{Email: "two@example.com"})
		u3 := e.createUser(provision.NewUser{Email: "three@example.com"})
		r := e.do("POST", "/scim/v2/Groups", e.full, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales",
		  "members":[{"value":"`+u1.ID+`","display":"one@example.com"},{"value":"`+u2.ID+`","display":"two@example.com"}]}`).want(t, 201)
		id := r.body["id"].(string)
		if got := e.memberIDs(id); !equalStrings(got, sorted(u1.ID, u2.ID)) {
			t.Errorf("created members: %v", got)
		}
		e.do("PATCH", "/scim/v2/Groups/"+id, e.full, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		  {"op":"replace","value":{"id":"`+id+`","displayName":"Inside sales"}},
		  {"op":"remove","path":"members[value eq \"`+u1.ID+`\"]"},
		  {"op":"add","path":"members","value":[{"value":"`+u3.ID+`","display":"three@example.com"}]}]}`).want(t, 204)
		r = e.do("GET", "/scim/v2/Groups/"+id+"?attributes=displayName", e.full, "").want(t, 200)
		if r.body["displayName"] != "Inside sales" || r.body["members"] != nil {
			t.Errorf("renamed: %s", r.raw)
		}
		if got := e.memberIDs(id); !equalStrings(got, sorted(u2.ID, u3.ID)) {
			t.Errorf("members after patch: %v", got)
		}
		r = e.do("PUT", "/scim/v2/Groups/"+id, e.full, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Inside sales",
		  "members":[{"value":"`+u1.ID+`"},{"value":"`+u3.ID+`"}]}`).want(t, 200)
		if got := e.memberIDs(id); !equalStrings(got, sorted(u1.ID, u3.ID)) || len(r.body["members"].([]any)) != 2 {
			t.Errorf("members after put: %v %s", got, r.raw)
		}
		// A user deleted through SCIM leaves its groups.
		e.do("DELETE", "/scim/v2/Users/"+u1.ID, e.full, "").want(t, 204)
		if got := e.memberIDs(id); !equalStrings(got, []string{u3.ID}) {
			t.Errorf("members after a user's deletion: %v", got)
		}
	})
}

func TestGroupErrors(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, e *env) {
		u := e.createUser(provision.NewUser{Email: "one@example.com"})
		g, err := e.svc.CreateGroup(context.Background(), actor, e.org.ID, provision.GroupInput{Name: ptr("Existing")})
		if err != nil {
			t.Fatal(err)
		}
		patch := func(ops string) string { return `{"Operations":[` + ops + `]}` }
		cases := []struct {
			name, method, path, token, body string
			status                          int
			scimType                        string
		}{
			{"same name", "POST", "/scim/v2/Groups", e.full, `{"displayName":"existing"}`, 409, "uniqueness"},
			{"no name", "POST", "/scim/v2/Groups", e.full, `{"members":[]}`, 400, "invalidValue"},
			{"unknown member", "POST", "/scim/v2/Groups", e.full, `{"displayName":"New","members":[{"value":"nobody"}]}`, 400, "invalidValue"},
			{"member without value", "POST", "/scim/v2/Groups", e.full, `{"displayName":"New","members":[{"display":"x"}]}`, 400, "invalidValue"},
			{"read-only token", "POST", "/scim/v2/Groups", e.ro, `{"displayName":"New"}`, 403, ""},
			{"cc_service token", "POST", "/scim/v2/Groups", e.cc, `{"displayName":"New"}`, 403, ""},
			{"add unknown member", "PATCH", "/scim/v2/Groups/" + g.ID, e.full, patch(`{"op":"add","path":"members","value":[{"value":"nobody"}]}`), 400, "invalidValue"},
			{"add by filter", "PATCH", "/scim/v2/Groups/" + g.ID, e.full, patch(`{"op":"add","path":"members[value eq \"` + u.ID + `\"]","value":{}}`), 400, "invalidPath"},
			{"bad path", "PATCH", "/scim/v2/Groups/" + g.ID, e.full, patch(`{"op":"add","path":"members[","value":[]}`), 400, "invalidPath"},
			{"remove the name", "PATCH", "/scim/v2/Groups/" + g.ID, e.full, patch(`{"op":"remove","path":"displayName"}`), 400, "invalidValue"},
			{"change the id", "PATCH", "/scim/v2/Groups/" + g.ID, e.full, patch(`{"op":"replace","path":"id","value":"x"}`), 400, "mutability"},
			{"bad filter", "GET", filterPath("Groups", `displayName eq "x" and`), e.full, "", 400, "invalidFilter"},
			{"unknown group", "PATCH", "/scim/v2/Groups/nothing", e.full, patch(`{"op":"add","path":"displayName","value":"x"}`), 404, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.do(c.method, c.path, c.token, c.body).want(t, c.status, c.scimType)
			})
		}
		if got := e.memberIDs(g.ID); len(got) != 0 {
			t.Errorf("a refused request changed the members: %v", got)
		}
		page, err := e.svc.Groups(context.Background(), actor, roster.GroupFilter{OrgID: e.org.ID})
		if err != nil || len(page.Groups) != 1 || page.Groups[0].Name != "Existing" {
			t.Errorf("a refused request changed the groups: %v %+v", err, page)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestGroupLicenses checks that membership changes made over SCIM give and take the licenses
// of groups, as in the console: an identity provider assigns licenses by group.
func TestGroupLicenses(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if _, err := e.svc.SetLicenseAssignment(ctx, actor, e.org.ID, roster.LicenseAssignment{Mode: roster.AssignGroup}, 0); err != nil {
			t.Fatal(err)
		}
		premium := roster.LicensePremium
		g, err := e.svc.CreateGroup(ctx, actor, e.org.ID, provision.GroupInput{Name: ptr("Premium"), License: &premium})
		if err != nil {
			t.Fatal(err)
		}
		r := e.do("POST", "/scim/v2/Users", e.full, `{"userName":"member@example.com"}`).want(t, 201)
		id := r.body["id"].(string)
		if e.user(id).License != roster.LicenseNone {
			t.Fatalf("a new user without groups has a license: %s", r.raw)
		}
		e.do("PATCH", "/scim/v2/Groups/"+g.ID, e.full, `{"Operations":[{"op":"Add","path":"members","value":[{"value":"`+id+`"}]}]}`).want(t, 204)
		r = e.do("GET", "/scim/v2/Users/"+id, e.full, "").want(t, 200)
		if path(r.body, rosterExt, "license") != "premium" || e.user(id).SyncStatus != roster.SyncPending {
			t.Errorf("member of a premium group: %s", r.raw)
		}
		e.do("PATCH", "/scim/v2/Groups/"+g.ID, e.full, `{"Operations":[{"op":"Remove","path":"members","value":[{"value":"`+id+`"}]}]}`).want(t, 204)
		if e.user(id).License != roster.LicenseNone {
			t.Error("leaving the group kept its license")
		}
	})
}

func TestListGroups(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, e *env) {
		for _, name := range []string{"beta", "Alpha", "gamma"} {
			if _, err := e.svc.CreateGroup(context.Background(), actor, e.org.ID, provision.GroupInput{Name: ptr(name)}); err != nil {
				t.Fatal(err)
			}
		}
		names := func(r response) []string {
			var out []string
			for _, g := range r.body["Resources"].([]any) {
				out = append(out, g.(map[string]any)["displayName"].(string))
			}
			return out
		}
		cases := []struct {
			query string
			want  []string
			total float64
		}{
			{"excludedAttributes=members", []string{"Alpha", "beta", "gamma"}, 3},
			{"sortBy=displayName&sortOrder=descending&excludedAttributes=members", []string{"gamma", "beta", "Alpha"}, 3},
			{"startIndex=2&count=1", []string{"beta"}, 3},
			{"filter=" + url.QueryEscape(`displayName sw "g" or displayName eq "ALPHA"`), []string{"Alpha", "gamma"}, 2},
			{"filter=" + url.QueryEscape(`displayName eq "beta"`) + "&attributes=displayName", []string{"beta"}, 1},
		}
		for _, c := range cases {
			r := e.do("GET", "/scim/v2/Groups?"+c.query, e.ro, "").want(t, 200)
			if got := names(r); !equalStrings(got, c.want) || r.body["totalResults"] != c.total {
				t.Errorf("%s: %v of %v, want %v of %v", c.query, got, r.body["totalResults"], c.want, c.total)
			}
		}
	})
}
