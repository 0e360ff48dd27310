package httpapi_test

import (
	"testing"

	"roster"
)

// TestPreconditionsAfterAuthorization: a change's If-Match (missing, malformed or never
// matching) is judged only once the actor may make the change and its record is found (RFC
// 9110 §13.2.1), on every route that honours it.
func TestPreconditionsAfterAuthorization(t *testing.T) {
	t.Parallel()
	const agent = "/api/v1/orgs/{A}/users/{A.agent}"
	const cc = "/api/v1/orgs/{A}/contact-center"
	sales := func(f *fixture) { f.group("Sales", roster.LicenseStandard) }
	portal := func(f *fixture) { f.portal() }
	title := map[string]any{"title": "Lead"}
	runScenarios(t, []scenario{
		// PATCH of a user needs If-Match, but only an actor who may make the change learns it.
		{name: "read_only without If-Match", method: "PATCH", path: agent, token: "A.ro", body: title,
			status: 403, code: roster.CodeForbidden, check: unchanged("A.agent")},
		{name: "cc_service changing a name without If-Match", method: "PATCH", path: agent, token: "A.cc", body: title,
			status: 403, code: roster.CodeForbidden, check: unchanged("A.agent")},
		{name: "another organization without If-Match", method: "PATCH", path: agent, token: "B.full", body: title,
			status: 404, code: roster.CodeNotFound, check: unchanged("A.agent")},
		{name: "an unknown user without If-Match", method: "PATCH", path: "/api/v1/orgs/{A}/users/nobody", token: "A.full", body: title,
			status: 404, code: roster.CodeNotFound},
		{name: "full without If-Match", method: "PATCH", path: agent, token: "A.full", body: title,
			status: 428, code: roster.CodePreconditionRequired, check: unchanged("A.agent")},
		{name: "cc_service changing a license without If-Match", method: "PATCH", path: agent, token: "A.cc",
			body: map[string]any{"license": "premium"}, status: 428, code: roster.CodePreconditionRequired, check: unchanged("A.agent")},
		{name: "read_only with a malformed If-Match", method: "PATCH", path: agent, token: "A.ro", header: ifMatch(`1`), body: title,
			status: 403, code: roster.CodeForbidden},
		{name: "full with a malformed If-Match", method: "PATCH", path: agent, token: "A.full", header: ifMatch(`1`), body: title,
			status: 400, code: roster.CodeInvalid, field: "If-Match", check: unchanged("A.agent")},
		{name: "read_only with a tag no record has", method: "PATCH", path: agent, token: "A.ro", header: ifMatch(`"0"`), body: title,
			status: 403, code: roster.CodeForbidden},

		// DELETE and the actions.
		{name: "delete by read_only, malformed", method: "DELETE", path: agent, token: "A.ro", header: ifMatch(`"1", "2"`),
			status: 403, code: roster.CodeForbidden, check: unchanged("A.agent")},
		{name: "delete by another organization, stale", method: "DELETE", path: agent, token: "B.full", header: ifMatch(`"9"`),
			status: 404, code: roster.CodeNotFound, check: unchanged("A.agent")},
		{name: "delete by full, malformed", method: "DELETE", path: agent, token: "A.full", header: ifMatch(`x`),
			status: 400, code: roster.CodeInvalid, field: "If-Match", check: unchanged("A.agent")},
		{name: "delete by full, a tag no record has", method: "DELETE", path: agent, token: "A.full", header: ifMatch(`"0"`),
			status: 412, code: roster.CodePreconditionFailed, check: unchanged("A.agent")},
		{name: "deactivate by cc_service, malformed", method: "POST", path: agent + "/deactivate", token: "A.cc", header: ifMatch(`x`),
			status: 403, code: roster.CodeForbidden, check: unchanged("A.agent")},
		{name: "reactivate by read_only, stale", method: "POST", path: agent + "/reactivate", token: "A.ro", header: ifMatch(`"9"`),
			status: 403, code: roster.CodeForbidden},

		// The other records with an ETag.
		{name: "organization by read_only", method: "PATCH", path: "/api/v1/orgs/{A}", token: "A.ro", header: ifMatch(`x`),
			body: map[string]any{"name": "X"}, status: 403, code: roster.CodeForbidden},
		{name: "license assignment by read_only", method: "PUT", path: "/api/v1/orgs/{A}/license-assignment", token: "A.ro", header: ifMatch(`x`),
			body: map[string]any{"mode": "org", "license": "standard"}, status: 403, code: roster.CodeForbidden},
		{name: "group by cc_service", method: "PATCH", path: "/api/v1/orgs/{A}/groups/{group:Sales}", token: "A.cc", setup: sales,
			header: ifMatch(`x`), body: map[string]any{"name": "X"}, status: 403, code: roster.CodeForbidden},
		{name: "group deleted by read_only", method: "DELETE", path: "/api/v1/orgs/{A}/groups/{group:Sales}", token: "A.ro", setup: sales,
			header: ifMatch(`x`), status: 403, code: roster.CodeForbidden},
		{name: "agent by read_only", method: "PATCH", path: cc + "/agents/{A.sup}", token: "A.ro", setup: portal,
			header: ifMatch(`x`), body: map[string]any{"externalId": "X"}, status: 403, code: roster.CodeForbidden},
		{name: "site by read_only", method: "PATCH", path: cc + "/sites/{site:Malmö}", token: "A.ro", setup: portal,
			header: ifMatch(`x`), body: map[string]any{"name": "X"}, status: 403, code: roster.CodeForbidden},
		{name: "site deleted by another organization", method: "DELETE", path: cc + "/sites/{site:Malmö}", token: "B.full", setup: portal,
			header: ifMatch(`x`), status: 404, code: roster.CodeNotFound},
		{name: "team by read_only", method: "PATCH", path: cc + "/teams/{team:Support}", token: "A.ro", setup: portal,
			header: ifMatch(`x`), body: map[string]any{"name": "X"}, status: 403, code: roster.CodeForbidden},
		{name: "team deleted by read_only", method: "DELETE", path: cc + "/teams/{team:Support}", token: "A.ro", setup: portal,
			header: ifMatch(`x`), status: 403, code: roster.CodeForbidden},
		{name: "skill profile by read_only", method: "PATCH", path: cc + "/skill-profiles/{skill:Examples}", token: "A.ro", setup: portal,
			header: ifMatch(`x`), body: map[string]any{"name": "X"}, status: 403, code: roster.CodeForbidden},
		{name: "agent profile deleted by read_only", method: "DELETE", path: cc + "/agent-profiles/{agent:Examples}", token: "A.ro", setup: portal,
			header: ifMatch(`x`), status: 403, code: roster.CodeForbidden},
		{name: "user profile by read_only", method: "PATCH", path: cc + "/user-profiles/{profile:Leads}", token: "A.ro",
			setup:  func(f *fixture) { f.profile("Leads", roster.ProfilePremiumAgent) },
			header: ifMatch(`x`), body: map[string]any{"name": "X"}, status: 403, code: roster.CodeForbidden},
		{name: "user profile deleted by read_only", method: "DELETE", path: cc + "/user-profiles/{profile:Leads}", token: "A.ro",
			setup:  func(f *fixture) { f.profile("Leads", roster.ProfilePremiumAgent) },
			header: ifMatch(`x`), status: 403, code: roster.CodeForbidden},
	})
}
