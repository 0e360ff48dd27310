package scim

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"roster"
	"roster/internal/scim/filter"
)

// Paging of lists (RFC 7644 §3.4.2.4).
const (
	defaultCount = 100
	maxCount     = roster.MaxPageSize
	// defaultMaxScan is how many users a filter that no index serves may be evaluated over;
	// an organization with more gets tooMany and is told which filters are indexed. A scan of
	// 50,000 users reads 50 pages of the email index.
	defaultMaxScan = 50_000
)

// listQuery is a list request: from the query string of GET or the body of POST .search.
type listQuery struct {
	Filter             string `json:"filter"`
	StartIndex         any    `json:"startIndex"`
	Count              any    `json:"count"`
	Attributes         any    `json:"attributes"`
	ExcludedAttributes any    `json:"excludedAttributes"`
	SortBy             string `json:"sortBy"`
	SortOrder          string `json:"sortOrder"`
}

// listRequest is a list request read and checked.
type listRequest struct {
	filter     filter.Expr
	startIndex int // 1-based
	count      int
	proj       projection
	sortBy     *filter.AttrPath // nil: the natural order (userName, displayName)
	descending bool
}

func queryOf(v url.Values) listQuery {
	q := listQuery{Filter: v.Get("filter"), SortBy: v.Get("sortBy"), SortOrder: v.Get("sortOrder")}
	if s := v.Get("startIndex"); s != "" {
		q.StartIndex = s
	}
	if s := v.Get("count"); s != "" {
		q.Count = s
	}
	if s := v.Get("attributes"); s != "" {
		q.Attributes = s
	}
	if s := v.Get("excludedAttributes"); s != "" {
		q.ExcludedAttributes = s
	}
	return q
}

func (q listQuery) read() (*listRequest, error) {
	req := &listRequest{startIndex: 1, count: defaultCount}
	var err error
	if strings.TrimSpace(q.Filter) != "" {
		if req.filter, err = filter.Parse(q.Filter); err != nil {
			return nil, errorf(http.StatusBadRequest, typeInvalidFilter, "The filter cannot be read: %s.", err.Error())
		}
	}
	if q.StartIndex != nil {
		n, ok := integer(q.StartIndex)
		if !ok {
			return nil, errorf(http.StatusBadRequest, typeInvalidValue, "startIndex must be an integer.")
		}
		req.startIndex = max(n, 1) // RFC 7644: a value below 1 is read as 1
	}
	if q.Count != nil {
		n, ok := integer(q.Count)
		if !ok {
			return nil, errorf(http.StatusBadRequest, typeInvalidValue, "count must be an integer.")
		}
		req.count = min(max(n, 0), maxCount)
	}
	attrs, ok1 := stringList(q.Attributes)
	excluded, ok2 := stringList(q.ExcludedAttributes)
	if !ok1 || !ok2 {
		return nil, errorf(http.StatusBadRequest, typeInvalidValue, "attributes and excludedAttributes must be lists of attribute names.")
	}
	if req.proj, err = projectionOf(strings.Join(attrs, ","), strings.Join(excluded, ",")); err != nil {
		return nil, err
	}
	switch strings.ToLower(strings.TrimSpace(q.SortOrder)) {
	case "", "ascending":
	case "descending":
		req.descending = true
	default:
		return nil, errorf(http.StatusBadRequest, typeInvalidValue, "sortOrder must be ascending or descending, not %q.", q.SortOrder)
	}
	if strings.TrimSpace(q.SortBy) != "" {
		paths, err := attrList(q.SortBy, "sortBy")
		if err != nil || len(paths) != 1 || paths[0].Name == "" {
			return nil, errorf(http.StatusBadRequest, typeInvalidPath, "sortBy must name one attribute, such as userName or name.familyName.")
		}
		req.sortBy = &paths[0]
	}
	return req, nil
}

// integer reads an integer from a query string or a JSON number.
func integer(v any) (int, bool) {
	switch v := v.(type) {
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		return n, err == nil
	case float64:
		n := int(v)
		return n, float64(n) == v
	}
	if n, ok := v.(interface{ Int64() (int64, error) }); ok {
		i, err := n.Int64()
		return int(i), err == nil && i == int64(int(i))
	}
	return 0, false
}

func stringList(v any) ([]string, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// listResponse is a ListResponse (RFC 7644 §3.4.2).
type listResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []any    `json:"Resources"`
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	req, err := queryOf(r.URL.Query()).read()
	if err != nil {
		return err
	}
	return s.answerUsers(w, r, a, req)
}

func (s *Server) searchUsers(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var q listQuery
	if err := readJSON(r, &q); err != nil {
		return err
	}
	req, err := q.read()
	if err != nil {
		return err
	}
	return s.answerUsers(w, r, a, req)
}

