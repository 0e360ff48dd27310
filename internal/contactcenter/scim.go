package contactcenter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"roster"
)

// SCIMExtensionSchema is the SCIM schema URN of the contact-center attributes the SCIM
// connector sends with every user (profileType, userProfileId).
const SCIMExtensionSchema = "urn:roster:params:scim:schemas:extension:contactcenter:2.0:User"

const (
	scimCoreUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimPatchSchema    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimContentType    = "application/scim+json"

	// DefaultSCIMConcurrency is the number of users the SCIM connector pushes at once unless
	// configured otherwise. Creating a user costs three round trips (search by externalId,
	// search by userName, then POST) and updating one two (GET, then PATCH or PUT): at 20 ms
	// per round trip 48 in flight give about 800 creations/s in theory.
	DefaultSCIMConcurrency = 48
	// DefaultSCIMTimeout bounds each HTTP request of the SCIM connector.
	DefaultSCIMTimeout = 10 * time.Second

	// maxSCIMIDs bounds the id map so that a huge organization cannot grow it without
	// limit; a user evicted from it only costs one search on its next push.
	maxSCIMIDs = 1 << 16
	// maxRetryAfter caps the remote's Retry-After so a bogus value cannot park a user for
	// years (or overflow a Duration).
	maxRetryAfter = 24 * time.Hour
	// maxResponse bounds what is read of a response body.
	maxResponse = 1 << 20
	// defaultRediscoverEvery is how often, at most, a failing push makes the connector ask the
	// remote again what it supports.
	defaultRediscoverEvery = time.Minute
)

// SCIMConfig configures the SCIM connector.
type SCIMConfig struct {
	// BaseURL is the SCIM service root, e.g. "https://cc.example.com/scim/v2"; /Users is
	// appended to it.
	BaseURL string
	// Token is sent as "Authorization: Bearer <token>". It never appears in error messages.
	Token string
	// Client sends the requests. Nil means a client whose transport keeps Concurrency idle
	// connections to the endpoint; a supplied client should allow as many, or every push
	// opens new connections.
	Client *http.Client
	// Concurrency is the number of users pushed at once; 0 means DefaultSCIMConcurrency.
	Concurrency int
	// Timeout bounds each HTTP request; 0 means DefaultSCIMTimeout.
	Timeout time.Duration
	// RediscoverEvery is how often, at most, a failed push makes the connector ask the remote
	// again what it supports; 0 means a minute.
	RediscoverEvery time.Duration
	// Logger receives what the remote supports and the causes of failures that administrators
	// see as a sentence; nil means slog.Default().
	Logger *slog.Logger
}

// SCIM is a roster.Connector that pushes agents to an external SCIM 2.0 service provider
// (RFC 7643, RFC 7644) as Users carrying the SCIMExtensionSchema extension.
//
// It trusts nothing it remembers about the remote side: every push reads the remote user
// first and writes only what differs, with PATCH when the remote offers it (else a PUT of the
// remote resource with Roster's attributes merged in, so that attributes set there survive),
// with If-Match when the remote versions its users. It then checks that the remote's answer
// holds what was sent. A remote user found by userName without an externalId is adopted. It
// remembers only which remote id a user has, to save a search.
type SCIM struct {
	base        string
	token       string
	client      *http.Client
	concurrency int
	timeout     time.Duration
	rediscover  time.Duration
	log         *slog.Logger

	mu  sync.Mutex
	ids map[string]string // our user id (the remote externalId) → remote id

	// support is what the remote said it supports; discoverMu makes one discovery at a time.
	discoverMu sync.Mutex
	support    atomic.Pointer[roster.RemoteSupport]

	// users serializes the pushes of one user across Push calls (the engine's and Synchronize
	// Users' run at once): two writes of one user in flight at once could create it twice.
	usersMu sync.Mutex
	users   map[string]*userLock
}

type userLock struct {
	mu sync.Mutex
	n  int // holders and waiters
}

var _ Reconciler = (*SCIM)(nil)

