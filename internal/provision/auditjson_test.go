package provision

import (
	"encoding/json"
	"testing"

	"roster"
)

func TestUserJSONMatchesMarshal(t *testing.T) {
	for _, s := range []string{"", "plain", "Łukasz García", "a<b>&c", "quote\"back\\slash", "tab\tnl\n\x01", "bad\xffutf8", "line\u2028sep\u2029", "\x7f", "emoji 😀"} {
		u := &roster.User{Email: s + "@example.com", FirstName: s, LastName: s, DisplayName: s, PhoneNumber: s,
			Title: s, Department: s, PreferredLanguage: "de", Status: roster.StatusPending,
			License: roster.LicensePremium, CCRole: roster.RoleAgent, AdminRole: roster.AdminNone}
		want, err := json.Marshal(userFields(u))
		if err != nil {
			t.Fatal(err)
		}
		if got := userJSON(u); string(got) != string(want) {
			t.Errorf("%q:\n got %s\nwant %s", s, got, want)
		}
	}
}