func (s *Server) answerUsers(w http.ResponseWriter, r *http.Request, a roster.Actor, req *listRequest) error {
	base := baseURL(r)
	total, users, err := s.findUsers(r.Context(), a, req, base)
	if err != nil {
		return err
	}
	resp := listResponse{Schemas: []string{URNListResponse}, TotalResults: total, StartIndex: req.startIndex, Resources: []any{}}
	for _, u := range users {
		resp.Resources = append(resp.Resources, req.proj.apply(userResource(u, base)))
	}
	resp.ItemsPerPage = len(resp.Resources)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// findUsers returns the users req selects, in email order, and how many match in all.
//
// Indexed: a filter that is, or is joined by and to, userName eq, emails eq,
// emails[...].value eq or emails.value eq a string (the email index) or id eq a string (the
// primary key). Identity providers look users up this way on every cycle. A list without a
// filter pages through the email index. Any other filter is evaluated over the organization's
// users, up to maxScan of them.
func (s *Server) findUsers(ctx context.Context, a roster.Actor, req *listRequest, base string) (int, []*roster.User, error) {
	if req.filter != nil {
		if candidate, ok := indexedUser(req.filter); ok {
			var found []*roster.User
			if candidate.id != "" {
				u, err := s.svc.User(ctx, a, a.OrgID, candidate.id)
				if err != nil && roster.ErrorCode(err) != roster.CodeNotFound {
					return 0, nil, err
				}
				if u != nil {
					found = append(found, u)
				}
			} else {
				u, err := s.svc.UserByEmail(ctx, a, a.OrgID, candidate.email)
				if err != nil && roster.ErrorCode(err) != roster.CodeNotFound {
					return 0, nil, err
				}
				if u != nil {
					found = append(found, u)
				}
			}
			var matched []*roster.User
			for _, u := range found {
				if filter.Match(req.filter, userResource(u, base), URNUser) {
					matched = append(matched, u)
				}
			}
			return len(matched), pageOf(matched, req), nil
		}
	}
	if req.filter != nil && neverMatches(req.filter) {
		return 0, nil, nil
	}
	natural := req.naturalOrder("username", "emails")
	limit := roster.MaxPageSize
	if req.filter == nil && natural {
		// Okta pages 100 at a time from startIndex 1: read no more than the page needs.
		limit = min(limit, max(1, req.startIndex-1+req.count))
	}
	first, err := s.svc.Users(ctx, a, roster.UserFilter{OrgID: a.OrgID, Limit: limit})
	if err != nil {
		return 0, nil, err
	}
	if req.filter == nil && natural {
		return s.walkUsers(ctx, a, first, req)
	}
	if first.Total > s.maxScan {
		return 0, nil, errorf(http.StatusBadRequest, typeTooMany,
			"The organization has %d users: a filter other than userName eq, emails eq or id eq, or a sort other than by userName, is evaluated over at most %d. Look users up by userName.",
			first.Total, s.maxScan)
	}
	var matched []*roster.User
	var resources []map[string]any
	for page := first; ; {
		for _, u := range page.Users {
			res := userResource(u, base)
			if req.filter == nil || filter.Match(req.filter, res, URNUser) {
				matched, resources = append(matched, u), append(resources, res)
			}
		}
		if page.Next == "" {
			break
		}
		if page, err = s.svc.Users(ctx, a, roster.UserFilter{OrgID: a.OrgID, Limit: roster.MaxPageSize, After: page.Next}); err != nil {
			return 0, nil, err
		}
	}
	if !natural {
		sortBy(matched, resources, req, URNUser)
	}
	return len(matched), pageOf(matched, req), nil
}

// naturalOrder reports whether req's sort is the order lists come in: ascending by one of
// names (lower case), or none.
func (req *listRequest) naturalOrder(names ...string) bool {
	if req.sortBy == nil {
		return true
	}
	if req.descending || req.sortBy.URN != "" {
		return false
	}
	name := strings.ToLower(req.sortBy.Name)
	sub := strings.ToLower(req.sortBy.Sub)
	for _, n := range names {
		if name == n && (sub == "" || (n == "emails" && sub == "value")) {
			return true
		}
	}
	return false
}

// sortBy orders items, whose resources are resources, by req's sortBy (RFC 7644 §3.4.2.3):
// strings without regard to case, resources without a value last whatever the order.
func sortBy[T any](items []T, resources []map[string]any, req *listRequest, core string) {
	keys := make([]any, len(items))
	for i, res := range resources {
		v := filter.Lookup(res, *req.sortBy, core)
		if list, ok := v.([]any); ok {
			v = nil
			if len(list) > 0 {
				v = list[0]
			}
		}
		if m, ok := v.(map[string]any); ok {
			v = get(m, "value")
		}
		if str, ok := v.(string); ok {
			v = strings.ToLower(str)
		}
		keys[i] = v
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		a, b := keys[i], keys[j]
		if a == nil || b == nil {
			switch {
			case a == nil && b == nil:
				return 0
			case a == nil:
				return 1
			}
			return -1
		}
		c := compareValues(a, b)
		if req.descending {
			c = -c
		}
		return c
	})
	sorted := make([]T, len(items))
	for n, i := range idx {
		sorted[n] = items[i]
	}
	copy(items, sorted)
}

