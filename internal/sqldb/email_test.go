package sqldb_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"roster"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

func newEmail(org *roster.Org, userID string, due time.Time) *roster.Email {
	return &roster.Email{ID: roster.NewID(), OrgID: org.ID, UserID: userID, Kind: roster.EmailInvitation,
		To: userID + "@example.com", ToName: "Åsa Öberg", Language: "sv", Link: "http://x/invite/" + userID,
		State: roster.EmailQueued, NextAttemptAt: due, CreatedAt: due, ExpiresAt: due.Add(7 * 24 * time.Hour)}
}

func TestOutbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org, other := mustCreateOrg(t, db, "Acme"), mustCreateOrg(t, db, "Other")
		now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
		var emails []*roster.Email
		for i := range 5 {
			emails = append(emails, newEmail(org, fmt.Sprintf("u%d", i), now.Add(time.Duration(i)*time.Minute)))
		}
		theirs := newEmail(other, "o1", now)
		write(t, db, func(tx roster.Tx) error { return tx.CreateEmails(ctx, append(emails, theirs)) })

		page, err := db.FindEmails(ctx, roster.EmailFilter{OrgID: org.ID, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Emails) != 3 || page.Emails[0].ID != emails[4].ID || page.Next != emails[2].ID {
			t.Fatalf("first page %+v next %s", page.Emails, page.Next)
		}
		wantEqual(t, page.Emails[0], emails[4])
		page, err = db.FindEmails(ctx, roster.EmailFilter{OrgID: org.ID, UserID: "u1"})
		if err != nil || len(page.Emails) != 1 || page.Emails[0].ID != emails[1].ID {
			t.Fatalf("by user: %+v %v", page, err)
		}

		claim := func(owner string, at time.Time, limit int) []*roster.Email {
			t.Helper()
			var got []*roster.Email
			write(t, db, func(tx roster.Tx) error {
				var err error
				got, err = tx.ClaimEmails(ctx, owner, at, time.Minute, limit)
				return err
			})
			return got
		}
		// Due at now+2m: the first three of Acme and Other's one; two workers share them.
		first := claim("w1", now.Add(2*time.Minute), 2)
		second := claim("w2", now.Add(2*time.Minute), 10)
		if len(first) != 2 || len(second) != 2 {
			t.Fatalf("claimed %d and %d, want 2 and 2", len(first), len(second))
		}
		seen := map[string]bool{}
		for _, e := range append(first, second...) {
			if seen[e.ID] {
				t.Fatalf("message %s claimed twice", e.ID)
			}
			seen[e.ID] = true
		}
		if got := claim("w3", now.Add(2*time.Minute), 10); len(got) != 0 {
			t.Fatalf("claimed %d leased messages", len(got))
		}

		// A sent message is never claimed again; a lease that expired is taken over.
		sent := first[0]
		sent.State, sent.Attempts, sent.SentAt = roster.EmailSent, 1, now.Add(2*time.Minute)
		write(t, db, func(tx roster.Tx) error { return tx.SaveEmail(ctx, sent, "w1") })
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.SaveEmail(ctx, sent, "w2") })
		wantCode(t, err, roster.CodeConflict)
		later := claim("w3", now.Add(4*time.Minute), 10)
		if len(later) != 5 { // first[1], second's two, and the two that came due
			t.Fatalf("after the leases expired: %d claimed, want 5", len(later))
		}
		for _, e := range later {
			if e.ID == sent.ID {
				t.Fatal("a sent message was claimed again")
			}
		}

		// Invitations: found by id, accepted once, deleted on resend.
		hash := sha256.Sum256([]byte("secret"))
		inv := &roster.Invitation{ID: roster.NewID(), SecretHash: hash[:], OrgID: org.ID, UserID: "u1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		write(t, db, func(tx roster.Tx) error { return tx.CreateInvitations(ctx, []*roster.Invitation{inv}) })
		got, err := db.FindInvitation(ctx, inv.ID)
		if err != nil || got.UserID != "u1" || string(got.SecretHash) != string(hash[:]) || !got.ExpiresAt.Equal(inv.ExpiresAt) || !got.AcceptedAt.IsZero() {
			t.Fatalf("invitation %+v, %v", got, err)
		}
		write(t, db, func(tx roster.Tx) error { return tx.AcceptInvitation(ctx, inv.ID, now) })
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.AcceptInvitation(ctx, inv.ID, now) })
		wantCode(t, err, roster.CodeConflict)
		write(t, db, func(tx roster.Tx) error { return tx.DeleteInvitations(ctx, "u1") })
		_, err = db.FindInvitation(ctx, inv.ID)
		wantCode(t, err, roster.CodeNotFound)
	})
}

