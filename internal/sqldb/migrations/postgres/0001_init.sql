-- The schema of Roster on PostgreSQL. Keys that are compared, ordered or searched by prefix
-- (ids, emails, name keys) use the "C" collation: byte order, as on SQLite, whatever the
-- database's locale, so that keyset paging and prefix ranges behave the same on both engines.

CREATE TABLE orgs (
	id                 TEXT COLLATE "C" PRIMARY KEY,
	name               TEXT COLLATE "C" NOT NULL,
	platform           TEXT NOT NULL,
	send_welcome_email BOOLEAN NOT NULL,
	default_language   TEXT NOT NULL,
	seats_standard     INTEGER NOT NULL,
	seats_premium      INTEGER NOT NULL,
	users_count        INTEGER NOT NULL,
	standard_used      INTEGER NOT NULL,
	premium_used       INTEGER NOT NULL,
	created_at         TIMESTAMPTZ NOT NULL,
	updated_at         TIMESTAMPTZ NOT NULL,
	version            BIGINT NOT NULL
);

CREATE INDEX orgs_name ON orgs (name, id);

CREATE TABLE users (
	id                 TEXT COLLATE "C" PRIMARY KEY,
	org_id             TEXT COLLATE "C" NOT NULL REFERENCES orgs (id),
	email              TEXT COLLATE "C" NOT NULL,
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
	-- strings.ToLower of the names, computed in Go, as on SQLite.
	first_name_key     TEXT COLLATE "C" NOT NULL,
	last_name_key      TEXT COLLATE "C" NOT NULL,
	created_at         TIMESTAMPTZ NOT NULL,
	updated_at         TIMESTAMPTZ NOT NULL,
	version            BIGINT NOT NULL
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
	id           TEXT COLLATE "C" PRIMARY KEY,
	-- NULL for a system token.
	org_id       TEXT COLLATE "C" REFERENCES orgs (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	role         TEXT NOT NULL,
	system       BOOLEAN NOT NULL,
	secret_hash  BYTEA NOT NULL,
	created_at   TIMESTAMPTZ NOT NULL,
	created_by   TEXT NOT NULL,
	last_used_at TIMESTAMPTZ
);

CREATE UNIQUE INDEX api_tokens_secret_hash ON api_tokens (secret_hash);
CREATE INDEX api_tokens_org ON api_tokens (org_id, id);

-- Ids are UUIDv7: ordering by id is ordering by creation, so pages go newest first by id.
-- No foreign key on org_id: the log outlives what it records.
CREATE TABLE audit_entries (
	id          TEXT COLLATE "C" PRIMARY KEY,
	org_id      TEXT COLLATE "C",
	at          TIMESTAMPTZ NOT NULL,
	actor_kind  TEXT NOT NULL,
	actor_id    TEXT NOT NULL,
	actor_name  TEXT NOT NULL,
	interface   TEXT NOT NULL,
	action      TEXT NOT NULL,
	target_kind TEXT NOT NULL,
	target_id   TEXT COLLATE "C" NOT NULL,
	target      TEXT NOT NULL,
	before      JSONB,
	after       JSONB,
	task_id     TEXT NOT NULL
);

CREATE INDEX audit_entries_org ON audit_entries (org_id, id);
CREATE INDEX audit_entries_org_target ON audit_entries (org_id, target_id, id);
