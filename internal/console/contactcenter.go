package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"roster"
	"roster/internal/provision"
)

// The contact center pages (CONSOLE.md §2.10, §2.11): Service Details with Synchronize Users
// (its button posts to the tasks pages' /synchronize), and one list page per kind of entity — sites, teams, skill, agent and multimedia profiles,
// user profiles — with create, rename and delete. The six kinds share one handler set keyed
// by ccKind, as provision writes them by one code path.

func (c *Console) registerContactCenter(org func(string, orgHandler)) {
	org("GET /contact-center", c.contactCenter)
	org("GET /contact-center/{kind}", c.ccEntities)
	org("POST /contact-center/{kind}", c.createCCEntity)
	org("POST /contact-center/{kind}/{id}", c.renameCCEntity)
	org("POST /contact-center/{kind}/{id}/delete", c.deleteCCEntity)
}

// ccDetails is the Service Details page.
type ccDetails struct {
	Details      *provision.ServiceDetails
	ProfileTypes []roster.ProfileType
	SyncStatuses []roster.SyncStatus
	Kinds        []string
}

func (c *Console) contactCenter(w http.ResponseWriter, r *http.Request, q *request) {
	d, err := c.svc.ContactCenter(r.Context(), q.actor, q.org.ID)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	p := q.page(q.t.Text("cc.title"), "cc")
	p.Data = ccDetails{Details: d, Kinds: ccKindOrder,
		ProfileTypes: []roster.ProfileType{roster.ProfileStandardAgent, roster.ProfilePremiumAgent,
			roster.ProfileSupervisor, roster.ProfileAdministrator, roster.ProfileAdministratorOnly},
		SyncStatuses: []roster.SyncStatus{roster.SyncValid, roster.SyncPending, roster.SyncInvalid, roster.SyncNone}}
	c.render(w, r, http.StatusOK, "cc", p)
}

// ccEntity is one row of an entity list, whatever its kind.
type ccEntity struct {
	ID, Name string
	Version  int64
	Detail   string // the team's site, the user profile's type (a catalog key); "" for others
	BuiltIn  bool   // a built-in user profile: it cannot be renamed or deleted
}

// ccOption is one choice of a kind's extra create field.
type ccOption struct{ Value, Label string }

// ccKind is how the console lists, creates, renames and deletes one kind of entity; each
// function calls the provision use case of the kind.
type ccKind struct {
	slug string
	// field is the extra field a new entity needs ("siteId" for a team, "type" for a user
	// profile); options lists its choices.
	field   string
	options func(ctx context.Context, c *Console, q *request) ([]ccOption, error)
	list    func(ctx context.Context, c *Console, q *request) ([]ccEntity, error)
	create  func(ctx context.Context, c *Console, q *request, name, extra string) error
	rename  func(ctx context.Context, c *Console, q *request, id, name string, version int64) error
	delete  func(ctx context.Context, c *Console, q *request, id string, version int64) error
}

// ccKindOrder is the order of the kinds in the pages' links.
var ccKindOrder = []string{"sites", "teams", "skill-profiles", "agent-profiles", "multimedia-profiles", "user-profiles"}

