package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"strings"

	"roster"
	"roster/internal/i18n"
	"roster/internal/provision"
)

//go:embed templates static
var files embed.FS

// page is what every template receives: the reader's localizer (never bound into a shared
// template function, so that concurrent pages keep their own language), who reads, where, and
// the page's own data.
type page struct {
	T     *i18n.Localizer
	Title string
	Admin *provision.Admin // nil when signed out
	Org   *roster.Org      // the organization the page is about; nil outside one
	Can   provision.Permissions
	Nav   string // the navigation entry of the page
	Flash string
	// Errors are the form's problems, summarized at the top and shown at their fields.
	Errors    problems
	Path      string // the page's own address, for the language switch to come back to
	RequestID string
	Data      any
}

// problem is one thing to fix in a form.
type problem struct {
	Field   string // the input's name; "" for the form as a whole
	Message string
}

// problems are the problems of a form.
type problems []problem

// For returns the message of field's problem, "" when it has none.
func (ps problems) For(field string) string {
	for _, p := range ps {
		if p.Field == field {
			return p.Message
		}
	}
	return ""
}

// templates are the pages, each parsed once with the layout.
var templates = parseTemplates()

func parseTemplates() map[string]*template.Template {
	base := template.Must(template.New("").Funcs(funcs).ParseFS(files, "templates/layout/*.html"))
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		t := template.Must(template.Must(base.Clone()).ParseFS(files, n))
		out[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return out
}

// funcs are the templates' functions. None of them depends on the request: the language is
// in the page data.
var funcs = template.FuncMap{
	"asset": assetURL,
	// withQuery returns a copy of a query with key set to value ("" removes it): links that change
	// one filter and keep the others.
	"withQuery": func(q url.Values, kv ...string) template.URL {
		c := url.Values{}
		for k, v := range q {
			c[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				c.Del(kv[i])
			} else {
				c.Set(kv[i], kv[i+1])
			}
		}
		if len(c) == 0 {
			return "?"
		}
		return template.URL("?" + c.Encode())
	},
	"add": func(a, b int) int { return a + b },
	"navItem": func(p *page, key, path string) navItem {
		return navItem{Href: orgPath(p.Org.ID, path), Current: p.Nav == key, Label: p.T.Text("nav." + key)}
	},
	"languages": func() []languageName { return languageNames },
	"selectOf":  selectOf,
	"tasksOf":   func(p *page, tasks []*roster.Task) taskList { return taskList{Page: p, Tasks: tasks} },
	"input": func(p *page, name, typ, value, autocomplete string) inputField {
		f := inputField{Page: p, Name: name, Type: typ, Value: value, Autocomplete: autocomplete}
		if p.T.Has("hint." + name) {
			f.Hint = p.T.Text("hint." + name)
		}
		return f
	},
	"cell": newCell,
	"groupLicense": func(p *page, current roster.License) groupLicenseField {
		return groupLicenseField{Page: p, Current: current, Licenses: options.Licenses}
	},
	"seq": func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		return s
	},
}

// navItem is one entry of the navigation.
type navItem struct {
	Href    string
	Current bool
	Label   string
}

// selectField is a filter's select: its input name, and the values of an enumeration with
// their labels (the catalog's <prefix>.<value>).
type selectField struct {
	Page    *page
	Name    string
	Options []selectOption
}

type selectOption struct {
	Value, Label string
	Selected     bool
}

// selectOf builds a selectField from a slice of string-valued enumeration values.
func selectOf(p *page, name, prefix string, current any, values any) selectField {
	f := selectField{Page: p, Name: name}
	cur := fmt.Sprint(current)
	v := reflect.ValueOf(values)
	for i := range v.Len() {
		val := fmt.Sprint(v.Index(i).Interface())
		f.Options = append(f.Options, selectOption{Value: val, Label: p.T.Text(prefix + "." + val), Selected: val == cur})
	}
	return f
}

// groupLicenseField is the select of a group's license.
type groupLicenseField struct {
	Page     *page
	Current  roster.License
	Licenses []roster.License
}

// taskList is a table of tasks on a page.
type taskList struct {
	Page  *page
	Tasks []*roster.Task
}

// inputField is a text input of a form, with its label, hint and error.
type inputField struct {
	Page                            *page
	Name, Type, Value, Autocomplete string
	Hint                            string
}

// languageName is a language as the switch offers it: in its own words, whatever the page's.
type languageName struct {
	Code roster.Language
	Name string
}

