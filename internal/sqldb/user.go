package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"roster"
)

const userColumns = `id, org_id, email, first_name, last_name, display_name, phone_number,
	title, department, preferred_language, status, license, cc_role, admin_role, sync_status,
	user_profile_id, direct_license, direct_since, template_license, template_since,
	group_license, waiting_license, waiting_since, created_at, updated_at, version`

func scanUser(s rowScanner) (*roster.User, error) {
	var u roster.User
	var direct, template, waiting sql.NullTime
	err := s.Scan(&u.ID, &u.OrgID, &u.Email, &u.FirstName, &u.LastName, &u.DisplayName,
		&u.PhoneNumber, &u.Title, &u.Department, &u.PreferredLanguage, &u.Status, &u.License,
		&u.CCRole, &u.AdminRole, &u.SyncStatus, &u.UserProfileID, &u.DirectLicense.License,
		&direct, &u.TemplateLicense.License, &template, &u.GroupLicense,
		&u.WaitingLicense.License, &waiting, &u.CreatedAt, &u.UpdatedAt, &u.Version)
	if err != nil {
		return nil, err
	}
	u.DirectLicense.Since = timeOf(direct)
	u.TemplateLicense.Since = timeOf(template)
	u.WaitingLicense.Since = timeOf(waiting)
	u.CreatedAt = u.CreatedAt.UTC()
	u.UpdatedAt = u.UpdatedAt.UTC()
	return &u, nil
}

// userArgs normalizes u to what the users table stores, and returns the arguments of its
// columns, in the order of userColumns.
func userArgs(u *roster.User, args []any) []any {
	u.CreatedAt, u.UpdatedAt = dbTime(u.CreatedAt), dbTime(u.UpdatedAt)
	// The column's default: callers that predate groups leave the field empty.
	if u.GroupLicense == "" {
		u.GroupLicense = roster.LicenseNone
	}
	return append(args, u.ID, u.OrgID, u.Email, u.FirstName, u.LastName, u.DisplayName,
		u.PhoneNumber, u.Title, u.Department, u.PreferredLanguage, u.Status, u.License,
		u.CCRole, u.AdminRole, u.SyncStatus, u.UserProfileID,
		u.DirectLicense.License, grantSince(&u.DirectLicense),
		u.TemplateLicense.License, grantSince(&u.TemplateLicense), u.GroupLicense,
		u.WaitingLicense.License, grantSince(&u.WaitingLicense),
		u.CreatedAt, u.UpdatedAt, u.Version)
}

// grantSince normalizes g to what is stored, a time only with a license, and returns the
// argument of its time column: NULL for no grant, so that no grant reads back as the zero
// LicenseGrant on both engines.
func grantSince(g *roster.LicenseGrant) any {
	if g.License == "" {
		g.Since = time.Time{}
		return nil
	}
	g.Since = dbTime(g.Since)
	return nullTime(g.Since)
}

// nameKey is the searchable form of a name. It is computed here rather than with SQL lower(),
// which folds only ASCII on SQLite.
func nameKey(s string) string { return strings.ToLower(s) }

// FindUserByID returns the user of organization orgID with this id. Inside Write it locks the
// row on PostgreSQL.
func (r *reader) FindUserByID(ctx context.Context, orgID, id string) (*roster.User, error) {
	q := r.d.lock(`SELECT `+userColumns+` FROM users WHERE id = ? AND org_id = ?`, r.lock)
	u, err := scanUser(r.run.queryRow(ctx, q, id, orgID))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find user " + id, notFound: "User not found."})
	}
	return u, nil
}

// FindUserByEmail returns the user with this normalized email, in any organization. Inside
// Write it locks the row on PostgreSQL.
func (r *reader) FindUserByEmail(ctx context.Context, email string) (*roster.User, error) {
	q := r.d.lock(`SELECT `+userColumns+` FROM users WHERE email = ?`, r.lock)
	u, err := scanUser(r.run.queryRow(ctx, q, email))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find user by email", notFound: "User not found."})
	}
	return u, nil
}

