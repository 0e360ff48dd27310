package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"roster"
)

// sendAll records every queued message as sent, keeping its link in the row as a message sent
// by an earlier release does: the API must not show it all the same.
func sendAll(f *fixture) {
	ctx := context.Background()
	err := f.store.Write(ctx, func(tx roster.Tx) error {
		claimed, err := tx.ClaimEmails(ctx, "test", time.Now().Add(time.Hour), time.Minute, 1000)
		for _, e := range claimed {
			e.State, e.Attempts, e.SentAt = roster.EmailSent, 1, time.Now()
			if err == nil {
				err = tx.SaveEmail(ctx, e, "test")
			}
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func TestEmails(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{name: "the outbox holds the invitations", method: "GET", path: "/api/v1/orgs/{A}/emails?limit=1", token: "A.full", status: 200,
			want: map[string]any{"items.0.kind": "invitation", "items.0.state": "queued", "items.0.sentAt": nil, "items.0.linkStatus": "shown"},
			check: func(t *testing.T, f *fixture, r resp) {
				if link, _ := get(r.body, "items.0.link").(string); !strings.Contains(link, "/invite/") {
					t.Errorf("link %v", get(r.body, "items.0.link"))
				}
				if get(r.body, "nextCursor") == nil {
					t.Error("no nextCursor over two invitations")
				}
			}},
		{name: "read-only administrators do not see links", method: "GET", path: "/api/v1/orgs/{A}/emails?userId={A.agent}", token: "A.ro",
			status: 200, want: map[string]any{"items.0.to": "agent@a.example", "items.0.link": nil, "items.0.linkStatus": "restricted"},
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
			want: map[string]any{"to": "agent@a.example", "state": "queued", "link": nil, "linkStatus": "restricted"}},
		{name: "resend by full", method: "POST", path: "/api/v1/orgs/{A}/users/{A.agent}/resend-invitation", token: "A.full", status: 202,
			want: map[string]any{"to": "agent@a.example", "state": "queued", "linkStatus": "shown"}},
		{name: "a sent message shows no link", method: "GET", path: "/api/v1/orgs/{A}/emails?userId={A.agent}", token: "A.full",
			setup: sendAll, status: 200, want: map[string]any{"items.0.state": "sent", "items.0.link": nil, "items.0.linkStatus": "sent"},
			check: func(t *testing.T, f *fixture, r resp) {
				if text, _ := get(r.body, "items.0.text").(string); strings.Contains(text, "/invite/") || !strings.Contains(text, "(link sent to the recipient only)") {
					t.Errorf("text %q", text)
				}
			}},
		{name: "resend to all pending users", method: "POST", path: "/api/v1/orgs/{A}/invitations/resend", token: "A.cc", status: 202,
			want: map[string]any{"kind": "users.invitations.resend", "state": "queued", "input": nil}},
		{name: "resend to all by read-only", method: "POST", path: "/api/v1/orgs/{A}/invitations/resend", token: "A.ro", status: 403,
			code: roster.CodeForbidden},
		{name: "resend by read-only", method: "POST", path: "/api/v1/orgs/{A}/users/{A.agent}/resend-invitation", token: "A.ro",
			status: 403, code: roster.CodeForbidden},
	})
}
