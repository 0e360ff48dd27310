package provision

import "roster"

// checkRules enforces the rules between a user's license and roles (SPEC §2 "Users", rules 1–4).
// before is nil when the user is being created.
func checkRules(org *roster.Org, before, after *roster.User) error {
	if before == nil && after.AdminRole != roster.AdminNone {
		return roster.Errorf(roster.CodeAdminRoleOnCreate,
			"An administrator role cannot be given while creating a user. Create the user first, then give the role on the existing user.")
	}
	if after.CCRole == roster.RoleSupervisor && after.License != roster.LicensePremium {
		if before != nil && before.License == roster.LicensePremium && before.CCRole == roster.RoleSupervisor {
			return roster.Errorf(roster.CodeRoleRequiresPremium,
				"This user is a supervisor: removing the premium license needs the supervisor role removed in the same change (set the role to agent).")
		}
		return roster.Errorf(roster.CodeRoleRequiresPremium, "The supervisor role requires the premium license.")
	}
	if org.Platform == roster.Platform10 && after.CCRole == roster.RoleSupervisor && after.AdminRole != roster.AdminNone {
		return roster.Errorf(roster.CodeSupervisorAdminExclusive,
			"On a Contact Center 1.0 organization a supervisor cannot also hold an administrator role; remove one of them first.")
	}
	return nil
}

// takeSeat checks that the organization has a seat for a user moving from license from to
// license to, and moves the usage counters of org accordingly (rule 5). from is "" when the
// user is being created and to is "" when it is being deleted.
func takeSeat(org *roster.Org, from, to roster.License) error {
	if from == to {
		return nil
	}
	if seats := org.Seats.Seat(to); seats > 0 && org.Usage.Used(to) >= seats {
		return roster.Errorf(roster.CodeNoSeatsAvailable,
			"No %s license is available: all %d seats of the organization are in use. Free a seat or add seats first.", to, seats)
	}
	org.Usage = org.Usage.Add(usageOf(to)).Sub(usageOf(from))
	return nil
}

// usageOf is the usage one user with license l adds; "" means no user at all.
func usageOf(l roster.License) roster.Usage {
	switch l {
	case "":
		return roster.Usage{}
	case roster.LicenseStandard:
		return roster.Usage{Users: 1, Standard: 1}
	case roster.LicensePremium:
		return roster.Usage{Users: 1, Premium: 1}
	}
	return roster.Usage{Users: 1}
}