// CreateUser inserts u, with Version 1 when it is zero. Its times are stored in UTC to the
// microsecond, and u is updated to hold what was stored. An email taken anywhere in the
// installation fails with CodeConflict.
func (t *tx) CreateUser(ctx context.Context, u *roster.User) error {
	return t.CreateUsers(ctx, []*roster.User{u})
}

// UpdateUser writes every field of u but its id and organization when u.Version is the stored
// version, and then sets u.Version to the new version. An email taken by another user fails
// with CodeConflict.
func (t *tx) UpdateUser(ctx context.Context, u *roster.User) error {
	args := userArgs(u, make([]any, 0, userInsertColumns+3))
	// Less the id and organization, which the WHERE clause binds, and the version, which moves.
	args = args[2 : len(args)-1]
	// The NOT EXISTS guard reports a taken email as "no row matched" rather than as a unique
	// violation, which would abort the whole transaction on PostgreSQL (see inserted). The
	// unique index still decides when another transaction takes the email at the same moment.
	res, err := t.run.exec(ctx, `UPDATE users SET email = ?, first_name = ?, last_name = ?,
		display_name = ?, phone_number = ?, title = ?, department = ?, preferred_language = ?,
		status = ?, license = ?, cc_role = ?, admin_role = ?, sync_status = ?,
		user_profile_id = ?, direct_license = ?, direct_since = ?, template_license = ?,
		template_since = ?, group_license = ?, waiting_license = ?, waiting_since = ?,
		created_at = ?, updated_at = ?, first_name_key = ?, last_name_key = ?,
		version = version + 1
		WHERE id = ? AND org_id = ? AND version = ?
		AND NOT EXISTS (SELECT 1 FROM users AS other WHERE other.email = ? AND other.id <> ?)`,
		append(args, nameKey(u.FirstName), nameKey(u.LastName),
			u.ID, u.OrgID, u.Version, u.Email, u.ID)...)
	if err == nil {
		err = t.checkVersion(ctx, res, `SELECT version FROM users WHERE id = ? AND org_id = ?`,
			[]any{u.ID, u.OrgID}, u.Version, "User not found.",
			"The user has changed since it was read.", emailTaken(u.Email))
	}
	if err != nil {
		return t.d.translate(err, errs{op: "update user " + u.ID, conflict: emailTaken(u.Email)})
	}
	u.Version++
	return nil
}

// userSetColumns are the columns UpdateUsersChanges may set, in the order of userArgs less the
// id, the organization and the version.
var userSetColumns = strings.Fields(`email first_name last_name display_name phone_number
	title department preferred_language status license cc_role admin_role sync_status
	user_profile_id direct_license direct_since template_license template_since
	group_license waiting_license waiting_since created_at updated_at`)

// UpdateUsersChanges writes, for each update, the columns of After that differ from Before.
// SQLite rewrites every index that has a column the statement sets, changed or not, so a
// statement that sets only what changed leaves the other indexes alone. On PostgreSQL, updates
// that set the same columns go rowsPerWrite to a statement: a statement a user cost a round
// trip each, 25 s for 100,000 members joining a group.
func (t *tx) UpdateUsersChanges(ctx context.Context, updates []roster.UserUpdate) error {
	if t.d.rowsPerWrite == 1 {
		for _, u := range updates {
			if err := t.updateUserChanges(ctx, u.Before, u.After); err != nil {
				return err
			}
		}
		return nil
	}
	type change struct {
		update roster.UserUpdate
		vals   []any
	}
	byColumns := map[string][]change{} // by the columns the updates set
	var keys []string                  // in the order of updates
	for _, u := range updates {
		if u.Before.Email != u.After.Email {
			// Rare in bulk, and guarded statement by statement (see updateUserChanges).
			if err := t.updateUserChanges(ctx, u.Before, u.After); err != nil {
				return err
			}
			continue
		}
		cols, vals := changedColumns(u.Before, u.After)
		key := strings.Join(cols, " ")
		if _, ok := byColumns[key]; !ok {
			keys = append(keys, key)
		}
		byColumns[key] = append(byColumns[key], change{u, vals})
	}
	for _, key := range keys {
		changes, cols := byColumns[key], strings.Fields(key)
		err := inGroups(len(changes), t.d.rowsPerWrite, func(start, end int) error {
			group := changes[start:end]
			args := make([]any, 0, len(group)*(len(cols)+3))
			for _, c := range group {
				args = append(append(args, c.update.After.ID, c.update.After.OrgID, c.update.Before.Version), c.vals...)
			}
			res, err := t.run.exec(ctx, updateUsersQuery(cols, len(group)), args...)
			if err == nil {
				err = allAffected(res, len(group), roster.CodeVersionConflict, "A user has changed or was deleted since it was read.")
			}
			return err
		})
		if err != nil {
			return t.d.translate(err, errs{op: "update users"})
		}
		for _, c := range changes {
			c.update.After.Version = c.update.Before.Version + 1
		}
	}
	return nil
}

