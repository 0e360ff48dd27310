package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"roster"
	"roster/internal/provision"
)

// The agents pages (CONSOLE.md §2.11): the list, filtered by site, team, profile type, active
// and contact-center enabled; an agent's page, which edits the agent-side fields; and the
// agent update template, downloaded and uploaded as a task. The names and the profile type
// come from the directory: the pages show them, with a link to the user.

func (c *Console) registerAgents(org, upload func(string, orgHandler)) {
	org("GET /contact-center/agents", c.agents)
	org("GET /contact-center/agents.csv", c.exportAgents)
	org("GET /contact-center/agents-upload", c.agentUploadForm)
	upload("POST /contact-center/agents-upload", c.startAgentUpload)
	org("GET /contact-center/agents/{user}", c.agent)
	org("POST /contact-center/agents/{user}", c.updateAgent)
}

// agentsPageSize is how many agents a page lists.
const agentsPageSize = 50

// agentsPage is the agents list with its filters.
type agentsPage struct {
	Agents       []*roster.Agent
	Next         string
	First        bool
	Filter       url.Values // the filters as the address has them
	Sites        []*roster.Site
	Teams        []*roster.Team
	SiteNames    map[string]string
	ProfileTypes []roster.ProfileType
}

// agentProfileTypes are the profile types of agents, in the order of SPEC §2.
var agentProfileTypes = []roster.ProfileType{roster.ProfileStandardAgent, roster.ProfilePremiumAgent,
	roster.ProfileSupervisor, roster.ProfileAdministrator, roster.ProfileAdministratorOnly}

func (c *Console) agents(w http.ResponseWriter, r *http.Request, q *request) {
	ctx := r.Context()
	v := r.URL.Query()
	f := roster.AgentFilter{OrgID: q.org.ID, Limit: agentsPageSize, After: v.Get("after"),
		SiteID: v.Get("site"), TeamID: v.Get("team"), ProfileType: roster.ProfileType(v.Get("profileType"))}
	f.Active, f.ContactCenterEnabled = yesOrNo(v.Get("active")), yesOrNo(v.Get("contactCenterEnabled"))
	page, err := c.svc.Agents(ctx, q.actor, f)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	data := agentsPage{Agents: page.Agents, Next: page.Next, First: f.After == "", Filter: v, ProfileTypes: agentProfileTypes}
	if data.Sites, data.Teams, err = c.sitesAndTeams(ctx, q, ""); err != nil {
		c.failed(w, r, err)
		return
	}
	data.SiteNames = map[string]string{}
	for _, s := range data.Sites {
		data.SiteNames[s.ID] = s.Name
	}
	p := q.page(q.t.Text("cc.agents_title"), "cc")
	p.Data = data
	c.render(w, r, http.StatusOK, "cc-agents", p)
}

// yesOrNo reads a filter that is true, false, or anything else for either.
func yesOrNo(s string) *bool {
	switch s {
	case "true", "false":
		b := s == "true"
		return &b
	}
	return nil
}

