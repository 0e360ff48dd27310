// Package metrics holds Roster's Prometheus metrics: the HTTP requests the server answers, the
// tasks the workers run, the background queues and the connection pools of the store, and the
// build. cmd/roster makes one Metrics per process and hands it to the server and the workers;
// the queues and pools are read at scrape time.
//
// No label holds personal data or a secret: routes are patterns (/api/v1/orgs/{org}/users/{id}),
// never paths, and nothing is labeled by organization.
package metrics

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"roster"
)

// Metrics is the registry of one process and the metrics the code records into it.
type Metrics struct {
	reg           *prometheus.Registry
	requests      *prometheus.CounterVec
	requestTime   *prometheus.HistogramVec
	tasksStarted  *prometheus.CounterVec
	tasksFinished *prometheus.CounterVec
	taskTime      *prometheus.HistogramVec
	taskRows      *prometheus.CounterVec
	emails        *prometheus.CounterVec
	emailLatency  prometheus.Histogram
}

// New returns the metrics of a process of this version, with the Go runtime's and the
// process's own metrics and the build information registered.
func New(version string) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		requestTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "roster_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		tasksStarted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_tasks_started_total",
			Help: "Runs of background tasks begun by the workers of this process, by kind; a task taken over after a lost lease counts once more.",
		}, []string{"kind"}),
		tasksFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_tasks_finished_total",
			Help: "Background tasks ended by the workers of this process, by kind and final state.",
		}, []string{"kind", "state"}),
		taskTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "roster_task_duration_seconds",
			Help:    "Time from the start of a task's last run to its end, by kind and final state.",
			Buckets: []float64{.1, .5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200},
		}, []string{"kind", "state"}),
		taskRows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_task_rows_total",
			Help: "Rows (units of work: CSV rows, users, agents) that tasks of this process committed, by kind; its rate is rows per second.",
		}, []string{"kind"}),
		emails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_outbox_deliveries_total",
			Help: "Delivery attempts of emails by this process, by outcome: sent, retry (a temporary failure, tried again later), failed (given up or not to be sent).",
		}, []string{"outcome"}),
		emailLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "roster_outbox_delivery_latency_seconds",
			Help:    "Time from an email's queuing to its acceptance by the mail server, retries included.",
			Buckets: []float64{1, 5, 15, 30, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600},
		}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "roster_build_info",
		Help:        "Always 1; the version of Roster running is its label.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	m.reg.MustRegister(m.requests, m.requestTime, m.tasksStarted, m.tasksFinished, m.taskTime, m.taskRows,
		m.emails, m.emailLatency, build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector())
	return m
}

// Handler answers a scrape in the Prometheus exposition format.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// ObserveRequest records one answered request. pattern is the route pattern that served it
// (http.Request.Pattern, with or without its method), "" when no route matched.
func (m *Metrics) ObserveRequest(pattern, method string, status int, took time.Duration) {
	route := RouteOf(pattern)
	method = methodOf(method)
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.requestTime.WithLabelValues(route, method).Observe(took.Seconds())
}

// RouteOf is the route label of a pattern, and the route of the access log: its path, without
// the method the method label already holds. A request no route matched gets "unmatched", never
// its path, which may hold ids, addresses or a secret link, and would make a label value per
// request.
func RouteOf(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if _, path, ok := strings.Cut(pattern, " "); ok {
		return strings.TrimSpace(path)
	}
	return pattern
}

