package e2e

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	netmail "net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"roster/internal/sqldb/sqldbtest"
)

// TestInvitationByEmail runs the binary with a mail server: a user added through the CLI gets
// an invitation over SMTP, and its link, opened as a person would, activates the user once.
func TestInvitationByEmail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	t.Parallel()
	bin := build(t)
	mails := &mailbox{}
	smtpAddr := mails.start(t)
	db := dbFlags(sqldbtest.Config(t, "sqlite"))
	addr := freeAddr(t)
	srv := start(t, bin, addr, append(db, "--smtp-url", "smtp://"+smtpAddr, "--mail-from", "Roster <roster@example.com>"))
	if !strings.Contains(srv.output(), "Mail: sent through smtp://"+smtpAddr) {
		t.Errorf("serve does not say where mail goes:\n%s", srv.output())
	}
	c := &cli{t: t, bin: bin, server: "http://" + addr}
	c.token = c.run(append([]string{"token", "create", "--system"}, db...)...)
	var org struct{ ID string }
	c.runJSON(&org, "orgs", "create", "--name", "Acme", "--language", "es", "--json")
	c.run("users", "add", "--org", org.ID, "ana@example.com", "--first-name", "Ana")

	msg := mails.wait(t, "ana@example.com", 30*time.Second)
	m, err := netmail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	// The parts are quoted-printable, which wraps long lines such as the link's.
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	link := regexp.MustCompile(`http://[^\s"<]+/invite/[A-Za-z0-9_-]+`).Find(body)
	if link == nil {
		t.Fatalf("no invitation link in the message:\n%s", body)
	}
	if got := m.Header.Get("From"); !strings.Contains(got, "roster@example.com") {
		t.Errorf("From %q", got)
	}
	resp, err := http.Post(string(link), "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Tu cuenta está activa") {
		t.Fatalf("accept: %d\n%s", resp.StatusCode, page)
	}
	if out := c.run("users", "get", "--org", org.ID, "ana@example.com"); !strings.Contains(out, "active") {
		t.Errorf("the user is not active:\n%s", out)
	}
	if resp, err := http.Post(string(link), "application/x-www-form-urlencoded", nil); err != nil || resp.StatusCode != http.StatusGone {
		t.Errorf("a second accept: %v %v", resp.StatusCode, err)
	}
	if out := c.run("invitations", "list", "--org", org.ID); !strings.Contains(out, "sent") {
		t.Errorf("the outbox does not show the message sent:\n%s", out)
	}
}

// mailbox is an SMTP server on 127.0.0.1 that keeps the messages it receives.
type mailbox struct {
	mu   sync.Mutex
	msgs map[string][]byte
}

func (mb *mailbox) start(t *testing.T) string {
	t.Helper()
	mb.msgs = map[string][]byte{}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailboxSession{mb: mb}, nil }))
	s.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close(); _ = ln.Close(); <-done })
	return ln.Addr().String()
}

func (mb *mailbox) wait(t *testing.T, to string, d time.Duration) []byte {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		mb.mu.Lock()
		m := mb.msgs[to]
		mb.mu.Unlock()
		if m != nil {
			return m
		}
	}
	t.Fatalf("no message to %s within %s", to, d)
	return nil
}

type mailboxSession struct {
	mb *mailbox
	to []string
}

func (s *mailboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *mailboxSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.mb.mu.Lock()
	defer s.mb.mu.Unlock()
	for _, to := range s.to {
		s.mb.msgs[to] = b
	}
	return nil
}
func (s *mailboxSession) Reset()        { s.to = nil }
func (s *mailboxSession) Logout() error { return nil }
