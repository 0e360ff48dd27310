-- Synchronize Users looks for agents whose user is gone by walking the organization's agents
-- and probing the users' primary key. Walked in user id order, the probes follow that key
-- instead of jumping across it: 100,000 agents in 40 ms instead of 220 ms (sqlite3 shell).
CREATE INDEX agents_org_user ON agents (org_id, user_id);
