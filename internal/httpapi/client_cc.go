package httpapi

import (
	"context"
	"io"
	"net/url"
	"strconv"

	"roster"
)

func ccClientPath(orgID string) string { return orgPath(orgID) + "/contact-center" }

// ContactCenter reads the Service Details of an organization.
func (c *Client) ContactCenter(ctx context.Context, orgID string) (*ServiceDetails, error) {
	var d ServiceDetails
	return &d, c.do(ctx, "GET", ccClientPath(orgID), nil, "", nil, &d)
}

// Synchronize queues Synchronize Users and returns its task.
func (c *Client) Synchronize(ctx context.Context, orgID string) (*Task, error) {
	var t Task
	return &t, c.do(ctx, "POST", ccClientPath(orgID)+"/synchronize", nil, "", nil, &t)
}

// Agents reads one page of an organization's agents.
func (c *Client) Agents(ctx context.Context, orgID string, q AgentQuery) (*AgentList, error) {
	v := pageValues(q.Limit, q.Cursor)
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	var l AgentList
	return &l, c.do(ctx, "GET", ccClientPath(orgID)+"/agents", v, "", nil, &l)
}

// Agent reads the agent of a user; its Version is its ETag.
func (c *Client) Agent(ctx context.Context, orgID, userID string) (*Agent, error) {
	var a Agent
	return &a, c.do(ctx, "GET", ccClientPath(orgID)+"/agents/"+url.PathEscape(userID), nil, "", nil, &a)
}

// UpdateAgent changes the agent-side fields of an agent.
func (c *Client) UpdateAgent(ctx context.Context, orgID, userID string, p AgentPatch, ifMatch string) (*Agent, error) {
	var a Agent
	return &a, c.do(ctx, "PATCH", ccClientPath(orgID)+"/agents/"+url.PathEscape(userID), nil, ifMatch, p, &a)
}

// ExportAgents downloads the agent update template of an organization into w, as it comes.
func (c *Client) ExportAgents(ctx context.Context, orgID string, w io.Writer) error {
	return c.do(ctx, "GET", ccClientPath(orgID)+"/agents.csv", nil, "", nil, w)
}

// AgentUpload is an agent file to upload.
type AgentUpload struct {
	DryRun   bool
	FileName string
	File     io.Reader
}

// UploadAgents uploads an agent file, streamed, and returns the queued task.
func (c *Client) UploadAgents(ctx context.Context, orgID string, in AgentUpload) (*Task, error) {
	return c.uploadFile(ctx, ccClientPath(orgID)+"/agents/upload", [][2]string{{"dryRun", strconv.FormatBool(in.DryRun)}}, in.FileName, in.File)
}

// Sites lists the sites of an organization.
func (c *Client) Sites(ctx context.Context, orgID string) ([]Site, error) {
	var l SiteList
	return l.Items, c.do(ctx, "GET", ccClientPath(orgID)+"/sites", nil, "", nil, &l)
}

// CreateSite creates a site.
func (c *Client) CreateSite(ctx context.Context, orgID, name string) (*Site, error) {
	var s Site
	return &s, c.do(ctx, "POST", ccClientPath(orgID)+"/sites", nil, "", NameInput{Name: name}, &s)
}

// RenameSite renames a site.
func (c *Client) RenameSite(ctx context.Context, orgID, id, name, ifMatch string) (*Site, error) {
	var s Site
	return &s, c.do(ctx, "PATCH", ccClientPath(orgID)+"/sites/"+url.PathEscape(id), nil, ifMatch, NameInput{Name: name}, &s)
}

// DeleteSite deletes a site.
func (c *Client) DeleteSite(ctx context.Context, orgID, id, ifMatch string) error {
	return c.do(ctx, "DELETE", ccClientPath(orgID)+"/sites/"+url.PathEscape(id), nil, ifMatch, nil, nil)
}

// Teams lists the teams of an organization, of one site when siteID is not "".
func (c *Client) Teams(ctx context.Context, orgID, siteID string) ([]Team, error) {
	v := url.Values{}
	if siteID != "" {
		v.Set("siteId", siteID)
	}
	var l TeamList
	return l.Items, c.do(ctx, "GET", ccClientPath(orgID)+"/teams", v, "", nil, &l)
}

// CreateTeam creates a team at a site.
func (c *Client) CreateTeam(ctx context.Context, orgID string, in TeamInput) (*Team, error) {
	var t Team
	return &t, c.do(ctx, "POST", ccClientPath(orgID)+"/teams", nil, "", in, &t)
}

// UpdateTeam renames a team or moves it to another site.
func (c *Client) UpdateTeam(ctx context.Context, orgID, id string, in TeamInput, ifMatch string) (*Team, error) {
	var t Team
	return &t, c.do(ctx, "PATCH", ccClientPath(orgID)+"/teams/"+url.PathEscape(id), nil, ifMatch, in, &t)
}

// DeleteTeam deletes a team.
func (c *Client) DeleteTeam(ctx context.Context, orgID, id, ifMatch string) error {
	return c.do(ctx, "DELETE", ccClientPath(orgID)+"/teams/"+url.PathEscape(id), nil, ifMatch, nil, nil)
}

// ProfileSegment is the path segment of the profiles of a kind: skill-profiles,
// agent-profiles, multimedia-profiles.
func ProfileSegment(kind roster.PortalProfileKind) string { return string(kind) + "-profiles" }

// PortalProfiles lists the skill, agent or multimedia profiles of an organization.
func (c *Client) PortalProfiles(ctx context.Context, orgID string, kind roster.PortalProfileKind) ([]PortalProfile, error) {
	var l PortalProfileList
	return l.Items, c.do(ctx, "GET", ccClientPath(orgID)+"/"+ProfileSegment(kind), nil, "", nil, &l)
}

// CreatePortalProfile creates a profile of a kind.
func (c *Client) CreatePortalProfile(ctx context.Context, orgID string, kind roster.PortalProfileKind, name string) (*PortalProfile, error) {
	var p PortalProfile
	return &p, c.do(ctx, "POST", ccClientPath(orgID)+"/"+ProfileSegment(kind), nil, "", NameInput{Name: name}, &p)
}

// RenamePortalProfile renames a profile of a kind.
func (c *Client) RenamePortalProfile(ctx context.Context, orgID string, kind roster.PortalProfileKind, id, name, ifMatch string) (*PortalProfile, error) {
	var p PortalProfile
	return &p, c.do(ctx, "PATCH", ccClientPath(orgID)+"/"+ProfileSegment(kind)+"/"+url.PathEscape(id), nil, ifMatch, NameInput{Name: name}, &p)
}

// DeletePortalProfile deletes a profile of a kind.
func (c *Client) DeletePortalProfile(ctx context.Context, orgID string, kind roster.PortalProfileKind, id, ifMatch string) error {
	return c.do(ctx, "DELETE", ccClientPath(orgID)+"/"+ProfileSegment(kind)+"/"+url.PathEscape(id), nil, ifMatch, nil, nil)
}
