package sqldb

import (
	"context"
	"strings"
	"testing"
	"time"

	"roster"
)

// TestSQLitePlans pins the plans of the user list on SQLite, whose planner has no statistics
// to go on: each filter reads its own index in page order, a search reads the name indexes
// alone, and nothing walks the whole organization. A change of schema or query that loses
// one of these plans makes a page of a million users take seconds instead of milliseconds.
func TestSQLitePlans(t *testing.T) {
	t.Parallel()
	db := newPlanDB(t)
	// A search reads the rows of the page only, by email, after merging the matches of the
	// three indexes, read alone.
	search := []string{"SEARCH users USING INDEX users_org_email (org_id=? AND email=?)", "MERGE (UNION)",
		"COVERING INDEX users_org_email (org_id=? AND email>? AND email<?)",
		"COVERING INDEX users_org_first_name (org_id=? AND first_name_key>? AND first_name_key<?)",
		"COVERING INDEX users_org_last_name (org_id=? AND last_name_key>? AND last_name_key<?)"}
	searchLicense := []string{"SEARCH users USING INDEX users_org_email (org_id=? AND email=?)", "MERGE (UNION)",
		"COVERING INDEX users_org_license (org_id=? AND license=? AND email>? AND email<?)",
		"INDEX users_org_first_name (org_id=? AND first_name_key>? AND first_name_key<?)",
		"INDEX users_org_last_name (org_id=? AND last_name_key>? AND last_name_key<?)"}
	// Its count stops at the cap, reading the three ranges one after the other.
	multiOr := []string{"MULTI-INDEX OR", "INDEX users_org_first_name (org_id=? AND first_name_key>? AND first_name_key<?)",
		"INDEX users_org_last_name (org_id=? AND last_name_key>? AND last_name_key<?)"}
	tests := []struct {
		f     roster.UserFilter
		page  []string // in the plan of the page, in this order
		count []string // in the plan of the capped count
	}{
		{roster.UserFilter{}, []string{"SEARCH users USING INDEX users_org_email (org_id=?)"}, nil},
		{roster.UserFilter{After: "b@example.com"}, []string{"users_org_email (org_id=? AND email>?)"}, nil},
		{roster.UserFilter{License: roster.LicenseStandard}, []string{"users_org_license (org_id=? AND license=?)"}, nil},
		{roster.UserFilter{Status: roster.StatusActive}, []string{"users_org_status (org_id=? AND status=?)"},
			[]string{"COVERING INDEX users_org_status (org_id=? AND status=?)"}},
		{roster.UserFilter{SyncStatus: roster.SyncInvalid, After: "b"}, []string{"users_org_sync_status (org_id=? AND sync_status=? AND email>?)"},
			[]string{"COVERING INDEX users_org_sync_status (org_id=? AND sync_status=?)"}},
		{roster.UserFilter{AdminRole: roster.AdminFull}, []string{"users_org_admin_role (org_id=? AND admin_role=?)"},
			[]string{"COVERING INDEX users_org_admin_role (org_id=? AND admin_role=?)"}},
		{roster.UserFilter{CCRole: roster.RoleSupervisor}, []string{"users_org_cc_role (org_id=? AND cc_role=?)"},
			[]string{"COVERING INDEX users_org_cc_role (org_id=? AND cc_role=?)"}},
		{roster.UserFilter{AdminRole: roster.AdminNone}, []string{"users_org_email (org_id=?)"}, nil},
		{roster.UserFilter{Query: "an"}, search, multiOr},
		{roster.UserFilter{Query: "an", After: "b"}, search, multiOr},
		{roster.UserFilter{Query: "Łu", License: roster.LicensePremium}, searchLicense, multiOr},
		{roster.UserFilter{Query: "Łu", Status: roster.StatusActive, After: "b"}, []string{"MERGE (UNION)",
			"users_org_status (org_id=? AND status=? AND email>? AND email<?)", "users_org_first_name (org_id=? AND first_name_key>? AND first_name_key<?)",
			"users_org_last_name (org_id=? AND last_name_key>? AND last_name_key<?)"}, multiOr},
	}
	for _, tt := range tests {
		tt.f.OrgID = "org"
		prefix := strings.ToLower(tt.f.Query)
		q, args := db.d.pageQuery(tt.f, prefix, false, false)
		plan := explain(t, db, q, append(args, 101))
		if strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") && prefix == "" {
			t.Errorf("%+v: the page sorts:\n%s", tt.f, plan)
		}
		wantInOrder(t, tt.f, plan, tt.page)
		if tt.count != nil {
			q, args := db.d.countQuery(tt.f, prefix, false)
			wantInOrder(t, tt.f, explain(t, db, q, append(args, 101)), tt.count)
		}
	}
}

