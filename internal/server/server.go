// Package server assembles Roster's HTTP surface: it mounts the REST API under /api/ and SCIM
// under /scim/v2/, serves the health endpoints, and wraps everything in the middleware every
// request needs (request id, access log, panic recovery). It also runs the listener with a
// graceful shutdown, and answers /healthz and /readyz from before the database is open until
// the process ends, so that a load balancer sees a node that is not ready, not one that
// refuses connections.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"roster/internal/console"
	"roster/internal/httpapi"
	"roster/internal/metrics"
	"roster/internal/provision"
	"roster/internal/scim"
)

// Pinger is what the readiness check needs of the store; roster.Store has it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Config is what the server needs; cmd/roster fills it in.
type Config struct {
	// Service serves the REST API, SCIM and the console, and Store answers /readyz. A server
	// made without them answers only /healthz, /readyz (503) and /metrics until Ready gives
	// them: a process listens while it opens and migrates its database.
	Service *provision.Service
	Store   Pinger
	Logger  *slog.Logger // access log and internal errors; nil means slog.Default()
	// BaseURL is where people reach Roster (ROSTER_BASE_URL): the console trusts its origin
	// for form posts and sets Secure cookies under https.
	BaseURL string
	// ShutdownTimeout bounds how long ListenAndServe waits for requests in flight once its
	// context is canceled (and ShutdownDelay has passed); 0 means 15 seconds.
	ShutdownTimeout time.Duration
	// ShutdownDelay is how long a server that was ready keeps serving once its context is
	// canceled, with /readyz already answering 503, so that a load balancer stops sending it
	// requests before it stops accepting them. 0 shuts down at once.
	ShutdownDelay time.Duration
	// BodyTimeout and BodyMinRate bound how slowly a request body may arrive: its first n
	// bytes within BodyTimeout of the request plus n/BodyMinRate seconds (BodyMinRate in bytes
	// a second). 0 means 20 seconds and 8 KiB a second.
	BodyTimeout time.Duration
	BodyMinRate int64
	// Metrics records every request; nil records nothing and serves no /metrics. /metrics is
	// served without a token, as Prometheus scrapes it: nothing in it is personal or secret.
	Metrics *metrics.Metrics
	// MetricsElsewhere leaves GET /metrics off this server, for a process that serves it on an
	// address of its own (NewMetricsServer): one that only the monitoring network reaches.
	MetricsElsewhere bool
}

// Server is Roster's HTTP server.
type Server struct {
	cfg     Config
	log     *slog.Logger
	handler http.Handler
	// app serves everything but the health endpoints and /metrics, once Ready built it.
	app   atomic.Pointer[http.ServeMux]
	store atomic.Pointer[Pinger]
	state atomic.Int32
}

// The states of a Server, as /readyz reports them.
const (
	stateStarting int32 = iota // the database is being opened or migrated
	stateReady
	stateStopping // shutdown has begun
)

// New returns the server of cfg. Without cfg.Service it is not ready until Ready is called.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 15 * time.Second
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = defaultBodyTimeout
	}
	if cfg.BodyMinRate <= 0 {
		cfg.BodyMinRate = defaultBodyMinRate
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if cfg.Metrics != nil && !cfg.MetricsElsewhere {
		mux.Handle("GET /metrics", cfg.Metrics.Handler(cfg.Logger))
	}
	mux.HandleFunc("/", s.serveApp)
	s.handler = s.middleware(mux)
	if cfg.Service != nil {
		s.Ready(cfg.Service, cfg.Store)
	}
	return s
}

// Ready mounts the REST API, SCIM and the console on svc, and makes /readyz ask store: for a
// server made before its database was open and migrated.
func (s *Server) Ready(svc *provision.Service, store Pinger) {
	app := http.NewServeMux()
	app.Handle("/api/", httpapi.New(svc, s.log).Handler())
	app.Handle(scim.Prefix+"/", scim.New(svc, s.log).Handler())
	console.New(console.Config{Service: svc, Logger: s.log, BaseURL: s.cfg.BaseURL}).Register(app)
	if store != nil {
		s.store.Store(&store)
	}
	s.app.Store(app)
	s.state.CompareAndSwap(stateStarting, stateReady)
}

// serveApp hands a request to the routes Ready mounted, and answers 503 before.
func (s *Server) serveApp(w http.ResponseWriter, r *http.Request) {
	app := s.app.Load()
	if app == nil {
		// Not a route of its own: the access log and the metrics count it as unmatched.
		r.Pattern = ""
		w.Header().Set("Retry-After", "5")
		http.Error(w, "Roster is starting.", http.StatusServiceUnavailable)
		return
	}
	// The mux sets the pattern of its route on r, which the access log and the metrics read.
	app.ServeHTTP(w, r)
}

// NewMetricsServer returns a server that answers only GET /metrics, of cfg.Metrics, for the
// address of its own that --metrics-addr names. Its requests are logged and counted like
// those of the main server.
func NewMetricsServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 15 * time.Second
	}
	cfg.BodyTimeout, cfg.BodyMinRate = defaultBodyTimeout, defaultBodyMinRate
	s := &Server{cfg: cfg, log: cfg.Logger}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", cfg.Metrics.Handler(cfg.Logger))
	s.handler = s.middleware(mux)
	return s
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// healthz answers as long as the process serves requests; it checks nothing else, so that an
// orchestrator does not restart a node only because its database is away.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 when the database answers, 503 otherwise, while the database is opened
// and migrated, and from the moment shutdown begins: a load balancer sends traffic only to
// nodes that can serve it, and stops before a node stops accepting.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	switch s.state.Load() {
	case stateStarting:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: starting (opening and migrating the database)\n"))
		return
	case stateStopping:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: shutting down\n"))
		return
	}
	store := s.store.Load()
	if store == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: no database\n"))
		return
	}
	if err := (*store).Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "readiness check failed", "requestId", r.Header.Get(requestIDHeader), "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: the database does not answer\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// ListenAndServe listens on addr and serves until ctx is canceled, then shuts down gracefully:
// it stops accepting connections and waits up to the shutdown timeout for requests in flight.
// It returns nil after a shutdown asked for by ctx.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve is ListenAndServe on a listener the caller opened (tests use a random port). It closes
// ln. Once ctx is canceled, /readyz answers 503; a server that was ready keeps serving for the
// ShutdownDelay, and then stops accepting and waits up to the ShutdownTimeout for the requests
// in flight.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		// Requests keep ctx's values but not its cancellation: a shutdown lets requests in
		// flight finish instead of failing them at once.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	s.log.InfoContext(ctx, "listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if was := s.state.Swap(stateStopping); was == stateReady && s.cfg.ShutdownDelay > 0 {
		s.log.InfoContext(ctx, "shutting down: not ready, still serving", "delay", s.cfg.ShutdownDelay)
		select {
		case err := <-errc:
			return err
		case <-time.After(s.cfg.ShutdownDelay):
		}
	}
	s.log.InfoContext(ctx, "shutting down: waiting for requests in flight", "grace", s.cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	if err != nil {
		// Requests still running after the timeout are cut off.
		_ = srv.Close()
		return err
	}
	s.log.InfoContext(ctx, "requests in flight done")
	return nil
}
