// Package console serves Roster's web pages: the administrators' console under /console/ and
// the page where an invited person accepts their account. Pages are rendered on the server
// and work without JavaScript; every rule and permission is provision's, checked again on
// every request.
package console

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"roster/internal/i18n"
	"roster/internal/provision"
)

// Config is what the console needs; cmd/roster fills it in.
type Config struct {
	Service *provision.Service
	Logger  *slog.Logger
	// BaseURL is the address people reach Roster at (ROSTER_BASE_URL). Its origin is trusted
	// for form posts behind a proxy that rewrites Host, and https makes cookies Secure.
	BaseURL string
}

// Console serves the web pages.
type Console struct {
	svc     *provision.Service
	log     *slog.Logger
	cat     *i18n.Catalog
	secure  bool // cookies only over https
	origins *http.CrossOriginProtection
}

// New returns the console of cfg.
func New(cfg Config) *Console {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Console{svc: cfg.Service, log: cfg.Logger, cat: i18n.MustLoad(), origins: http.NewCrossOriginProtection()}
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Scheme != "" && u.Host != "" {
		c.secure = u.Scheme == "https"
		_ = c.origins.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	c.origins.SetDenyHandler(http.HandlerFunc(c.crossOrigin))
	return c
}

// Register adds the console's routes to mux.
func (c *Console) Register(mux *http.ServeMux) {
	page := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, c.guard(h, false)) }

	page("GET "+provision.InvitePath+"{token}", c.showInvitation)
	page("POST "+provision.InvitePath+"{token}", c.acceptInvitation)

	mux.HandleFunc("GET /console/static/{hash}/{name}", serveStatic)
	page("GET /console/{$}", c.home)
	page("GET /console/sign-in", c.showSignIn)
	page("POST /console/sign-in", c.signIn)
	page("POST /console/sign-out", c.signOut)
	page("POST /console/language", c.switchLanguage)
	page("GET "+provision.SetupPath+"{secret}", c.showSetup)
	page("POST "+provision.SetupPath+"{secret}", c.setup)

	page("GET /console/account", c.signedIn(c.account))
	page("POST /console/account/password", c.signedIn(c.changePassword))
	page("POST /console/account/sessions", c.signedIn(c.signOutOthers))
	page("GET /console/orgs", c.signedIn(c.orgs))
	page("POST /console/orgs", c.signedIn(c.createOrg))

	org := func(pattern string, h orgHandler) {
		method, path, _ := strings.Cut(pattern, " ")
		page(method+" /console/orgs/{org}"+path, c.inOrg(h))
	}
	upload := func(pattern string, h orgHandler) {
		method, path, _ := strings.Cut(pattern, " ")
		mux.Handle(method+" /console/orgs/{org}"+path, c.guard(c.inOrg(h), true))
	}
	org("GET /{$}", c.overview)
	org("GET /users", c.users)
	org("GET /users.csv", c.exportUsers)
	c.registerTasks(org)
	c.registerWizard(org)
	c.registerUser(org)
	c.registerImport(org, upload)
	c.registerGroups(org)
	c.registerSettings(org)
	c.registerLicenses(org)
	c.registerOutbox(org)
	c.registerAudit(org)
	c.registerContactCenter(org)
	c.registerAgents(org, upload)
	page("GET /console/", c.notFoundPage)
}
