package main

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	netmail "net/mail"
	"time"

	"roster"
	"roster/internal/mail"
	"roster/internal/mail/mailtest"
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
		mails, err := mailtest.Start(nil)
		if err != nil {
			log.Fatal(err)
		}
		db := b.open(ctx, "invite", true)
		svc := provision.New(db, provision.WithBaseURL("https://roster.example.com"))
		o := newOrg(ctx, svc, "Invite")
		sender, err := mail.NewSender("smtp://"+mails.Addr, netmail.Address{Name: "Roster", Address: "roster@example.com"})
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
		for mails.Count() < n {
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(start)
		stopDelivery()
		<-done
		mails.Close()
		_ = db.Close()
		times = append(times, elapsed)
		fmt.Printf("%-78s import %s, all delivered at %s\n", "", imported.Round(10*time.Millisecond), elapsed.Round(10*time.Millisecond))
	}
	report("import %d new users and deliver their invitations over SMTP (%s)", []any{n, b.engine}, times, "target < 30s")
}
