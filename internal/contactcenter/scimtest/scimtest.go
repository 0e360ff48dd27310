// Package scimtest runs an in-memory SCIM 2.0 service provider for tests and benchmarks of
// the SCIM connector. It is strict where real servers are: it refuses malformed bodies,
// unknown attributes, a non-boolean active and a taken userName (409 uniqueness); it keeps or
// drops the contact-center extension, or refuses it, as configured; it pages GET /Users, serves
// PATCH and ETags (If-Match, 412) when configured to, and answers the discovery endpoints
// /ServiceProviderConfig and /Schemas with what it does. Filters: externalId and userName eq.
// It also holds attributes that only the remote side sets (title, phoneNumbers), so that a
// test can tell a full replace from a merge.
package scimtest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ExtensionSchema is the contact-center extension the connector sends; with ExtensionKept the
// server keeps its profileType and userProfileId.
const ExtensionSchema = "urn:roster:params:scim:schemas:extension:contactcenter:2.0:User"

const (
	coreUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
	errorSchema    = "urn:ietf:params:scim:api:messages:2.0:Error"
	listSchema     = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	patchSchema    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	spcSchema      = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	schemaSchema   = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	basePath       = "/scim/v2"
)

// ExtensionHandling is what a server does with a schema extension it does not know.
type ExtensionHandling int

// How the contact-center extension is treated.
const (
	// ExtensionKept: the server lists the extension in /Schemas and keeps its values.
	ExtensionKept ExtensionHandling = iota
	// ExtensionDropped: the server does not list it, echoes its URN in schemas, and drops
	// its values without a word (seen on a widely used gateway).
	ExtensionDropped
	// ExtensionRefused: the server does not list it and refuses a body that carries it with
	// 400 invalidValue (seen on a SCIM library).
	ExtensionRefused
)

// Behaviour is what a server supports.
type Behaviour struct {
	Patch     bool // serves PATCH and says so in /ServiceProviderConfig
	ETags     bool // versions users (meta.version, ETag), and answers a stale If-Match with 412
	Extension ExtensionHandling
	PageSize  int // most users a page of GET /Users holds; 0 means 100
}

// Behaviours of the servers the connector must work with.
var (
	// Complete supports everything the connector can use; NewServer's default.
	Complete = Behaviour{Patch: true, ETags: true, Extension: ExtensionKept}
	// LikeGateway imitates a gateway: no PATCH, no ETags, the extension silently dropped,
	// small pages.
	LikeGateway = Behaviour{Extension: ExtensionDropped, PageSize: 20}
	// LikeLibrary imitates a SCIM library: PATCH and ETags, unknown schemas refused.
	LikeLibrary = Behaviour{Patch: true, ETags: true, Extension: ExtensionRefused, PageSize: 50}
)

// User is a stored SCIM user.
type User struct {
	ID            string
	ExternalID    string
	UserName      string
	GivenName     string
	FamilyName    string
	Emails        []Email
	Active        bool
	ProfileType   string
	UserProfileID string
	// Set on the remote side only.
	Title        string
	PhoneNumbers []string
	Version      int // grows with every change
}

// Email is one of a user's email addresses.
type Email struct {
	Value   string
	Primary bool
}

// Server is a running SCIM service provider. Set Latency and Fail before sending requests,
// not while requests are in flight.
type Server struct {
	// URL is the SCIM base URL to configure the connector with (it ends in /scim/v2).
	URL string
	// Latency delays every request before it is handled.
	Latency time.Duration
	// Fail, when set, is asked about every authorized request; a non-zero status fails the
	// request with that status and a SCIM error, and a non-empty retryAfter is sent as the
	// Retry-After header. It must be safe for concurrent use.
	Fail func(r *http.Request) (status int, retryAfter string)

	behaviour Behaviour
	srv       *httptest.Server
	token     string

	mu          sync.Mutex
	users       map[string]*User    // by id
	byUserName  map[string]string   // lower-cased userName → id
	byExternal  map[string][]string // externalId → ids (SCIM does not make it unique)
	nextID      int
	counts      map[string]int // requests by method
	inFlight    int
	maxInFlight int
}

// NewServer starts a Complete server that accepts the bearer token token. Close it when done.
func NewServer(token string) *Server { return NewServerWith(token, Complete) }

