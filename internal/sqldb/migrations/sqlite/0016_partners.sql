-- A partner organization manages the customer organizations that name it: its administrators
-- open them from the console's organization switcher. NULL: the organization has no partner.
ALTER TABLE orgs ADD COLUMN partner_org_id TEXT REFERENCES orgs (id);
CREATE INDEX orgs_partner ON orgs (partner_org_id, name, id) WHERE partner_org_id IS NOT NULL;
