// Package scimtest runs an in-memory SCIM 2.0 service provider for tests and benchmarks of
// the SCIM connector: Users only, filters on externalId and userName only, a bearer token,
// optional latency and injected failures, and counters of the requests it served.
package scimtest

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// ExtensionSchema is the contact-center extension the connector sends; the server keeps
// its profileType and userProfileId.
const ExtensionSchema = "urn:roster:params:scim:schemas:extension:contactcenter:2.0:User"

const (
	coreUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
	errorSchema    = "urn:ietf:params:scim:api:messages:2.0:Error"
	listSchema     = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	basePath       = "/scim/v2"
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

	srv   *httptest.Server
	token string

	mu          sync.Mutex
	users       map[string]*User    // by id
	byUserName  map[string]string   // lower-cased userName → id
	byExternal  map[string][]string // externalId → ids (SCIM does not make it unique)
	nextID      int
	counts      map[string]int // requests by method
	inFlight    int
	maxInFlight int
}

// NewServer starts a server that accepts the bearer token token. Close it when done.
func NewServer(token string) *Server {
	s := &Server{
		token: token, users: make(map[string]*User), byUserName: make(map[string]string),
		byExternal: make(map[string][]string), counts: make(map[string]int),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+basePath+"/Users", s.list)
	mux.HandleFunc("POST "+basePath+"/Users", s.create)
	mux.HandleFunc("GET "+basePath+"/Users/{id}", s.get)
	mux.HandleFunc("PUT "+basePath+"/Users/{id}", s.replace)
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

// wireUser is a User on the wire.
type wireUser struct {
	Schemas    []string       `json:"schemas"`
	ID         string         `json:"id,omitempty"`
	ExternalID string         `json:"externalId,omitempty"`
	UserName   string         `json:"userName"`
	Name       *wireName      `json:"name,omitempty"`
	Emails     []wireEmail    `json:"emails,omitempty"`
	Active     *bool          `json:"active,omitempty"`
	Extension  *wireExtension `json:"urn:roster:params:scim:schemas:extension:contactcenter:2.0:User,omitempty"`
	Meta       *wireMeta      `json:"meta,omitempty"`
}

type wireName struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

type wireEmail struct {
	Value   string `json:"value"`
	Primary bool   `json:"primary,omitempty"`
}

type wireExtension struct {
	ProfileType   string `json:"profileType,omitempty"`
	UserProfileID string `json:"userProfileId,omitempty"`
}

type wireMeta struct {
	ResourceType string `json:"resourceType"`
	Location     string `json:"location"`
}

func (s *Server) toWire(u *User) wireUser {
	active := u.Active
	w := wireUser{
		Schemas:    []string{coreUserSchema, ExtensionSchema},
		ID:         u.ID,
		ExternalID: u.ExternalID,
		UserName:   u.UserName,
		Name:       &wireName{GivenName: u.GivenName, FamilyName: u.FamilyName},
		Active:     &active,
		Extension:  &wireExtension{ProfileType: u.ProfileType, UserProfileID: u.UserProfileID},
		Meta:       &wireMeta{ResourceType: "User", Location: s.URL + "/Users/" + u.ID},
	}
	for _, e := range u.Emails {
		w.Emails = append(w.Emails, wireEmail(e))
	}
	return w
}

// fromWire validates a request body and returns the user it describes (without id).
func fromWire(r *http.Request) (*User, string, error) {
	var w wireUser
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err := dec.Decode(&w); err != nil {
		return nil, "invalidSyntax", fmt.Errorf("request body is not a SCIM User: %v", err)
	}
	if !slices.Contains(w.Schemas, coreUserSchema) {
		return nil, "invalidSyntax", errors.New("schemas must contain " + coreUserSchema)
	}
	if strings.TrimSpace(w.UserName) == "" {
		return nil, "invalidValue", errors.New("userName is required")
	}
	u := &User{ExternalID: w.ExternalID, UserName: w.UserName, Active: w.Active == nil || *w.Active}
	if w.Name != nil {
		u.GivenName, u.FamilyName = w.Name.GivenName, w.Name.FamilyName
	}
	for _, e := range w.Emails {
		u.Emails = append(u.Emails, Email(e))
	}
	if w.Extension != nil {
		u.ProfileType, u.UserProfileID = w.Extension.ProfileType, w.Extension.UserProfileID
	}
	return u, "", nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	var attr, value string
	if f := r.URL.Query().Get("filter"); f != "" {
		var err error
		if attr, value, err = parseFilter(f); err != nil {
			writeError(w, http.StatusBadRequest, "invalidFilter", err.Error())
			return
		}
	}
	s.mu.Lock()
	var ids []string
	switch attr {
	case "externalId":
		ids = s.byExternal[value]
	case "userName":
		if id, ok := s.byUserName[strings.ToLower(value)]; ok {
			ids = []string{id}
		}
	default:
		for id := range s.users {
			ids = append(ids, id)
		}
	}
	found := make([]wireUser, 0, len(ids))
	for _, id := range ids {
		found = append(found, s.toWire(s.users[id]))
	}
	s.mu.Unlock()
	slices.SortFunc(found, func(a, b wireUser) int { return strings.Compare(a.ID, b.ID) })
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas": []string{listSchema}, "totalResults": len(found), "startIndex": 1,
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
	var out wireUser
	if ok {
		out = s.toWire(u)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "", "user not found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	u, scimType, err := fromWire(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, scimType, err.Error())
		return
	}
	s.mu.Lock()
	if s.taken(u.UserName, "") {
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "uniqueness", "userName is already taken")
		return
	}
	s.nextID++
	u.ID = fmt.Sprintf("u%06d", s.nextID)
	s.add(u)
	out := s.toWire(u)
	s.mu.Unlock()
	w.Header().Set("Location", out.Meta.Location)
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) replace(w http.ResponseWriter, r *http.Request) {
	u, scimType, err := fromWire(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, scimType, err.Error())
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	old, ok := s.users[id]
	if !ok {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "", "user not found")
		return
	}
	if s.taken(u.UserName, id) {
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "uniqueness", "userName is already taken")
		return
	}
	s.remove(old)
	u.ID = id
	s.add(u)
	out := s.toWire(u)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	u, ok := s.users[id]
	if ok {
		s.remove(u)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "", "user not found")
		return
	}
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
	s.byExternal[u.ExternalID] = append(s.byExternal[u.ExternalID], u.ID)
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