// exportAgents downloads the agent update template: every agent, with the names of its site,
// teams and profiles, as the upload reads it back.
func (c *Console) exportAgents(w http.ResponseWriter, r *http.Request, q *request) {
	// Nothing is written before the header row is: a refusal still gets its page.
	pw := &pendingWriter{w: w, start: func() {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="agents.csv"`)
	}}
	if err := c.svc.ExportAgents(r.Context(), q.actor, q.org.ID, pw); err != nil {
		if !pw.started {
			c.failed(w, r, err)
			return
		}
		c.log.ErrorContext(r.Context(), "export agents", "err", err, "requestId", r.Header.Get("X-Request-Id"))
	}
}

// agentUploadPage is the upload form of the agent update template, or, while an upload runs,
// the way to it.
type agentUploadPage struct {
	Active  *roster.Task
	DryRun  bool
	MaxMiB  int64
	MaxRows int
}

func (c *Console) agentUploadForm(w http.ResponseWriter, r *http.Request, q *request) {
	c.renderAgentUpload(w, r, q, http.StatusOK, false, nil)
}

func (c *Console) renderAgentUpload(w http.ResponseWriter, r *http.Request, q *request, status int, dryRun bool, ps problems) {
	active, err := c.svc.ActiveAgentUpload(r.Context(), q.actor, q.org.ID)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	lim := c.svc.ImportLimits().WithDefaults()
	p := q.page(q.t.Text("cc.upload.title"), "cc")
	p.Errors = ps
	p.Data = agentUploadPage{Active: active, DryRun: dryRun, MaxMiB: lim.MaxBytes >> 20, MaxRows: lim.MaxRows}
	c.render(w, r, status, "cc-agents-upload", p)
}

// startAgentUpload takes the upload form of the agent update template, read as the import's
// is, and opens the page of the task, which reports every row.
func (c *Console) startAgentUpload(w http.ResponseWriter, r *http.Request, q *request) {
	if err := c.svc.AuthorizeAgentUpload(r.Context(), q.actor, q.org.ID); err != nil {
		c.failed(w, r, err)
		return
	}
	up, refused := c.readUpload(w, r, q)
	dryRun := r.MultipartForm != nil && r.PostFormValue("dryRun") == "true"
	if refused != nil {
		c.renderAgentUpload(w, r, q, refused.status, dryRun, refused.problems)
		return
	}
	defer up.close()
	t, err := c.svc.StartAgentUpload(r.Context(), q.actor, q.org.ID,
		provision.AgentUploadRequest{DryRun: dryRun, FileName: up.name, File: up.file})
	if err != nil {
		if roster.ErrorCode(err) == roster.CodeImportInProgress {
			// The code's sentence speaks of user imports: this one of agent uploads.
			c.renderAgentUpload(w, r, q, http.StatusConflict, dryRun, problems{{Message: q.t.Text("cc.upload.running_hint")}})
			return
		}
		if refused := c.uploadRefused(q, err); refused != nil {
			c.renderAgentUpload(w, r, q, refused.status, dryRun, refused.problems)
			return
		}
		c.failed(w, r, err)
		return
	}
	http.Redirect(w, r, orgPath(q.org.ID, "/tasks/"+t.ID), http.StatusSeeOther)
}

// sitesAndTeams reads the organization's sites and its teams, those of one site when siteID
// is not "".
func (c *Console) sitesAndTeams(ctx context.Context, q *request, siteID string) ([]*roster.Site, []*roster.Team, error) {
	sites, err := c.svc.Sites(ctx, q.actor, q.org.ID)
	if err != nil {
		return nil, nil, err
	}
	teams, err := c.svc.Teams(ctx, q.actor, q.org.ID, siteID)
	return sites, teams, err
}

// agentPage is an agent's page and its form.
type agentPage struct {
	Agent    *roster.Agent
	Sites    []*roster.Site
	Teams    []*roster.Team // the teams of the agent's site
	InTeam   map[string]bool
	Profiles map[roster.PortalProfileKind][]*roster.PortalProfile
	Kinds    []roster.PortalProfileKind
}

func (c *Console) agent(w http.ResponseWriter, r *http.Request, q *request) {
	c.renderAgent(w, r, q, http.StatusOK, nil)
}

func (c *Console) renderAgent(w http.ResponseWriter, r *http.Request, q *request, status int, errs problems) {
	ctx := r.Context()
	ag, err := c.svc.Agent(ctx, q.actor, q.org.ID, r.PathValue("user"))
	if err != nil {
		c.failed(w, r, err)
		return
	}
	data := agentPage{Agent: ag, InTeam: map[string]bool{}, Profiles: map[roster.PortalProfileKind][]*roster.PortalProfile{},
		Kinds: []roster.PortalProfileKind{roster.SkillProfile, roster.AgentProfile, roster.MultimediaProfile}}
	for _, id := range ag.TeamIDs {
		data.InTeam[id] = true
	}
	if ag.SiteID != "" {
		data.Sites, data.Teams, err = c.sitesAndTeams(ctx, q, ag.SiteID)
	} else {
		data.Sites, err = c.svc.Sites(ctx, q.actor, q.org.ID)
	}
	for _, k := range data.Kinds {
		if err == nil {
			data.Profiles[k], err = c.svc.PortalProfiles(ctx, q.actor, q.org.ID, k)
		}
	}
	if err != nil {
		c.failed(w, r, err)
		return
	}
	p := q.page(ag.Email, "cc")
	p.Errors = errs
	p.Data = data
	c.render(w, r, status, "cc-agent", p)
}

// updateAgent saves the agent's form. A new site drops the teams of the old one (provision
// keeps an agent in teams of its site only), so the teams ticked count only when the site
// stays.
func (c *Console) updateAgent(w http.ResponseWriter, r *http.Request, q *request) {
	if err := r.ParseForm(); err != nil {
		c.failed(w, r, roster.Errorf(roster.CodeInvalid, "The form could not be read."))
		return
	}
	form := func(name string) *string { v := r.PostFormValue(name); return &v }
	ch := provision.AgentChange{SiteID: form("siteId"), SkillProfileID: form("skillProfileId"),
		AgentProfileID: form("agentProfileId"), MultimediaProfileID: form("multimediaProfileId"),
		ExternalID: form("externalId"), DefaultDialNumber: form("defaultDialNumber")}
	if *ch.SiteID == r.PostFormValue("oldSiteId") {
		teams := r.PostForm["teamId"]
		if teams == nil {
			teams = []string{}
		}
		ch.TeamIDs = &teams
	}
	v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || v <= 0 {
		err = roster.Errorf(roster.CodePreconditionRequired, "The form lacks the version of the agent it was made from.")
	} else {
		_, err = c.svc.UpdateAgent(r.Context(), q.actor, q.org.ID, r.PathValue("user"), ch, v)
	}
	switch code := roster.ErrorCode(err); {
	case err == nil:
		c.flash(r, q.admin, q.t.Text("cc.agent_saved"))
		http.Redirect(w, r, orgPath(q.org.ID, "/contact-center/agents/"+url.PathEscape(r.PathValue("user"))), http.StatusSeeOther)
	case code == roster.CodeNotFound || code == roster.CodeForbidden || code == roster.CodeInternal:
		c.failed(w, r, err)
	case code == roster.CodePreconditionFailed || code == roster.CodePreconditionRequired || code == roster.CodeVersionConflict || code == roster.CodeConflict:
		c.renderAgent(w, r, q, http.StatusConflict, problems{{Message: q.t.Text("cc.stale")}})
	default:
		c.renderAgent(w, r, q, statusOf(err), problemsOf(q.t, err))
	}
}
