package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"roster"
)

func (c *Console) registerAudit(org func(string, orgHandler)) {
	org("GET /audit", c.auditLog)
}

// auditSize is how many entries a page of the audit log shows.
const auditSize = 25

// auditActions are the actions the filter offers, each with its message audit.action.<action>:
// every action provision and the contact-center sync record.
var auditActions = []string{
	"user.create", "user.update", "user.deactivate", "user.reactivate", "user.delete", "user.invite",
	"user.accept_invitation", "user.retry_sync", "user.change_password", "user.grant_installation_admin",
	"group.create", "group.update", "group.delete", "group.add_member", "group.remove_member",
	"agent.create", "agent.update", "agent.deactivate", "agent.delete",
	"site.create", "site.update", "site.delete", "team.create", "team.update", "team.delete",
	"skill_profile.create", "skill_profile.update", "skill_profile.delete",
	"agent_profile.create", "agent_profile.update", "agent_profile.delete",
	"multimedia_profile.create", "multimedia_profile.update", "multimedia_profile.delete",
	"user_profile.create", "user_profile.update", "user_profile.delete",
	"org.create", "org.update", "org.license_assignment", "token.create", "token.delete", "task.cancel",
}

// auditInterfaces are the interfaces the filter offers, read as user.via.<interface>.
var auditInterfaces = []roster.Interface{roster.ViaConsole, roster.ViaAPI, roster.ViaCSV, roster.ViaSCIM, roster.ViaCLI, roster.ViaSync}

// auditForm is the filter form as it was sent, kept as typed.
type auditForm struct {
	Actor, Action, Target, Interface, Task, Since, Until string
}

// auditPage is a page of the audit log, newest first. Its state is all in the address.
type auditPage struct {
	Query      url.Values
	Form       auditForm
	Actions    []string
	Interfaces []roster.Interface
	Entries    []auditRow
	Filtered   bool
	Next, Prev string // the cursors of the older and the newer entries
}

// auditRow is one entry with the fields it changed, before and after.
type auditRow struct {
	Entry   *roster.AuditEntry
	Changes []fieldChange
}

// dateLayout is how the time range is typed: a day, in UTC like every time the console shows.
const dateLayout = "2006-01-02"

func (c *Console) auditLog(w http.ResponseWriter, r *http.Request, q *request) {
	query := r.URL.Query()
	form := auditForm{
		Actor: strings.TrimSpace(query.Get("actor")), Action: query.Get("action"), Target: strings.TrimSpace(query.Get("target")),
		Interface: query.Get("interface"), Task: strings.TrimSpace(query.Get("task")),
		Since: strings.TrimSpace(query.Get("since")), Until: strings.TrimSpace(query.Get("until")),
	}
	p := q.page(q.t.Text("audit.title"), "audit")
	f, errs, err := c.auditFilter(r, q, form)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	f.Limit, f.Before, f.After = auditSize, query.Get("before"), query.Get("after")
	page, err := c.svc.AuditEntries(r.Context(), q.actor, f)
	if roster.ErrorCode(err) == roster.CodeInvalid {
		errs = append(errs, problemsOf(q.t, err)...)
	} else if err != nil {
		c.failed(w, r, err)
		return
	}
	status := http.StatusOK
	if len(errs) > 0 {
		// A filter that cannot be read: say so at its field and show the log without filters,
		// rather than a page that looks filtered and is not.
		status = http.StatusUnprocessableEntity
		f = roster.AuditFilter{OrgID: q.org.ID, Limit: auditSize}
		if page, err = c.svc.AuditEntries(r.Context(), q.actor, f); err != nil {
			c.failed(w, r, err)
			return
		}
	}
	data := auditPage{Query: query, Form: form, Actions: auditActions, Interfaces: auditInterfaces,
		Filtered: f != roster.AuditFilter{OrgID: q.org.ID, Limit: auditSize, Before: f.Before, After: f.After},
		Next:     page.Next, Prev: page.Prev}
	for _, e := range page.Entries {
		data.Entries = append(data.Entries, auditRow{Entry: e, Changes: entryChanges(q, e)})
	}
	p.Errors = errs
	p.Data = data
	c.render(w, r, status, "audit", p)
}