// TestEmailLinks: a message keeps its link as SaveEmail records it, and CancelEmails fails a
// user's queued messages, drops their links and takes them from their deliverer.
func TestEmailLinks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org := mustCreateOrg(t, db, "Acme")
		now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
		sent, ada1, ada2, bo := newEmail(org, "s1", now), newEmail(org, "ada", now), newEmail(org, "ada", now), newEmail(org, "bo", now)
		write(t, db, func(tx roster.Tx) error { return tx.CreateEmails(ctx, []*roster.Email{sent, ada1, ada2, bo}) })
		var claimed []*roster.Email
		write(t, db, func(tx roster.Tx) error {
			var err error
			claimed, err = tx.ClaimEmails(ctx, "w1", now, time.Minute, 10)
			return err
		})
		if len(claimed) != 4 {
			t.Fatalf("claimed %d", len(claimed))
		}
		sent.State, sent.Attempts, sent.SentAt, sent.Link = roster.EmailSent, 1, now, ""
		write(t, db, func(tx roster.Tx) error { return tx.SaveEmail(ctx, sent, "w1") })
		write(t, db, func(tx roster.Tx) error { return tx.CancelEmails(ctx, "ada", "Not sent: replaced.") })

		page, err := db.FindEmails(ctx, roster.EmailFilter{OrgID: org.ID})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*roster.Email{}
		for _, e := range page.Emails {
			got[e.ID] = e
		}
		if e := got[sent.ID]; e.State != roster.EmailSent || e.Link != "" {
			t.Errorf("sent: %s %q", e.State, e.Link)
		}
		for _, id := range []string{ada1.ID, ada2.ID} {
			if e := got[id]; e.State != roster.EmailFailed || e.Link != "" || e.LastError != "Not sent: replaced." || e.LeaseOwner != "" {
				t.Errorf("canceled: %+v", e)
			}
		}
		if e := got[bo.ID]; e.State != roster.EmailQueued || e.Link != bo.Link {
			t.Errorf("another user's: %s %q", e.State, e.Link)
		}
		// The deliverer of a canceled message cannot record it queued again, with its link.
		ada1.LastError, ada1.Attempts = "4.2.2 mailbox full", 1
		err = db.Write(ctx, func(tx roster.Tx) error { return tx.SaveEmail(ctx, ada1, "w1") })
		wantCode(t, err, roster.CodeConflict)
	})
}

// TestMigrationDropsSentLinks: the migration drops the links that messages sent or failed
// before it still held, and keeps those of queued messages.
func TestMigrationDropsSentLinks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			db, cfg := sqldbtest.OpenWithConfig(t, engine)
			org := mustCreateOrg(t, db, "Acme")
			now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
			sent, failed, queued := newEmail(org, "s", now), newEmail(org, "f", now), newEmail(org, "q", now)
			sent.State, failed.State = roster.EmailSent, roster.EmailFailed
			write(t, db, func(tx roster.Tx) error { return tx.CreateEmails(ctx, []*roster.Email{sent, failed, queued}) })
			// As a database of the release before: the migration not applied yet.
			raw := sqldbtest.Raw(t, cfg)
			if _, err := raw.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = 12`); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for _, e := range []*roster.Email{sent, failed, queued} {
				var link string
				q := `SELECT link FROM emails WHERE id = '` + e.ID + `'`
				if err := raw.QueryRowContext(ctx, q).Scan(&link); err != nil {
					t.Fatal(err)
				}
				if want := map[roster.EmailState]string{roster.EmailQueued: e.Link}[e.State]; link != want {
					t.Errorf("%s message: link %q, want %q", e.State, link, want)
				}
			}
		})
	}
}
