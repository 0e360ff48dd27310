package sqldb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

// BenchmarkCreateUsers measures the bulk path of an import: 100,000 users and one audit entry
// each, written in 100 transactions of 1,000, into a new database. One op is the whole import.
//
//	go test ./internal/sqldb -run '^$' -bench CreateUsers -benchtime 1x -count 3
func BenchmarkCreateUsers(b *testing.B) {
	const (
		total = 100_000
		batch = 1_000
	)
	ctx := context.Background()
	for _, engine := range sqldbtest.Engines(b) {
		for _, shuffled := range []bool{false, true} {
			name := engine + "/ordered"
			if shuffled {
				name = engine + "/shuffled"
			}
			b.Run(name, func(b *testing.B) {
				var elapsed time.Duration
				for range b.N {
					b.StopTimer()
					db := sqldbtest.Open(b, engine)
					org := mustCreateOrg(b, db, "Bulk")
					for i := 0; i < total; i += batch {
						// Each batch is built with the timer stopped, as an import would stream
						// it, so that neither building it nor a large live heap is measured.
						users, entries := bulkData(org, i, batch, shuffled)
						b.StartTimer()
						start := time.Now()
						err := db.Write(ctx, func(tx roster.Tx) error {
							for j := range users {
								if err := tx.CreateUser(ctx, users[j]); err != nil {
									return err
								}
								if err := tx.CreateAuditEntry(ctx, entries[j]); err != nil {
									return err
								}
							}
							return nil
						})
						elapsed += time.Since(start)
						b.StopTimer()
						if err != nil {
							b.Fatal(err)
						}
					}
					if err := db.Close(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(total*b.N)/elapsed.Seconds(), "users/s")
			})
		}
	}
}

// bulkData returns users from, from+1, ... from+n-1 of org and their audit entries, shaped like
// those of an import.
func bulkData(org *roster.Org, from, n int, shuffled bool) ([]*roster.User, []*roster.AuditEntry) {
	users := make([]*roster.User, n)
	entries := make([]*roster.AuditEntry, n)
	now := time.Now()
	for k := range users {
		i := from + k
		// ordered: the emails arrive in the order of the indexes, the best case (a file sorted
		// by email). shuffled: they land all over the indexes, as in most real files.
		first, last := benchFirst[i%len(benchFirst)], benchLast[(i/len(benchFirst))%len(benchLast)]
		email := fmt.Sprintf("user%07d@example.com", i)
		if shuffled {
			n := (i * 7919) % 1_000_003
			first, last = benchFirst[n%len(benchFirst)], benchLast[(n/len(benchFirst))%len(benchLast)]
			email = fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(first), strings.ToLower(last), n)
		}
		u := newUser(org, email, first, last)
		u.CreatedAt, u.UpdatedAt = now, now
		u.License = licenses[i%len(licenses)]
		users[k] = u
		after, _ := json.Marshal(map[string]any{
			"email": u.Email, "firstName": u.FirstName, "lastName": u.LastName, "displayName": u.DisplayName,
			"phoneNumber": u.PhoneNumber, "title": u.Title, "department": u.Department,
			"preferredLanguage": u.PreferredLanguage, "status": u.Status, "license": u.License,
			"ccRole": u.CCRole, "adminRole": u.AdminRole,
		})
		entries[k] = &roster.AuditEntry{
			ID: roster.NewID(), OrgID: org.ID, At: now, ActorKind: "token", ActorID: "tok",
			ActorName: "Import token", Interface: roster.ViaCSV, Action: "user.create",
			TargetKind: "user", TargetID: u.ID, Target: u.Email, After: after, TaskID: "task-1",
		}
	}
	return users, entries
}

