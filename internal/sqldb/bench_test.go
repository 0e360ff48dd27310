package sqldb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"roster"
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
		b.Run(engine, func(b *testing.B) {
			var elapsed, cpu time.Duration
			for range b.N {
				b.StopTimer()
				db := sqldbtest.Open(b, engine)
				org := mustCreateOrg(b, db, "Bulk")
				for i := 0; i < total; i += batch {
					// Each batch is built with the timer stopped, as an import would stream
					// it, so that neither building it nor a large live heap is measured.
					users, entries := bulkData(org, i, batch)
					b.StartTimer()
					start := time.Now()
					c0 := cpuTime()
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
					cpu += cpuTime() - c0
					b.StopTimer()
					if err != nil {
						b.Fatal(err)
					}
				}
				db.Close()
			}
			b.ReportMetric(float64(total*b.N)/elapsed.Seconds(), "users/s")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// bulkData returns users from, from+1, ... from+n-1 of org and their audit entries, shaped like
// those of an import.
func bulkData(org *roster.Org, from, n int) ([]*roster.User, []*roster.AuditEntry) {
	users := make([]*roster.User, n)
	entries := make([]*roster.AuditEntry, n)
	now := time.Now()
	for k := range users {
		i := from + k
		first, last := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
		u := newUser(org, fmt.Sprintf("user%07d@example.com", i), first, last)
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

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
