package server

import (
	"context"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"roster/internal/metrics"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// TestMetrics scrapes /metrics after some requests: requests are counted by route pattern,
// never by path, and the store's queues and pools are read at the scrape.
func TestMetrics(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			store := sqldbtest.Open(t, engine)
			m := metrics.New("1.2.3")
			m.WatchQueues(store, slog.New(slog.DiscardHandler))
			m.WatchPools(store.Pools())
			s := New(Config{Service: provision.New(store), Store: store, Logger: slog.New(slog.DiscardHandler), Metrics: m})
			hs := httptest.NewServer(s)
			t.Cleanup(hs.Close)

			const secretID = "0196f1c2secretid"
			for _, path := range []string{
				"/api/v1/orgs/" + secretID + "/users/" + secretID, // 401 without a token
				"/api/v1/orgs/" + secretID + "/users/" + secretID,
				"/scim/v2/Users/" + secretID,
				"/console/orgs/" + secretID + "/users", // a redirect to sign in
				"/invite/" + secretID,
				"/nothing/" + secretID,
				"/healthz",
			} {
				get(t, hs.URL+path, nil)
			}
			res, body := get(t, hs.URL+"/metrics", nil)
			if res.StatusCode != 200 {
				t.Fatalf("GET /metrics: %d\n%s", res.StatusCode, body)
			}
			if strings.Contains(body, secretID) {
				t.Errorf("a path reached a label:\n%s", grepLines(body, secretID))
			}
			for _, want := range []string{
				`roster_http_requests_total{method="GET",route="/api/v1/orgs/{org}/users/{id}",status="401"} 2`,
				`roster_http_requests_total{method="GET",route="/console/orgs/{org}/users",status="303"} 1`,
				`roster_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
				`roster_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
				`roster_http_request_duration_seconds_bucket{method="GET",route="/api/v1/orgs/{org}/users/{id}",le="+Inf"} 2`,
				`route="/scim/v2/Users/{id}"`,
				`route="/invite/{token}"`,
				`roster_build_info{version="1.2.3"} 1`,
				`go_build_info{`,
				`roster_database_up 1`,
				`roster_sync_jobs{state="queued"} 0`,
				`roster_sync_jobs{state="failed"} 0`,
				`roster_sync_jobs{state="in_flight"} 0`,
				`roster_sync_oldest_due_age_seconds 0`,
				`roster_outbox_messages{state="queued"} 0`,
				`roster_outbox_oldest_due_age_seconds 0`,
				`go_sql_open_connections{db_name=`,
				`process_cpu_seconds_total`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("no %s in\n%s", want, grepLines(body, "roster_"))
				}
			}

			// With the database away, the scrape still answers, and says so.
			_ = store.Close()
			_, body = get(t, hs.URL+"/metrics", nil)
			if !strings.Contains(body, "roster_database_up 0") {
				t.Errorf("database closed, and:\n%s", grepLines(body, "roster_database_up"))
			}
		})
	}
}

// TestMetricsElsewhere serves /metrics on a listener of its own: the main one no longer has it.
func TestMetricsElsewhere(t *testing.T) {
	t.Parallel()
	store := sqldbtest.Open(t, "sqlite")
	m := metrics.New("1.2.3")
	cfg := Config{Service: provision.New(store), Store: store, Logger: slog.New(slog.DiscardHandler), Metrics: m, MetricsElsewhere: true}
	main := httptest.NewServer(New(cfg))
	t.Cleanup(main.Close)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- NewMetricsServer(cfg).Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	})

	get(t, main.URL+"/healthz", nil)
	if res, _ := get(t, main.URL+"/metrics", nil); res.StatusCode != 404 {
		t.Errorf("main listener: GET /metrics = %d, want 404", res.StatusCode)
	}
	res, body := get(t, "http://"+ln.Addr().String()+"/metrics", nil)
	if res.StatusCode != 200 || !strings.Contains(body, `roster_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Errorf("metrics listener: %d\n%s", res.StatusCode, grepLines(body, "roster_"))
	}
	if res, _ := get(t, "http://"+ln.Addr().String()+"/healthz", nil); res.StatusCode != 404 {
		t.Errorf("metrics listener: GET /healthz = %d, want 404", res.StatusCode)
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}
