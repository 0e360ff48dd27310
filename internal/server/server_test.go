package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// testServer is a Server over a real SQLite store, on a random port.
type testServer struct {
	*Server
	url  string
	logs *syncBuffer
	stop func() // closes the database
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	store := sqldbtest.Open(t, "sqlite")
	logs := &syncBuffer{}
	s := New(Config{Service: provision.New(store), Store: store, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return &testServer{Server: s, url: hs.URL, logs: logs, stop: func() { _ = store.Close() }}
}

func get(t *testing.T, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		path       string
		header     map[string]string
		dbDown     bool
		status     int
		body       string // a substring of the body
		contentTyp string
	}{
		{name: "healthz", path: "/healthz", status: 200, body: "ok"},
		{name: "healthz with the database down", path: "/healthz", dbDown: true, status: 200, body: "ok"},
		{name: "readyz", path: "/readyz", status: 200, body: "ok"},
		{name: "readyz with the database down", path: "/readyz", dbDown: true, status: 503, body: "not ready"},
		{name: "api mounted", path: "/api/v1/openapi.json", status: 200, body: `"openapi"`, contentTyp: "application/json"},
		{name: "api problem", path: "/api/v1/orgs", status: 401, body: `"code":"unauthorized"`, contentTyp: "application/problem+json"},
		{name: "api unknown path", path: "/api/nothing", status: 404, body: `"code":"not_found"`, contentTyp: "application/problem+json"},
		{name: "outside the api", path: "/nothing", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			if tt.dbDown {
				s.stop()
			}
			res, body := get(t, s.url+tt.path, tt.header)
			if res.StatusCode != tt.status || !strings.Contains(body, tt.body) {
				t.Errorf("%d %q, want %d with %q", res.StatusCode, body, tt.status, tt.body)
			}
			if tt.contentTyp != "" && res.Header.Get("Content-Type") != tt.contentTyp {
				t.Errorf("Content-Type %q", res.Header.Get("Content-Type"))
			}
			if res.Header.Get(requestIDHeader) == "" {
				t.Error("no request id")
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sent string
		kept bool
	}{
		{"none", "", false},
		{"plausible", "edge-7f3a:42.b_c", true},
		{"too long", strings.Repeat("a", 129), false},
		{"forged log line", "x\" level=ERROR", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			res, body := get(t, s.url+"/api/v1/orgs", map[string]string{requestIDHeader: tt.sent})
			id := res.Header.Get(requestIDHeader)
			if tt.kept && id != tt.sent || !tt.kept && (id == tt.sent || !validRequestID(id)) {
				t.Errorf("sent %q, got %q", tt.sent, id)
			}
			// The API handler saw the same id (it is in its problem), and so did the log.
			if !strings.Contains(body, `"requestId":"`+id+`"`) {
				t.Errorf("the problem has another id: %s", body)
			}
			if !strings.Contains(s.logs.String(), `"requestId":"`+id+`"`) {
				t.Errorf("the id %q is not in the access log:\n%s", id, s.logs)
			}
		})
	}
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	get(t, s.url+"/healthz?x=1", map[string]string{requestIDHeader: "log-test-1"})
	var entry map[string]any
	for line := range strings.SplitSeq(s.logs.String(), "\n") {
		if strings.Contains(line, "log-test-1") {
			if err := json.Unmarshal([]byte(line), &entry); err != nil {
				t.Fatal(err)
			}
		}
	}
	if entry["msg"] != "request" || entry["method"] != "GET" || entry["route"] != "/healthz" || entry["status"] != float64(200) ||
		entry["level"] != "INFO" || entry["durationMs"] == nil || entry["bytes"] != float64(3) || entry["path"] != nil {
		t.Errorf("access log entry: %v", entry)
	}
}

// TestAccessLogKeepsSecrets: the access log names the route of a request, never its path, its
// query or its headers, where tokens and invitation links travel.
func TestAccessLogKeepsSecrets(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	const (
		bearer = "rst_BearerSecretBearerSecret"
		link   = "InviteSecretInviteSecret"
		query  = "QuerySecretQuerySecret"
		body   = "BodySecretBodySecret"
	)
	for _, tt := range []struct {
		method, path, route string
	}{
		{"GET", "/api/v1/orgs/o1/users?q=" + query, "/api/v1/orgs/{org}/users"},
		{"GET", provision.InvitePath + link + "?token=" + query, provision.InvitePath + "{token}"},
		{"POST", provision.InvitePath + link, provision.InvitePath + "{token}"},
		{"GET", "/nothing/" + link, "unmatched"},
	} {
		id := "secret-test-" + strings.NewReplacer("/", "", "?", "", "=", "", "{", "", "}", "").Replace(tt.method+tt.route)
		req, _ := http.NewRequest(tt.method, s.url+tt.path, strings.NewReader("password="+body))
		req.Header.Set("Authorization", "Bearer "+bearer)
		req.Header.Set("Cookie", "session="+bearer)
		req.Header.Set(requestIDHeader, id)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		var entry map[string]any
		for line := range strings.SplitSeq(s.logs.String(), "\n") {
			if strings.Contains(line, `"msg":"request"`) && strings.Contains(line, id) {
				if err := json.Unmarshal([]byte(line), &entry); err != nil {
					t.Fatal(err)
				}
			}
		}
		if entry["route"] != tt.route || entry["method"] != tt.method || entry["status"] != float64(res.StatusCode) {
			t.Errorf("%s %s: access log entry %v, want route %s", tt.method, tt.path, entry, tt.route)
		}
	}
	out := s.logs.String()
	for _, secret := range []string{bearer, link, query, body} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q:\n%s", secret, out)
		}
	}
}

