package sqldb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"roster"
)

// The contact-center entities keep their own tables — sites, teams (which reference their
// site), portal_profiles (skill, agent and multimedia profiles, keyed by kind) and
// user_profiles (custom ones only, with their profile type) — and are read and written by the
// one code path below, keyed by an entityTable that names the table and its own columns.
// Names are unique per table in the organization (per kind in portal_profiles), ignoring case,
// through name_key.

// entity is a pointer to a contact-center entity type; each embeds roster.Entity.
type entity interface {
	Base() *roster.Entity
}

// entityTable is how one kind of contact-center entity is stored.
type entityTable[E entity] struct {
	table string
	noun  func(scope string) string // the kind in messages: "site", "skill profile"
	new   func() E
	// columns are the table's columns beyond the common ones (entityColumns); fields returns
	// pointers to the fields of e that hold them, in their order, and values their values.
	columns []string
	fields  func(e E) []any
	values  func(e E) []any
	// scope, when not "", is a column of columns that is part of the key of every row and of
	// the uniqueness of names: the kind of portal_profiles. scopeOf reads it from an entity.
	scope   string
	scopeOf func(e E) string
	// changes are the columns of columns an update writes besides the name.
	changes []string
	// prepare, when set, runs in the transaction before an insert or an update, to check and
	// lock what e refers to.
	prepare func(ctx context.Context, t *tx, e E) error
}

const entityColumns = `id, org_id, name, created_at, updated_at, version`

func (et *entityTable[E]) selectColumns() string {
	return strings.Join(append([]string{entityColumns}, et.columns...), ", ")
}

func (et *entityTable[E]) scan(s rowScanner) (E, error) {
	e := et.new()
	b := e.Base()
	if err := s.Scan(append([]any{&b.ID, &b.OrgID, &b.Name, &b.CreatedAt, &b.UpdatedAt, &b.Version}, et.fields(e)...)...); err != nil {
		var none E
		return none, err
	}
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return e, nil
}

// key returns the condition that selects one row of the table, and its arguments.
func (et *entityTable[E]) key(orgID, scope, id string) (string, []any) {
	if et.scope == "" {
		return ` WHERE id = ? AND org_id = ?`, []any{id, orgID}
	}
	return ` WHERE id = ? AND org_id = ? AND ` + et.scope + ` = ?`, []any{id, orgID, scope}
}

func (et *entityTable[E]) notFound(scope string) string {
	noun := et.noun(scope)
	return strings.ToUpper(noun[:1]) + noun[1:] + " not found."
}

func (et *entityTable[E]) nameTaken(scope, name string) string {
	return fmt.Sprintf("A %s named %s already exists.", et.noun(scope), name)
}

// findEntities returns the rows of the organization, those whose column is value only when
// column is not "", by name ignoring case (by scope first, when the table has one).
func findEntities[E entity](ctx context.Context, r *reader, et *entityTable[E], orgID, column, value string) ([]E, error) {
	w := &where{}
	w.add("org_id = ?", orgID)
	if column != "" {
		w.add(column+" = ?", value)
	}
	order := " ORDER BY name_key"
	if et.scope != "" {
		order = " ORDER BY " + et.scope + ", name_key"
	}
	es, err := findAll(ctx, r, et.scan, `SELECT `+et.selectColumns()+` FROM `+et.table+w.String()+order, w.args...)
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find " + et.table + " of organization " + orgID})
	}
	return es, nil
}

// findEntity returns one row. Inside Write it locks the row on PostgreSQL.
func findEntity[E entity](ctx context.Context, r *reader, et *entityTable[E], orgID, scope, id string) (E, error) {
	cond, args := et.key(orgID, scope, id)
	e, err := et.scan(r.run.queryRow(ctx, r.d.lock(`SELECT `+et.selectColumns()+` FROM `+et.table+cond, r.lock), args...))
	if err != nil {
		var none E
		return none, r.d.translate(err, errs{op: "find " + et.noun(scope) + " " + id, notFound: et.notFound(scope)})
	}
	return e, nil
}

