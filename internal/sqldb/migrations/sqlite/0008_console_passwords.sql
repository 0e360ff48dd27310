-- The console password of an administrator, set when they accept their invitation, as a
-- PBKDF2-SHA256 hash with its salt and iteration count ("pbkdf2-sha256$iterations$salt$key").
CREATE TABLE console_passwords (
	user_id    TEXT PRIMARY KEY,
	hash       TEXT NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
