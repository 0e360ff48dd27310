package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"reflect"
	"slices"
	"strings"
	"testing"

	"roster"
	"roster/internal/httpapi"
	"roster/internal/provision"
)

// TestOpenAPIRoutes proves the document and routes.go describe the same API: every route of
// the table is in the document and every operation of the document is in the table.
func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	key := func(r [2]string) string { return r[0] + " " + r[1] }
	var routes, documented []string
	for _, r := range httpapi.RouteTable() {
		routes = append(routes, key(r))
	}
	for _, op := range doc.operations() {
		documented = append(documented, key(op))
	}
	slices.Sort(routes)
	slices.Sort(documented)
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("openapi.json describes %s, which routes.go does not serve", d)
		}
	}
	if len(routes) != len(slices.Compact(slices.Clone(routes))) {
		t.Errorf("routes.go lists a route twice: %v", routes)
	}
}

// TestOpenAPIErrorCodes proves the document lists exactly the codes the transport maps, each
// with its status.
func TestOpenAPIErrorCodes(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	documented := map[string]string{}
	for _, c := range list(doc.resolve("#/components/schemas/ErrorCode")["oneOf"]) {
		documented[c["const"].(string)] = c["description"].(string)
	}
	mapped := httpapi.ProblemCodes()
	for code, status := range mapped {
		desc, found := documented[code]
		if !found {
			t.Errorf("code %s is not documented", code)
			continue
		}
		if !strings.HasPrefix(desc, fmt.Sprintf("%d.", status)) {
			t.Errorf("code %s: documented as %q, served with %d", code, desc, status)
		}
	}
	for code := range documented {
		if _, found := mapped[code]; !found {
			t.Errorf("documented code %s is not mapped", code)
		}
	}
}

// TestOpenAPISchemasMatchTypes compares the properties of each schema with the JSON names of
// the Go type the handlers encode or decode, both ways.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	types := map[string]any{
		"User": httpapi.User{}, "UserList": httpapi.UserList{}, "NewUser": httpapi.NewUser{}, "UserPatch": httpapi.UserPatch{},
		"Org": httpapi.Org{}, "OrgList": httpapi.OrgList{}, "OrgSettings": httpapi.OrgSettings{}, "Seats": httpapi.Seats{},
		"Usage": httpapi.Usage{}, "OrgInput": httpapi.OrgInput{}, "OrgCreate": httpapi.OrgInput{},
		"BatchRequest": httpapi.BatchRequest{}, "BatchEntry": httpapi.BatchEntry{}, "BatchResponse": httpapi.BatchResponse{},
		"BatchResult": httpapi.BatchResult{}, "Token": httpapi.Token{}, "CreatedToken": httpapi.CreatedToken{},
		"TokenList": httpapi.TokenList{}, "NewToken": httpapi.NewToken{}, "AuditEntry": httpapi.AuditEntry{},
		"AuditList": httpapi.AuditList{}, "Problem": httpapi.Problem{},
		"Task": httpapi.Task{}, "TaskList": httpapi.TaskList{},
		"Group": httpapi.Group{}, "GroupList": httpapi.GroupList{}, "GroupInput": httpapi.GroupInput{}, "GroupCreate": httpapi.GroupInput{},
		"Member": httpapi.Member{}, "MemberList": httpapi.MemberList{}, "MembersRequest": httpapi.MembersRequest{},
		"MembersResponse": httpapi.MembersResponse{}, "MemberFailure": httpapi.MemberFailure{},
		"UserGroup": httpapi.UserGroup{}, "UserGroupList": httpapi.UserGroupList{},
		"LicenseAssignment": httpapi.LicenseAssignment{}, "LicenseAssignmentInput": httpapi.LicenseAssignmentInput{},
		"ApplyRequest": httpapi.ApplyRequest{}, "ApplySummary": provision.ApplySummary{},
		"LicenseSources": httpapi.LicenseSources{}, "LicenseSource": httpapi.LicenseSource{}, "LicenseGrant": httpapi.LicenseGrant{},
		"LicenseError": httpapi.LicenseError{}, "UserProfile": httpapi.UserProfile{}, "UserProfileList": httpapi.UserProfileList{},
		"NewUserProfile": httpapi.NewUserProfile{}, "UserProfilePatch": httpapi.UserProfilePatch{},
		"Site": httpapi.Site{}, "SiteList": httpapi.SiteList{}, "SiteInput": httpapi.NameInput{},
		"Team": httpapi.Team{}, "TeamList": httpapi.TeamList{}, "TeamInput": httpapi.TeamInput{}, "TeamCreate": httpapi.TeamInput{},
		"PortalProfile": httpapi.PortalProfile{}, "PortalProfileList": httpapi.PortalProfileList{}, "PortalProfileInput": httpapi.NameInput{},
		"Agent": httpapi.Agent{}, "AgentList": httpapi.AgentList{}, "AgentPatch": httpapi.AgentPatch{},
		"ServiceDetails": httpapi.ServiceDetails{}, "SyncError": httpapi.SyncError{}, "RemoteSupport": httpapi.RemoteSupport{},
	}
	for name, v := range types {
		schema := doc.resolve("#/components/schemas/" + name)
		if schema == nil {
			t.Errorf("schema %s is missing", name)
			continue
		}
		got, want := doc.properties(schema), jsonNames(reflect.TypeOf(v))
		if !slices.Equal(got, want) {
			t.Errorf("schema %s has properties %v; the Go type has %v", name, got, want)
		}
	}
	taskProps := doc.resolve("#/components/schemas/Task")["properties"].(map[string]any)
	for field, v := range map[string]any{"progress": httpapi.TaskProgress{}, "counts": httpapi.TaskCounts{}} {
		if got, want := doc.properties(taskProps[field].(map[string]any)), jsonNames(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("Task.%s has properties %v; the Go type has %v", field, got, want)
		}
	}
	details := doc.resolve("#/components/schemas/ServiceDetails")["properties"].(map[string]any)
	for field, v := range map[string]any{"agents": httpapi.AgentCounts{}, "users": httpapi.SyncCounts{}} {
		if got, want := doc.properties(details[field].(map[string]any)), jsonNames(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("ServiceDetails.%s has properties %v; the Go type has %v", field, got, want)
		}
	}
	nested := doc.resolve("#/components/schemas/OrgInput")["properties"].(map[string]any)
	for field, v := range map[string]any{"settings": httpapi.OrgSettingsInput{}, "seats": httpapi.SeatsInput{}} {
		if got, want := doc.properties(nested[field].(map[string]any)), jsonNames(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("OrgInput.%s has properties %v; the Go type has %v", field, got, want)
		}
	}
}

