package provision

import (
	"encoding/json"
	"reflect"
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

// TestUserChangesMatchesDiff changes every string field of a user, one at a time, the license
// sources included: userChanges must report what diff of userFields reports, and nothing else.
func TestUserChangesMatchesDiff(t *testing.T) {
	before := roster.User{ID: "id", OrgID: "org", Email: "a@example.com", FirstName: "Ada", LastName: "L",
		DisplayName: "Ada L", PhoneNumber: "+46701234567", Title: "Agent", Department: "Support",
		PreferredLanguage: roster.Swedish, Status: roster.StatusActive, License: roster.LicenseStandard,
		CCRole: roster.RoleAgent, AdminRole: roster.AdminNone, SyncStatus: roster.SyncValid, UserProfileID: "p",
		DirectLicense: roster.LicenseGrant{License: roster.LicenseStandard}, GroupLicense: roster.LicenseNone}
	check := func(name string, after roster.User) {
		t.Helper()
		wantBefore, wantAfter := diff(userFields(&before), userFields(&after))
		gotBefore, gotAfter := userChanges(&before, &after)
		if !reflect.DeepEqual(gotBefore, wantBefore) || !reflect.DeepEqual(gotAfter, wantAfter) {
			t.Errorf("%s: userChanges %v → %v, diff %v → %v", name, gotBefore, gotAfter, wantBefore, wantAfter)
		}
	}
	check("nothing", before)
	typ := reflect.TypeFor[roster.User]()
	for i := range typ.NumField() {
		after := before
		f := reflect.ValueOf(&after).Elem().Field(i)
		switch {
		case f.Kind() == reflect.String:
			f.SetString(f.String() + "x")
		case f.Type() == reflect.TypeFor[roster.LicenseGrant]():
			f.Field(0).SetString("premium")
		default:
			continue
		}
		check(typ.Field(i).Name, after)
	}
}
