package console

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"roster"
	"roster/internal/provision"
)

// The "Add or modify users" wizard (CONSOLE.md §2.5): one page a step, each step a POST of one
// form whose state travels in hidden fields, so that Back and Next work without JavaScript and
// nothing is kept before Save. Steps only read; Save is the one change: provision runs it once
// per form key and keeps its results for the summary, to which it redirects.

func (c *Console) registerWizard(org func(string, orgHandler)) {
	org("GET /users/add", c.wizardStart)
	org("POST /users/add", c.wizardStep)
	org("GET /users/add/summary/{key}", c.wizardSummary)
	org("GET /users/add/summary/{key}/report.csv", c.wizardReport)
}

// Steps of the wizard, in order.
const (
	stepStart   = "start"   // before you start, and how to enter people
	stepWho     = "who"     // the people
	stepLicense = "license" // one license choice for all
	stepReview  = "review"  // what will happen to each, then Save
)

var wizardSteps = []string{stepStart, stepWho, stepLicense, stepReview}

// Entry modes.
const (
	modeEmails = "emails" // addresses only, in one text area
	modeNames  = "names"  // rows of first name, last name and address
)

// namesShown is how many rows the names mode starts with.
const namesShown = 5

// licenseChoice is one license choice of the license step, and the license and role it gives.
type licenseChoice struct {
	license roster.License // "" keeps what users have
	role    roster.CCRole
}

// licenseChoices are the license step's choices by their form value. The new platform's
// "premium" plus "supervisor" and Contact Center 1.0's "Premium agent – Supervisor role" are
// both "supervisor".
var licenseChoices = map[string]licenseChoice{
	"standard":   {roster.LicenseStandard, roster.RoleAgent},
	"premium":    {roster.LicensePremium, roster.RoleAgent},
	"supervisor": {roster.LicensePremium, roster.RoleSupervisor},
	"none":       {roster.LicenseNone, ""},
	"keep":       {"", ""},
}

// wizardForm is the wizard's state, as every step's form carries it.
type wizardForm struct {
	Mode    string
	Emails  string                 // the text area of the emails mode, as typed
	Entries []provision.BatchEntry // the people (the names mode's rows, blank ones included)
	Choice  string                 // a key of licenseChoices; "" before the license step
	// tooMany: the people step refused more than 25, for which the CSV import is the way.
	tooMany bool
}

// batch is the submission the form describes.
func (f wizardForm) batch() provision.Batch {
	ch := licenseChoices[f.Choice]
	return provision.Batch{Entries: f.Entries, License: ch.license, CCRole: ch.role}
}

// wizardPage is what a step shows.
type wizardPage struct {
	Step       string
	Number     int // of Steps
	Steps      int
	Form       wizardForm
	Max        int
	Welcome    bool // new people get an invitation
	Platform10 bool
	CanAdd     bool // the reader may add people, not only change licenses
	TooMany    bool // more than Max: the CSV import is the way
	Preview    *provision.BatchPreview
	Seats      []string // the seat check, one line per limited license
	Short      bool     // a license could run out of seats
	Lines      []entryLine
	Counts     outcomeCounts
	Key        string // the review's submission key
}

// cellField is one input of a row of the names mode: its name is the form's, its id the row's.
type cellField struct {
	Page               *page
	Name, ID, Value    string
	Type, Autocomplete string
}

// newCell builds the cellField of input name in row.
func newCell(p *page, name string, row int, value, typ string) cellField {
	return cellField{Page: p, Name: name, ID: name + "-" + strconv.Itoa(row), Value: value, Type: typ}
}

// entryLine is one entry of the review or the summary: who, and what will happen or happened.
type entryLine struct {
	Number  int
	Email   string
	Name    string
	Outcome provision.Outcome
	Text    string
}

// outcomeCounts counts the entries by outcome.
type outcomeCounts struct{ Created, Updated, Unchanged, Failed int }

