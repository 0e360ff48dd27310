package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	netmail "net/mail"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"roster"
	"roster/internal/mail"
	"roster/internal/outbox"
	"roster/internal/provision"
)

// invite: a CSV import of n new users into an organization that welcomes them, and the
// delivery of their n invitations to an SMTP server on 127.0.0.1 (go-smtp, in this process),
// timed from the upload until the server has received the last message.
func (b *bench) invite(ctx context.Context, runs, n int) {
	path := b.usersFile(n)
	var times []time.Duration
	for range runs {
		var received atomic.Int64
		addr, stop := startSMTP(&received)
		db := b.open(ctx, "invite", true)
		svc := provision.New(db, provision.WithBaseURL("https://roster.example.com"))
		o := newOrg(ctx, svc, "Invite")
		sender, err := mail.NewSender("smtp://"+addr, netmail.Address{Name: "Roster", Address: "roster@example.com"})
		if err != nil {
			log.Fatal(err)
		}
		dctx, stopDelivery := context.WithCancel(ctx)
		d := outbox.New(db, sender, outbox.Options{Poll: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
		done := make(chan struct{})
		go func() { defer close(done); _ = d.Run(dctx) }()

		start := time.Now()
		b.importFile(ctx, db, svc, o, path, roster.TaskCounts{Created: n})
		imported := time.Since(start)
		for received.Load() < int64(n) {
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(start)
		stopDelivery()
		<-done
		stop()
		_ = db.Close()
		times = append(times, elapsed)
		fmt.Printf("%-78s import %s, all delivered at %s\n", "", imported.Round(10*time.Millisecond), elapsed.Round(10*time.Millisecond))
	}
	report("import %d new users and deliver their invitations over SMTP (%s)", []any{n, b.engine}, times, "target < 30s")
}

// startSMTP runs an SMTP server on 127.0.0.1 that counts the messages it receives.
func startSMTP(received *atomic.Int64) (addr string, stop func()) {
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &countSession{n: received}, nil }))
	s.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	return ln.Addr().String(), func() { _ = s.Close() }
}

type countSession struct{ n *atomic.Int64 }

func (s *countSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *countSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *countSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.n.Add(1)
	return nil
}
func (s *countSession) Reset()        {}
func (s *countSession) Logout() error { return nil }
