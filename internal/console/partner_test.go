package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
)

// newOrg creates another organization, managed by partner when partner is not "".
func (e *env) newOrg(name, partner string) *roster.Org {
	e.t.Helper()
	platform := roster.PlatformNew
	o, err := e.svc.CreateOrg(e.t.Context(), sys, provision.OrgChange{Name: &name, Platform: &platform, PartnerID: &partner})
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

// TestCustomerView: the administrators of a partner organization (Acme) open its customers
// (Beta, Gamma) with the role they hold in Acme, and nothing else (Delta); the partner's
// removal closes the customer at once.
func TestCustomerView(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	beta, gamma, delta := e.newOrg("Beta", e.org.ID), e.newOrg("Gamma", e.org.ID), e.newOrg("Delta", "")
	full, readOnly := e.signedIn(roster.AdminFull, "en"), e.signedIn(roster.AdminReadOnly, "en")
	in := func(o *roster.Org, p string) string { return "/console/orgs/" + o.ID + p }

	resp := full.get("/console/orgs")
	if resp.status != http.StatusOK {
		t.Fatalf("the organization switcher: %d\n%s", resp.status, resp.body)
	}
	for _, o := range []*roster.Org{e.org, beta, gamma} {
		if !strings.Contains(resp.body, `href="`+in(o, "/")+`"`) {
			t.Errorf("the switcher lacks %s", o.Name)
		}
	}
	if strings.Contains(resp.body, delta.ID) || strings.Contains(resp.body, `action="/console/orgs"`) {
		t.Errorf("the switcher shows Delta or the creation form")
	}
	if !strings.Contains(full.get(e.orgPath("/")).body, `href="/console/orgs"`) {
		t.Errorf("the partner's own pages do not link the switcher")
	}

	// Each customer's pages, with the partner's role; the notice says where one is.
	for _, o := range []*roster.Org{beta, gamma} {
		resp := full.get(in(o, "/users"))
		if resp.status != http.StatusOK || !strings.Contains(resp.body, "Add or modify users") ||
			!strings.Contains(resp.body, "You are working in "+o.Name+" as an administrator of its partner, Acme") {
			t.Errorf("%s as a full administrator of its partner: %d\n%s", o.Name, resp.status, resp.body)
		}
	}
	if resp := readOnly.get(in(beta, "/users")); resp.status != http.StatusOK || strings.Contains(resp.body, "Add or modify users") {
		t.Errorf("Beta as a read-only administrator of its partner: %d", resp.status)
	}

	// A change in a customer: allowed to the full administrator, in the customer's audit log
	// under the administrator's own address; refused to the read-only one.
	form := url.Values{"version": {strconv.FormatInt(beta.Version, 10)}, "name": {"Beta AB"}, "settings.defaultLanguage": {"en"}}
	if resp := readOnly.post(in(beta, "/settings"), form); resp.status != http.StatusForbidden {
		t.Errorf("a read-only partner administrator renames Beta: %d", resp.status)
	}
	if resp := full.post(in(beta, "/settings"), form); resp.status != http.StatusSeeOther {
		t.Fatalf("the partner renames Beta: %d\n%s", resp.status, resp.body)
	}
	entries, err := e.svc.AuditEntries(t.Context(), sys, roster.AuditFilter{OrgID: beta.ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries.Entries) == 0 || entries.Entries[0].ActorName != "full@acme.example" || entries.Entries[0].OrgID != beta.ID || entries.Entries[0].Action != "org.update" {
		t.Errorf("audit of the rename: %+v", entries.Entries)
	}

	// The subscription stays the installation's: seats and the partner itself.
	v := strconv.FormatInt(beta.Version+1, 10)
	for p, f := range map[string]url.Values{
		"/settings/seats":   {"version": {v}, "seats.standard": {"5"}, "seats.premium": {"5"}},
		"/settings/partner": {"version": {v}, "partnerOrgId": {""}},
	} {
		if resp := full.post(in(beta, p), f); resp.status != http.StatusForbidden {
			t.Errorf("the partner posts %s of Beta: %d", p, resp.status)
		}
	}

	// Another organization is not found, read or written.
	for _, p := range []string{"/", "/users", "/settings", "/audit"} {
		if resp := full.get(in(delta, p)); resp.status != http.StatusNotFound || strings.Contains(resp.body, "Delta") {
			t.Errorf("Delta %s: %d", p, resp.status)
		}
	}
	if resp := full.post(in(delta, "/settings"), url.Values{"version": {"1"}, "name": {"Hacked"}}); resp.status != http.StatusNotFound {
		t.Errorf("the partner renames Delta: %d", resp.status)
	}

	// The installation ends the partnership: the next request is refused.
	none := ""
	if _, err := e.svc.UpdateOrg(t.Context(), sys, gamma.ID, provision.OrgChange{PartnerID: &none}, 0); err != nil {
		t.Fatal(err)
	}
	if resp := full.get(in(gamma, "/users")); resp.status != http.StatusNotFound {
		t.Errorf("Gamma after its partner was removed: %d", resp.status)
	}
	if resp := full.get("/console/orgs"); strings.Contains(resp.body, gamma.ID) {
		t.Errorf("the switcher still lists Gamma")
	}
	for _, o := range []*roster.Org{beta, gamma, delta} {
		got, err := e.svc.Org(t.Context(), sys, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{beta.ID: "Beta AB", gamma.ID: "Gamma", delta.ID: "Delta"}[o.ID]; got.Name != want || got.Seats.Standard != 0 {
			t.Errorf("%s: name %q seats %d", o.Name, got.Name, got.Seats.Standard)
		}
	}
}

// TestAssignPartner: an installation administrator chooses an organization's partner on its
// settings page; bad choices are refused and change nothing.
func TestAssignPartner(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	beta := e.newOrg("Beta", "")
	b := e.installation("en")
	settings := "/console/orgs/" + beta.ID + "/settings"
	resp := b.get(settings)
	if resp.status != http.StatusOK || !strings.Contains(resp.body, "No partner organization manages this organization.") ||
		!strings.Contains(resp.body, `<option value="`+e.org.ID+`">Acme</option>`) || strings.Contains(resp.body, `<option value="`+beta.ID+`"`) {
		t.Fatalf("Beta's settings: %d\n%s", resp.status, resp.body)
	}
	v := strconv.FormatInt(beta.Version, 10)
	for _, bad := range []string{beta.ID, roster.NewID()} {
		resp := b.post(settings+"/partner", url.Values{"version": {v}, "partnerOrgId": {bad}})
		if resp.status != http.StatusUnprocessableEntity || !strings.Contains(resp.body, "error-summary") || !strings.Contains(resp.body, `aria-invalid="true"`) {
			t.Errorf("partner %s: %d\n%s", bad, resp.status, resp.body)
		}
	}
	if resp := b.post(settings+"/partner", url.Values{"version": {v}, "partnerOrgId": {e.org.ID}}); resp.status != http.StatusSeeOther {
		t.Fatalf("assign: %d\n%s", resp.status, resp.body)
	}
	if resp := b.get(settings); !strings.Contains(resp.body, "Managed by the partner organization Acme.") || !strings.Contains(resp.body, "Partner saved.") {
		t.Errorf("Beta's settings after the assignment:\n%s", resp.body)
	}
	if resp := b.get("/console/orgs"); !strings.Contains(resp.body, `<a href="/console/orgs/`+e.org.ID+`/">Acme</a></td></tr>`) {
		t.Errorf("the organizations page does not show Beta's partner:\n%s", resp.body)
	}
	// Acme's administrators (the installation administrator aside) now reach Beta.
	if resp := e.signedIn(roster.AdminCCService, "en").get(settings); resp.status != http.StatusOK || !strings.Contains(resp.body, "Managed by the partner organization Acme.") {
		t.Errorf("Beta for a cc_service administrator of Acme: %d", resp.status)
	}
}
