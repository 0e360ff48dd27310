package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"roster"
	"roster/internal/provision"
)

// Agent is the contact-center agent of a user. The directory's fields (email, names, profile
// type, user profile, active) are read-only here; sync keeps them. An empty id means none.
type Agent struct {
	UserID        string             `json:"userId"`
	OrgID         string             `json:"orgId"`
	Email         string             `json:"email"`
	FirstName     string             `json:"firstName"`
	LastName      string             `json:"lastName"`
	ProfileType   roster.ProfileType `json:"profileType"`
	UserProfileID string             `json:"userProfileId"`
	Active        bool               `json:"active"`

	ContactCenterEnabled bool      `json:"contactCenterEnabled"`
	SiteID               string    `json:"siteId"`
	TeamIDs              []string  `json:"teamIds"`
	SkillProfileID       string    `json:"skillProfileId"`
	AgentProfileID       string    `json:"agentProfileId"`
	MultimediaProfileID  string    `json:"multimediaProfileId"`
	ExternalID           string    `json:"externalId"`
	DefaultDialNumber    string    `json:"defaultDialNumber"`
	CreatedAt            time.Time `json:"createdAt"`
	UpdatedAt            time.Time `json:"updatedAt"`
	Version              int64     `json:"version"`
}

// AgentList is one page of GET /api/v1/orgs/{org}/contact-center/agents, by email.
type AgentList struct {
	Items []Agent `json:"items"`
	// NextCursor, passed as the cursor parameter, reads the next page; nil on the last page.
	NextCursor *string `json:"nextCursor"`
}

// AgentQuery filters and pages the agents; empty fields are not sent.
type AgentQuery struct {
	Q                    string // prefix of the email
	Site                 string // id of a site
	Team                 string // id of a team
	ProfileType          roster.ProfileType
	Active               *bool
	ContactCenterEnabled *bool
	Limit                int
	Cursor               string
}

// AgentPatch is the body of PATCH .../contact-center/agents/{id}, a JSON merge patch of the
// agent-side fields. Null clears an id or a text (and teamIds), and sets contactCenterEnabled
// to false. Changing siteId without teamIds takes the agent out of the teams of other sites.
type AgentPatch struct {
	ContactCenterEnabled Optional[bool]     `json:"contactCenterEnabled,omitzero"`
	SiteID               Optional[string]   `json:"siteId,omitzero"`
	TeamIDs              Optional[[]string] `json:"teamIds,omitzero"`
	SkillProfileID       Optional[string]   `json:"skillProfileId,omitzero"`
	AgentProfileID       Optional[string]   `json:"agentProfileId,omitzero"`
	MultimediaProfileID  Optional[string]   `json:"multimediaProfileId,omitzero"`
	ExternalID           Optional[string]   `json:"externalId,omitzero"`
	DefaultDialNumber    Optional[string]   `json:"defaultDialNumber,omitzero"`
}

// ServiceDetails answers GET /api/v1/orgs/{org}/contact-center: the platform, the connector
// sync pushes to, the active agents per profile type and the users per sync status.
type ServiceDetails struct {
	Platform  roster.Platform `json:"platform"`
	Connector string          `json:"connector"`
	Agents    AgentCounts     `json:"agents"`
	Users     SyncCounts      `json:"users"`
	// Remote is what the contact center behind a remote connector said it supports; null
	// with the builtin connector, and until the remote was asked.
	Remote *RemoteSupport `json:"remote"`
}

// RemoteSupport is what the contact center behind a remote connector (scim) said it supports,
// asked at start and again after a failed push.
type RemoteSupport struct {
	CheckedAt       time.Time `json:"checkedAt"`
	Reachable       bool      `json:"reachable"`
	Patch           bool      `json:"patch"`
	ETags           bool      `json:"etags"`
	Schemas         []string  `json:"schemas"`
	Extension       string    `json:"extension"`
	ExtensionListed bool      `json:"extensionListed"`
	// Problem says what is wrong, in a sentence; absent when nothing is.
	Problem string `json:"problem,omitempty"`
}