var ccKinds = map[string]*ccKind{
	"sites": {
		list: func(ctx context.Context, c *Console, q *request) ([]ccEntity, error) {
			sites, err := c.svc.Sites(ctx, q.actor, q.org.ID)
			out := make([]ccEntity, len(sites))
			for i, s := range sites {
				out[i] = ccEntity{ID: s.ID, Name: s.Name, Version: s.Version}
			}
			return out, err
		},
		create: func(ctx context.Context, c *Console, q *request, name, _ string) error {
			_, err := c.svc.CreateSite(ctx, q.actor, q.org.ID, name)
			return err
		},
		rename: func(ctx context.Context, c *Console, q *request, id, name string, v int64) error {
			_, err := c.svc.RenameSite(ctx, q.actor, q.org.ID, id, name, v)
			return err
		},
		delete: func(ctx context.Context, c *Console, q *request, id string, v int64) error {
			return c.svc.DeleteSite(ctx, q.actor, q.org.ID, id, v)
		},
	},
	"teams": {
		field: "siteId",
		options: func(ctx context.Context, c *Console, q *request) ([]ccOption, error) {
			sites, err := c.svc.Sites(ctx, q.actor, q.org.ID)
			out := make([]ccOption, len(sites))
			for i, s := range sites {
				out[i] = ccOption{Value: s.ID, Label: s.Name}
			}
			return out, err
		},
		list: func(ctx context.Context, c *Console, q *request) ([]ccEntity, error) {
			sites, err := c.svc.Sites(ctx, q.actor, q.org.ID)
			if err != nil {
				return nil, err
			}
			siteNames := map[string]string{}
			for _, s := range sites {
				siteNames[s.ID] = s.Name
			}
			teams, err := c.svc.Teams(ctx, q.actor, q.org.ID, "")
			out := make([]ccEntity, len(teams))
			for i, t := range teams {
				out[i] = ccEntity{ID: t.ID, Name: t.Name, Version: t.Version, Detail: siteNames[t.SiteID]}
			}
			return out, err
		},
		create: func(ctx context.Context, c *Console, q *request, name, siteID string) error {
			_, err := c.svc.CreateTeam(ctx, q.actor, q.org.ID, provision.TeamInput{Name: &name, SiteID: &siteID})
			return err
		},
		rename: func(ctx context.Context, c *Console, q *request, id, name string, v int64) error {
			_, err := c.svc.UpdateTeam(ctx, q.actor, q.org.ID, id, provision.TeamInput{Name: &name}, v)
			return err
		},
		delete: func(ctx context.Context, c *Console, q *request, id string, v int64) error {
			return c.svc.DeleteTeam(ctx, q.actor, q.org.ID, id, v)
		},
	},
	"skill-profiles":      portalProfileKind(roster.SkillProfile),
	"agent-profiles":      portalProfileKind(roster.AgentProfile),
	"multimedia-profiles": portalProfileKind(roster.MultimediaProfile),
	"user-profiles": {
		field: "type",
		options: func(_ context.Context, _ *Console, q *request) ([]ccOption, error) {
			var out []ccOption
			for _, t := range []roster.ProfileType{roster.ProfileStandardAgent, roster.ProfilePremiumAgent,
				roster.ProfileSupervisor, roster.ProfileAdministrator, roster.ProfileAdministratorOnly} {
				out = append(out, ccOption{Value: string(t), Label: q.t.Text("profiletype." + string(t))})
			}
			return out, nil
		},
		list: func(ctx context.Context, c *Console, q *request) ([]ccEntity, error) {
			ps, err := c.svc.UserProfiles(ctx, q.actor, q.org.ID)
			out := make([]ccEntity, len(ps))
			for i, p := range ps {
				out[i] = ccEntity{ID: p.ID, Name: p.Name, Version: p.Version, BuiltIn: p.BuiltIn,
					Detail: q.t.Text("profiletype." + string(p.Type))}
			}
			return out, err
		},
		create: func(ctx context.Context, c *Console, q *request, name, typ string) error {
			_, err := c.svc.CreateUserProfile(ctx, q.actor, q.org.ID, name, roster.ProfileType(typ))
			return err
		},
		rename: func(ctx context.Context, c *Console, q *request, id, name string, v int64) error {
			_, err := c.svc.RenameUserProfile(ctx, q.actor, q.org.ID, id, name, v)
			return err
		},
		delete: func(ctx context.Context, c *Console, q *request, id string, v int64) error {
			return c.svc.DeleteUserProfile(ctx, q.actor, q.org.ID, id, v)
		},
	},
}

func init() {
	for slug, k := range ccKinds {
		k.slug = slug
	}
}

// portalProfileKind is the console's kind of skill, agent or multimedia profiles.
func portalProfileKind(kind roster.PortalProfileKind) *ccKind {
	return &ccKind{
		list: func(ctx context.Context, c *Console, q *request) ([]ccEntity, error) {
			ps, err := c.svc.PortalProfiles(ctx, q.actor, q.org.ID, kind)
			out := make([]ccEntity, len(ps))
			for i, p := range ps {
				out[i] = ccEntity{ID: p.ID, Name: p.Name, Version: p.Version}
			}
			return out, err
		},
		create: func(ctx context.Context, c *Console, q *request, name, _ string) error {
			_, err := c.svc.CreatePortalProfile(ctx, q.actor, q.org.ID, kind, name)
			return err
		},
		rename: func(ctx context.Context, c *Console, q *request, id, name string, v int64) error {
			_, err := c.svc.RenamePortalProfile(ctx, q.actor, q.org.ID, kind, id, name, v)
			return err
		},
		delete: func(ctx context.Context, c *Console, q *request, id string, v int64) error {
			return c.svc.DeletePortalProfile(ctx, q.actor, q.org.ID, kind, id, v)
		},
	}
}

// ccEntitiesPage is the list of one kind with its create form.
type ccEntitiesPage struct {
	Kind     string
	Field    string
	Options  []ccOption
	Entities []ccEntity
	Name     string // the create form's values
	Extra    string
	Holders  string // the agents list of the agents that hold an entity a delete was refused for
}

// kindOf returns the kind of the address; an unknown one is a page not found.
func (c *Console) kindOf(w http.ResponseWriter, r *http.Request) *ccKind {
	k := ccKinds[r.PathValue("kind")]
	if k == nil {
		c.notFoundPage(w, r)
	}
	return k
}

func (c *Console) ccEntities(w http.ResponseWriter, r *http.Request, q *request) {
	if k := c.kindOf(w, r); k != nil {
		c.renderCCEntities(w, r, q, k, http.StatusOK, ccEntitiesPage{}, nil)
	}
}

