-- Imports: the uploaded file, the summary of a run, and the user each report row changed.

-- What a task found, in the form its handler defines: for an import, the summary of creates,
-- updates and seats that a dry run shows before anything changes.
ALTER TABLE tasks ADD COLUMN summary JSONB;

-- The per-row report, in blocks: one row per chunk of a task instead of one per line of its
-- file, because a row each cost more than a tenth of a large import. A block holds the rows
-- first_row to last_row, in row order, as a JSON array; blocks of a task never overlap. Each row
-- names the user it created or changed, so that a revert finds what an import did. The rows of
-- the first table were written by nothing but tests: no import ran before this migration.
DROP TABLE task_rows;
CREATE TABLE task_reports (
	task_id   TEXT NOT NULL,
	first_row INTEGER NOT NULL,
	last_row  INTEGER NOT NULL,
	body      BYTEA NOT NULL,
	PRIMARY KEY (task_id, first_row)
);

-- The file of an import, kept in the database so that any node can run the task, in parts so
-- that neither writing nor reading it ever holds the whole file in memory. Deleted when the
-- task ends.
CREATE TABLE task_files (
	task_id TEXT NOT NULL,
	part    INTEGER NOT NULL,
	data    BYTEA NOT NULL,
	PRIMARY KEY (task_id, part)
);
