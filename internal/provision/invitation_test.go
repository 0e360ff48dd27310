package provision_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// secretOf returns the secret of an invitation link.
func secretOf(t *testing.T, e *provision.OutboxEmail) string {
	t.Helper()
	_, secret, ok := strings.Cut(e.Link, "/invite/")
	if !ok || secret == "" {
		t.Fatalf("link %q has no secret", e.Link)
	}
	return secret
}

func outbox(t *testing.T, svc *provision.Service, a roster.Actor, o *roster.Org) []*provision.OutboxEmail {
	t.Helper()
	page, err := svc.Emails(context.Background(), a, roster.EmailFilter{OrgID: o.ID, Limit: roster.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return page.Emails
}

func TestInvitations(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		var now atomic.Int64
		now.Store(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC).UnixNano())
		store := sqldbtest.Open(t, engine)
		svc := provision.New(store, provision.WithBaseURL("https://roster.example.com/"),
			provision.WithClock(func() time.Time { return time.Unix(0, now.Load()) }))
		o := newOrg(t, svc, "Acme", orgSpec{})
		quiet := newOrg(t, svc, "Quiet", orgSpec{})
		if _, err := svc.UpdateOrg(ctx, system, quiet.ID, provision.OrgChange{SendWelcomeEmail: ptr(false)}, 0); err != nil {
			t.Fatal(err)
		}
		full := admin(o, roster.AdminFull)
		ada := mustCreate(t, svc, o, provision.NewUser{Email: "ada@acme.example", FirstName: "Ada", PreferredLanguage: "sv"})
		mustCreate(t, svc, quiet, provision.NewUser{Email: "bo@quiet.example"})
		if got := outbox(t, svc, admin(quiet, roster.AdminFull), quiet); len(got) != 0 {
			t.Fatalf("an organization without welcome emails has %d messages", len(got))
		}
		sent := outbox(t, svc, full, o)
		if len(sent) != 1 {
			t.Fatalf("%d messages, want 1", len(sent))
		}
		e := sent[0]
		if e.UserID != ada.ID || e.To != "ada@acme.example" || e.ToName != "Ada" || e.Language != "sv" ||
			e.State != roster.EmailQueued || !strings.HasPrefix(e.Link, "https://roster.example.com/invite/") {
			t.Fatalf("message %+v", e)
		}
		// Only full administrators see the link, which accepts the account.
		for _, role := range []roster.AdminRole{roster.AdminCCService, roster.AdminReadOnly} {
			if got := outbox(t, svc, admin(o, role), o); got[0].Link != "" {
				t.Errorf("%s sees the link", role)
			}
		}
		first := secretOf(t, e)

		// A resend replaces the invitation: the first link stops working.
		resent, err := svc.ResendInvitation(ctx, admin(o, roster.AdminCCService), o.ID, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		if resent.Link != "" {
			t.Error("the resend shows a cc_service administrator the link")
		}
		_, err = svc.Invitation(ctx, first)
		wantCode(t, err, roster.CodeNotFound)
		second := secretOf(t, outbox(t, svc, full, o)[0])
		who, err := svc.Invitation(ctx, second)
		if err != nil || who.User.ID != ada.ID || who.Org.ID != o.ID {
			t.Fatalf("invitation: %+v, %v", who, err)
		}

		// The id of a real invitation with another secret opens nothing.
		forged := []byte(second)
		if forged[len(forged)-1] == 'A' { // the last character is secret alone: 48 bytes make 64 characters
			forged[len(forged)-1] = 'B'
		} else {
			forged[len(forged)-1] = 'A'
		}
		_, err = svc.AcceptInvitation(ctx, string(forged), "")
		wantCode(t, err, roster.CodeNotFound)

		// Accepted once: the user becomes active, through the console, as the invitee.
		who, err = svc.AcceptInvitation(ctx, second, "")
		if err != nil || who.User.Status != roster.StatusActive {
			t.Fatalf("accept: %+v, %v", who, err)
		}
		_, err = svc.AcceptInvitation(ctx, second, "")
		wantCode(t, err, roster.CodeConflict)
		entries, err := store.FindAuditEntries(ctx, roster.AuditFilter{OrgID: o.ID, TargetID: ada.ID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if a := entries.Entries[0]; a.Action != "user.accept_invitation" || a.ActorKind != "invitee" || a.Interface != roster.ViaConsole {
			t.Errorf("audit %+v", a)
		}
		if a := entries.Entries[1]; a.Action != "user.invite" || a.ActorID != "tok-cc_service" {
			t.Errorf("audit %+v", a)
		}
		_, err = svc.ResendInvitation(ctx, full, o.ID, ada.ID)
		wantCode(t, err, roster.CodeConflict)

		// An invitation expires after InvitationTTL.
		bo := mustCreate(t, svc, o, provision.NewUser{Email: "bo@acme.example"})
		var boMail *provision.OutboxEmail
		for _, m := range outbox(t, svc, full, o) {
			if m.UserID == bo.ID {
				boMail = m
			}
		}
		now.Add(int64(provision.InvitationTTL))
		_, err = svc.AcceptInvitation(ctx, secretOf(t, boMail), "")
		wantCode(t, err, roster.CodeConflict)
		// An administrator sets a console password when accepting.
		adm := mustCreate(t, svc, o, provision.NewUser{Email: "adm@acme.example"})
		if _, err := svc.UpdateUser(ctx, full, o.ID, adm.ID, provision.UserChange{AdminRole: ptr(roster.AdminFull)}, 0); err != nil {
			t.Fatal(err)
		}
		var admMail *provision.OutboxEmail
		for _, m := range outbox(t, svc, full, o) {
			if m.UserID == adm.ID {
				admMail = m
			}
		}
		who, err = svc.Invitation(ctx, secretOf(t, admMail))
		if err != nil || !who.NeedsPassword() {
			t.Fatalf("invitation of an administrator: %+v %v", who, err)
		}
		_, err = svc.AcceptInvitation(ctx, secretOf(t, admMail), "short")
		wantCode(t, err, roster.CodeInvalid)
		if who, err = svc.AcceptInvitation(ctx, secretOf(t, admMail), "a long enough password"); err != nil || who.User.Status != roster.StatusActive {
			t.Fatalf("accept with a password: %+v %v", who, err)
		}
		if h, err := store.FindConsolePassword(ctx, adm.ID); err != nil || !strings.HasPrefix(h, "pbkdf2-sha256$") {
			t.Errorf("stored password %q, %v", h, err)
		}
		if _, err := store.FindConsolePassword(ctx, ada.ID); roster.ErrorCode(err) != roster.CodeNotFound {
			t.Errorf("an agent has a console password: %v", err)
		}

		_, err = svc.Invitation(ctx, "not-a-secret")
		wantCode(t, err, roster.CodeNotFound)
		_, err = svc.ResendInvitation(ctx, admin(o, roster.AdminReadOnly), o.ID, bo.ID)
		wantCode(t, err, roster.CodeForbidden)
	})
}

// TestImportInvites: every user an import creates is invited, in the transaction of its row.
func TestImportInvites(t *testing.T) {
	t.Parallel()
	store := sqldbtest.Open(t, "sqlite")
	svc := provision.New(store)
	startWorker(t, store, svc, 0)
	o := newOrg(t, svc, "Acme", orgSpec{})
	task := importFile(t, svc, admin(o, roster.AdminFull), o, provision.ImportAdd, false,
		"Email,Preferred Language\na@acme.example,pl\nb@acme.example,\nbad,\n")
	if task.Counts.Created != 2 {
		t.Fatalf("import %s", counts(task.Counts))
	}
	mails := outbox(t, svc, system, o)
	if len(mails) != 2 || mails[0].To != "b@acme.example" || mails[0].Language != "en" || mails[1].Language != "pl" {
		t.Fatalf("outbox %+v", mails)
	}
}

// TestResendToAllPending: the task invites every pending user once, in pages, and no one else.
func TestResendToAllPending(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		store := sqldbtest.Open(t, engine)
		svc := provision.New(store)
		o := newOrg(t, svc, "Acme", orgSpec{})
		if _, err := svc.UpdateOrg(ctx, system, o.ID, provision.OrgChange{SendWelcomeEmail: ptr(false)}, 0); err != nil {
			t.Fatal(err)
		}
		full := admin(o, roster.AdminFull)
		const pending = 1203 // more than two pages
		users := make([]provision.NewUser, pending+1)
		for i := range users {
			users[i] = provision.NewUser{Email: fmt.Sprintf("u%04d@acme.example", i)}
		}
		if _, err := svc.CreateUsers(ctx, full, o.ID, users, 0); err != nil {
			t.Fatal(err)
		}
		active, _ := store.FindUserByEmail(ctx, "u0000@acme.example")
		if err := store.Write(ctx, func(tx roster.Tx) error {
			active.Status = roster.StatusActive
			return tx.UpdateUser(ctx, active)
		}); err != nil {
			t.Fatal(err)
		}
		task, err := svc.StartResendInvitations(ctx, admin(o, roster.AdminCCService), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.StartResendInvitations(ctx, full, o.ID)
		wantCode(t, err, roster.CodeConflict)
		_, err = svc.StartResendInvitations(ctx, admin(o, roster.AdminReadOnly), o.ID)
		wantCode(t, err, roster.CodeForbidden)
		startWorker(t, store, svc, 0)
		task = waitTask(t, svc, o, task.ID)
		if task.State != roster.TaskCompleted || task.Counts.Updated != pending || task.Progress.Done != pending || task.Progress.Total != pending {
			t.Fatalf("task %s %s, progress %+v", task.State, counts(task.Counts), task.Progress)
		}
		page, err := store.FindEmails(ctx, roster.EmailFilter{OrgID: o.ID, Limit: roster.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		n := 0
		for f := (roster.EmailFilter{OrgID: o.ID, Limit: roster.MaxPageSize}); ; {
			for _, e := range page.Emails {
				if seen[e.UserID] || e.UserID == active.ID {
					t.Fatalf("message %+v: twice, or to the active user", e)
				}
				seen[e.UserID] = true
				n++
			}
			if page.Next == "" {
				break
			}
			f.Before = page.Next
			if page, err = store.FindEmails(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		if n != pending {
			t.Fatalf("%d messages, want %d", n, pending)
		}
	})
}
