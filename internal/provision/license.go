package provision

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"roster"
)

// A user's license is the best of its sources (SPEC §2 "Groups and automatic license
// assignment"): the administrator's direct choice, the organization-wide template, and the
// user's groups. resolveLicense below is the one place that turns sources into a license.
//
// Two kinds of change reach it. A change of the sources (creation, joining or leaving a group,
// applying a template) recomputes the license from them. A change of the license itself (the
// console, the API, a CSV file) is the administrator's direct choice: it replaces the direct
// source and the template's, and may not go below what the user's groups grant.
//
// Seats decide the rest. A direct choice without a free seat fails (rule 5). A license the
// template or the groups grant without a free seat waits: the user keeps what it had, is
// marked with the license it waits for, and gets it when a seat frees up (grantWaiting).

// checkLicense resolves the license of after, a change from before (nil when creating), from
// its sources, validates every field, and checks the rules between license, roles and
// profile. It reports whether the license follows from the sources (see resolveLicense); seats
// are taken last, by seatLicense.
func (s *Service) checkLicense(ctx context.Context, tx roster.Tx, org *roster.Org, before, after *roster.User, now time.Time) (bool, error) {
	recompute, err := resolveLicense(before, after, now)
	if err != nil {
		return false, err
	}
	resetProfile(before, after)
	if err := validateProfile(before, after); err != nil {
		return false, err
	}
	if err := checkRules(org, before, after); err != nil {
		return false, err
	}
	if after.UserProfileID == "" || before != nil && after.UserProfileID == before.UserProfileID {
		return recompute, nil
	}
	p, builtIn := builtInProfile(org.ID, after.UserProfileID)
	if builtIn {
		// A built-in profile's id is its type: choosing the default one of the user's type
		// is holding no custom profile.
		if p.Type == after.ProfileType() {
			after.UserProfileID = ""
		}
	} else {
		p, err = tx.FindUserProfileByID(ctx, org.ID, after.UserProfileID)
	}
	if roster.ErrorCode(err) == roster.CodeNotFound {
		return false, roster.InvalidFields(roster.FieldError{Field: "userProfileId", Code: roster.CodeInvalid,
			Message: "No user profile of this organization has the id " + quote(after.UserProfileID) + "."})
	}
	if err != nil {
		return false, err
	}
	if t := after.ProfileType(); p.Type != t {
		return false, roster.Errorf(roster.CodeProfileMismatch,
			"The user profile %s is for %s users; this user's profile type is %s. Choose a profile of that type, or the default one.",
			p.Name, profileTypeLabel(p.Type), profileTypeLabel(t))
	}
	return recompute, nil
}

// profileTypeLabel names a profile type as the console does.
func profileTypeLabel(t roster.ProfileType) string {
	if n, ok := roster.DefaultProfileName[t]; ok {
		return n
	}
	return "no agent"
}

// resolveLicense sets after's license and sources for a change from before (nil when
// creating). It reports whether the license follows from the sources, rather than from a
// direct choice made in this change (or no change of license at all).
func resolveLicense(before, after *roster.User, now time.Time) (bool, error) {
	// An empty license asks for the license to be recomputed from the sources, as does any
	// change of them.
	recompute := before == nil || after.License == "" || sourcesChanged(before, after)
	switch {
	case recompute:
		if l := after.DirectLicense.License; l != "" && !l.Valid() {
			return false, roster.InvalidFields(*enumError("license", string(l), "none, standard, premium"))
		}
		after.License = after.SourcesLicense()
	case after.License != before.License:
		if !after.License.Valid() {
			return false, roster.InvalidFields(*enumError("license", string(after.License), "none, standard, premium"))
		}
		if below(after.License, after.GroupLicense) {
			return false, roster.Errorf(roster.CodeLicenseInherited,
				"This user gets the %s license from a group. Remove the user from that group, or give it the %s license or better.",
				after.GroupLicense, after.GroupLicense)
		}
		after.DirectLicense = roster.LicenseGrant{License: after.License, Since: now}
		after.TemplateLicense = roster.LicenseGrant{}
	}
	if recompute && before != nil && after.License != roster.LicensePremium && after.CCRole == roster.RoleSupervisor {
		// A supervisor that loses premium because it left a group becomes an agent rather than
		// blocking the group change; a direct change is refused instead (role_requires_premium).
		after.CCRole = roster.RoleAgent
	}
	return recompute, nil
}

