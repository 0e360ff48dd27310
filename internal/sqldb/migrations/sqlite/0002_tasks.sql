-- Background tasks and their per-row reports. Times are TIMESTAMP, written in UTC in one
-- layout, so they compare in time order (the claim compares lease_until with now).

-- No foreign key on org_id: like the audit log, a task's record outlives what it names, and
-- installation-wide tasks have org_id ''.
CREATE TABLE tasks (
	id               TEXT PRIMARY KEY,
	org_id           TEXT NOT NULL,
	kind             TEXT NOT NULL,
	state            TEXT NOT NULL,
	params           TEXT,
	progress_done    INTEGER NOT NULL,
	progress_total   INTEGER NOT NULL,
	created_count    INTEGER NOT NULL,
	updated_count    INTEGER NOT NULL,
	unchanged_count  INTEGER NOT NULL,
	warnings_count   INTEGER NOT NULL,
	errors_count     INTEGER NOT NULL,
	checkpoint       INTEGER NOT NULL,
	cancel_requested BOOLEAN NOT NULL,
	error            TEXT NOT NULL,
	created_by       TEXT NOT NULL,
	created_at       TIMESTAMP NOT NULL,
	started_at       TIMESTAMP,
	finished_at      TIMESTAMP,
	lease_owner      TEXT NOT NULL,
	lease_until      TIMESTAMP,
	attempts         INTEGER NOT NULL
);

-- Workers claim the oldest queued task, or a running one whose lease expired.
CREATE INDEX tasks_claim ON tasks (state, lease_until, created_at);
-- Lists page newest first by id within an organization; the active-task check reads it too.
CREATE INDEX tasks_org ON tasks (org_id, id);

-- The primary key makes reporting a row twice impossible, even for a resumed task.
-- WITHOUT ROWID stores the report in row order: pages read it in that order.
CREATE TABLE task_rows (
	task_id TEXT NOT NULL,
	row_no  INTEGER NOT NULL,
	email   TEXT NOT NULL,
	outcome TEXT NOT NULL,
	code    TEXT NOT NULL,
	message TEXT NOT NULL,
	PRIMARY KEY (task_id, row_no)
) WITHOUT ROWID;
