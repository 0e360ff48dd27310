package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
	"roster/internal/server"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

// env is a real server on a random port over a real, migrated store, with one organization
// and a token of each administrator role.
type env struct {
	t     *testing.T
	srv   *httptest.Server
	svc   *provision.Service
	store *sqldb.DB
	org   *roster.Org
	full  string // token secrets
	cc    string
	ro    string
	sys   string
}

// actor makes fixtures, so they are not mistaken for the SCIM changes under test.
var actor = provision.System(roster.ViaCLI)

// forEngine runs fn on SQLite, and on PostgreSQL when the test database is configured.
func forEngine(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, engine, roster.Seats{}))
		})
	}
}

func newEnv(t *testing.T, engine string, seats roster.Seats) *env {
	t.Helper()
	store := sqldbtest.Open(t, engine)
	svc := provision.New(store)
	log := slog.New(slog.DiscardHandler)
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Store: store, Logger: log}))
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, svc: svc, store: store}
	e.org = e.createOrg("Acme", seats)
	e.full = e.token(e.org.ID, roster.AdminFull)
	e.cc = e.token(e.org.ID, roster.AdminCCService)
	e.ro = e.token(e.org.ID, roster.AdminReadOnly)
	_, e.sys, _ = svc.CreateToken(context.Background(), actor, provision.NewToken{System: true})
	return e
}

func (e *env) createOrg(name string, seats roster.Seats) *roster.Org {
	e.t.Helper()
	o, err := e.svc.CreateOrg(context.Background(), actor, provision.OrgChange{
		Name: &name, StandardSeats: &seats.Standard, PremiumSeats: &seats.Premium,
	})
	if err != nil {
		e.t.Fatalf("create org: %v", err)
	}
	return o
}

func (e *env) token(orgID string, role roster.AdminRole) string {
	e.t.Helper()
	_, secret, err := e.svc.CreateToken(context.Background(), actor, provision.NewToken{OrgID: orgID, Role: role})
	if err != nil {
		e.t.Fatalf("mint token: %v", err)
	}
	return secret
}

func (e *env) createUser(in provision.NewUser) *roster.User {
	e.t.Helper()
	u, err := e.svc.CreateUser(context.Background(), actor, e.org.ID, in)
	if err != nil {
		e.t.Fatalf("create user %s: %v", in.Email, err)
	}
	return u
}

func (e *env) user(id string) *roster.User {
	e.t.Helper()
	u, err := e.svc.User(context.Background(), actor, e.org.ID, id)
	if err != nil {
		e.t.Fatalf("user %s: %v", id, err)
	}
	return u
}

// response is an answer of the server.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// do sends a request with token as the bearer (none when empty) and extra headers as
// name, value pairs.
func (e *env) do(method, path, token, body string, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			e.t.Fatalf("%s %s: the body is not a JSON object: %s", method, path, raw)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/scim+json" {
			e.t.Errorf("%s %s: Content-Type %q, want application/scim+json", method, path, ct)
		}
	}
	return out
}

// want fails the test unless the response has status (and, for errors, scimType).
func (r response) want(t *testing.T, status int, scimType ...string) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	if len(scimType) > 0 {
		if got, _ := r.body["scimType"].(string); got != scimType[0] {
			t.Fatalf("scimType %q, want %q: %s", got, scimType[0], r.raw)
		}
	}
	if status >= 400 {
		if r.body["status"] != strconvItoa(status) || !hasSchema(r.body, "urn:ietf:params:scim:api:messages:2.0:Error") {
			t.Fatalf("not a SCIM error: %s", r.raw)
		}
	}
	return r
}

func strconvItoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func hasSchema(body map[string]any, urn string) bool {
	list, _ := body["schemas"].([]any)
	for _, s := range list {
		if s == urn {
			return true
		}
	}
	return false
}

// path returns the value at a dotted path of a decoded body; list indexes are numbers.
func path(v any, keys ...string) any {
	for _, k := range keys {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i := 0
			_ = json.Unmarshal([]byte(k), &i)
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// filterPath returns the /Users path of a filter query.
func filterPath(resource, filter string, extra ...string) string {
	q := url.Values{"filter": {filter}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return "/scim/v2/" + resource + "?" + q.Encode()
}

const (
	rosterExt     = "urn:ietf:params:scim:schemas:extension:roster:2.0:User"
	enterpriseExt = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)
