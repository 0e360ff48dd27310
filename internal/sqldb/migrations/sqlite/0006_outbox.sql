-- Invitations and the email outbox (SPEC §4).

-- An invitation lets a pending user's person accept the account once, until it expires. Its
-- link carries its id and a secret, stored as a SHA-256 hash. Keyed by the time-ordered id,
-- invitations are appended: keyed by the hash, each of a large import's would land anywhere.
-- Resending replaces the user's invitations.
CREATE TABLE invitations (
	id          TEXT PRIMARY KEY,
	secret_hash BLOB NOT NULL,
	org_id      TEXT NOT NULL,
	user_id     TEXT NOT NULL,
	created_at  TIMESTAMP NOT NULL,
	expires_at  TIMESTAMP NOT NULL,
	accepted_at TIMESTAMP
);
CREATE INDEX invitations_user ON invitations (user_id);

-- Messages are written in the transaction of the change that causes them and delivered by
-- workers. Their text is rendered from kind and language when sent or shown.
CREATE TABLE emails (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL,
	user_id         TEXT NOT NULL,
	kind            TEXT NOT NULL,
	to_address      TEXT NOT NULL,
	to_name         TEXT NOT NULL,
	language        TEXT NOT NULL,
	link            TEXT NOT NULL,
	state           TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at TIMESTAMP NOT NULL,
	last_error      TEXT NOT NULL,
	created_at      TIMESTAMP NOT NULL,
	sent_at         TIMESTAMP,
	expires_at      TIMESTAMP,
	lease_owner     TEXT NOT NULL,
	lease_until     TIMESTAMP
);
-- The outbox of an organization, newest first, and of one user.
CREATE INDEX emails_org ON emails (org_id, id);
CREATE INDEX emails_user ON emails (user_id, id);
-- What the delivery workers claim: queued messages whose time has come.
CREATE INDEX emails_due ON emails (next_attempt_at) WHERE state = 'queued';
