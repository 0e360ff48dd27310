package filter

import (
	"strings"
	"testing"
)

// FuzzParse checks that no filter makes the parser or the evaluator panic, and that a filter
// that parses is evaluated without error against a resource of every kind of value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`userName eq "bjensen"`, `name.familyName co "O'Malley"`, `userName sw "J"`,
		`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, `title pr`,
		`meta.lastModified gt "2011-05-13T04:42:34Z"`, `title pr and userType eq "Employee"`,
		`title pr or userType eq "Intern"`, `schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`,
		`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
		`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
		`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
		`emails[type eq "work"].value eq "a@b.c"`, `members[value eq "x"]`, `x eq "\u00e9\\"`, `a eq -1.5e3`,
		`not(a pr)`, `((a eq 1))`, `a eq null`,
	} {
		f.Add(s)
	}
	r := Resource{
		"id": "x", "userName": "a@b.c", "active": true, "n": 1.0, "nothing": nil,
		"name":    map[string]any{"givenName": "A"},
		"emails":  []any{map[string]any{"value": "a@b.c", "type": "work"}, "loose", 2.0},
		"urn:x:y": map[string]any{"a": []any{}},
	}
	f.Fuzz(func(t *testing.T, s string) {
		x, err := Parse(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse(%q) returned %T, want *Error", s, err)
			}
			return
		}
		if x == nil {
			t.Fatalf("Parse(%q) returned neither a filter nor an error", s)
		}
		Match(x, r, coreUser)
	})
}

// FuzzParsePath checks that no PATCH path makes the parser panic.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		`userName`, `name.familyName`, `emails[type eq "work"].value`, `members[value eq "2819c223-7f76-453a-919d-413861904646"]`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`, `addresses[type eq "work"].streetAddress`,
		`members[value eq "a" or value eq "b"]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("ParsePath(%q) returned %T, want *Error", s, err)
			}
			return
		}
		if p.Attr.Name == "" || strings.ContainsAny(p.Attr.Name, " []()\"") {
			t.Fatalf("ParsePath(%q) = %+v", s, p)
		}
	})
}