// NewServerWith starts a server with behaviour b.
func NewServerWith(token string, b Behaviour) *Server {
	if b.PageSize <= 0 {
		b.PageSize = 100
	}
	s := &Server{
		behaviour: b, token: token, users: make(map[string]*User), byUserName: make(map[string]string),
		byExternal: make(map[string][]string), counts: make(map[string]int),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+basePath+"/ServiceProviderConfig", s.serviceProviderConfig)
	mux.HandleFunc("GET "+basePath+"/Schemas", s.schemas)
	mux.HandleFunc("GET "+basePath+"/Users", s.list)
	mux.HandleFunc("POST "+basePath+"/Users", s.create)
	mux.HandleFunc("GET "+basePath+"/Users/{id}", s.get)
	mux.HandleFunc("PUT "+basePath+"/Users/{id}", s.replace)
	mux.HandleFunc("PATCH "+basePath+"/Users/{id}", s.patch)
	mux.HandleFunc("DELETE "+basePath+"/Users/{id}", s.delete)
	s.srv = httptest.NewServer(s.wrap(mux))
	s.URL = s.srv.URL + basePath
	return s
}

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Users returns a copy of the stored users ordered by externalId.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, clone(u))
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.ExternalID, b.ExternalID) })
	return out
}

// UserByExternalID returns the stored user whose externalId is id.
func (s *Server) UserByExternalID(id string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, uid := range s.byExternal[id] {
		return clone(s.users[uid]), true
	}
	return User{}, false
}

// AddUser stores u as if another client had created it, and returns its id. It panics when
// the userName is taken: the test is wrong.
func (s *Server) AddUser(u User) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.taken(u.UserName, "") {
		panic("scimtest: userName " + u.UserName + " is taken")
	}
	s.nextID++
	u.ID, u.Version = fmt.Sprintf("u%06d", s.nextID), 1
	s.add(&u)
	return u.ID
}

// ChangeUser changes the user whose externalId is externalID as another client would, and
// reports whether there was one. fn must not change the id.
func (s *Server) ChangeUser(externalID string, fn func(*User)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := s.byExternal[externalID]
	if len(ids) == 0 {
		return false
	}
	u := s.users[ids[0]]
	s.remove(u)
	fn(u)
	u.Version++
	s.add(u)
	return true
}

// DeleteUser deletes the user whose externalId is externalID as another client would, and
// reports whether there was one.
func (s *Server) DeleteUser(externalID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := s.byExternal[externalID]
	if len(ids) == 0 {
		return false
	}
	s.remove(s.users[ids[0]])
	return true
}

// Count returns the number of requests received with this method since the start or the
// last ResetCounts, including refused and failed ones.
func (s *Server) Count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[method]
}

// Total returns the number of requests received since the start or the last ResetCounts.
func (s *Server) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.counts {
		n += c
	}
	return n
}

// MaxInFlight returns the largest number of requests handled at once since the start or the
// last ResetCounts.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// ResetCounts zeroes the request counters and MaxInFlight.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
	s.maxInFlight = s.inFlight
}

func clone(u *User) User {
	c := *u
	c.Emails = slices.Clone(u.Emails)
	c.PhoneNumbers = slices.Clone(u.PhoneNumbers)
	return c
}

