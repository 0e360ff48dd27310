// Package mailtest runs a real SMTP server on 127.0.0.1 that keeps what it receives, for tests
// and benchmarks of delivery. It is not part of the roster binary.
package mailtest

import (
	"io"
	"net"
	"sync"

	"github.com/emersion/go-smtp"
)

// Server is an SMTP server on 127.0.0.1 without TLS or authentication.
type Server struct {
	// Addr is the host:port it listens on.
	Addr string
	// Reply, when set, is asked about every recipient; an error (such as an *smtp.SMTPError)
	// refuses it.
	Reply func(to string) error

	srv   *smtp.Server
	ln    net.Listener
	done  chan struct{}
	mu    sync.Mutex
	msgs  map[string][][]byte // by recipient
	count int
}

// Start starts a server; reply may be nil. Close stops it.
func Start(reply func(to string) error) (*Server, error) {
	s := &Server{Reply: reply, msgs: map[string][][]byte{}, done: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln, s.Addr = ln, ln.Addr().String()
	go func() { defer close(s.done); _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() {
	_ = s.srv.Close()
	// Close misses a listener that Serve has not registered yet: close it here too.
	_ = s.ln.Close()
	<-s.done
}

// Received returns the messages received for a recipient, oldest first.
func (s *Server) Received(to string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.msgs[to]...)
}

// Count returns how many messages the server has received.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

type session struct {
	s  *Server
	to []string
}

func (x *session) Mail(string, *smtp.MailOptions) error { return nil }

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.s.Reply != nil {
		if err := x.s.Reply(to); err != nil {
			return err
		}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.count++
	for _, to := range x.to {
		x.s.msgs[to] = append(x.s.msgs[to], b)
	}
	return nil
}

func (x *session) Reset()        { x.to = nil }
func (x *session) Logout() error { return nil }
