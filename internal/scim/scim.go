// Package scim is the SCIM 2.0 transport of Roster (RFC 7643, RFC 7644): the /scim/v2
// endpoints that identity providers such as Microsoft Entra ID and Okta provision users and
// groups through. Handlers decode SCIM resources, call the application layer
// (internal/provision) and encode; every rule lives in provision. The organization is the one
// of the API token, so the base URL is the same for every organization.
package scim

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"roster"
	"roster/internal/provision"
)

// Schema URNs Roster serves.
const (
	URNUser           = "urn:ietf:params:scim:schemas:core:2.0:User"
	URNGroup          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	URNEnterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	URNRosterUser     = "urn:ietf:params:scim:schemas:extension:roster:2.0:User"
	URNListResponse   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	URNPatchOp        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	URNError          = "urn:ietf:params:scim:api:messages:2.0:Error"
	URNBulkRequest    = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	URNBulkResponse   = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
	// URNMicrosoftGroup is the schema Entra ID adds to the groups it creates; accepted and
	// ignored.
	URNMicrosoftGroup = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
)

// Prefix is where the SCIM endpoints are served.
const Prefix = "/scim/v2"

// ContentType is the media type of every SCIM response.
const ContentType = "application/scim+json"

// maxBody bounds a request body: a Bulk request of maxBulkOperations users fits.
const maxBody = 1 << 20

// Server serves SCIM 2.0 under Prefix.
type Server struct {
	svc *provision.Service
	log *slog.Logger
	// maxScan is how many users or groups a filter that no index serves is evaluated over.
	maxScan int
}

// New returns the SCIM server over svc. Internal errors are logged to log.
func New(svc *provision.Service, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	return &Server{svc: svc, log: log, maxScan: defaultMaxScan}
}

// handlerFunc is an endpoint: it returns its error, so that every error becomes a SCIM error
// response in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request, a roster.Actor) error

type route struct {
	method, path string
	handler      handlerFunc
}

// routes lists every endpoint.
func (s *Server) routes() []route {
	return []route{
		{"GET", "/ServiceProviderConfig", s.serviceProviderConfig},
		{"GET", "/Schemas", s.listSchemas},
		{"GET", "/Schemas/{id}", s.getSchema},
		{"GET", "/ResourceTypes", s.listResourceTypes},
		{"GET", "/ResourceTypes/{id}", s.getResourceType},

		{"GET", "/Users", s.listUsers},
		{"POST", "/Users", s.createUser},
		{"POST", "/Users/.search", s.searchUsers},
		{"GET", "/Users/{id}", s.getUser},
		{"PUT", "/Users/{id}", s.putUser},
		{"PATCH", "/Users/{id}", s.patchUser},
		{"DELETE", "/Users/{id}", s.deleteUser},

		{"GET", "/Groups", s.listGroups},
		{"POST", "/Groups", s.createGroup},
		{"GET", "/Groups/{id}", s.getGroup},
		{"PUT", "/Groups/{id}", s.putGroup},
		{"PATCH", "/Groups/{id}", s.patchGroup},
		{"DELETE", "/Groups/{id}", s.deleteGroup},

		{"POST", "/Bulk", s.bulk},
	}
}

// Handler returns the http.Handler of the SCIM endpoints. It expects full request paths
// (/scim/v2/...), so it is mounted at /scim/ without stripping a prefix.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.method+" "+Prefix+rt.path, s.endpoint(rt.handler))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// The mux's own answer says whether the path exists with other methods (405).
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			allow := rec.header.Get("Allow")
			w.Header().Set("Allow", allow)
			s.writeError(w, r, errorf(http.StatusMethodNotAllowed, "", "%s does not accept %s; it accepts %s.", r.URL.Path, r.Method, allow))
			return
		}
		s.writeError(w, r, errorf(http.StatusNotFound, "", "There is no %s %s in this SCIM service.", r.Method, r.URL.Path))
	})
}

// statusRecorder keeps the status and headers of a response and drops its body.
type statusRecorder struct {
	header http.Header
	status int
}

func (h *statusRecorder) Header() http.Header { return h.header }

func (h *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }

func (h *statusRecorder) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

// endpoint wraps a handler with authentication and error rendering.
func (s *Server) endpoint(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.authenticate(r)
		if err == nil {
			err = h(w, r, a)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

// authenticate resolves the bearer token of r to an actor. SCIM serves one organization, the
// token's: an installation token, which belongs to none, is refused.
func (s *Server) authenticate(r *http.Request) (roster.Actor, error) {
	scheme, secret, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return roster.Actor{}, roster.Errorf(roster.CodeUnauthorized,
			"An API token of the organization is required: send it as Authorization: Bearer <token>.")
	}
	a, err := s.svc.Authenticate(r.Context(), strings.TrimSpace(secret), roster.ViaSCIM)
	if err != nil {
		return roster.Actor{}, err
	}
	if a.OrgID == "" {
		return roster.Actor{}, errorf(http.StatusForbidden, "",
			"SCIM serves one organization: use an API token of that organization, not an installation token.")
	}
	return a, nil
}

// writeJSON answers v with status, as application/scim+json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// readJSON decodes the body of r into v. SCIM clients send application/scim+json or
// application/json; both are read.
func readJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := strings.Cut(strings.ToLower(ct), ";")
		mt = strings.TrimSpace(mt)
		if mt != ContentType && mt != "application/json" {
			return errorf(http.StatusUnsupportedMediaType, "", "Send the body as %s or application/json, not %s.", ContentType, mt)
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return errorf(http.StatusBadRequest, "", "The request body could not be read.")
	}
	if len(body) > maxBody {
		return errorf(http.StatusRequestEntityTooLarge, "", "The request body is larger than %d bytes.", maxBody)
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var syntax *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			return errorf(http.StatusBadRequest, typeInvalidSyntax, "The body is not valid JSON: %s at byte %d.", syntax.Error(), syntax.Offset)
		case errors.As(err, &typeErr):
			return errorf(http.StatusBadRequest, typeInvalidSyntax, "The body's %s must be a JSON %s.", typeErr.Field, typeErr.Type.Kind())
		}
		return errorf(http.StatusBadRequest, typeInvalidSyntax, "The body is not valid JSON: %s.", err.Error())
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, typeInvalidSyntax, "The body holds more than one JSON value.")
	}
	return nil
}

// normalizeNumbers turns the json.Number values readJSON keeps into float64, as the filter
// evaluator expects.
func normalizeNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return v.String()
		}
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = normalizeNumbers(e)
		}
	}
	return v
}

// etag is the entity tag of a resource version. It is weak: the same version may be written
// with attributes in another order.
func etag(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch returns the version If-Match names: 0 when absent or *, -1 when it names no version
// Roster ever gives (the change then fails its precondition in provision, after the actor and
// the resource were checked).
func ifMatch(r *http.Request) int64 {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" || v == "*" {
		return 0
	}
	for tag := range strings.SplitSeq(v, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if n, err := strconv.ParseInt(strings.Trim(tag, `"`), 10, 64); err == nil && n > 0 {
			return n
		}
	}
	return -1
}

// noneMatch reports whether If-None-Match of r names version (or is *).
func noneMatch(r *http.Request, version int64) bool {
	v := strings.TrimSpace(r.Header.Get("If-None-Match"))
	if v == "" {
		return false
	}
	if v == "*" {
		return true
	}
	for tag := range strings.SplitSeq(v, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if strings.Trim(tag, `"`) == strconv.FormatInt(version, 10) {
			return true
		}
	}
	return false
}

// baseURL is the absolute URL of the SCIM service as the client reached it, for
// meta.location.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host + Prefix
}
