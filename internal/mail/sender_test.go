package mail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

var (
	testFrom = mail.Address{Name: "Åsa Öberg", Address: "asa@roster.example"}
	testTo   = mail.Address{Name: "Łukasz Wąs", Address: "lukasz@customer.example"}
)

func smtpURL(scheme, addr string, user *url.Userinfo, query string) string {
	u := url.URL{Scheme: scheme, User: user, Host: addr, RawQuery: query}
	return u.String()
}

func newTestSender(t *testing.T, rawURL string, opts ...Option) *Sender {
	t.Helper()
	opts = append([]Option{WithTLSConfig(clientTLS(t)), WithTimeout(10 * time.Second)}, opts...)
	s, err := NewSender(rawURL, testFrom, opts...)
	if err != nil {
		t.Fatalf("NewSender(%q): %v", rawURL, err)
	}
	return s
}

// parsed is a received message taken apart with net/mail and mime/multipart.
type parsed struct {
	header mail.Header
	text   string
	html   string
}

func parseMessage(t *testing.T, data []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, data)
	}
	p := parsed{header: msg.Header}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		if got := part.Header.Get("Content-Transfer-Encoding"); got != "quoted-printable" {
			t.Fatalf("Content-Transfer-Encoding = %q", got)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(part))
		if err != nil {
			t.Fatalf("decode quoted-printable: %v", err)
		}
		ct := part.Header.Get("Content-Type")
		types = append(types, ct)
		switch ct {
		case "text/plain; charset=utf-8":
			p.text = string(body)
		case "text/html; charset=utf-8":
			p.html = string(body)
		}
	}
	if len(types) != 2 || !strings.HasPrefix(types[0], "text/plain") || !strings.HasPrefix(types[1], "text/html") {
		t.Fatalf("parts = %q, want text/plain then text/html", types)
	}
	return p
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func TestSendDeliversIntact(t *testing.T) {
	t.Parallel()
	subject, text, html, err := Invitation("pl", InvitationData{
		OrgName:   "Zażółć Gęślą Jaźń Sp. z o.o.",
		FirstName: "Łukasz",
		Email:     testTo.Address,
		Link:      "https://roster.example/invite/abc?token=x&lang=pl",
		ExpiresAt: time.Date(2026, 11, 29, 14, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	// Lines that stress the transfer encoding: dot-stuffing, a "From " line, "=", trailing
	// spaces, a line longer than 76 characters, no final newline.
	text += ".\n..leading dots\nFrom the start\na=b =?utf-8?q?x?=\ntrailing   \n" +
		strings.Repeat("long ŁąÅö ", 20)
	m := &Message{From: testFrom, To: testTo, Subject: subject, Text: text, HTML: html, ID: "outbox-42"}

	ts := startServer(t, serverConfig{startTLS: true})
	s := newTestSender(t, smtpURL("smtp", ts.addr, url.UserPassword(testUser, testPassword), ""))
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}

	msgs := ts.messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(msgs))
	}
	r := msgs[0]
	if !r.tls || r.authed != testUser || r.from != testFrom.Address ||
		len(r.to) != 1 || r.to[0] != testTo.Address {
		t.Errorf("envelope: tls=%v authed=%q from=%q to=%q", r.tls, r.authed, r.from, r.to)
	}
	p := parseMessage(t, r.data)
	if p.text != crlf(text) {
		t.Errorf("text part differs:\n got %q\nwant %q", p.text, crlf(text))
	}
	if p.html != crlf(html) {
		t.Errorf("HTML part differs:\n got %q\nwant %q", p.html, crlf(html))
	}
	var dec mime.WordDecoder
	if got, err := dec.DecodeHeader(p.header.Get("Subject")); err != nil || got != subject {
		t.Errorf("Subject = %q (%v), want %q", got, err, subject)
	}
	for field, want := range map[string]mail.Address{"From": testFrom, "To": testTo} {
		got, err := p.header.AddressList(field)
		if err != nil || len(got) != 1 || *got[0] != want {
			t.Errorf("%s = %v (%v), want %v", field, got, err, want)
		}
	}
	if got := p.header.Get("Message-ID"); got != "<outbox-42@roster.example>" {
		t.Errorf("Message-ID = %q", got)
	}
	if _, err := p.header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if got := p.header.Get("MIME-Version"); got != "1.0" {
		t.Errorf("MIME-Version = %q", got)
	}
}