var languageNames = []languageName{
	{roster.English, "English"}, {roster.Swedish, "Svenska"}, {roster.Dutch, "Nederlands"},
	{roster.Spanish, "Español"}, {roster.Polish, "Polski"},
}

// render writes the page tmpl with status.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, tmpl string, p *page) {
	t, ok := templates[tmpl]
	if !ok {
		panic("console: no template " + tmpl)
	}
	if p.Path == "" {
		p.Path = r.URL.RequestURI()
	}
	p.RequestID = r.Header.Get("X-Request-Id")
	if p.Admin != nil && p.Flash == "" {
		p.Flash = c.takeFlash(r, p.Admin)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "base", p); err != nil {
		c.log.ErrorContext(r.Context(), "render page", "template", tmpl, "err", err, "requestId", p.RequestID)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// errorPage answers with a page that says what went wrong (the catalog's message key) and
// offers a way back.
func (c *Console) errorPage(w http.ResponseWriter, r *http.Request, status int, key string) {
	admin, _ := c.currentAdmin(r)
	p := &page{T: c.localizer(r, admin), Admin: admin}
	p.Title = p.T.Text("error.title")
	p.Data = p.T.Text(key)
	c.render(w, r, status, "error", p)
}

// failed answers an error of a use case that the page cannot show at a field: not found and
// forbidden get their pages; anything else is logged with the request id and shown as the
// generic error.
func (c *Console) failed(w http.ResponseWriter, r *http.Request, err error) {
	switch roster.ErrorCode(err) {
	case roster.CodeNotFound:
		c.errorPage(w, r, http.StatusNotFound, "error.page_not_found")
	case roster.CodeForbidden:
		c.errorPage(w, r, http.StatusForbidden, "error.forbidden")
	case roster.CodeInternal:
		c.log.ErrorContext(r.Context(), "console", "path", r.URL.Path, "err", err, "requestId", r.Header.Get("X-Request-Id"))
		c.errorPage(w, r, http.StatusInternalServerError, "error.internal")
	default:
		admin, _ := c.currentAdmin(r)
		p := &page{T: c.localizer(r, admin), Admin: admin}
		p.Title = p.T.Text("error.title")
		p.Data = p.T.Error(err)
		c.render(w, r, statusOf(err), "error", p)
	}
}

// statusOf is the HTTP status of a refused form, by code.
func statusOf(err error) int {
	switch roster.ErrorCode(err) {
	case roster.CodeNotFound:
		return http.StatusNotFound
	case roster.CodeForbidden:
		return http.StatusForbidden
	case roster.CodeConflict, roster.CodeImportInProgress, roster.CodePreconditionFailed, roster.CodeVersionConflict:
		return http.StatusConflict
	case roster.CodeTooManyAttempts:
		return http.StatusTooManyRequests
	case roster.CodeInternal:
		return http.StatusInternalServerError
	}
	return http.StatusUnprocessableEntity
}

// problemsOf turns a refusal into the form's problems, in the reader's language: one per
// field error, else one for the form.
func problemsOf(t *i18n.Localizer, err error) problems {
	var ps problems
	for _, f := range roster.ErrorFields(err) {
		ps = append(ps, problem{Field: f.Field, Message: t.Code(f.Code, map[string]any{"Field": t.Text("field." + f.Field)})})
	}
	if len(ps) == 0 {
		ps = append(ps, problem{Message: t.Error(err)})
	}
	return ps
}

// notFoundPage answers an address under /console/ that names no page.
func (c *Console) notFoundPage(w http.ResponseWriter, r *http.Request) {
	c.errorPage(w, r, http.StatusNotFound, "error.page_not_found")
}

// Static files are served at addresses that hold their content's hash, so browsers keep them
// for good and a new release is fetched at once.
var assets = hashAssets()

func hashAssets() map[string]string {
	out := map[string]string{}
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(files, "static/"+e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		out[e.Name()] = hex.EncodeToString(sum[:6])
	}
	return out
}

func assetURL(name string) string { return "/console/static/" + assets[name] + "/" + name }

func serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	hash, ok := assets[name]
	if !ok || hash != r.PathValue("hash") {
		http.NotFound(w, r)
		return
	}
	b, _ := fs.ReadFile(files, "static/"+name)
	h := w.Header()
	switch path.Ext(name) {
	case ".css":
		h.Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		h.Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		h.Set("Content-Type", "image/svg+xml")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(b)
}
