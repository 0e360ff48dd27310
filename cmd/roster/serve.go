package main

import (
	"context"
	"fmt"
	"io"
	"net"
	netmail "net/mail"
	"sync"
	"time"

	"roster"
	"roster/internal/contactcenter"
	"roster/internal/csvfile"
	"roster/internal/mail"
	"roster/internal/metrics"
	"roster/internal/outbox"
	"roster/internal/provision"
	"roster/internal/retention"
	"roster/internal/server"
	"roster/internal/worker"
)

// serveCommand runs the server.
type serveCommand struct {
	env    env
	stdout io.Writer
	stderr io.Writer
	prog   string // as invoked, for the commands it suggests
}

func (c *serveCommand) run(ctx context.Context, args []string) error {
	db := dbConfig{exclusive: true}
	var (
		addr      string
		maxRows   int
		maxMiB    int
		lease     time.Duration
		baseURL   string
		smtpURL   string
		mailFrom  string
		scimURL   string
		scimTok   string
		metrAddr  string
		grace     time.Duration
		delay     time.Duration
		logFormat string
		// Ages of what retention removes; 0 keeps forever.
		retainFiles  = retention.Age(7 * 24 * time.Hour)
		retainTasks  = retention.Age(90 * 24 * time.Hour)
		retainEmails = retention.Age(30 * 24 * time.Hour)
		retainAudit  retention.Age
	)
	fs := newFlagSet("serve", "serve [flags]", c.stdout)
	db.register(fs, c.env)
	fs.StringVar(&addr, "addr", envOr(c.env, "ROSTER_ADDR", "127.0.0.1:8080"), "listen address (env ROSTER_ADDR)")
	fs.IntVar(&maxRows, "import-max-rows", csvfile.DefaultMaxRows, "most rows of one CSV import (env ROSTER_IMPORT_MAX_ROWS)")
	fs.IntVar(&maxMiB, "import-max-mib", int(csvfile.DefaultMaxBytes>>20), "largest CSV file one import takes, in MiB (env ROSTER_IMPORT_MAX_MIB)")
	fs.DurationVar(&lease, "task-lease", 30*time.Second,
		"how long a task stays with a worker that stopped answering before another takes it over (env ROSTER_TASK_LEASE)")
	fs.StringVar(&baseURL, "base-url", c.env("ROSTER_BASE_URL"), "absolute address of this service in links of emails (env ROSTER_BASE_URL; default from --addr)")
	fs.StringVar(&smtpURL, "smtp-url", c.env("ROSTER_SMTP_URL"),
		"smtp://user:pass@host:587 (STARTTLS; ?tls=required to insist) or smtps://…; empty keeps mail in the outbox (env ROSTER_SMTP_URL)")
	fs.StringVar(&mailFrom, "mail-from", envOr(c.env, "ROSTER_MAIL_FROM", "Roster <roster@localhost>"), "sender of emails (env ROSTER_MAIL_FROM)")
	fs.StringVar(&scimURL, "cc-scim-url", c.env("ROSTER_CC_SCIM_URL"),
		"push agents to this SCIM 2.0 service (its root, …/scim/v2) instead of the builtin contact center (env ROSTER_CC_SCIM_URL)")
	fs.StringVar(&scimTok, "cc-scim-token", c.env("ROSTER_CC_SCIM_TOKEN"), "bearer token of --cc-scim-url (env ROSTER_CC_SCIM_TOKEN)")
	fs.StringVar(&metrAddr, "metrics-addr", c.env("ROSTER_METRICS_ADDR"),
		"serve /metrics on this address of its own instead of --addr, e.g. for a monitoring network (env ROSTER_METRICS_ADDR)")
	fs.DurationVar(&grace, "shutdown-grace", 30*time.Second,
		"on SIGTERM or SIGINT, how long to wait for requests in flight and for the chunk of a task being committed (env ROSTER_SHUTDOWN_GRACE)")
	fs.DurationVar(&delay, "shutdown-delay", 0,
		"on SIGTERM or SIGINT, how long to keep serving with /readyz answering 503 first, so that a load balancer stops sending requests (env ROSTER_SHUTDOWN_DELAY)")
	fs.StringVar(&logFormat, "log-format", c.env("ROSTER_LOG_FORMAT"),
		"text or json (env ROSTER_LOG_FORMAT; default text when standard error is a terminal, json otherwise)")
	fs.Var(&retainFiles, "retain-files",
		"how long a dry run keeps its CSV file, for its import, after it ended: an `age` such as 7d or 12h; 0 keeps forever (env ROSTER_RETAIN_FILES)")
	fs.Var(&retainTasks, "retain-tasks",
		"how long finished tasks and their reports are kept after they ended: an `age`; 0 keeps forever (env ROSTER_RETAIN_TASKS)")
	fs.Var(&retainEmails, "retain-emails",
		"how long sent and failed emails stay in the outbox: an `age`; 0 keeps forever (env ROSTER_RETAIN_EMAILS)")
	fs.Var(&retainAudit, "retain-audit", "how long audit entries are kept: an `age`; 0, the default, keeps forever (env ROSTER_RETAIN_AUDIT)")
	if scimTok != "" {
		fs.Lookup("cc-scim-token").DefValue = "(set)"
	}
	// The URL may hold a password: -h shows it without.
	fs.Lookup("smtp-url").DefValue = redactURL(smtpURL)
	if err := envDefaults(fs, c.env, map[string]string{"import-max-rows": "ROSTER_IMPORT_MAX_ROWS",
		"import-max-mib": "ROSTER_IMPORT_MAX_MIB", "task-lease": "ROSTER_TASK_LEASE",
		"shutdown-grace": "ROSTER_SHUTDOWN_GRACE", "shutdown-delay": "ROSTER_SHUTDOWN_DELAY",
		"retain-files": "ROSTER_RETAIN_FILES", "retain-tasks": "ROSTER_RETAIN_TASKS",
		"retain-emails": "ROSTER_RETAIN_EMAILS", "retain-audit": "ROSTER_RETAIN_AUDIT"}); err != nil {
		return err
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if maxRows <= 0 || maxMiB <= 0 || lease < time.Second {
		return usageErrorf("--import-max-rows and --import-max-mib must be positive, and --task-lease at least 1s")
	}
	if grace <= 0 || delay < 0 {
		return usageErrorf("--shutdown-grace must be positive, and --shutdown-delay not negative")
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	log, err := newLogger(c.stderr, logFormat)
	if err != nil {
		return err
	}
	var sender *mail.Sender
	if smtpURL != "" {
		from, err := netmail.ParseAddress(mailFrom)
		if err != nil {
			return usageErrorf("--mail-from %q: %v", mailFrom, err)
		}
		if sender, err = mail.NewSender(smtpURL, *from); err != nil {
			return usageErrorf("--smtp-url: %v", err)
		}
	}
	var scim *contactcenter.SCIM
	if scimURL != "" {
		if scim, err = contactcenter.NewSCIM(contactcenter.SCIMConfig{BaseURL: scimURL, Token: scimTok, Logger: log}); err != nil {
			return usageErrorf("--cc-scim-url: %v", err)
		}
	}
	// The server listens before the database is opened and migrated, which may take a while:
	// meanwhile /healthz answers and /readyz says 503, rather than refuse connections.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	// Opened before anything starts, so that an address in use stops the start.
	var metricsLn net.Listener
	if metrAddr != "" {
		if metricsLn, err = net.Listen("tcp", metrAddr); err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen on %s (--metrics-addr): %w", metrAddr, err)
		}
		// Serve closes it too; this is for a start that fails before.
		defer metricsLn.Close()
	}
	if baseURL == "" {
		baseURL = "http://" + ln.Addr().String()
	}
	m := metrics.New(version)
	cfg := server.Config{Logger: log, BaseURL: baseURL, Metrics: m, MetricsElsewhere: metricsLn != nil,
		ShutdownTimeout: grace, ShutdownDelay: delay}
	srv := server.New(cfg)
	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx, ln) }()
	// A start that fails after this point stops the listener before it returns.
	failStart := func(err error) error {
		stopServing()
		// The failure to start is what the caller needs to hear; how the listener ended, the log.
		if serveErr := <-served; serveErr != nil {
			log.Warn("listener stopped", "err", serveErr)
		}
		return err
	}
	fmt.Fprintf(c.stdout, "Roster %s listening on http://%s\n", version, ln.Addr())

	store, err := db.open(ctx)
	if err != nil {
		if ctx.Err() != nil {
			// SIGTERM while migrating: the migration in progress rolls back, and the next start
			// applies it. A stop, not a failure.
			log.Info("stopped before ready", "err", err)
			return failStart(nil)
		}
		return failStart(err)
	}
	defer store.Close()
	var conn roster.Connector = contactcenter.NewBuiltin(store)
	if scim != nil {
		conn = scim
	}
	opts := []provision.Option{provision.WithLogger(log), provision.WithBaseURL(baseURL),
		provision.WithImportLimits(csvfile.Limits{MaxRows: maxRows, MaxBytes: int64(maxMiB) << 20}),
		provision.WithConnectorName(conn.Name())}
	if scim != nil {
		opts = append(opts, provision.WithRemoteSupport(scim.Support))
	}
	if sender != nil {
		opts = append(opts, provision.WithMailServer())
	}
	svc := provision.New(store, opts...)
	engine := contactcenter.New(store, conn, contactcenter.Options{Logger: log})

	fmt.Fprintf(c.stdout, "Data: %s\n", db.describe())
	fmt.Fprintf(c.stdout, "API: http://%s/api/v1 (description at /api/v1/openapi.json)\n", ln.Addr())
	fmt.Fprintf(c.stdout, "Contact center: %s connector\n", conn.Name())
	if metricsLn != nil {
		fmt.Fprintf(c.stdout, "Metrics: http://%s/metrics\n", metricsLn.Addr())
	} else {
		fmt.Fprintf(c.stdout, "Metrics: http://%s/metrics\n", ln.Addr())
	}
	if err := c.firstStart(ctx, svc, baseURL); err != nil {
		return failStart(err)
	}
	if sender != nil {
		fmt.Fprintf(c.stdout, "Mail: sent through %s, links to %s\n", redactURL(smtpURL), baseURL)
	} else {
		fmt.Fprintf(c.stdout, "Mail: no mail server (--smtp-url); invitations wait in the outbox, GET /api/v1/orgs/{org}/emails\n")
	}
	fmt.Fprintf(c.stdout, "Retention: dry-run files %s, finished tasks %s, sent emails %s, audit %s\n",
		keptFor(retainFiles), keptFor(retainTasks), keptFor(retainEmails), keptFor(retainAudit))
	if u := cliURL(ln.Addr()); u != defaultServer {
		fmt.Fprintf(c.stdout, "CLI: this is not its default address (%s); point it here with: export ROSTER_SERVER=%s\n", defaultServer, u)
	}
	if tokens, err := store.FindTokens(ctx, ""); err == nil && len(tokens) == 0 {
		where := "--data-dir " + db.dataDir
		if db.databaseURL != "" {
			where = "--database-url '" + redactURL(db.databaseURL) + "'"
		}
		fmt.Fprintf(c.stdout, "No installation token exists yet. Create one with:\n  %s token create --system %s\n", c.prog, where)
	}
	// The workers stop at the signal itself, not after the shutdown delay: no load balancer
	// drains them, and the sooner they release what they hold, the sooner other nodes take it
	// over (see worker.Runner.Run). They must be done before the deferred Close of the store.
	var workers sync.WaitGroup
	wctx, stopWorkers := context.WithCancel(ctx)
	defer stopWorkers()
	// A task of a kind no handler runs fails with a message that says so.
	handlers := map[string]worker.Handler{
		provision.KindImport:            worker.HandlerFunc(svc.RunImport),
		provision.KindImportRevert:      worker.HandlerFunc(svc.RunRevert),
		provision.KindResendInvitations: worker.HandlerFunc(svc.RunResendInvitations),
		provision.KindApplyTemplate:     worker.HandlerFunc(svc.RunApplyTemplate),
		provision.KindSynchronize:       worker.HandlerFunc(engine.RunSynchronize),
		provision.KindAgentUpload:       worker.HandlerFunc(svc.RunAgentUpload),
	}
	m.WatchQueues(store, log)
	m.WatchPools(store.Pools())
	for range workersPerProcess {
		r := worker.New(store, handlers, worker.Options{Logger: log, Lease: lease, Observer: m})
		workers.Go(func() { _ = r.Run(wctx) })
	}
	if sender != nil {
		d := outbox.New(store, sender, outbox.Options{Logger: log, Observer: m})
		workers.Go(func() { _ = d.Run(wctx) })
	}
	if scim != nil {
		// What the remote supports goes to the log and Service Details; asked beside the
		// start, which must not wait on a remote that does not answer.
		workers.Go(func() { scim.Discover(wctx) })
	}
	// Every node delivers the sync queue; jobs are leased, so nodes share it.
	workers.Go(func() { _ = engine.Run(wctx) })
	// Every node sweeps too: the store lets sweeps that meet share the rows.
	sweeper := retention.New(store, retention.Policy{Files: time.Duration(retainFiles), Tasks: time.Duration(retainTasks),
		Emails: time.Duration(retainEmails), Audit: time.Duration(retainAudit),
		SessionIdle: provision.SessionIdle, SignInWindow: provision.SignInWindow}, retention.Options{Logger: log})
	workers.Go(func() { _ = sweeper.Run(wctx) })
	if metricsLn != nil {
		workers.Go(func() {
			if err := server.NewMetricsServer(cfg).Serve(wctx, metricsLn); err != nil {
				log.Error("metrics listener", "err", err)
			}
		})
	}
	srv.Ready(svc, store)
	log.Info("ready")

	err = <-served
	// Also when Serve failed on its own.
	stopWorkers()
	if !waitTimeout(&workers, grace) {
		log.Error("background work did not stop within the shutdown grace; what it holds waits for its leases", "grace", grace)
		return err
	}
	log.Info("stopped")
	return err
}

