package httpapi_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"roster"
	"roster/internal/httpapi"
)

// TestIsolation calls every route of the route table with a full administrator token of
// organization B on organization A, with well-formed requests (the document's examples,
// If-Match: *), and expects 404 not_found from every route scoped to an organization, no
// trace of A in any answer, and nothing of A changed. Records of A named under B's path are
// not found either.
func TestIsolation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setAssignment(f.a.ID, roster.AssignGroup, "")
	f.addMembers(f.a.ID, f.group("Sales", roster.LicensePremium).ID, f.users["A.agent"].ID)
	f.profile("Night", roster.ProfileSupervisor)
	f.portal()
	before := snapshot(t, f)
	intruder := f.tokens["B.full"]
	for _, rt := range httpapi.RouteTable() {
		method, path := rt[0], rt[1]
		t.Run(method+" "+path, func(t *testing.T) {
			// Not parallel: the snapshot after the loop must see every request done.
			body, contentType, hasBody, found := requestExample(f.doc, method, path)
			if hasBody && !found {
				t.Fatalf("no request example to send")
			}
			var sent any
			if hasBody {
				sent = body
			}
			id := f.users["A.agent"].ID
			switch {
			case strings.Contains(path, "/tokens/"):
				id = f.tokenIDs["A.full"]
			case strings.Contains(path, "/tasks/"):
				// Active, so that a cancel that got through would change it.
				id = f.tasks["A.queued"].ID
			case strings.Contains(path, "/groups/"):
				id = f.groups["Sales"].ID
			case strings.Contains(path, "/user-profiles/"):
				id = f.profiles["Night"].ID
			case strings.Contains(path, "/sites/"):
				id = f.sites["Malmö"].ID
			case strings.Contains(path, "/teams/"):
				id = f.teams["Support"].ID
			case strings.Contains(path, "/skill-profiles/"):
				id = f.portalProfiles["skill:Examples"].ID
			case strings.Contains(path, "/agent-profiles/"):
				id = f.portalProfiles["agent:Examples"].ID
			case strings.Contains(path, "/multimedia-profiles/"):
				id = f.portalProfiles["multimedia:Examples"].ID
			}
			p := strings.ReplaceAll(strings.ReplaceAll(path, "{org}", f.a.ID), "{id}", id)
			h := ifMatch("*")
			h["Content-Type"] = contentType
			r := f.do(req{method: method, path: p, token: intruder, body: sent, header: h})
			if bytes.Contains(r.raw, []byte(f.a.ID)) || bytes.Contains(r.raw, []byte("Alpha")) || bytes.Contains(r.raw, []byte("a.example")) {
				t.Errorf("the answer shows organization A: %s", r.raw)
			}
			if !strings.Contains(path, "{org}") {
				// Routes outside an organization answer as they would for any organization
				// token: the document, B's own list, or forbidden.
				return
			}
			if r.status != 404 || get(r.body, "code") != string(roster.CodeNotFound) {
				t.Errorf("status %d, want 404 not_found: %s", r.status, r.raw)
			}
			if !strings.Contains(path, "{id}") {
				return
			}
			// A's record under B's own path: B administers the path, not the record.
			p = strings.ReplaceAll(strings.ReplaceAll(path, "{org}", f.b.ID), "{id}", id)
			r = f.do(req{method: method, path: p, token: intruder, body: sent, header: ifMatch("*")})
			if r.status != 404 || get(r.body, "code") != string(roster.CodeNotFound) {
				t.Errorf("A's record under B's path: status %d, want 404 not_found: %s", r.status, r.raw)
			}
		})
	}
	if after := snapshot(t, f); after != before {
		t.Errorf("organization A changed:\nbefore %s\nafter  %s", before, after)
	}
}

// snapshot reads everything of organization A, as the installation sees it.
func snapshot(t *testing.T, f *fixture) string {
	t.Helper()
	var b strings.Builder
	for _, path := range []string{"/api/v1/orgs/{A}", "/api/v1/orgs/{A}/users", "/api/v1/orgs/{A}/tokens", "/api/v1/orgs/{A}/audit", "/api/v1/orgs",
		"/api/v1/orgs/{A}/tasks", "/api/v1/orgs/{A}/tasks/{task:A.done}/report.csv", "/api/v1/orgs/{A}/groups",
		"/api/v1/orgs/{A}/groups/{group:Sales}/members", "/api/v1/orgs/{A}/license-assignment", "/api/v1/orgs/{A}/contact-center/user-profiles",
		"/api/v1/orgs/{A}/contact-center/agents", "/api/v1/orgs/{A}/contact-center/sites", "/api/v1/orgs/{A}/contact-center/teams",
		"/api/v1/orgs/{A}/contact-center/skill-profiles", "/api/v1/orgs/{A}/contact-center/agent-profiles",
		"/api/v1/orgs/{A}/contact-center/multimedia-profiles"} {
		r := f.do(req{method: "GET", path: f.expand(path), token: f.tokens["sys"]})
		if r.status != 200 {
			t.Fatalf("GET %s: %d", path, r.status)
		}
		b.Write(r.raw)
	}
	// The API does not show a cancel request until the task stops: read it from the store.
	page, err := f.store.FindTasks(t.Context(), roster.TaskFilter{OrgID: f.a.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range page.Tasks {
		fmt.Fprintf(&b, " %s cancel=%t", task.ID, task.CancelRequested)
	}
	return b.String()
}