var (
	benchFirst = strings.Fields("Anna Eva Maria Karin Sara Emma Lena Ida Åsa Elin Johan Erik Lars Karl Anders Per Nils Jan " +
		"Mikael Łukasz Piotr Paweł Krzysztof Tomasz Marek Zoë Émile Chloé Lucas Noah Liam Olivia Sophie Björn Örjan " +
		"Agnieszka Małgorzata Ewa Joanna Hanna Kim Alex Sam Robin Maja Alice Sven Gustav Oskar Hugo Axel Leo Elias " +
		"Ali Fatima Yusuf Aisha Omar Daan Sem Bram Lotte Fleur Sanne Iris Ruben Pedro Pablo Lucía Sofía Álvaro Mateo")
	benchLast = strings.Fields("Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson " +
		"Pettersson Jonsson Lindberg Magnusson Lindström Lindqvist Lindgren Berg Bergström Lundberg Lind Sjöberg " +
		"Wallin Engström Eklund Håkansson Björk Holm Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski " +
		"Zieliński Woźniak Dąbrowski Kozłowski Mazur Krawczyk Łukasiewicz Jansen Bakker Visser Smit Meijer Mulder " +
		"García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz Hernández Díaz " +
		"Moreno Álvarez Muñoz Romero Alonso Gutiérrez Navarro Torres Domínguez Vázquez Ramos Åberg Öberg Ek Östlund")
)

// BenchmarkFindUsers measures pages of the user list of an organization of a million users,
// with every kind of filter. Building the database takes minutes, so it runs only when
// ROSTER_BENCH_LIST_DIR names a directory, where the SQLite database is built once and kept:
//
//	ROSTER_BENCH_LIST_DIR=/tmp/roster-1m go test ./internal/sqldb -run '^$' -bench FindUsers
func BenchmarkFindUsers(b *testing.B) {
	dir := os.Getenv("ROSTER_BENCH_LIST_DIR")
	if dir == "" {
		b.Skip("ROSTER_BENCH_LIST_DIR is not set")
	}
	ctx := context.Background()
	db, err := sqldb.Open(ctx, sqldb.Config{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	org := listOrg(b, db, 1_000_000)

	filters := []roster.UserFilter{
		{}, {After: "m"}, {License: roster.LicenseStandard}, {Status: roster.StatusInactive},
		{SyncStatus: roster.SyncInvalid}, {AdminRole: roster.AdminFull}, {AdminRole: roster.AdminNone},
		{CCRole: roster.RoleSupervisor}, {CCRole: roster.RoleAgent},
		{Query: "a"}, {Query: "an"}, {Query: "anna"}, {Query: "łu"}, {Query: "zbig"}, {Query: "xyz"},
		{Query: "an", After: "m"}, {Query: "anna", License: roster.LicensePremium},
		{License: roster.LicensePremium, Status: roster.StatusPending},
	}
	for _, f := range filters {
		f.OrgID = org.ID
		b.Run(strings.NewReplacer("OrgID:"+org.ID+" ", "", " ", ",").Replace(fmt.Sprintf("%+v", f)), func(b *testing.B) {
			for b.Loop() {
				if _, err := db.FindUsers(ctx, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// listOrg returns the organization "Big" of db, creating it with n users the first time:
// names from benchFirst and benchLast, a third standard, a sixth premium, a few
// administrators, supervisors, inactive, pending and unsynchronized users.
func listOrg(b *testing.B, db *sqldb.DB, n int) *roster.Org {
	ctx := context.Background()
	orgs, err := db.FindOrgs(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, o := range orgs {
		if o.Name == "Big" {
			return o
		}
	}
	b.Logf("creating %d users, once", n)
	org := mustCreateOrg(b, db, "Big")
	var usage roster.Usage
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i += 10_000 {
		write(b, db, func(tx roster.Tx) error {
			for j := i; j < i+10_000; j++ {
				first, last := benchFirst[r.IntN(len(benchFirst))], benchLast[r.IntN(len(benchLast))]
				u := newUser(org, fmt.Sprintf("%s.%s.%d@example%d.com", strings.ToLower(first), strings.ToLower(last), j, j%7), first, last)
				u.Status, u.SyncStatus = roster.StatusActive, roster.SyncValid
				switch x := r.IntN(100); {
				case x < 35:
					u.License = roster.LicenseStandard
					usage.Standard++
				case x < 50:
					u.License = roster.LicensePremium
					usage.Premium++
					if x < 51 {
						u.CCRole = roster.RoleSupervisor
					}
				}
				switch x := r.IntN(1000); {
				case x < 50:
					u.Status = roster.StatusInactive
				case x < 80:
					u.Status = roster.StatusPending
				case x < 100:
					u.SyncStatus = roster.SyncInvalid
				}
				if r.IntN(1000) < 7 {
					u.AdminRole = roster.AdminFull
				}
				usage.Users++
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			return nil
		})
	}
	write(b, db, func(tx roster.Tx) error { return tx.UpdateOrgUsage(ctx, org.ID, usage) })
	return org
}
