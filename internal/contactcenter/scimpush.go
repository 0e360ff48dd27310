package contactcenter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"roster"
)

// preconditionRetries is how many times a write refused with 412 (the remote user changed
// since it was read) is read and tried again before the push fails, retryably.
const preconditionRetries = 3

// Push makes the remote users of these states match them; see Reconcile.
func (c *SCIM) Push(ctx context.Context, states []roster.AgentState) []error {
	_, errs := c.Reconcile(ctx, states)
	return errs
}

// Reconcile makes the remote users of these states match them, up to Concurrency users at
// once, and returns what it did and one error per state, in the order of states. Each user is
// read on the remote side first, so a change made there is repaired. States of the same user
// are applied one after the other, in order, so they cannot race each other into duplicates.
func (c *SCIM) Reconcile(ctx context.Context, states []roster.AgentState) ([]Change, []error) {
	changes := make([]Change, len(states))
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
	if len(groups) > 0 {
		c.supportNow(ctx)
	}
	var next atomic.Int64
	var failed atomic.Bool
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
					changes[i], errs[i] = c.push(ctx, states[i])
					if errs[i] != nil {
						changes[i] = Unchanged
						failed.Store(true)
					}
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() && ctx.Err() == nil {
		c.rediscoverAfterFailure(ctx)
	}
	return changes, errs
}

// push applies one state.
func (c *SCIM) push(ctx context.Context, st roster.AgentState) (Change, error) {
	defer c.lockUser(st.UserID)()
	if st.Deleted {
		return c.delete(ctx, st.UserID)
	}
	want := scimUserOf(st)
	for attempt := 1; ; attempt++ {
		remote, err := c.lookup(ctx, st.UserID, st.Email)
		if err != nil {
			return Unchanged, err
		}
		if remote == nil {
			if st.ProfileType == roster.ProfileNone {
				return Unchanged, nil // nothing to deactivate, and the user needs no agent
			}
			return Created, c.create(ctx, st.UserID, &want)
		}
		r := &remote.user
		if r.ExternalID != st.UserID {
			if r.ExternalID != "" {
				return Unchanged, &roster.SyncError{Message: fmt.Sprintf("The SCIM service's user %s belongs to another "+
					"directory user (externalId %s): delete it there, or let Synchronize Users remove it.", r.UserName, r.ExternalID)}
			}
			if st.ProfileType == roster.ProfileNone {
				return Unchanged, nil // a remote user Roster never managed, and no agent is needed
			}
		}
		diff := differences(r, &want)
		if len(diff) == 0 {
			c.rememberID(st.UserID, r.ID)
			return Unchanged, nil
		}
		got, status, err := c.update(ctx, remote, &want, diff)
		switch {
		case (status == http.StatusPreconditionFailed || status == http.StatusNotFound) && attempt < preconditionRetries:
			// Changed or deleted since it was read: read it again.
			c.forgetID(st.UserID)
			continue
		case err != nil:
			return Unchanged, err
		}
		if err := heldError(&got.user, &want); err != nil {
			return Unchanged, err
		}
		c.rememberID(st.UserID, got.user.ID)
		if isActive(r) && !isActive(&want) {
			return Deactivated, nil
		}
		return Updated, nil
	}
}

// delete deletes the remote user of userID, if there is one.
func (c *SCIM) delete(ctx context.Context, userID string) (Change, error) {
	for attempt := 1; ; attempt++ {
		remote, err := c.lookup(ctx, userID, "")
		if err != nil || remote == nil {
			return Unchanged, err
		}
		_, status, err := c.do(ctx, http.MethodDelete, "/Users/"+url.PathEscape(remote.user.ID), "", nil, remote.etag)
		switch {
		case status == http.StatusNotFound:
			c.forgetID(userID)
			if attempt < preconditionRetries {
				continue // gone, or recreated under another id
			}
			return Unchanged, nil
		case status == http.StatusPreconditionFailed && attempt < preconditionRetries:
			continue
		case err != nil:
			return Unchanged, err
		}
		c.forgetID(userID)
		return Deleted, nil
	}
}

