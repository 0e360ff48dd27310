package sqldb

import (
	"context"
	"fmt"
	"time"

	"roster"
)

const sessionColumns = `id, user_id, org_id, secret_hash, language, flash, created_at, last_seen_at, client_addr, user_agent`

func scanSession(s rowScanner) (*roster.ConsoleSession, error) {
	var c roster.ConsoleSession
	err := s.Scan(&c.ID, &c.UserID, &c.OrgID, &c.SecretHash, &c.Language, &c.Flash, &c.CreatedAt, &c.LastSeenAt, &c.ClientAddr, &c.UserAgent)
	if err != nil {
		return nil, err
	}
	c.CreatedAt, c.LastSeenAt = c.CreatedAt.UTC(), c.LastSeenAt.UTC()
	return &c, nil
}

// FindConsoleSession returns the session with this id.
func (r *reader) FindConsoleSession(ctx context.Context, id string) (*roster.ConsoleSession, error) {
	c, err := scanSession(r.run.queryRow(ctx, `SELECT `+sessionColumns+` FROM console_sessions WHERE id = ?`, id))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find console session", notFound: "The session has ended."})
	}
	return c, nil
}

// FindConsoleSessions returns the sessions of a user, newest first.
func (r *reader) FindConsoleSessions(ctx context.Context, userID string) ([]*roster.ConsoleSession, error) {
	rows, err := r.run.query(ctx, `SELECT `+sessionColumns+` FROM console_sessions WHERE user_id = ? ORDER BY created_at DESC, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("find console sessions: %w", err)
	}
	defer rows.Close()
	var out []*roster.ConsoleSession
	for rows.Next() {
		c, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("find console sessions: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CreateConsoleSession inserts a session.
func (t *tx) CreateConsoleSession(ctx context.Context, c *roster.ConsoleSession) error {
	_, err := t.run.exec(ctx, `INSERT INTO console_sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.UserID, c.OrgID, c.SecretHash, c.Language, c.Flash, dbTime(c.CreatedAt), dbTime(c.LastSeenAt), c.ClientAddr, c.UserAgent)
	return t.d.translate(err, errs{op: "create console session"})
}

// UpdateConsoleSession saves the session's last use, language and flash message.
func (t *tx) UpdateConsoleSession(ctx context.Context, c *roster.ConsoleSession) error {
	_, err := t.run.exec(ctx, `UPDATE console_sessions SET last_seen_at = ?, language = ?, flash = ? WHERE id = ?`,
		dbTime(c.LastSeenAt), c.Language, c.Flash, c.ID)
	return t.d.translate(err, errs{op: "update console session"})
}

// DeleteConsoleSession ends a session.
func (t *tx) DeleteConsoleSession(ctx context.Context, id string) error {
	_, err := t.run.exec(ctx, `DELETE FROM console_sessions WHERE id = ?`, id)
	return t.d.translate(err, errs{op: "delete console session"})
}

