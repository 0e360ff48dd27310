package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"roster"
)

// pageSizes are the sizes the users list offers.
var pageSizes = []int{25, 50, 100}

// usersPage is what the users list shows. Its state is all in the address, so that Back,
// a bookmark or a shared link shows the same list.
type usersPage struct {
	Query   url.Values // the list's state, to build links that change one part of it
	Filter  roster.UserFilter
	Search  string
	Users   []*roster.User
	Total   int
	Exact   bool
	Next    string
	Prev    string
	Size    int
	Sizes   []int
	Groups  []*roster.Group
	Chips   []chip // the active filters, each removable
	Options filterOptions
}

// chip is an active filter: what it says and the list without it.
type chip struct {
	Label  string
	Remove string
}

// filterOptions are the values each filter offers.
type filterOptions struct {
	Licenses     []roster.License
	CCRoles      []roster.CCRole
	AdminRoles   []roster.AdminRole
	Statuses     []roster.UserStatus
	SyncStatuses []roster.SyncStatus
}

var options = filterOptions{
	Licenses:     []roster.License{roster.LicenseNone, roster.LicenseStandard, roster.LicensePremium},
	CCRoles:      []roster.CCRole{roster.RoleAgent, roster.RoleSupervisor},
	AdminRoles:   []roster.AdminRole{roster.AdminNone, roster.AdminFull, roster.AdminCCService, roster.AdminReadOnly},
	Statuses:     []roster.UserStatus{roster.StatusPending, roster.StatusActive, roster.StatusInactive},
	SyncStatuses: []roster.SyncStatus{roster.SyncNone, roster.SyncPending, roster.SyncValid, roster.SyncInvalid},
}

// userFilter reads the list's filters from the address, by the REST API's parameter names.
func userFilter(orgID string, q url.Values) roster.UserFilter {
	return roster.UserFilter{
		OrgID: orgID, Query: strings.TrimSpace(q.Get("q")),
		License: roster.License(q.Get("license")), CCRole: roster.CCRole(q.Get("ccRole")),
		AdminRole: roster.AdminRole(q.Get("adminRole")), Status: roster.UserStatus(q.Get("status")),
		SyncStatus: roster.SyncStatus(q.Get("syncStatus")), GroupID: q.Get("group"),
	}
}

func (c *Console) users(w http.ResponseWriter, r *http.Request, q *request) {
	query := r.URL.Query()
	f := userFilter(q.org.ID, query)
	size, _ := strconv.Atoi(query.Get("size"))
	if size != 25 && size != 50 && size != 100 {
		size = 25
	}
	f.Limit, f.After, f.Before = size, query.Get("after"), query.Get("before")
	p := q.page(q.t.Text("users.title"), "users")
	data := usersPage{Query: query, Filter: f, Search: f.Query, Size: size, Sizes: pageSizes, Options: options}
	if u := c.userByID(r, q, f.Query); u != nil {
		// The search box takes a user's id too: that user, alone.
		data.Users, data.Total, data.Exact = []*roster.User{u}, 1, true
	} else {
		page, err := c.svc.Users(r.Context(), q.actor, f)
		if err != nil {
			if roster.ErrorCode(err) != roster.CodeInvalid {
				c.failed(w, r, err)
				return
			}
			// A filter value no form offers: say so and show the list without filters.
			p.Errors = problemsOf(q.t, err)
			f = roster.UserFilter{OrgID: q.org.ID, Limit: size}
			if page, err = c.svc.Users(r.Context(), q.actor, f); err != nil {
				c.failed(w, r, err)
				return
			}
		}
		data.Users, data.Total, data.Exact, data.Next, data.Prev = page.Users, page.Total, page.TotalExact, page.Next, page.Prev
	}
	groups, err := c.svc.Groups(r.Context(), q.actor, roster.GroupFilter{OrgID: q.org.ID, Limit: roster.MaxPageSize})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	data.Groups = groups.Groups
	data.Chips = chips(q, query, data.Groups)
	p.Data = data
	status := http.StatusOK
	if len(p.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	c.render(w, r, status, "users", p)
}

// userByID returns the user whose id the search holds, nil when it holds no such id.
func (c *Console) userByID(r *http.Request, q *request, s string) *roster.User {
	if len(s) != 36 || strings.Count(s, "-") != 4 {
		return nil
	}
	u, err := c.svc.User(r.Context(), q.actor, q.org.ID, s)
	if err != nil {
		return nil
	}
	return u
}

// chips lists the active filters, each with the list's address without it.
func chips(q *request, query url.Values, groups []*roster.Group) []chip {
	var out []chip
	add := func(param, label string) {
		rest := url.Values{}
		for k, v := range query {
			if k != param && k != "after" && k != "before" {
				rest[k] = v
			}
		}
		out = append(out, chip{Label: label, Remove: "?" + rest.Encode()})
	}
	t := q.t
	if v := query.Get("q"); v != "" {
		add("q", t.Text("users.chip.search", "Value", v))
	}
	for _, f := range []struct{ param, prefix string }{
		{"license", "license"}, {"ccRole", "ccrole"}, {"adminRole", "adminrole"}, {"status", "status"}, {"syncStatus", "sync"},
	} {
		if v := query.Get(f.param); v != "" {
			add(f.param, t.Text("users.chip."+f.prefix, "Value", t.Text(fmt.Sprintf("%s.%s", f.prefix, v))))
		}
	}
	if v := query.Get("group"); v != "" {
		name := v
		for _, g := range groups {
			if g.ID == v {
				name = g.Name
			}
		}
		add("group", t.Text("users.chip.group", "Value", name))
	}
	return out
}

// exportUsers downloads the list as it is filtered.
func (c *Console) exportUsers(w http.ResponseWriter, r *http.Request, q *request) {
	f := userFilter(q.org.ID, r.URL.Query())
	// Nothing is written before the first user is: a refusal still gets its page.
	pw := &pendingWriter{w: w, start: func() {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="users.csv"`)
	}}
	if err := c.svc.ExportMatchingUsers(r.Context(), q.actor, f, pw); err != nil {
		if !pw.started {
			c.failed(w, r, err)
			return
		}
		c.log.ErrorContext(r.Context(), "export users", "err", err, "requestId", r.Header.Get("X-Request-Id"))
	}
}

// pendingWriter sets the headers of a download on its first write, so that an error before
// it can still answer with a page.
type pendingWriter struct {
	w       http.ResponseWriter
	start   func()
	started bool
}

func (p *pendingWriter) Write(b []byte) (int, error) {
	if !p.started {
		p.started = true
		p.start()
	}
	return p.w.Write(b)
}
