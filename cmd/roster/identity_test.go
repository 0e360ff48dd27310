package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb"
)

// normalizeEmailsRuns are the runs of TestNormalizeEmails, in order, on one data directory.
var normalizeEmailsRuns = []struct {
	name string
	args []string
}{
	{"admin-normalize-emails-dry-run", []string{"admin", "normalize-emails", "--dry-run", "--data-dir", "{dir}"}},
	{"admin-normalize-emails", []string{"admin", "normalize-emails", "--data-dir", "{dir}"}},
	{"admin-normalize-emails-again", []string{"admin", "normalize-emails", "--data-dir", "{dir}"}},
}

// TestNormalizeEmails: addresses stored before their one form was decided are rewritten once;
// those that cannot be are listed for an administrator, with exit code 3.
func TestNormalizeEmails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	acme := createOrg(t, dir, "Acme")
	globex := createOrg(t, dir, "Globex")
	func() {
		db, err := sqldb.Open(context.Background(), sqldb.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = db.Close() }()
		ctx := context.Background()
		// Stored straight into the database, as an earlier version stored them.
		stored := []*roster.User{
			storedUser(acme, "old@xn--bcher-kva.example"),
			storedUser(acme, "dup@xn--bcher-kva.example"),
			storedUser(globex, "dup@bücher.example"),
			storedUser(globex, "ad\u200bmin@x.example"),
			storedUser(globex, "fine@x.example"),
		}
		if err := db.Write(ctx, func(tx roster.Tx) error { return tx.CreateUsers(ctx, stored) }); err != nil {
			t.Fatal(err)
		}
	}()
	for _, r := range normalizeEmailsRuns {
		args := make([]string, len(r.args))
		for i, a := range r.args {
			args[i] = strings.ReplaceAll(a, "{dir}", dir)
		}
		inv := invoke(t.Context(), args, nil)
		if inv.code != exitWithErrors {
			t.Errorf("%s: exit code %d, want %d\n%s", r.name, inv.code, exitWithErrors, inv)
		}
		checkGolden(t, r.name, normalize(inv.String(), map[string]string{dir: "<dir>"}))
	}
	db := openDataDir(t, dir)
	u, err := provision.New(db).Users(context.Background(), provision.System(roster.ViaCLI), roster.UserFilter{OrgID: acme, Email: "old@xn--bcher-kva.example"})
	if err != nil || len(u.Users) != 1 || u.Users[0].Email != "old@bücher.example" {
		t.Fatalf("rewritten address: %+v %v", u, err)
	}
}

func storedUser(orgID, email string) *roster.User {
	now := time.Now().UTC()
	return &roster.User{ID: roster.NewID(), OrgID: orgID, Email: email, Status: roster.StatusPending, License: roster.LicenseNone,
		CCRole: roster.RoleAgent, AdminRole: roster.AdminNone, SyncStatus: roster.SyncNone, Version: 1, CreatedAt: now, UpdatedAt: now}
}
