-- The schema of Roster on SQLite. Times are TIMESTAMP so that the driver scans them as
-- time.Time; they are written in UTC in one layout, so they also compare in time order.

CREATE TABLE orgs (
	id                 TEXT PRIMARY KEY,
	name               TEXT NOT NULL,
	platform           TEXT NOT NULL,
	send_welcome_email BOOLEAN NOT NULL,
	default_language   TEXT NOT NULL,
	seats_standard     INTEGER NOT NULL,
	seats_premium      INTEGER NOT NULL,
	users_count        INTEGER NOT NULL,
	standard_used      INTEGER NOT NULL,
	premium_used       INTEGER NOT NULL,
	created_at         TIMESTAMP NOT NULL,
	updated_at         TIMESTAMP NOT NULL,
	version            INTEGER NOT NULL
);

CREATE INDEX orgs_name ON orgs (name, id);

CREATE TABLE users (
	id                 TEXT PRIMARY KEY,
	org_id             TEXT NOT NULL REFERENCES orgs (id),
	email              TEXT NOT NULL,
	first_name         TEXT NOT NULL,
	last_name          TEXT NOT NULL,
	display_name       TEXT NOT NULL,
	phone_number       TEXT NOT NULL,
	title              TEXT NOT NULL,
	department         TEXT NOT NULL,
	preferred_language TEXT NOT NULL,
	status             TEXT NOT NULL,
	license            TEXT NOT NULL,
	cc_role            TEXT NOT NULL,
	admin_role         TEXT NOT NULL,
	sync_status        TEXT NOT NULL,
	-- strings.ToLower of the names, computed in Go: SQLite's lower() folds only ASCII.
	first_name_key     TEXT NOT NULL,
	last_name_key      TEXT NOT NULL,
	created_at         TIMESTAMP NOT NULL,
	updated_at         TIMESTAMP NOT NULL,
	version            INTEGER NOT NULL
);

-- An email is unique across the installation.
CREATE UNIQUE INDEX users_email ON users (email);
-- The user list pages by email within an organization, optionally filtered on one column.
CREATE INDEX users_org_email ON users (org_id, email);
CREATE INDEX users_org_license ON users (org_id, license, email);
CREATE INDEX users_org_status ON users (org_id, status, email);
CREATE INDEX users_org_sync_status ON users (org_id, sync_status, email);
-- Most users are neither administrators nor supervisors: index only those who are.
CREATE INDEX users_org_admin_role ON users (org_id, admin_role, email) WHERE admin_role <> 'none';
CREATE INDEX users_org_cc_role ON users (org_id, cc_role, email) WHERE cc_role <> 'agent';
-- Prefix search on the names; with the email, a search sorts its matches from the index alone.
CREATE INDEX users_org_first_name ON users (org_id, first_name_key, email);
CREATE INDEX users_org_last_name ON users (org_id, last_name_key, email);

CREATE TABLE api_tokens (
	id           TEXT PRIMARY KEY,
	-- NULL for a system token.
	org_id       TEXT REFERENCES orgs (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	role         TEXT NOT NULL,
	system       BOOLEAN NOT NULL,
	secret_hash  BLOB NOT NULL,
	created_at   TIMESTAMP NOT NULL,
	created_by   TEXT NOT NULL,
	last_used_at TIMESTAMP
);

CREATE UNIQUE INDEX api_tokens_secret_hash ON api_tokens (secret_hash);
CREATE INDEX api_tokens_org ON api_tokens (org_id, id);

-- Ids are UUIDv7: ordering by id is ordering by creation, so pages go newest first by id.
-- WITHOUT ROWID stores the rows in id order, so the table is its own primary key index: one
-- B-tree less to write per entry, and the newest-first scan reads the rows themselves.
-- No foreign key on org_id: the log outlives what it records.
CREATE TABLE audit_entries (
	id          TEXT PRIMARY KEY,
	org_id      TEXT,
	at          TIMESTAMP NOT NULL,
	actor_kind  TEXT NOT NULL,
	actor_id    TEXT NOT NULL,
	actor_name  TEXT NOT NULL,
	interface   TEXT NOT NULL,
	action      TEXT NOT NULL,
	target_kind TEXT NOT NULL,
	target_id   TEXT NOT NULL,
	target      TEXT NOT NULL,
	before      TEXT,
	after       TEXT,
	task_id     TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX audit_entries_org ON audit_entries (org_id, id);
CREATE INDEX audit_entries_org_target ON audit_entries (org_id, target_id, id);
