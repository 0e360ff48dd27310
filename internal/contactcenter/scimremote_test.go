package contactcenter_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"roster"
	"roster/internal/contactcenter"
	"roster/internal/contactcenter/scimtest"
)

// A push repairs whatever was changed on the remote side, even by a connector that wrote the
// user itself a moment before: it reads the remote user, it does not trust what it wrote.
func TestSCIMRepairsRemoteChanges(t *testing.T) {
	t.Parallel()
	alice := agentState("u1")
	none := alice
	none.ProfileType = roster.ProfileNone
	tests := []struct {
		name   string
		before *roster.AgentState // pushed before state when not nil
		state  roster.AgentState
		behind func(srv *scimtest.Server)
		change contactcenter.Change
		// otherEmails are the emails the remote keeps besides the primary one, Roster's.
		otherEmails []scimtest.Email
	}{
		{name: "deactivated there", state: alice, change: contactcenter.Updated,
			behind: func(srv *scimtest.Server) { srv.ChangeUser("u1", func(u *scimtest.User) { u.Active = false }) }},
		{name: "renamed there", state: alice, change: contactcenter.Updated,
			behind: func(srv *scimtest.Server) {
				srv.ChangeUser("u1", func(u *scimtest.User) { u.GivenName, u.UserName = "Augusta", "augusta@example.com" })
			}},
		{name: "profile type changed there", state: alice, change: contactcenter.Updated,
			behind: func(srv *scimtest.Server) {
				srv.ChangeUser("u1", func(u *scimtest.User) { u.ProfileType = "supervisor" })
			}},
		{name: "primary email changed there", state: alice, change: contactcenter.Updated,
			otherEmails: []scimtest.Email{{Value: "other@example.com"}},
			behind: func(srv *scimtest.Server) {
				srv.ChangeUser("u1", func(u *scimtest.User) { u.Emails = []scimtest.Email{{Value: "other@example.com", Primary: true}} })
			}},
		{name: "deleted there", state: alice, change: contactcenter.Created,
			behind: func(srv *scimtest.Server) { srv.DeleteUser("u1") }},
		{name: "reactivated there", before: &alice, state: none, change: contactcenter.Deactivated,
			behind: func(srv *scimtest.Server) { srv.ChangeUser("u1", func(u *scimtest.User) { u.Active = true }) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newSCIMServer(t)
			c := newSCIM(t, contactcenter.SCIMConfig{BaseURL: srv.URL})
			for _, st := range []*roster.AgentState{tt.before, &tt.state} {
				if st != nil {
					if err := pushOne(t, c, *st); err != nil {
						t.Fatal(err)
					}
				}
			}
			tt.behind(srv)
			changes, errs := c.Reconcile(context.Background(), []roster.AgentState{tt.state})
			if errs[0] != nil || changes[0] != tt.change {
				t.Fatalf("Reconcile = %q, %v; want %q", changes[0], errs[0], tt.change)
			}
			want := remoteOf(tt.state, tt.state.ProfileType != roster.ProfileNone)
			want.Emails = append(want.Emails, tt.otherEmails...)
			checkRemote(t, srv, "u1", want)
		})
	}
}

// What the remote side set and Roster does not own (title, phone numbers, other emails)
// survives a change, whether the server takes PATCH or only PUT.
func TestSCIMKeepsRemoteAttributes(t *testing.T) {
	t.Parallel()
	for _, b := range []struct {
		name      string
		behaviour scimtest.Behaviour
	}{{"patch", scimtest.Complete}, {"put", withoutPatch}} {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			srv := newSCIMServerWith(t, b.behaviour)
			c := newSCIM(t, contactcenter.SCIMConfig{BaseURL: srv.URL})
			alice := agentState("u1")
			if err := pushOne(t, c, alice); err != nil {
				t.Fatal(err)
			}
			srv.ChangeUser("u1", func(u *scimtest.User) {
				u.Title, u.PhoneNumbers = "Team lead", []string{"+46 8 123 456"}
				u.Emails = append(u.Emails, scimtest.Email{Value: "ada.home@example.com"})
			})
			renamed := alice
			renamed.LastName, renamed.ProfileType = "Byron", roster.ProfileSupervisor
			if err := pushOne(t, c, renamed); err != nil {
				t.Fatal(err)
			}
			want := remoteOf(renamed, true)
			want.Title, want.PhoneNumbers = "Team lead", []string{"+46 8 123 456"}
			want.Emails = append(want.Emails, scimtest.Email{Value: "ada.home@example.com"})
			checkRemote(t, srv, "u1", want)
		})
	}
}

