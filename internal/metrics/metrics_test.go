package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"roster"
)

func TestLabels(t *testing.T) {
	t.Parallel()
	for pattern, want := range map[string]string{
		"GET /api/v1/orgs/{org}/users/{id}": "/api/v1/orgs/{org}/users/{id}",
		"/api/":                             "/api/",
		"":                                  "unmatched",
	} {
		if got := RouteOf(pattern); got != want {
			t.Errorf("RouteOf(%q) = %q, want %q", pattern, got, want)
		}
	}
	for method, want := range map[string]string{"GET": "GET", "PATCH": "PATCH", "get": "other", "X-EVIL-1234": "other"} {
		if got := methodOf(method); got != want {
			t.Errorf("methodOf(%q) = %q, want %q", method, got, want)
		}
	}
}

// fakeQueues is a QueueSource with fixed answers.
type fakeQueues struct {
	stats roster.QueueStats
	err   error
}

func (f *fakeQueues) Ping(context.Context) error { return f.err }

func (f *fakeQueues) QueueStats(context.Context, time.Time) (roster.QueueStats, error) {
	return f.stats, f.err
}

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler(slog.New(slog.DiscardHandler)).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestQueuesAndTasks(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	src := &fakeQueues{stats: roster.QueueStats{SyncQueued: 7, SyncInFlight: 2, SyncFailed: 1,
		SyncOldestDue: now.Add(-90 * time.Second), EmailsQueued: 3, EmailsRetrying: 1, EmailOldestDue: now.Add(time.Minute)}}
	m := New("dev")
	m.reg.MustRegister(&queueCollector{src: src, log: slog.New(slog.DiscardHandler), now: func() time.Time { return now }})
	m.TaskStarted("import")
	m.TaskFinished("import", roster.TaskCompletedWithErrors, 3*time.Second)
	m.TaskProgressed("import", 5000)
	m.TaskProgressed("import", 1200)
	m.EmailDelivered(roster.EmailSent, 20*time.Second)
	m.EmailDelivered(roster.EmailQueued, 10*time.Second)
	m.EmailDelivered(roster.EmailFailed, time.Hour)

	body := scrape(t, m)
	for _, want := range []string{
		"roster_database_up 1",
		`roster_sync_jobs{state="queued"} 7`,
		`roster_sync_jobs{state="in_flight"} 2`,
		`roster_sync_jobs{state="failed"} 1`,
		"roster_sync_oldest_due_age_seconds 90",
		`roster_outbox_messages{state="queued"} 3`,
		`roster_outbox_messages{state="retrying"} 1`,
		"roster_outbox_oldest_due_age_seconds 0", // due only in a minute
		`roster_tasks_started_total{kind="import"} 1`,
		`roster_tasks_finished_total{kind="import",state="completed_with_errors"} 1`,
		`roster_task_duration_seconds_sum{kind="import",state="completed_with_errors"} 3`,
		`roster_task_rows_total{kind="import"} 6200`,
		`roster_outbox_deliveries_total{outcome="sent"} 1`,
		`roster_outbox_deliveries_total{outcome="retry"} 1`,
		`roster_outbox_deliveries_total{outcome="failed"} 1`,
		`roster_outbox_delivery_latency_seconds_sum 20`,
		`roster_outbox_delivery_latency_seconds_count 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("no %s in\n%s", want, body)
		}
	}

	src.err = errors.New("connection refused")
	body = scrape(t, m)
	if !strings.Contains(body, "roster_database_up 0\n") || strings.Contains(body, "roster_sync_jobs") {
		t.Errorf("database down:\n%s", body)
	}
}

// BenchmarkObserveRequest is what counting one request adds to it.
func BenchmarkObserveRequest(b *testing.B) {
	m := New("dev")
	for b.Loop() {
		m.ObserveRequest("GET /api/v1/orgs/{org}/users/{id}", "GET", 200, time.Millisecond)
	}
}
