package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	netmail "net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"roster"
	"roster/internal/mail"
	"roster/internal/mail/mailtest"
	"roster/internal/outbox"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// startSMTP runs a mail server until the test ends.
func startSMTP(t *testing.T, reply func(to string) error) *mailtest.Server {
	t.Helper()
	srv, err := mailtest.Start(reply)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func eachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	t.Helper()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fn(t, engine)
		})
	}
}

func TestDelivery(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		var now atomic.Int64
		now.Store(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC).UnixNano())
		clock := func() time.Time { return time.Unix(0, now.Load()) }
		store := sqldbtest.Open(t, engine)
		svc := provision.New(store, provision.WithClock(clock), provision.WithBaseURL("https://roster.example.com"))
		sys := provision.System(roster.ViaCLI)
		name := "Acme"
		o, err := svc.CreateOrg(ctx, sys, provision.OrgChange{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		var busy atomic.Int32 // the first two tries for busy@ meet a full mailbox
		srv := startSMTP(t, func(to string) error {
			switch {
			case strings.HasPrefix(to, "busy@") && busy.Add(1) <= 2:
				return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "Mailbox full, try later"}
			case strings.HasPrefix(to, "nobody@"):
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
			}
			return nil
		})
		for _, u := range []provision.NewUser{
			{Email: "ada@acme.example", FirstName: "Åsa", PreferredLanguage: "sv"},
			{Email: "busy@acme.example"}, {Email: "nobody@acme.example"}, {Email: "gone@acme.example"},
		} {
			if _, err := svc.CreateUser(ctx, sys, o.ID, u); err != nil {
				t.Fatal(err)
			}
		}
		gone, _ := store.FindUserByEmail(ctx, "gone@acme.example")
		if err := svc.DeleteUser(ctx, sys, o.ID, gone.ID, 0); err != nil {
			t.Fatal(err)
		}
		sender, err := mail.NewSender("smtp://"+srv.Addr, netmail.Address{Name: "Roster", Address: "roster@acme.example"})
		if err != nil {
			t.Fatal(err)
		}
		obs := &outcomes{}
		d := outbox.New(store, sender, outbox.Options{Owner: "d1", Clock: clock, Logger: slog.New(slog.DiscardHandler),
			Backoff: []time.Duration{time.Minute, time.Minute}, Observer: obs})
		state := func(email string) *roster.Email {
			t.Helper()
			u, err := store.FindUserByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			page, err := store.FindEmails(ctx, roster.EmailFilter{OrgID: o.ID, UserID: u.ID})
			if err != nil || len(page.Emails) != 1 {
				t.Fatalf("emails of %s: %v %v", email, page, err)
			}
			return page.Emails[0]
		}

		if n, err := d.DeliverDue(ctx); n != 4 || err != nil {
			t.Fatalf("first round: %d claimed, %v", n, err)
		}
		msgs := srv.Received("ada@acme.example")
		if len(msgs) != 1 {
			t.Fatalf("ada got %d messages", len(msgs))
		}
		m, err := netmail.ReadMessage(bytes.NewReader(msgs[0]))
		if err != nil {
			t.Fatal(err)
		}
		ada := state("ada@acme.example")
		if dec, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); !strings.Contains(dec, "Acme") ||
			!strings.Contains(m.Header.Get("Message-Id"), ada.ID) {
			t.Errorf("headers %v", m.Header)
		}
		if body, _ := io.ReadAll(m.Body); !bytes.Contains(body, []byte("roster.example.com/invite/")) {
			t.Errorf("no link in the message:\n%s", body)
		}
		if ada.State != roster.EmailSent || ada.Attempts != 1 || ada.SentAt.IsZero() {
			t.Errorf("ada's message %+v", ada)
		}
		if e := state("nobody@acme.example"); e.State != roster.EmailFailed || !strings.Contains(e.LastError, "No such user here") {
			t.Errorf("a refused address: %+v", e)
		}
		busyMail := state("busy@acme.example")
		if busyMail.State != roster.EmailQueued || busyMail.Attempts != 1 || !strings.Contains(busyMail.LastError, "Mailbox full") {
			t.Errorf("a temporary failure: %+v", busyMail)
		}
		// The link, which accepts the account, leaves the database with the message; a retry
		// still needs it.
		if ada.Link != "" || state("nobody@acme.example").Link != "" || busyMail.Link == "" {
			t.Errorf("links after the first round: sent %q, failed %q, to retry %q", ada.Link, state("nobody@acme.example").Link, busyMail.Link)
		}

		// Not due yet; then due, full again; then delivered on the third try.
		if n, _ := d.DeliverDue(ctx); n != 0 {
			t.Fatalf("%d claimed before the backoff", n)
		}
		for range 2 {
			now.Add(int64(time.Minute))
			if n, err := d.DeliverDue(ctx); n != 1 || err != nil {
				t.Fatalf("retry: %d claimed, %v", n, err)
			}
		}
		if e := state("busy@acme.example"); e.State != roster.EmailSent || e.Attempts != 3 || e.Link != "" {
			t.Errorf("after the retries: %+v", e)
		}
		if len(srv.Received("busy@acme.example")) != 1 || len(srv.Received("ada@acme.example")) != 1 {
			t.Error("a message was sent twice")
		}
		// The deleted user's invitation is not sent.
		page, err := store.FindEmails(ctx, roster.EmailFilter{OrgID: o.ID, UserID: gone.ID})
		if err != nil || len(page.Emails) != 1 || page.Emails[0].State != roster.EmailFailed ||
			len(srv.Received("gone@acme.example")) != 0 {
			t.Errorf("the deleted user's message: %+v %v", page, err)
		}
		// The observer was told every attempt, and how long the sent ones waited: busy@ two
		// minutes, through its two retries.
		obs.mu.Lock()
		defer obs.mu.Unlock()
		want := map[roster.EmailState]int{roster.EmailSent: 2, roster.EmailFailed: 2, roster.EmailQueued: 2}
		if len(obs.count) != len(want) || obs.count[roster.EmailSent] != 2 || obs.count[roster.EmailFailed] != 2 ||
			obs.count[roster.EmailQueued] != 2 || obs.sentWait != 2*time.Minute {
			t.Errorf("observed %v, sent after %v in all; want %v and 2m0s", obs.count, obs.sentWait, want)
		}
	})
}

