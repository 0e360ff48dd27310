package sqldb

import (
	"context"

	"roster"
)

// The counters of user_counts and agent_counts are kept in the transaction of every change to
// users and agents: by the triggers of migration 0019, and on SQLite by CreateUsers for the
// users it inserts (countUsers). A count is the sum of its key's rows: one row a key on
// SQLite, several on PostgreSQL until FoldCounts folds them.

const countSyncStatusQuery = `SELECT sync_status, CAST(SUM(n) AS BIGINT) FROM user_counts
	WHERE org_id = ? GROUP BY sync_status HAVING SUM(n) <> 0`

// CountUsersBySyncStatus counts the organization's users by sync status, from its counters.
func (r *reader) CountUsersBySyncStatus(ctx context.Context, orgID string) (map[roster.SyncStatus]int, error) {
	counts, err := countBy[roster.SyncStatus](ctx, r, countSyncStatusQuery, orgID)
	if err != nil {
		return nil, r.d.translate(err, errs{op: "count users of organization " + orgID + " by sync status"})
	}
	return counts, nil
}

const countAgentsQuery = `SELECT profile_type, CAST(SUM(n) AS BIGINT) FROM agent_counts
	WHERE org_id = ? GROUP BY profile_type HAVING SUM(n) <> 0`

// CountAgents counts the organization's active agents by profile type, from its counters.
func (r *reader) CountAgents(ctx context.Context, orgID string) (map[roster.ProfileType]int, error) {
	counts, err := countBy[roster.ProfileType](ctx, r, countAgentsQuery, orgID)
	if err != nil {
		return nil, r.d.translate(err, errs{op: "count agents of organization " + orgID})
	}
	return counts, nil
}

// countUsers adds the users just inserted to user_counts, a statement a key. On SQLite the
// inserts are counted here rather than by a trigger: a statement that fires a trigger on a table
// with a foreign key keeps a statement journal, which cost 1.5 s of an import of 100,000 users.
func (t *tx) countUsers(ctx context.Context, users []*roster.User) error {
	type key struct {
		org, status, syncStatus, license string
		direct, template                 bool
	}
	counts := map[key]int{}
	var keys []key // in the order first met, so that the statements come in a stable order
	for _, u := range users {
		k := key{u.OrgID, string(u.Status), string(u.SyncStatus), string(u.License),
			u.DirectLicense.License == u.License, u.TemplateLicense.License == u.License}
		if counts[k] == 0 {
			keys = append(keys, k)
		}
		counts[k]++
	}
	for _, k := range keys {
		_, err := t.run.exec(ctx, `INSERT INTO user_counts (org_id, status, sync_status, license, direct, template, n)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id, status, sync_status, license, direct, template) DO UPDATE SET n = n + excluded.n`,
			k.org, k.status, k.syncStatus, k.license, k.direct, k.template, counts[k])
		if err != nil {
			return t.d.translate(err, errs{op: "count users of organization " + k.org})
		}
	}
	return nil
}

// countFromCounters returns the exact number of users of the organization with f's license,
// status and sync status (any, for each left empty), from its counters; f's other filters are
// not looked at.
func (r *reader) countFromCounters(ctx context.Context, f roster.UserFilter) (int, error) {
	w := &where{}
	w.add("org_id = ?", f.OrgID)
	if f.License != "" {
		w.add("license = ?", f.License)
	}
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	if f.SyncStatus != "" {
		w.add("sync_status = ?", f.SyncStatus)
	}
	var n int
	err := r.run.queryRow(ctx, `SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM user_counts`+w.String(), w.args...).Scan(&n)
	return n, err
}

// FoldCounts folds the counters' rows into one a key on PostgreSQL, where every statement that
// changes users or agents appends its deltas (migration 0019); on SQLite they are one a key
// already. Rows appended while it runs stay as they are, for the next fold.
func (t *tx) FoldCounts(ctx context.Context) error {
	if t.d.engine != EnginePostgres {
		return nil
	}
	for _, q := range []string{
		`WITH folded AS (DELETE FROM user_counts RETURNING org_id, status, sync_status, license, direct, template, n)
		INSERT INTO user_counts (org_id, status, sync_status, license, direct, template, n)
		SELECT org_id, status, sync_status, license, direct, template, SUM(n) FROM folded
		GROUP BY org_id, status, sync_status, license, direct, template HAVING SUM(n) <> 0`,
		`WITH folded AS (DELETE FROM agent_counts RETURNING org_id, profile_type, n)
		INSERT INTO agent_counts (org_id, profile_type, n)
		SELECT org_id, profile_type, SUM(n) FROM folded GROUP BY org_id, profile_type HAVING SUM(n) <> 0`,
	} {
		if _, err := t.run.exec(ctx, q); err != nil {
			return t.d.translate(err, errs{op: "fold counters"})
		}
	}
	return nil
}
