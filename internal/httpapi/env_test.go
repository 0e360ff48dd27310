package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/server"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
	"roster/internal/worker"
)

// env is a real server on a random port over a real, migrated SQLite store.
type env struct {
	t     testing.TB
	srv   *httptest.Server
	svc   *provision.Service
	store *sqldb.DB
	doc   *openAPI
	logs  *syncBuffer
	sys   string // secret of an installation token
}

func newEnv(t testing.TB) *env {
	t.Helper()
	store := sqldbtest.Open(t, "sqlite")
	svc := provision.New(store)
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Store: store, Logger: log}))
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, svc: svc, store: store, doc: loadOpenAPI(t), logs: logs}
	_, e.sys = e.mintToken(provision.NewToken{System: true, Name: "test system"})
	return e
}

// actor is the installation acting through the CLI on its own data, as `roster token create`
// does; fixtures are made with it so they are not mistaken for the API changes under test.
var actor = provision.System(roster.ViaCLI)

func (e *env) mintToken(in provision.NewToken) (*roster.APIToken, string) {
	e.t.Helper()
	tok, secret, err := e.svc.CreateToken(context.Background(), actor, in)
	if err != nil {
		e.t.Fatalf("mint token: %v", err)
	}
	return tok, secret
}

func (e *env) createOrg(name string, platform roster.Platform, seats roster.Seats) *roster.Org {
	e.t.Helper()
	o, err := e.svc.CreateOrg(context.Background(), actor, provision.OrgChange{
		Name: &name, Platform: &platform, StandardSeats: &seats.Standard, PremiumSeats: &seats.Premium,
	})
	if err != nil {
		e.t.Fatalf("create org: %v", err)
	}
	return o
}

func (e *env) createUser(orgID string, in provision.NewUser) *roster.User {
	e.t.Helper()
	u, err := e.svc.CreateUser(context.Background(), actor, orgID, in)
	if err != nil {
		e.t.Fatalf("create user %s: %v", in.Email, err)
	}
	return u
}

func (e *env) createGroup(orgID, name string, license roster.License) *roster.Group {
	e.t.Helper()
	g, err := e.svc.CreateGroup(context.Background(), actor, orgID, provision.GroupInput{Name: &name, License: &license})
	if err != nil {
		e.t.Fatalf("create group %s: %v", name, err)
	}
	return g
}

func (e *env) addMembers(orgID, groupID string, userIDs ...string) {
	e.t.Helper()
	res, err := e.svc.AddMembers(context.Background(), actor, orgID, groupID, provision.MemberRefs{UserIDs: userIDs})
	if err != nil || len(res.Failed) > 0 {
		e.t.Fatalf("add members: %v %+v", err, res)
	}
}

func (e *env) createUserProfile(orgID, name string, pt roster.ProfileType) *roster.UserProfile {
	e.t.Helper()
	p, err := e.svc.CreateUserProfile(context.Background(), actor, orgID, name, pt)
	if err != nil {
		e.t.Fatalf("create user profile %s: %v", name, err)
	}
	return p
}

func (e *env) setAssignment(orgID string, mode roster.AssignmentMode, license roster.License) {
	e.t.Helper()
	if _, err := e.svc.SetLicenseAssignment(context.Background(), actor, orgID, roster.LicenseAssignment{Mode: mode, License: license}, 0); err != nil {
		e.t.Fatalf("set license assignment: %v", err)
	}
}

// runWorker runs the tasks that change licenses, as roster serve does, until the test ends.
func (e *env) runWorker() {
	ctx, cancel := context.WithCancel(context.Background())
	handlers := map[string]worker.Handler{
		provision.KindImport:        worker.HandlerFunc(e.svc.RunImport),
		provision.KindImportRevert:  worker.HandlerFunc(e.svc.RunRevert),
		provision.KindApplyTemplate: worker.HandlerFunc(e.svc.RunApplyTemplate),
		provision.KindAgentUpload:   worker.HandlerFunc(e.svc.RunAgentUpload),
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = worker.New(e.store, handlers, worker.Options{Poll: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}).Run(ctx)
	})
	e.t.Cleanup(func() { cancel(); wg.Wait() })
}

// createTask stores a task and its report rows directly, as the import will; ids are given
// in order, so later tasks are newer.
func (e *env) createTask(t *roster.Task, rows ...*roster.TaskRow) *roster.Task {
	e.t.Helper()
	t.ID = roster.NewID()
	if t.Params == nil {
		t.Params = json.RawMessage(`{}`)
	}
	for _, r := range rows {
		r.TaskID = t.ID
	}
	err := e.store.Write(context.Background(), func(tx roster.Tx) error {
		if err := tx.CreateTask(context.Background(), t); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.CreateTaskRows(context.Background(), rows)
	})
	if err != nil {
		e.t.Fatalf("create task: %v", err)
	}
	return t
}

// req is one request of a test.
type req struct {
	method, path string
	token        string            // secret; "" sends no Authorization
	body         any               // string: sent as it is; nil: no body; else JSON-encoded
	header       map[string]string // extra headers; Content-Type defaults to application/json
}

// resp is what came back.
type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any // the decoded JSON object, if it was one
}

// do sends r and checks the answer against the OpenAPI document.
func (e *env) do(r req) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	hr, err := http.NewRequest(r.method, e.srv.URL+r.path, rd)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if rd != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	res, err := e.srv.Client().Do(hr)
	if err != nil {
		e.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("read answer: %v", err)
	}
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	_ = json.Unmarshal(raw, &out.body)
	if err := e.doc.checkResponse(r.method, r.path, res.StatusCode, res.Header.Get("Content-Type"), raw); err != nil {
		e.t.Errorf("answer does not match openapi.json: %v\nbody: %s", err, raw)
	}
	return out
}

// get returns the value at a dotted path of a decoded JSON value ("results.0.outcome").
func get(v any, path string) any {
	if path == "" {
		return v
	}
	for _, part := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]any:
			v = c[part]
		case []any:
			i := -1
			for j := range c {
				if part == itoa(j) {
					i = j
				}
			}
			if i < 0 {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
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
