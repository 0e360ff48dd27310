package scim_test

import (
	"strings"
	"testing"

	"roster/internal/provision"
)

func TestBulk(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, e *env) {
		existing := e.createUser(provision.NewUser{Email: "old@example.com", FirstName: "Old"})
		// The group refers to a user created after it in the request: it waits for it.
		r := e.do("POST", "/scim/v2/Bulk", e.full, `{
		  "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
		  "Operations": [
		    {"method": "POST", "path": "/Groups", "bulkId": "ytrewq",
		     "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Tour Guides",
		              "members": [{"type": "User", "value": "bulkId:qwerty"}, {"type": "User", "value": "`+existing.ID+`"}]}},
		    {"method": "POST", "path": "/Users", "bulkId": "qwerty",
		     "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice@example.com",
		              "urn:ietf:params:scim:schemas:extension:roster:2.0:User": {"license": "standard"}}},
		    {"method": "PATCH", "path": "/Users/`+existing.ID+`", "version": "W/\"1\"",
		     "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "title", "value": "Guide"}]}},
		    {"method": "POST", "path": "/Users", "bulkId": "dup", "data": {"userName": "OLD@example.com"}},
		    {"method": "POST", "path": "/Groups", "bulkId": "lost", "data": {"displayName": "Lost", "members": [{"value": "bulkId:dup"}]}},
		    {"method": "DELETE", "path": "/Users/`+existing.ID+`", "version": "W/\"1\""},
		    {"method": "GET", "path": "/Users"}
		  ]}`).want(t, 200)
		ops, _ := r.body["Operations"].([]any)
		if len(ops) != 7 || !hasSchema(r.body, "urn:ietf:params:scim:api:messages:2.0:BulkResponse") {
			t.Fatalf("bulk: %s", r.raw)
		}
		status := func(i int) string { s, _ := path(ops[i], "status").(string); return s }
		if status(0) != "201" || status(1) != "201" || status(2) != "200" || status(3) != "409" || status(4) != "409" || status(5) != "412" || status(6) != "400" {
			t.Errorf("statuses: %s", r.raw)
		}
		if path(ops[3], "response", "scimType") != "uniqueness" || path(ops[1], "bulkId") != "qwerty" || path(ops[2], "version") != `W/"2"` {
			t.Errorf("results: %s", r.raw)
		}
		alice, _ := path(ops[1], "location").(string)
		aliceID := alice[strings.LastIndexByte(alice, '/')+1:]
		group, _ := path(ops[0], "location").(string)
		if got := e.memberIDs(group[strings.LastIndexByte(group, '/')+1:]); !equalStrings(got, sorted(aliceID, existing.ID)) {
			t.Errorf("members: %v", got)
		}
		if e.user(existing.ID).Title != "Guide" || e.user(aliceID).Email != "alice@example.com" {
			t.Error("the bulk changes were not stored")
		}

		// failOnErrors stops at the first error.
		r = e.do("POST", "/scim/v2/Bulk", e.full, `{"failOnErrors": 1, "Operations": [
		    {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"userName": "bad"}},
		    {"method": "POST", "path": "/Users", "bulkId": "b", "data": {"userName": "never@example.com"}}]}`).want(t, 200)
		if ops, _ := r.body["Operations"].([]any); len(ops) != 1 || path(ops[0], "status") != "400" {
			t.Errorf("failOnErrors: %s", r.raw)
		}
		e.do("GET", filterPath("Users", `userName eq "never@example.com"`), e.full, "").want(t, 200)
		if r := e.do("GET", filterPath("Users", `userName eq "never@example.com"`), e.full, ""); r.body["totalResults"] != 0.0 {
			t.Errorf("an operation after failOnErrors ran: %s", r.raw)
		}

		// Requests Bulk refuses as a whole.
		e.do("POST", "/scim/v2/Bulk", e.full, `{"Operations": []}`).want(t, 400, "invalidValue")
		e.do("POST", "/scim/v2/Bulk", e.full, `{"Operations": [{"method":"POST","path":"/Users","bulkId":"x","data":{}},{"method":"POST","path":"/Users","bulkId":"x","data":{}}]}`).want(t, 400, "invalidValue")
		e.do("POST", "/scim/v2/Bulk", e.full, `{"Operations": [`+strings.Repeat(`{"method":"DELETE","path":"/Users/x"},`, 1000)+`{"method":"DELETE","path":"/Users/x"}]}`).want(t, 413, "tooMany")
		// The token's role applies to each operation.
		r = e.do("POST", "/scim/v2/Bulk", e.ro, `{"Operations": [{"method":"POST","path":"/Users","data":{"userName":"ro@example.com"}}]}`).want(t, 200)
		if path(r.body, "Operations", "0", "status") != "403" {
			t.Errorf("read-only bulk: %s", r.raw)
		}
	})
}