// A write refused with 412 (the user changed since it was read) is read again and retried
// with the new version; the change made meanwhile is kept where Roster does not own it.
func TestSCIMRetriesOnPreconditionFailed(t *testing.T) {
	t.Parallel()
	for _, b := range []struct {
		name      string
		behaviour scimtest.Behaviour
		write     string
	}{{"patch", scimtest.Complete, http.MethodPatch}, {"put", withoutPatch, http.MethodPut}} {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			srv := newSCIMServerWith(t, b.behaviour)
			c := newSCIM(t, contactcenter.SCIMConfig{BaseURL: srv.URL})
			alice := agentState("u1")
			if err := pushOne(t, c, alice); err != nil {
				t.Fatal(err)
			}
			var raced atomic.Bool
			srv.Fail = func(r *http.Request) (int, string) {
				if r.Method == b.write && raced.CompareAndSwap(false, true) {
					// Another client writes between our read and our write.
					srv.ChangeUser("u1", func(u *scimtest.User) { u.Title = "Changed meanwhile" })
				}
				return 0, ""
			}
			srv.ResetCounts()
			renamed := alice
			renamed.FirstName = "Augusta"
			if err := pushOne(t, c, renamed); err != nil {
				t.Fatal(err)
			}
			if got, want := counts(srv), map[string]int{"GET": 2, b.write: 2}; !sameCounts(got, want) {
				t.Errorf("requests = %v, want %v (a 412, then a read and a write again)", got, want)
			}
			want := remoteOf(renamed, true)
			want.Title = "Changed meanwhile"
			checkRemote(t, srv, "u1", want)
		})
	}
}

// A remote user with the directory user's userName and no externalId is adopted: given the
// externalId and Roster's attributes, keeping its own. One with another user's externalId is
// not taken over.
func TestSCIMAdoptsByUserName(t *testing.T) {
	t.Parallel()
	srv := newSCIMServer(t)
	c := newSCIM(t, contactcenter.SCIMConfig{BaseURL: srv.URL})
	alice := agentState("u1")
	srv.AddUser(scimtest.User{UserName: "U1@Example.com", GivenName: "Someone", Active: false, Title: "Agent"})
	changes, errs := c.Reconcile(context.Background(), []roster.AgentState{alice})
	if errs[0] != nil || changes[0] != contactcenter.Updated {
		t.Fatalf("Reconcile = %q, %v; want updated", changes[0], errs[0])
	}
	want := remoteOf(alice, true)
	want.Title = "Agent"
	want.UserName = "U1@Example.com" // userName ignores case: the remote's spelling stays
	checkRemote(t, srv, "u1", want)
	if n := len(srv.Users()); n != 1 {
		t.Errorf("server holds %d users, want 1", n)
	}

	srv.AddUser(scimtest.User{UserName: "u2@example.com", ExternalID: "someone-else", Active: true})
	err := pushOne(t, c, agentState("u2"))
	var se *roster.SyncError
	if !errors.As(err, &se) || se.Retryable ||
		se.Message != "The SCIM service's user u2@example.com belongs to another directory user (externalId someone-else): "+
			"delete it there, or let Synchronize Users remove it." {
		t.Errorf("push over another user's remote user: %v", err)
	}
}

// A refusal names the SCIM error type, such as uniqueness for a userName taken by a remote
// user that is not Roster's.
func TestSCIMErrorShowsSCIMType(t *testing.T) {
	t.Parallel()
	srv := newSCIMServer(t)
	c := newSCIM(t, contactcenter.SCIMConfig{BaseURL: srv.URL})
	alice := agentState("u1")
	if err := pushOne(t, c, alice); err != nil {
		t.Fatal(err)
	}
	srv.AddUser(scimtest.User{UserName: "taken@example.com", ExternalID: "not-roster", Active: true})
	moved := alice
	moved.Email = "taken@example.com"
	err := pushOne(t, c, moved)
	var se *roster.SyncError
	if !errors.As(err, &se) || se.Retryable ||
		se.Message != "The SCIM service answered PATCH /Users/{id} with 409 uniqueness: userName is already taken." {
		t.Errorf("push to a taken userName: %v", err)
	}
}