func (c *Console) renderCCEntities(w http.ResponseWriter, r *http.Request, q *request, k *ccKind, status int, data ccEntitiesPage, errs problems) {
	ctx := r.Context()
	var err error
	if data.Entities, err = k.list(ctx, c, q); err == nil && k.options != nil {
		data.Options, err = k.options(ctx, c, q)
	}
	if err != nil {
		c.failed(w, r, err)
		return
	}
	data.Kind, data.Field = k.slug, k.field
	p := q.page(q.t.Text("cc.kind."+k.slug), "cc")
	p.Errors = errs
	p.Data = data
	c.render(w, r, status, "cc-entities", p)
}

func (c *Console) createCCEntity(w http.ResponseWriter, r *http.Request, q *request) {
	k := c.kindOf(w, r)
	if k == nil {
		return
	}
	name, extra := r.PostFormValue("name"), ""
	if k.field != "" {
		extra = r.PostFormValue(k.field)
	}
	if err := k.create(r.Context(), c, q, name, extra); err != nil {
		c.refusedCC(w, r, q, k, err, ccEntitiesPage{Name: name, Extra: extra})
		return
	}
	c.flash(r, q.admin, q.t.Text("cc.created", "Name", name))
	http.Redirect(w, r, orgPath(q.org.ID, "/contact-center/"+k.slug), http.StatusSeeOther)
}

func (c *Console) renameCCEntity(w http.ResponseWriter, r *http.Request, q *request) {
	k := c.kindOf(w, r)
	if k == nil {
		return
	}
	name := r.PostFormValue("name")
	v, err := ccVersion(r)
	if err == nil {
		err = k.rename(r.Context(), c, q, r.PathValue("id"), name, v)
	}
	if err != nil {
		c.refusedCC(w, r, q, k, err, ccEntitiesPage{})
		return
	}
	c.flash(r, q.admin, q.t.Text("cc.renamed", "Name", name))
	http.Redirect(w, r, orgPath(q.org.ID, "/contact-center/"+k.slug), http.StatusSeeOther)
}

func (c *Console) deleteCCEntity(w http.ResponseWriter, r *http.Request, q *request) {
	k := c.kindOf(w, r)
	if k == nil {
		return
	}
	v, err := ccVersion(r)
	if err == nil {
		err = k.delete(r.Context(), c, q, r.PathValue("id"), v)
	}
	if err != nil {
		c.refusedCC(w, r, q, k, err, ccEntitiesPage{})
		return
	}
	c.flash(r, q.admin, q.t.Text("cc.deleted"))
	http.Redirect(w, r, orgPath(q.org.ID, "/contact-center/"+k.slug), http.StatusSeeOther)
}

// ccVersion reads the version of the entity a form was made from.
func ccVersion(r *http.Request) (int64, error) {
	v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || v <= 0 {
		return 0, roster.Errorf(roster.CodePreconditionRequired, "The form lacks the version of the record it was made from.")
	}
	return v, nil
}

// refusedCC shows the list again with what provision refused, in the reader's words: a
// name in use at the name field, an entity in use, a built-in user profile, a stale form.
func (c *Console) refusedCC(w http.ResponseWriter, r *http.Request, q *request, k *ccKind, err error, form ccEntitiesPage) {
	var errs problems
	status := statusOf(err)
	switch code := roster.ErrorCode(err); code {
	case roster.CodeNotFound, roster.CodeForbidden, roster.CodeInternal:
		c.failed(w, r, err)
		return
	case roster.CodeNameExists:
		errs = problems{{Field: "name", Message: q.t.Text("cc.name_taken")}}
	case roster.CodeInUse:
		// Provision counts the agents that hold an entity; a site's teams and a user
		// profile's users are said by the kind's own message.
		if n, ok := roster.ErrorParams(err)["Agents"].(int); ok {
			errs = problems{{Message: q.t.Plural("cc.in_use_agents", n)}}
			// The agents list filters by site and team, not by profile.
			if filter := map[string]string{"sites": "site", "teams": "team"}[k.slug]; filter != "" {
				form.Holders = orgPath(q.org.ID, "/contact-center/agents?"+url.Values{filter: {r.PathValue("id")}}.Encode())
			}
		} else if q.t.Has("cc.in_use." + k.slug) {
			errs = problems{{Message: q.t.Text("cc.in_use." + k.slug)}}
		} else {
			errs = problemsOf(q.t, err)
		}
	case roster.CodePreconditionFailed, roster.CodePreconditionRequired, roster.CodeVersionConflict:
		errs, status = problems{{Message: q.t.Text("cc.stale")}}, http.StatusConflict
	case roster.CodeConflict:
		// The one conflict of an entity's change is a built-in user profile (provision's
		// findCustomProfile).
		errs = problems{{Message: q.t.Text("cc.built_in")}}
	default:
		errs = problemsOf(q.t, err)
	}
	c.renderCCEntities(w, r, q, k, status, form, errs)
}
