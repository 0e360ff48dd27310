package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"roster"
	"roster/internal/provision"
)

// Client is a Go client of the REST API; the roster CLI's remote commands use it. Problem
// responses come back as *roster.Error with the problem's code, detail and field errors.
type Client struct {
	base      string
	token     string
	http      *http.Client
	userAgent string
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithVersion sets the version the client reports in its User-Agent (roster-cli/<version>);
// the server records such requests with the interface "cli".
func WithVersion(v string) ClientOption {
	return func(c *Client) { c.userAgent = cliAgentPrefix + v }
}

// NewClient returns a client of the server at baseURL (for example http://127.0.0.1:8080)
// that authenticates with token. A nil httpClient means http.DefaultClient. A baseURL that is
// not an http or https URL makes every call fail with an error that says so.
func NewClient(baseURL, token string, httpClient *http.Client, opts ...ClientOption) *Client {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	c := &Client{base: strings.TrimRight(baseURL, "/"), token: token, http: httpClient, userAgent: cliAgentPrefix + "dev"}
	for _, o := range opts {
		o(c)
	}
	return c
}

// CreateOrg creates an organization (installation token).
func (c *Client) CreateOrg(ctx context.Context, in OrgInput) (*Org, error) {
	var o Org
	return &o, c.do(ctx, "POST", "/api/v1/orgs", nil, "", in, &o)
}

// Orgs lists the organizations the token may see.
func (c *Client) Orgs(ctx context.Context) ([]Org, error) {
	var l OrgList
	return l.Items, c.do(ctx, "GET", "/api/v1/orgs", nil, "", nil, &l)
}

// Org reads one organization.
func (c *Client) Org(ctx context.Context, orgID string) (*Org, error) {
	var o Org
	return &o, c.do(ctx, "GET", orgPath(orgID), nil, "", nil, &o)
}

// UpdateOrg changes an organization. ifMatch is "" (no precondition), AnyVersion, or
// ETag(version).
func (c *Client) UpdateOrg(ctx context.Context, orgID string, in OrgInput, ifMatch string) (*Org, error) {
	var o Org
	return &o, c.do(ctx, "PATCH", orgPath(orgID), nil, ifMatch, in, &o)
}

// Users reads one page of an organization's users.
func (c *Client) Users(ctx context.Context, orgID string, q UserQuery) (*UserList, error) {
	v := url.Values{}
	add := func(name, value string) {
		if value != "" {
			v.Set(name, value)
		}
	}
	add("q", q.Q)
	add("email", q.Email)
	add("license", string(q.License))
	add("ccRole", string(q.CCRole))
	add("adminRole", string(q.AdminRole))
	add("status", string(q.Status))
	add("syncStatus", string(q.SyncStatus))
	add("group", q.Group)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	add("cursor", q.Cursor)
	var l UserList
	return &l, c.do(ctx, "GET", orgPath(orgID)+"/users", v, "", nil, &l)
}

// ExportUsers downloads the users CSV file of an organization into w. The file streams: w
// receives it as it comes. On an error, w may hold part of it, which the caller must discard.
func (c *Client) ExportUsers(ctx context.Context, orgID string, w io.Writer) error {
	return c.do(ctx, "GET", orgPath(orgID)+"/users.csv", nil, "", nil, w)
}

// User reads one user; its Version is its ETag (see ETag).
func (c *Client) User(ctx context.Context, orgID, userID string) (*User, error) {
	var u User
	return &u, c.do(ctx, "GET", userPath(orgID, userID), nil, "", nil, &u)
}

// CreateUser creates one user.
func (c *Client) CreateUser(ctx context.Context, orgID string, in NewUser) (*User, error) {
	var u User
	return &u, c.do(ctx, "POST", orgPath(orgID)+"/users", nil, "", in, &u)
}

// AddOrModifyUsers submits up to 25 people. A partial success (207) is not an error: read the
// outcome of each result.
func (c *Client) AddOrModifyUsers(ctx context.Context, orgID string, in BatchRequest) (*BatchResponse, error) {
	var b BatchResponse
	return &b, c.do(ctx, "POST", orgPath(orgID)+"/users/batch", nil, "", in, &b)
}

// UpdateUser changes a user. ifMatch is required: ETag(version) of the user as read, or
// AnyVersion.
func (c *Client) UpdateUser(ctx context.Context, orgID, userID string, p UserPatch, ifMatch string) (*User, error) {
	var u User
	return &u, c.do(ctx, "PATCH", userPath(orgID, userID), nil, ifMatch, p, &u)
}

// DeleteUser deletes a user. ifMatch is "" (no precondition), AnyVersion, or ETag(version).
func (c *Client) DeleteUser(ctx context.Context, orgID, userID, ifMatch string) error {
	return c.do(ctx, "DELETE", userPath(orgID, userID), nil, ifMatch, nil, nil)
}

// DeactivateUser makes a user inactive. ifMatch is as for DeleteUser.
func (c *Client) DeactivateUser(ctx context.Context, orgID, userID, ifMatch string) (*User, error) {
	var u User
	return &u, c.do(ctx, "POST", userPath(orgID, userID)+"/deactivate", nil, ifMatch, nil, &u)
}

// ReactivateUser makes an inactive user active again. ifMatch is as for DeleteUser.
func (c *Client) ReactivateUser(ctx context.Context, orgID, userID, ifMatch string) (*User, error) {
	var u User
	return &u, c.do(ctx, "POST", userPath(orgID, userID)+"/reactivate", nil, ifMatch, nil, &u)
}

// Tokens lists the API tokens of an organization, or the installation tokens when orgID is "".
func (c *Client) Tokens(ctx context.Context, orgID string) ([]Token, error) {
	var l TokenList
	return l.Items, c.do(ctx, "GET", tokensPath(orgID), nil, "", nil, &l)
}

// CreateToken mints a token of an organization, or an installation token when orgID is "".
// The secret in the answer is shown only this once.
func (c *Client) CreateToken(ctx context.Context, orgID string, in NewToken) (*CreatedToken, error) {
	var t CreatedToken
	return &t, c.do(ctx, "POST", tokensPath(orgID), nil, "", in, &t)
}

// DeleteToken revokes a token of an organization, or an installation token when orgID is "".
func (c *Client) DeleteToken(ctx context.Context, orgID, tokenID string) error {
	return c.do(ctx, "DELETE", tokensPath(orgID)+"/"+url.PathEscape(tokenID), nil, "", nil, nil)
}

// AuditEntries reads one page of an organization's audit log, newest first.
func (c *Client) AuditEntries(ctx context.Context, orgID string, q AuditQuery) (*AuditList, error) {
	v := url.Values{}
	add := func(name, value string) {
		if value != "" {
			v.Set(name, value)
		}
	}
	add("action", q.Action)
	add("targetId", q.TargetID)
	add("actorId", q.ActorID)
	add("taskId", q.TaskID)
	add("interface", string(q.Interface))
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.UTC().Format(time.RFC3339Nano))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	add("cursor", q.Cursor)
	var l AuditList
	return &l, c.do(ctx, "GET", orgPath(orgID)+"/audit", v, "", nil, &l)
}