// TestDenseSearchPlan: a search with at least roster.TotalCap matches walks the organization in
// email order, from the cursor on, without sorting.
func TestDenseSearchPlan(t *testing.T) {
	t.Parallel()
	db := newPlanDB(t)
	for _, tt := range []struct {
		f    roster.UserFilter
		want string
	}{
		{roster.UserFilter{OrgID: "org", Query: "kow"}, "SEARCH users USING INDEX users_org_email (org_id=?)"},
		{roster.UserFilter{OrgID: "org", Query: "kow", License: roster.LicensePremium, Status: roster.StatusActive, After: "b"},
			"SEARCH users USING INDEX users_org_email (org_id=? AND email>?)"},
	} {
		q, args := db.d.pageQuery(tt.f, tt.f.Query, true, false)
		plan := explain(t, db, q, append(args, 101))
		if plan != tt.want {
			t.Errorf("%+v: plan\n%s\nwant %s", tt.f, plan, tt.want)
		}
	}
}

// TestExportPlan: the export walks the organization's users by id, from the cursor on, and
// looks each row up in the table in about the order it was inserted; read from (org_id, email)
// instead, it would sort the rest of the organization on every page.
func TestExportPlan(t *testing.T) {
	t.Parallel()
	db := newPlanDB(t)
	plan := explain(t, db, db.d.exportQuery(), []any{"org", "", 1000})
	if want := "SEARCH users USING INDEX users_org_id (org_id=? AND id>?)"; plan != want {
		t.Errorf("plan\n%s\nwant %s", plan, want)
	}
}

// TestAuditTaskPlan: what one task changed is read from the partial index of the tasks'
// entries, not by walking the organization's whole log.
func TestAuditTaskPlan(t *testing.T) {
	t.Parallel()
	db := newPlanDB(t)
	q, args := auditQuery(roster.AuditFilter{OrgID: "org", TaskID: "task"}, 100)
	plan := explain(t, db, q, args)
	if want := "SEARCH audit_entries USING INDEX audit_entries_task (task_id=?)"; plan != want {
		t.Errorf("plan\n%s\nwant %s", plan, want)
	}
}

// TestGroupPlans: the queries of groups, memberships and the users' license sources read the
// indexes made for them, in page order, and the group filter of the user list keeps the plan
// of the other filters, probing the group's members for each user, but for a group with few
// members for its organization's size, whose members are read first.
func TestGroupPlans(t *testing.T) {
	t.Parallel()
	db := newPlanDB(t)
	profileOne, oneArgs := db.d.profileQuery("org", "p", "")
	profileAny, anyArgs := db.d.profileQuery("org", "", "")
	ofGroup, groupArgs := membershipPageQuery(roster.MembershipFilter{OrgID: "org", GroupID: "g", After: "u"})
	ofUser, userArgs := membershipPageQuery(roster.MembershipFilter{OrgID: "org", UserID: "u", After: "g"})
	probe := "SEARCH gm EXISTS USING PRIMARY KEY (group_id=? AND user_id=?)"
	pageOf := func(f roster.UserFilter) (string, []any) { return db.d.pageQuery(f, f.Query, false, false) }
	groupPage, groupPageArgs := pageOf(roster.UserFilter{OrgID: "org", GroupID: "g", After: "b"})
	statusPage, statusPageArgs := pageOf(roster.UserFilter{OrgID: "org", GroupID: "g", Status: roster.StatusActive})
	// A group with few members for its organization's size: its members, looked up by id.
	fewFilter := roster.UserFilter{OrgID: "org", GroupID: "g", License: roster.LicensePremium, After: "b"}
	fewPage, fewPageArgs := db.d.pageQuery(fewFilter, "", false, true)
	fewCount, fewCountArgs := db.d.countQuery(fewFilter, "", true)
	members := []string{"SEARCH users USING INDEX sqlite_autoindex_users_1 (id=?)", "LIST SUBQUERY",
		"SEARCH group_members USING PRIMARY KEY (group_id=?)"}
	tests := []struct {
		name string
		q    string
		args []any
		want []string // in the plan, in this order
	}{
		{"waiting", waitingQuery, []any{"org"}, []string{"SEARCH users USING INDEX users_org_waiting (org_id=?)"}},
		{"users by emails", db.d.usersByEmailsQuery(), []any{db.d.listArg([]string{"a@example.com"})},
			[]string{"SEARCH users USING INDEX users_email (email=?)", "LIST SUBQUERY", "SCAN json_each VIRTUAL TABLE"}},
		{"users by ids", db.d.usersByIDsQuery(), []any{"org", db.d.listArg([]string{"u"})},
			[]string{"SEARCH users USING INDEX sqlite_autoindex_users_1 (id=?)", "LIST SUBQUERY", "SCAN json_each VIRTUAL TABLE"}},
		{"one profile", profileOne, oneArgs, []string{"SEARCH users USING INDEX users_org_user_profile (org_id=? AND user_profile_id=? AND id>?)"}},
		{"any profile", profileAny, anyArgs, []string{"SEARCH users USING INDEX users_org_user_profile (org_id=?)"}},
		{"members of a group", ofGroup, groupArgs, []string{"SEARCH gm USING PRIMARY KEY (group_id=? AND user_id>?)"}},
		{"groups of a user", ofUser, userArgs, []string{"SEARCH gm USING INDEX group_members_user (user_id=? AND group_id>?)"}},
		{"users of a group", groupPage, groupPageArgs, []string{"SEARCH users USING INDEX users_org_email (org_id=? AND email>?)", probe}},
		{"users of a group by status", statusPage, statusPageArgs, []string{"SEARCH users USING INDEX users_org_status (org_id=? AND status=?)", probe}},
		{"users of a small group", fewPage, fewPageArgs, members},
		{"count of a small group", fewCount, fewCountArgs, members},
	}
	for _, tt := range tests {
		plan := explain(t, db, tt.q, append(tt.args, 101))
		sorts := tt.name == "any profile" || tt.name == "users of a small group"
		if strings.Contains(plan, "TEMP B-TREE") != sorts {
			t.Errorf("%s: the sort is not as expected:\n%s", tt.name, plan)
		}
		wantInOrder(t, roster.UserFilter{Query: tt.name}, plan, tt.want)
	}
}

