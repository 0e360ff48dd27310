package sqldb_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"roster"
	"roster/internal/sqldb"
	"roster/internal/sqldb/sqldbtest"
)

// The store suite: every test runs on SQLite, and on PostgreSQL when ROSTER_TEST_POSTGRES_URL
// is set.

// eachEngine runs fn in a parallel subtest per engine, on a new migrated database.
func eachEngine(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fn(t, sqldbtest.Open(t, engine))
		})
	}
}

// at is a fixed instant with nanoseconds, which the store keeps to the microsecond.
var at = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("CET", 3600))

func newOrg(name string) *roster.Org {
	return &roster.Org{
		ID: roster.NewID(), Name: name, Platform: roster.PlatformNew,
		Settings:  roster.OrgSettings{SendWelcomeEmail: true, DefaultLanguage: roster.Swedish},
		Seats:     roster.Seats{Standard: 10, Premium: 5},
		CreatedAt: at, UpdatedAt: at,
	}
}

func newUser(org *roster.Org, email, first, last string) *roster.User {
	return &roster.User{
		ID: roster.NewID(), OrgID: org.ID, Email: email, FirstName: first, LastName: last,
		DisplayName: first + " " + last, PhoneNumber: "+46701234567", Title: "Agent",
		Department: "Support", PreferredLanguage: roster.English, Status: roster.StatusPending,
		License: roster.LicenseNone, CCRole: roster.RoleAgent, AdminRole: roster.AdminNone,
		SyncStatus: roster.SyncNone, CreatedAt: at, UpdatedAt: at,
	}
}

// write runs fn in a transaction and fails the test on error.
func write(t testing.TB, db *sqldb.DB, fn func(tx roster.Tx) error) {
	t.Helper()
	if err := db.Write(context.Background(), fn); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func mustCreateOrg(t testing.TB, db *sqldb.DB, name string) *roster.Org {
	t.Helper()
	o := newOrg(name)
	write(t, db, func(tx roster.Tx) error { return tx.CreateOrg(context.Background(), o) })
	return o
}

func mustCreateUsers(t testing.TB, db *sqldb.DB, users ...*roster.User) {
	t.Helper()
	write(t, db, func(tx roster.Tx) error {
		for _, u := range users {
			if err := tx.CreateUser(context.Background(), u); err != nil {
				return err
			}
		}
		return nil
	})
}

func wantCode(t testing.TB, err error, want roster.Code) {
	t.Helper()
	if got := roster.ErrorCode(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

func wantEqual[T any](t testing.TB, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			cfg := sqldbtest.Config(t, engine)
			// Several nodes start at once on one database: each migration applies once.
			nodes := make([]*sqldb.DB, 4)
			for i := range nodes {
				nodes[i] = sqldbtest.OpenConfig(t, cfg)
			}
			var wg sync.WaitGroup
			errs := make([]error, len(nodes))
			for i, db := range nodes {
				wg.Go(func() { errs[i] = db.Migrate(ctx) })
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("concurrent migrate: %v", err)
			}
			db := nodes[0]
			if db.Engine() != engine {
				t.Fatalf("Engine() = %q, want %q", db.Engine(), engine)
			}
			org := mustCreateOrg(t, db, "Acme")

			// Again: a no-op that keeps the data.
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate again: %v", err)
			}
			if _, err := db.FindOrgByID(ctx, org.ID); err != nil {
				t.Fatalf("after migrating again: %v", err)
			}
			var versions, first int
			err := sqldbtest.Raw(t, cfg).QueryRowContext(ctx,
				"SELECT COUNT(*), MIN(version) FROM schema_migrations").Scan(&versions, &first)
			if err != nil {
				t.Fatal(err)
			}
			// One row a migration file, from 0001 on (TestMigrationFiles checks that both
			// engines have the same files, numbered without a gap).
			want := len(migrationFiles(t, engine))
			if versions != want || first != 1 {
				t.Fatalf("schema_migrations has %d rows from version %d, want %d from 1", versions, first, want)
			}
		})
	}
}