// NewSCIM returns a SCIM connector for cfg.
func NewSCIM(cfg SCIMConfig) (*SCIM, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("scim base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("scim base URL %q: want an absolute http or https URL", cfg.BaseURL)
	}
	if u.User != nil {
		// Credentials in the URL would end up in logs and error messages.
		return nil, errors.New("scim base URL: must not contain credentials; use the token")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("scim base URL: must not have a query or fragment")
	}
	if cfg.Token == "" || strings.ContainsAny(cfg.Token, " \t\r\n") {
		return nil, errors.New("scim token: must be non-empty without whitespace")
	}
	if cfg.Concurrency < 0 {
		return nil, fmt.Errorf("scim concurrency %d: must not be negative", cfg.Concurrency)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("scim timeout %s: must not be negative", cfg.Timeout)
	}
	c := &SCIM{
		base:        strings.TrimRight(u.String(), "/"),
		token:       cfg.Token,
		client:      cfg.Client,
		concurrency: cfg.Concurrency,
		timeout:     cfg.Timeout,
		rediscover:  cfg.RediscoverEvery,
		log:         cfg.Logger,
		ids:         make(map[string]string),
	}
	if c.concurrency == 0 {
		c.concurrency = DefaultSCIMConcurrency
	}
	if c.timeout == 0 {
		c.timeout = DefaultSCIMTimeout
	}
	if c.rediscover <= 0 {
		c.rediscover = defaultRediscoverEvery
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("connector", "scim")
	if c.client == nil {
		// The default transport keeps only 2 idle connections per host: with more requests
		// in flight it would close and reopen connections on every round trip.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = c.concurrency
		c.client = &http.Client{Transport: t}
	}
	return c, nil
}

// Name returns "scim".
func (c *SCIM) Name() string { return "scim" }

// Support returns what the remote said it supports when last asked, nil before it was.
func (c *SCIM) Support() *roster.RemoteSupport { return c.support.Load() }

// Discover asks the remote what it supports (GET /ServiceProviderConfig and /Schemas), logs
// it, keeps it for Support and for the choice between PATCH and PUT, and returns it. The
// server calls it at start; the connector calls it before its first push and again, at most
// once a minute, after a push failed.
func (c *SCIM) Discover(ctx context.Context) *roster.RemoteSupport {
	c.discoverMu.Lock()
	defer c.discoverMu.Unlock()
	s := &roster.RemoteSupport{CheckedAt: time.Now().UTC(), Extension: SCIMExtensionSchema}
	var spc struct {
		Patch struct {
			Supported bool `json:"supported"`
		} `json:"patch"`
		ETag struct {
			Supported bool `json:"supported"`
		} `json:"etag"`
	}
	if err := c.getJSON(ctx, "/ServiceProviderConfig", "", &spc); err != nil {
		s.Problem, _ = syncReason(err) // it names GET /ServiceProviderConfig
	} else {
		s.Reachable, s.Patch, s.ETags = true, spc.Patch.Supported, spc.ETag.Supported
	}
	if s.Reachable {
		if schemas, err := c.schemas(ctx); err != nil {
			s.Problem, _ = syncReason(err)
		} else {
			s.Schemas = schemas
			for _, id := range schemas {
				s.ExtensionListed = s.ExtensionListed || id == SCIMExtensionSchema
			}
			if !s.ExtensionListed {
				s.Problem = "The SCIM service does not list the contact-center schema " + SCIMExtensionSchema +
					": users whose profile type it does not keep are invalid."
			}
		}
	}
	c.support.Store(s)
	level := slog.LevelInfo
	if s.Problem != "" {
		level = slog.LevelWarn
	}
	c.log.Log(ctx, level, "scim service support", "reachable", s.Reachable, "patch", s.Patch, "etags", s.ETags,
		"schemas", s.Schemas, "extensionListed", s.ExtensionListed, "problem", s.Problem)
	return s
}

// schemas returns the ids of the schemas the remote lists. Some servers answer a bare array
// instead of a ListResponse.
func (c *SCIM) schemas(ctx context.Context) ([]string, error) {
	var raw json.RawMessage
	if err := c.getJSON(ctx, "/Schemas", "", &raw); err != nil {
		return nil, err
	}
	type schema struct {
		ID string `json:"id"`
	}
	var list struct {
		Resources []schema `json:"Resources"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		if err := json.Unmarshal(raw, &list.Resources); err != nil {
			return nil, &roster.SyncError{Message: "The SCIM service's list of schemas could not be read."}
		}
	}
	ids := make([]string, 0, len(list.Resources))
	for _, s := range list.Resources {
		ids = append(ids, s.ID)
	}
	return ids, nil
}

// supportNow returns what the remote supports, asking it first if nobody has.
func (c *SCIM) supportNow(ctx context.Context) *roster.RemoteSupport {
	if s := c.support.Load(); s != nil {
		return s
	}
	c.discoverMu.Lock()
	s := c.support.Load()
	c.discoverMu.Unlock()
	if s != nil {
		return s // another push asked meanwhile
	}
	return c.Discover(ctx)
}

// rediscoverAfterFailure asks the remote again what it supports after a push failed, unless
// it was asked less than RediscoverEvery ago.
func (c *SCIM) rediscoverAfterFailure(ctx context.Context) {
	if s := c.support.Load(); s != nil && time.Since(s.CheckedAt) < c.rediscover {
		return
	}
	c.Discover(ctx)
}

// lockUser waits until no other push of the user is under way, and returns the unlock.
func (c *SCIM) lockUser(userID string) func() {
	c.usersMu.Lock()
	if c.users == nil {
		c.users = make(map[string]*userLock)
	}
	l := c.users[userID]
	if l == nil {
		l = &userLock{}
		c.users[userID] = l
	}
	l.n++
	c.usersMu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		c.usersMu.Lock()
		if l.n--; l.n == 0 {
			delete(c.users, userID)
		}
		c.usersMu.Unlock()
	}
}

func (c *SCIM) remoteID(userID string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.ids[userID]
	return id, ok
}

func (c *SCIM) rememberID(userID, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.ids[userID]; !ok && len(c.ids) >= maxSCIMIDs {
		for k := range c.ids { // evict an arbitrary entry
			delete(c.ids, k)
			break
		}
	}
	c.ids[userID] = id
}

func (c *SCIM) forgetID(userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.ids, userID)
}

// response is a 2xx answer of the remote.
type response struct {
	status int
	etag   string
	body   []byte
}

// do sends one request with body in (nil for none) and If-Match ifMatch (when not empty). It
// returns the answer when it is a 2xx; else the HTTP status (0 when there was no answer) and
// a *roster.SyncError whose message is a sentence for administrators (the cause of a network
// failure goes to the log), or the context's error when ctx itself ended.
func (c *SCIM) do(ctx context.Context, method, path, query string, in any, ifMatch string) (*response, int, error) {
	op := method + " " + opPath(path)
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, 0, fmt.Errorf("scim encode %s: %w", op, err)
		}
		body = bytes.NewReader(b)
	}
	u := c.base + path
	if query != "" {
		u += "?" + query
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, u, body)
	if err != nil {
		return nil, 0, fmt.Errorf("scim request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", scimContentType+", application/json")
	if in != nil {
		req.Header.Set("Content-Type", scimContentType)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	timedOut := &roster.SyncError{Retryable: true,
		Message: fmt.Sprintf("The SCIM service did not answer %s within %s.", op, c.timeout)}
	resp, err := c.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		var nerr net.Error
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &nerr) && nerr.Timeout() {
			return nil, 0, timedOut
		}
		c.log.Warn("scim request failed", "op", op, "err", c.redact(err.Error()))
		return nil, 0, &roster.SyncError{Retryable: true, Message: fmt.Sprintf("The SCIM service could not be reached (%s).", op),
			Err: errors.New(c.redact(err.Error()))}
	}
	defer func() {
		// Drain so that the connection is reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
		_ = resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, resp.StatusCode, c.statusError(resp, op)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		if ctx.Err() != nil {
			return nil, resp.StatusCode, ctx.Err()
		}
		if rctx.Err() != nil {
			return nil, resp.StatusCode, timedOut
		}
		c.log.Warn("scim response unreadable", "op", op, "err", err)
		return nil, resp.StatusCode, &roster.SyncError{Retryable: true, Message: fmt.Sprintf("The SCIM service's answer to %s was cut short.", op), Err: err}
	}
	return &response{status: resp.StatusCode, etag: resp.Header.Get("ETag"), body: b}, resp.StatusCode, nil
}

// getJSON GETs path and decodes the answer into out.
func (c *SCIM) getJSON(ctx context.Context, path, query string, out any) error {
	r, _, err := c.do(ctx, http.MethodGet, path, query, nil, "")
	if err != nil {
		return err
	}
	return c.decode(r, http.MethodGet+" "+opPath(path), out)
}

// decode reads a 2xx answer into out.
func (c *SCIM) decode(r *response, op string, out any) error {
	if err := json.Unmarshal(r.body, out); err != nil {
		c.log.Warn("scim response not JSON", "op", op, "err", err)
		// A 2xx we cannot read is a misconfigured endpoint more often than a hiccup.
		return &roster.SyncError{Message: fmt.Sprintf("The SCIM service's answer to %s is not a SCIM resource.", op)}
	}
	return nil
}

// opPath is path as shown in messages: the remote ids of users are left out.
func opPath(path string) string {
	if strings.HasPrefix(path, "/Users/") {
		return "/Users/{id}"
	}
	return path
}

// statusError turns a non-2xx answer into a SyncError that names the status, the SCIM error
// type and the remote's detail: 408, 429 and 5xx are retryable, other statuses are refusals.
func (c *SCIM) statusError(resp *http.Response, op string) *roster.SyncError {
	var scimErr struct {
		Detail   string `json:"detail"`
		ScimType string `json:"scimType"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&scimErr)
	detail := strings.Join(strings.Fields(scimErr.Detail), " ")
	if len(detail) > 300 {
		detail = detail[:300] + "…"
	}
	if detail == "" {
		detail = http.StatusText(resp.StatusCode)
	}
	status := strconv.Itoa(resp.StatusCode)
	if t := strings.Join(strings.Fields(scimErr.ScimType), ""); t != "" && len(t) <= 40 {
		status += " " + t
	}
	e := &roster.SyncError{Message: c.redact(fmt.Sprintf("The SCIM service answered %s with %s: %s", op, status, strings.TrimRight(detail, ".")+"."))}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode >= 500:
		e.Retryable = true
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return e
}

// redact removes the token from a message, in case the remote echoes our request back.
func (c *SCIM) redact(msg string) string {
	return strings.ReplaceAll(msg, c.token, "[redacted]")
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date (RFC 9110
// §10.2.3). It returns 0 when the header is absent, invalid or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseUint(v, 10, 64); err == nil {
		if n > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter)
	}
	return 0
}
