package server

import (
	"cmp"
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"roster"
	"roster/internal/httpapi"
)

// Defaults of Config.BodyTimeout and Config.BodyMinRate: a body must arrive at 8 KiB a second
// on average after a grace of 20 seconds. A console form (8 KiB) then has 21 seconds, a JSON
// body of the API (1 MiB) about two and a half minutes, and an import of 256 MiB, at 64 kbit/s,
// nine hours: a slow but honest connection is served, a client that sends a byte now and then
// is cut off.
const (
	defaultBodyTimeout = 20 * time.Second
	defaultBodyMinRate = 8 << 10
)

// withBodyDeadline bounds how slowly a request body may arrive: once the handler starts
// reading it, its first n bytes must arrive within BodyTimeout plus n/BodyMinRate seconds, a
// deadline set on the connection and moved on as the body comes in. A body that misses it is
// answered 408 request_timeout here, whatever the handler then does with the read error. The
// bound grows with the body, so each handler's own size limit (a form, a JSON body, an upload)
// gives it its total: only the rate is common. A body the handler never reads has BodyTimeout
// from the request's arrival, for net/http to read what it drains after the handler.
func (s *Server) withBodyDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			// No body: net/http already watches the connection for the next request, with
			// the deadline of its own.
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		b := &timedBody{body: r.Body, rc: rc, start: time.Now(),
			grace: cmp.Or(s.cfg.BodyTimeout, defaultBodyTimeout), rate: cmp.Or(s.cfg.BodyMinRate, defaultBodyMinRate)}
		if rc.SetReadDeadline(b.deadline()) != nil {
			next.ServeHTTP(w, r) // a writer without a connection (tests that call ServeHTTP)
			return
		}
		tw := &timeoutWriter{ResponseWriter: w, body: b}
		b.answer = func() { s.answerTimeout(w, r, b) }
		r.Body = b
		next.ServeHTTP(tw, r)
	})
}

// answerTimeout answers a request whose body arrived too slowly.
func (s *Server) answerTimeout(w http.ResponseWriter, r *http.Request, b *timedBody) {
	h := w.Header()
	for k := range h {
		if k != requestIDHeader {
			delete(h, k)
		}
	}
	h.Set("Connection", "close")
	httpapi.WriteError(w, r, s.log, roster.Errorf(httpapi.CodeRequestTimeout,
		"The request body arrived too slowly: after the first %s, at least %d bytes a second must arrive.", b.grace, b.rate))
}

// timedBody is a request body read under a deadline that moves on with every byte read.
type timedBody struct {
	body     io.ReadCloser
	rc       *http.ResponseController
	start    time.Time
	grace    time.Duration
	rate     int64
	n        int64
	reading  bool   // the handler has started reading
	done     bool   // read to the end, or failed
	timedOut bool   // the deadline passed: the request is answered 408
	answer   func() // answers 408
}

// deadline is when the bytes read so far, and the next one, must have arrived.
func (b *timedBody) deadline() time.Time {
	extra := time.Duration(b.n/b.rate)*time.Second + time.Duration(b.n%b.rate)*time.Second/time.Duration(b.rate)
	return b.start.Add(b.grace + extra)
}

func (b *timedBody) Read(p []byte) (int, error) {
	if b.done {
		return b.body.Read(p)
	}
	if !b.reading {
		// The clock starts when the handler starts reading: the body waits in the
		// connection's buffers while the handler authenticates, which is not the client's time.
		b.reading, b.start = true, time.Now()
		_ = b.rc.SetReadDeadline(b.deadline())
	}
	n, err := b.body.Read(p)
	b.n += int64(n)
	switch {
	case err == nil:
		_ = b.rc.SetReadDeadline(b.deadline())
	case errors.Is(err, os.ErrDeadlineExceeded):
		b.done, b.timedOut = true, true
		b.answer()
	case err == io.EOF:
		// The whole body is in: net/http now watches the connection for the client going
		// away, and that watch must not meet the deadline while the handler works.
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	default:
		b.done = true
	}
	return n, err
}

func (b *timedBody) Close() error { return b.body.Close() }

// timeoutWriter drops what a handler writes once its request was answered 408.
type timeoutWriter struct {
	http.ResponseWriter
	body *timedBody
}

func (w *timeoutWriter) WriteHeader(status int) {
	if !w.body.timedOut {
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *timeoutWriter) Write(p []byte) (int, error) {
	if w.body.timedOut {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *timeoutWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