// outcomes is an Observer that counts the outcomes of deliveries.
type outcomes struct {
	mu       sync.Mutex
	count    map[roster.EmailState]int
	sentWait time.Duration // the sum over sent messages
}

func (o *outcomes) EmailDelivered(state roster.EmailState, queued time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.count == nil {
		o.count = map[roster.EmailState]int{}
	}
	o.count[state]++
	if state == roster.EmailSent {
		o.sentWait += queued
	}
}

// dyingSender sends, then its process dies before the deliverer can record it, as with kill -9:
// the store is reached no more.
type dyingSender struct {
	outbox.Sender
	dead *atomic.Bool
}

func (s dyingSender) Send(ctx context.Context, m *mail.Message) error {
	err := s.Sender.Send(ctx, m)
	s.dead.Store(true)
	return err
}

// dyingStore is a store that a process reaches until it dies.
type dyingStore struct {
	outbox.Store
	dead *atomic.Bool
}

func (s dyingStore) Write(ctx context.Context, fn func(tx roster.Tx) error) error {
	if s.dead.Load() {
		return errors.New("the process is dead")
	}
	return s.Store.Write(ctx, fn)
}

// blockingSender sends each message once the test lets it, telling the test when it began.
type blockingSender struct {
	outbox.Sender
	began chan<- string
	go_   <-chan struct{}
}

func (s blockingSender) Send(ctx context.Context, m *mail.Message) error {
	s.began <- m.To.Address
	<-s.go_
	return s.Sender.Send(ctx, m)
}

