-- The agents list filters by site, profile type, active and contact-center enabled, a page at
-- a time by email. Walking (org_id, email) and skipping the rows that do not match reads the
-- whole organization for a filter few agents pass; each of these indexes hands out exactly the
-- matching agents in email order, so a filtered page reads its rows and no more and the keyset
-- (email > cursor) starts where the last page ended.
CREATE INDEX agents_org_site_email ON agents (org_id, site_id, email);
CREATE INDEX agents_org_profile_email ON agents (org_id, profile_type, email);
CREATE INDEX agents_org_active_email ON agents (org_id, active, email);
CREATE INDEX agents_org_enabled_email ON agents (org_id, contact_center_enabled, email);
