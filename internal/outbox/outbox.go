// Package outbox delivers the messages of the outbox: a Deliverer in every roster serve process
// claims queued messages whose time has come, renders them in their language, hands them to
// the mail server, and records how it went, retrying temporary failures with backoff.
//
// Delivery is at least once. A process killed after the mail server accepted a message and
// before the result was recorded leaves the message leased; when the lease expires another
// worker sends it again. Both copies carry the same Message-ID (the message's id), by which
// mail systems recognize the second as a duplicate. Nothing can make SMTP exactly-once: the
// acceptance and the record live in two systems.
package outbox

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"os"
	"sync"
	"time"

	"roster"
	"roster/internal/mail"
	"roster/internal/provision"
)

// Sender hands one message to a mail server; *mail.Sender is one. A failure that a later
// attempt may cure is a *mail.SendError with Temporary set.
type Sender interface {
	Send(ctx context.Context, m *mail.Message) error
}

// Options configures a Deliverer; zero fields take the defaults.
type Options struct {
	Owner string        // names this deliverer in leases; default hostname, pid and a random suffix
	Lease time.Duration // how long a claimed message stays with this deliverer; default 2 minutes
	Poll  time.Duration // how long to wait when nothing is due; default 1 second
	Batch int           // messages claimed at a time; default 50
	// Concurrency is how many messages of a batch are sent at once; default 4.
	Concurrency int
	// Backoff is the wait before each retry of a temporary failure: the first after the first
	// failure, and so on; after the last, the message fails for good. Default 1m, 5m, 15m, 1h,
	// 3h, 6h, 12h.
	Backoff []time.Duration
	Logger  *slog.Logger
	Clock   func() time.Time
	// Observer is told the outcome of every delivery attempt (the metrics of
	// internal/metrics). Default none.
	Observer Observer
}

// Observer watches the deliveries of a Deliverer. Its method must return at once and may be
// called from several goroutines.
type Observer interface {
	// EmailDelivered is called once the outcome of an attempt is recorded: sent, failed, or
	// still queued for a retry; queued is the time since the email was queued.
	EmailDelivered(state roster.EmailState, queued time.Duration)
}

type noObserver struct{}

func (noObserver) EmailDelivered(roster.EmailState, time.Duration) {}

// Store is what a Deliverer needs of the store: write transactions, in which it claims and
// saves messages (roster.EmailTx), and the organization and user a message is for.
type Store interface {
	roster.Writer
	roster.OrgReader
	roster.UserReader
}

// Deliverer sends the queued messages of a store.
type Deliverer struct {
	store  Store
	sender Sender
	opts   Options
	log    *slog.Logger
}

// New returns a Deliverer of the outbox of store through sender.
func New(store Store, sender Sender, opts Options) *Deliverer {
	if opts.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		opts.Owner = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Batch <= 0 {
		opts.Batch = 50
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Backoff == nil {
		opts.Backoff = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour,
			3 * time.Hour, 6 * time.Hour, 12 * time.Hour}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Observer == nil {
		opts.Observer = noObserver{}
	}
	return &Deliverer{store: store, sender: sender, opts: opts, log: opts.Logger.With("deliverer", opts.Owner)}
}

func (d *Deliverer) now() time.Time { return d.opts.Clock().UTC() }

// Run delivers until ctx is done, then returns nil. The messages being sent then are sent and
// recorded; the others it holds are released, for a deliverer of this or another process to
// claim at once. Messages of a deliverer that dies are left to their lease, and sent by
// another once it expires.
func (d *Deliverer) Run(ctx context.Context) error {
	defer d.release(ctx)
	for ctx.Err() == nil {
		n, err := d.DeliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Error("deliver emails", "err", err)
		}
		if n == d.opts.Batch && err == nil {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
		case <-time.After(d.opts.Poll):
		}
	}
	return nil
}

// releaseTimeout bounds the release of a stopping deliverer's messages: past it they wait for
// their lease instead.
const releaseTimeout = 5 * time.Second

// release gives up the messages this deliverer still holds, so that another claims them at once.
func (d *Deliverer) release(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	var n int
	err := d.store.Write(ctx, func(tx roster.Tx) error {
		var err error
		n, err = tx.ReleaseEmails(ctx, d.opts.Owner)
		return err
	})
	switch {
	case err != nil:
		d.log.Error("release emails, left to their lease", "err", err)
	case n > 0:
		d.log.Info("emails released to another deliverer", "emails", n)
	}
}

