package filter

import (
	"encoding/json"
	"strings"
	"testing"
)

const coreUser = "urn:ietf:params:scim:schemas:core:2.0:User"

func resource(t *testing.T) Resource {
	t.Helper()
	var r Resource
	err := json.Unmarshal([]byte(`{
		"id": "01ABC", "userName": "Ada.Lovelace@Example.com", "active": true,
		"name": {"givenName": "Ada", "familyName": "Lovelace"},
		"emails": [{"value": "ada.lovelace@example.com", "type": "work", "primary": true},
		           {"value": "ada@home.example", "type": "home"}],
		"meta": {"created": "2026-01-02T03:04:05Z", "lastModified": "2026-03-01T00:00:00.5Z"},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
		"urn:ietf:params:scim:schemas:extension:roster:2.0:User": {"license": "premium", "ccRole": "agent"},
		"rank": 3
	}`), &r)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMatch(t *testing.T) {
	t.Parallel()
	r := resource(t)
	cases := []struct {
		filter string
		want   bool
	}{
		{`userName eq "ada.lovelace@example.com"`, true},
		{`USERNAME Eq "ADA.LOVELACE@EXAMPLE.COM"`, true},
		{`userName eq "grace@example.com"`, false},
		{`userName ne "grace@example.com"`, true},
		{`userName co "lovelace"`, true},
		{`userName sw "ada."`, true},
		{`userName ew "@example.com"`, true},
		{`userName ew "@example.org"`, false},
		{`title pr`, false},
		{`name.givenName pr`, true},
		{`name.familyName eq "Lovelace"`, true},
		{`title eq null`, true},
		{`title ne null`, false},
		{`active eq true`, true},
		{`active eq false`, false},
		{`rank gt 2`, true},
		{`rank le 2.5`, false},
		{`id eq "01ABC"`, true},
		{`id eq "01abc"`, false}, // ids compare exactly
		{`meta.created gt "2026-01-01T00:00:00Z"`, true},
		{`meta.created lt "2026-01-02T04:04:05+02:00"`, false}, // 02:04Z: an instant, not text
		{`meta.lastModified ge "2026-03-01T00:00:00.5Z"`, true},
		{`meta.lastModified lt "2026-03-01T00:00:00Z"`, false},
		{`emails[type eq "work"].value eq "ada.lovelace@example.com"`, true},
		{`emails[type eq "home"].value eq "ada.lovelace@example.com"`, false},
		{`emails[type eq "work" and primary eq true]`, true},
		{`emails[type eq "other"]`, false},
		{`emails eq "ada@home.example"`, true},
		{`emails.value co "home"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales"`, true},
		{`urn:ietf:params:scim:schemas:extension:roster:2.0:User:license eq "premium"`, true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "ada"`, true},
		{`userName sw "ada" and active eq false`, false},
		{`userName sw "x" or active eq true`, true},
		{`not (userName sw "ada")`, false},
		{`not(title pr) and (name.givenName eq "Ada" or name.givenName eq "Grace")`, true},
		{`userName eq "a" or userName eq "b" and active eq true`, false},
		{`userName eq "ada\u002Elovelace@example.com"`, true},
	}
	for _, c := range cases {
		x, err := Parse(c.filter)
		if err != nil {
			t.Errorf("Parse(%s): %v", c.filter, err)
			continue
		}
		if got := Match(x, r, coreUser); got != c.want {
			t.Errorf("Match(%s) = %v, want %v", c.filter, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ filter, reason string }{
		{``, "a filter is expected"},
		{`userName`, "an operator"},
		{`userName eq`, "a value is expected"},
		{`userName equals "a"`, "is not an operator"},
		{`userName eq bob`, "quote strings"},
		{`userName eq "bob`, "not closed"},
		{`(userName eq "a"`, ") is expected"},
		{`userName eq "a")`, "unexpected"},
		{`emails[type eq "work"`, "] is expected"},
		{`emails[type[x eq 1] eq "a"]`, "cannot be nested"},
		{`1bad eq "a"`, "not an attribute name"},
		{`name. eq "a"`, "not an attribute name"},
		{`active gt true`, "only be compared with eq or ne"},
		{`title co null`, "null can only"},
		{`userName eq "a" and`, "a filter is expected"},
		{strings.Repeat("(", 40) + `a eq 1` + strings.Repeat(")", 40), "nested more than"},
	}
	for _, c := range cases {
		_, err := Parse(c.filter)
		if err == nil || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("Parse(%s) = %v, want an error with %q", c.filter, err, c.reason)
		}
	}
}

func TestParsePath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		path, attr, sub string
		filter          bool
	}{
		{`userName`, "userName", "", false},
		{`name.familyName`, "name.familyName", "", false},
		{`emails[type eq "work"].value`, "emails", "value", true},
		{`members[value eq "2819c223"]`, "members", "", true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "", false},
	}
	for _, c := range cases {
		p, err := ParsePath(c.path)
		if err != nil {
			t.Errorf("ParsePath(%s): %v", c.path, err)
			continue
		}
		if p.Attr.String() != c.attr || p.Sub != c.sub || (p.Filter != nil) != c.filter {
			t.Errorf("ParsePath(%s) = %+v", c.path, p)
		}
	}
	for _, bad := range []string{``, `emails[`, `emails[type eq "work"]x`, `emails[type eq "work"].`, `name.given.x`, `"userName"`, `a b`, `name.givenName[type eq "x"]`} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%s) succeeded", bad)
		}
	}
}
