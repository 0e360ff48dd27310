-- Imports: the uploaded file, the summary of a run, and the user each report row changed.

-- What a task found, in the form its handler defines: for an import, the summary of creates,
-- updates and seats that a dry run shows before anything changes.
ALTER TABLE tasks ADD COLUMN summary TEXT;

-- The user a report row created or changed, so that a revert finds what an import did.
ALTER TABLE task_rows ADD COLUMN user_id TEXT NOT NULL DEFAULT '';

-- The file of an import, kept in the database so that any node can run the task, in parts so
-- that neither writing nor reading it ever holds the whole file in memory. Deleted when the
-- task ends.
CREATE TABLE task_files (
	task_id TEXT NOT NULL,
	part    INTEGER NOT NULL,
	data    BLOB NOT NULL,
	PRIMARY KEY (task_id, part)
);
