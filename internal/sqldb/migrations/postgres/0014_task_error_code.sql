-- Why a task failed, as a code and its parameters, so that each reader sees the reason in their
-- own language; the error column keeps the English message for the API and old rows.
ALTER TABLE tasks ADD COLUMN error_code TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN error_params JSONB;