func TestSendTLSModes(t *testing.T) {
	t.Parallel()
	auth := url.UserPassword(testUser, testPassword)
	tests := []struct {
		name     string
		server   serverConfig
		scheme   string
		query    string
		wantTLS  bool
		wantFail bool
	}{
		{name: "STARTTLS used when offered", server: serverConfig{startTLS: true}, scheme: "smtp", wantTLS: true},
		{name: "STARTTLS required and offered", server: serverConfig{startTLS: true}, scheme: "smtp", query: "tls=required", wantTLS: true},
		{name: "plain text when STARTTLS not offered", scheme: "smtp", wantTLS: false},
		{name: "tls=required refuses a server without STARTTLS", scheme: "smtp", query: "tls=required", wantFail: true},
		{name: "smtps", server: serverConfig{implicitTLS: true}, scheme: "smtps", wantTLS: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, tt.server)
			s := newTestSender(t, smtpURL(tt.scheme, ts.addr, auth, tt.query))
			err := s.Send(context.Background(), &Message{To: testTo, Subject: "Hi", Text: "text", HTML: "<p>html</p>"})
			msgs := ts.messages()
			if tt.wantFail {
				var se *SendError
				if !errors.As(err, &se) || se.Temporary || !strings.Contains(err.Error(), "STARTTLS") {
					t.Fatalf("Send = %v, want a permanent STARTTLS error", err)
				}
				if len(msgs) != 0 {
					t.Fatalf("server received %d messages, want none", len(msgs))
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if len(msgs) != 1 || msgs[0].tls != tt.wantTLS || msgs[0].authed != testUser {
				t.Fatalf("received %+v, want one message with tls=%v authenticated", msgs, tt.wantTLS)
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	t.Parallel()
	auth := url.UserPassword(testUser, testPassword)
	refused := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		_ = ln.Close()
		return addr
	}
	silent := func(t *testing.T) string { // accepts connections and never says a word
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { _ = c.Close() })
			}
		}()
		return ln.Addr().String()
	}
	server := func(cfg serverConfig) func(t *testing.T) string {
		return func(t *testing.T) string { return startServer(t, cfg).addr }
	}
	tests := []struct {
		name          string
		addr          func(t *testing.T) string
		user          *url.Userinfo
		untrusted     bool // do not trust the test certificate
		timeout       time.Duration
		wantTemporary bool
		wantCode      int
		wantReply     string
	}{
		{name: "wrong password", addr: server(serverConfig{startTLS: true}),
			user: url.UserPassword(testUser, "wrong"), wantCode: 535, wantReply: "Authentication credentials invalid"},
		{name: "451 on RCPT", addr: server(serverConfig{startTLS: true, rcptErr: &smtp.SMTPError{
			Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Mailbox busy, try later"}}),
			user: auth, wantTemporary: true, wantCode: 451, wantReply: "Mailbox busy, try later"},
		{name: "451 on DATA", addr: server(serverConfig{startTLS: true, dataErr: &smtp.SMTPError{
			Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Queue full"}}),
			user: auth, wantTemporary: true, wantCode: 451, wantReply: "Queue full"},
		{name: "550 on RCPT", addr: server(serverConfig{startTLS: true, rcptErr: &smtp.SMTPError{
			Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}}),
			user: auth, wantCode: 550, wantReply: "No such user"},
		{name: "554 on DATA", addr: server(serverConfig{implicitTLS: true, dataErr: &smtp.SMTPError{
			Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Rejected as spam"}}),
			user: auth, wantCode: 554, wantReply: "Rejected as spam"},
		{name: "connection refused", addr: refused, user: auth, wantTemporary: true},
		{name: "server never answers", addr: silent, timeout: 300 * time.Millisecond, wantTemporary: true},
		{name: "untrusted certificate", addr: server(serverConfig{startTLS: true}), user: auth, untrusted: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := tt.addr(t)
			scheme := "smtp"
			if strings.Contains(tt.name, "554") {
				scheme = "smtps"
			}
			var opts []Option
			if tt.timeout > 0 {
				opts = append(opts, WithTimeout(tt.timeout))
			}
			if tt.untrusted {
				opts = append(opts, WithTLSConfig(nil))
			}
			s := newTestSender(t, smtpURL(scheme, addr, tt.user, ""), opts...)
			err := s.Send(context.Background(), &Message{To: testTo, Subject: "Hi", Text: "text", HTML: "<p>html</p>"})
			var se *SendError
			if !errors.As(err, &se) {
				t.Fatalf("Send = %v, want a *SendError", err)
			}
			if se.Temporary != tt.wantTemporary || se.Code != tt.wantCode || !strings.Contains(se.Reply, tt.wantReply) {
				t.Fatalf("Send = %#v (%v), want temporary=%v code=%d reply containing %q",
					se, err, tt.wantTemporary, tt.wantCode, tt.wantReply)
			}
			if tt.wantReply != "" && !strings.Contains(err.Error(), tt.wantReply) {
				t.Errorf("Error() = %q does not include the server's reply", err)
			}
			if se.Unwrap() == nil {
				t.Error("Unwrap() = nil")
			}
		})
	}
}

func TestSendCancelledContextIsTemporary(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverConfig{startTLS: true})
	s := newTestSender(t, smtpURL("smtp", ts.addr, nil, ""))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Send(ctx, &Message{To: testTo, Subject: "Hi", Text: "text"})
	var se *SendError
	if !errors.As(err, &se) || !se.Temporary || !errors.Is(err, context.Canceled) {
		t.Fatalf("Send = %v, want a temporary error wrapping context.Canceled", err)
	}
}

func TestSendHeaderInjection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  Message
	}{
		{name: "display name", msg: Message{
			From: mail.Address{Name: "Eve\r\nBcc: x@evil.example", Address: "eve@roster.example"},
			To:   mail.Address{Name: "Bob\nBcc: y@evil.example\r\n\r\nbody", Address: "bob@customer.example"},
		}},
		{name: "subject", msg: Message{
			From:    testFrom,
			To:      testTo,
			Subject: "Hello\r\nBcc: x@evil.example\rCc: z@evil.example\nX-Evil: 1\x00\x1b",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverConfig{startTLS: true})
			s := newTestSender(t, smtpURL("smtp", ts.addr, url.UserPassword(testUser, testPassword), ""))
			m := tt.msg
			m.Text, m.HTML = "text", "<p>html</p>"
			if err := s.Send(context.Background(), &m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := ts.messages()
			if len(msgs) != 1 || len(msgs[0].to) != 1 || msgs[0].to[0] != m.To.Address {
				t.Fatalf("received %+v, want one message to %s only", msgs, m.To.Address)
			}
			p := parseMessage(t, msgs[0].data)
			for key := range p.header {
				switch key {
				case "Date", "From", "To", "Subject", "Message-Id", "Mime-Version", "Content-Type":
				default:
					t.Errorf("unexpected header %q: %q", key, p.header[key])
				}
			}
			for key, values := range p.header {
				if len(values) != 1 {
					t.Errorf("header %q appears %d times", key, len(values))
				}
			}
		})
	}
}

func TestSendRefusesInvalidRecipient(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverConfig{startTLS: true})
	s := newTestSender(t, smtpURL("smtp", ts.addr, nil, ""))
	for _, addr := range []string{"bob@customer.example\r\nRCPT TO:<x@evil.example>", "bob", "Bob <bob@customer.example>", ""} {
		err := s.Send(context.Background(), &Message{To: mail.Address{Address: addr}, Subject: "Hi", Text: "text"})
		var se *SendError
		if !errors.As(err, &se) || se.Temporary {
			t.Errorf("Send to %q = %v, want a permanent error", addr, err)
		}
	}
	if n := len(ts.messages()); n != 0 {
		t.Fatalf("server received %d messages, want none", n)
	}
}

func TestNewSender(t *testing.T) {
	t.Parallel()
	from := mail.Address{Address: "roster@example.com"}
	tests := []struct {
		url         string
		wantAddr    string
		wantImplied bool
		wantRequire bool
		wantUser    string
		wantPass    string
		wantErr     string
	}{
		{url: "smtp://mail.example.com", wantAddr: "mail.example.com:587"},
		{url: "smtp://u:p%40ss@mail.example.com:2525?tls=required", wantAddr: "mail.example.com:2525", wantRequire: true, wantUser: "u", wantPass: "p@ss"},
		{url: "smtps://u:p@mail.example.com", wantAddr: "mail.example.com:465", wantImplied: true, wantUser: "u", wantPass: "p"},
		{url: "smtps://[::1]", wantAddr: "[::1]:465", wantImplied: true},
		{url: "http://mail.example.com", wantErr: "scheme"},
		{url: "smtp://", wantErr: "no host"},
		{url: "smtp://mail.example.com:0", wantErr: "port"},
		{url: "smtp://mail.example.com?tls=optional", wantErr: "tls="},
		{url: "smtp://mail.example.com?tls_insecure=true", wantErr: "not supported"},
		{url: "smtp://mail.example.com/path", wantErr: "must be"},
		{url: "smtp://user:hunter2@mail example.com", wantErr: "invalid SMTP URL"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			s, err := NewSender(tt.url, from)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewSender = %v, want error containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("error %q reveals the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.addr != tt.wantAddr || s.implicitTLS != tt.wantImplied || s.requireTLS != tt.wantRequire ||
				s.username != tt.wantUser || s.password != tt.wantPass || s.auth != (tt.wantUser != "") {
				t.Fatalf("NewSender = %+v", s)
			}
		})
	}
	if _, err := NewSender("smtp://mail.example.com", mail.Address{Address: "x\r\n@example.com"}); err == nil {
		t.Error("NewSender accepted a sender address with CR/LF")
	}
}

// TestSendUnicodeDomain: a domain stored in Unicode is sent in its ASCII form, so that the
// message needs no SMTPUTF8.
func TestSendUnicodeDomain(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverConfig{startTLS: true})
	s := newTestSender(t, smtpURL("smtp", ts.addr, url.UserPassword(testUser, testPassword), ""))
	m := &Message{From: testFrom, To: mail.Address{Name: "HR", Address: "hr@bücher.example"}, Subject: "x", Text: "x", HTML: "x", ID: "outbox-1"}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := ts.messages()
	if len(msgs) != 1 || len(msgs[0].to) != 1 || msgs[0].to[0] != "hr@xn--bcher-kva.example" {
		t.Fatalf("envelope: %+v", msgs)
	}
	to, err := parseMessage(t, msgs[0].data).header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "hr@xn--bcher-kva.example" {
		t.Fatalf("To: %v %v", to, err)
	}
	if m.To.Address != "hr@bücher.example" {
		t.Fatalf("the caller's message changed: %v", m.To)
	}
}