func compareValues(a, b any) int {
	switch a := a.(type) {
	case string:
		if b, ok := b.(string); ok {
			return strings.Compare(a, b)
		}
	case float64:
		if b, ok := b.(float64); ok {
			return cmp.Compare(a, b)
		}
	case bool:
		if b, ok := b.(bool); ok && a != b {
			if a {
				return 1
			}
			return -1
		}
		return 0
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// walkUsers pages through the email index from first, the first page of the organization,
// to the users at req's startIndex.
func (s *Server) walkUsers(ctx context.Context, a roster.Actor, first *roster.UserPage, req *listRequest) (int, []*roster.User, error) {
	total, skip := first.Total, req.startIndex-1
	if skip >= total || req.count == 0 {
		return total, nil, nil // past the end: no need to walk there
	}
	var out []*roster.User
	page := first
	for {
		users := page.Users
		if skip >= len(users) {
			skip -= len(users)
			users = nil
		} else {
			users, skip = users[skip:], 0
		}
		for _, u := range users {
			if len(out) == req.count {
				return total, out, nil
			}
			out = append(out, u)
		}
		if page.Next == "" || len(out) == req.count {
			return total, out, nil
		}
		var err error
		if page, err = s.svc.Users(ctx, a, roster.UserFilter{OrgID: a.OrgID, Limit: roster.MaxPageSize, After: page.Next}); err != nil {
			return 0, nil, err
		}
	}
}

func pageOf(users []*roster.User, req *listRequest) []*roster.User {
	start := req.startIndex - 1
	if start >= len(users) {
		return nil
	}
	return users[start:min(len(users), start+req.count)]
}

type userKey struct{ id, email string }

// indexedUser returns the one user a filter can match, when an index finds it.
func indexedUser(x filter.Expr) (userKey, bool) {
	switch x := x.(type) {
	case *filter.Logical:
		if x.Op != "and" {
			return userKey{}, false
		}
		if k, ok := indexedUser(x.Left); ok {
			return k, true
		}
		return indexedUser(x.Right)
	case *filter.Compare:
		v, ok := x.Value.(string)
		if x.Op != "eq" || !ok || (x.Path.URN != "" && !strings.EqualFold(x.Path.URN, URNUser)) {
			return userKey{}, false
		}
		name, sub := strings.ToLower(x.Path.Name), strings.ToLower(x.Path.Sub)
		switch {
		case name == "username" && sub == "", name == "emails" && (sub == "" || sub == "value"):
			return userKey{email: v}, true
		case name == "id" && sub == "":
			return userKey{id: v}, true
		}
	case *filter.ValuePath:
		if !strings.EqualFold(x.Path.Name, "emails") {
			return userKey{}, false
		}
		// emails[type eq "work" and value eq "x"]: the value comparison names the email.
		return valueEq(x.Filter)
	}
	return userKey{}, false
}

// valueEq finds a value eq "x" joined by and in a value filter.
func valueEq(x filter.Expr) (userKey, bool) {
	switch x := x.(type) {
	case *filter.Logical:
		if x.Op == "and" {
			if k, ok := valueEq(x.Left); ok {
				return k, true
			}
			return valueEq(x.Right)
		}
	case *filter.Compare:
		if v, ok := x.Value.(string); ok && x.Op == "eq" && strings.EqualFold(x.Path.Name, "value") && x.Path.Sub == "" {
			return userKey{email: v}, true
		}
	}
	return userKey{}, false
}

// unkept are attributes of the core User that Roster accepts and does not keep: no user has
// a value for them.
var unkept = map[string]bool{"externalid": true, "nickname": true, "usertype": true, "locale": true, "timezone": true, "profileurl": true}

// neverMatches reports whether a filter compares an attribute Roster does not keep with a
// value, so that no user can match: an identity provider configured to match users by
// externalId gets an empty list at once, in an organization of any size, instead of a scan.
func neverMatches(x filter.Expr) bool {
	switch x := x.(type) {
	case *filter.Logical:
		if x.Op == "and" {
			return neverMatches(x.Left) || neverMatches(x.Right)
		}
		return neverMatches(x.Left) && neverMatches(x.Right)
	case *filter.Compare:
		core := x.Path.URN == "" || strings.EqualFold(x.Path.URN, URNUser)
		return core && unkept[strings.ToLower(x.Path.Name)] && x.Op != "ne" && x.Value != nil
	}
	return false
}