// updateUsersQuery returns the UPDATE of rows users on PostgreSQL that sets cols, joined to a
// VALUES list of rows of id, organization, version and the values of cols. The parameters
// are cast: PostgreSQL would take them for text.
func updateUsersQuery(cols []string, rows int) string {
	var q strings.Builder
	q.WriteString("UPDATE users AS u SET ")
	for _, c := range cols {
		q.WriteString(c + " = v." + c + ", ")
	}
	q.WriteString("version = u.version + 1 FROM (VALUES ")
	row := "(?::text, ?::text, ?::bigint"
	for _, c := range cols {
		row += ", ?::" + userColumnType(c)
	}
	row += ")"
	for i := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(row)
	}
	q.WriteString(") AS v (" + strings.Join(append([]string{"id", "org_id", "version"}, cols...), ", ") + ")")
	q.WriteString(" WHERE u.id = v.id AND u.org_id = v.org_id AND u.version = v.version")
	return q.String()
}

// userColumnType is the PostgreSQL type of a column of users that UpdateUsersChanges sets.
func userColumnType(col string) string {
	switch {
	case strings.HasSuffix(col, "_since"), strings.HasSuffix(col, "_at"):
		return "timestamptz"
	}
	return "text"
}

// updateUserChanges writes the columns of after that differ from before, in a statement of its
// own. An email taken by another user fails with CodeConflict.
func (t *tx) updateUserChanges(ctx context.Context, before, after *roster.User) error {
	cols, vals := changedColumns(before, after)
	var q strings.Builder
	q.WriteString("UPDATE users SET ")
	for _, col := range cols {
		q.WriteString(col + " = ?, ")
	}
	q.WriteString("version = version + 1 WHERE id = ? AND org_id = ? AND version = ?")
	args := append(vals, after.ID, after.OrgID, before.Version)
	guard := ""
	if after.Email != before.Email {
		// As in UpdateUser: a taken email matches no row instead of aborting the transaction.
		q.WriteString(" AND NOT EXISTS (SELECT 1 FROM users AS other WHERE other.email = ? AND other.id <> ?)")
		args = append(args, after.Email, after.ID)
		guard = emailTaken(after.Email)
	}
	res, err := t.run.exec(ctx, q.String(), args...)
	if err == nil {
		err = t.checkVersion(ctx, res, `SELECT version FROM users WHERE id = ? AND org_id = ?`,
			[]any{after.ID, after.OrgID}, before.Version, "User not found.",
			"The user has changed since it was read.", guard)
	}
	if err != nil {
		return t.d.translate(err, errs{op: "update user " + after.ID, conflict: emailTaken(after.Email)})
	}
	after.Version = before.Version + 1
	return nil
}

