package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
	"roster/internal/server"
	"roster/internal/sqldb/sqldbtest"
)

// env is a running server with the console, on SQLite, and one organization.
type env struct {
	t     *testing.T
	svc   *provision.Service
	store roster.Store
	srv   *httptest.Server
	org   *roster.Org
}

// password is every test administrator's password.
const password = "correct horse battery"

// newEnv starts a server and creates an organization on platform ("new" or "1.0").
func newEnv(t *testing.T, platform roster.Platform) *env {
	t.Helper()
	return newEnvWith(t, platform)
}

// newEnvWith is newEnv with more options of the service (import limits, say).
func newEnvWith(t *testing.T, platform roster.Platform, opts ...provision.Option) *env {
	t.Helper()
	store := sqldbtest.Open(t, "sqlite")
	// Cheap password hashes: tests sign in often.
	opts = append([]provision.Option{provision.WithPasswordIterations(1000), provision.WithBaseURL("http://roster.test")}, opts...)
	svc := provision.New(store, opts...)
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Store: store, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	name := "Acme"
	o, err := svc.CreateOrg(context.Background(), provision.System(roster.ViaCLI), provision.OrgChange{Name: &name, Platform: &platform})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, svc: svc, store: store, srv: srv, org: o}
}

// newAdmin creates an active administrator of the organization with role and a console
// password, the way a person gets one: invited, given the role, accepting the invitation.
func (e *env) newAdmin(email string, role roster.AdminRole) *roster.User {
	e.t.Helper()
	ctx := context.Background()
	sys := provision.System(roster.ViaCLI)
	u, err := e.svc.CreateUser(ctx, sys, e.org.ID, provision.NewUser{Email: email, FirstName: "Test"})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.UpdateUser(ctx, sys, e.org.ID, u.ID, provision.UserChange{AdminRole: &role}, 0); err != nil {
		e.t.Fatal(err)
	}
	page, err := e.svc.Emails(ctx, sys, roster.EmailFilter{OrgID: e.org.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range page.Emails {
		if m.To == email && m.Link != "" {
			token := m.Link[strings.LastIndex(m.Link, "/")+1:]
			if _, err := e.svc.AcceptInvitation(ctx, token, password); err != nil {
				e.t.Fatal(err)
			}
			u, err = e.svc.User(ctx, sys, e.org.ID, u.ID)
			if err != nil {
				e.t.Fatal(err)
			}
			return u
		}
	}
	e.t.Fatalf("no invitation for %s", email)
	return nil
}

// browser is a signed-in (or signed-out) browser: it keeps cookies, sends the Origin of the
// site with its posts as browsers do, and does not follow redirects, so tests see them.
type browser struct {
	e      *env
	client *http.Client
	lang   string
}

// browser returns a signed-out browser that asks for lang.
func (e *env) browser(lang string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, lang: lang, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signedIn returns a browser of a new administrator with role, signed in.
func (e *env) signedIn(role roster.AdminRole, lang string) *browser {
	e.t.Helper()
	u := e.newAdmin(string(role)+"@acme.example", role)
	b := e.browser(lang)
	resp := b.post("/console/sign-in", url.Values{"email": {u.Email}, "password": {password}})
	if resp.status != http.StatusSeeOther {
		e.t.Fatalf("sign in as %s: %d\n%s", role, resp.status, resp.body)
	}
	return b
}

// response is an answer, read whole.
type response struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) response {
	b.e.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// get asks for a page of the server (a path).
func (b *browser) get(path string) response {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form from a page of the same site.
func (b *browser) post(path string, form url.Values) response {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// orgPath is the address of a page of the test organization.
func (e *env) orgPath(p string) string { return "/console/orgs/" + e.org.ID + p }