func (c *Console) wizardStart(w http.ResponseWriter, r *http.Request, q *request) {
	if !q.can.Licenses {
		c.errorPage(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	c.renderWizard(w, r, q, http.StatusOK, stepStart, wizardForm{Mode: modeEmails}, nil)
}

// wizardStep answers every step's form: the step it comes from and the button pressed say
// where to go.
func (c *Console) wizardStep(w http.ResponseWriter, r *http.Request, q *request) {
	if !q.can.Licenses {
		c.errorPage(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	f := readWizard(r)
	back := r.PostFormValue("back") != ""
	switch r.PostFormValue("step") {
	case stepStart:
		c.renderWizard(w, r, q, http.StatusOK, stepWho, f, nil)
	case "retry": // "Try the failed ones again" on a summary
		c.renderWizard(w, r, q, http.StatusOK, stepWho, f, nil)
	case stepWho:
		if f.Mode == modeEmails {
			f.Entries = entriesOf(provision.SplitEmails(f.Emails))
		}
		switch {
		case back:
			f.Entries = filled(f.Entries)
			c.renderWizard(w, r, q, http.StatusOK, stepStart, f, nil)
		case r.PostFormValue("add") != "" && f.Mode == modeNames:
			if len(f.Entries) < provision.MaxBatchEntries {
				f.Entries = append(f.Entries, provision.BatchEntry{})
			}
			c.renderWizard(w, r, q, http.StatusOK, stepWho, f, nil)
		case r.PostFormValue("remove") != "" && f.Mode == modeNames:
			if i, err := strconv.Atoi(r.PostFormValue("remove")); err == nil && i >= 0 && i < len(f.Entries) {
				f.Entries = append(f.Entries[:i:i], f.Entries[i+1:]...)
			}
			c.renderWizard(w, r, q, http.StatusOK, stepWho, f, nil)
		default:
			if ps := c.checkEntries(q, &f); len(ps) > 0 {
				c.renderWizard(w, r, q, http.StatusUnprocessableEntity, stepWho, f, ps)
				return
			}
			c.renderWizard(w, r, q, http.StatusOK, stepLicense, f, nil)
		}
	case stepLicense:
		f.Choice = readChoice(r, q.org.Platform)
		if back {
			c.renderWizard(w, r, q, http.StatusOK, stepWho, f, nil)
			return
		}
		if _, ok := licenseChoices[f.Choice]; !ok {
			field := "license-standard"
			if q.org.Platform == roster.Platform10 {
				field = "licensed"
				if r.PostFormValue("licensed") != "" {
					field = "agentType-standard"
				}
			}
			c.renderWizard(w, r, q, http.StatusUnprocessableEntity, stepLicense, f, problems{{Field: field, Message: q.t.Text("wizard.error.choice")}})
			return
		}
		c.renderWizard(w, r, q, http.StatusOK, stepReview, f, nil)
	case stepReview:
		if back {
			c.renderWizard(w, r, q, http.StatusOK, stepLicense, f, nil)
			return
		}
		c.saveWizard(w, r, q, f)
	default:
		c.renderWizard(w, r, q, http.StatusOK, stepStart, f, nil)
	}
}

// saveWizard saves the reviewed submission once and shows its summary.
func (c *Console) saveWizard(w http.ResponseWriter, r *http.Request, q *request, f wizardForm) {
	key := r.PostFormValue("key")
	if _, ok := licenseChoices[f.Choice]; !ok {
		c.renderWizard(w, r, q, http.StatusUnprocessableEntity, stepLicense, f, problems{{Field: "license-standard", Message: q.t.Text("wizard.error.choice")}})
		return
	}
	if _, err := c.svc.SubmitBatch(r.Context(), q.admin, q.org.ID, key, f.batch()); err != nil {
		if code := roster.ErrorCode(err); code == roster.CodeInternal || code == roster.CodeNotFound {
			c.failed(w, r, err)
			return
		}
		c.renderWizard(w, r, q, statusOf(err), stepReview, f, problems{{Message: q.t.Error(err)}})
		return
	}
	http.Redirect(w, r, orgPath(q.org.ID, "/users/add/summary/"+key), http.StatusSeeOther)
}

// readWizard reads the wizard's state from a step's form. The people travel as repeated
// email, firstName and lastName fields, in order.
func readWizard(r *http.Request) wizardForm {
	f := wizardForm{Mode: r.PostFormValue("mode"), Emails: r.PostFormValue("emails"), Choice: r.PostFormValue("choice")}
	if f.Mode != modeNames {
		f.Mode = modeEmails
	}
	emails, firsts, lasts := r.PostForm["email"], r.PostForm["firstName"], r.PostForm["lastName"]
	at := func(vs []string, i int) string {
		if i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	for i := range max(len(emails), len(firsts), len(lasts)) {
		f.Entries = append(f.Entries, provision.BatchEntry{Email: at(emails, i), FirstName: at(firsts, i), LastName: at(lasts, i)})
	}
	return f
}

// readChoice reads the license step's inputs as one choice: the new platform's license and,
// under premium, role; Contact Center 1.0's "Licensed agent" box with its type, or without it
// "No license" or "Don't change". "" when the inputs make no choice.
func readChoice(r *http.Request, platform roster.Platform) string {
	if platform == roster.Platform10 {
		if r.PostFormValue("licensed") != "" {
			switch t := r.PostFormValue("agentType"); t {
			case "standard", "premium", "supervisor":
				return t
			}
			return ""
		}
		switch u := r.PostFormValue("unlicensed"); u {
		case "none", "keep":
			return u
		}
		return ""
	}
	switch l := r.PostFormValue("license"); l {
	case "standard", "none", "keep":
		return l
	case "premium":
		if r.PostFormValue("role") == "supervisor" {
			return "supervisor"
		}
		return "premium"
	}
	return ""
}

func entriesOf(emails []string) []provision.BatchEntry {
	es := make([]provision.BatchEntry, len(emails))
	for i, e := range emails {
		es[i].Email = e
	}
	return es
}

// filled returns the entries someone typed something into.
func filled(es []provision.BatchEntry) []provision.BatchEntry {
	out := make([]provision.BatchEntry, 0, len(es))
	for _, e := range es {
		if e != (provision.BatchEntry{}) {
			out = append(out, e)
		}
	}
	return out
}

// checkEntries checks the people entered (provision.CheckEntries) and returns the problems to
// show at their inputs, in the reader's language. In the emails mode, the addresses are
// already split and each kept once; in the names mode, blank rows are dropped.
func (c *Console) checkEntries(q *request, f *wizardForm) problems {
	t := q.t
	rows := make([]int, 0, len(f.Entries)) // the row of each entry checked
	var entries []provision.BatchEntry
	for i, e := range f.Entries {
		if e != (provision.BatchEntry{}) {
			rows, entries = append(rows, i), append(entries, e)
		}
	}
	err := provision.CheckEntries(entries)
	if err == nil {
		f.Entries = entries
		return nil
	}
	firstInput := "emails"
	if f.Mode == modeNames {
		firstInput = "email-0"
	}
	switch roster.ErrorCode(err) {
	case roster.CodeBatchTooLarge:
		f.tooMany = true
		return problems{{Field: firstInput, Message: t.Error(err)}}
	case roster.CodeInvalid, roster.CodeDuplicateEmail:
	default:
		return problems{{Message: t.Error(err)}}
	}
	var ps problems
	var bad []string
	for _, fe := range roster.ErrorFields(err) {
		name, index, _ := strings.Cut(fe.Field, ".")
		i, convErr := strconv.Atoi(index)
		if name == "entries" || convErr != nil || i >= len(entries) {
			ps = append(ps, problem{Field: firstInput, Message: t.Text("wizard.error.none")})
			continue
		}
		if f.Mode == modeEmails {
			bad = append(bad, entries[i].Email)
			continue
		}
		var msg string
		switch {
		case fe.Code == roster.CodeDuplicateEmail:
			msg = t.Code(fe.Code, nil)
		case name == "email" && entries[i].Email == "":
			msg = t.Text("wizard.error.email_missing")
		case name == "email":
			msg = t.Text("wizard.error.email_invalid")
		default:
			msg = t.Text("wizard.error.name")
		}
		// The summary lists every row's problems: each says whose it is.
		ps = append(ps, problem{Field: name + "-" + strconv.Itoa(rows[i]),
			Message: t.Text("wizard.error.at_person", "Person", t.Text("wizard.person", "N", rows[i]+1), "Message", msg)})
	}
	if len(bad) > 0 {
		ps = append(ps, problem{Field: "emails", Message: t.Text("wizard.error.emails_invalid", "List", strings.Join(bad, ", "))})
	}
	return ps
}

// renderWizard shows a step of the wizard with the form's state.
func (c *Console) renderWizard(w http.ResponseWriter, r *http.Request, q *request, status int, step string, f wizardForm, errs problems) {
	d := wizardPage{Step: step, Steps: len(wizardSteps), Form: f, Max: provision.MaxBatchEntries,
		Welcome: q.org.Settings.SendWelcomeEmail, Platform10: q.org.Platform == roster.Platform10, CanAdd: q.can.Users}
	for i, s := range wizardSteps {
		if s == step {
			d.Number = i + 1
		}
	}
	d.TooMany = f.tooMany
	switch step {
	case stepWho:
		if f.Mode == modeNames {
			for len(d.Form.Entries) < namesShown {
				d.Form.Entries = append(d.Form.Entries, provision.BatchEntry{})
			}
			d.Form.Entries = d.Form.Entries[:min(len(d.Form.Entries), provision.MaxBatchEntries)]
		} else if d.Form.Emails == "" {
			emails := make([]string, 0, len(f.Entries))
			for _, e := range filled(f.Entries) {
				emails = append(emails, e.Email)
			}
			d.Form.Emails = strings.Join(emails, "\n")
		}
	case stepLicense, stepReview:
		b := f.batch()
		if step == stepLicense {
			b.License, b.CCRole = "", "" // the seat check does not depend on the choice
		}
		p, err := c.svc.PreviewAddOrModifyUsers(r.Context(), q.actor, q.org.ID, b)
		if err != nil {
			if code := roster.ErrorCode(err); code == roster.CodeInternal || code == roster.CodeNotFound || code == roster.CodeForbidden {
				c.failed(w, r, err)
				return
			}
			// The people no longer pass (a form sent by hand): back to them.
			c.renderWizard(w, r, q, statusOf(err), stepWho, f, problems{{Message: q.t.Error(err)}})
			return
		}
		d.Preview = p
		for _, s := range p.Seats {
			d.Seats = append(d.Seats, q.t.Text("wizard.seat_check",
				"License", q.t.Text("license."+string(s.License)), "Left", q.t.Plural("wizard.seats_left", s.Free), "UpTo", s.UpTo))
			d.Short = d.Short || s.Short()
		}
		if step == stepReview {
			d.Key = newWizardKey()
			d.Lines, d.Counts = entryLines(q, f.Entries, p.Results, false)
		}
	}
	title := q.t.Text("wizard.step."+step) + " — " + q.t.Text("wizard.title")
	pg := q.page(title, "users")
	pg.Errors = errs
	pg.Data = d
	c.render(w, r, status, "wizard", pg)
}

// newWizardKey names one review form's submission (provision.SubmitBatch): 128 random bits.
func newWizardKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// entryLines says, per entry, what will happen (a review) or happened (a summary), with the
// reasons of failures in the reader's language, and counts the outcomes.
func entryLines(q *request, entries []provision.BatchEntry, results []provision.Result, done bool) ([]entryLine, outcomeCounts) {
	t := q.t
	tense := "will"
	if done {
		tense = "did"
	}
	var n outcomeCounts
	lines := make([]entryLine, len(results))
	for i, res := range results {
		l := entryLine{Number: i + 1, Email: res.Email, Outcome: res.Outcome}
		if i < len(entries) {
			l.Name = strings.TrimSpace(entries[i].FirstName + " " + entries[i].LastName)
		}
		switch res.Outcome {
		case provision.Created:
			n.Created++
			l.Text = t.Text("wizard."+tense+".create", "License", holdingLabel(q, res.After))
		case provision.Updated:
			n.Updated++
			if res.Before != res.After {
				l.Text = t.Text("wizard."+tense+".change", "From", holdingLabel(q, res.Before), "To", holdingLabel(q, res.After))
			} else {
				l.Text = t.Text("wizard."+tense+".rename", "License", holdingLabel(q, res.After))
			}
		case provision.Unchanged:
			n.Unchanged++
			l.Text = t.Text("wizard."+tense+".keep", "License", holdingLabel(q, res.After))
		default:
			n.Failed++
			l.Text = failureReason(q, res)
		}
		lines[i] = l
	}
	return lines, n
}

// holdingLabel names a license with its role: "Premium agent – Supervisor".
func holdingLabel(q *request, h provision.Holding) string {
	switch {
	case h.License == roster.LicensePremium && h.CCRole == roster.RoleSupervisor:
		return q.t.Text("wizard.premium_supervisor")
	case h.License == "":
		return q.t.Text("license.none")
	}
	return q.t.Text("license." + string(h.License))
}

// failureReason is a failed entry's reason in the reader's language, by its code: never the
// English message, which may name another organization.
func failureReason(q *request, res provision.Result) string {
	switch {
	case res.Code == roster.CodeInvalid && res.Field == "email":
		return q.t.Text("wizard.error.email_invalid")
	case res.Code == roster.CodeInvalid && res.Field != "":
		return q.t.Code(res.Code, map[string]any{"Field": q.t.Text("field." + res.Field)})
	case res.Code == roster.CodeForbidden:
		return q.t.Text("wizard.error.cannot_add")
	}
	return q.t.Code(res.Code, nil)
}

// wizardSummary shows the summary of records processed of a saved submission.
func (c *Console) wizardSummary(w http.ResponseWriter, r *http.Request, q *request) {
	rec, err := c.svc.SubmittedBatch(r.Context(), q.admin, q.org.ID, r.PathValue("key"))
	if err != nil {
		c.failed(w, r, err)
		return
	}
	d := wizardPage{Step: "summary", Form: wizardForm{Mode: modeEmails}, Key: rec.Key, Welcome: q.org.Settings.SendWelcomeEmail}
	d.Lines, d.Counts = entryLines(q, rec.Batch.Entries, rec.Results, true)
	// "Try the failed ones again" goes back to the people step with them and the same choice.
	for i, res := range rec.Results {
		if res.Outcome == provision.Failed && i < len(rec.Batch.Entries) {
			e := rec.Batch.Entries[i]
			d.Form.Entries = append(d.Form.Entries, e)
			if e.FirstName != "" || e.LastName != "" {
				d.Form.Mode = modeNames
			}
		}
	}
	for ch, lc := range licenseChoices {
		if lc.license == rec.Batch.License && (lc.role == rec.Batch.CCRole || rec.Batch.CCRole == "" && lc.role != roster.RoleSupervisor) {
			d.Form.Choice = ch
		}
	}
	pg := q.page(q.t.Text("wizard.summary.title"), "users")
	pg.Data = d
	c.render(w, r, http.StatusOK, "wizard", pg)
}

// wizardReport downloads the summary as the per-row report CSV.
func (c *Console) wizardReport(w http.ResponseWriter, r *http.Request, q *request) {
	rec, err := c.svc.SubmittedBatch(r.Context(), q.admin, q.org.ID, r.PathValue("key"))
	if err != nil {
		c.failed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="add-or-modify-users.csv"`)
	if err := provision.WriteBatchReport(w, rec); err != nil {
		c.log.ErrorContext(r.Context(), "batch report", "err", err, "requestId", r.Header.Get("X-Request-Id"))
	}
}
