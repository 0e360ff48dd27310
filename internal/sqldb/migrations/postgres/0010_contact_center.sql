-- The contact center (SPEC §3): portal entities, agents, and the sync queue that feeds them.

CREATE TABLE sites (
	id         TEXT COLLATE "C" PRIMARY KEY,
	org_id     TEXT COLLATE "C" NOT NULL REFERENCES orgs (id),
	name       TEXT NOT NULL,
	name_key   TEXT COLLATE "C" NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	version    BIGINT NOT NULL
);
CREATE UNIQUE INDEX sites_org_name ON sites (org_id, name_key);

CREATE TABLE teams (
	id         TEXT COLLATE "C" PRIMARY KEY,
	org_id     TEXT COLLATE "C" NOT NULL REFERENCES orgs (id),
	site_id    TEXT COLLATE "C" NOT NULL REFERENCES sites (id),
	name       TEXT NOT NULL,
	name_key   TEXT COLLATE "C" NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	version    BIGINT NOT NULL
);
CREATE UNIQUE INDEX teams_org_name ON teams (org_id, name_key);
CREATE INDEX teams_site ON teams (site_id);

-- Skill, agent and multimedia profiles: one table, names unique per kind.
CREATE TABLE portal_profiles (
	id         TEXT COLLATE "C" PRIMARY KEY,
	org_id     TEXT COLLATE "C" NOT NULL REFERENCES orgs (id),
	kind       TEXT NOT NULL,
	name       TEXT NOT NULL,
	name_key   TEXT COLLATE "C" NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	version    BIGINT NOT NULL
);
CREATE UNIQUE INDEX portal_profiles_org_kind_name ON portal_profiles (org_id, kind, name_key);

-- One agent per user that needs one; keyed by the user. '' for no site or profile.
CREATE TABLE agents (
	user_id                TEXT COLLATE "C" PRIMARY KEY,
	org_id                 TEXT COLLATE "C" NOT NULL,
	email                  TEXT COLLATE "C" NOT NULL,
	first_name             TEXT NOT NULL,
	last_name              TEXT NOT NULL,
	profile_type           TEXT NOT NULL,
	user_profile_id        TEXT COLLATE "C" NOT NULL,
	active                 BOOLEAN NOT NULL,
	contact_center_enabled BOOLEAN NOT NULL,
	site_id                TEXT COLLATE "C" NOT NULL,
	skill_profile_id       TEXT COLLATE "C" NOT NULL,
	agent_profile_id       TEXT COLLATE "C" NOT NULL,
	multimedia_profile_id  TEXT COLLATE "C" NOT NULL,
	external_id            TEXT NOT NULL,
	default_dial_number    TEXT NOT NULL,
	created_at             TIMESTAMPTZ NOT NULL,
	updated_at             TIMESTAMPTZ NOT NULL,
	version                BIGINT NOT NULL
);
CREATE INDEX agents_org_email ON agents (org_id, email);
-- Service Details counts the active agents by profile type from this index alone (SQLite reads
-- the condition's column from the index too, hence active among the columns).
CREATE INDEX agents_org_active_profile ON agents (org_id, profile_type, active) WHERE active;
-- An entity in use cannot be deleted: these find its agents.
CREATE INDEX agents_site ON agents (site_id) WHERE site_id <> '';
CREATE INDEX agents_skill_profile ON agents (skill_profile_id) WHERE skill_profile_id <> '';
CREATE INDEX agents_agent_profile ON agents (agent_profile_id) WHERE agent_profile_id <> '';
CREATE INDEX agents_multimedia_profile ON agents (multimedia_profile_id) WHERE multimedia_profile_id <> '';

CREATE TABLE agent_teams (
	user_id TEXT COLLATE "C" NOT NULL,
	team_id TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (user_id, team_id)
);
CREATE INDEX agent_teams_team ON agent_teams (team_id);

-- At most one job per user: changes made while it waits raise its generation and are
-- delivered together, as the user's state at delivery (SyncJob).
CREATE TABLE sync_jobs (
	user_id         TEXT COLLATE "C" PRIMARY KEY,
	org_id          TEXT COLLATE "C" NOT NULL,
	generation      BIGINT NOT NULL,
	due_at          TIMESTAMPTZ NOT NULL,
	attempts        INTEGER NOT NULL,
	failed          BOOLEAN NOT NULL,
	last_error      TEXT NOT NULL,
	last_attempt_at TIMESTAMPTZ,
	lease_owner     TEXT NOT NULL,
	lease_until     TIMESTAMPTZ
);
-- Workers claim due jobs oldest first, in the order of this index, ties included (a bulk change
-- makes thousands due at one instant); failed ones wait for a synchronize.
CREATE INDEX sync_jobs_due ON sync_jobs (due_at, user_id) WHERE NOT failed;