// A server that drops the contact-center extension, or refuses it, makes the push fail with a
// reason instead of losing the profile type silently; discovery says what it lacks.
func TestSCIMExtensionNotKept(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		behaviour scimtest.Behaviour
		message   string
		support   roster.RemoteSupport
	}{
		{name: "kept", behaviour: scimtest.Complete,
			support: roster.RemoteSupport{Reachable: true, Patch: true, ETags: true, ExtensionListed: true,
				Schemas: []string{"urn:ietf:params:scim:schemas:core:2.0:User", contactcenter.SCIMExtensionSchema}}},
		{name: "dropped", behaviour: scimtest.LikeGateway,
			message: "The SCIM service did not keep the contact-center attributes (profile type standard_agent): " +
				"it does not support the schema " + contactcenter.SCIMExtensionSchema + ".",
			support: roster.RemoteSupport{Reachable: true, Schemas: []string{"urn:ietf:params:scim:schemas:core:2.0:User"}}},
		{name: "refused", behaviour: scimtest.LikeLibrary,
			message: "The SCIM service answered POST /Users with 400 invalidValue: unknown schema " + contactcenter.SCIMExtensionSchema + ".",
			support: roster.RemoteSupport{Reachable: true, Patch: true, ETags: true, Schemas: []string{"urn:ietf:params:scim:schemas:core:2.0:User"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newSCIMServerWith(t, tt.behaviour)
			c := newSCIM(t, contactcenter.SCIMConfig{BaseURL: srv.URL})
			if c.Support() != nil {
				t.Fatal("support known before the remote was asked")
			}
			err := pushOne(t, c, agentState("u1"))
			if tt.message == "" && err != nil {
				t.Fatal(err)
			}
			var se *roster.SyncError
			if tt.message != "" && (!errors.As(err, &se) || se.Retryable || se.Message != tt.message) {
				t.Errorf("push error = %v, want the refusal %q", err, tt.message)
			}
			s := c.Support()
			if s == nil || s.CheckedAt.IsZero() {
				t.Fatalf("support = %+v, want it asked", s)
			}
			got := *s
			got.CheckedAt, got.Problem = tt.support.CheckedAt, ""
			tt.support.Extension = contactcenter.SCIMExtensionSchema
			if fmt.Sprint(got) != fmt.Sprint(tt.support) {
				t.Errorf("support = %+v\nwant      %+v", got, tt.support)
			}
			if listed := tt.support.ExtensionListed; listed != (s.Problem == "") {
				t.Errorf("problem = %q with the extension listed %v", s.Problem, listed)
			}
		})
	}
}

func TestSCIMDiscoveryUnreachable(t *testing.T) {
	t.Parallel()
	srv := scimtest.NewServer(testToken)
	srv.Close()
	c := newSCIM(t, contactcenter.SCIMConfig{BaseURL: srv.URL})
	s := c.Discover(context.Background())
	if s.Reachable || s.Problem != "The SCIM service could not be reached (GET /ServiceProviderConfig)." {
		t.Errorf("support of an unreachable service = %+v", s)
	}
}