// TestReadiness: before Ready, a server answers /healthz and 503 to /readyz and to everything
// else; after, it is ready; once its context is canceled /readyz answers 503 while it still
// serves for the shutdown delay, and a request in flight finishes within the grace.
func TestReadiness(t *testing.T) {
	t.Parallel()
	store := sqldbtest.Open(t, "sqlite")
	logs := &syncBuffer{}
	const delay = 300 * time.Millisecond
	s := New(Config{Logger: slog.New(slog.NewJSONHandler(logs, nil)), ShutdownDelay: delay, ShutdownTimeout: 5 * time.Second})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	want := func(path string, status int, body string) {
		t.Helper()
		res, got := get(t, url+path, nil)
		if res.StatusCode != status || !strings.Contains(got, body) {
			t.Fatalf("%s: %d %q, want %d with %q", path, res.StatusCode, got, status, body)
		}
	}
	want("/healthz", 200, "ok")
	want("/readyz", 503, "starting")
	want("/api/v1/openapi.json", 503, "starting")

	s.Ready(provision.New(store), store)
	want("/readyz", 200, "ok")
	want("/api/v1/openapi.json", 200, `"openapi"`)

	// A slow request is in flight when the shutdown begins.
	slow := make(chan int, 1)
	release := make(chan struct{})
	s.app.Load().HandleFunc("GET /test/slow", func(w http.ResponseWriter, r *http.Request) {
		<-release
		_, _ = w.Write([]byte("done"))
	})
	go func() {
		res, _ := get(t, url+"/test/slow", nil)
		slow <- res.StatusCode
	}()
	time.Sleep(50 * time.Millisecond) // let the request reach its handler
	stopped := time.Now()
	cancel()
	for s.state.Load() != stateStopping {
		time.Sleep(time.Millisecond)
	}
	want("/readyz", 503, "shutting down")
	want("/healthz", 200, "ok")
	want("/api/v1/openapi.json", 200, `"openapi"`)
	close(release)
	if code := <-slow; code != 200 {
		t.Errorf("the request in flight answered %d, want 200", code)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if took := time.Since(stopped); took < delay {
		t.Errorf("stopped accepting after %v, before the delay of %v", took, delay)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("the server still accepts connections after Serve returned")
	}
}

func TestRecovery(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	s := &Server{log: slog.New(slog.NewJSONHandler(logs, nil))}
	h := s.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/late" {
			w.WriteHeader(http.StatusAccepted)
		}
		panic("boom")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	res, body := get(t, srv.URL+"/panic", map[string]string{requestIDHeader: "panic-1"})
	var p map[string]any
	_ = json.Unmarshal([]byte(body), &p)
	if res.StatusCode != 500 || res.Header.Get("Content-Type") != "application/problem+json" || p["code"] != "internal" ||
		p["detail"] != "An internal error occurred." || p["requestId"] != "panic-1" || strings.Contains(body, "boom") {
		t.Errorf("%d %s", res.StatusCode, body)
	}
	out := logs.String()
	if !strings.Contains(out, "boom") || !strings.Contains(out, "goroutine") || !strings.Contains(out, `"status":500`) {
		t.Errorf("logs:\n%s", out)
	}

	// A panic after the answer started can only be logged.
	res, _ = get(t, srv.URL+"/late", nil)
	if res.StatusCode != http.StatusAccepted {
		t.Errorf("late panic: %d", res.StatusCode)
	}
	if !strings.Contains(logs.String(), "after the response started") {
		t.Errorf("late panic not logged:\n%s", logs)
	}
}

func TestListenAndServeShutdown(t *testing.T) {
	t.Parallel()
	store := sqldbtest.Open(t, "sqlite")
	s := New(Config{Service: provision.New(store), Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ShutdownTimeout: 5 * time.Second})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe(ctx, addr) }()

	// Wait until it serves.
	var res *http.Response
	for i := 0; i < 100; i++ {
		if res, err = http.Get("http://" + addr + "/healthz"); err == nil {
			_ = res.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server did not start: %v", err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ListenAndServe did not return after cancel")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

// TestShutdownWaitsForRequests cancels the context while a request runs: the request
// completes, then Serve returns.
func TestShutdownWaitsForRequests(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil)), cfg: Config{ShutdownTimeout: 5 * time.Second}}
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(200 * time.Millisecond)
		if r.Context().Err() != nil {
			t.Error("the request's context was canceled by the shutdown")
		}
		_, _ = w.Write([]byte("done"))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	answer := make(chan string, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			answer <- err.Error()
			return
		}
		defer func() { _ = res.Body.Close() }()
		b, _ := io.ReadAll(res.Body)
		answer <- string(b)
	}()
	<-started
	cancel()
	if got := <-answer; got != "done" {
		t.Errorf("the request in flight got %q", got)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestListenAndServeBadAddress(t *testing.T) {
	t.Parallel()
	s := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := s.ListenAndServe(context.Background(), "256.0.0.1:99999"); err == nil {
		t.Error("a bad address was accepted")
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
