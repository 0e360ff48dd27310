package scimtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/internal/contactcenter/scimtest"
)

func TestFilters(t *testing.T) {
	t.Parallel()
	srv := scimtest.NewServer("tok")
	t.Cleanup(srv.Close)
	tests := []struct {
		filter   string
		status   int
		scimType string
	}{
		{filter: `externalId eq "u1"`, status: 200},
		{filter: `EXTERNALID EQ "u \"1\""`, status: 200},
		{filter: `userName eq "a@example.com"`, status: 200},
		{filter: `displayName eq "x"`, status: 400, scimType: "invalidFilter"},
		{filter: `externalId co "u"`, status: 400, scimType: "invalidFilter"},
		{filter: `externalId eq u1`, status: 400, scimType: "invalidFilter"},
		{filter: `externalId eq "u1" and userName eq "a"`, status: 400, scimType: "invalidFilter"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/Users?"+url.Values{"filter": {tt.filter}}.Encode(), nil)
			req.Header.Set("Authorization", "Bearer tok")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				ScimType     string `json:"scimType"`
				TotalResults *int   `json:"totalResults"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || body.ScimType != tt.scimType {
				t.Errorf("status %d scimType %q, want %d %q", resp.StatusCode, body.ScimType, tt.status, tt.scimType)
			}
			if tt.status == 200 && (body.TotalResults == nil || *body.TotalResults != 0) {
				t.Errorf("totalResults = %v, want 0", body.TotalResults)
			}
		})
	}
}

func TestUnauthorized(t *testing.T) {
	t.Parallel()
	srv := scimtest.NewServer("tok")
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/Users")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || srv.Count("GET") != 1 {
		t.Errorf("status %d, GET count %d; want 401 and 1", resp.StatusCode, srv.Count("GET"))
	}
}

// do sends one request with the token and returns the status, the ETag and the body.
func do(t *testing.T, method, url, body string, header map[string]string) (int, string, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Authorization", "Bearer tok")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header.Get("ETag"), out
}

const core = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"`
const withExt = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + scimtest.ExtensionSchema + `"]`

func TestStrictBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		behaviour scimtest.Behaviour
		body      string
		status    int
		scimType  string
		profile   string // the profile type kept
	}{
		{name: "plain", behaviour: scimtest.Complete, body: `{` + core + `],"userName":"a@x"}`, status: 201},
		{name: "unknown attribute", behaviour: scimtest.Complete, body: `{` + core + `],"userName":"a@x","nickName":"A"}`,
			status: 400, scimType: "invalidSyntax"},
		{name: "active as a string", behaviour: scimtest.Complete, body: `{` + core + `],"userName":"a@x","active":"False"}`,
			status: 400, scimType: "invalidValue"},
		{name: "no core schema", behaviour: scimtest.Complete, body: `{"schemas":[],"userName":"a@x"}`, status: 400, scimType: "invalidSyntax"},
		{name: "extension kept", behaviour: scimtest.Complete,
			body: `{` + withExt + `,"userName":"a@x","` + scimtest.ExtensionSchema + `":{"profileType":"supervisor"}}`, status: 201, profile: "supervisor"},
		{name: "extension without its schema", behaviour: scimtest.Complete,
			body: `{` + core + `],"userName":"a@x","` + scimtest.ExtensionSchema + `":{"profileType":"supervisor"}}`, status: 400, scimType: "invalidSyntax"},
		{name: "extension dropped", behaviour: scimtest.LikeGateway,
			body: `{` + withExt + `,"userName":"a@x","` + scimtest.ExtensionSchema + `":{"profileType":"supervisor"}}`, status: 201},
		{name: "extension refused", behaviour: scimtest.LikeLibrary,
			body: `{` + withExt + `,"userName":"a@x","` + scimtest.ExtensionSchema + `":{"profileType":"supervisor"}}`, status: 400, scimType: "invalidValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := scimtest.NewServerWith("tok", tt.behaviour)
			t.Cleanup(srv.Close)
			status, _, body := do(t, "POST", srv.URL+"/Users", tt.body, nil)
			if status != tt.status || tt.scimType != "" && body["scimType"] != tt.scimType {
				t.Fatalf("status %d %v, want %d %q", status, body, tt.status, tt.scimType)
			}
			if status == 201 {
				if u := srv.Users()[0]; u.ProfileType != tt.profile {
					t.Errorf("profile type kept = %q, want %q", u.ProfileType, tt.profile)
				}
			}
		})
	}
}

func TestETagsPatchAndUniqueness(t *testing.T) {
	t.Parallel()
	srv := scimtest.NewServer("tok")
	t.Cleanup(srv.Close)
	srv.AddUser(scimtest.User{UserName: "taken@x"})
	id := srv.AddUser(scimtest.User{UserName: "a@x", ExternalID: "e1", Title: "Lead", Active: true})
	user := srv.URL + "/Users/" + id
	status, etag, _ := do(t, "GET", user, "", nil)
	if status != 200 || etag != `W/"1"` {
		t.Fatalf("GET: %d with ETag %q", status, etag)
	}
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"name.givenName","value":"Ada"}]}`
	if status, etag, _ = do(t, "PATCH", user, patch, map[string]string{"If-Match": etag}); status != 200 || etag != `W/"2"` {
		t.Fatalf("PATCH: %d with ETag %q", status, etag)
	}
	if status, _, _ = do(t, "PATCH", user, patch, map[string]string{"If-Match": `W/"1"`}); status != 412 {
		t.Errorf("PATCH with a stale If-Match: %d, want 412", status)
	}
	if u, _ := srv.UserByExternalID("e1"); u.GivenName != "Ada" || u.Title != "Lead" {
		t.Errorf("after PATCH: %+v, want the name set and the title kept", u)
	}
	put := `{` + core + `],"userName":"TAKEN@x"}`
	if status, _, body := do(t, "PUT", user, put, nil); status != 409 || body["scimType"] != "uniqueness" {
		t.Errorf("PUT to a taken userName: %d %v", status, body)
	}
	if status, _, _ = do(t, "PUT", user, `{`+core+`],"userName":"a@x","externalId":"e1"}`, nil); status != 200 {
		t.Fatalf("PUT: %d", status)
	}
	if u, found := srv.UserByExternalID("e1"); !found || u.Title != "" || u.GivenName != "" {
		t.Errorf("after a PUT without them: %+v, want title and name gone (a full replace)", u)
	}
}

func TestPaging(t *testing.T) {
	t.Parallel()
	srv := scimtest.NewServerWith("tok", scimtest.Behaviour{PageSize: 3})
	t.Cleanup(srv.Close)
	for i := range 7 {
		srv.AddUser(scimtest.User{UserName: fmt.Sprintf("u%d@x", i)})
	}
	var seen []string
	for start := 1; start <= 7; start += 3 {
		_, _, body := do(t, "GET", fmt.Sprintf("%s/Users?startIndex=%d&count=10", srv.URL, start), "", nil)
		if body["totalResults"] != float64(7) {
			t.Fatalf("totalResults = %v", body["totalResults"])
		}
		for _, r := range body["Resources"].([]any) {
			seen = append(seen, r.(map[string]any)["userName"].(string))
		}
	}
	if len(seen) != 7 || seen[0] != "u0@x" || seen[6] != "u6@x" {
		t.Errorf("pages hold %v", seen)
	}
	_, _, spc := do(t, "GET", srv.URL+"/ServiceProviderConfig", "", nil)
	if spc["patch"].(map[string]any)["supported"] != false || spc["etag"].(map[string]any)["supported"] != false {
		t.Errorf("service provider config = %v", spc)
	}
}
