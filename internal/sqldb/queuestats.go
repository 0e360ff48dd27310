package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"roster"
)

// The queries of QueueStats (TestQueueStatsPlans checks their plans on SQLite).
const (
	countSyncJobsQuery = `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN failed THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN NOT failed AND lease_until > ? THEN 1 ELSE 0 END), 0)
		FROM sync_jobs`
	oldestSyncJobQuery     = `SELECT due_at FROM sync_jobs WHERE NOT failed ORDER BY due_at LIMIT 1`
	countQueuedEmailsQuery = `SELECT COUNT(*), COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0)
		FROM emails WHERE state = 'queued'`
	oldestQueuedEmailQuery = `SELECT next_attempt_at FROM emails WHERE state = 'queued' ORDER BY next_attempt_at LIMIT 1`
)

// QueueStats counts the sync queue and the queued emails at now, for the metrics a Prometheus
// scrape reads. Every query stays on what is bounded by the backlog, not by the history: the
// sync_jobs table holds only jobs still to deliver or failed (a delivered job is deleted), and
// the emails are read through the partial index of the queued ones (emails_due). Sent and
// failed emails are not counted: that would scan the whole history of the outbox.
func (db *DB) QueueStats(ctx context.Context, now time.Time) (roster.QueueStats, error) {
	var s roster.QueueStats
	run := db.run
	err := run.queryRow(ctx, countSyncJobsQuery, dbTime(now)).Scan(&s.SyncQueued, &s.SyncFailed, &s.SyncInFlight)
	if err != nil {
		return s, fmt.Errorf("count sync jobs: %w", err)
	}
	s.SyncQueued -= s.SyncFailed
	if s.SyncOldestDue, err = firstTime(ctx, run, oldestSyncJobQuery); err != nil {
		return s, fmt.Errorf("oldest sync job: %w", err)
	}
	err = run.queryRow(ctx, countQueuedEmailsQuery).Scan(&s.EmailsQueued, &s.EmailsRetrying)
	if err != nil {
		return s, fmt.Errorf("count queued emails: %w", err)
	}
	if s.EmailOldestDue, err = firstTime(ctx, run, oldestQueuedEmailQuery); err != nil {
		return s, fmt.Errorf("oldest queued email: %w", err)
	}
	return s, nil
}

// firstTime reads the time of the first row of q; zero when there is none.
func firstTime(ctx context.Context, run runner, q string) (time.Time, error) {
	var t time.Time
	err := run.queryRow(ctx, q).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return t.UTC(), err
}

// Pools returns the connection pools of the database by name, for their statistics: "write"
// and "read" on SQLite, and "main" on PostgreSQL, where one pool serves both.
func (db *DB) Pools() map[string]*sql.DB {
	if db.read == db.write {
		return map[string]*sql.DB{"main": db.write}
	}
	return map[string]*sql.DB{"write": db.write, "read": db.read}
}
