package provision

import (
	"testing"

	"roster"
	"roster/internal/csvfile"
)

// TestImportLicense is the table of SPEC §2's import modes: yes adds, no removes only in
// add_remove, empty never changes anything, and a user holds one license.
func TestImportLicense(t *testing.T) {
	const (
		none, std, prem = roster.LicenseNone, roster.LicenseStandard, roster.LicensePremium
		agent, sup      = roster.RoleAgent, roster.RoleSupervisor
		unset, yes, no  = csvfile.Unset, csvfile.True, csvfile.False
	)
	tests := []struct {
		mode      ImportMode
		cur       roster.License
		role      roster.CCRole
		std, prem csvfile.Choice
		want      roster.License
		wantRole  roster.CCRole
		dropped   bool
	}{
		// New users: "" is no explicit choice, for the automatic assignment.
		{ImportAdd, "", agent, unset, unset, "", agent, false},
		{ImportAdd, "", agent, no, no, "", agent, false},
		{ImportAdd, "", agent, yes, unset, std, agent, false},
		{ImportAdd, "", agent, yes, yes, prem, agent, false},
		{ImportAddRemove, "", agent, unset, unset, "", agent, false},
		{ImportAddRemove, "", agent, no, unset, none, agent, false},
		{ImportAddRemove, "", agent, unset, no, none, agent, false},
		{ImportAddRemove, "", agent, no, yes, prem, agent, false},

		// Add mode only adds.
		{ImportAdd, none, agent, yes, unset, std, agent, false},
		{ImportAdd, std, agent, unset, yes, prem, agent, false},
		{ImportAdd, prem, sup, yes, unset, prem, sup, false},
		{ImportAdd, prem, sup, no, no, prem, sup, false},
		{ImportAdd, std, agent, no, unset, std, agent, false},

		// Add and remove.
		{ImportAddRemove, std, agent, no, unset, none, agent, false},
		{ImportAddRemove, std, agent, no, no, none, agent, false},
		{ImportAddRemove, std, agent, unset, no, std, agent, false},
		{ImportAddRemove, std, agent, unset, unset, std, agent, false},
		{ImportAddRemove, prem, agent, no, unset, prem, agent, false},
		{ImportAddRemove, prem, agent, yes, unset, prem, agent, false},
		{ImportAddRemove, prem, sup, yes, no, std, agent, true},
		{ImportAddRemove, prem, sup, unset, no, none, agent, true},
		{ImportAddRemove, prem, sup, no, no, none, agent, true},
		{ImportAddRemove, prem, sup, unset, yes, prem, sup, false},
		{ImportAddRemove, none, agent, no, no, none, agent, false},
	}
	for _, tt := range tests {
		lic, role, dropped := importLicense(tt.mode, tt.cur, tt.role, tt.std, tt.prem)
		if lic != tt.want || role != tt.wantRole || dropped != tt.dropped {
			t.Errorf("%s, %q %s, standard %v premium %v: %q %s %v, want %q %s %v", tt.mode, tt.cur, tt.role, tt.std, tt.prem,
				lic, role, dropped, tt.want, tt.wantRole, tt.dropped)
		}
	}
}