// seatLicense takes or frees the seat of after's license in org (rule 5). What the
// administrator chose directly must fit; what the template or the groups add beyond it waits
// when no seat is free: the user keeps what it had, and WaitingLicense records what it waits
// for. It leaves org as it was when it refuses.
func seatLicense(org *roster.Org, before, after *roster.User, recompute bool, now time.Time) error {
	var from roster.License
	if before != nil {
		from = before.License
	}
	want := after.License
	if err := takeSeat(org, from, want); err != nil {
		// The best license below that a seat allows, but never below the direct choice
		// (premium includes standard, so a user waiting for premium may hold standard).
		floor := roster.Best(roster.LicenseNone, after.DirectLicense.License)
		if !recompute || floor == want || roster.ErrorCode(err) != roster.CodeNoSeatsAvailable {
			return err
		}
		keep := floor
		for _, l := range []roster.License{roster.LicenseStandard, roster.LicenseNone} {
			if below(l, want) && !below(l, floor) && takeSeat(org, from, l) == nil {
				keep = l
				break
			}
			keep = ""
		}
		if keep == "" {
			return err
		}
		after.License = keep
		if keep != roster.LicensePremium && after.CCRole == roster.RoleSupervisor {
			after.CCRole = roster.RoleAgent
		}
		resetProfile(before, after)
	}
	switch {
	case after.License == want:
		after.WaitingLicense = roster.LicenseGrant{}
	case before == nil || before.WaitingLicense.License != want:
		after.WaitingLicense = roster.LicenseGrant{License: want, Since: now}
	}
	return nil
}

// below reports whether license a is worse than license b.
func below(a, b roster.License) bool { return a != b && roster.Best(a, b) == b }

// sourcesChanged reports whether a change touches the sources of the license, so that the
// license follows from them.
func sourcesChanged(before, after *roster.User) bool {
	return before.DirectLicense != after.DirectLicense || before.TemplateLicense != after.TemplateLicense ||
		before.GroupLicense != after.GroupLicense
}

// resetProfile puts a user back on the default user profile of its type when its license or
// roles changed its profile type: a custom profile only fits users of its own type.
func resetProfile(before, after *roster.User) {
	if before != nil && after.UserProfileID != "" && after.UserProfileID == before.UserProfileID &&
		before.ProfileType() != after.ProfileType() {
		after.UserProfileID = ""
	}
}

// grantWaiting gives users waiting for a seat the license their sources grant, longest waiting
// first, as far as org's free seats go. It runs in the transaction that freed the seats, so a
// freed seat goes to a waiting user before anyone else can take it.
func (s *Service) grantWaiting(ctx context.Context, tx roster.Tx, a roster.Actor, org *roster.Org) error {
	const page = 500
	for {
		free := freeSeats(org)
		if free == 0 {
			return nil
		}
		waiting, err := tx.FindWaitingUsers(ctx, org.ID, min(page, free))
		if err != nil {
			return err
		}
		var ws []*userWrite
		for _, before := range waiting {
			after := *before
			after.License = "" // recompute from the sources
			w, err := s.checkUser(ctx, tx, a, org, before, &after, nil)
			if err != nil {
				if roster.ErrorCode(err) == roster.CodeNoSeatsAvailable {
					continue
				}
				return err
			}
			if w != nil {
				ws = append(ws, w)
			}
		}
		if err := s.writeUsers(ctx, tx, ws); err != nil {
			return err
		}
		if len(ws) == 0 || len(waiting) < min(page, free) {
			return nil
		}
	}
}

// freeSeats is how many more licenses org could give now: unlimited licenses count as many.
func freeSeats(org *roster.Org) int {
	free := 0
	for _, l := range []roster.License{roster.LicenseStandard, roster.LicensePremium} {
		seats := org.Seats.Seat(l)
		if seats == 0 {
			return 1 << 20
		}
		free += max(0, seats-org.Usage.Used(l))
	}
	return free
}

// LicenseExplanation answers "why does this user have this license": its license, every source
// that grants one, and the license it waits for a seat for, if any.
type LicenseExplanation struct {
	UserID  string
	License roster.License
	Sources []roster.LicenseSource
	Waiting roster.LicenseGrant
}

// LicenseSources explains where a user's license comes from.
func (s *Service) LicenseSources(ctx context.Context, a roster.Actor, orgID, userID string) (*LicenseExplanation, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	u, err := s.store.FindUserByID(ctx, orgID, userID)
	if err != nil {
		return nil, err
	}
	return s.UserLicenseSources(ctx, a, u)
}