// AgentCounts counts agents per profile type.
type AgentCounts struct {
	StandardAgent     int `json:"standard_agent"`
	PremiumAgent      int `json:"premium_agent"`
	Supervisor        int `json:"supervisor"`
	Administrator     int `json:"administrator"`
	AdministratorOnly int `json:"administrator_only"`
}

// SyncCounts counts users per sync status.
type SyncCounts struct {
	None    int `json:"none"`
	Pending int `json:"pending"`
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
}

// SyncError says why a user's contact-center side is not in sync yet: the last failed
// delivery.
type SyncError struct {
	Message       string    `json:"message"`
	LastAttemptAt time.Time `json:"lastAttemptAt"`
	Attempts      int       `json:"attempts"`
	// Failed is true once the retries are exhausted or the contact center refused: the user
	// waits for the next synchronize.
	Failed bool `json:"failed"`
}

func agentJSON(ag *roster.Agent) Agent {
	teams := ag.TeamIDs
	if teams == nil {
		teams = []string{}
	}
	return Agent{UserID: ag.UserID, OrgID: ag.OrgID, Email: ag.Email, FirstName: ag.FirstName, LastName: ag.LastName,
		ProfileType: ag.ProfileType, UserProfileID: ag.UserProfileID, Active: ag.Active,
		ContactCenterEnabled: ag.ContactCenterEnabled, SiteID: ag.SiteID, TeamIDs: teams, SkillProfileID: ag.SkillProfileID,
		AgentProfileID: ag.AgentProfileID, MultimediaProfileID: ag.MultimediaProfileID, ExternalID: ag.ExternalID,
		DefaultDialNumber: ag.DefaultDialNumber, CreatedAt: ag.CreatedAt.UTC(), UpdatedAt: ag.UpdatedAt.UTC(), Version: ag.Version}
}

func (p AgentPatch) change() provision.AgentChange {
	return provision.AgentChange{
		ContactCenterEnabled: orNull(p.ContactCenterEnabled, false), SiteID: orNull(p.SiteID, ""),
		TeamIDs: orNull(p.TeamIDs, []string{}), SkillProfileID: orNull(p.SkillProfileID, ""),
		AgentProfileID: orNull(p.AgentProfileID, ""), MultimediaProfileID: orNull(p.MultimediaProfileID, ""),
		ExternalID: orNull(p.ExternalID, ""), DefaultDialNumber: orNull(p.DefaultDialNumber, ""),
	}
}

func (api *API) listAgents(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	filters := []string{"q", "site", "team", "profileType", "active", "contactCenterEnabled"}
	q, err := query(r, append(filters, "limit", "cursor")...)
	if err != nil {
		return err
	}
	f := roster.AgentFilter{OrgID: r.PathValue("org"), Query: q.Get("q"), SiteID: q.Get("site"), TeamID: q.Get("team"),
		ProfileType: roster.ProfileType(q.Get("profileType"))}
	if f.Active, err = boolParam(q, "active"); err != nil {
		return err
	}
	if f.ContactCenterEnabled, err = boolParam(q, "contactCenterEnabled"); err != nil {
		return err
	}
	if f.Limit, err = limitParam(q); err != nil {
		return err
	}
	// The cursor is bound to the filters as they were sent: the same page position under other
	// filters would be another list's.
	values := make([]string, len(filters))
	for i, name := range filters {
		values[i] = q.Get(name)
	}
	list := cursorAgents.scoped(values...)
	if f.After, err = decodeCursor(q, list); err != nil {
		return err
	}
	page, err := api.svc.Agents(r.Context(), a, f)
	if err != nil {
		return err
	}
	out := AgentList{Items: make([]Agent, len(page.Agents)), NextCursor: encodeCursor(list, page.Next)}
	for i, ag := range page.Agents {
		out.Items[i] = agentJSON(ag)
	}
	return ok(w, http.StatusOK, out)
}

func (api *API) getAgent(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	ag, err := api.svc.Agent(r.Context(), a, r.PathValue("org"), r.PathValue("id"))
	if err != nil {
		return err
	}
	setETag(w, ag.Version)
	return ok(w, http.StatusOK, agentJSON(ag))
}

