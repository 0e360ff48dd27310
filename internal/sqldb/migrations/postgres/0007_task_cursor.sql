-- A resume point for tasks that walk a list in key order (for example pending users by email),
-- where a row number does not say where to go on.
ALTER TABLE tasks ADD COLUMN cursor TEXT NOT NULL DEFAULT '';