// changedColumns returns the columns of userSetColumns whose values differ between before and
// after, and after's values of them; a changed name brings its search key along.
func changedColumns(before, after *roster.User) (cols []string, vals []any) {
	old := *before
	was := userArgs(&old, make([]any, 0, userInsertColumns))
	now := userArgs(after, make([]any, 0, userInsertColumns))
	was, now = was[2:len(was)-1], now[2:len(now)-1]
	for i, col := range userSetColumns {
		if sameArg(was[i], now[i]) {
			continue
		}
		cols, vals = append(cols, col), append(vals, now[i])
		switch col {
		case "first_name":
			cols, vals = append(cols, "first_name_key"), append(vals, nameKey(after.FirstName))
		case "last_name":
			cols, vals = append(cols, "last_name_key"), append(vals, nameKey(after.LastName))
		}
	}
	return cols, vals
}

// sameArg reports whether two column arguments of userArgs store the same value.
func sameArg(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return a == b
}

func emailTaken(email string) string {
	return fmt.Sprintf("A user with the email address %s already exists.", email)
}

// DeleteUser deletes the user of organization orgID with this id, and its memberships, which
// its groups stop counting.
func (t *tx) DeleteUser(ctx context.Context, orgID, id string) error {
	res, err := t.run.exec(ctx, `DELETE FROM users WHERE id = ? AND org_id = ?`, id, orgID)
	if err == nil {
		err = affected(res, "User not found.")
	}
	if err == nil {
		_, err = t.run.exec(ctx, `UPDATE groups SET member_count = member_count - 1
			WHERE id IN (SELECT group_id FROM group_members WHERE user_id = ? AND org_id = ?)`, id, orgID)
	}
	if err == nil {
		_, err = t.run.exec(ctx, `DELETE FROM group_members WHERE user_id = ? AND org_id = ?`, id, orgID)
	}
	return t.d.translate(err, errs{op: "delete user " + id})
}

// waitingQuery is the query of FindWaitingUsers. It repeats the predicate of the partial index
// of the waiting users as a literal, which SQLite needs to choose that index.
const waitingQuery = `SELECT ` + userColumns + ` FROM users
	WHERE org_id = ? AND waiting_license <> '' ORDER BY waiting_since, id LIMIT ?`

// userInsertList is the list of columns a new user's row is written with: userColumns and the
// name keys. userInsertColumns counts them.
const (
	userInsertList    = userColumns + `, first_name_key, last_name_key`
	userInsertColumns = 28
)

// insertArgs appends the values of userInsertList for a new user to args.
func insertArgs(u *roster.User, args []any) []any {
	if u.Version == 0 {
		u.Version = 1
	}
	return append(userArgs(u, args), nameKey(u.FirstName), nameKey(u.LastName))
}

const usersTaken = "An email address of this group of users is already taken."

// copyUsers is CreateUsers through COPY (copySkipping). A taken email skips its user, as the
// INSERT … ON CONFLICT DO NOTHING of CreateUsers does, and fails the call once all are
// written.
func (t *tx) copyUsers(ctx context.Context, users []*roster.User) error {
	rows := make([][]any, len(users))
	for i, u := range users {
		rows[i] = insertArgs(u, make([]any, 0, userInsertColumns))
	}
	return t.d.translate(t.copySkipping(ctx, "users", userInsertList, rows, usersTaken), errs{op: "create users"})
}

// CreateUsers inserts users, several rows a statement where the engine gains by it, or through
// COPY (copyUsers). An email taken by any user, in the database or earlier in users, fails the
// call with CodeConflict; the caller's transaction is still usable (the insert skips conflicts
// instead of raising them, see inserted).
func (t *tx) CreateUsers(ctx context.Context, users []*roster.User) error {
	if t.copies(len(users)) {
		return t.copyUsers(ctx, users)
	}
	inserted := 0
	err := inGroups(len(users), t.d.rowsPerWrite, func(start, end int) error {
		group := users[start:end]
		args := make([]any, 0, len(group)*userInsertColumns)
		for _, u := range group {
			args = insertArgs(u, args)
		}
		res, err := t.run.exec(ctx, `INSERT INTO users (`+userInsertList+`)
			VALUES `+placeholders(len(group), userInsertColumns)+` ON CONFLICT DO NOTHING`, args...)
		if err == nil {
			conflict := usersTaken
			if len(group) == 1 {
				conflict = emailTaken(group[0].Email)
			}
			err = allAffected(res, len(group), roster.CodeConflict, conflict)
		}
		if err == nil {
			inserted = end
		}
		return t.d.translate(err, errs{op: "create users"})
	})
	if t.d.countInserts {
		// What went in before a conflict is in the transaction, whose caller may go on.
		err = errors.Join(err, t.countUsers(ctx, users[:inserted]))
	}
	return err
}