// methodOf keeps the standard methods and folds anything else a client sends into "other", so
// that a client cannot make label values.
func methodOf(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// TaskStarted records that a worker begins to run a task of kind.
func (m *Metrics) TaskStarted(kind string) { m.tasksStarted.WithLabelValues(kind).Inc() }

// TaskFinished records the end of a task of kind in its final state, took after its run began.
func (m *Metrics) TaskFinished(kind string, state roster.TaskState, took time.Duration) {
	m.tasksFinished.WithLabelValues(kind, string(state)).Inc()
	m.taskTime.WithLabelValues(kind, string(state)).Observe(took.Seconds())
}

// TaskProgressed records the rows a chunk of a task of kind committed.
func (m *Metrics) TaskProgressed(kind string, done int) {
	m.taskRows.WithLabelValues(kind).Add(float64(done))
}

// EmailDelivered records the outcome of a delivery attempt of an email, queued is how long
// ago the email was queued.
func (m *Metrics) EmailDelivered(state roster.EmailState, queued time.Duration) {
	switch state {
	case roster.EmailSent:
		m.emails.WithLabelValues("sent").Inc()
		m.emailLatency.Observe(queued.Seconds())
	case roster.EmailFailed:
		m.emails.WithLabelValues("failed").Inc()
	default:
		m.emails.WithLabelValues("retry").Inc()
	}
}

// WatchPools registers the statistics of the store's connection pools (sql.DBStats), by pool
// name.
func (m *Metrics) WatchPools(pools map[string]*sql.DB) {
	for name, db := range pools {
		m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
	}
}

// QueueSource is what the queue metrics need of the store; *sqldb.DB has it.
type QueueSource interface {
	Ping(ctx context.Context) error
	QueueStats(ctx context.Context, now time.Time) (roster.QueueStats, error)
}

// WatchQueues registers the metrics read from the store at each scrape: whether it answers,
// the sync queue and the queued emails.
func (m *Metrics) WatchQueues(src QueueSource, log *slog.Logger) {
	m.reg.MustRegister(&queueCollector{src: src, log: log, now: time.Now})
}

var (
	databaseUp = prometheus.NewDesc("roster_database_up",
		"1 when the database answered the scrape's queries, 0 when it did not.", nil, nil)
	syncJobs = prometheus.NewDesc("roster_sync_jobs",
		"Users whose changes wait for delivery to the contact center, by state: queued (to deliver, in flight included), in_flight (held by a worker now), failed (retries given up, waiting for an administrator).",
		[]string{"state"}, nil)
	syncOldestDue = prometheus.NewDesc("roster_sync_oldest_due_age_seconds",
		"How long the oldest sync job still to deliver has been due; 0 when none is overdue.", nil, nil)
	outboxMessages = prometheus.NewDesc("roster_outbox_messages",
		"Emails in the outbox waiting to be sent, by state: queued (all waiting), retrying (waiting after at least one failed delivery).",
		[]string{"state"}, nil)
	outboxOldestDue = prometheus.NewDesc("roster_outbox_oldest_due_age_seconds",
		"How long the oldest queued email has been due; 0 when none is overdue.", nil, nil)
)

// queueCollector reads the queues from the store when Prometheus scrapes.
type queueCollector struct {
	src QueueSource
	log *slog.Logger
	now func() time.Time
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{databaseUp, syncJobs, syncOldestDue, outboxMessages, outboxOldestDue} {
		ch <- d
	}
}

// scrapeTimeout bounds the store's queries of one scrape, below Prometheus's default timeout
// of 10 s, so that an unreachable database shows as roster_database_up 0 rather than a failed
// scrape.
const scrapeTimeout = 5 * time.Second

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	now := c.now()
	s, err := c.src.QueueStats(ctx, now)
	if err == nil {
		err = c.src.Ping(ctx)
	}
	if err != nil {
		c.log.Warn("metrics: read the queues", "err", err)
		ch <- prometheus.MustNewConstMetric(databaseUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(databaseUp, prometheus.GaugeValue, 1)
	gauge := func(d *prometheus.Desc, v int, label string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), label)
	}
	gauge(syncJobs, s.SyncQueued, "queued")
	gauge(syncJobs, s.SyncInFlight, "in_flight")
	gauge(syncJobs, s.SyncFailed, "failed")
	gauge(outboxMessages, s.EmailsQueued, "queued")
	gauge(outboxMessages, s.EmailsRetrying, "retrying")
	ch <- prometheus.MustNewConstMetric(syncOldestDue, prometheus.GaugeValue, ageAt(now, s.SyncOldestDue))
	ch <- prometheus.MustNewConstMetric(outboxOldestDue, prometheus.GaugeValue, ageAt(now, s.EmailOldestDue))
}

// ageAt is how many seconds before now t was; 0 for a zero or future t.
func ageAt(now, t time.Time) float64 {
	if t.IsZero() || !t.Before(now) {
		return 0
	}
	return now.Sub(t).Seconds()
}
