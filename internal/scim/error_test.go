package scim

import (
	"testing"

	"roster"
)

// TestEveryCodeHasSCIMError proves that every code of the domain becomes a SCIM error of its
// own, so that no refusal of provision reaches an identity provider as an internal error.
func TestEveryCodeHasSCIMError(t *testing.T) {
	t.Parallel()
	for _, code := range roster.Codes {
		e, ok := toSCIM(roster.Errorf(code, "message of %s", code))
		if code == roster.CodeInternal {
			if ok || e.Status != 500 || e.Detail != "An internal error occurred." {
				t.Errorf("internal: %+v %v", e, ok)
			}
			continue
		}
		if !ok || e.Status < 400 || e.Status > 499 || e.Detail != "message of "+string(code) {
			t.Errorf("%s: %+v %v", code, e, ok)
		}
	}
	e, _ := toSCIM(roster.Errorf(roster.CodeEmailInOtherOrg, "taken"))
	if e.Status != 409 || e.SCIMType != "uniqueness" {
		t.Errorf("email_in_other_org: %+v", e)
	}
}
