package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"roster"
)

const tokenColumns = `id, org_id, name, role, system, secret_hash, created_at, created_by, last_used_at`

func scanToken(s rowScanner) (*roster.APIToken, error) {
	var t roster.APIToken
	var orgID sql.NullString
	var lastUsed sql.NullTime
	err := s.Scan(&t.ID, &orgID, &t.Name, &t.Role, &t.System, &t.SecretHash, &t.CreatedAt,
		&t.CreatedBy, &lastUsed)
	if err != nil {
		return nil, err
	}
	t.OrgID = orgID.String
	t.CreatedAt = t.CreatedAt.UTC()
	if lastUsed.Valid {
		t.LastUsedAt = lastUsed.Time.UTC()
	}
	return &t, nil
}

// FindTokenByHash returns the token whose secret has this hash. Inside Write it locks the row
// on PostgreSQL.
func (r *reader) FindTokenByHash(ctx context.Context, hash []byte) (*roster.APIToken, error) {
	q := r.d.lock(`SELECT `+tokenColumns+` FROM api_tokens WHERE secret_hash = ?`, r.lock)
	t, err := scanToken(r.run.queryRow(ctx, q, hash))
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find token by hash", notFound: "Token not found."})
	}
	return t, nil
}

// FindTokens returns the tokens of organization orgID, or the system tokens when orgID is "",
// oldest first.
func (r *reader) FindTokens(ctx context.Context, orgID string) ([]*roster.APIToken, error) {
	q, args := `SELECT `+tokenColumns+` FROM api_tokens WHERE org_id = ? ORDER BY id`, []any{orgID}
	if orgID == "" {
		q, args = `SELECT `+tokenColumns+` FROM api_tokens WHERE org_id IS NULL ORDER BY id`, nil
	}
	rows, err := r.run.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("find tokens of organization %q: %w", orgID, err)
	}
	defer rows.Close()
	var tokens []*roster.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("find tokens of organization %q: %w", orgID, err)
		}
		tokens = append(tokens, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find tokens of organization %q: %w", orgID, err)
	}
	return tokens, nil
}

// CreateToken inserts tok; an empty OrgID makes a token of no organization. Its times are
// stored in UTC to the microsecond, and tok is updated to hold what was stored.
func (t *tx) CreateToken(ctx context.Context, tok *roster.APIToken) error {
	tok.CreatedAt = dbTime(tok.CreatedAt)
	if !tok.LastUsedAt.IsZero() {
		tok.LastUsedAt = dbTime(tok.LastUsedAt)
	}
	res, err := t.run.exec(ctx, `INSERT INTO api_tokens (`+tokenColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		tok.ID, nullString(tok.OrgID), tok.Name, tok.Role, tok.System, tok.SecretHash,
		tok.CreatedAt, tok.CreatedBy, nullTime(tok.LastUsedAt))
	if err == nil {
		err = inserted(res, "A token with this id or secret already exists.")
	}
	return t.d.translate(err, errs{op: "create token " + tok.ID})
}

// DeleteToken deletes the token of organization orgID (a system token when orgID is "") with
// this id.
func (t *tx) DeleteToken(ctx context.Context, orgID, id string) error {
	q, args := `DELETE FROM api_tokens WHERE id = ? AND org_id = ?`, []any{id, orgID}
	if orgID == "" {
		q, args = `DELETE FROM api_tokens WHERE id = ? AND org_id IS NULL`, []any{id}
	}
	res, err := t.run.exec(ctx, q, args...)
	if err == nil {
		err = affected(res, "Token not found.")
	}
	return t.d.translate(err, errs{op: "delete token " + id})
}

// TouchToken records the use of a token, unless one was recorded since since.
func (t *tx) TouchToken(ctx context.Context, id string, at, since time.Time) error {
	_, err := t.run.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		dbTime(at), id, dbTime(since))
	return t.d.translate(err, errs{op: "touch token " + id})
}
