package httpapi_test

import (
	"strings"
	"testing"

	"roster"
)

func TestEmails(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{name: "the outbox holds the invitations", method: "GET", path: "/api/v1/orgs/{A}/emails?limit=1", token: "A.full", status: 200,
			want: map[string]any{"items.0.kind": "invitation", "items.0.state": "queued", "items.0.sentAt": nil},
			check: func(t *testing.T, f *fixture, r resp) {
				if link, _ := get(r.body, "items.0.link").(string); !strings.Contains(link, "/invite/") {
					t.Errorf("link %v", get(r.body, "items.0.link"))
				}
				if get(r.body, "nextCursor") == nil {
					t.Error("no nextCursor over two invitations")
				}
			}},
		{name: "read-only administrators do not see links", method: "GET", path: "/api/v1/orgs/{A}/emails?userId={A.agent}", token: "A.ro",
			status: 200, want: map[string]any{"items.0.to": "agent@a.example", "items.0.link": nil},
			check: func(t *testing.T, f *fixture, r resp) {
				text, _ := get(r.body, "items.0.text").(string)
				if strings.Contains(text, "/invite/") || !strings.Contains(text, "link shown to full administrators only") {
					t.Errorf("text %q", text)
				}
				if subject, _ := get(r.body, "items.0.subject").(string); !strings.Contains(subject, "Alpha") {
					t.Errorf("subject %q", subject)
				}
			}},
		{name: "bad state", method: "GET", path: "/api/v1/orgs/{A}/emails?state=lost", token: "A.full", status: 400,
			code: roster.CodeInvalid, field: "state"},
		{name: "resend", method: "POST", path: "/api/v1/orgs/{A}/users/{A.agent}/resend-invitation", token: "A.cc", status: 202,
			want: map[string]any{"to": "agent@a.example", "state": "queued", "link": nil}},
		{name: "resend to all pending users", method: "POST", path: "/api/v1/orgs/{A}/invitations/resend", token: "A.cc", status: 202,
			want: map[string]any{"kind": "users.invitations.resend", "state": "queued", "input": nil}},
		{name: "resend to all by read-only", method: "POST", path: "/api/v1/orgs/{A}/invitations/resend", token: "A.ro", status: 403,
			code: roster.CodeForbidden},
		{name: "resend by read-only", method: "POST", path: "/api/v1/orgs/{A}/users/{A.agent}/resend-invitation", token: "A.ro",
			status: 403, code: roster.CodeForbidden},
	})
}