// wrap counts, delays, authenticates and fails requests before routing them.
func (s *Server) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[r.Method]++
		s.inFlight++
		s.maxInFlight = max(s.maxInFlight, s.inFlight)
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.inFlight--
			s.mu.Unlock()
		}()
		if s.Latency > 0 {
			t := time.NewTimer(s.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return // the client gave up
			}
		}
		auth := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(s.token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scimtest"`)
			writeError(w, http.StatusUnauthorized, "", "authentication required")
			return
		}
		if s.Fail != nil {
			if status, retryAfter := s.Fail(r); status != 0 {
				if retryAfter != "" {
					w.Header().Set("Retry-After", retryAfter)
				}
				writeError(w, status, "", "injected failure")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) serviceProviderConfig(w http.ResponseWriter, _ *http.Request) {
	b := s.behaviour
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":               []string{spcSchema},
		"patch":                 map[string]any{"supported": b.Patch},
		"bulk":                  map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":                map[string]any{"supported": true, "maxResults": b.PageSize},
		"changePassword":        map[string]any{"supported": false},
		"sort":                  map[string]any{"supported": false},
		"etag":                  map[string]any{"supported": b.ETags},
		"authenticationSchemes": []map[string]any{{"type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "Bearer token"}},
	})
}

func (s *Server) schemas(w http.ResponseWriter, _ *http.Request) {
	attr := func(name, typ string) map[string]any {
		return map[string]any{"name": name, "type": typ, "multiValued": false, "required": false,
			"mutability": "readWrite", "returned": "default", "uniqueness": "none"}
	}
	core := map[string]any{"schemas": []string{schemaSchema}, "id": coreUserSchema, "name": "User",
		"attributes": []any{attr("userName", "string"), attr("name", "complex"), attr("emails", "complex"),
			attr("active", "boolean"), attr("title", "string"), attr("phoneNumbers", "complex")}}
	found := []any{core}
	if s.behaviour.Extension == ExtensionKept {
		found = append(found, map[string]any{"schemas": []string{schemaSchema}, "id": ExtensionSchema, "name": "ContactCenterUser",
			"attributes": []any{attr("profileType", "string"), attr("userProfileId", "string")}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"schemas": []string{listSchema}, "totalResults": len(found),
		"startIndex": 1, "itemsPerPage": len(found), "Resources": found})
}

// toWire is u as the server returns it. Callers hold s.mu.
func (s *Server) toWire(u *User) map[string]any {
	out := map[string]any{
		"schemas": []string{coreUserSchema}, "id": u.ID, "userName": u.UserName, "active": u.Active,
	}
	if u.ExternalID != "" {
		out["externalId"] = u.ExternalID
	}
	name := map[string]any{}
	if u.GivenName != "" {
		name["givenName"] = u.GivenName
	}
	if u.FamilyName != "" {
		name["familyName"] = u.FamilyName
	}
	if len(name) > 0 {
		out["name"] = name
	}
	if len(u.Emails) > 0 {
		var emails []map[string]any
		for _, e := range u.Emails {
			m := map[string]any{"value": e.Value}
			if e.Primary {
				m["primary"] = true
			}
			emails = append(emails, m)
		}
		out["emails"] = emails
	}
	if u.Title != "" {
		out["title"] = u.Title
	}
	if len(u.PhoneNumbers) > 0 {
		var phones []map[string]any
		for _, p := range u.PhoneNumbers {
			phones = append(phones, map[string]any{"value": p, "type": "work"})
		}
		out["phoneNumbers"] = phones
	}
	switch s.behaviour.Extension {
	case ExtensionKept:
		out["schemas"] = []string{coreUserSchema, ExtensionSchema}
		ext := map[string]any{}
		if u.ProfileType != "" {
			ext["profileType"] = u.ProfileType
		}
		if u.UserProfileID != "" {
			ext["userProfileId"] = u.UserProfileID
		}
		out[ExtensionSchema] = ext
	case ExtensionDropped:
		out["schemas"] = []string{coreUserSchema, ExtensionSchema} // the URN echoed, the values gone
	}
	meta := map[string]any{"resourceType": "User", "location": s.URL + "/Users/" + u.ID}
	if s.behaviour.ETags {
		meta["version"] = etag(u)
	}
	out["meta"] = meta
	return out
}

func etag(u *User) string { return fmt.Sprintf(`W/"%d"`, u.Version) }

// badRequest is a refusal with a SCIM error type.
type badRequest struct {
	status   int
	scimType string
	detail   string
}

func (e *badRequest) Error() string { return e.detail }

func invalid(scimType, format string, args ...any) *badRequest {
	return &badRequest{status: http.StatusBadRequest, scimType: scimType, detail: fmt.Sprintf(format, args...)}
}

// fromWire reads a User resource as a strict server does, and returns the user it describes
// (without id). Attributes the server only reads (id, meta) are ignored; attributes it does not
// know are refused; the extension is kept, dropped or refused as configured.
func (s *Server) fromWire(body map[string]json.RawMessage) (*User, error) {
	var schemas []string
	if err := json.Unmarshal(body["schemas"], &schemas); err != nil || !slices.Contains(schemas, coreUserSchema) {
		return nil, invalid("invalidSyntax", "schemas must contain %s", coreUserSchema)
	}
	for _, sc := range schemas {
		if sc != coreUserSchema && (sc != ExtensionSchema || s.behaviour.Extension == ExtensionRefused) {
			return nil, invalid("invalidValue", "unknown schema %s", sc)
		}
	}
	u := &User{Active: true}
	for key, raw := range body {
		var err error
		switch key {
		case "schemas", "id", "meta":
		case "externalId":
			err = json.Unmarshal(raw, &u.ExternalID)
		case "userName":
			err = json.Unmarshal(raw, &u.UserName)
		case "active":
			err = json.Unmarshal(raw, &u.Active)
		case "title":
			err = json.Unmarshal(raw, &u.Title)
		case "name":
			var n struct{ GivenName, FamilyName string }
			err = json.Unmarshal(raw, &n)
			u.GivenName, u.FamilyName = n.GivenName, n.FamilyName
		case "emails":
			var emails []struct {
				Value   string `json:"value"`
				Primary bool   `json:"primary"`
			}
			err = json.Unmarshal(raw, &emails)
			for _, e := range emails {
				u.Emails = append(u.Emails, Email(e))
			}
		case "phoneNumbers":
			var phones []struct {
				Value string `json:"value"`
			}
			err = json.Unmarshal(raw, &phones)
			for _, p := range phones {
				u.PhoneNumbers = append(u.PhoneNumbers, p.Value)
			}
		case ExtensionSchema:
			if !slices.Contains(schemas, ExtensionSchema) {
				return nil, invalid("invalidSyntax", "attributes of %s without the schema in schemas", key)
			}
			if s.behaviour.Extension != ExtensionKept {
				continue
			}
			var x struct {
				ProfileType   string `json:"profileType"`
				UserProfileID string `json:"userProfileId"`
			}
			err = json.Unmarshal(raw, &x)
			u.ProfileType, u.UserProfileID = x.ProfileType, x.UserProfileID
		default:
			return nil, invalid("invalidSyntax", "unknown attribute %q", key)
		}
		if err != nil {
			return nil, invalid("invalidValue", "attribute %q: %v", key, err)
		}
	}
	if strings.TrimSpace(u.UserName) == "" {
		return nil, invalid("invalidValue", "userName is required")
	}
	return u, nil
}

func readBody(r *http.Request) (map[string]json.RawMessage, error) {
	var body map[string]json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&body); err != nil {
		return nil, invalid("invalidSyntax", "request body is not a JSON object: %v", err)
	}
	return body, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var attr, value string
	if f := q.Get("filter"); f != "" {
		var err error
		if attr, value, err = parseFilter(f); err != nil {
			writeError(w, http.StatusBadRequest, "invalidFilter", err.Error())
			return
		}
	}
	start, count := 1, s.behaviour.PageSize
	if v := q.Get("startIndex"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalidValue", "startIndex must be an integer")
			return
		}
		start = max(n, 1) // RFC 7644 §3.4.2.4: less than 1 is taken as 1
	}
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalidValue", "count must be an integer")
			return
		}
		count = min(max(n, 0), s.behaviour.PageSize)
	}
	s.mu.Lock()
	var ids []string
	switch attr {
	case "externalId":
		ids = slices.Clone(s.byExternal[value])
	case "userName":
		if id, ok := s.byUserName[strings.ToLower(value)]; ok {
			ids = []string{id}
		}
	default:
		for id := range s.users {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	total := len(ids)
	ids = ids[min(start-1, total):min(start-1+count, total)]
	found := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		found = append(found, s.toWire(s.users[id]))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas": []string{listSchema}, "totalResults": total, "startIndex": start,
		"itemsPerPage": len(found), "Resources": found,
	})
}

