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
	for name, value := range map[string]string{"q": q.Q, "site": q.Site, "team": q.Team, "profileType": string(q.ProfileType)} {
		if value != "" {
			v.Set(name, value)
		}
	}
	for name, value := range map[string]*bool{"active": q.Active, "contactCenterEnabled": q.ContactCenterEnabled} {
		if value != nil {
			v.Set(name, strconv.FormatBool(*value))
		}
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

// Entities reads and writes the entities of one kind of an organization's contact center:
// sites, teams, skill, agent or multimedia profiles, or user profiles. J is the kind's JSON
// form. Every kind is served by the same five endpoints under its path segment.
type Entities[J any] struct {
	c    *Client
	path string
}

func entities[J any](c *Client, orgID, segment string) Entities[J] {
	return Entities[J]{c: c, path: ccClientPath(orgID) + "/" + segment}
}

// Sites are the sites of an organization.
func (c *Client) Sites(orgID string) Entities[Site] { return entities[Site](c, orgID, "sites") }

// Teams are the teams of an organization; List takes siteId to list the teams of one site.
func (c *Client) Teams(orgID string) Entities[Team] { return entities[Team](c, orgID, "teams") }

// PortalProfiles are the skill, agent or multimedia profiles of an organization.
func (c *Client) PortalProfiles(orgID string, kind roster.PortalProfileKind) Entities[PortalProfile] {
	return entities[PortalProfile](c, orgID, ProfileSegment(kind))
}

// UserProfiles are the user profiles of an organization: the built-in ones, then the custom
// ones.
func (c *Client) UserProfiles(orgID string) Entities[UserProfile] {
	return entities[UserProfile](c, orgID, "user-profiles")
}

// ProfileSegment is the path segment of the profiles of a kind: skill-profiles,
// agent-profiles, multimedia-profiles.
func ProfileSegment(kind roster.PortalProfileKind) string { return string(kind) + "-profiles" }

// List lists the entities, by name (user profiles: the built-in ones first); q filters them
// (teams: siteId).
func (e Entities[J]) List(ctx context.Context, q url.Values) ([]J, error) {
	var l struct {
		Items []J `json:"items"`
	}
	return l.Items, e.c.do(ctx, "GET", e.path, q, "", nil, &l)
}

// Get reads one entity; its Version is its ETag.
func (e Entities[J]) Get(ctx context.Context, id string) (*J, error) {
	var out J
	return &out, e.c.do(ctx, "GET", e.path+"/"+url.PathEscape(id), nil, "", nil, &out)
}

// Create creates an entity from body: a NameInput, a TeamInput or a NewUserProfile.
func (e Entities[J]) Create(ctx context.Context, body any) (*J, error) {
	var out J
	return &out, e.c.do(ctx, "POST", e.path, nil, "", body, &out)
}

// Update changes an entity as body says: a NameInput, a TeamInput or a UserProfilePatch.
func (e Entities[J]) Update(ctx context.Context, id string, body any, ifMatch string) (*J, error) {
	var out J
	return &out, e.c.do(ctx, "PATCH", e.path+"/"+url.PathEscape(id), nil, ifMatch, body, &out)
}

// Delete deletes an entity.
func (e Entities[J]) Delete(ctx context.Context, id, ifMatch string) error {
	return e.c.do(ctx, "DELETE", e.path+"/"+url.PathEscape(id), nil, ifMatch, nil, nil)
}
