-- What retention sweeps (internal/retention) reads to find what has served its time, so that a
-- sweep reads only the rows it deletes. The other kinds have their index already: sessions by
-- console_sessions_last_seen, sign-in failures by signin_failures_at, failed deliveries are few
-- (sync_jobs holds only what waits), and audit entries go by their time-ordered ids.

-- Finished tasks by their end; queued and running ones have none.
CREATE INDEX tasks_finished ON tasks (finished_at) WHERE finished_at IS NOT NULL;

-- Sent and failed messages by their creation; the queued ones are read through emails_due.
CREATE INDEX emails_settled ON emails (created_at) WHERE state <> 'queued';

-- Invitations by their expiry.
CREATE INDEX invitations_expires ON invitations (expires_at);