// waitTimeout waits for wg up to d, and reports whether it is done.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// cliURL is the URL by which the CLI on this machine reaches a server listening on addr: a
// server listening on every interface is reached on the loopback one.
func cliURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// keptFor says how long retention keeps a kind, for the start's summary.
func keptFor(a retention.Age) string {
	if a == 0 {
		return "kept forever"
	}
	return "kept " + a.String()
}

// workersPerProcess is how many tasks one process runs at a time.
const workersPerProcess = 2

// firstStart prints where the console is and, on an installation without organizations,
// creates the first one from ROSTER_ADMIN_EMAIL and ROSTER_ADMIN_PASSWORD, or prints the
// one-time link that does it in a browser.
func (c *serveCommand) firstStart(ctx context.Context, svc *provision.Service, baseURL string) error {
	if email, pw := c.env("ROSTER_ADMIN_EMAIL"), c.env("ROSTER_ADMIN_PASSWORD"); email != "" || pw != "" {
		name := c.env("ROSTER_ADMIN_ORG")
		if name == "" {
			name = "My organization"
		}
		u, err := svc.BootstrapAdmin(ctx, provision.Setup{OrgName: name, Email: email, Password: pw})
		if err != nil {
			return fmt.Errorf("ROSTER_ADMIN_EMAIL and ROSTER_ADMIN_PASSWORD: %s", roster.ErrorMessage(err))
		}
		if u != nil {
			fmt.Fprintf(c.stdout, "Created organization %q and its full administrator %s\n", name, u.Email)
		}
	}
	secret, err := svc.PrepareSetup(ctx)
	if err != nil {
		return err
	}
	if secret != "" {
		fmt.Fprintf(c.stdout, "Set up the first organization and its administrator (this link works once):\n  %s%s%s\n", baseURL, provision.SetupPath, secret)
		return nil
	}
	fmt.Fprintf(c.stdout, "Console: %s/console/\n", baseURL)
	return nil
}