// FindUsersByEmails returns the users, in any organization, whose normalized email is one of
// emails, in no particular order, in one query: bulk operations look a whole chunk up at once.
func (r *reader) FindUsersByEmails(ctx context.Context, emails []string) ([]*roster.User, error) {
	users, err := r.findUsers(ctx, r.d.usersByEmailsQuery(), r.d.listArg(emails))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find users by email"})
	}
	return users, nil
}

// FindUsersByIDs returns the users of organization orgID with one of these ids, in one query.
// Inside Write it locks the rows on PostgreSQL, like FindUserByID.
func (r *reader) FindUsersByIDs(ctx context.Context, orgID string, ids []string) ([]*roster.User, error) {
	users, err := r.findUsers(ctx, r.d.lock(r.d.usersByIDsQuery(), r.lock), orgID, r.d.listArg(ids))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find users by id"})
	}
	return users, nil
}

// The queries of the bulk finders, each reading a list of keys bound as one argument. The hint
// keeps SQLite, which has no statistics, from choosing an index that starts with the
// organization over the primary key.
func (d *dialect) usersByEmailsQuery() string {
	return `SELECT ` + userColumns + ` FROM users WHERE email ` + d.anyOf
}

func (d *dialect) usersByIDsQuery() string {
	return `SELECT ` + userColumns + ` FROM users WHERE ` + d.unindexed + `org_id = ? AND id ` + d.anyOf
}

// FindWaitingUsers returns up to limit users of the organization that wait for a seat, longest
// waiting first.
func (r *reader) FindWaitingUsers(ctx context.Context, orgID string, limit int) ([]*roster.User, error) {
	if limit <= 0 {
		return nil, nil
	}
	users, err := r.findUsers(ctx, waitingQuery, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("find waiting users of organization %s: %w", orgID, err)
	}
	return users, nil
}

// FindUsersByProfile returns up to limit users of the organization with the custom user profile
// profileID, or with any custom profile when profileID is "", in id order after afterID.
func (r *reader) FindUsersByProfile(ctx context.Context, orgID, profileID, afterID string, limit int) ([]*roster.User, error) {
	if limit <= 0 {
		return nil, nil
	}
	q, args := r.d.profileQuery(orgID, profileID, afterID)
	users, err := r.findUsers(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("find users of organization %s by profile: %w", orgID, err)
	}
	return users, nil
}

// profileQuery returns the query of FindUsersByProfile but for its last argument, the LIMIT.
// Both read the partial index of the users with a custom profile, whose predicate the query
// repeats (see waitingQuery). One profile's users are in id order there. Any profile's users
// are sorted, which costs little as long as few users have one; the hints keep SQLite from
// walking the whole organization in id order instead, to spare the sort.
func (d *dialect) profileQuery(orgID, profileID, afterID string) (string, []any) {
	w := &where{}
	w.add("org_id = ?", orgID)
	w.add("user_profile_id <> ''")
	id := d.unindexed + "id"
	if profileID != "" {
		w.add("user_profile_id = ?", profileID)
		id = "id"
	}
	w.add(id+" > ?", afterID)
	return `SELECT ` + userColumns + ` FROM users` + w.String() + ` ORDER BY ` + id + ` LIMIT ?`, w.args
}

