-- Background tasks and their per-row reports.

-- No foreign key on org_id: like the audit log, a task's record outlives what it names, and
-- installation-wide tasks have org_id ''.
CREATE TABLE tasks (
	id               TEXT COLLATE "C" PRIMARY KEY,
	org_id           TEXT COLLATE "C" NOT NULL,
	kind             TEXT NOT NULL,
	state            TEXT NOT NULL,
	params           JSONB,
	progress_done    INTEGER NOT NULL,
	progress_total   INTEGER NOT NULL,
	created_count    INTEGER NOT NULL,
	updated_count    INTEGER NOT NULL,
	unchanged_count  INTEGER NOT NULL,
	warnings_count   INTEGER NOT NULL,
	errors_count     INTEGER NOT NULL,
	checkpoint       BIGINT NOT NULL,
	cancel_requested BOOLEAN NOT NULL,
	error            TEXT NOT NULL,
	created_by       TEXT NOT NULL,
	created_at       TIMESTAMPTZ NOT NULL,
	started_at       TIMESTAMPTZ,
	finished_at      TIMESTAMPTZ,
	lease_owner      TEXT NOT NULL,
	lease_until      TIMESTAMPTZ,
	attempts         INTEGER NOT NULL
);

-- Workers claim the oldest queued task, or a running one whose lease expired.
CREATE INDEX tasks_claim ON tasks (state, lease_until, created_at);
-- Lists page newest first by id within an organization; the active-task check reads it too.
CREATE INDEX tasks_org ON tasks (org_id, id);

-- The primary key makes reporting a row twice impossible, even for a resumed task.
CREATE TABLE task_rows (
	task_id TEXT COLLATE "C" NOT NULL,
	row_no  INTEGER NOT NULL,
	email   TEXT NOT NULL,
	outcome TEXT NOT NULL,
	code    TEXT NOT NULL,
	message TEXT NOT NULL,
	PRIMARY KEY (task_id, row_no)
);