// auditFilter reads the filter form. Actor and target take an email address of a user of the
// organization, or the id the log records (a token's, a deleted user's); the time range is
// whole days in UTC, both ends included. Problems are the fields it cannot read; err is a
// failure of the lookups.
func (c *Console) auditFilter(r *http.Request, q *request, form auditForm) (roster.AuditFilter, problems, error) {
	f := roster.AuditFilter{OrgID: q.org.ID, Action: form.Action, Interface: roster.Interface(form.Interface), TaskID: form.Task}
	var errs problems
	var err error
	if f.ActorID, err = c.auditPerson(r, q, "actor", form.Actor, &errs); err != nil {
		return f, nil, err
	}
	if f.TargetID, err = c.auditPerson(r, q, "target", form.Target, &errs); err != nil {
		return f, nil, err
	}
	day := func(field, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		d, err := time.Parse(dateLayout, s)
		if err != nil {
			errs = append(errs, problem{Field: field, Message: q.t.Text("audit.bad_date", "Field", q.t.Text("field."+field))})
		}
		return d
	}
	f.Since = day("since", form.Since)
	if until := day("until", form.Until); !until.IsZero() {
		f.Until = until.AddDate(0, 0, 1)
		if !f.Since.IsZero() && !f.Since.Before(f.Until) {
			errs = append(errs, problem{Field: "until", Message: q.t.Text("audit.bad_range")})
		}
	}
	return f, errs, nil
}

// auditPerson returns the id an actor or target field names: the user of an email address,
// else the text as an id.
func (c *Console) auditPerson(r *http.Request, q *request, field, s string, errs *problems) (string, error) {
	if !strings.Contains(s, "@") {
		return s, nil
	}
	u, err := c.svc.UserByEmail(r.Context(), q.actor, q.org.ID, s)
	switch roster.ErrorCode(err) {
	case "":
		return u.ID, nil
	case roster.CodeNotFound:
		*errs = append(*errs, problem{Field: field, Message: q.t.Text("audit.unknown_email", "Email", s)})
		return "", nil
	}
	return "", err
}

// entryChanges lists the fields of an audit entry, before and after, in the reader's words
// where the catalog has them: a change lists the fields it changed, a creation the values
// created (nothing before), a deletion the values deleted (nothing after); fields empty on
// both sides are left out.
func entryChanges(q *request, e *roster.AuditEntry) []fieldChange {
	var before, after map[string]any
	_ = json.Unmarshal(e.Before, &before)
	_ = json.Unmarshal(e.After, &after)
	keys := make([]string, 0, len(before)+len(after))
	for k := range after {
		keys = append(keys, k)
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make([]fieldChange, 0, len(keys))
	for _, k := range keys {
		c := fieldChange{Field: fieldLabel(q, k), Before: valueLabel(q, k, before[k]), After: valueLabel(q, k, after[k])}
		if c.Before == "—" && c.After == "—" {
			continue // a field a creation or deletion left empty says nothing
		}
		out = append(out, c)
	}
	return out
}

// fieldLabel is the name of a recorded field: the form's label (field.<name>), else the audit
// log's own (audit.field.<name>), else the name as recorded.
func fieldLabel(q *request, k string) string {
	for _, key := range []string{"field." + k, "audit.field." + k} {
		if q.t.Has(key) {
			return q.t.Text(key)
		}
	}
	return k
}

// valueLabel is a recorded value in the reader's words: enumerations by their catalog
// prefix, yes or no, lists joined; other values as recorded.
func valueLabel(q *request, field string, v any) string {
	switch v := v.(type) {
	case nil:
		return "—"
	case bool:
		if v {
			return q.t.Text("audit.value.yes")
		}
		return q.t.Text("audit.value.no")
	case []any:
		if len(v) == 0 {
			return "—"
		}
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = valueLabel(q, field, x)
		}
		return strings.Join(parts, ", ")
	case float64:
		if v == float64(int(v)) {
			return q.t.Num(int(v))
		}
	}
	s := fmt.Sprint(v)
	if s == "" {
		return "—"
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return q.t.Time(t)
	}
	if prefix, ok := valuePrefixes[field]; ok && q.t.Has(prefix+"."+s) {
		return q.t.Text(prefix + "." + s)
	}
	return s
}
