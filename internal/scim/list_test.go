package scim_test

import (
	"context"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
)

func userNames(body map[string]any) []string {
	var out []string
	list, _ := body["Resources"].([]any)
	for _, r := range list {
		name, _ := r.(map[string]any)["userName"].(string)
		out = append(out, name)
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestListUsers(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, e *env) {
		for _, in := range []provision.NewUser{
			{Email: "alice@example.com", FirstName: "Alice", LastName: "Archer", Department: "Sales", License: roster.LicenseStandard},
			{Email: "bob@example.com", FirstName: "Bob", LastName: "Baker", Title: "Lead"},
			{Email: "carol@example.org", FirstName: "Carol", LastName: "Cooper", Department: "Sales"},
			{Email: "dave@example.org", FirstName: "Dave", LastName: "Archer"},
			{Email: "erin@example.net", FirstName: "Erin", LastName: "Evans", License: roster.LicensePremium},
		} {
			e.createUser(in)
		}
		dave, err := e.svc.Users(context.Background(), actor, roster.UserFilter{OrgID: e.org.ID, Email: "dave@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.DeactivateUser(context.Background(), actor, e.org.ID, dave.Users[0].ID, 0); err != nil {
			t.Fatal(err)
		}
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		cases := []struct {
			filter string
			extra  []string
			want   []string
			total  float64
		}{
			{"", nil, []string{"alice@example.com", "bob@example.com", "carol@example.org", "dave@example.org", "erin@example.net"}, 5},
			{"", []string{"startIndex", "2", "count", "2"}, []string{"bob@example.com", "carol@example.org"}, 5},
			{"", []string{"startIndex", "0", "count", "1"}, []string{"alice@example.com"}, 5},
			{"", []string{"startIndex", "5", "count", "10"}, []string{"erin@example.net"}, 5},
			{"", []string{"startIndex", "9"}, nil, 5},
			{"", []string{"count", "0"}, nil, 5},
			{"", []string{"count", "-3"}, nil, 5},
			{`userName eq "BOB@example.com"`, nil, []string{"bob@example.com"}, 1},
			{`userName eq "bob@example.com" and active eq false`, nil, nil, 0},
			{`emails[type eq "work"].value eq "carol@example.org"`, nil, []string{"carol@example.org"}, 1},
			{`emails[type eq "work" and value eq "carol@example.org"]`, nil, []string{"carol@example.org"}, 1},
			{`emails.value eq "carol@example.org"`, nil, []string{"carol@example.org"}, 1},
			{`userName ne "bob@example.com"`, nil, []string{"alice@example.com", "carol@example.org", "dave@example.org", "erin@example.net"}, 4},
			{`userName ew ".org"`, nil, []string{"carol@example.org", "dave@example.org"}, 2},
			{`userName sw "a" or userName sw "e"`, nil, []string{"alice@example.com", "erin@example.net"}, 2},
			{`name.familyName co "arch"`, nil, []string{"alice@example.com", "dave@example.org"}, 2},
			{`name.familyName eq "Archer" and not (active eq false)`, nil, []string{"alice@example.com"}, 1},
			{`title pr`, nil, []string{"bob@example.com"}, 1},
			{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales"`, nil, []string{"alice@example.com", "carol@example.org"}, 2},
			{`urn:ietf:params:scim:schemas:extension:roster:2.0:User:license ne "none"`, []string{"count", "1", "startIndex", "2"}, []string{"erin@example.net"}, 2},
			{`meta.created gt "` + past + `"`, []string{"count", "1"}, []string{"alice@example.com"}, 5},
			{`meta.created lt "` + past + `"`, nil, nil, 0},
			{`meta.lastModified lt "` + future + `" and userName sw "d"`, nil, []string{"dave@example.org"}, 1},
			// Sorting: ties keep the email order; resources without a value come last.
			{"", []string{"sortBy", "name.familyName"}, []string{"alice@example.com", "dave@example.org", "bob@example.com", "carol@example.org", "erin@example.net"}, 5},
			{"", []string{"sortBy", "name.familyName", "startIndex", "2", "count", "2"}, []string{"dave@example.org", "bob@example.com"}, 5},
			{"", []string{"sortBy", "userName", "sortOrder", "descending"}, []string{"erin@example.net", "dave@example.org", "carol@example.org", "bob@example.com", "alice@example.com"}, 5},
			{"", []string{"sortBy", "userName", "sortOrder", "ascending", "count", "2"}, []string{"alice@example.com", "bob@example.com"}, 5},
			{"", []string{"sortBy", "title", "sortOrder", "descending", "count", "2"}, []string{"bob@example.com", "alice@example.com"}, 5},
			{`userName ew ".org"`, []string{"sortBy", "emails.value", "sortOrder", "DESCENDING"}, []string{"dave@example.org", "carol@example.org"}, 2},
			{`active eq true`, []string{"sortBy", rosterExt + ":license"}, []string{"bob@example.com", "carol@example.org", "erin@example.net", "alice@example.com"}, 4},
		}
		for _, c := range cases {
			r := e.do("GET", filterPath("Users", c.filter, c.extra...), e.ro, "").want(t, 200)
			if got := userNames(r.body); !equalStrings(got, c.want) || r.body["totalResults"] != c.total {
				t.Errorf("%s %v: %v of %v, want %v of %v", c.filter, c.extra, got, r.body["totalResults"], c.want, c.total)
			}
			if r.body["itemsPerPage"] != float64(len(c.want)) {
				t.Errorf("%s %v: itemsPerPage %v", c.filter, c.extra, r.body["itemsPerPage"])
			}
		}

		// POST .search takes the same in its body.
		r := e.do("POST", "/scim/v2/Users/.search", e.ro, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
		  "filter":"userName sw \"c\"","startIndex":1,"count":10,"attributes":["userName"]}`).want(t, 200)
		if got := userNames(r.body); !equalStrings(got, []string{"carol@example.org"}) {
			t.Errorf(".search: %s", r.raw)
		}
		e.do("POST", "/scim/v2/Users/.search", e.ro, `{"count":"x"}`).want(t, 400, "invalidValue")
		e.do("GET", "/scim/v2/Users?sortBy=userName&sortOrder=up", e.ro, "").want(t, 400, "invalidValue")
		e.do("GET", "/scim/v2/Users?sortBy=emails[type", e.ro, "").want(t, 400, "invalidPath")

		// attributes and excludedAttributes.
		r = e.do("GET", filterPath("Users", `userName eq "alice@example.com"`, "attributes", "userName,name.givenName,"+rosterExt+":license"), e.ro, "").want(t, 200)
		alice := path(r.body, "Resources", "0").(map[string]any)
		if alice["id"] == nil || alice["userName"] != "alice@example.com" || path(alice, "name", "givenName") != "Alice" ||
			path(alice, "name", "familyName") != nil || path(alice, rosterExt, "license") != "standard" || path(alice, rosterExt, "ccRole") != nil ||
			alice["emails"] != nil || alice["meta"] != nil {
			t.Errorf("attributes: %v", alice)
		}
		r = e.do("GET", filterPath("Users", `userName eq "alice@example.com"`, "excludedAttributes", "emails,id,"+enterpriseExt+",name.familyName"), e.ro, "").want(t, 200)
		alice = path(r.body, "Resources", "0").(map[string]any)
		if alice["id"] == nil || alice["emails"] != nil || alice[enterpriseExt] != nil || path(alice, "name", "givenName") != "Alice" ||
			path(alice, "name", "familyName") != nil || alice["userName"] == nil {
			t.Errorf("excludedAttributes: %v", alice)
		}
		r = e.do("GET", "/scim/v2/Users/"+dave.Users[0].ID+"?attributes=active", e.ro, "").want(t, 200)
		if len(r.body) != 3 || r.body["active"] != false {
			t.Errorf("GET with attributes: %s", r.raw)
		}
	})
}