// parseFilter accepts `externalId eq "..."` and `userName eq "..."`, the only filters the
// connector sends, and returns the attribute's canonical name and the value. Attribute
// names and the operator ignore case (RFC 7644 §3.4.2.2).
func parseFilter(f string) (attr, value string, err error) {
	name, rest, _ := strings.Cut(strings.TrimSpace(f), " ")
	op, raw, _ := strings.Cut(strings.TrimSpace(rest), " ")
	unsupported := fmt.Errorf("unsupported filter %q: only externalId eq \"...\" and userName eq \"...\"", f)
	if !strings.EqualFold(op, "eq") {
		return "", "", unsupported
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(raw)), &value); err != nil {
		return "", "", unsupported
	}
	switch {
	case strings.EqualFold(name, "externalId"):
		return "externalId", value, nil
	case strings.EqualFold(name, "userName"):
		return "userName", value, nil
	}
	return "", "", unsupported
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u, ok := s.users[r.PathValue("id")]
	var out map[string]any
	if ok {
		out = s.toWire(u)
		s.setETag(w, u)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "", "user not found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) setETag(w http.ResponseWriter, u *User) {
	if s.behaviour.ETags {
		w.Header().Set("ETag", etag(u))
	}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeBad(w, err)
		return
	}
	u, err := s.fromWire(body)
	if err != nil {
		writeBad(w, err)
		return
	}
	s.mu.Lock()
	if s.taken(u.UserName, "") {
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "uniqueness", "userName is already taken")
		return
	}
	s.nextID++
	u.ID, u.Version = fmt.Sprintf("u%06d", s.nextID), 1
	s.add(u)
	out := s.toWire(u)
	s.setETag(w, u)
	s.mu.Unlock()
	w.Header().Set("Location", s.URL+"/Users/"+u.ID)
	writeJSON(w, http.StatusCreated, out)
}