func (api *API) patchAgent(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	var p AgentPatch
	if err := decodeJSON(w, r, &p); err != nil {
		return err
	}
	ag, err := api.svc.UpdateAgent(r.Context(), a, r.PathValue("org"), r.PathValue("id"), p.change(), pre.expect())
	if err != nil {
		return pre.result(err)
	}
	setETag(w, ag.Version)
	return ok(w, http.StatusOK, agentJSON(ag))
}

// exportAgents streams the agent update template, like exportUsers streams the users file.
func (api *API) exportAgents(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	orgID := r.PathValue("org")
	org, err := api.svc.Org(r.Context(), a, orgID)
	if err != nil {
		return err
	}
	lw := &lazyWriter{w: w, header: func(h http.Header) {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="agents-`+strings.TrimPrefix(exportFilename(org, time.Now()), "users-")+`"`)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
	}}
	err = api.svc.ExportAgents(r.Context(), a, orgID, lw)
	if err == nil || !lw.started {
		return err
	}
	if !errors.Is(err, context.Canceled) || r.Context().Err() == nil {
		api.log.ErrorContext(r.Context(), "agent export aborted after the response started",
			"requestId", requestID(r), "org", orgID, "err", err)
	}
	panic(http.ErrAbortHandler)
}

// uploadAgents takes an agent file as multipart/form-data (file, dryRun) and answers 202 with
// the queued task.
func (api *API) uploadAgents(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	// Nothing of the upload is read before the token may upload to this organization.
	if err := api.svc.AuthorizeAgentUpload(r.Context(), a, r.PathValue("org")); err != nil {
		return err
	}
	form, err := api.parseUpload(w, r, "Send the file as multipart/form-data, with the fields file and dryRun (true or false).", "file", "dryRun")
	if err != nil {
		return err
	}
	defer form.close()
	t, err := api.svc.StartAgentUpload(r.Context(), a, r.PathValue("org"),
		provision.AgentUploadRequest{DryRun: form.dryRun, FileName: form.name, File: form.file})
	if err != nil {
		return err
	}
	return acceptedTask(w, t)
}

func (api *API) getContactCenter(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	d, err := api.svc.ContactCenter(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return err
	}
	ag, u := d.Agents, d.Users
	var remote *RemoteSupport
	if r := d.Remote; r != nil {
		remote = &RemoteSupport{CheckedAt: r.CheckedAt, Reachable: r.Reachable, Patch: r.Patch, ETags: r.ETags,
			Schemas: r.Schemas, Extension: r.Extension, ExtensionListed: r.ExtensionListed, Problem: r.Problem}
		if remote.Schemas == nil {
			remote.Schemas = []string{}
		}
	}
	return ok(w, http.StatusOK, ServiceDetails{Platform: d.Platform, Connector: d.Connector, Remote: remote,
		Agents: AgentCounts{StandardAgent: ag[roster.ProfileStandardAgent], PremiumAgent: ag[roster.ProfilePremiumAgent],
			Supervisor: ag[roster.ProfileSupervisor], Administrator: ag[roster.ProfileAdministrator],
			AdministratorOnly: ag[roster.ProfileAdministratorOnly]},
		Users: SyncCounts{None: u[roster.SyncNone], Pending: u[roster.SyncPending], Valid: u[roster.SyncValid], Invalid: u[roster.SyncInvalid]}})
}

func (api *API) synchronize(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	t, err := api.svc.StartSynchronize(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return err
	}
	return acceptedTask(w, t)
}

// syncErrorJSON reads why a user is not in sync: null when nothing failed.
func (api *API) syncErrorJSON(ctx context.Context, a roster.Actor, u *roster.User) (Optional[SyncError], error) {
	j, err := api.svc.SyncState(ctx, a, u.OrgID, u.ID)
	if err != nil {
		return Optional[SyncError]{}, err
	}
	if j == nil || j.Attempts == 0 && !j.Failed {
		return Null[SyncError](), nil
	}
	return Some(SyncError{Message: j.LastError, LastAttemptAt: j.LastAttemptAt.UTC(), Attempts: j.Attempts, Failed: j.Failed}), nil
}