// jsonNames returns the JSON member names of a struct type, sorted.
func jsonNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			names = append(names, jsonNames(f.Type)...)
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// TestOpenAPIExamples validates every schema's example against its schema.
func TestOpenAPIExamples(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	schemas := doc.root["components"].(map[string]any)["schemas"].(map[string]any)
	n := 0
	for name, s := range schemas {
		s := s.(map[string]any)
		ex, found := s["example"]
		if !found {
			continue
		}
		n++
		if err := doc.validate(s, ex, name); err != nil {
			t.Errorf("example of %s: %v", name, err)
		}
	}
	if n < 8 {
		t.Errorf("only %d examples", n)
	}
}

// TestOpenAPIResponsesMatch reads a real user and organization and checks that their keys are
// exactly the properties of the documented schema (every answer of every test is also
// validated against the document by env.do).
func TestOpenAPIResponsesMatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	g := f.createGroup(f.a.ID, "Supervisors", roster.LicensePremium)
	f.addMembers(f.a.ID, g.ID, f.users["A.sup"].ID)
	f.createUserProfile(f.a.ID, "Night shift", roster.ProfileSupervisor)
	f.portal()
	for path, schema := range map[string]string{
		"/api/v1/orgs/{A}/contact-center":                                 "ServiceDetails",
		"/api/v1/orgs/{A}/contact-center/agents":                          "AgentList",
		"/api/v1/orgs/{A}/contact-center/agents/{A.sup}":                  "Agent",
		"/api/v1/orgs/{A}/contact-center/sites":                           "SiteList",
		"/api/v1/orgs/{A}/contact-center/sites/{site:Malmö}":              "Site",
		"/api/v1/orgs/{A}/contact-center/teams":                           "TeamList",
		"/api/v1/orgs/{A}/contact-center/teams/{team:Support}":            "Team",
		"/api/v1/orgs/{A}/contact-center/skill-profiles":                  "PortalProfileList",
		"/api/v1/orgs/{A}/contact-center/skill-profiles/{skill:Examples}": "PortalProfile",
		"/api/v1/orgs/{A}/groups":                                         "GroupList",
		"/api/v1/orgs/{A}/groups/" + g.ID:                                 "Group",
		"/api/v1/orgs/{A}/groups/" + g.ID + "/members":                    "MemberList",
		"/api/v1/orgs/{A}/users/{A.sup}/groups":                           "UserGroupList",
		"/api/v1/orgs/{A}/users/{A.sup}/license-sources":                  "LicenseSources",
		"/api/v1/orgs/{A}/license-assignment":                             "LicenseAssignment",
		"/api/v1/orgs/{A}/contact-center/user-profiles":                   "UserProfileList",
		"/api/v1/orgs/{A}/contact-center/user-profiles/supervisor":        "UserProfile",
		"/api/v1/orgs/{A}/users/{A.sup}":                                  "User",
		"/api/v1/orgs/{A}":                                                "Org",
		"/api/v1/orgs/{A}/users":                                          "UserList",
		"/api/v1/orgs/{A}/audit":                                          "AuditList",
		"/api/v1/orgs/{A}/tokens":                                         "TokenList",
		"/api/v1/orgs/{A}/tasks":                                          "TaskList",
		"/api/v1/orgs/{A}/tasks/{task:A.done}":                            "Task",
	} {
		r := f.do(req{method: "GET", path: f.expand(path), token: f.tokens["A.full"]})
		var keys []string
		for k := range r.body {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if want := f.doc.properties(f.doc.resolve("#/components/schemas/" + schema)); !slices.Equal(keys, want) {
			t.Errorf("GET %s has keys %v; schema %s has %v", path, keys, schema, want)
		}
	}
}