// change replaces the stored user id with what next makes of its wire form, under the
// checks of If-Match and uniqueness.
func (s *Server) change(w http.ResponseWriter, r *http.Request, next func(current map[string]any) (map[string]json.RawMessage, error)) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.users[id]
	if !ok {
		writeError(w, http.StatusNotFound, "", "user not found")
		return
	}
	if match := r.Header.Get("If-Match"); s.behaviour.ETags && match != "" && match != "*" && match != etag(old) {
		writeError(w, http.StatusPreconditionFailed, "", "the user changed since it was read")
		return
	}
	body, err := next(s.toWire(old))
	if err != nil {
		writeBad(w, err)
		return
	}
	var bodyID string
	if raw, ok := body["id"]; ok && (json.Unmarshal(raw, &bodyID) != nil || bodyID != id) {
		writeError(w, http.StatusBadRequest, "mutability", "id is read-only")
		return
	}
	u, err := s.fromWire(body)
	if err != nil {
		writeBad(w, err)
		return
	}
	if s.taken(u.UserName, id) {
		writeError(w, http.StatusConflict, "uniqueness", "userName is already taken")
		return
	}
	s.remove(old)
	u.ID, u.Version = id, old.Version+1
	s.add(u)
	s.setETag(w, u)
	writeJSON(w, http.StatusOK, s.toWire(u))
}

// replace is PUT: the body replaces the whole user, attributes left out included.
func (s *Server) replace(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeBad(w, err)
		return
	}
	s.change(w, r, func(map[string]any) (map[string]json.RawMessage, error) { return body, nil })
}

