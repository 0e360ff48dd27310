package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"roster"
)

const emailColumns = `id, org_id, user_id, kind, to_address, to_name, language, link, state, attempts,
	next_attempt_at, last_error, created_at, sent_at, expires_at, lease_owner, lease_until`

func scanEmail(s rowScanner) (*roster.Email, error) {
	var e roster.Email
	var sent, expires, leaseUntil sql.NullTime
	err := s.Scan(&e.ID, &e.OrgID, &e.UserID, &e.Kind, &e.To, &e.ToName, &e.Language, &e.Link, &e.State,
		&e.Attempts, &e.NextAttemptAt, &e.LastError, &e.CreatedAt, &sent, &expires, &e.LeaseOwner, &leaseUntil)
	if err != nil {
		return nil, err
	}
	e.NextAttemptAt, e.CreatedAt = e.NextAttemptAt.UTC(), e.CreatedAt.UTC()
	e.SentAt, e.ExpiresAt, e.LeaseUntil = utcOrZero(sent), utcOrZero(expires), utcOrZero(leaseUntil)
	return &e, nil
}

// FindEmails returns a page of an organization's outbox, newest first.
func (r *reader) FindEmails(ctx context.Context, f roster.EmailFilter) (*roster.EmailPage, error) {
	limit := pageLimit(f.Limit)
	w := &where{}
	w.add("org_id = ?", f.OrgID)
	if f.UserID != "" {
		w.add("user_id = ?", f.UserID)
	}
	if f.State != "" {
		w.add("state = ?", f.State)
	}
	if f.Before != "" {
		w.add("id < ?", f.Before)
	}
	rows, err := r.run.query(ctx, `SELECT `+emailColumns+` FROM emails`+w.String()+` ORDER BY id DESC LIMIT ?`,
		append(w.args, limit+1)...)
	if err != nil {
		return nil, fmt.Errorf("find emails: %w", err)
	}
	defer rows.Close()
	page := &roster.EmailPage{}
	for rows.Next() {
		e, err := scanEmail(rows)
		if err != nil {
			return nil, fmt.Errorf("find emails: %w", err)
		}
		page.Emails = append(page.Emails, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find emails: %w", err)
	}
	if len(page.Emails) > limit {
		page.Emails = page.Emails[:limit]
		page.Next = page.Emails[limit-1].ID
	}
	return page, nil
}

// FindInvitation returns an invitation.
func (r *reader) FindInvitation(ctx context.Context, id string) (*roster.Invitation, error) {
	var inv roster.Invitation
	var accepted sql.NullTime
	err := r.run.queryRow(ctx, r.d.lock(`SELECT id, secret_hash, org_id, user_id, created_at, expires_at, accepted_at
		FROM invitations WHERE id = ?`, r.lock), id).Scan(
		&inv.ID, &inv.SecretHash, &inv.OrgID, &inv.UserID, &inv.CreatedAt, &inv.ExpiresAt, &accepted)
	if err != nil {
		return nil, r.d.translate(err, errs{op: "find invitation", notFound: "This invitation link is not valid."})
	}
	inv.CreatedAt, inv.ExpiresAt, inv.AcceptedAt = inv.CreatedAt.UTC(), inv.ExpiresAt.UTC(), utcOrZero(accepted)
	return &inv, nil
}

// CreateEmails inserts messages into the outbox.
func (t *tx) CreateEmails(ctx context.Context, emails []*roster.Email) error {
	rows := make([][]any, len(emails))
	for i, e := range emails {
		e.CreatedAt, e.NextAttemptAt = dbTime(e.CreatedAt), dbTime(e.NextAttemptAt)
		rows[i] = []any{e.ID, e.OrgID, e.UserID, e.Kind, e.To, e.ToName, e.Language, e.Link, e.State,
			e.Attempts, e.NextAttemptAt, e.LastError, e.CreatedAt, nullTime(zeroOrDBTime(e.SentAt)),
			nullTime(zeroOrDBTime(e.ExpiresAt)), e.LeaseOwner, nullTime(zeroOrDBTime(e.LeaseUntil))}
	}
	const conflict = "A message with this id already exists."
	err := t.insertNew(ctx, "emails", emailColumns, rows, conflict)
	return t.d.translate(err, errs{op: "create emails", conflict: conflict})
}

// CreateInvitations inserts invitations.
func (t *tx) CreateInvitations(ctx context.Context, invs []*roster.Invitation) error {
	rows := make([][]any, len(invs))
	for i, inv := range invs {
		inv.CreatedAt, inv.ExpiresAt = dbTime(inv.CreatedAt), dbTime(inv.ExpiresAt)
		rows[i] = []any{inv.ID, inv.SecretHash, inv.OrgID, inv.UserID, inv.CreatedAt, inv.ExpiresAt}
	}
	const conflict = "An invitation with this id already exists."
	err := t.insertNew(ctx, "invitations", "id, secret_hash, org_id, user_id, created_at, expires_at", rows, conflict)
	return t.d.translate(err, errs{op: "create invitations", conflict: conflict})
}

// DeleteInvitations deletes the invitations of a user, so that only a new one works.
func (t *tx) DeleteInvitations(ctx context.Context, userID string) error {
	_, err := t.run.exec(ctx, `DELETE FROM invitations WHERE user_id = ?`, userID)
	return t.d.translate(err, errs{op: "delete invitations of user " + userID})
}

// AcceptInvitation marks an invitation accepted at at, once: CodeConflict when it already was.
func (t *tx) AcceptInvitation(ctx context.Context, id string, at time.Time) error {
	res, err := t.run.exec(ctx, `UPDATE invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL`,
		dbTime(at), id)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = roster.Errorf(roster.CodeConflict, "This invitation has already been accepted.")
		}
	}
	return t.d.translate(err, errs{op: "accept invitation"})
}

