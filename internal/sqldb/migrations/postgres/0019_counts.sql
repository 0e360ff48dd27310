-- Counters of an organization's users by status, sync status and license, with whether the
-- license is the user's own (direct) or its template's, and of its active agents by profile
-- type, kept by triggers in the transaction of every change, so that Service Details, the
-- console's overview, license usage and the user list's totals read a few rows instead of
-- counting a million (docs/adr/0008-counters-kept-by-triggers.md).
--
-- On PostgreSQL a change appends its net deltas, one row per statement and key, instead of
-- updating one row per key: concurrent writers of an organization (an import's chunk, the sync
-- engine of several nodes) would otherwise queue on, and deadlock over, the same counter rows.
-- A count is the sum of its rows; the retention sweeper folds them into one row a key every
-- minute. The functions keep the search_path of the migration, so that a change made by hand
-- in a session with another search_path still finds the counters of Roster's schema.

-- The columns may hold NULL as on SQLite, where a NOT NULL would cost (0019 there); the
-- triggers write none.
CREATE TABLE user_counts (
    org_id      TEXT,
    status      TEXT,
    sync_status TEXT,
    license     TEXT,
    direct      BOOLEAN, -- direct_license = license
    template    BOOLEAN, -- template_license = license
    n           BIGINT
);
CREATE INDEX user_counts_org ON user_counts (org_id);

INSERT INTO user_counts (org_id, status, sync_status, license, direct, template, n)
    SELECT org_id, status, sync_status, license, direct_license = license, template_license = license, COUNT(*)
    FROM users GROUP BY 1, 2, 3, 4, 5, 6;

CREATE FUNCTION count_users() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO user_counts (org_id, status, sync_status, license, direct, template, n)
            SELECT org_id, status, sync_status, license, direct_license = license, template_license = license, COUNT(*)
            FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO user_counts (org_id, status, sync_status, license, direct, template, n)
            SELECT org_id, status, sync_status, license, direct_license = license, template_license = license, -COUNT(*)
            FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6;
    ELSE
        INSERT INTO user_counts (org_id, status, sync_status, license, direct, template, n)
            SELECT org_id, status, sync_status, license, direct, template, SUM(n) FROM (
                SELECT org_id, status, sync_status, license, direct_license = license AS direct,
                    template_license = license AS template, 1 AS n FROM new_rows
                UNION ALL
                SELECT org_id, status, sync_status, license, direct_license = license,
                    template_license = license, -1 FROM old_rows) AS d
            GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(n) <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER user_counts_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_users();
CREATE TRIGGER user_counts_update AFTER UPDATE ON users
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_users();
CREATE TRIGGER user_counts_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION count_users();

CREATE TABLE agent_counts (
    org_id       TEXT,
    profile_type TEXT,
    n            BIGINT
);
CREATE INDEX agent_counts_org ON agent_counts (org_id);

INSERT INTO agent_counts (org_id, profile_type, n)
    SELECT org_id, profile_type, COUNT(*) FROM agents WHERE active GROUP BY org_id, profile_type;

CREATE FUNCTION count_agents() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO agent_counts (org_id, profile_type, n)
            SELECT org_id, profile_type, COUNT(*) FROM new_rows WHERE active
            GROUP BY org_id, profile_type;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO agent_counts (org_id, profile_type, n)
            SELECT org_id, profile_type, -COUNT(*) FROM old_rows WHERE active
            GROUP BY org_id, profile_type;
    ELSE
        INSERT INTO agent_counts (org_id, profile_type, n)
            SELECT org_id, profile_type, SUM(n) FROM (
                SELECT org_id, profile_type, 1 AS n FROM new_rows WHERE active
                UNION ALL
                SELECT org_id, profile_type, -1 FROM old_rows WHERE active) AS d
            GROUP BY org_id, profile_type HAVING SUM(n) <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER agent_counts_insert AFTER INSERT ON agents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_agents();
CREATE TRIGGER agent_counts_update AFTER UPDATE ON agents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_agents();
CREATE TRIGGER agent_counts_delete AFTER DELETE ON agents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION count_agents();