// patch applies add, replace and remove operations (RFC 7644 §3.5.2) to the user's wire
// form, then reads the result as a PUT body.
func (s *Server) patch(w http.ResponseWriter, r *http.Request) {
	if !s.behaviour.Patch {
		writeError(w, http.StatusNotImplemented, "", "PATCH is not supported")
		return
	}
	var req struct {
		Schemas    []string `json:"schemas"`
		Operations []struct {
			Op    string          `json:"op"`
			Path  string          `json:"path"`
			Value json.RawMessage `json:"value"`
		} `json:"Operations"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&req); err != nil ||
		!slices.Contains(req.Schemas, patchSchema) || len(req.Operations) == 0 {
		writeError(w, http.StatusBadRequest, "invalidSyntax", "not a PatchOp request")
		return
	}
	s.change(w, r, func(current map[string]any) (map[string]json.RawMessage, error) {
		doc := map[string]any{}
		b, _ := json.Marshal(current)
		_ = json.Unmarshal(b, &doc)
		for _, op := range req.Operations {
			var value any
			if len(op.Value) > 0 {
				if err := json.Unmarshal(op.Value, &value); err != nil {
					return nil, invalid("invalidValue", "operation value: %v", err)
				}
			}
			if err := s.applyOp(doc, strings.ToLower(op.Op), op.Path, value); err != nil {
				return nil, err
			}
		}
		b, _ = json.Marshal(doc)
		var out map[string]json.RawMessage
		_ = json.Unmarshal(b, &out)
		return out, nil
	})
}

// applyOp applies one PATCH operation to doc. Paths are an attribute, attr.sub, or an
// extension's URN followed by :attr.
func (s *Server) applyOp(doc map[string]any, op, path string, value any) error {
	if op != "add" && op != "replace" && op != "remove" {
		return invalid("invalidSyntax", "unknown operation %q", op)
	}
	if path == "" {
		m, ok := value.(map[string]any)
		if op == "remove" || !ok {
			return invalid("noTarget", "an operation without a path needs an object value")
		}
		for k, v := range m {
			if err := s.applyOp(doc, op, k, v); err != nil {
				return err
			}
		}
		return nil
	}
	parent, attr := doc, path
	if urn, sub, ok := cutURN(path); ok {
		if urn != ExtensionSchema || s.behaviour.Extension == ExtensionRefused {
			return invalid("invalidPath", "unknown schema in path %q", path)
		}
		if sub == "" {
			attr = urn
		} else {
			schemas, _ := doc["schemas"].([]any)
			if !slices.Contains(schemas, any(urn)) {
				doc["schemas"] = append(schemas, urn)
			}
			ext, _ := doc[urn].(map[string]any)
			if ext == nil {
				ext = map[string]any{}
				doc[urn] = ext
			}
			parent, attr = ext, sub
		}
	} else if top, sub, ok := strings.Cut(path, "."); ok {
		if strings.ContainsAny(sub, ".[") {
			return invalid("invalidPath", "unsupported path %q", path)
		}
		child, _ := doc[top].(map[string]any)
		if child == nil {
			child = map[string]any{}
			doc[top] = child
		}
		parent, attr = child, sub
	} else if strings.Contains(path, "[") {
		return invalid("invalidPath", "unsupported path %q", path)
	}
	if op == "remove" {
		delete(parent, attr)
		return nil
	}
	parent[attr] = value
	return nil
}

// cutURN splits "urn:...:User:attr" into the schema URN and the attribute.
func cutURN(path string) (urn, attr string, ok bool) {
	if !strings.HasPrefix(strings.ToLower(path), "urn:") {
		return "", "", false
	}
	if path == ExtensionSchema || path == coreUserSchema {
		return path, "", true
	}
	i := strings.LastIndex(path, ":")
	return path[:i], path[i+1:], true
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		writeError(w, http.StatusNotFound, "", "user not found")
		return
	}
	if match := r.Header.Get("If-Match"); s.behaviour.ETags && match != "" && match != "*" && match != etag(u) {
		writeError(w, http.StatusPreconditionFailed, "", "the user changed since it was read")
		return
	}
	s.remove(u)
	w.WriteHeader(http.StatusNoContent)
}

// taken reports whether another user than id holds userName. Callers hold s.mu.
func (s *Server) taken(userName, id string) bool {
	other, ok := s.byUserName[strings.ToLower(userName)]
	return ok && other != id
}

// add stores u and indexes it. Callers hold s.mu.
func (s *Server) add(u *User) {
	s.users[u.ID] = u
	s.byUserName[strings.ToLower(u.UserName)] = u.ID
	if u.ExternalID != "" {
		s.byExternal[u.ExternalID] = append(s.byExternal[u.ExternalID], u.ID)
	}
}

// remove forgets u and its index entries. Callers hold s.mu.
func (s *Server) remove(u *User) {
	delete(s.users, u.ID)
	delete(s.byUserName, strings.ToLower(u.UserName))
	ids := slices.DeleteFunc(s.byExternal[u.ExternalID], func(id string) bool { return id == u.ID })
	if len(ids) == 0 {
		delete(s.byExternal, u.ExternalID)
	} else {
		s.byExternal[u.ExternalID] = ids
	}
}

func writeBad(w http.ResponseWriter, err error) {
	if b, ok := err.(*badRequest); ok {
		writeError(w, b.status, b.scimType, b.detail)
		return
	}
	writeError(w, http.StatusBadRequest, "invalidSyntax", err.Error())
}

func writeError(w http.ResponseWriter, status int, scimType, detail string) {
	body := map[string]any{"schemas": []string{errorSchema}, "status": fmt.Sprint(status), "detail": detail}
	if scimType != "" {
		body["scimType"] = scimType
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
