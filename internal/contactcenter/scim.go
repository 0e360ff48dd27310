package contactcenter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	scimContentType    = "application/scim+json"

	// DefaultSCIMConcurrency is the number of users the SCIM connector pushes at once unless
	// configured otherwise. Creating a user costs two round trips (search, then POST): at
	// 20 ms per round trip 48 in flight give about 1,100 users/s measured (1,200 in theory),
	// twice the 500 users/s a full synchronize needs; 32 measured 670-740 users/s, too
	// little margin once the machine is busy.
	DefaultSCIMConcurrency = 48
	// DefaultSCIMTimeout bounds each HTTP request of the SCIM connector.
	DefaultSCIMTimeout = 10 * time.Second

	// maxSCIMCache bounds the id cache so that a huge organization cannot grow it without
	// limit; a user evicted from it only costs one search on its next push.
	maxSCIMCache = 1 << 16
	// maxRetryAfter caps the remote's Retry-After so a bogus value cannot park a user for
	// years (or overflow a Duration).
	maxRetryAfter = 24 * time.Hour
	// maxResponse bounds what is read of a response body.
	maxResponse = 1 << 20
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
}

// SCIM is a roster.Connector that pushes agents to an external SCIM 2.0 service provider
// (RFC 7643, RFC 7644) as Users carrying the SCIMExtensionSchema extension.
type SCIM struct {
	base        string
	token       string
	client      *http.Client
	concurrency int
	timeout     time.Duration

	mu sync.Mutex
	// cache maps our user id (the remote externalId) to the remote user as last seen or
	// written, so that a push of an unchanged state sends nothing and a changed one goes
	// straight to PUT. The remote can change behind our back; a stale entry is noticed
	// when a PUT or DELETE answers 404.
	cache map[string]cachedUser

	// users serializes the pushes of one user across Push calls (the engine's and Synchronize
	// Users' run at once), so that the cache holds what the remote holds: two writes of one
	// user in flight at once could land in one order and be remembered in the other.
	usersMu sync.Mutex
	users   map[string]*userLock
}

type userLock struct {
	mu sync.Mutex
	n  int // holders and waiters
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

type cachedUser struct {
	id   string
	user scimUser
}

var _ roster.Connector = (*SCIM)(nil)

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
		cache:       make(map[string]cachedUser),
	}
	if c.concurrency == 0 {
		c.concurrency = DefaultSCIMConcurrency
	}
	if c.timeout == 0 {
		c.timeout = DefaultSCIMTimeout
	}
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