// lookup reads the remote user of userID: by the remote id it had, else by externalId, else,
// when email is not empty, by userName, to adopt a user created on the remote side. It
// returns nil when there is none.
func (c *SCIM) lookup(ctx context.Context, userID, email string) (*remoteUser, error) {
	if id, ok := c.remoteID(userID); ok {
		r, status, err := c.get(ctx, id)
		switch {
		case err == nil && r.user.ExternalID == userID:
			return r, nil
		case err != nil && status != http.StatusNotFound:
			return nil, err
		}
		c.forgetID(userID) // deleted, or another user's now
	}
	r, err := c.search(ctx, "externalId", userID)
	if r != nil || err != nil || email == "" {
		return r, err
	}
	return c.search(ctx, "userName", email)
}

// get reads the remote user with this remote id.
func (c *SCIM) get(ctx context.Context, id string) (*remoteUser, int, error) {
	resp, status, err := c.do(ctx, http.MethodGet, "/Users/"+url.PathEscape(id), "", nil, "")
	if err != nil {
		return nil, status, err
	}
	r, err := parseRemote(resp.body, resp.etag)
	if err != nil || r.user.ID == "" {
		return nil, status, c.invalidAnswer("GET /Users/{id}", err)
	}
	return r, status, nil
}

// search returns the remote user whose attr (externalId or userName) is value, nil when
// there is none.
func (c *SCIM) search(ctx context.Context, attr, value string) (*remoteUser, error) {
	// A filter's compValue is a JSON string (RFC 7644 §3.4.2.2): JSON-quote the value.
	quoted, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	q := url.Values{"filter": {attr + " eq " + string(quoted)}}.Encode()
	// Some service providers read '+' literally in a query; %20 means space to everyone.
	q = strings.ReplaceAll(q, "+", "%20")
	var list struct {
		Resources []json.RawMessage `json:"Resources"`
	}
	if err := c.getJSON(ctx, "/Users", q, &list); err != nil {
		return nil, err
	}
	var found []*remoteUser
	for _, raw := range list.Resources {
		r, err := parseRemote(raw, "")
		if err != nil {
			return nil, c.invalidAnswer("GET /Users", err)
		}
		// Guard against providers that ignore or loosen the filter.
		if attr == "externalId" && r.user.ExternalID == value || attr == "userName" && strings.EqualFold(r.user.UserName, value) {
			found = append(found, r)
		}
	}
	switch {
	case len(found) == 0:
		return nil, nil
	case len(found) > 1:
		return nil, &roster.SyncError{Message: fmt.Sprintf("The SCIM service has %d users with %s %s.", len(found), attr, value)}
	case found[0].user.ID == "":
		return nil, c.invalidAnswer("GET /Users", errors.New("user without id"))
	}
	return found[0], nil
}

func (c *SCIM) invalidAnswer(op string, err error) error {
	c.log.Warn("scim answer unreadable", "op", op, "err", err)
	return &roster.SyncError{Message: fmt.Sprintf("The SCIM service's answer to %s is not a SCIM user.", op)}
}

// create POSTs want and checks that the remote holds it.
func (c *SCIM) create(ctx context.Context, userID string, want *scimUser) error {
	resp, _, err := c.do(ctx, http.MethodPost, "/Users", "", want, "")
	if err != nil {
		return err
	}
	var got *remoteUser
	if len(strings.TrimSpace(string(resp.body))) > 0 {
		if got, err = parseRemote(resp.body, resp.etag); err != nil {
			return c.invalidAnswer("POST /Users", err)
		}
	}
	if got == nil || got.user.ID == "" {
		// Created without an answer: read it back.
		if got, err = c.search(ctx, "externalId", userID); err != nil {
			return err
		}
		if got == nil {
			return &roster.SyncError{Retryable: true, Message: "The SCIM service accepted the user but does not find it by its externalId."}
		}
	}
	c.rememberID(userID, got.user.ID)
	return heldError(&got.user, want)
}

