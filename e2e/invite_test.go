package e2e

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"net/http"
	netmail "net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"roster/internal/mail/mailtest"
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
	mails, err := mailtest.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mails.Close)
	smtpAddr := mails.Addr
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

	msg := waitMail(t, mails, "ana@example.com", 30*time.Second)
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

// waitMail waits for a message to to, and returns the first.
func waitMail(t *testing.T, srv *mailtest.Server, to string, d time.Duration) []byte {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if msgs := srv.Received(to); len(msgs) > 0 {
			return msgs[0]
		}
	}
	t.Fatalf("no message to %s within %s", to, d)
	return nil
}
