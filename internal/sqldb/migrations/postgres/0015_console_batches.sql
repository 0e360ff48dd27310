-- The outcome of each "Add or modify users" submission of a console session, under the key its
-- form carried: the summary page reads it after the redirect, and the same form sent again
-- (a double click, a reload) shows it instead of running again. Rows go after a session's
-- longest life.
CREATE TABLE console_batches (
	session_id TEXT NOT NULL,
	key        TEXT NOT NULL,
	org_id     TEXT NOT NULL,
	record     TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (session_id, key)
);
CREATE INDEX console_batches_created ON console_batches (created_at);