// update makes remote hold want, whose attributes diff differ: with PATCH when the remote
// takes it, else with a PUT of the remote resource with want merged in; with If-Match when the
// remote versions its users. It returns the user as the remote then holds it, and the HTTP
// status of a refusal.
func (c *SCIM) update(ctx context.Context, remote *remoteUser, want *scimUser, diff []string) (*remoteUser, int, error) {
	path := "/Users/" + url.PathEscape(remote.user.ID)
	var resp *response
	var status int
	var err error
	method := http.MethodPut
	if s := c.Support(); s != nil && s.Patch {
		method = http.MethodPatch
		body := map[string]any{"schemas": []string{scimPatchSchema}, "Operations": patchOps(&remote.user, want, diff)}
		resp, status, err = c.do(ctx, http.MethodPatch, path, "", body, remote.etag)
		if status == http.StatusNotImplemented || status == http.StatusMethodNotAllowed {
			c.log.Warn("scim service refuses PATCH though it says it supports it; using PUT", "status", status)
			noPatch := *s
			noPatch.Patch = false
			c.support.CompareAndSwap(s, &noPatch)
			return c.update(ctx, remote, want, diff)
		}
	} else {
		body, merr := mergedResource(remote, want)
		if merr != nil {
			return nil, 0, fmt.Errorf("scim encode user: %w", merr)
		}
		resp, status, err = c.do(ctx, http.MethodPut, path, "", body, remote.etag)
	}
	if err != nil {
		return nil, status, err
	}
	if len(strings.TrimSpace(string(resp.body))) == 0 {
		// 204, or a 200 without the resource: read what it holds now.
		return c.get(ctx, remote.user.ID)
	}
	got, err := parseRemote(resp.body, resp.etag)
	if err != nil {
		return nil, status, c.invalidAnswer(method+" /Users/{id}", err)
	}
	if got.user.ID == "" {
		got.user.ID = remote.user.ID
	}
	return got, status, nil
}

// Orphan is a remote agent whose user no longer exists, as DeleteOrphans found it.
type Orphan struct {
	UserID string // its externalId
	Email  string // its userName
	Err    error  // why it could not be deleted; nil when it was
}

// orphanPage is how many remote users DeleteOrphans asks for at a time.
const orphanPage = 100

// DeleteOrphans reads every remote user (paged GET /Users) and deletes those Roster created
// (their externalId has the form of a user id) whose user exists in no organization, as
// exists says of a batch of ids. Remote users without an externalId, or with one Roster does
// not make, are not Roster's and stay. The remote is read to the end before anything is
// deleted, as deleting shifts the pages.
func (c *SCIM) DeleteOrphans(ctx context.Context, exists func(ctx context.Context, ids []string) (map[string]bool, error)) ([]Orphan, error) {
	candidates := map[string]Orphan{}
	var seenFirst string
	for start := 1; ; {
		var page struct {
			TotalResults int               `json:"totalResults"`
			Resources    []json.RawMessage `json:"Resources"`
		}
		q := fmt.Sprintf("startIndex=%d&count=%d", start, orphanPage)
		if err := c.getJSON(ctx, "/Users", q, &page); err != nil {
			return nil, err
		}
		for i, raw := range page.Resources {
			r, err := parseRemote(raw, "")
			if err != nil {
				return nil, c.invalidAnswer("GET /Users", err)
			}
			if i == 0 {
				if start > 1 && r.user.ID == seenFirst {
					// The remote ignores startIndex: reading on would never end.
					return nil, &roster.SyncError{Message: "The SCIM service does not page GET /Users (startIndex): remote agents whose user was deleted cannot be found."}
				}
				seenFirst = r.user.ID
			}
			if looksLikeUserID(r.user.ExternalID) {
				candidates[r.user.ExternalID] = Orphan{UserID: r.user.ExternalID, Email: r.user.UserName}
			}
		}
		start += len(page.Resources)
		// totalResults is required (RFC 7644 §3.4.2); without it, read until an empty page.
		if len(page.Resources) == 0 || page.TotalResults > 0 && start > page.TotalResults {
			break
		}
	}
	ids := make([]string, 0, len(candidates))
	for id := range candidates {
		ids = append(ids, id)
	}
	var orphans []Orphan
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 1000)]
		ids = ids[len(batch):]
		found, err := exists(ctx, batch)
		if err != nil {
			return nil, err
		}
		for _, id := range batch {
			if !found[id] {
				orphans = append(orphans, candidates[id])
			}
		}
	}
	for i := range orphans {
		_, orphans[i].Err = c.push(ctx, roster.AgentState{UserID: orphans[i].UserID, Deleted: true})
	}
	return orphans, nil
}

// looksLikeUserID reports whether s has the form of the ids Roster gives users: a UUID in
// its canonical text form (roster.NewID).
func looksLikeUserID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdef", r) {
				return false
			}
		}
	}
	return true
}