// TestOpenAPIRequestExamples sends the request example of every operation that has a body and
// expects it to succeed: the examples are real, working requests.
func TestOpenAPIRequestExamples(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	group, profile := f.createGroup(f.a.ID, "Examples", roster.LicenseNone), f.createUserProfile(f.a.ID, "Examples", roster.ProfileSupervisor)
	// A has imports queued, and B gets one below: one task that changes licenses runs at a
	// time, so the template is applied in an organization of its own.
	f.portal()
	c := f.createOrg("Charlie", roster.PlatformNew, roster.Seats{})
	f.setAssignment(c.ID, roster.AssignGroup, "")
	for _, rt := range httpapi.RouteTable() {
		method, path := rt[0], rt[1]
		ex, contentType, hasBody, found := requestExample(f.doc, method, path)
		if !hasBody {
			continue
		}
		if !found {
			t.Errorf("%s %s: the request body has no example", method, path)
			continue
		}
		org := f.a.ID
		switch {
		case strings.HasSuffix(path, "/imports"):
			org = f.b.ID // A has imports queued, and one import runs at a time
		case strings.HasSuffix(path, "/apply"):
			org = c.ID
		}
		id := f.users["A.sup"].ID
		switch {
		case strings.Contains(path, "/groups/"):
			id = group.ID
		case strings.Contains(path, "/user-profiles/"):
			id = profile.ID
		case strings.Contains(path, "/sites/"):
			id = f.sites["Malmö"].ID
		case strings.Contains(path, "/teams/"):
			id = f.teams["Support"].ID
		case strings.Contains(path, "-profiles/"):
			id = f.portalProfiles[strings.SplitN(strings.TrimPrefix(path[strings.Index(path, "contact-center/"):], "contact-center/"), "-", 2)[0]+":Examples"].ID
		}
		p := strings.ReplaceAll(path, "{org}", org)
		p = strings.ReplaceAll(p, "{id}", id)
		// The example team is at the example site: send it to a site of A.
		ex = bytes.ReplaceAll(ex, []byte(exampleSiteID), []byte(f.sites["Malmö"].ID))
		h := ifMatch("*")
		h["Content-Type"] = contentType
		r := f.do(req{method: method, path: p, token: f.tokens["sys"], body: ex, header: h})
		if r.status >= 300 {
			t.Errorf("%s %s with the example %s: %d %s", method, path, brief(ex), r.status, r.raw)
		}
	}
}

// requestExample returns the example of the request body of an operation, and its content
// type: the JSON media type's own example, else its schema's (following allOf); for a
// multipart/form-data upload, the example's fields encoded as a form, with the field "file"
// as a file. hasBody is false when the operation takes no body.
func requestExample(doc *openAPI, method, path string) (example []byte, contentType string, hasBody, found bool) {
	item, _ := doc.root["paths"].(map[string]any)[path].(map[string]any)
	op, _ := item[strings.ToLower(method)].(map[string]any)
	rb, hasBody := op["requestBody"].(map[string]any)
	if !hasBody {
		return nil, "", false, false
	}
	content, _ := rb["content"].(map[string]any)
	if form, ok := content["multipart/form-data"].(map[string]any); ok {
		fields, found := form["example"].(map[string]any)
		if !found {
			return nil, "", true, false
		}
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for _, name := range slices.Sorted(maps.Keys(fields)) {
			if name == "file" {
				fw, _ := mw.CreateFormFile("file", "users.csv")
				_, _ = io.WriteString(fw, fields[name].(string))
			} else {
				_ = mw.WriteField(name, fields[name].(string))
			}
		}
		_ = mw.Close()
		return b.Bytes(), mw.FormDataContentType(), true, true
	}
	media, _ := content["application/json"].(map[string]any)
	ex, found := media["example"]
	schema, _ := media["schema"].(map[string]any)
	for schema = doc.deref(schema); !found && schema != nil; {
		if ex, found = schema["example"]; found {
			break
		}
		all := list(schema["allOf"])
		if len(all) == 0 {
			break
		}
		schema = doc.deref(all[0])
	}
	if !found {
		return nil, "", true, false
	}
	b, _ := json.Marshal(ex)
	return b, "application/json", true, true
}