// newPlanDB opens a new, migrated SQLite database for reading query plans.
func newPlanDB(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

func wantInOrder(t *testing.T, f roster.UserFilter, plan string, want []string) {
	t.Helper()
	rest := plan
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("%+v: %q is not in the plan (in order):\n%s", f, w, plan)
			return
		}
		rest = rest[i+len(w):]
	}
}

func explain(t *testing.T, db *DB, q string, args []any) string {
	t.Helper()
	rows, err := db.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// TestSQLiteSettings checks the settings of sqliteDSN on a new database: page_size only takes
// when it runs before the file is switched to WAL.
func TestSQLiteSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pool   string
		pragma string
		want   string
	}{
		{"write", "page_size", "8192"},
		{"write", "journal_mode", "wal"},
		{"write", "foreign_keys", "1"},
		{"write", "synchronous", "1"},
		{"write", "busy_timeout", "10000"},
		{"write", "wal_autocheckpoint", "50000"},
		{"write", "mmap_size", "0"},
		{"read", "query_only", "1"},
		{"read", "foreign_keys", "1"},
		{"read", "busy_timeout", "10000"},
		{"read", "mmap_size", "2147418112"},
	}
	for _, tt := range tests {
		pool := db.read
		if tt.pool == "write" {
			pool = db.write
		}
		var got string
		if err := pool.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s: %s = %s, want %s", tt.pool, tt.pragma, got, tt.want)
		}
	}
}

// TestCheckpointer checks that the write-ahead log is copied into the database file in the
// background, while the writer's own threshold is far away.
func TestCheckpointer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for db.checkpoint.frames.Load() == 0 || db.checkpoint.copied.Load() != db.checkpoint.frames.Load() {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s the checkpointer copied %d of %d pages of the log",
				db.checkpoint.copied.Load(), db.checkpoint.frames.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestQueueStatsPlans: the metrics read the queued emails and the oldest sync job through
// their partial indexes, never the outbox's history. The sync_jobs count scans the table, which
// holds only the backlog.
func TestQueueStatsPlans(t *testing.T) {
	t.Parallel()
	db := newPlanDB(t)
	for q, want := range map[string]string{
		oldestSyncJobQuery:     "SCAN sync_jobs USING INDEX sync_jobs_due",
		countQueuedEmailsQuery: "SCAN emails USING INDEX emails_due",
		oldestQueuedEmailQuery: "SCAN emails USING COVERING INDEX emails_due",
	} {
		if plan := explain(t, db, q, nil); plan != want {
			t.Errorf("%s: plan\n%s\nwant %s", q, plan, want)
		}
	}
}
