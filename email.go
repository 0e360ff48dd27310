package roster

import "time"

// Email is a message of the outbox: written in the transaction of the change that causes it,
// delivered later by a worker, and kept with how its delivery went. Its text is rendered from
// its kind when it is sent or shown, in its language.
type Email struct {
	ID     string // time-ordered: the outbox lists newest first by id
	OrgID  string
	UserID string
	Kind   EmailKind
	// To and ToName are the recipient as they were when the message was written.
	To       string
	ToName   string
	Language Language
	// Link is the link the message carries (an invitation's accept link, with its secret). It
	// is kept only while the message is queued: it lets anyone accept the account, so a message
	// that was sent or failed holds none.
	Link          string
	State         EmailState
	Attempts      int
	NextAttemptAt time.Time // when a worker may try (again); a queued message only
	// LastError is the last failure, with the mail server's reply when there was one.
	LastError string
	CreatedAt time.Time
	SentAt    time.Time // zero until sent
	ExpiresAt time.Time // of the invitation the message carries
	// LeaseOwner and LeaseUntil name the worker delivering the message, so that two workers
	// never send it at the same time.
	LeaseOwner string
	LeaseUntil time.Time
}

// EmailKind is what a message is for.
type EmailKind string

// Kinds of email.
const (
	EmailInvitation EmailKind = "invitation"
)

// EmailState is where a message is in its delivery.
type EmailState string

// States of a message: queued until a worker sends it (or forever when no mail server is
// configured), then sent, or failed for good with the reason.
const (
	EmailQueued EmailState = "queued"
	EmailSent   EmailState = "sent"
	EmailFailed EmailState = "failed"
)

// Valid reports whether s is a known state.
func (s EmailState) Valid() bool {
	return s == EmailQueued || s == EmailSent || s == EmailFailed
}

// Invitation lets the person of a pending user accept their account, once, until it expires.
// Only a hash of its secret is stored; the id and the secret are in the message's link.
type Invitation struct {
	ID         string
	SecretHash []byte
	OrgID      string
	UserID     string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt time.Time // zero until accepted
}

// EmailFilter selects a page of an organization's outbox, newest first.
type EmailFilter struct {
	OrgID  string
	UserID string     // "" for every user
	State  EmailState // "" for every state
	Limit  int
	Before string // the id of the last message of the previous page
}

// EmailPage is one page of the outbox.
type EmailPage struct {
	Emails []*Email
	Next   string
}
