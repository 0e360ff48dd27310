package provision

import (
	"context"

	"roster"
)

// LicenseSeats is the use of one license's seats, with where the licenses come from.
type LicenseSeats struct {
	roster.LicenseUsage
	// Seats are the seats bought (0: unlimited); Used the licenses held now, from the
	// organization's counters, which seat checks read too; Free what is left (0 when unlimited).
	Seats, Used, Free int
}

// LicenseUsage returns, per license (standard, then premium), the seats used and bought and the
// holders by source. Inactive users count: they keep their license (SPEC §2 "Users").
func (s *Service) LicenseUsage(ctx context.Context, a roster.Actor, orgID string) ([]LicenseSeats, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	org, err := s.store.FindOrgByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	usage, err := s.store.CountLicenseUsage(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]LicenseSeats, 0, len(usage))
	for _, u := range usage {
		ls := LicenseSeats{LicenseUsage: u, Seats: org.Seats.Seat(u.License), Used: org.Usage.Used(u.License)}
		if ls.Seats > 0 {
			ls.Free = max(0, ls.Seats-ls.Used)
		}
		out = append(out, ls)
	}
	return out, nil
}

// PlatformChange says what changing organization orgID to platform to would change beyond the
// flows of the console: on Contact Center 1.0 a supervisor may not hold an administrator role
// (rule 3), so the users who combine them now stand in the way.
type PlatformChange struct {
	From, To roster.Platform
	// SupervisorAdmins counts the supervisors holding an administrator role, up to
	// roster.TotalCap; the change to 1.0 is refused while there is any.
	SupervisorAdmins int
}

// PreviewPlatformChange returns what changing the platform of organization orgID to to would
// change. It needs the right to change the platform.
func (s *Service) PreviewPlatformChange(ctx context.Context, a roster.Actor, orgID string, to roster.Platform) (*PlatformChange, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	if err := authorize(a, orgID, permSystem); err != nil {
		return nil, err
	}
	if !to.Valid() {
		return nil, roster.InvalidFields(*enumError("platform", string(to), "new, 1.0"))
	}
	org, err := s.store.FindOrgByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	pc := &PlatformChange{From: org.Platform, To: to}
	if to == roster.Platform10 && org.Platform != roster.Platform10 {
		if pc.SupervisorAdmins, err = supervisorAdmins(ctx, s.store, orgID); err != nil {
			return nil, err
		}
	}
	return pc, nil
}

// supervisorAdmins counts the organization's supervisors that hold an administrator role, up
// to roster.TotalCap: administrators are few, and each role's list is an index.
func supervisorAdmins(ctx context.Context, r roster.Reader, orgID string) (int, error) {
	n := 0
	for _, role := range []roster.AdminRole{roster.AdminFull, roster.AdminCCService, roster.AdminReadOnly} {
		page, err := r.FindUsers(ctx, roster.UserFilter{OrgID: orgID, CCRole: roster.RoleSupervisor, AdminRole: role, Limit: 1})
		if err != nil {
			return 0, err
		}
		n += page.Total
	}
	return n, nil
}
