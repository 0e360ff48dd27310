package sqldb_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"roster"
	"roster/internal/sqldb"
)

// sameJSON reports whether two documents mean the same: PostgreSQL's JSONB keeps the meaning
// but not the spacing or the key order.
func sameJSON(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

func TestAuditEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		beta := mustCreateOrg(t, db, "Beta")
		userA, userB := roster.NewID(), roster.NewID()
		base := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
		specs := []struct {
			org    string
			action string
			target string
			actor  string
			via    roster.Interface
		}{
			{acme.ID, "user.create", userA, "tok1", roster.ViaAPI},
			{acme.ID, "user.update", userA, "tok1", roster.ViaAPI},
			{acme.ID, "user.create", userB, "adm1", roster.ViaConsole},
			{beta.ID, "user.create", roster.NewID(), "tok2", roster.ViaAPI},
			{"", "org.create", acme.ID, "", roster.ViaCLI},
			{acme.ID, "user.update", userB, "adm1", roster.ViaCSV},
			{acme.ID, "user.update", userA, "tok1", roster.ViaSCIM},
			{acme.ID, "user.delete", userA, "adm1", roster.ViaConsole},
		}
		entries := make([]*roster.AuditEntry, len(specs))
		write(t, db, func(tx roster.Tx) error {
			for i, s := range specs {
				e := &roster.AuditEntry{
					ID: roster.NewID(), OrgID: s.org, At: base.Add(time.Duration(i) * time.Minute),
					ActorKind: "token", ActorID: s.actor, ActorName: "Actor " + s.actor, Interface: s.via,
					Action: s.action, TargetKind: "user", TargetID: s.target, Target: "ann@example.com",
				}
				if s.via == roster.ViaCSV || s.via == roster.ViaSCIM {
					e.TaskID = "task1" // made by one task
				}
				if i%3 != 0 {
					e.Before = json.RawMessage(`{"title": "Agent", "n": 1}`)
				}
				if i%3 != 1 {
					e.After = json.RawMessage(`{"title":"Lead","tags":["a","ł"],"n":2}`)
				}
				entries[i] = e
				if err := tx.CreateAuditEntry(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})

		// Everything round-trips, JSON by meaning.
		page, err := db.FindAuditEntries(ctx, roster.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Entries) != len(entries) {
			t.Fatalf("%d entries, want %d", len(page.Entries), len(entries))
		}
		for i, got := range page.Entries {
			want := *entries[len(entries)-1-i]
			if !sameJSON(t, got.Before, want.Before) || !sameJSON(t, got.After, want.After) {
				t.Fatalf("entry %d: before %s after %s, want %s %s", i, got.Before, got.After, want.Before, want.After)
			}
			g := *got
			g.Before, g.After, want.Before, want.After = nil, nil, nil, nil
			wantEqual(t, &g, &want)
		}

		// which returns the indexes of the entries matching keep, newest first.
		which := func(keep func(i int) bool) []int {
			var out []int
			for i := len(entries) - 1; i >= 0; i-- {
				if keep(i) {
					out = append(out, i)
				}
			}
			return out
		}
		tests := []struct {
			name string
			f    roster.AuditFilter
			want []int
		}{
			{"all", roster.AuditFilter{}, which(func(int) bool { return true })},
			{"org", roster.AuditFilter{OrgID: acme.ID}, which(func(i int) bool { return specs[i].org == acme.ID })},
			{"other org", roster.AuditFilter{OrgID: beta.ID}, []int{3}},
			{"action", roster.AuditFilter{OrgID: acme.ID, Action: "user.update"}, []int{6, 5, 1}},
			{"target", roster.AuditFilter{OrgID: acme.ID, TargetID: userA}, []int{7, 6, 1, 0}},
			{"actor", roster.AuditFilter{ActorID: "adm1"}, []int{7, 5, 2}},
			{"interface", roster.AuditFilter{Interface: roster.ViaConsole}, []int{7, 2}},
			{"task", roster.AuditFilter{OrgID: acme.ID, TaskID: "task1"}, []int{6, 5}},
			{"since, inclusive", roster.AuditFilter{Since: base.Add(5 * time.Minute)}, []int{7, 6, 5}},
			{"until, exclusive", roster.AuditFilter{Until: base.Add(2 * time.Minute)}, []int{1, 0}},
			{"since and until in another zone", roster.AuditFilter{
				Since: base.Add(2 * time.Minute).In(time.FixedZone("X", -5*3600)),
				Until: base.Add(4*time.Minute + time.Nanosecond*1500)}, []int{4, 3, 2}},
			{"target and action", roster.AuditFilter{OrgID: acme.ID, TargetID: userA, Action: "user.update"}, []int{6, 1}},
			{"nothing", roster.AuditFilter{OrgID: acme.ID, Action: "org.delete"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, limit := range []int{0, 1, 2} {
					f := tt.f
					f.Limit = limit
					indexes := func(page *roster.AuditPage) []int {
						var out []int
						for _, e := range page.Entries {
							out = append(out, slices.IndexFunc(entries, func(x *roster.AuditEntry) bool { return x.ID == e.ID }))
						}
						return out
					}
					var got []int
					var last *roster.AuditPage
					for range 100 {
						page, err := db.FindAuditEntries(ctx, f)
						if err != nil {
							t.Fatal(err)
						}
						if (f.Before == "") != (page.Prev == "") && len(page.Entries) > 0 {
							t.Fatalf("limit %d: page before %q has previous-page cursor %q", limit, f.Before, page.Prev)
						}
						got, last = append(got, indexes(page)...), page
						if page.Next == "" {
							break
						}
						f.Before = page.Next
					}
					if !slices.Equal(got, tt.want) {
						t.Fatalf("limit %d: got %v, want %v", limit, got, tt.want)
					}
					// And back up from the last page by the previous-page cursors: the same
					// entries, the same pages.
					back := indexes(last)
					for page := last; page.Prev != ""; {
						f.Before, f.After = "", page.Prev
						var err error
						if page, err = db.FindAuditEntries(ctx, f); err != nil {
							t.Fatal(err)
						}
						if len(page.Entries) == 0 || page.Next == "" {
							t.Fatalf("limit %d: a previous page without entries or a next page: %+v", limit, page)
						}
						back = append(indexes(page), back...)
					}
					if !slices.Equal(back, tt.want) {
						t.Fatalf("limit %d: back up: got %v, want %v", limit, back, tt.want)
					}
				}
			})
		}

		wantCode(t, db.Write(ctx, func(tx roster.Tx) error {
			dup := *entries[0]
			return tx.CreateAuditEntry(ctx, &dup)
		}), roster.CodeConflict)
	})
}
