package scim

import (
	"encoding/json"
	"testing"
	"time"

	"roster"
)

// FuzzPatchUser checks that no PATCH body makes the patcher or the reader of its result panic:
// every request a client can send is answered, never with a 500.
func FuzzPatchUser(f *testing.F) {
	for _, s := range []string{
		`{"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"a@b.c"}]}`,
		`{"Operations":[{"op":"replace","value":{"name.givenName":"A","active":"False"}}]}`,
		`{"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"x"}]}`,
		`{"Operations":[{"op":"remove","path":"phoneNumbers[type eq \"work\"]"}]}`,
		`{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:roster:2.0:User","value":{"license":"premium"}}]}`,
		`{"Operations":[{"op":"add","path":"name","value":{"givenName":1}}]}`,
		`{"Operations":[{"op":"replace","path":"emails","value":[1,"x",{"value":null}]}]}`,
		`{"Operations":[{"op":"remove","path":"emails","value":[{"value":"a"}]}]}`,
	} {
		f.Add(s)
	}
	u := &roster.User{ID: "u", Email: "a@example.com", FirstName: "A", Status: roster.StatusActive, License: roster.LicenseStandard,
		CCRole: roster.RoleAgent, AdminRole: roster.AdminNone, CreatedAt: time.Unix(0, 0), UpdatedAt: time.Unix(0, 0), Version: 1}
	f.Fuzz(func(t *testing.T, body string) {
		var req patchRequest
		if json.Unmarshal([]byte(body), &req) != nil {
			return
		}
		for i := range req.Operations {
			req.Operations[i].Value = normalizeNumbers(req.Operations[i].Value)
		}
		res := userResource(u, "http://x/scim/v2")
		if err := applyPatch(res, req, userSchema); err != nil {
			if e, ok := toSCIM(err); !ok || e.Status != 400 {
				t.Fatalf("applyPatch(%s): %v is not a 400", body, err)
			}
			return
		}
		if _, err := readUser(res); err != nil {
			if e, ok := toSCIM(err); !ok || e.Status != 400 {
				t.Fatalf("readUser after %s: %v is not a 400", body, err)
			}
		}
	})
}