// ClaimEmails leases up to limit queued messages whose time has come to owner until
// now+lease, oldest due first. One statement picks and updates them (see ClaimTask).
func (t *tx) ClaimEmails(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*roster.Email, error) {
	now = dbTime(now)
	rows, err := t.run.query(ctx, `UPDATE emails SET lease_owner = ?, lease_until = ?
		WHERE id IN (SELECT id FROM emails
			WHERE state = 'queued' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
			ORDER BY next_attempt_at LIMIT ?`+t.d.claimLock+`)
		RETURNING `+emailColumns, owner, now.Add(lease), now, now, limit)
	if err != nil {
		return nil, fmt.Errorf("claim emails: %w", err)
	}
	defer rows.Close()
	var out []*roster.Email
	for rows.Next() {
		e, err := scanEmail(rows)
		if err != nil {
			return nil, fmt.Errorf("claim emails: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim emails: %w", err)
	}
	return out, nil
}

// SaveEmail records a delivery attempt of a message owner holds: its state, attempts, next
// attempt, last error, sent time and link; it releases the lease. CodeConflict when owner no
// longer holds the message.
func (t *tx) SaveEmail(ctx context.Context, e *roster.Email, owner string) error {
	res, err := t.run.exec(ctx, `UPDATE emails SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?,
			sent_at = ?, link = ?, lease_owner = '', lease_until = NULL
		WHERE id = ? AND lease_owner = ?`,
		e.State, e.Attempts, dbTime(e.NextAttemptAt), e.LastError, nullTime(zeroOrDBTime(e.SentAt)), e.Link, e.ID, owner)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = roster.Errorf(roster.CodeConflict, "This worker no longer holds the message.")
		}
	}
	return t.d.translate(err, errs{op: "save email " + e.ID})
}

// ReleaseEmails clears owner's leases of messages, as SaveEmail does: a message keeps its
// attempts, next attempt and link. Only queued messages are leased (SaveEmail releases the
// others), so the release reads the queue's index, not the history of the outbox.
func (t *tx) ReleaseEmails(ctx context.Context, owner string) (int, error) {
	res, err := t.run.exec(ctx, `UPDATE emails SET lease_owner = '', lease_until = NULL
		WHERE state = 'queued' AND lease_owner = ?`, owner)
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	return int(n), t.d.translate(err, errs{op: "release emails of " + owner})
}

// CancelEmails fails the queued messages of a user with reason and drops their links. A
// message a deliverer holds at the moment loses its lease too, so that the deliverer cannot
// record it queued again, with its link, after a temporary failure.
func (t *tx) CancelEmails(ctx context.Context, userID, reason string) error {
	_, err := t.run.exec(ctx, `UPDATE emails SET state = 'failed', last_error = ?, link = '', lease_owner = '', lease_until = NULL
		WHERE user_id = ? AND state = 'queued'`, reason, userID)
	return t.d.translate(err, errs{op: "cancel emails of user " + userID})
}