// Push makes the remote users of these states match them, up to Concurrency users at once,
// and returns one error per state, in the order of states. States of the same user are
// applied one after the other, in order, so they cannot race each other into duplicates.
func (c *SCIM) Push(ctx context.Context, states []roster.AgentState) []error {
	errs := make([]error, len(states))
	var groups [][]int
	byUser := make(map[string]int, len(states))
	for i, st := range states {
		g, ok := byUser[st.UserID]
		if !ok {
			g = len(groups)
			byUser[st.UserID] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(c.concurrency, len(groups)) {
		wg.Go(func() {
			for {
				g := int(next.Add(1)) - 1
				if g >= len(groups) {
					return
				}
				for _, i := range groups[g] {
					if err := ctx.Err(); err != nil {
						errs[i] = err
						continue
					}
					errs[i] = c.push(ctx, states[i])
				}
			}
		})
	}
	wg.Wait()
	return errs
}

// push applies one state.
func (c *SCIM) push(ctx context.Context, st roster.AgentState) error {
	defer c.lockUser(st.UserID)()
	if st.Deleted {
		return c.delete(ctx, st.UserID)
	}
	want := scimUserOf(st)
	if cu, ok := c.cached(st.UserID); ok {
		if sameUser(&cu.user, &want) {
			return nil
		}
		status, err := c.replace(ctx, st.UserID, cu.id, &want)
		if status != http.StatusNotFound {
			return err
		}
		// Stale cache: the remote user is gone (or was recreated); search again.
		c.forget(st.UserID)
	}
	remote, err := c.find(ctx, st.UserID)
	if err != nil {
		return err
	}
	if remote == nil {
		if st.ProfileType == roster.ProfileNone {
			// Nothing to deactivate, and the user needs no agent.
			return nil
		}
		return c.create(ctx, st.UserID, &want)
	}
	c.remember(st.UserID, remote.ID, remote)
	if sameUser(remote, &want) {
		return nil
	}
	status, err := c.replace(ctx, st.UserID, remote.ID, &want)
	if status == http.StatusNotFound {
		// Deleted between our search and our PUT: the next attempt creates it.
		return &roster.SyncError{Retryable: true, Message: "SCIM 404: user deleted during the update"}
	}
	return err
}

func (c *SCIM) delete(ctx context.Context, userID string) error {
	if cu, ok := c.cached(userID); ok {
		status, err := c.do(ctx, http.MethodDelete, "/Users/"+url.PathEscape(cu.id), "", nil, nil)
		if status != http.StatusNotFound {
			if err == nil {
				c.forget(userID)
			}
			return err
		}
		// The cached id is gone, but the user may have been recreated under another id.
		c.forget(userID)
	}
	remote, err := c.find(ctx, userID)
	if err != nil || remote == nil {
		return err
	}
	status, err := c.do(ctx, http.MethodDelete, "/Users/"+url.PathEscape(remote.ID), "", nil, nil)
	if status == http.StatusNotFound {
		return nil // already gone
	}
	return err
}

// find returns the remote user whose externalId is userID, nil when there is none.
func (c *SCIM) find(ctx context.Context, userID string) (*scimUser, error) {
	// A filter's compValue is a JSON string (RFC 7644 §3.4.2.2): JSON-quote the id.
	quoted, err := json.Marshal(userID)
	if err != nil {
		return nil, err
	}
	q := url.Values{"filter": {"externalId eq " + string(quoted)}}.Encode()
	// Some service providers read '+' literally in a query; %20 means space to everyone.
	q = strings.ReplaceAll(q, "+", "%20")
	var list struct {
		TotalResults int        `json:"totalResults"`
		Resources    []scimUser `json:"Resources"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/Users", q, nil, &list); err != nil {
		return nil, err
	}
	var found []scimUser
	for _, u := range list.Resources {
		// Guard against providers that ignore or loosen the filter.
		if u.ExternalID == userID {
			found = append(found, u)
		}
	}
	switch {
	case len(found) == 0:
		return nil, nil
	case len(found) > 1:
		return nil, &roster.SyncError{Message: fmt.Sprintf("SCIM: %d users have externalId %q", len(found), userID)}
	case found[0].ID == "":
		return nil, &roster.SyncError{Message: "SCIM: invalid response: user without id"}
	}
	return &found[0], nil
}

func (c *SCIM) create(ctx context.Context, userID string, want *scimUser) error {
	var created scimUser
	if _, err := c.do(ctx, http.MethodPost, "/Users", "", want, &created); err != nil {
		return err
	}
	if created.ID != "" {
		c.remember(userID, created.ID, want)
	}
	return nil
}

// replace PUTs want as remote user id, and returns the HTTP status so that the caller can
// tell a stale id (404) from other failures.
func (c *SCIM) replace(ctx context.Context, userID, id string, want *scimUser) (int, error) {
	status, err := c.do(ctx, http.MethodPut, "/Users/"+url.PathEscape(id), "", want, nil)
	if err == nil {
		c.remember(userID, id, want)
	}
	return status, err
}

func (c *SCIM) cached(userID string) (cachedUser, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cu, ok := c.cache[userID]
	return cu, ok
}

func (c *SCIM) remember(userID, id string, u *scimUser) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cache[userID]; !ok && len(c.cache) >= maxSCIMCache {
		for k := range c.cache { // evict an arbitrary entry
			delete(c.cache, k)
			break
		}
	}
	c.cache[userID] = cachedUser{id: id, user: *u}
}

func (c *SCIM) forget(userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cache, userID)
}

// do sends one request and decodes a 2xx answer into out. It returns the HTTP status (0
// when there was no answer) and, for anything but a 2xx, a *roster.SyncError, or the
// context's error when ctx itself ended.
func (c *SCIM) do(ctx context.Context, method, path, query string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("scim encode user: %w", err)
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
		return 0, fmt.Errorf("scim request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", scimContentType+", application/json")
	if in != nil {
		req.Header.Set("Content-Type", scimContentType)
	}
	op := method + " " + path
	resp, err := c.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		var nerr net.Error
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &nerr) && nerr.Timeout() {
			return 0, &roster.SyncError{Retryable: true, Message: fmt.Sprintf("SCIM %s: timed out after %s", op, c.timeout)}
		}
		// url.Error repeats method and URL; keep only the cause.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return 0, &roster.SyncError{Retryable: true, Message: fmt.Sprintf("SCIM %s: the contact center could not be reached.", op),
			Err: errors.New(c.redact(err.Error()))}
	}
	defer func() {
		// Drain so that the connection is reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
		_ = resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, c.statusError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return resp.StatusCode, nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(out); err != nil {
		if errors.Is(err, io.EOF) && method != http.MethodGet {
			// The change was made; an empty body only means the provider does not echo it.
			return resp.StatusCode, nil
		}
		if ctx.Err() != nil {
			return resp.StatusCode, ctx.Err()
		}
		if rctx.Err() != nil {
			return resp.StatusCode, &roster.SyncError{Retryable: true, Message: fmt.Sprintf("SCIM %s: timed out after %s", op, c.timeout)}
		}
		// A 2xx we cannot read is a misconfigured endpoint more often than a hiccup.
		return resp.StatusCode, &roster.SyncError{Message: fmt.Sprintf("SCIM %s: the answer (HTTP %d) is not a SCIM resource.", op, resp.StatusCode),
			Err: err}
	}
	return resp.StatusCode, nil
}

// statusError turns a non-2xx answer into a SyncError: 408, 429 and 5xx are retryable,
// other statuses are refusals.
func (c *SCIM) statusError(resp *http.Response) *roster.SyncError {
	var scimErr struct {
		Detail string `json:"detail"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&scimErr)
	detail := strings.Join(strings.Fields(scimErr.Detail), " ")
	if len(detail) > 300 {
		detail = detail[:300] + "…"
	}
	if detail == "" {
		detail = http.StatusText(resp.StatusCode)
	}
	e := &roster.SyncError{Message: c.redact(fmt.Sprintf("SCIM %d: %s", resp.StatusCode, detail))}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Retryable = true
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
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

// scimUser is the part of a SCIM User resource the connector writes and compares.
type scimUser struct {
	Schemas    []string       `json:"schemas,omitempty"`
	ID         string         `json:"id,omitempty"`
	ExternalID string         `json:"externalId"`
	UserName   string         `json:"userName"`
	Name       *scimName      `json:"name,omitempty"`
	Emails     []scimEmail    `json:"emails,omitempty"`
	Active     *bool          `json:"active,omitempty"`
	Extension  *scimExtension `json:"urn:roster:params:scim:schemas:extension:contactcenter:2.0:User,omitempty"`
}

type scimName struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

type scimEmail struct {
	Value   string `json:"value"`
	Primary bool   `json:"primary,omitempty"`
}

type scimExtension struct {
	ProfileType   string `json:"profileType,omitempty"`
	UserProfileID string `json:"userProfileId,omitempty"`
}

// scimUserOf maps a state to the remote user it must be.
func scimUserOf(st roster.AgentState) scimUser {
	active := st.Active && st.ProfileType != roster.ProfileNone
	u := scimUser{
		Schemas:    []string{scimCoreUserSchema, SCIMExtensionSchema},
		ExternalID: st.UserID,
		UserName:   st.Email,
		Name:       &scimName{GivenName: st.FirstName, FamilyName: st.LastName},
		Active:     &active,
		Extension:  &scimExtension{ProfileType: string(st.ProfileType), UserProfileID: st.UserProfileID},
	}
	if st.Email != "" {
		u.Emails = []scimEmail{{Value: st.Email, Primary: true}}
	}
	return u
}

// sameUser reports whether remote already holds every attribute of want. userName and email
// values are compared ignoring case, as RFC 7643 defines them (caseExact false), so that a
// provider that lowercases them is not rewritten on every push.
func sameUser(remote, want *scimUser) bool {
	var rn, wn scimName
	if remote.Name != nil {
		rn = *remote.Name
	}
	if want.Name != nil {
		wn = *want.Name
	}
	var rx, wx scimExtension
	if remote.Extension != nil {
		rx = *remote.Extension
	}
	if want.Extension != nil {
		wx = *want.Extension
	}
	if remote.ExternalID != want.ExternalID || !strings.EqualFold(remote.UserName, want.UserName) ||
		rn != wn || rx != wx || isActive(remote) != isActive(want) || len(remote.Emails) != len(want.Emails) {
		return false
	}
	for i := range want.Emails {
		if !strings.EqualFold(remote.Emails[i].Value, want.Emails[i].Value) ||
			remote.Emails[i].Primary != want.Emails[i].Primary {
			return false
		}
	}
	return true
}

// isActive reads active; RFC 7643 gives it no default, and a provider that omits it is
// taken to hold an active user.
func isActive(u *scimUser) bool { return u.Active == nil || *u.Active }
