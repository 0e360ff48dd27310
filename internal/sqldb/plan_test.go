package sqldb

import (
	"context"
	"strings"
	"testing"

	"roster"
)

func TestPlansPrint(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	filters := []roster.UserFilter{
		{}, {After: "x"}, {License: "standard"}, {Status: "active"}, {SyncStatus: "pending"},
		{AdminRole: "full"}, {AdminRole: "none"}, {CCRole: "supervisor"}, {CCRole: "agent"},
		{Query: "an"}, {Query: "an", After: "x"}, {Query: "an", License: "premium"}, {License: "standard", Status: "active"},
		{AdminRole: "bogus"},
	}
	for _, f := range filters {
		f.OrgID = "o"
		w := userWhere(f)
		if f.After != "" {
			w.add("email > ?", f.After)
		}
		for _, q := range []string{
			`SELECT ` + userColumns + ` FROM users` + w.String() + ` ORDER BY email LIMIT ?`,
			`SELECT COUNT(*) FROM (SELECT 1 FROM users` + w.String() + ` LIMIT ?) AS matches`,
		} {
			rows, err := db.read.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, append(w.args, 10)...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				rows.Scan(&id, &parent, &notused, &detail)
				plan = append(plan, detail)
			}
			rows.Close()
			t.Logf("%+v\n    %s", f, strings.Join(plan, "\n    "))
		}
	}
}
