package sqldb

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"roster"
)

// TestSQLiteRetentionPlans pins the plans of the retention sweeps on SQLite: each finds the rows
// it removes through an index of their time, so that a sweep with nothing to remove does not
// read a table of millions of report blocks, emails or audit entries every ten minutes.
func TestSQLiteRetentionPlans(t *testing.T) {
	t.Parallel()
	db := newPlanDB(t)
	want := map[roster.RetentionKind][]string{
		roster.RetainTaskFiles:      {"INDEX tasks_finished (finished_at<?)"},
		roster.RetainTaskReports:    {"INDEX tasks_finished (finished_at<?)", "tasks_claim (state=?)"},
		roster.RetainTasks:          {"INDEX tasks_finished (finished_at<?)", "tasks_claim (state=?)"},
		roster.RetainEmails:         {"INDEX emails_settled (created_at<?)"},
		roster.RetainSyncJobs:       {"SCAN sync_jobs", "users"},
		roster.RetainSessions:       {"INDEX console_sessions_last_seen (last_seen_at<?)"},
		roster.RetainSignInFailures: {"INDEX signin_failures_at (at<?)"},
		roster.RetainInvitations:    {"INDEX invitations_expires (expires_at<?)"},
		roster.RetainAudit:          {"SEARCH audit_entries USING PRIMARY KEY (id<?)"},
	}
	for _, kind := range roster.RetentionKinds {
		s := sweeps[kind]
		q := db.d.deleteBatch(s.table, s.key, s.cond)
		plan := explain(t, db, q, []any{s.arg(time.Now()), 500})
		rest := plan
		for _, w := range want[kind] {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s: %q is not in the plan (in order):\n%s", kind, w, plan)
				break
			}
			rest = rest[i+len(w):]
		}
		if kind != roster.RetainSyncJobs && strings.Contains(plan, "SCAN") {
			t.Errorf("%s: the plan scans a table:\n%s", kind, fmt.Sprint(plan))
		}
	}
}