// DeleteConsoleSessions ends every session of a user but keep.
func (t *tx) DeleteConsoleSessions(ctx context.Context, userID, keep string) (int, error) {
	res, err := t.run.exec(ctx, `DELETE FROM console_sessions WHERE user_id = ? AND id <> ?`, userID, keep)
	if err != nil {
		return 0, t.d.translate(err, errs{op: "delete console sessions"})
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteExpiredConsoleSessions ends the sessions unused since idle or begun before absolute.
func (t *tx) DeleteExpiredConsoleSessions(ctx context.Context, idle, absolute time.Time) error {
	_, err := t.run.exec(ctx, `DELETE FROM console_sessions WHERE last_seen_at < ? OR created_at < ?`, dbTime(idle), dbTime(absolute))
	return t.d.translate(err, errs{op: "delete expired console sessions"})
}

// FindConsolePassword returns the hash of a user's console password.
func (r *reader) FindConsolePassword(ctx context.Context, userID string) (string, error) {
	var hash string
	err := r.run.queryRow(ctx, `SELECT hash FROM console_passwords WHERE user_id = ?`, userID).Scan(&hash)
	return hash, r.d.translate(err, errs{op: "find console password", notFound: "The user has no console password."})
}

// SetConsolePassword stores the hash of a user's console password.
func (t *tx) SetConsolePassword(ctx context.Context, userID, hash string, at time.Time) error {
	_, err := t.run.exec(ctx, `INSERT INTO console_passwords (user_id, hash, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`, userID, hash, dbTime(at))
	return t.d.translate(err, errs{op: "set console password"})
}

// CountSignInFailures counts the failures of key since a time.
func (r *reader) CountSignInFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := r.run.queryRow(ctx, `SELECT COUNT(*) FROM signin_failures WHERE key = ? AND at >= ?`, key, dbTime(since)).Scan(&n)
	return n, r.d.translate(err, errs{op: "count sign-in failures"})
}

// RecordSignInFailure records a failure of key and forgets every failure older than before.
func (t *tx) RecordSignInFailure(ctx context.Context, key string, at, before time.Time) error {
	if _, err := t.run.exec(ctx, `DELETE FROM signin_failures WHERE at < ?`, dbTime(before)); err != nil {
		return t.d.translate(err, errs{op: "forget sign-in failures"})
	}
	_, err := t.run.exec(ctx, `INSERT INTO signin_failures (key, at) VALUES (?, ?)`, key, dbTime(at))
	return t.d.translate(err, errs{op: "record sign-in failure"})
}

// ClearSignInFailures forgets the failures of key.
func (t *tx) ClearSignInFailures(ctx context.Context, key string) error {
	_, err := t.run.exec(ctx, `DELETE FROM signin_failures WHERE key = ?`, key)
	return t.d.translate(err, errs{op: "clear sign-in failures"})
}

// IsInstallationAdmin reports whether the user administers the installation.
func (r *reader) IsInstallationAdmin(ctx context.Context, userID string) (bool, error) {
	var n int
	err := r.run.queryRow(ctx, `SELECT COUNT(*) FROM installation_admins WHERE user_id = ?`, userID).Scan(&n)
	return n > 0, r.d.translate(err, errs{op: "find installation administrator"})
}

// GrantInstallationAdmin makes the user an installation administrator.
func (t *tx) GrantInstallationAdmin(ctx context.Context, userID string, at time.Time) error {
	_, err := t.run.exec(ctx, `INSERT INTO installation_admins (user_id, granted_at) VALUES (?, ?)
		ON CONFLICT (user_id) DO NOTHING`, userID, dbTime(at))
	return t.d.translate(err, errs{op: "grant installation administrator"})
}

// FindSetupSecret returns the hash of the setup secret.
func (r *reader) FindSetupSecret(ctx context.Context) ([]byte, error) {
	var hash []byte
	err := r.run.queryRow(ctx, `SELECT secret_hash FROM setup_secret WHERE id = 1`).Scan(&hash)
	return hash, r.d.translate(err, errs{op: "find setup secret", notFound: "There is no setup link."})
}

// SetSetupSecret replaces the setup secret's hash; nil removes it.
func (t *tx) SetSetupSecret(ctx context.Context, hash []byte, at time.Time) error {
	if _, err := t.run.exec(ctx, `DELETE FROM setup_secret`); err != nil || hash == nil {
		return t.d.translate(err, errs{op: "remove setup secret"})
	}
	_, err := t.run.exec(ctx, `INSERT INTO setup_secret (id, secret_hash, created_at) VALUES (1, ?, ?)`, hash, dbTime(at))
	return t.d.translate(err, errs{op: "set setup secret"})
}

// FindConsoleBatch returns the submission a session made under key.
func (r *reader) FindConsoleBatch(ctx context.Context, sessionID, key string) (*roster.ConsoleBatch, error) {
	b := roster.ConsoleBatch{SessionID: sessionID, Key: key}
	var record string
	err := r.run.queryRow(ctx, r.d.lock(`SELECT org_id, record, created_at FROM console_batches WHERE session_id = ? AND key = ?`, r.lock),
		sessionID, key).Scan(&b.OrgID, &record, &b.CreatedAt)
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find console batch", notFound: "This summary is no longer kept."})
	}
	b.Record, b.CreatedAt = []byte(record), b.CreatedAt.UTC()
	return &b, nil
}

// CreateConsoleBatch keeps a submission and forgets those made before forget.
func (t *tx) CreateConsoleBatch(ctx context.Context, b *roster.ConsoleBatch, forget time.Time) error {
	if _, err := t.run.exec(ctx, `DELETE FROM console_batches WHERE created_at < ?`, dbTime(forget)); err != nil {
		return t.d.translate(err, errs{op: "forget console batches"})
	}
	_, err := t.run.exec(ctx, `INSERT INTO console_batches (session_id, key, org_id, record, created_at) VALUES (?, ?, ?, ?, ?)`,
		b.SessionID, b.Key, b.OrgID, string(b.Record), dbTime(b.CreatedAt))
	return t.d.translate(err, errs{op: "create console batch"})
}
