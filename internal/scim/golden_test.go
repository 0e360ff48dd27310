package scim_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/ with the output of the tests")

// TestGolden compares the discovery documents and a user and a group as SCIM shows them with
// testdata/, so that a change of what identity providers read is seen in review. Ids, times
// and the server's address are replaced by placeholders.
func TestGolden(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", roster.Seats{})
	u := e.createUser(provision.NewUser{Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Title: "Analyst",
		Department: "Research", PhoneNumber: "+46700000001", PreferredLanguage: roster.Swedish, License: roster.LicensePremium})
	g, err := e.svc.CreateGroup(t.Context(), actor, e.org.ID, provision.GroupInput{Name: ptr("Agents")})
	if err != nil {
		t.Fatal(err)
	}
	e.addMember(g.ID, u.ID)
	cases := map[string]string{
		"service_provider_config.json": "/scim/v2/ServiceProviderConfig",
		"schemas.json":                 "/scim/v2/Schemas",
		"resource_types.json":          "/scim/v2/ResourceTypes",
		"user.json":                    "/scim/v2/Users/" + u.ID,
		"group.json":                   "/scim/v2/Groups/" + g.ID,
	}
	times := regexp.MustCompile(`"\d{4}-\d\d-\d\dT[0-9:.]+Z"`)
	for name, p := range cases {
		r := e.do("GET", p, e.ro, "").want(t, 200)
		var out bytes.Buffer
		if err := json.Indent(&out, []byte(r.raw), "", "  "); err != nil {
			t.Fatal(err)
		}
		got := strings.NewReplacer(e.srv.URL, "http://roster.test", u.ID, "USER-ID", g.ID, "GROUP-ID").Replace(out.String())
		got = times.ReplaceAllString(got, `"TIME"`)
		file := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from %s (run go test -update after checking the change):\n%s", p, file, got)
		}
	}
}

func (e *env) addMember(groupID, userID string) {
	e.t.Helper()
	res, err := e.svc.AddMembers(e.t.Context(), actor, e.org.ID, groupID, provision.MemberRefs{UserIDs: []string{userID}})
	if err != nil || len(res.Failed) > 0 {
		e.t.Fatalf("add member: %v %+v", err, res)
	}
}