// findUsers runs q, a query of userColumns ("SELECT " + userColumns + " FROM users …"), and
// returns its users in the query's order. On SQLite it selects each row as one string instead
// (userRow); a row that does not split or parse is read again by FindUserByID.
func (r *reader) findUsers(ctx context.Context, q string, args ...any) ([]*roster.User, error) {
	if !r.d.joinRows {
		return r.scanUsers(ctx, q, args...)
	}
	rows, err := r.run.query(ctx, strings.Replace(q, userColumns, userRow, 1), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []*roster.User
	var odd []int // indexes of the users to read again
	for rows.Next() {
		var row string
		if err := rows.Scan(&row); err != nil {
			return nil, err
		}
		u, ok := scanUserRow(row)
		if !ok {
			odd = append(odd, len(users))
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// After rows.Close: inside Write, the transaction has one connection, busy until then.
	rows.Close()
	for _, i := range odd {
		if users[i], err = r.FindUserByID(ctx, users[i].OrgID, users[i].ID); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// scanUsers runs q, a query of userColumns, and scans its users column by column.
func (r *reader) scanUsers(ctx context.Context, q string, args ...any) ([]*roster.User, error) {
	rows, err := r.run.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []*roster.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// userRow is userColumns as one string (rows.go). The times of the license sources are NULL
// when the source grants nothing, and read as an empty string.
var userRow = func() string {
	cols := strings.Fields(strings.ReplaceAll(userColumns, ",", " "))
	for i, c := range cols {
		if strings.HasSuffix(c, "_since") {
			cols[i] = "COALESCE(" + c + ", '')"
		}
	}
	return joinColumns(cols)
}()

// userFields is the number of columns of userColumns.
const userFields = 26

// sqliteTime is the layout in which the driver writes times (_time_format=sqlite).
const sqliteTime = "2006-01-02 15:04:05.999999999-07:00"

// scanUserRow returns the user of row, a row of userRow. It reports false when row does not
// split into the columns or a time or the version does not parse; the user then holds only its
// id and organization, which are never amiss.
func scanUserRow(row string) (*roster.User, bool) {
	var f [userFields]string
	ok := cutFields(row, f[:])
	u := &roster.User{ID: f[0], OrgID: f[1]}
	if !ok {
		return u, false
	}
	u.Email, u.FirstName, u.LastName, u.DisplayName, u.PhoneNumber = f[2], f[3], f[4], f[5], f[6]
	u.Title, u.Department, u.PreferredLanguage = f[7], f[8], roster.Language(f[9])
	u.Status, u.License, u.CCRole = roster.UserStatus(f[10]), roster.License(f[11]), roster.CCRole(f[12])
	u.AdminRole, u.SyncStatus, u.UserProfileID = roster.AdminRole(f[13]), roster.SyncStatus(f[14]), f[15]
	u.DirectLicense.License, u.TemplateLicense.License = roster.License(f[16]), roster.License(f[18])
	u.GroupLicense, u.WaitingLicense.License = roster.License(f[20]), roster.License(f[21])
	var errs [6]error
	u.DirectLicense.Since, errs[0] = parseSQLiteTime(f[17], true)
	u.TemplateLicense.Since, errs[1] = parseSQLiteTime(f[19], true)
	u.WaitingLicense.Since, errs[2] = parseSQLiteTime(f[22], true)
	u.CreatedAt, errs[3] = parseSQLiteTime(f[23], false)
	u.UpdatedAt, errs[4] = parseSQLiteTime(f[24], false)
	u.Version, errs[5] = strconv.ParseInt(f[25], 10, 64)
	if errors.Join(errs[:]...) != nil {
		return &roster.User{ID: f[0], OrgID: f[1]}, false
	}
	return u, true
}

// parseSQLiteTime parses a time as the driver writes it, in UTC; "" is the zero time where
// nullable says the column may be NULL.
func parseSQLiteTime(s string, nullable bool) (time.Time, error) {
	if s == "" && nullable {
		return time.Time{}, nil
	}
	t, err := time.Parse(sqliteTime, s)
	return t.UTC(), err
}