// UserLicenseSources explains where the license of u, a user just read, comes from: a read of
// one user shows it without reading the user twice.
func (s *Service) UserLicenseSources(ctx context.Context, a roster.Actor, u *roster.User) (*LicenseExplanation, error) {
	if err := authorize(a, u.OrgID, permRead); err != nil {
		return nil, err
	}
	ms, err := s.store.FindMembershipsOfUsers(ctx, u.OrgID, []string{u.ID})
	if err != nil {
		return nil, err
	}
	return explain(u, ms), nil
}

// explain lists the sources of u's license given its memberships: its direct choice and its
// template when they grant a license, and each group whose membership grants one, oldest
// first.
func explain(u *roster.User, ms []*roster.Membership) *LicenseExplanation {
	e := &LicenseExplanation{UserID: u.ID, License: u.License, Waiting: u.WaitingLicense, Sources: []roster.LicenseSource{}}
	if g := u.DirectLicense; g.Granted() && g.License != roster.LicenseNone {
		e.Sources = append(e.Sources, roster.LicenseSource{Kind: roster.SourceDirect, License: g.License, Since: g.Since})
	}
	if g := u.TemplateLicense; g.Granted() && g.License != roster.LicenseNone {
		e.Sources = append(e.Sources, roster.LicenseSource{Kind: roster.SourceTemplate, License: g.License, Since: g.Since})
	}
	ms = slices.SortedFunc(slices.Values(ms), func(a, b *roster.Membership) int {
		return cmp.Or(a.Since.Compare(b.Since), strings.Compare(a.GroupName, b.GroupName))
	})
	for _, m := range ms {
		if m.License != roster.LicenseNone {
			e.Sources = append(e.Sources, roster.LicenseSource{Kind: roster.SourceGroup, License: m.License,
				GroupID: m.GroupID, GroupName: m.GroupName, Since: m.Since})
		}
	}
	return e
}

// groupLicense is the best license memberships grant.
func groupLicense(ms []*roster.Membership) roster.License {
	l := roster.LicenseNone
	for _, m := range ms {
		l = roster.Best(l, m.License)
	}
	return l
}

// LicenseAssignment returns how an organization assigns licenses to new users.
func (s *Service) LicenseAssignment(ctx context.Context, a roster.Actor, orgID string) (*roster.Org, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	return s.store.FindOrgByID(ctx, orgID)
}

// SetLicenseAssignment changes how an organization assigns licenses to new users. Switching
// modes or templates changes no existing user: applying a template to them is its own task
// (StartApplyTemplate). The organization-wide license only exists in org mode.
func (s *Service) SetLicenseAssignment(ctx context.Context, a roster.Actor, orgID string, in roster.LicenseAssignment, expectVersion int64) (*roster.Org, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	var errs []roster.FieldError
	if !in.Mode.Valid() {
		errs = append(errs, *enumError("mode", string(in.Mode), "off, org, group"))
	}
	switch {
	case in.Mode == roster.AssignOrg && in.License == "":
		errs = append(errs, roster.FieldError{Field: "license", Code: roster.CodeInvalid,
			Message: "Choose the license every new user gets (standard or premium)."})
	case in.License != "" && !in.License.Valid():
		errs = append(errs, *enumError("license", string(in.License), "none, standard, premium"))
	case in.Mode != roster.AssignOrg && in.License != "" && in.License != roster.LicenseNone:
		errs = append(errs, roster.FieldError{Field: "license", Code: roster.CodeInvalid,
			Message: fmt.Sprintf("An organization-wide license only applies in org mode; in %s mode leave it out.", in.Mode)})
	}
	if len(errs) > 0 {
		return nil, roster.InvalidFields(errs...)
	}
	if in.Mode != roster.AssignOrg {
		in.License = roster.LicenseNone
	}
	var org *roster.Org
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, o *roster.Org) error {
		if expectVersion != 0 && o.Version != expectVersion {
			return staleVersion()
		}
		if o.Assignment == in {
			org = o
			return nil
		}
		before := map[string]any{"mode": string(o.Assignment.Mode), "license": string(o.Assignment.License)}
		o.Assignment = in
		o.UpdatedAt = s.clock()
		if err := tx.UpdateOrg(ctx, o); err != nil {
			return err
		}
		org = o
		return s.audit(ctx, tx, a, o.ID, "org.license_assignment", "org", o.ID, o.Name, before,
			map[string]any{"mode": string(in.Mode), "license": string(in.License)})
	})
	return org, err
}
