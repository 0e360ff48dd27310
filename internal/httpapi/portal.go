package httpapi

import (
	"time"

	"roster"
	"roster/internal/provision"
)

// Site is a contact-center site as the API shows it.
type Site struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"orgId"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Version   int64     `json:"version"`
}

// SiteList is the answer of GET /api/v1/orgs/{org}/contact-center/sites, by name.
type SiteList struct {
	Items []Site `json:"items"`
}

// NameInput is the body that creates or renames a site or a skill, agent or multimedia
// profile.
type NameInput struct {
	Name string `json:"name"`
}

// Team is a contact-center team, at one site.
type Team struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"orgId"`
	SiteID    string    `json:"siteId"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Version   int64     `json:"version"`
}

// TeamList is the answer of GET /api/v1/orgs/{org}/contact-center/teams, by name.
type TeamList struct {
	Items []Team `json:"items"`
}

// TeamInput is the body of POST .../contact-center/teams (both fields required) and PATCH
// .../teams/{id} (absent fields stay as they are; null is refused).
type TeamInput struct {
	Name   Optional[string] `json:"name,omitzero"`
	SiteID Optional[string] `json:"siteId,omitzero"`
}

// PortalProfile is a skill, agent or multimedia profile.
type PortalProfile struct {
	ID        string                   `json:"id"`
	OrgID     string                   `json:"orgId"`
	Kind      roster.PortalProfileKind `json:"kind"`
	Name      string                   `json:"name"`
	CreatedAt time.Time                `json:"createdAt"`
	UpdatedAt time.Time                `json:"updatedAt"`
	Version   int64                    `json:"version"`
}

// PortalProfileList is the answer of GET .../contact-center/skill-profiles (and
// agent-profiles, multimedia-profiles), by name.
type PortalProfileList struct {
	Items []PortalProfile `json:"items"`
}

func siteJSON(s *roster.Site) Site {
	return Site{ID: s.ID, OrgID: s.OrgID, Name: s.Name, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(), Version: s.Version}
}

func teamJSON(t *roster.Team) Team {
	return Team{ID: t.ID, OrgID: t.OrgID, SiteID: t.SiteID, Name: t.Name, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(), Version: t.Version}
}

func portalProfileJSON(p *roster.PortalProfile) PortalProfile {
	return PortalProfile{ID: p.ID, OrgID: p.OrgID, Kind: p.Kind, Name: p.Name, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), Version: p.Version}
}

// input converts the body into the application layer's input.
func (in TeamInput) input() (provision.TeamInput, error) {
	name, err := notNull("name", in.Name)
	if err != nil {
		return provision.TeamInput{}, err
	}
	site, err := notNull("siteId", in.SiteID)
	return provision.TeamInput{Name: name, SiteID: site}, err
}
