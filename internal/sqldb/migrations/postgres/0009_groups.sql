-- Groups, automatic license assignment and custom user profiles (SPEC §2 "Groups and automatic
-- license assignment", §3).

-- How new users get a license: off, org (template_license for everyone) or group.
ALTER TABLE orgs ADD COLUMN assignment_mode TEXT NOT NULL DEFAULT 'off';
ALTER TABLE orgs ADD COLUMN template_license TEXT NOT NULL DEFAULT 'none';

-- A user's license is the best of its sources: its administrator's direct choice, the
-- organization template, and its groups (group_license, the best of its memberships). A license
-- its template or groups grant but no seat was free for waits (waiting_license) for a seat.
-- '' means the source grants nothing. Keys use the "C" collation, as in 0001_init.sql.
ALTER TABLE users ADD COLUMN user_profile_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN direct_license TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN direct_since TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN template_license TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN template_since TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN group_license TEXT NOT NULL DEFAULT 'none';
ALTER TABLE users ADD COLUMN waiting_license TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN waiting_since TIMESTAMPTZ;

-- Every license held so far was chosen directly.
UPDATE users SET direct_license = license, direct_since = updated_at WHERE license <> 'none';

-- Few users wait for a seat or hold a custom profile: index only those.
CREATE INDEX users_org_waiting ON users (org_id, waiting_since, id) WHERE waiting_license <> '';
CREATE INDEX users_org_user_profile ON users (org_id, user_profile_id, id) WHERE user_profile_id <> '';

CREATE TABLE groups (
	id           TEXT COLLATE "C" PRIMARY KEY,
	org_id       TEXT COLLATE "C" NOT NULL REFERENCES orgs (id),
	name         TEXT NOT NULL,
	-- strings.ToLower of the name, computed in Go: names are unique ignoring case.
	name_key     TEXT COLLATE "C" NOT NULL,
	license      TEXT NOT NULL,
	member_count INTEGER NOT NULL,
	created_at   TIMESTAMPTZ NOT NULL,
	updated_at   TIMESTAMPTZ NOT NULL,
	version      BIGINT NOT NULL
);
CREATE UNIQUE INDEX groups_org_name ON groups (org_id, name_key);

-- A group's members page by user id; a user's groups by group id.
CREATE TABLE group_members (
	group_id TEXT COLLATE "C" NOT NULL,
	user_id  TEXT COLLATE "C" NOT NULL,
	org_id   TEXT COLLATE "C" NOT NULL,
	license  TEXT NOT NULL,
	since    TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id, group_id);

CREATE TABLE user_profiles (
	id           TEXT COLLATE "C" PRIMARY KEY,
	org_id       TEXT COLLATE "C" NOT NULL REFERENCES orgs (id),
	name         TEXT NOT NULL,
	name_key     TEXT COLLATE "C" NOT NULL,
	profile_type TEXT NOT NULL,
	created_at   TIMESTAMPTZ NOT NULL,
	updated_at   TIMESTAMPTZ NOT NULL,
	version      BIGINT NOT NULL
);
CREATE UNIQUE INDEX user_profiles_org_name ON user_profiles (org_id, name_key);