// Tasks reads one page of an organization's tasks, newest first.
func (c *Client) Tasks(ctx context.Context, orgID string, q TaskQuery) (*TaskList, error) {
	v := url.Values{}
	if q.Kind != "" {
		v.Set("kind", q.Kind)
	}
	if q.State != "" {
		v.Set("state", string(q.State))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	var l TaskList
	return &l, c.do(ctx, "GET", orgPath(orgID)+"/tasks", v, "", nil, &l)
}

// Task reads one task.
func (c *Client) Task(ctx context.Context, orgID, taskID string) (*Task, error) {
	var t Task
	return &t, c.do(ctx, "GET", taskPath(orgID, taskID), nil, "", nil, &t)
}

// TaskReport downloads the per-row report of a task, as CSV, into w. It streams; on an error,
// w may hold part of it, which the caller must discard.
func (c *Client) TaskReport(ctx context.Context, orgID, taskID string, w io.Writer) error {
	return c.do(ctx, "GET", taskPath(orgID, taskID)+"/report.csv", nil, "", nil, w)
}

// CancelTask asks a task to stop at its next checkpoint and returns it as it is then, still
// queued or running.
func (c *Client) CancelTask(ctx context.Context, orgID, taskID string) (*Task, error) {
	var t Task
	return &t, c.do(ctx, "POST", taskPath(orgID, taskID)+"/cancel", nil, "", nil, &t)
}

// Emails returns a page of the organization's outbox.
func (c *Client) Emails(ctx context.Context, orgID string, q EmailQuery) (*EmailList, error) {
	v := url.Values{}
	for k, x := range map[string]string{"userId": q.UserID, "state": string(q.State), "cursor": q.Cursor} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out EmailList
	return &out, c.do(ctx, "GET", orgPath(orgID)+"/emails", v, "", nil, &out)
}

// EmailQuery filters and pages GET /api/v1/orgs/{org}/emails; empty fields are not sent.
type EmailQuery struct {
	UserID string
	State  roster.EmailState
	Limit  int
	Cursor string
}

// ResendInvitation queues a new invitation of a pending user and returns its message.
func (c *Client) ResendInvitation(ctx context.Context, orgID, userID string) (*Email, error) {
	var e Email
	return &e, c.do(ctx, "POST", userPath(orgID, userID)+"/resend-invitation", nil, "", nil, &e)
}

// ResendInvitations queues the task that invites every pending user again.
func (c *Client) ResendInvitations(ctx context.Context, orgID string) (*Task, error) {
	var t Task
	return &t, c.do(ctx, "POST", orgPath(orgID)+"/invitations/resend", nil, "", nil, &t)
}

// RevertTask queues the revert of a finished import and returns the revert task.
func (c *Client) RevertTask(ctx context.Context, orgID, taskID string) (*Task, error) {
	var t Task
	return &t, c.do(ctx, "POST", taskPath(orgID, taskID)+"/revert", nil, "", nil, &t)
}

// Groups reads one page of an organization's groups, by name.
func (c *Client) Groups(ctx context.Context, orgID string, q GroupQuery) (*GroupList, error) {
	v := pageValues(q.Limit, q.Cursor)
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	var l GroupList
	return &l, c.do(ctx, "GET", orgPath(orgID)+"/groups", v, "", nil, &l)
}

// Group reads one group; its Version is its ETag.
func (c *Client) Group(ctx context.Context, orgID, groupID string) (*Group, error) {
	var g Group
	return &g, c.do(ctx, "GET", groupPath(orgID, groupID), nil, "", nil, &g)
}

// CreateGroup creates a group.
func (c *Client) CreateGroup(ctx context.Context, orgID string, in GroupInput) (*Group, error) {
	var g Group
	return &g, c.do(ctx, "POST", orgPath(orgID)+"/groups", nil, "", in, &g)
}

// UpdateGroup renames a group or changes its license. ifMatch is "" (no precondition),
// AnyVersion, or ETag(version).
func (c *Client) UpdateGroup(ctx context.Context, orgID, groupID string, in GroupInput, ifMatch string) (*Group, error) {
	var g Group
	return &g, c.do(ctx, "PATCH", groupPath(orgID, groupID), nil, ifMatch, in, &g)
}

// DeleteGroup removes every member from a group and deletes it. ifMatch is as for UpdateGroup.
func (c *Client) DeleteGroup(ctx context.Context, orgID, groupID, ifMatch string) error {
	return c.do(ctx, "DELETE", groupPath(orgID, groupID), nil, ifMatch, nil, nil)
}

// Members reads one page of the members of a group, by user id.
func (c *Client) Members(ctx context.Context, orgID, groupID string, limit int, cursor string) (*MemberList, error) {
	var l MemberList
	return &l, c.do(ctx, "GET", groupPath(orgID, groupID)+"/members", pageValues(limit, cursor), "", nil, &l)
}

// AddMembers adds users, by id or email, to a group. Users that could not be added are
// listed in the answer's Failed; that is not an error.
func (c *Client) AddMembers(ctx context.Context, orgID, groupID string, in MembersRequest) (*MembersResponse, error) {
	var r MembersResponse
	return &r, c.do(ctx, "POST", groupPath(orgID, groupID)+"/members", nil, "", in, &r)
}

// RemoveMembers removes users, by id or email, from a group, like AddMembers.
func (c *Client) RemoveMembers(ctx context.Context, orgID, groupID string, in MembersRequest) (*MembersResponse, error) {
	var r MembersResponse
	return &r, c.do(ctx, "POST", groupPath(orgID, groupID)+"/members/remove", nil, "", in, &r)
}

// UserGroups reads one page of the groups of a user.
func (c *Client) UserGroups(ctx context.Context, orgID, userID string, limit int, cursor string) (*UserGroupList, error) {
	var l UserGroupList
	return &l, c.do(ctx, "GET", userPath(orgID, userID)+"/groups", pageValues(limit, cursor), "", nil, &l)
}

// LicenseSources explains where a user's license comes from.
func (c *Client) LicenseSources(ctx context.Context, orgID, userID string) (*LicenseSources, error) {
	var s LicenseSources
	return &s, c.do(ctx, "GET", userPath(orgID, userID)+"/license-sources", nil, "", nil, &s)
}

// LicenseAssignment reads how an organization gives licenses to new users.
func (c *Client) LicenseAssignment(ctx context.Context, orgID string) (*LicenseAssignment, error) {
	var l LicenseAssignment
	return &l, c.do(ctx, "GET", orgPath(orgID)+"/license-assignment", nil, "", nil, &l)
}

// SetLicenseAssignment changes how an organization gives licenses to new users. ifMatch is ""
// (no precondition), AnyVersion, or ETag(version) of the assignment as read.
func (c *Client) SetLicenseAssignment(ctx context.Context, orgID string, in LicenseAssignmentInput, ifMatch string) (*LicenseAssignment, error) {
	var l LicenseAssignment
	return &l, c.do(ctx, "PUT", orgPath(orgID)+"/license-assignment", nil, ifMatch, in, &l)
}

// ApplyTemplate queues the application of the license template to the existing users and
// returns the task; its summary is a provision.ApplySummary.
func (c *Client) ApplyTemplate(ctx context.Context, orgID string, in ApplyRequest) (*Task, error) {
	var t Task
	return &t, c.do(ctx, "POST", orgPath(orgID)+"/license-assignment/apply", nil, "", in, &t)
}

// ImportUpload is a CSV file to import.
type ImportUpload struct {
	Mode     provision.ImportMode
	DryRun   bool
	FileName string
	File     io.Reader
}

// StartImport uploads a CSV file and returns the queued import task. The file is streamed
// as it is read, never held whole in memory.
func (c *Client) StartImport(ctx context.Context, orgID string, in ImportUpload) (*Task, error) {
	return c.uploadFile(ctx, orgPath(orgID)+"/imports", [][2]string{{"mode", string(in.Mode)}, {"dryRun", strconv.FormatBool(in.DryRun)}},
		in.FileName, in.File)
}

// uploadFile posts fields and a file as multipart/form-data, streaming the file, and decodes
// the task the server queued.
func (c *Client) uploadFile(ctx context.Context, path string, fields [][2]string, fileName string, file io.Reader) (*Task, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		var err error
		for _, f := range fields {
			if err == nil {
				err = mw.WriteField(f[0], f[1])
			}
		}
		var fw io.Writer
		if err == nil {
			name := fileName
			if name == "" {
				name = "upload.csv" // without a name, the part would be a form value
			}
			fw, err = mw.CreateFormFile("file", name)
		}
		if err == nil {
			_, err = io.Copy(fw, file)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	defer func() { _ = pr.Close() }() // ends the writer when the request stops early
	var t Task
	return &t, c.do(ctx, "POST", path, nil, "", upload{contentType: mw.FormDataContentType(), r: pr}, &t)
}

// upload is a request body sent as it is, instead of encoded as JSON.
type upload struct {
	contentType string
	r           io.Reader
}

// OpenAPI returns the server's OpenAPI document.
func (c *Client) OpenAPI(ctx context.Context) (json.RawMessage, error) {
	var doc json.RawMessage
	return doc, c.do(ctx, "GET", "/api/v1/openapi.json", nil, "", nil, &doc)
}

func orgPath(orgID string) string { return "/api/v1/orgs/" + url.PathEscape(orgID) }

func userPath(orgID, userID string) string {
	return orgPath(orgID) + "/users/" + url.PathEscape(userID)
}

func groupPath(orgID, groupID string) string {
	return orgPath(orgID) + "/groups/" + url.PathEscape(groupID)
}

// pageValues are the query parameters of a page: limit (0: the default) and cursor.
func pageValues(limit int, cursor string) url.Values {
	v := url.Values{}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	return v
}

func taskPath(orgID, taskID string) string {
	return orgPath(orgID) + "/tasks/" + url.PathEscape(taskID)
}

func tokensPath(orgID string) string {
	if orgID == "" {
		return "/api/v1/tokens"
	}
	return orgPath(orgID) + "/tokens"
}

// do sends one request with body (nil: none) as JSON and decodes a successful answer into out
// (nil: ignore it); an io.Writer as out receives the answer as it is, a download.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, ifMatch string, body, out any) error {
	u, err := url.Parse(c.base + path)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("server address %q: want an http:// or https:// URL", c.base)
	}
	u.RawQuery = q.Encode()
	var rd io.Reader
	contentType := "application/json"
	if up, ok := body.(upload); ok {
		rd, contentType = up.r, up.contentType
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: encode request: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	_, download := out.(io.Writer)
	if download {
		req.Header.Set("Accept", "text/csv, application/problem+json")
	} else {
		req.Header.Set("Accept", "application/json")
	}
	req.Header.Set("User-Agent", c.userAgent)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ue := unreachable(c.base, err); ue != nil && ctx.Err() == nil {
			return ue
		}
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= 300 {
		return responseError(method, path, resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if download {
		if _, err := io.Copy(out.(io.Writer), resp.Body); err != nil {
			return fmt.Errorf("%s %s: read answer: %w", method, path, err)
		}
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// UnreachableError is the error of a request that reached no server: nothing listens at the
// address, the host name is unknown, or the connection could not be made in time. The server
// is probably at another address, or not running.
type UnreachableError struct {
	// Server is the base URL the client was given.
	Server string
	// Reason says what went wrong, in a few words.
	Reason string
	Err    error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the Roster server at %s: %s", e.Server, e.Reason)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// unreachable returns the UnreachableError of err when err is a failure to connect to the
// server at base, else nil: an error after the connection (a reset, a timeout while reading
// the answer) is not one, since the request may have been received.
func unreachable(base string, err error) *UnreachableError {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return &UnreachableError{Server: base, Reason: "no such host (" + dnsErr.Name + ")", Err: err}
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "dial" {
		return nil
	}
	reason := "could not connect"
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		reason = "connection refused (nothing listens there)"
	case opErr.Timeout():
		reason = "no answer to the connection (timed out)"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		reason = "no route to the host"
	}
	return &UnreachableError{Server: base, Reason: reason, Err: err}
}

// responseError turns an error response into an error: a problem into *roster.Error, anything
// else (a proxy's error page, say) into an error naming the status.
func responseError(method, path string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var p Problem
	if mt == "application/problem+json" && json.Unmarshal(body, &p) == nil && p.Code != "" {
		e := &roster.Error{Code: p.Code, Message: p.Detail, Fields: p.Errors}
		if p.RequestID != "" && p.Code == roster.CodeInternal {
			// The request id is what an operator needs to find the logged cause.
			e.Message += " (request id " + p.RequestID + ")"
		}
		return e
	}
	return fmt.Errorf("%s %s: the server answered %s", method, path, resp.Status)
}
