package httpapi_test

import (
	"strings"
	"testing"

	"roster"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	const tokens = "/api/v1/orgs/{A}/tokens"
	runScenarios(t, []scenario{
		{name: "list", method: "GET", path: tokens, token: "A.full", status: 200,
			want: map[string]any{"items.0.name": "A.full", "items.0.role": "full", "items.2.role": "read_only"},
			check: func(t *testing.T, f *fixture, r resp) {
				if strings.Contains(string(r.raw), `"token"`) || strings.Contains(string(r.raw), "rst_") {
					t.Errorf("a secret is listed: %s", r.raw)
				}
				if get(r.body, "items.0.orgId") != f.a.ID {
					t.Errorf("orgId: %s", r.raw)
				}
			}},
		{name: "create", method: "POST", path: tokens, token: "A.full", body: map[string]any{"name": "HR sync", "role": "cc_service"},
			status: 201, want: map[string]any{"name": "HR sync", "role": "cc_service", "createdBy": "A.full"},
			check: func(t *testing.T, f *fixture, r resp) {
				secret, _ := get(r.body, "token").(string)
				if !strings.HasPrefix(secret, "rst_") || r.header.Get("Cache-Control") != "no-store" {
					t.Fatalf("secret %q, Cache-Control %q", secret, r.header.Get("Cache-Control"))
				}
				// The new token works, with its role.
				if got := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/users"), token: secret}); got.status != 200 {
					t.Errorf("read with the new token: %d", got.status)
				}
				if got := f.do(req{method: "POST", path: f.expand("/api/v1/orgs/{A}/users"), token: secret, body: map[string]any{"email": "x@a.example"}}); got.status != 403 {
					t.Errorf("create with a cc_service token: %d", got.status)
				}
			}},
		{name: "create without a role", method: "POST", path: tokens, token: "A.full", body: map[string]any{"name": "x"},
			status: 400, code: roster.CodeInvalid, field: "role"},
		{name: "create with role system", method: "POST", path: tokens, token: "A.full", body: map[string]any{"role": "system"},
			status: 400, code: roster.CodeInvalid, field: "role"},
		{name: "cc_service cannot create", method: "POST", path: tokens, token: "A.cc", body: map[string]any{"role": "full"},
			status: 403, code: roster.CodeForbidden},
		{name: "read_only cannot list", method: "GET", path: tokens, token: "A.ro", status: 403, code: roster.CodeForbidden},
		{name: "delete", method: "DELETE", path: tokens + "/{tok:A.ro}", token: "A.full", status: 204,
			check: func(t *testing.T, f *fixture, _ resp) {
				got := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}"), token: f.tokens["A.ro"]})
				if got.status != 401 {
					t.Errorf("revoked token: %d", got.status)
				}
			}},
		{name: "delete unknown", method: "DELETE", path: tokens + "/nothing", token: "A.full", status: 404, code: roster.CodeNotFound},
		{name: "delete a token of another org", method: "DELETE", path: tokens + "/{tok:B.full}", token: "A.full", status: 404, code: roster.CodeNotFound},
		{name: "system lists system tokens", method: "GET", path: "/api/v1/tokens", token: "sys", status: 200,
			want: map[string]any{"items.0.role": "system", "items.0.orgId": nil, "items.1": nil}},
		{name: "org token cannot list system tokens", method: "GET", path: "/api/v1/tokens", token: "A.full", status: 403, code: roster.CodeForbidden},
		{name: "system creates a system token", method: "POST", path: "/api/v1/tokens", token: "sys", body: map[string]any{"name": "deploy"},
			status: 201, want: map[string]any{"role": "system", "orgId": nil, "name": "deploy"}},
		{name: "system token with an admin role", method: "POST", path: "/api/v1/tokens", token: "sys", body: map[string]any{"role": "full"},
			status: 400, code: roster.CodeInvalid, field: "role"},
		{name: "org token cannot create system tokens", method: "POST", path: "/api/v1/tokens", token: "A.full", body: map[string]any{},
			status: 403, code: roster.CodeForbidden},
		{name: "org token cannot delete system tokens", method: "DELETE", path: "/api/v1/tokens/{tok:A.full}", token: "A.full",
			status: 403, code: roster.CodeForbidden},
		{name: "system mints an org token", method: "POST", path: tokens, token: "sys", body: map[string]any{"role": "read_only"},
			status: 201, want: map[string]any{"role": "read_only", "name": "read_only token"}},
	})
}

func TestAuditScenarios(t *testing.T) {
	t.Parallel()
	const audit = "/api/v1/orgs/{A}/audit"
	runScenarios(t, []scenario{
		{name: "read", method: "GET", path: audit, token: "A.ro", status: 200,
			want: map[string]any{"items.0.action": "user.create", "items.0.target": "sup@a.example", "items.0.before": nil,
				"items.0.after.license": "premium", "items.0.interface": "cli", "items.0.actorKind": "system"}},
		{name: "filter", method: "GET", path: audit + "?action=org.create&interface=cli&since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00%2B02:00", token: "A.ro", status: 200,
			want: map[string]any{"items.0.action": "org.create", "items.0.targetId": "{A}", "items.1": nil}},
		{name: "by target", method: "GET", path: audit + "?targetId={A.agent}", token: "A.ro", status: 200,
			want: map[string]any{"items.0.target": "agent@a.example", "items.1": nil}},
		{name: "unknown interface", method: "GET", path: audit + "?interface=fax", token: "A.ro", status: 400, code: roster.CodeInvalid, field: "interface"},
		{name: "bad time", method: "GET", path: audit + "?since=yesterday", token: "A.ro", status: 400, code: roster.CodeInvalid, field: "since"},
		{name: "unknown parameter", method: "GET", path: audit + "?user=x", token: "A.ro", status: 400, code: roster.CodeInvalid, field: "user"},
		{name: "another org", method: "GET", path: "/api/v1/orgs/{B}/audit", token: "A.full", status: 404, code: roster.CodeNotFound},
	})
}