// TestStopReleases: a deliverer that stops sends and records the message it is sending, and
// releases the others of its batch, which another deliverer claims at once, long before their
// lease would end.
func TestStopReleases(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		var now atomic.Int64
		now.Store(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC).UnixNano())
		clock := func() time.Time { return time.Unix(0, now.Load()) }
		store := sqldbtest.Open(t, engine)
		svc := provision.New(store, provision.WithClock(clock))
		sys := provision.System(roster.ViaCLI)
		name := "Acme"
		o, err := svc.CreateOrg(ctx, sys, provision.OrgChange{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"a@acme.example", "b@acme.example", "c@acme.example"} {
			if _, err := svc.CreateUser(ctx, sys, o.ID, provision.NewUser{Email: email}); err != nil {
				t.Fatal(err)
			}
		}
		srv := startSMTP(t, nil)
		sender, err := mail.NewSender("smtp://"+srv.Addr, netmail.Address{Address: "roster@acme.example"})
		if err != nil {
			t.Fatal(err)
		}
		quiet := slog.New(slog.DiscardHandler)
		began, proceed := make(chan string, 3), make(chan struct{})
		first := outbox.New(store, blockingSender{Sender: sender, began: began, go_: proceed},
			outbox.Options{Owner: "d1", Clock: clock, Logger: quiet, Concurrency: 1, Poll: time.Hour})
		stopCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- first.Run(stopCtx) }()
		sending := <-began
		stop()
		close(proceed)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := srv.Received(sending); len(got) != 1 {
			t.Fatalf("the message being sent at the stop went out %d times, want 1", len(got))
		}
		// The clock has not moved: only the release lets another deliverer claim the rest.
		second := outbox.New(store, sender, outbox.Options{Owner: "d2", Clock: clock, Logger: quiet})
		if n, err := second.DeliverDue(ctx); n != 2 || err != nil {
			t.Fatalf("after the stop: %d claimed, %v; want the 2 released", n, err)
		}
		page, err := store.FindEmails(ctx, roster.EmailFilter{OrgID: o.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Emails {
			if e.State != roster.EmailSent || e.Attempts != 1 || len(srv.Received(e.To)) != 1 {
				t.Errorf("%s: %s after %d attempts, %d copies; want sent once", e.To, e.State, e.Attempts, len(srv.Received(e.To)))
			}
		}
	})
}

// TestCrashBetweenSendAndRecord proves the documented window of at-least-once delivery: a
// message accepted by the mail server but not recorded is sent again once its lease expires,
// with the same Message-ID, so that mail systems can drop the copy.
func TestCrashBetweenSendAndRecord(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		var now atomic.Int64
		now.Store(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC).UnixNano())
		clock := func() time.Time { return time.Unix(0, now.Load()) }
		store := sqldbtest.Open(t, engine)
		svc := provision.New(store, provision.WithClock(clock))
		sys := provision.System(roster.ViaCLI)
		name := "Acme"
		o, err := svc.CreateOrg(ctx, sys, provision.OrgChange{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateUser(ctx, sys, o.ID, provision.NewUser{Email: "ada@acme.example"}); err != nil {
			t.Fatal(err)
		}
		srv := startSMTP(t, nil)
		sender, err := mail.NewSender("smtp://"+srv.Addr, netmail.Address{Address: "roster@acme.example"})
		if err != nil {
			t.Fatal(err)
		}
		quiet := slog.New(slog.DiscardHandler)
		dead := new(atomic.Bool)
		first := outbox.New(dyingStore{Store: store, dead: dead}, dyingSender{Sender: sender, dead: dead},
			outbox.Options{Owner: "d1", Clock: clock, Logger: quiet})
		if n, _ := first.DeliverDue(ctx); n != 1 {
			t.Fatalf("%d claimed", n)
		}
		second := outbox.New(store, sender, outbox.Options{Owner: "d2", Clock: clock, Logger: quiet})
		if n, _ := second.DeliverDue(ctx); n != 0 {
			t.Fatal("a message was claimed while its lease held")
		}
		now.Add(int64(3 * time.Minute)) // past the 2-minute lease
		if n, err := second.DeliverDue(ctx); n != 1 || err != nil {
			t.Fatalf("after the lease: %d claimed, %v", n, err)
		}
		copies := srv.Received("ada@acme.example")
		if len(copies) != 2 {
			t.Fatalf("%d copies, want 2 (at least once)", len(copies))
		}
		id := func(b []byte) string {
			m, err := netmail.ReadMessage(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			return m.Header.Get("Message-Id")
		}
		if id(copies[0]) == "" || id(copies[0]) != id(copies[1]) {
			t.Errorf("Message-IDs %q and %q, want the same", id(copies[0]), id(copies[1]))
		}
		page, err := store.FindEmails(ctx, roster.EmailFilter{OrgID: o.ID})
		if err != nil || page.Emails[0].State != roster.EmailSent || page.Emails[0].Attempts != 1 {
			t.Fatalf("recorded %+v, %v", page.Emails[0], err)
		}
	})
}
