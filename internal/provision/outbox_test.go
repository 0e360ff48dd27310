package provision_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// TestOutboxLinks: the outbox shows an invitation's link to a full administrator only while
// it is queued with no mail server to send it and still works; otherwise it says why not,
// and the text holds a note instead. A resend or an acceptance takes the links of the
// pointless queued messages out of the database.
func TestOutboxLinks(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		var now atomic.Int64
		now.Store(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC).UnixNano())
		clock := provision.WithClock(func() time.Time { return time.Unix(0, now.Load()) })
		store := sqldbtest.Open(t, engine)
		svc := provision.New(store, provision.WithBaseURL("https://roster.example.com"), clock)
		byMail := provision.New(store, provision.WithBaseURL("https://roster.example.com"), clock, provision.WithMailServer())
		o := newOrg(t, svc, "Acme", orgSpec{})
		full, cc := admin(o, roster.AdminFull), admin(o, roster.AdminCCService)
		ada := mustCreate(t, svc, o, provision.NewUser{Email: "ada@acme.example"})
		bo := mustCreate(t, svc, o, provision.NewUser{Email: "bo@acme.example"})
		cy := mustCreate(t, svc, o, provision.NewUser{Email: "cy@acme.example"})
		message := func(s *provision.Service, a roster.Actor, u *roster.User) *provision.OutboxEmail {
			t.Helper()
			for _, m := range outbox(t, s, a, o) { // newest first
				if m.UserID == u.ID {
					return m
				}
			}
			t.Fatalf("no message to %s", u.Email)
			return nil
		}
		stored := func(id string) *roster.Email {
			t.Helper()
			page, err := store.FindEmails(ctx, roster.EmailFilter{OrgID: o.ID, Limit: roster.MaxPageSize})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Emails {
				if e.ID == id {
					return e
				}
			}
			t.Fatalf("no message %s", id)
			return nil
		}
		check := func(name string, m *provision.OutboxEmail, want provision.LinkStatus, note string) {
			t.Helper()
			if m.LinkStatus != want {
				t.Errorf("%s: link status %s, want %s", name, m.LinkStatus, want)
			}
			shown := want == provision.LinkShown
			if shown != (m.Link != "") || shown != strings.Contains(m.Text, "/invite/") {
				t.Errorf("%s: link %q, text:\n%s", name, m.Link, m.Text)
			}
			if !shown && !strings.Contains(m.Text, note) {
				t.Errorf("%s: the text has no note %q:\n%s", name, note, m.Text)
			}
		}

		first := message(svc, full, ada)
		check("full administrator, queued, no mail server", first, provision.LinkShown, "")
		check("installation token", message(svc, system, ada), provision.LinkShown, "")
		check("cc_service", message(svc, cc, ada), provision.LinkRestricted, "(link shown to full administrators only)")
		check("read_only", message(svc, admin(o, roster.AdminReadOnly), ada), provision.LinkRestricted, "full administrators only")
		check("a mail server sends it", message(byMail, full, ada), provision.LinkMailServer, "(link sent by email only)")

		// Sent: the link is not shown, whatever the row still holds.
		err := store.Write(ctx, func(tx roster.Tx) error {
			claimed, err := tx.ClaimEmails(ctx, "w", time.Unix(0, now.Load()), time.Minute, 10)
			if err != nil {
				return err
			}
			for _, e := range claimed {
				if e.UserID == bo.ID {
					e.State, e.Attempts, e.SentAt = roster.EmailSent, 1, time.Unix(0, now.Load())
				} else {
					e.LeaseOwner = ""
				}
				if err := tx.SaveEmail(ctx, e, "w"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		check("sent", message(svc, full, bo), provision.LinkSent, "(link sent to the recipient only)")

		// A resend fails the queued message of the replaced invitation and drops its link.
		resent, err := svc.ResendInvitation(ctx, full, o.ID, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		check("the resend's answer", resent, provision.LinkShown, "")
		replaced := stored(first.ID)
		if replaced.State != roster.EmailFailed || replaced.Link != "" || replaced.LastError != "Not sent: a newer invitation replaced this one." {
			t.Errorf("replaced message %+v", replaced)
		}
		check("replaced", message(svc, full, ada), provision.LinkShown, "") // the newest
		for _, m := range outbox(t, svc, full, o) {
			if m.ID == first.ID {
				check("replaced", m, provision.LinkNotSent, "(link dropped: the message was not sent)")
			}
		}

		// Accepting fails the message of the link handed over, and drops the link.
		_, token, _ := strings.Cut(resent.Link, provision.InvitePath)
		if _, err := svc.AcceptInvitation(ctx, token, ""); err != nil {
			t.Fatal(err)
		}
		if e := stored(resent.ID); e.State != roster.EmailFailed || e.Link != "" || e.LastError != "Not sent: the user has already accepted an invitation." {
			t.Errorf("accepted message %+v", e)
		}

		// An invitation that expired is not shown; its link works no more.
		now.Add(int64(provision.InvitationTTL))
		check("expired", message(svc, full, cy), provision.LinkExpired, "(link expired)")
	})
}

func TestRedactLinks(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"/invite/AZPc3wtA6ztu2KtXx9Vm", "/invite/[redacted]"},
		{"https://roster.example.com/invite/AZPc3wtA-6z_u2Kt?x=1", "https://roster.example.com/invite/[redacted]?x=1"},
		{"//INVITE/abc/def", "//invite/[redacted]/def"},
		{`link "http://x/invite/abc" and /invite/def.`, `link "http://x/invite/[redacted]" and /invite/[redacted]`},
		{"/api/v1/orgs", "/api/v1/orgs"},
		{"/invite/", "/invite/"},
		{"/console/setup/Qm9sZC1zZWNyZXQ", "/console/setup/[redacted]"},
	}
	for _, tt := range tests {
		if got := provision.RedactLinks(tt.in); got != tt.want {
			t.Errorf("RedactLinks(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMailServer: pages learn whether messages wait in the outbox from the option serve sets.
func TestMailServer(t *testing.T) {
	t.Parallel()
	store := sqldbtest.Open(t, "sqlite")
	if provision.New(store).MailServer() {
		t.Error("a service without a mail server says it has one")
	}
	if !provision.New(store, provision.WithMailServer()).MailServer() {
		t.Error("a service with a mail server says it has none")
	}
}
