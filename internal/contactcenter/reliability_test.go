package contactcenter_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"roster"
	"roster/internal/contactcenter"
	"roster/internal/provision"
)

// With 30% of pushes failing, 10,000 changed users all reach valid through retries, and the
// contact center ends holding exactly the directory: nothing lost, nothing applied out of
// order (a stale state delivered last would leave an agent behind its user).
func TestSyncSurvivesFaults(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("10,000 users")
	}
	eachEngine(t, func(t *testing.T, engine string) {
		const n = 10_000
		f := newFixture(t, engine, func(s roster.Store) roster.Connector {
			return contactcenter.NewFault(contactcenter.NewBuiltin(s), contactcenter.FaultConfig{FailShare: 0.3, Seed: 7})
		})
		users := make([]provision.NewUser, n)
		for i := range users {
			users[i] = provision.NewUser{Email: fmt.Sprintf("u%05d@example.com", i), License: roster.LicenseStandard}
		}
		res, err := f.svc.CreateUsers(f.ctx, f.full, f.org.ID, users, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Change every user again while the first deliveries are under way: a third to
		// premium, a third back to no license, a third renamed.
		for start := 0; start < n; start += 25 {
			var entries []provision.BatchEntry
			for _, r := range res[start:min(start+25, n)] {
				entries = append(entries, provision.BatchEntry{Email: r.Email})
			}
			l := []roster.License{roster.LicensePremium, roster.LicenseNone, roster.LicenseStandard}[start/25%3]
			b := provision.Batch{Entries: entries, License: l}
			if l == roster.LicenseStandard {
				for i := range b.Entries {
					b.Entries[i].FirstName = "Renamed"
				}
				b.License = ""
			}
			if _, err := f.svc.AddOrModifyUsers(f.ctx, f.full, f.org.ID, b); err != nil {
				t.Fatal(err)
			}
		}
		f.waitFor("every user delivered", func() bool {
			counts, err := f.store.CountUsersBySyncStatus(f.ctx, f.org.ID)
			return err == nil && counts[roster.SyncPending] == 0 && counts[roster.SyncInvalid] == 0
		})
		counts, _ := f.store.CountUsersBySyncStatus(f.ctx, f.org.ID)
		agents, _ := f.store.CountAgents(f.ctx, f.org.ID)
		// Of the 400 batches of 25, 134 went premium, 133 lost their license, 133 were renamed.
		premium, none := 134*25, 133*25
		if counts[roster.SyncValid] != n-none || counts[roster.SyncNone] != none {
			t.Errorf("sync statuses %v", counts)
		}
		if agents[roster.ProfilePremiumAgent] != premium || agents[roster.ProfileStandardAgent] != n-premium-none {
			t.Errorf("active agents %v", agents)
		}
		for _, r := range res {
			u, a := f.user(r.UserID), f.agent(r.UserID)
			if _, change := contactcenter.AgentFor(a, roster.AgentStateOf(u), time.Now()); change != contactcenter.Unchanged {
				t.Fatalf("%s: the agent %+v does not hold the user %+v (%s)", u.Email, a, u, change)
			}
		}
	})
}

// A connector that refuses some users makes them invalid with its reason; once it accepts
// them again, Synchronize Users brings every one to valid.
func TestSynchronizeRepairsInvalidUsers(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		var refuse atomic.Bool
		refuse.Store(true)
		refused := map[string]bool{}
		f := newFixture(t, engine, func(s roster.Store) roster.Connector {
			return contactcenter.NewFault(contactcenter.NewBuiltin(s), contactcenter.FaultConfig{
				Permanent: func(userID string) bool { return refuse.Load() && refused[userID] }})
		})
		var ids []string
		for i := range 6 {
			u, err := f.svc.CreateUser(f.ctx, f.full, f.org.ID, provision.NewUser{Email: fmt.Sprintf("u%d@example.com", i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
			if i%2 == 0 {
				refused[u.ID] = true
			}
		}
		for _, id := range ids {
			if _, err := f.svc.UpdateUser(f.ctx, f.full, f.org.ID, id, provision.UserChange{License: ptr(roster.LicensePremium)}, 0); err != nil {
				t.Fatal(err)
			}
		}
		f.waitFor("statuses", func() bool {
			for i, id := range ids {
				want := roster.SyncValid
				if i%2 == 0 {
					want = roster.SyncInvalid
				}
				if f.user(id).SyncStatus != want {
					return false
				}
			}
			return true
		})
		j, err := f.svc.SyncState(f.ctx, f.full, f.org.ID, ids[0])
		if err != nil || j == nil || !j.Failed || j.LastError != "rejected by the contact center (injected)" || j.LastAttemptAt.IsZero() {
			t.Fatalf("sync state of a refused user: %+v %v", j, err)
		}
		refuse.Store(false)
		// Through a connector other than the builtin one, a synchronize pushes every user and
		// counts what the connector did: the agents of the refused users are created.
		if task := f.synchronize(); task.Counts.Errors != 0 || task.Counts.Created != 3 || task.Counts.Unchanged != 3 {
			t.Errorf("synchronize: %+v\n%s", task.Counts, f.report(task.ID))
		}
		for i, id := range ids {
			if a := f.agent(id); a == nil || a.ProfileType != roster.ProfilePremiumAgent {
				t.Errorf("agent of u%d: %+v", i, a)
			}
		}
		f.waitFor("every user valid", func() bool {
			for _, id := range ids {
				if f.user(id).SyncStatus != roster.SyncValid {
					return false
				}
			}
			return true
		})
		f.waitFor("failed deliveries cleared", func() bool {
			j, err := f.svc.SyncState(f.ctx, f.full, f.org.ID, ids[0])
			return err == nil && j == nil
		})
	})
}