// DeliverDue claims one batch of due messages, sends them, and records each outcome. It
// returns how many it claimed. When ctx is done meanwhile, it sends no more messages of the
// batch, but those being sent are sent and recorded: cutting a send short could deliver a
// message without recording it, and it would go out twice. The rest stay leased (Run releases
// them).
func (d *Deliverer) DeliverDue(ctx context.Context) (int, error) {
	var batch []*roster.Email
	err := d.store.Write(ctx, func(tx roster.Tx) error {
		var err error
		batch, err = tx.ClaimEmails(ctx, d.opts.Owner, d.now(), d.opts.Lease, d.opts.Batch)
		return err
	})
	if err != nil {
		return 0, err
	}
	// The organizations' names, read once a batch rather than once a message.
	orgs := map[string]string{}
	for _, e := range batch {
		if _, ok := orgs[e.OrgID]; !ok {
			org, err := d.store.FindOrgByID(ctx, e.OrgID)
			if err != nil {
				return 0, err
			}
			orgs[e.OrgID] = org.Name
		}
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error // the first failure to record; the log has each
	)
	work := make(chan *roster.Email)
	sendCtx := context.WithoutCancel(ctx)
	for range min(d.opts.Concurrency, len(batch)) {
		wg.Go(func() {
			for e := range work {
				if err := d.deliver(sendCtx, e, orgs[e.OrgID]); err != nil {
					d.log.Error("deliver email", "email", e.ID, "err", err)
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
				}
			}
		})
	}
dispatch:
	for _, e := range batch {
		select {
		case work <- e:
		case <-ctx.Done():
			break dispatch
		}
	}
	close(work)
	wg.Wait()
	return len(batch), first
}

// deliver sends one claimed message and records the outcome. Only a failure to record is
// returned: a failure to send is the message's outcome.
func (d *Deliverer) deliver(ctx context.Context, e *roster.Email, orgName string) error {
	msg, refusal, err := d.render(ctx, e, orgName)
	if err != nil {
		return err
	}
	e.Attempts++
	switch {
	case refusal != "":
		e.State, e.LastError = roster.EmailFailed, refusal
	default:
		err := d.sender.Send(ctx, msg)
		var se *mail.SendError
		switch {
		case err == nil:
			e.State, e.SentAt, e.LastError = roster.EmailSent, d.now(), ""
		case errors.As(err, &se) && se.Temporary && e.Attempts <= len(d.opts.Backoff):
			e.LastError = err.Error()
			e.NextAttemptAt = d.now().Add(d.opts.Backoff[e.Attempts-1])
		default:
			e.State, e.LastError = roster.EmailFailed, err.Error()
		}
	}
	if e.State != roster.EmailQueued {
		// The link lets anyone accept the account, and nobody needs it any more: it leaves the
		// database in the transaction that records the message sent or failed. (A queued
		// message keeps it: a retry, or a deliverer taking over after a crash, sends the same
		// link again.)
		e.Link = ""
	}
	if err := d.store.Write(ctx, func(tx roster.Tx) error { return tx.SaveEmail(ctx, e, d.opts.Owner) }); err != nil {
		return err
	}
	d.opts.Observer.EmailDelivered(e.State, d.now().Sub(e.CreatedAt))
	return nil
}

// render builds the message of e for organization orgName. A message that must not go out any
// more comes back as a refusal: its user was deleted, or accepted an invitation meanwhile.
func (d *Deliverer) render(ctx context.Context, e *roster.Email, orgName string) (*mail.Message, string, error) {
	u, err := d.store.FindUserByID(ctx, e.OrgID, e.UserID)
	switch {
	case roster.ErrorCode(err) == roster.CodeNotFound:
		return nil, "Not sent: the user was deleted.", nil
	case err != nil:
		return nil, "", err
	case e.Kind == roster.EmailInvitation && u.Status != roster.StatusPending:
		return nil, "Not sent: the user has already accepted an invitation.", nil
	case e.Kind == roster.EmailInvitation && e.Link == "":
		return nil, "Not sent: the message has no link any more.", nil
	}
	subject, text, html, err := provision.RenderEmail(orgName, e)
	if err != nil {
		return nil, "", fmt.Errorf("render email %s: %w", e.ID, err)
	}
	return &mail.Message{To: netmail.Address{Name: e.ToName, Address: e.To}, Subject: subject, Text: text, HTML: html,
		ID: e.ID}, "", nil
}
