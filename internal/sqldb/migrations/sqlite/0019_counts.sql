-- Counters of an organization's users by status, sync status and license, with whether the
-- license is the user's own (direct) or its template's, and of its active agents by profile
-- type, kept by triggers in the transaction of every change, so that Service Details, the
-- console's overview, license usage and the user list's totals read a few rows instead of
-- counting a million (docs/adr/0008-counters-kept-by-triggers.md).
--
-- The triggers run inside the statement that changed the row. A statement that fires a
-- trigger and may abort half-way keeps a statement journal, which the writer holds in memory
-- (temp_store, dialect.go): in a file it tripled the cost of writing a user. So that the
-- statements of several rows (sync statuses, agents) need none, nothing in the counters'
-- tables can make a trigger abort: no NOT NULL and no primary key, only a unique index for the
-- upsert (the triggers write no NULL). With a WITHOUT ROWID table of NOT NULL columns,
-- synchronizing 100,000 agents took 39 s instead of 8.

CREATE TABLE user_counts (
    org_id      TEXT,
    status      TEXT,
    sync_status TEXT,
    license     TEXT,
    direct      BOOLEAN, -- direct_license = license
    template    BOOLEAN, -- template_license = license
    n           INTEGER
);
CREATE UNIQUE INDEX user_counts_key ON user_counts (org_id, status, sync_status, license, direct, template);

INSERT INTO user_counts (org_id, status, sync_status, license, direct, template, n)
    SELECT org_id, status, sync_status, license, direct_license = license, template_license = license, COUNT(*)
    FROM users GROUP BY 1, 2, 3, 4, 5, 6;

-- Users inserted are counted by the store's CreateUsers, which knows each row it inserts: a
-- trigger on insert, on a table with a foreign key, gives every insert a statement journal
-- (1.5 s of an import of 100,000 users).

CREATE TRIGGER user_counts_update
AFTER UPDATE OF org_id, status, sync_status, license, direct_license, template_license ON users
WHEN old.org_id <> new.org_id OR old.status <> new.status OR old.sync_status <> new.sync_status
    OR old.license <> new.license OR old.direct_license <> new.direct_license
    OR old.template_license <> new.template_license
BEGIN
    UPDATE user_counts SET n = n - 1 WHERE org_id = old.org_id AND status = old.status
        AND sync_status = old.sync_status AND license = old.license
        AND direct = (old.direct_license = old.license) AND template = (old.template_license = old.license);
    INSERT INTO user_counts (org_id, status, sync_status, license, direct, template, n)
        VALUES (new.org_id, new.status, new.sync_status, new.license,
            new.direct_license = new.license, new.template_license = new.license, 1)
        ON CONFLICT (org_id, status, sync_status, license, direct, template) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER user_counts_delete AFTER DELETE ON users BEGIN
    UPDATE user_counts SET n = n - 1 WHERE org_id = old.org_id AND status = old.status
        AND sync_status = old.sync_status AND license = old.license
        AND direct = (old.direct_license = old.license) AND template = (old.template_license = old.license);
END;

CREATE TABLE agent_counts (
    org_id       TEXT,
    profile_type TEXT,
    n            INTEGER
);
CREATE UNIQUE INDEX agent_counts_key ON agent_counts (org_id, profile_type);

INSERT INTO agent_counts (org_id, profile_type, n)
    SELECT org_id, profile_type, COUNT(*) FROM agents WHERE active GROUP BY org_id, profile_type;

CREATE TRIGGER agent_counts_insert AFTER INSERT ON agents WHEN new.active BEGIN
    INSERT INTO agent_counts (org_id, profile_type, n) VALUES (new.org_id, new.profile_type, 1)
        ON CONFLICT (org_id, profile_type) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER agent_counts_update AFTER UPDATE OF org_id, profile_type, active ON agents
WHEN old.org_id <> new.org_id OR old.profile_type <> new.profile_type OR old.active <> new.active
BEGIN
    UPDATE agent_counts SET n = n - 1
        WHERE old.active AND org_id = old.org_id AND profile_type = old.profile_type;
    INSERT INTO agent_counts (org_id, profile_type, n)
        SELECT new.org_id, new.profile_type, 1 WHERE new.active
        ON CONFLICT (org_id, profile_type) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER agent_counts_delete AFTER DELETE ON agents WHEN old.active BEGIN
    UPDATE agent_counts SET n = n - 1 WHERE org_id = old.org_id AND profile_type = old.profile_type;
END;
