package sqldb

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFiles embed.FS

// migration is one numbered SQL file of migrations/<engine>/, NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the migrations of an engine in version order.
func migrations(engine string) ([]migration, error) {
	dir := path.Join("migrations", engine)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	seen := make(map[int]string)
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".sql")
		if e.IsDir() || !ok {
			continue
		}
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || name == "" {
			return nil, fmt.Errorf("migration %s: the name is not NNNN_name.sql", e.Name())
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s have the same number", other, e.Name())
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// Migrate brings the schema up to date: it applies, in order, each migration not yet recorded
// in schema_migrations, each in its own transaction. Running it again is a no-op, and nodes
// that start together apply each migration once (see dialect.migrateLock).
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := migrations(db.d.engine)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := db.migrate(ctx, m); err != nil {
			return fmt.Errorf("migrate %04d_%s: %w", m.version, m.name, err)
		}
	}
	return nil
}

// migrate applies m unless it is recorded already. The check runs under the lock, in the same
// transaction as the change, so two migrators cannot both see the migration missing.
func (db *DB) migrate(ctx context.Context, m migration) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	if db.d.migrateLock != "" {
		if _, err := tx.ExecContext(ctx, db.d.migrateLock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, db.d.migrationsTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var n int
	q := db.d.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`)
	if err := tx.QueryRowContext(ctx, q, m.version).Scan(&n); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	if n > 0 {
		return nil
	}
	// No arguments: both drivers then run every statement of the file.
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	q = db.d.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`)
	if _, err := tx.ExecContext(ctx, q, m.version, m.name, dbTime(time.Now())); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return tx.Commit()
}
