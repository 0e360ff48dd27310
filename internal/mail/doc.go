// Package mail builds and delivers Roster's email: it composes well-formed, injection-safe
// MIME messages (Message), renders the invitation email in the supported languages from
// embedded templates (Invitation), and hands a message to an SMTP server (Sender), reporting
// whether a failure is temporary or permanent together with the server's reply.
//
// The package delivers one message per call and keeps no state. The durable outbox that stores
// messages, retries temporary failures with backoff and records permanent ones lives elsewhere
// and calls this package.
package mail