func TestOpenConfig(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		cfg  sqldb.Config
	}{
		{"no data directory", sqldb.Config{}},
		{"unknown scheme", sqldb.Config{DatabaseURL: "mysql://root:secret@localhost/roster"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, err := sqldb.Open(ctx, tt.cfg)
			if err == nil {
				t.Fatalf("Open succeeded (close: %v)", db.Close())
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}

	// The data directory is created on first use.
	dir := filepath.Join(t.TempDir(), "a", "b")
	db, err := sqldb.Open(ctx, sqldb.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if db.Engine() != sqldb.EngineSQLite {
		t.Fatalf("Engine() = %q", db.Engine())
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestWriteRollsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org := newOrg("Acme")
		u := newUser(org, "ann@example.com", "Ann", "Lee")
		boom := errors.New("boom")
		err := db.Write(ctx, func(tx roster.Tx) error {
			if err := tx.CreateOrg(ctx, org); err != nil {
				return err
			}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			// Inside the transaction the rows are visible.
			if _, err := tx.FindUserByEmail(ctx, u.Email); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Write = %v, want the error of fn", err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("the panic of fn did not propagate")
				}
			}()
			_ = db.Write(ctx, func(tx roster.Tx) error {
				if err := tx.CreateOrg(ctx, org); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		_, err = db.FindOrgByID(ctx, org.ID)
		wantCode(t, err, roster.CodeNotFound)
		_, err = db.FindUserByEmail(ctx, u.Email)
		wantCode(t, err, roster.CodeNotFound)
		// The writer is free again.
		mustCreateOrg(t, db, "Next")
	})
}

// TestNoLostUpdate runs concurrent read-modify-writes of one user and one organization: each
// must see the previous one's result (a row lock on PostgreSQL, the single writer on SQLite).
func TestNoLostUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		org := mustCreateOrg(t, db, "Acme")
		u := newUser(org, "ann@example.com", "Ann", "Lee")
		u.Title = ""
		mustCreateUsers(t, db, u)

		const n = 20
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = db.Write(ctx, func(tx roster.Tx) error {
					o, err := tx.FindOrgByID(ctx, org.ID)
					if err != nil {
						return err
					}
					got, err := tx.FindUserByID(ctx, org.ID, u.ID)
					if err != nil {
						return err
					}
					got.Title += "x"
					if err := tx.UpdateUser(ctx, got); err != nil {
						return err
					}
					o.Usage.Users++
					return tx.UpdateOrgUsage(ctx, o.ID, o.Usage)
				})
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindUserByID(ctx, org.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != strings.Repeat("x", n) || got.Version != n+1 {
			t.Fatalf("title %q version %d, want %d x and version %d", got.Title, got.Version, n, n+1)
		}
		o, err := db.FindOrgByID(ctx, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.Usage.Users != n || o.Version != 1 {
			t.Fatalf("usage %d version %d, want %d and 1", o.Usage.Users, o.Version, n)
		}
	})
}

func TestOrgs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "acme")
		beta := mustCreateOrg(t, db, "Beta")
		if acme.Version != 1 {
			t.Fatalf("Version after create = %d, want 1", acme.Version)
		}
		if !acme.CreatedAt.Equal(at.Truncate(time.Microsecond)) || acme.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreatedAt after create = %v, want %v in UTC to the microsecond", acme.CreatedAt, at)
		}
		got, err := db.FindOrgByID(ctx, acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, got, acme)

		all, err := db.FindOrgs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Byte order on both engines: upper case first.
		wantEqual(t, all, []*roster.Org{beta, acme})

		// UpdateOrg writes everything but the usage, and moves the version.
		changed := *got
		changed.Name, changed.Platform = "Acme AB", roster.Platform10
		changed.Settings = roster.OrgSettings{DefaultLanguage: roster.Polish}
		changed.Seats = roster.Seats{Standard: 100, Premium: 50}
		changed.Usage = roster.Usage{Users: 99}
		changed.UpdatedAt = at.Add(time.Hour)
		write(t, db, func(tx roster.Tx) error { return tx.UpdateOrg(ctx, &changed) })
		if changed.Version != 2 {
			t.Fatalf("Version after update = %d, want 2", changed.Version)
		}
		got, err = db.FindOrgByID(ctx, acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := changed
		want.Usage = acme.Usage
		wantEqual(t, got, &want)

		// UpdateOrgUsage writes the counters only and keeps the version.
		usage := roster.Usage{Users: 7, Standard: 3, Premium: 2}
		write(t, db, func(tx roster.Tx) error { return tx.UpdateOrgUsage(ctx, acme.ID, usage) })
		got, err = db.FindOrgByID(ctx, acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		want.Usage = usage
		wantEqual(t, got, &want)

		// A partner manages the organizations that name it; FindCustomerOrgs lists them by name.
		gamma := newOrg("Gamma")
		gamma.PartnerID = acme.ID
		write(t, db, func(tx roster.Tx) error { return tx.CreateOrg(ctx, gamma) })
		withPartner := *beta
		withPartner.PartnerID = acme.ID
		write(t, db, func(tx roster.Tx) error { return tx.UpdateOrg(ctx, &withPartner) })
		customers, err := db.FindCustomerOrgs(ctx, acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, customers, []*roster.Org{&withPartner, gamma})
		if customers, err = db.FindCustomerOrgs(ctx, beta.ID); err != nil || len(customers) != 0 {
			t.Fatalf("customers of a customer: %v, %v", customers, err)
		}
		withPartner.PartnerID = ""
		write(t, db, func(tx roster.Tx) error { return tx.UpdateOrg(ctx, &withPartner) })
		if customers, err = db.FindCustomerOrgs(ctx, acme.ID); err != nil || len(customers) != 1 || customers[0].ID != gamma.ID {
			t.Fatalf("customers after removing the partner of Beta: %v, %v", customers, err)
		}

		missing := newOrg("Missing")
		stale := *acme // version 1, stored 2
		tests := []struct {
			name string
			fn   func(tx roster.Tx) error
			want roster.Code
		}{
			{"find missing", func(tx roster.Tx) error { _, err := tx.FindOrgByID(ctx, missing.ID); return err }, roster.CodeNotFound},
			{"create twice", func(tx roster.Tx) error { return tx.CreateOrg(ctx, newOrgWithID(acme.ID)) }, roster.CodeConflict},
			{"update stale", func(tx roster.Tx) error { return tx.UpdateOrg(ctx, &stale) }, roster.CodeVersionConflict},
			{"update missing", func(tx roster.Tx) error { return tx.UpdateOrg(ctx, missing) }, roster.CodeNotFound},
			{"usage of missing", func(tx roster.Tx) error { return tx.UpdateOrgUsage(ctx, missing.ID, usage) }, roster.CodeNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := db.Write(ctx, tt.fn)
				wantCode(t, err, tt.want)
			})
		}
		if stale.Version != 1 {
			t.Fatalf("a failed update changed Version to %d", stale.Version)
		}
	})
}

func newOrgWithID(id string) *roster.Org {
	o := newOrg("Copy")
	o.ID = id
	return o
}

// TestErrorsAreInternal checks that a driver error that is neither a missing row nor a taken
// key is an internal error with context, never nil and never a domain code.
func TestErrorsAreInternal(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := db.FindOrgByID(ctx, "x")
		wantCode(t, err, roster.CodeInternal)
		if !strings.Contains(err.Error(), "find organization x") {
			t.Fatalf("error without context: %v", err)
		}
		if got := roster.ErrorMessage(err); strings.Contains(got, "context") {
			t.Fatalf("internal error leaks: %q", got)
		}
		err = db.Write(ctx, func(roster.Tx) error { return nil })
		wantCode(t, err, roster.CodeInternal)
	})
}
