package sqldb

import (
	"context"

	"roster"
)

// FindUsersByIDs returns the users of organization orgID with one of these ids, a few hundred
// ids a query. Inside Write it locks the rows on PostgreSQL, like FindUserByID.
func (r *reader) FindUsersByIDs(ctx context.Context, orgID string, ids []string) ([]*roster.User, error) {
	users := make([]*roster.User, 0, len(ids))
	err := inGroups(len(ids), rowsPerStatement, func(start, end int) error {
		args := make([]any, 0, end-start+1)
		args = append(args, orgID)
		for _, id := range ids[start:end] {
			args = append(args, id)
		}
		// The hint keeps SQLite, which has no statistics, from choosing an index that starts
		// with the organization over the primary key.
		q := r.d.lock(`SELECT `+userColumns+` FROM users WHERE `+r.d.unindexed+`org_id = ? AND id IN `+placeholders(1, end-start), r.lock)
		found, err := r.findUsers(ctx, q, args...)
		users = append(users, found...)
		return err
	})
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find users by id"})
	}
	return users, nil
}
