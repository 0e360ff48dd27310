-- The users of an organization in creation order (ids are time-ordered), for the export: it
-- reads only the organization's own rows, whatever else the installation holds, and the
-- planner needs no statistics to choose it. New ids are the largest of their organization, so
-- every insert appends at the end of its organization's range.
CREATE INDEX users_org_id ON users (org_id, id);
