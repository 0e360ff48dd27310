package sqldb

import (
	"strings"
	"testing"
)

// TestSQLiteLicenseUsagePlans pins the plans of the license usage page's queries: the holders
// of the licenses come from the organization's counters, not a walk of its users, and the
// groups' part starts from the organization's groups and reads members
// and users by primary key.
func TestSQLiteLicenseUsagePlans(t *testing.T) {
	t.Parallel()
	db := newPlanDB(t)
	tests := []struct {
		name string
		q    string
		want []string
	}{
		{"holders by source", licenseUsageQuery, []string{"SEARCH user_counts USING INDEX user_counts_key (org_id=?)"}},
		{"holders by group", groupLicenseUsageQuery, []string{"SEARCH g USING INDEX groups_org_name (org_id=?)",
			"SEARCH gm USING PRIMARY KEY (group_id=?)", "SEARCH u USING INDEX sqlite_autoindex_users_1 (id=?)"}},
	}
	for _, tt := range tests {
		plan := explain(t, db, tt.q, []any{"org"})
		rest := plan
		for _, w := range tt.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s: %q is not in the plan (in order):\n%s", tt.name, w, plan)
				break
			}
			rest = rest[i+len(w):]
		}
	}
}
