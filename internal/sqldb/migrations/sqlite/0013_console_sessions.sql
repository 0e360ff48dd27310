-- Signed-in browsers of the console. The cookie holds the id and a secret; only the secret's
-- SHA-256 is kept. Sessions end after an hour unused or twelve hours after sign-in.
CREATE TABLE console_sessions (
	id           TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL,
	org_id       TEXT NOT NULL,
	secret_hash  BLOB NOT NULL,
	language     TEXT NOT NULL DEFAULT '',
	flash        TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMP NOT NULL,
	last_seen_at TIMESTAMP NOT NULL,
	client_addr  TEXT NOT NULL DEFAULT '',
	user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
CREATE INDEX console_sessions_last_seen ON console_sessions (last_seen_at);

-- Failed sign-ins, one row each, by account ("email:…") and by client address ("addr:…"),
-- so that every node counts the same failures.
CREATE TABLE signin_failures (
	key TEXT NOT NULL,
	at  TIMESTAMP NOT NULL
);
CREATE INDEX signin_failures_key ON signin_failures (key, at);
CREATE INDEX signin_failures_at ON signin_failures (at);

-- People who administer the whole installation: they create organizations and open any of
-- them in the console.
CREATE TABLE installation_admins (
	user_id    TEXT PRIMARY KEY,
	granted_at TIMESTAMP NOT NULL
);

-- The one-time secret of the first start's setup link, hashed; gone once used.
CREATE TABLE setup_secret (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	secret_hash BLOB NOT NULL,
	created_at  TIMESTAMP NOT NULL
);