// createEntity inserts e, with Version 1 when it is zero. Its times are stored in UTC to the
// microsecond, and e is updated to hold what was stored. A name taken fails with CodeConflict;
// the transaction is still usable (see inserted).
func createEntity[E entity](ctx context.Context, t *tx, et *entityTable[E], e E) error {
	b := e.Base()
	if b.Version == 0 {
		b.Version = 1
	}
	b.CreatedAt, b.UpdatedAt = dbTime(b.CreatedAt), dbTime(b.UpdatedAt)
	scope := et.scopeOf(e)
	var err error
	if et.prepare != nil {
		err = et.prepare(ctx, t, e)
	}
	if err == nil {
		args := append([]any{b.ID, b.OrgID, b.Name, b.CreatedAt, b.UpdatedAt, b.Version}, et.values(e)...)
		res, ierr := t.run.exec(ctx, `INSERT INTO `+et.table+` (`+et.selectColumns()+`, name_key)
			VALUES `+placeholders(1, len(args)+1)+` ON CONFLICT DO NOTHING`, append(args, nameKey(b.Name))...)
		if err = ierr; err == nil {
			err = inserted(res, et.nameTaken(scope, b.Name))
		}
	}
	return t.d.translate(err, errs{op: "create " + et.noun(scope) + " " + b.ID})
}

// updateEntity writes the name, the changes columns and UpdatedAt of e when e.Version is the
// stored version, and then sets e.Version to the new version. A name taken by another row
// fails with CodeConflict.
func updateEntity[E entity](ctx context.Context, t *tx, et *entityTable[E], e E) error {
	b := e.Base()
	b.UpdatedAt = dbTime(b.UpdatedAt)
	scope, key := et.scopeOf(e), nameKey(b.Name)
	cond, keyArgs := et.key(b.OrgID, scope, b.ID)
	set, args := `name = ?, name_key = ?`, []any{b.Name, key}
	values := et.values(e)
	for i, col := range et.columns {
		if slices.Contains(et.changes, col) {
			set += ", " + col + " = ?"
			args = append(args, values[i])
		}
	}
	args = append(args, b.UpdatedAt)
	args = append(args, keyArgs...)
	args = append(args, b.Version)
	// The NOT EXISTS guard, as in UpdateGroup: a taken name is no row matched, not a unique
	// violation that would abort the transaction on PostgreSQL.
	other := `other.org_id = ?`
	args = append(args, b.OrgID)
	if et.scope != "" {
		other += ` AND other.` + et.scope + ` = ?`
		args = append(args, scope)
	}
	args = append(args, key, b.ID)
	var err error
	if et.prepare != nil {
		err = et.prepare(ctx, t, e)
	}
	if err == nil {
		res, uerr := t.run.exec(ctx, `UPDATE `+et.table+` SET `+set+`, updated_at = ?, version = version + 1`+cond+
			` AND version = ? AND NOT EXISTS (SELECT 1 FROM `+et.table+` AS other
			WHERE `+other+` AND other.name_key = ? AND other.id <> ?)`, args...)
		if err = uerr; err == nil {
			err = t.checkVersion(ctx, res, `SELECT version FROM `+et.table+cond, keyArgs, b.Version, et.notFound(scope),
				fmt.Sprintf("The %s has changed since it was read.", et.noun(scope)), et.nameTaken(scope, b.Name))
		}
	}
	if err != nil {
		return t.d.translate(err, errs{op: "update " + et.noun(scope) + " " + b.ID, conflict: et.nameTaken(scope, b.Name)})
	}
	b.Version++
	return nil
}

// deleteEntity deletes one row. What holds it keeps its id: the caller finds them first.
func deleteEntity[E entity](ctx context.Context, t *tx, et *entityTable[E], orgID, scope, id string) error {
	cond, args := et.key(orgID, scope, id)
	res, err := t.run.exec(ctx, `DELETE FROM `+et.table+cond, args...)
	if err == nil {
		err = affected(res, et.notFound(scope))
	}
	return t.d.translate(err, errs{op: "delete " + et.noun(scope) + " " + id})
}

// noScope is the scopeOf of a table without a scope column.
func noScope[E entity](E) string { return "" }

// findAll runs a query and scans every row it returns with scan.
func findAll[T any](ctx context.Context, r *reader, scan func(rowScanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := r.run.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
