package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// DefaultTimeout bounds one Send, from dialing to QUIT, unless the context ends sooner.
const DefaultTimeout = 60 * time.Second

// Sender delivers messages to one SMTP server. It is safe for concurrent use; every Send opens
// its own connection.
type Sender struct {
	host        string
	addr        string // host:port
	implicitTLS bool   // smtps: TLS from the first byte
	requireTLS  bool   // smtp with ?tls=required: refuse a server without STARTTLS
	username    string
	password    string
	auth        bool
	from        mail.Address
	tlsConfig   *tls.Config
	timeout     time.Duration
}

// Option configures a Sender.
type Option func(*Sender)

// WithTLSConfig sets the TLS configuration used for STARTTLS and implicit TLS, for example to
// trust a private certificate authority. Its ServerName defaults to the URL's host.
func WithTLSConfig(c *tls.Config) Option {
	return func(s *Sender) { s.tlsConfig = c }
}

// WithTimeout replaces DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(s *Sender) { s.timeout = d }
}

// NewSender parses an SMTP URL (ROSTER_SMTP_URL):
//
//	smtp://user:pass@host:587                STARTTLS when the server offers it
//	smtp://user:pass@host:587?tls=required   refuse a server without STARTTLS
//	smtps://user:pass@host:465               implicit TLS
//
// The port defaults to 587 for smtp and 465 for smtps; without user information no AUTH is
// attempted. from is the sender of messages that have no From of their own. Errors never
// contain the password.
func NewSender(rawURL string, from mail.Address, opts ...Option) (*Sender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error repeats the URL, password included
		}
		return nil, fmt.Errorf("mail: invalid SMTP URL: %w", err)
	}
	s := &Sender{from: from, timeout: DefaultTimeout}
	var defaultPort string
	switch u.Scheme {
	case "smtp":
		defaultPort = "587"
	case "smtps":
		defaultPort = "465"
		s.implicitTLS = true
	default:
		return nil, fmt.Errorf("mail: SMTP URL scheme %q is not smtp or smtps", u.Scheme)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return nil, errors.New("mail: SMTP URL must be scheme://[user:pass@]host[:port][?tls=required]")
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("mail: SMTP URL has no host")
	}
	port := u.Port()
	if port == "" {
		port = defaultPort
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("mail: SMTP URL port %q is invalid", port)
	}
	s.addr = net.JoinHostPort(s.host, port)

	q := u.Query()
	for key, values := range q {
		switch {
		case key == "tls" && len(values) == 1 && values[0] == "required":
			s.requireTLS = true
		case key == "tls":
			return nil, fmt.Errorf("mail: SMTP URL parameter tls=%q: only tls=required is supported", values)
		default:
			return nil, fmt.Errorf("mail: SMTP URL parameter %q is not supported", key)
		}
	}
	if u.User != nil {
		s.username = u.User.Username()
		s.password, _ = u.User.Password()
		s.auth = s.username != ""
	}
	if from.Address != "" {
		if err := ValidateAddress(from.Address); err != nil {
			return nil, fmt.Errorf("mail: sender address: %w", err)
		}
	}
	for _, opt := range opts {
		opt(s)
	}
	return s, nil
}

// SendError is a failed delivery. Temporary failures (4xx replies, network errors, timeouts)
// may succeed when retried; permanent ones (5xx replies, refused configuration or message)
// will not.
type SendError struct {
	Temporary bool
	Code      int    // SMTP reply code, 0 when the server did not reply
	Reply     string // the server's reply text, empty when it did not reply
	Err       error
}

// Error returns the failure with the server's reply when there is one.
func (e *SendError) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	if e.Code != 0 {
		return fmt.Sprintf("mail: send failed (%s): server replied %d %s", kind, e.Code, e.Reply)
	}
	return fmt.Sprintf("mail: send failed (%s): %v", kind, e.Err)
}

// Unwrap returns the underlying error.
func (e *SendError) Unwrap() error { return e.Err }

// Send delivers m to m.To, using the Sender's from when m.From is empty. It returns nil once the
// server has accepted the message, and otherwise a *SendError.
func (s *Sender) Send(ctx context.Context, m *Message) error {
	msg := *m
	if msg.From.Address == "" {
		msg.From = s.from
	}
	msg.From.Address, msg.To.Address = asciiDomain(msg.From.Address), asciiDomain(msg.To.Address)
	data, err := msg.Bytes(time.Now())
	if err != nil {
		return &SendError{Err: err}
	}
	if err := s.send(ctx, msg.From.Address, msg.To.Address, data); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return &SendError{Temporary: true, Err: fmt.Errorf("%w: %w", ctxErr, err)}
		}
		return classify(err)
	}
	return nil
}

func (s *Sender) send(ctx context.Context, from, to string, data []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	deadline, _ := ctx.Deadline()

	tlsConfig := s.clientTLSConfig()
	dialer := &net.Dialer{Deadline: deadline}
	var conn net.Conn
	var err error
	if s.implicitTLS {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: tlsConfig}).DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return fmt.Errorf("connect to %s: %w", s.addr, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	// A context cancelled mid-conversation unblocks any pending read or write at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return err
	}
	defer c.Close()
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConfig); err != nil {
				return fmt.Errorf("STARTTLS: %w", err)
			}
		} else if s.requireTLS {
			return errTLSRequired
		}
	}
	if s.auth {
		// net/smtp refuses PLAIN over an unencrypted connection except to localhost.
		if err := c.Auth(smtp.PlainAuth("", s.username, s.password, s.host)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	// The server has accepted the message: a failed QUIT must not make the outbox send it twice.
	_ = c.Quit()
	return nil
}

var errTLSRequired = errors.New("server does not offer STARTTLS and the SMTP URL has tls=required")

func (s *Sender) clientTLSConfig() *tls.Config {
	var c *tls.Config
	if s.tlsConfig != nil {
		c = s.tlsConfig.Clone()
	} else {
		c = &tls.Config{}
	}
	if c.ServerName == "" {
		c.ServerName = s.host
	}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// classify turns an error of the SMTP conversation into a *SendError.
func classify(err error) *SendError {
	var tpErr *textproto.Error
	if errors.As(err, &tpErr) {
		return &SendError{
			Temporary: tpErr.Code >= 400 && tpErr.Code < 500,
			Code:      tpErr.Code,
			Reply:     tpErr.Msg,
			Err:       err,
		}
	}
	// A certificate the client does not trust, or TLS spoken to a plain-text port, is a
	// configuration problem that retrying will not fix.
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostErr) ||
		errors.As(err, &recordErr) || errors.Is(err, errTLSRequired) {
		return &SendError{Err: err}
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) {
		return &SendError{Temporary: true, Err: err}
	}
	return &SendError{Err: err}
}

// asciiDomain returns addr with its domain in its ASCII form (xn--bcher-kva.example for
// bücher.example), in the envelope and the headers alike. Roster stores domains in Unicode;
// written this way, an address whose local part is ASCII travels without the SMTPUTF8
// extension, which not every mail server offers. A non-ASCII local part still needs it
// (net/smtp asks for it when the server offers it); a domain that does not convert is left as
// it is, for the server to judge.
func asciiDomain(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	domain, err := idna.Lookup.ToASCII(addr[at+1:])
	if err != nil {
		return addr
	}
	return addr[:at+1] + domain
}
