// Package server assembles Roster's HTTP surface: it mounts the REST API under /api/ and SCIM
// under /scim/v2/, serves the health endpoints, and wraps everything in the middleware every
// request needs (request id, access log, panic recovery). It also runs the listener with a graceful shutdown.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
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
	Service *provision.Service // serves the REST API
	Store   Pinger             // answers /readyz
	Logger  *slog.Logger       // access log and internal errors; nil means slog.Default()
	// BaseURL is where people reach Roster (ROSTER_BASE_URL): the console trusts its origin
	// for form posts and sets Secure cookies under https.
	BaseURL string
	// ShutdownTimeout bounds how long ListenAndServe waits for requests in flight once its
	// context is canceled; 0 means 15 seconds.
	ShutdownTimeout time.Duration
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
}

// New returns the server of cfg.
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
	mux.Handle("/api/", httpapi.New(cfg.Service, cfg.Logger).Handler())
	mux.Handle(scim.Prefix+"/", scim.New(cfg.Service, cfg.Logger).Handler())
	console.New(console.Config{Service: cfg.Service, Logger: cfg.Logger, BaseURL: cfg.BaseURL}).Register(mux)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if cfg.Metrics != nil && !cfg.MetricsElsewhere {
		mux.Handle("GET /metrics", cfg.Metrics.Handler(cfg.Logger))
	}
	s.handler = s.middleware(mux)
	return s
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

// readyz answers 200 when the database answers, 503 otherwise: a load balancer sends traffic
// only to nodes that can serve it.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.cfg.Store == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: no database\n"))
		return
	}
	if err := s.cfg.Store.Ping(ctx); err != nil {
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
// ln.
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
	s.log.InfoContext(ctx, "stopped")
	return nil
}
