package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
)

// TestSignInWithAnotherSpelling: sign-in looks the address up in the one normalized form, so
// an administrator of an internationalized domain signs in however the domain is typed.
func TestSignInWithAnotherSpelling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	e.newAdmin("boss@bücher.example", roster.AdminFull)
	for _, email := range []string{"BOSS@xn--bcher-kva.example", "boss@bu\u0308cher.example", "boss@BÜCHER.EXAMPLE"} {
		resp := e.browser("en").post("/console/sign-in", url.Values{"email": {email}, "password": {password}})
		if resp.status != http.StatusSeeOther {
			t.Errorf("sign in as %s: %d", email, resp.status)
		}
	}
	// An address with an invisible character is another address: no such administrator.
	resp := e.browser("en").post("/console/sign-in", url.Values{"email": {"bo\u200bss@bücher.example"}, "password": {password}})
	if resp.status != http.StatusUnprocessableEntity {
		t.Errorf("sign in with a zero-width space: %d", resp.status)
	}
}

// TestHiddenCharactersInTheConsole: a name with a right-to-left override is refused with the
// field's localized message; a users-list position no page gave out shows the list.
func TestHiddenCharactersInTheConsole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	if _, err := e.svc.GrantInstallationAdmin(t.Context(), provision.System(roster.ViaCLI), "full@acme.example"); err != nil {
		t.Fatal(err)
	}
	resp := b.post("/console/orgs", url.Values{"name": {"Globex\u202e"}, "platform": {"new"}})
	if resp.status != http.StatusUnprocessableEntity || !strings.Contains(resp.body, "The field Name contains an invisible or formatting character") {
		t.Fatalf("organization name with an override: %d\n%s", resp.status, resp.body)
	}
	for _, q := range []string{"?after=%E2%80%AEzzz", "?before=%00", "?after=" + url.QueryEscape(strings.Repeat("x", 5000))} {
		if resp := b.get(e.orgPath("/users" + q)); resp.status != http.StatusOK {
			t.Errorf("users%s: %d", q, resp.status)
		}
	}
}
