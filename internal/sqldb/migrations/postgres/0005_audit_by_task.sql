-- The changes of one task (an import, a revert), newest first: what an import did, value by
-- value. Only entries made by a task are indexed; their ids grow with time, so each task's
-- entries are appended at the end of its range.
CREATE INDEX audit_entries_task ON audit_entries (task_id, id) WHERE task_id <> '';
