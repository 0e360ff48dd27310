package contactcenter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"roster"
	"roster/internal/contactcenter"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
	"roster/internal/worker"
)

var (
	system = provision.System(roster.ViaCLI)
	quiet  = slog.New(slog.DiscardHandler)
)

// fixture is an organization, its store and service, and a running sync engine on a connector.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	store roster.Store
	svc   *provision.Service
	org   *roster.Org
	full  roster.Actor
}

func eachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	t.Helper()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fn(t, engine)
		})
	}
}

func newFixture(t *testing.T, engine string, conn func(roster.Store) roster.Connector) *fixture {
	t.Helper()
	store := sqldbtest.Open(t, engine)
	svc := provision.New(store)
	f := &fixture{t: t, ctx: context.Background(), store: store, svc: svc}
	name := "Acme"
	o, err := svc.CreateOrg(f.ctx, system, provision.OrgChange{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	f.org = o
	f.full = roster.Actor{Kind: "token", ID: "tok", Name: "token", OrgID: o.ID, Role: roster.AdminFull, Interface: roster.ViaAPI}
	e := contactcenter.New(store, conn(store), contactcenter.Options{Poll: 5 * time.Millisecond, Backoff: 5 * time.Millisecond,
		MaxBackoff: 50 * time.Millisecond, Attempts: 30, Logger: quiet})
	handlers := map[string]worker.Handler{provision.KindSynchronize: worker.HandlerFunc(e.RunSynchronize)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = e.Run(ctx) })
	wg.Go(func() {
		_ = worker.New(store, handlers, worker.Options{Poll: 5 * time.Millisecond, Logger: quiet}).Run(ctx)
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	return f
}

func builtin(s roster.Store) roster.Connector { return contactcenter.NewBuiltin(s) }

// waitFor polls until cond holds.
func (f *fixture) waitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.t.Fatalf("timed out waiting for %s", what)
}

func (f *fixture) user(id string) *roster.User {
	f.t.Helper()
	u, err := f.store.FindUserByID(f.ctx, f.org.ID, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) agent(id string) *roster.Agent {
	f.t.Helper()
	a, err := f.store.FindAgent(f.ctx, f.org.ID, id)
	if roster.ErrorCode(err) == roster.CodeNotFound {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f *fixture) synchronize() *roster.Task {
	f.t.Helper()
	task, err := f.svc.StartSynchronize(f.ctx, f.full, f.org.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	f.waitFor("synchronize", func() bool {
		task, err = f.svc.Task(f.ctx, system, f.org.ID, task.ID)
		return err == nil && task.State.Final()
	})
	if task.State != roster.TaskCompleted && task.State != roster.TaskCompletedWithErrors {
		f.t.Fatalf("synchronize: %s %s", task.State, task.Error)
	}
	return task
}

func (f *fixture) report(id string) string {
	f.t.Helper()
	var b bytes.Buffer
	if err := f.svc.WriteTaskReport(f.ctx, system, f.org.ID, id, &b); err != nil {
		f.t.Fatal(err)
	}
	var lines []string
	for i, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if i > 0 {
			f := strings.SplitN(strings.TrimRight(line, "\r"), ",", 5)
			lines = append(lines, f[1]+" "+f[2]+" "+f[3])
		}
	}
	return strings.Join(lines, "\n")
}

func TestSyncFollowsTheDirectory(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine, builtin)
		u, err := f.svc.CreateUser(f.ctx, f.full, f.org.ID, provision.NewUser{Email: "ada@example.com", FirstName: "Ada", License: roster.LicenseStandard})
		if err != nil {
			t.Fatal(err)
		}
		if u.SyncStatus != roster.SyncPending {
			t.Fatalf("new licensed user: %s", u.SyncStatus)
		}
		f.waitFor("valid", func() bool { return f.user(u.ID).SyncStatus == roster.SyncValid })
		if a := f.agent(u.ID); a == nil || a.ProfileType != roster.ProfileStandardAgent || !a.Active || a.FirstName != "Ada" {
			t.Fatalf("agent: %+v", a)
		}
		version := f.user(u.ID).Version

		// A license change reaches the agent; the status changes leave the version alone.
		if _, err := f.svc.UpdateUser(f.ctx, f.full, f.org.ID, u.ID, provision.UserChange{License: ptr(roster.LicensePremium)}, 0); err != nil {
			t.Fatal(err)
		}
		f.waitFor("premium agent", func() bool {
			a := f.agent(u.ID)
			return a != nil && a.ProfileType == roster.ProfilePremiumAgent && f.user(u.ID).SyncStatus == roster.SyncValid
		})
		if v := f.user(u.ID).Version; v != version+1 {
			t.Errorf("version %d, want %d: sync must not bump it", v, version+1)
		}
		// Losing the license deactivates the agent; the user needs none: status none.
		if _, err := f.svc.UpdateUser(f.ctx, f.full, f.org.ID, u.ID, provision.UserChange{License: ptr(roster.LicenseNone)}, 0); err != nil {
			t.Fatal(err)
		}
		f.waitFor("deactivated", func() bool {
			a := f.agent(u.ID)
			return a != nil && !a.Active && f.user(u.ID).SyncStatus == roster.SyncNone
		})
		// Each change of the agent is in the audit log, made by sync.
		if got, want := f.audit(roster.AuditFilter{Interface: roster.ViaSync, TargetID: u.ID}), []string{
			`agent.deactivate ada@example.com {"active":true} → {"active":false}`,
			`agent.update ada@example.com {"profileType":"standard_agent"} → {"profileType":"premium_agent"}`,
			`agent.create ada@example.com  → {"active":true,"email":"ada@example.com","firstName":"Ada","lastName":"","profileType":"standard_agent","userProfileId":""}`,
		}; !slices.Equal(got, want) {
			t.Errorf("audit of sync:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// Deleting the user deletes its agent.
		if _, err := f.svc.UpdateUser(f.ctx, f.full, f.org.ID, u.ID, provision.UserChange{License: ptr(roster.LicenseStandard)}, 0); err != nil {
			t.Fatal(err)
		}
		f.waitFor("reactivated", func() bool { a := f.agent(u.ID); return a != nil && a.Active })
		if err := f.svc.DeleteUser(f.ctx, f.full, f.org.ID, u.ID, 0); err != nil {
			t.Fatal(err)
		}
		f.waitFor("agent deleted", func() bool { return f.agent(u.ID) == nil })
	})
}

func TestSynchronizeUsers(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine, builtin)
		var ids []string
		for i, l := range []roster.License{roster.LicenseStandard, roster.LicensePremium, roster.LicenseNone} {
			u, err := f.svc.CreateUser(f.ctx, f.full, f.org.ID, provision.NewUser{Email: fmt.Sprintf("u%d@example.com", i), License: l})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		f.waitFor("delivered", func() bool { return f.user(ids[1]).SyncStatus == roster.SyncValid })
		// Drift: an agent changed behind the directory's back, and an orphan agent.
		err := f.store.Write(f.ctx, func(tx roster.Tx) error {
			a, err := tx.FindAgent(f.ctx, f.org.ID, ids[0])
			if err != nil {
				return err
			}
			a.ProfileType, a.FirstName = roster.ProfileSupervisor, "Drifted"
			a.ExternalID = "ext-0" // the contact center's own field, which synchronize keeps
			if err := tx.UpdateAgent(f.ctx, a); err != nil {
				return err
			}
			return tx.CreateAgents(f.ctx, []*roster.Agent{{UserID: roster.NewID(), OrgID: f.org.ID, Email: "ghost@example.com",
				ProfileType: roster.ProfileStandardAgent, Active: true, CreatedAt: time.Now(), UpdatedAt: time.Now(), Version: 1}})
		})
		if err != nil {
			t.Fatal(err)
		}
		task := f.synchronize()
		if got, want := f.report(task.ID), "u0@example.com updated \nghost@example.com updated "; got != want {
			t.Errorf("report:\n%s\nwant\n%s", got, want)
		}
		if a := f.agent(ids[0]); a.ProfileType != roster.ProfileStandardAgent || a.FirstName != "" || a.ExternalID != "ext-0" {
			t.Errorf("drift not fixed: %+v", a)
		}
		if got, want := f.audit(roster.AuditFilter{TaskID: task.ID}), []string{
			`agent.delete ghost@example.com {"active":true,"email":"ghost@example.com","firstName":"","lastName":"","profileType":"standard_agent","userProfileId":""} → `,
			`agent.update u0@example.com {"firstName":"Drifted","profileType":"supervisor"} → {"firstName":"","profileType":"standard_agent"}`,
		}; !slices.Equal(got, want) {
			t.Errorf("audit of the synchronize:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		again := f.synchronize()
		if again.Counts.Updated+again.Counts.Created+again.Counts.Errors != 0 || again.Counts.Unchanged != 3 {
			t.Errorf("second synchronize: %+v\n%s", again.Counts, f.report(again.ID))
		}
	})
}

// audit returns the organization's audit entries that f selects, newest first, as
// "action target before → after".
func (f *fixture) audit(filter roster.AuditFilter) []string {
	f.t.Helper()
	filter.OrgID, filter.Limit = f.org.ID, 100
	page, err := f.store.FindAuditEntries(f.ctx, filter)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range page.Entries {
		out = append(out, fmt.Sprintf("%s %s %s → %s", e.Action, e.Target, sortedJSON(f.t, e.Before), sortedJSON(f.t, e.After)))
	}
	return out
}

// sortedJSON writes an object with its keys sorted, as PostgreSQL's jsonb does not keep them.
func sortedJSON(t *testing.T, raw json.RawMessage) string {
	if raw == nil {
		return ""
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func ptr[T any](v T) *T { return &v }
