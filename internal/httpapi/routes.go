// Package httpapi is the REST transport of Roster: the /api/v1 handlers, the OpenAPI document
// that describes them, and the Go client the CLI uses. Handlers decode, call the application
// layer (internal/provision) and encode; every rule lives in provision.
package httpapi

import (
	"log/slog"
	"net/http"
	"strings"

	"roster"
	"roster/internal/provision"
)

// API serves the REST API under /api/v1.
type API struct {
	svc *provision.Service
	log *slog.Logger
}

// New returns the API over svc. Internal errors are logged to log.
func New(svc *provision.Service, log *slog.Logger) *API {
	if log == nil {
		log = slog.Default()
	}
	return &API{svc: svc, log: log}
}

// handlerFunc is an endpoint: it returns its error instead of writing it, so that every error
// becomes a problem response in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request, a roster.Actor) error

// route is one endpoint of the API.
type route struct {
	method  string
	path    string // a net/http pattern path, with {org} and {id} wildcards
	public  bool   // served without a token
	handler handlerFunc
}

// routes lists every endpoint of the API; those of the contact-center entities come from
// ccRoutes, five a kind. Handler registers exactly this table, and the tests compare it with
// the OpenAPI document, so the two cannot drift apart.
func (api *API) routes() []route {
	routes := []route{
		{method: "GET", path: "/api/v1/openapi.json", public: true, handler: api.openAPI},

		{method: "POST", path: "/api/v1/orgs", handler: api.createOrg},
		{method: "GET", path: "/api/v1/orgs", handler: api.listOrgs},
		{method: "GET", path: "/api/v1/orgs/{org}", handler: api.getOrg},
		{method: "PATCH", path: "/api/v1/orgs/{org}", handler: api.patchOrg},

		{method: "GET", path: "/api/v1/orgs/{org}/users", handler: api.listUsers},
		{method: "POST", path: "/api/v1/orgs/{org}/users", handler: api.createUser},
		{method: "POST", path: "/api/v1/orgs/{org}/users/batch", handler: api.batchUsers},
		{method: "GET", path: "/api/v1/orgs/{org}/users.csv", handler: api.exportUsers},
		{method: "GET", path: "/api/v1/orgs/{org}/users/{id}", handler: api.getUser},
		{method: "PATCH", path: "/api/v1/orgs/{org}/users/{id}", handler: api.patchUser},
		{method: "DELETE", path: "/api/v1/orgs/{org}/users/{id}", handler: api.deleteUser},
		{method: "POST", path: "/api/v1/orgs/{org}/users/{id}/deactivate", handler: api.deactivateUser},
		{method: "POST", path: "/api/v1/orgs/{org}/users/{id}/reactivate", handler: api.reactivateUser},
		{method: "POST", path: "/api/v1/orgs/{org}/users/{id}/resend-invitation", handler: api.resendInvitation},
		{method: "POST", path: "/api/v1/orgs/{org}/users/{id}/retry-sync", handler: api.retrySync},
		{method: "GET", path: "/api/v1/orgs/{org}/users/{id}/groups", handler: api.listUserGroups},
		{method: "GET", path: "/api/v1/orgs/{org}/users/{id}/license-sources", handler: api.getLicenseSources},
		{method: "GET", path: "/api/v1/orgs/{org}/emails", handler: api.listEmails},
		{method: "POST", path: "/api/v1/orgs/{org}/invitations/resend", handler: api.resendInvitations},

		{method: "GET", path: "/api/v1/orgs/{org}/groups", handler: api.listGroups},
		{method: "POST", path: "/api/v1/orgs/{org}/groups", handler: api.createGroup},
		{method: "GET", path: "/api/v1/orgs/{org}/groups/{id}", handler: api.getGroup},
		{method: "PATCH", path: "/api/v1/orgs/{org}/groups/{id}", handler: api.patchGroup},
		{method: "DELETE", path: "/api/v1/orgs/{org}/groups/{id}", handler: api.deleteGroup},
		{method: "GET", path: "/api/v1/orgs/{org}/groups/{id}/members", handler: api.listMembers},
		{method: "POST", path: "/api/v1/orgs/{org}/groups/{id}/members", handler: api.addMembers},
		{method: "POST", path: "/api/v1/orgs/{org}/groups/{id}/members/remove", handler: api.removeMembers},

		{method: "GET", path: "/api/v1/orgs/{org}/license-assignment", handler: api.getLicenseAssignment},
		{method: "PUT", path: "/api/v1/orgs/{org}/license-assignment", handler: api.putLicenseAssignment},
		{method: "POST", path: "/api/v1/orgs/{org}/license-assignment/apply", handler: api.applyTemplate},

		{method: "GET", path: "/api/v1/orgs/{org}/contact-center", handler: api.getContactCenter},
		{method: "POST", path: "/api/v1/orgs/{org}/contact-center/synchronize", handler: api.synchronize},
		{method: "GET", path: "/api/v1/orgs/{org}/contact-center/agents", handler: api.listAgents},
		{method: "GET", path: "/api/v1/orgs/{org}/contact-center/agents.csv", handler: api.exportAgents},
		{method: "POST", path: "/api/v1/orgs/{org}/contact-center/agents/upload", handler: api.uploadAgents},
		{method: "GET", path: "/api/v1/orgs/{org}/contact-center/agents/{id}", handler: api.getAgent},
		{method: "PATCH", path: "/api/v1/orgs/{org}/contact-center/agents/{id}", handler: api.patchAgent},
	}
	// Sites, teams, and skill, agent, multimedia and user profiles: five endpoints a kind.
	routes = append(routes, api.ccRoutes()...)
	return append(routes, []route{
		{method: "GET", path: "/api/v1/orgs/{org}/tokens", handler: api.listOrgTokens},
		{method: "POST", path: "/api/v1/orgs/{org}/tokens", handler: api.createOrgToken},
		{method: "DELETE", path: "/api/v1/orgs/{org}/tokens/{id}", handler: api.deleteOrgToken},
		{method: "GET", path: "/api/v1/tokens", handler: api.listSystemTokens},
		{method: "POST", path: "/api/v1/tokens", handler: api.createSystemToken},
		{method: "DELETE", path: "/api/v1/tokens/{id}", handler: api.deleteSystemToken},

		{method: "POST", path: "/api/v1/orgs/{org}/imports", handler: api.startImport},
		{method: "GET", path: "/api/v1/orgs/{org}/tasks", handler: api.listTasks},
		{method: "GET", path: "/api/v1/orgs/{org}/tasks/{id}", handler: api.getTask},
		{method: "GET", path: "/api/v1/orgs/{org}/tasks/{id}/report.csv", handler: api.taskReport},
		{method: "POST", path: "/api/v1/orgs/{org}/tasks/{id}/cancel", handler: api.cancelTask},
		{method: "POST", path: "/api/v1/orgs/{org}/tasks/{id}/revert", handler: api.revertTask},
		{method: "POST", path: "/api/v1/orgs/{org}/tasks/{id}/run", handler: api.runTask},

		{method: "GET", path: "/api/v1/orgs/{org}/audit", handler: api.listAudit},
	}...)
}

