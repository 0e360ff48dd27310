package server

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"roster"
	"roster/internal/httpapi"
	"roster/internal/metrics"
)

// requestIDHeader carries the id of a request: taken from the client or a proxy when it looks
// like an id, made here otherwise, and sent back in the answer. Handlers read it from the
// request header, so the id reaches them without a shared context key.
const requestIDHeader = "X-Request-Id"

// middleware wraps h in what every request gets, outermost first: a request id, the access log
// (so it records what the others answered), the deadline of the request body, and the panic
// recovery.
func (s *Server) middleware(h http.Handler) http.Handler {
	return s.withRequestID(s.withAccessLog(s.withBodyDeadline(s.withRecovery(h))))
}

func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(requestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
			r.Header.Set(requestIDHeader, id)
		}
		w.Header().Set(requestIDHeader, id)
		next.ServeHTTP(w, r)
	})
}

// validRequestID accepts ids of up to 128 letters, digits and -_.: so that what a client sends
// cannot forge log lines or headers.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':'
		if !ok {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// withAccessLog logs every request once it is answered, and counts it in the metrics. Both take
// the route pattern that served it (r.Pattern, which the mux that matched sets on this same
// request, the API's and SCIM's own muxes included), never the path nor the query, which may
// hold ids, addresses, an invitation's secret link or a token. Headers and bodies are never
// logged.
func (s *Server) withAccessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		took := time.Since(start)
		if s.cfg.Metrics != nil {
			s.cfg.Metrics.ObserveRequest(r.Pattern, r.Method, sw.status, took)
		}
		s.log.InfoContext(r.Context(), "request",
			"method", r.Method, "route", metrics.RouteOf(r.Pattern), "status", sw.status, "bytes", sw.bytes,
			"durationMs", float64(took.Microseconds())/1000, "requestId", r.Header.Get(requestIDHeader))
	})
}

// withRecovery answers a panicking handler with a 500 problem, logged with the request id
// and the stack, so one bad request does not take the connection down unanswered.
func (s *Server) withRecovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				// The handler means to abort the response; net/http handles it quietly.
				panic(v)
			}
			err := &roster.Error{Code: roster.CodeInternal, Message: "panic",
				Err: fmt.Errorf("panic: %v\n%s", v, debug.Stack())}
			if sw.status != 0 {
				// The answer has started; all that is left is to log.
				s.log.ErrorContext(r.Context(), "internal error after the response started",
					"requestId", r.Header.Get(requestIDHeader), "err", err)
				return
			}
			httpapi.WriteError(sw, r, s.log, err)
		}()
		next.ServeHTTP(sw, r)
	})
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap gives http.ResponseController the writer underneath (for Flush and deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