// DeleteOrphans reads every page of the remote users and deletes those Roster made whose user
// exists nowhere; users it did not make stay.
func TestSCIMDeleteOrphans(t *testing.T) {
	t.Parallel()
	srv := newSCIMServerWith(t, scimtest.Behaviour{Extension: scimtest.ExtensionKept, PageSize: 7})
	c := newSCIM(t, contactcenter.SCIMConfig{BaseURL: srv.URL})
	var live, dead []string
	for i := range 30 {
		id := roster.NewID()
		srv.AddUser(scimtest.User{ExternalID: id, UserName: fmt.Sprintf("u%02d@example.com", i), Active: true})
		if i%3 == 0 {
			dead = append(dead, id)
		} else {
			live = append(live, id)
		}
	}
	srv.AddUser(scimtest.User{UserName: "local@example.com", Active: true})
	srv.AddUser(scimtest.User{UserName: "other@example.com", ExternalID: "other-system-7", Active: true})
	var asked []string
	orphans, err := c.DeleteOrphans(context.Background(), func(_ context.Context, ids []string) (map[string]bool, error) {
		asked = append(asked, ids...)
		found := map[string]bool{}
		for _, id := range ids {
			found[id] = slices.Contains(live, id)
		}
		return found, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var deleted []string
	for _, o := range orphans {
		if o.Err != nil {
			t.Errorf("orphan %s: %v", o.Email, o.Err)
		}
		deleted = append(deleted, o.UserID)
	}
	slices.Sort(deleted)
	slices.Sort(dead)
	if !slices.Equal(deleted, dead) {
		t.Errorf("deleted %v, want %v", deleted, dead)
	}
	if len(asked) != 30 {
		t.Errorf("asked about %d ids, want the 30 of Roster's form", len(asked))
	}
	var left []string
	for _, u := range srv.Users() {
		left = append(left, u.UserName)
	}
	if len(left) != 22 || !slices.Contains(left, "local@example.com") || !slices.Contains(left, "other@example.com") {
		t.Errorf("left on the server: %v", left)
	}
}

func TestSCIMDeleteOrphansWithoutPaging(t *testing.T) {
	t.Parallel()
	srv := newSCIMServerWith(t, scimtest.Behaviour{PageSize: 2})
	srv.Fail = func(r *http.Request) (int, string) {
		if r.Method == http.MethodGet && r.URL.Query().Get("startIndex") != "" {
			q := r.URL.Query()
			q.Set("startIndex", "1") // a server that ignores startIndex
			r.URL.RawQuery = q.Encode()
		}
		return 0, ""
	}
	for i := range 5 {
		srv.AddUser(scimtest.User{ExternalID: roster.NewID(), UserName: fmt.Sprintf("u%d@example.com", i)})
	}
	c := newSCIM(t, contactcenter.SCIMConfig{BaseURL: srv.URL})
	_, err := c.DeleteOrphans(context.Background(), func(context.Context, []string) (map[string]bool, error) {
		return nil, nil
	})
	if err == nil || !strings.Contains(err.Error(), "does not page GET /Users") {
		t.Errorf("DeleteOrphans on a server that ignores startIndex: %v", err)
	}
	if n := len(srv.Users()); n != 5 {
		t.Errorf("%d users left, want all 5", n)
	}
}

// The network error behind "could not be reached" goes to the log, not to administrators.
func TestSCIMLogsTheCause(t *testing.T) {
	t.Parallel()
	srv := scimtest.NewServer(testToken)
	srv.Close()
	var log bytes.Buffer
	c := newSCIM(t, contactcenter.SCIMConfig{BaseURL: srv.URL, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	err := pushOne(t, c, agentState("u1"))
	// Error() holds the cause, for the log; Message is what administrators read.
	var se *roster.SyncError
	if !errors.As(err, &se) || strings.Contains(se.Message, "connect") {
		t.Errorf("push error %v: want a sentence without the network error", err)
	}
	if !strings.Contains(log.String(), "connection refused") || !strings.Contains(log.String(), `op="GET /Users"`) {
		t.Errorf("log does not hold the cause:\n%s", log.String())
	}
	if strings.Contains(log.String(), testToken) {
		t.Error("the log shows the token")
	}
}

// A failed push makes the connector ask the remote again what it supports, at most once per
// RediscoverEvery: a server whose support changed is seen without a restart.
func TestSCIMRediscoversAfterAFailure(t *testing.T) {
	t.Parallel()
	srv := newSCIMServer(t)
	var asked, refuse atomic.Int64
	srv.Fail = func(r *http.Request) (int, string) {
		if strings.HasSuffix(r.URL.Path, "/ServiceProviderConfig") {
			asked.Add(1)
		}
		if r.Method == http.MethodPost && refuse.Load() == 1 {
			return http.StatusForbidden, ""
		}
		return 0, ""
	}
	for _, tt := range []struct {
		every time.Duration
		want  int64
	}{{every: time.Hour, want: 1}, {every: time.Nanosecond, want: 2}} {
		asked.Store(0)
		refuse.Store(0)
		c := newSCIM(t, contactcenter.SCIMConfig{BaseURL: srv.URL, RediscoverEvery: tt.every})
		if err := pushOne(t, c, agentState(fmt.Sprintf("ok-%s", tt.every))); err != nil {
			t.Fatal(err)
		}
		refuse.Store(1)
		if err := pushOne(t, c, agentState(fmt.Sprintf("refused-%s", tt.every))); err == nil {
			t.Fatal("push succeeded, want the 403")
		}
		if n := asked.Load(); n != tt.want {
			t.Errorf("every %s: asked %d times, want %d", tt.every, n, tt.want)
		}
	}
}