// Handler returns the http.Handler of the API. It expects full request paths (/api/v1/...),
// so it is mounted at /api/ without stripping a prefix.
func (api *API) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range api.routes() {
		mux.Handle(rt.method+" "+rt.path, api.endpoint(rt))
	}
	return api.problemFallback(mux)
}

// endpoint wraps a route with authentication and error rendering.
func (api *API) endpoint(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a roster.Actor
		if !rt.public {
			var err error
			if a, err = api.authenticate(r); err != nil {
				api.writeError(w, r, err)
				return
			}
		}
		if err := rt.handler(w, r, a); err != nil {
			api.writeError(w, r, err)
		}
	})
}

// authenticate resolves the bearer token of r to an actor.
func (api *API) authenticate(r *http.Request) (roster.Actor, error) {
	scheme, secret, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return roster.Actor{}, roster.Errorf(roster.CodeUnauthorized,
			"A valid API token is required: send it as Authorization: Bearer <token>.")
	}
	return api.svc.Authenticate(r.Context(), strings.TrimSpace(secret), via(r))
}

// via tells which interface a request came through, for the audit log: the CLI identifies
// itself by its User-Agent; everything else is the API.
func via(r *http.Request) roster.Interface {
	if strings.HasPrefix(r.UserAgent(), cliAgentPrefix) {
		return roster.ViaCLI
	}
	return roster.ViaAPI
}

// cliAgentPrefix starts the User-Agent of the roster CLI (see Client).
const cliAgentPrefix = "roster-cli/"

// problemFallback renders the mux's own answers for unknown paths (404) and wrong methods (405,
// with its Allow header) as problem responses, so that clients get one error format.
func (api *API) problemFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &headerRecorder{header: http.Header{}}
		h, _ := mux.Handler(r)
		h.ServeHTTP(rec, r)
		switch rec.status {
		case http.StatusNotFound:
			api.writeError(w, r, roster.Errorf(roster.CodeNotFound, "There is no %s in this API.", r.URL.Path))
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", rec.header.Get("Allow"))
			api.writeError(w, r, roster.Errorf(codeMethodNotAllowed,
				"%s does not accept %s; it accepts %s.", r.URL.Path, r.Method, rec.header.Get("Allow")))
		default:
			// A redirect to the cleaned path, or anything else the mux decided: pass it on.
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status)
		}
	})
}

// headerRecorder keeps the status and headers of a response and drops its body.
type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header { return h.header }

func (h *headerRecorder) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return len(b), nil
}

func (h *headerRecorder) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}
