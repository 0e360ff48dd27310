package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
)

// installation returns a browser of a full administrator of the test organization who is also
// an installation administrator: the one who changes seats and the platform.
func (e *env) installation(lang string) *browser {
	e.t.Helper()
	u := e.newAdmin("installation@acme.example", roster.AdminFull)
	if _, err := e.svc.GrantInstallationAdmin(e.t.Context(), sys, u.Email); err != nil {
		e.t.Fatal(err)
	}
	b := e.browser(lang)
	if resp := b.post("/console/sign-in", url.Values{"email": {u.Email}, "password": {password}}); resp.status != http.StatusSeeOther {
		e.t.Fatalf("sign in: %d", resp.status)
	}
	return b
}

// currentOrg reads the test organization again.
func (e *env) currentOrg() *roster.Org {
	e.t.Helper()
	o, err := e.svc.Org(e.t.Context(), sys, e.org.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

// newToken mints a token of the test organization.
func (e *env) newToken(name string) *roster.APIToken {
	e.t.Helper()
	t, _, err := e.svc.CreateToken(e.t.Context(), sys, provision.NewToken{OrgID: e.org.ID, Name: name, Role: roster.AdminReadOnly})
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

// TestSettingsPagesByRole opens the settings, tokens, platform and license pages as each kind
// of reader, and checks which forms each one gets.
func TestSettingsPagesByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	readers := map[string]*browser{
		"signed out":   e.browser("en"),
		"full":         e.signedIn(roster.AdminFull, "en"),
		"cc_service":   e.signedIn(roster.AdminCCService, "en"),
		"read_only":    e.signedIn(roster.AdminReadOnly, "en"),
		"installation": e.installation("en"),
	}
	tok := e.newToken("Nightly export")
	settings := e.orgPath("/settings")
	post := func(p string) string { return `method="post" action="` + settings + p + `"` }
	tests := []struct {
		reader, path string
		status       int
		has, hasNot  []string
	}{
		{"signed out", settings, http.StatusSeeOther, nil, nil},
		{"signed out", e.orgPath("/licenses"), http.StatusSeeOther, nil, nil},
		{"full", settings, http.StatusOK, []string{"<h1>Organization settings</h1>", post(""), `name="version" value="`,
			`href="` + settings + `/tokens"`, "an installation administrator changes them", `aria-current="page">Settings<`},
			[]string{post("/seats"), `action="` + settings + `/platform"`, post("/partner")}},
		{"installation", settings, http.StatusOK, []string{post(""), post("/seats"), `action="` + settings + `/platform"`, `id="seats.premium"`,
			post("/partner"), "No partner organization manages this organization."}, nil},
		{"cc_service", settings, http.StatusOK, []string{"Only full administrators change these settings", "English"},
			[]string{`method="post" action="` + settings, settings + "/tokens"}},
		{"read_only", settings, http.StatusOK, []string{"Only full administrators change these settings"},
			[]string{`method="post" action="` + settings, settings + "/tokens"}},
		{"full", settings + "/tokens", http.StatusOK, []string{"Nightly export", "Read-only administrator", "Never", post("/tokens"),
			`href="` + settings + "/tokens/" + tok.ID + `/delete"`}, []string{"rst_"}},
		{"cc_service", settings + "/tokens", http.StatusForbidden, nil, []string{"Nightly export"}},
		{"read_only", settings + "/tokens", http.StatusForbidden, nil, []string{"Nightly export"}},
		{"full", settings + "/tokens/" + tok.ID + "/delete", http.StatusOK, []string{"Delete the token “Nightly export”?", "never been used",
			"cannot be undone", post("/tokens/" + tok.ID + "/delete"), "autofocus"}, nil},
		{"read_only", settings + "/tokens/" + tok.ID + "/delete", http.StatusForbidden, nil, nil},
		{"full", settings + "/tokens/" + roster.NewID() + "/delete", http.StatusNotFound, nil, nil},
		{"full", settings + "/platform?platform=1.0", http.StatusForbidden, nil, nil},
		{"installation", settings + "/platform?platform=1.0", http.StatusOK, []string{"Change the platform to Contact Center 1.0?",
			"A supervisor can no longer be an administrator", "Users, licenses, roles and agents stay as they are.", post("/platform"), "autofocus"}, nil},
		{"installation", settings + "/platform?platform=2.0", http.StatusUnprocessableEntity, []string{"error-summary"}, nil},
		{"installation", settings + "/platform?platform=new", http.StatusSeeOther, nil, nil},
		{"read_only", e.orgPath("/licenses"), http.StatusOK, []string{"<h1>License usage</h1>", "Inactive users keep their license", "Unlimited seats"}, []string{"<svg"}},
		{"cc_service", e.orgPath("/licenses"), http.StatusOK, []string{"Unlimited seats"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.reader+" "+strings.TrimPrefix(tt.path, e.orgPath("")), func(t *testing.T) {
			resp := readers[tt.reader].get(tt.path)
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d\n%s", resp.status, tt.status, resp.body)
			}
			for _, s := range tt.has {
				if !strings.Contains(resp.body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(resp.body, s) {
					t.Errorf("page shows %q", s)
				}
			}
			if tt.status != http.StatusSeeOther {
				checkHeaders(t, resp)
			}
		})
	}

	// Every POST checks again: roles that may not are refused and nothing changes.
	v := strconv.FormatInt(e.org.Version, 10)
	refused := []struct {
		reader, path string
		form         url.Values
	}{
		{"read_only", "", url.Values{"version": {v}, "name": {"Hacked"}, "settings.defaultLanguage": {"pl"}}},
		{"cc_service", "", url.Values{"version": {v}, "name": {"Hacked"}, "settings.defaultLanguage": {"pl"}}},
		{"full", "/seats", url.Values{"version": {v}, "seats.standard": {"5"}, "seats.premium": {"5"}}},
		{"full", "/seats", url.Values{"version": {v}, "seats.standard": {"five"}, "seats.premium": {"5"}}},
		{"full", "/platform", url.Values{"version": {v}, "platform": {"1.0"}}},
		{"full", "/partner", url.Values{"version": {v}, "partnerOrgId": {""}}},
		{"read_only", "/partner", url.Values{"version": {v}, "partnerOrgId": {""}}},
		{"cc_service", "/tokens", url.Values{"name": {"mine"}, "role": {"full"}}},
		{"read_only", "/tokens/" + tok.ID + "/delete", nil},
	}
	for _, tt := range refused {
		resp := readers[tt.reader].post(settings+tt.path, tt.form)
		if resp.status != http.StatusForbidden {
			t.Errorf("%s POST %s: %d, want 403", tt.reader, tt.path, resp.status)
		}
	}
	o := e.currentOrg()
	if o.Name != "Acme" || o.Seats.Standard != 0 || o.Platform != roster.PlatformNew || o.Version != e.org.Version {
		t.Errorf("the organization changed: %+v", o)
	}
	tokens, err := e.svc.Tokens(t.Context(), sys, e.org.ID)
	if err != nil || len(tokens) != 1 {
		t.Errorf("tokens: %d %v", len(tokens), err)
	}
	if resp := readers["signed out"].post(settings, url.Values{"name": {"x"}}); resp.status != http.StatusSeeOther {
		t.Errorf("signed out POST: %d", resp.status)
	}
}

// TestSaveSettings saves the organization's settings and seats, and refuses bad input and a
// stale form without changing anything.
func TestSaveSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.installation("en")
	settings := e.orgPath("/settings")
	v := versionOn(t, b.get(settings).body)

	resp := b.post(settings, url.Values{"version": {v}, "name": {""}, "settings.defaultLanguage": {"sv"}, "settings.sendWelcomeEmail": {"true"}})
	mustAnswer(t, "empty name", resp, http.StatusUnprocessableEntity, "error-summary", `href="#name"`, `aria-invalid="true"`)
	resp = b.post(settings, url.Values{"version": {v}, "name": {"Acme AB"}, "settings.defaultLanguage": {"xx"}})
	mustAnswer(t, "unknown language", resp, http.StatusUnprocessableEntity, `href="#settings.defaultLanguage"`, `value="Acme AB"`)
	resp = b.post(settings+"/seats", url.Values{"version": {v}, "seats.standard": {"ten"}, "seats.premium": {"-1"}})
	mustAnswer(t, "seats not a number", resp, http.StatusUnprocessableEntity, `href="#seats.standard"`, `value="ten"`)
	resp = b.post(settings+"/seats", url.Values{"version": {v}, "seats.standard": {"10"}, "seats.premium": {"-1"}})
	mustAnswer(t, "negative seats", resp, http.StatusUnprocessableEntity, `href="#seats.premium"`, `value="-1"`)
	resp = b.post(settings, url.Values{"name": {"Acme AB"}, "settings.defaultLanguage": {"sv"}})
	mustAnswer(t, "no version", resp, http.StatusConflict, "Someone changed the settings")
	if o := e.currentOrg(); o.Name != "Acme" || o.Version != e.org.Version {
		t.Fatalf("refused forms changed the organization: %+v", o)
	}

	resp = b.post(settings, url.Values{"version": {v}, "name": {" Acme AB "}, "settings.defaultLanguage": {"sv"}})
	if resp.status != http.StatusSeeOther || resp.header.Get("Location") != settings {
		t.Fatalf("save: %d %s\n%s", resp.status, resp.header.Get("Location"), resp.body)
	}
	o := e.currentOrg()
	if o.Name != "Acme AB" || o.Settings.DefaultLanguage != roster.Swedish || o.Settings.SendWelcomeEmail {
		t.Fatalf("after save: %+v", o)
	}
	// The organization's language is the reader's now: they chose none of their own.
	page := b.get(settings)
	mustAnswer(t, "settings after save", page, http.StatusOK, `<html lang="sv">`, "Settings saved.", `value="Acme AB"`,
		`<option value="sv" lang="sv" selected>`)
	// The form of the older version is stale now: refused, the current values shown.
	resp = b.post(settings+"/seats", url.Values{"version": {v}, "seats.standard": {"10"}, "seats.premium": {"5"}})
	mustAnswer(t, "stale seats", resp, http.StatusConflict, "Någon ändrade inställningarna efter att du öppnade sidan", `value="Acme AB"`)
	if o := e.currentOrg(); o.Seats.Standard != 0 {
		t.Fatalf("stale form saved: %+v", o.Seats)
	}
	resp = b.post(settings+"/seats", url.Values{"version": {versionOn(t, page.body)}, "seats.standard": {"10"}, "seats.premium": {"5"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("seats: %d\n%s", resp.status, resp.body)
	}
	if o := e.currentOrg(); o.Seats != (roster.Seats{Standard: 10, Premium: 5}) {
		t.Fatalf("seats after save: %+v", o.Seats)
	}
}

var secretOnPage = regexp.MustCompile(`value="(rst_[A-Za-z0-9_-]+)"`)

// TestTokens creates a token, whose secret is on the answer to the form and nowhere after,
// then deletes it through its confirmation page.
func TestTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	tokens := e.orgPath("/settings/tokens")

	resp := b.post(tokens, url.Values{"name": {"CI"}, "role": {"owner"}})
	mustAnswer(t, "unknown role", resp, http.StatusUnprocessableEntity, "error-summary", `href="#role"`, `value="CI"`)
	resp = b.post(tokens, url.Values{"name": {strings.Repeat("n", 300)}, "role": {"read_only"}})
	mustAnswer(t, "long name", resp, http.StatusUnprocessableEntity, `href="#name"`)

	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(b.get(tokens).body)
	if key == nil {
		t.Fatal("the form has no key")
	}
	form := url.Values{"name": {"CI"}, "role": {"cc_service"}, "key": {key[1]}}
	resp = b.post(tokens, form)
	mustAnswer(t, "create", resp, http.StatusOK, "Token “CI” created", "shown this once only", "Contact center service administrator")
	// The same form again (a reload of the answer) creates nothing and shows no secret.
	again := b.post(tokens, form)
	mustAnswer(t, "sent twice", again, http.StatusConflict, "This form was sent before", "cannot be shown again")
	if strings.Contains(again.body, "rst_") {
		t.Error("the form sent twice shows a secret")
	}
	m := secretOnPage.FindStringSubmatch(resp.body)
	if m == nil {
		t.Fatalf("no secret on the page:\n%s", resp.body)
	}
	if resp.header.Get("Cache-Control") != "no-store" {
		t.Errorf("the secret's page may be cached: %q", resp.header.Get("Cache-Control"))
	}
	actor, err := e.svc.Authenticate(t.Context(), m[1], roster.ViaAPI)
	if err != nil || actor.OrgID != e.org.ID || actor.Role != roster.AdminCCService {
		t.Fatalf("the secret does not authenticate: %+v %v", actor, err)
	}
	// The next page, and every later one, has no secret: it is nowhere to be read again.
	for _, p := range []string{tokens, e.orgPath("/settings"), tokens} {
		if body := b.get(p).body; strings.Contains(body, m[1]) || strings.Contains(body, "rst_") {
			t.Fatalf("%s shows the secret again", p)
		}
	}
	list, err := e.svc.Tokens(t.Context(), sys, e.org.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("tokens: %v %v", list, err)
	}
	del := tokens + "/" + list[0].ID + "/delete"
	mustAnswer(t, "confirm", b.get(del), http.StatusOK, "Delete the token “CI”?", "It was last used", "Delete token")
	resp = b.post(del, nil)
	if resp.status != http.StatusSeeOther || resp.header.Get("Location") != tokens {
		t.Fatalf("delete: %d %s", resp.status, resp.header.Get("Location"))
	}
	mustAnswer(t, "after delete", b.get(tokens), http.StatusOK, "The token “CI” was deleted.", "No API tokens yet.")
	if _, err := e.svc.Authenticate(t.Context(), m[1], roster.ViaAPI); roster.ErrorCode(err) != roster.CodeUnauthorized {
		t.Fatalf("a deleted token still authenticates: %v", err)
	}
	if resp := b.post(del, nil); resp.status != http.StatusNotFound {
		t.Fatalf("delete again: %d", resp.status)
	}
}

// TestChangePlatform confirms a platform change, refused while a supervisor holds an
// administrator role.
func TestChangePlatform(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.installation("en")
	sup := e.newUser(provision.NewUser{Email: "sup@acme.example", License: roster.LicensePremium, CCRole: roster.RoleSupervisor})
	role := roster.AdminReadOnly
	if _, err := e.svc.UpdateUser(t.Context(), sys, e.org.ID, sup.ID, provision.UserChange{AdminRole: &role}, 0); err != nil {
		t.Fatal(err)
	}
	confirm := e.orgPath("/settings/platform")
	page := b.get(confirm + "?platform=1.0")
	mustAnswer(t, "confirm", page, http.StatusOK, "1 supervisor holds an administrator role", `href="`+e.orgPath("/users?ccRole=supervisor")+`"`)
	if strings.Contains(page.body, "Change to Contact Center 1.0") {
		t.Error("the change is offered while it would be refused")
	}
	v := versionOn(t, page.body)
	resp := b.post(confirm, url.Values{"version": {v}, "platform": {"1.0"}})
	mustAnswer(t, "refused", resp, http.StatusUnprocessableEntity, "a supervisor cannot be an administrator", "1 supervisor holds")
	if o := e.currentOrg(); o.Platform != roster.PlatformNew {
		t.Fatal("the platform changed")
	}
	none := roster.AdminNone
	if _, err := e.svc.UpdateUser(t.Context(), sys, e.org.ID, sup.ID, provision.UserChange{AdminRole: &none}, 0); err != nil {
		t.Fatal(err)
	}
	mustAnswer(t, "confirm again", b.get(confirm+"?platform=1.0"), http.StatusOK, "Change to Contact Center 1.0")
	resp = b.post(confirm, url.Values{"version": {v}, "platform": {"1.0"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", resp.status, resp.body)
	}
	if o := e.currentOrg(); o.Platform != roster.Platform10 {
		t.Fatalf("platform: %s", o.Platform)
	}
	mustAnswer(t, "settings", b.get(e.orgPath("/settings")), http.StatusOK, "The platform is now Contact Center 1.0.")
	// The form made before the change is stale now.
	mustAnswer(t, "stale", b.post(confirm, url.Values{"version": {v}, "platform": {"new"}}), http.StatusConflict, "Someone changed the settings")
}

// TestLicenseUsagePage shows seats used of seats bought as a bar, the sources with links to
// the filtered users list, and the inactive users who keep their license.
func TestLicenseUsagePage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.installation("en")
	seats := 4
	if _, err := e.svc.UpdateOrg(t.Context(), sys, e.org.ID, provision.OrgChange{PremiumSeats: &seats}, 0); err != nil {
		t.Fatal(err)
	}
	name, premium := "Night shift", roster.LicensePremium
	g, err := e.svc.CreateGroup(t.Context(), sys, e.org.ID, provision.GroupInput{Name: &name, License: &premium})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetLicenseAssignment(t.Context(), sys, e.org.ID, roster.LicenseAssignment{Mode: roster.AssignGroup}, 0); err != nil {
		t.Fatal(err)
	}
	a := e.newUser(provision.NewUser{Email: "a@acme.example", License: roster.LicensePremium})
	c := e.newUser(provision.NewUser{Email: "c@acme.example"})
	if _, err := e.svc.AddMembers(t.Context(), sys, e.org.ID, g.ID, provision.MemberRefs{UserIDs: []string{c.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeactivateUser(t.Context(), sys, e.org.ID, a.ID, 0); err != nil {
		t.Fatal(err)
	}
	users := e.orgPath("/users")
	resp := b.get(e.orgPath("/licenses"))
	mustAnswer(t, "licenses", resp, http.StatusOK, "2 of 4 seats used", "2 seats free", `<rect class="seat-used" x="0" y="0" width="200" height="24"/>`,
		`href="`+users+`?license=premium&amp;group=`+g.ID+`">Night shift</a>`, `href="`+users+`?license=premium&amp;status=inactive">Show the 1 inactive user`,
		"Show the 2 users with this license", "Inactive users keep their license", `aria-current="page">Licenses<`)
	if strings.Contains(resp.body, "style=") {
		t.Error("the page has an inline style")
	}
}

// TestSettingsInEveryLanguage renders the pages in each language without a message key.
func TestSettingsInEveryLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.installation("en")
	tok := e.newToken("CI")
	pages := []string{e.orgPath("/settings"), e.orgPath("/settings/tokens"), e.orgPath("/settings/tokens/" + tok.ID + "/delete"),
		e.orgPath("/settings/platform?platform=1.0"), e.orgPath("/licenses")}
	for _, lang := range roster.Languages {
		if resp := b.post("/console/language", url.Values{"language": {string(lang)}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
			t.Fatalf("language %s: %d", lang, resp.status)
		}
		for _, p := range pages {
			resp := b.get(p)
			if resp.status != http.StatusOK {
				t.Fatalf("%s %s: %d", lang, p, resp.status)
			}
			checkLocalized(t, lang, p, resp.body)
		}
		resp := b.post(e.orgPath("/settings/tokens"), url.Values{"name": {"x"}, "role": {"nobody"}})
		if resp.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s bad token: %d", lang, resp.status)
		}
		checkLocalized(t, lang, "token error", resp.body)
	}
}
