package provision

import (
	"context"
	"slices"
	"strings"
	"time"

	"roster"
)

// NewUser is a user to create. An empty License means the administrator made no explicit
// choice (automatic assignment decides); empty roles mean the defaults.
type NewUser struct {
	Email             string
	FirstName         string
	LastName          string
	DisplayName       string
	PhoneNumber       string
	Title             string
	Department        string
	PreferredLanguage roster.Language
	License           roster.License
	CCRole            roster.CCRole
	AdminRole         roster.AdminRole
}

// UserChange holds the fields to change on a user; nil fields stay as they are.
type UserChange struct {
	Email             *string
	FirstName         *string
	LastName          *string
	DisplayName       *string
	PhoneNumber       *string
	Title             *string
	Department        *string
	PreferredLanguage *roster.Language
	License           *roster.License
	CCRole            *roster.CCRole
	AdminRole         *roster.AdminRole
	// UserProfileID is a custom user profile of the user's profile type, or "" for the
	// default profile of its type.
	UserProfileID *string
}

// User returns one user of an organization.
func (s *Service) User(ctx context.Context, a roster.Actor, orgID, id string) (*roster.User, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	return s.store.FindUserByID(ctx, orgID, id)
}

// Users returns a page of an organization's users.
func (s *Service) Users(ctx context.Context, a roster.Actor, f roster.UserFilter) (*roster.UserPage, error) {
	if err := authorize(a, f.OrgID, permRead); err != nil {
		return nil, err
	}
	var errs []roster.FieldError
	check := func(ok bool, fe *roster.FieldError) {
		if !ok {
			errs = append(errs, *fe)
		}
	}
	check(f.License == "" || f.License.Valid(), enumError("license", string(f.License), "none, standard, premium"))
	check(f.CCRole == "" || f.CCRole.Valid(), enumError("ccRole", string(f.CCRole), "agent, supervisor"))
	check(f.AdminRole == "" || f.AdminRole.Valid(), enumError("adminRole", string(f.AdminRole), "none, full, cc_service, read_only"))
	check(f.Status == "" || f.Status.Valid(), enumError("status", string(f.Status), "pending, active, inactive"))
	check(f.SyncStatus == "" || f.SyncStatus.Valid(), enumError("syncStatus", string(f.SyncStatus), "none, pending, valid, invalid"))
	if fe := pageSizeError(f.Limit); fe != nil {
		errs = append(errs, *fe)
	}
	if len(errs) > 0 {
		return nil, roster.InvalidFields(errs...)
	}
	f.Query = strings.ToLower(strings.TrimSpace(f.Query))
	f.Email = NormalizeEmail(f.Email)
	return s.store.FindUsers(ctx, f)
}

// CreateUser creates one user.
func (s *Service) CreateUser(ctx context.Context, a roster.Actor, orgID string, in NewUser) (*roster.User, error) {
	var u *roster.User
	err := s.writeOrg(ctx, a, permUsers, orgID, func(tx roster.Tx, org *roster.Org) error {
		var err error
		u, err = s.createUser(ctx, tx, a, org, in)
		return err
	})
	return u, err
}

// UpdateUser changes one user. expectVersion, when not 0, must be the current version.
func (s *Service) UpdateUser(ctx context.Context, a roster.Actor, orgID, id string, c UserChange, expectVersion int64) (*roster.User, error) {
	need := permLicenses
	if c.Email != nil || c.FirstName != nil || c.LastName != nil || c.DisplayName != nil || c.PhoneNumber != nil ||
		c.Title != nil || c.Department != nil || c.PreferredLanguage != nil || c.AdminRole != nil {
		need = permUsers
	}
	return s.changeUser(ctx, a, need, orgID, id, expectVersion, func(u *roster.User) {
		set(&u.Email, c.Email)
		if c.Email != nil {
			u.Email = NormalizeEmail(u.Email)
		}
		set(&u.FirstName, c.FirstName)
		set(&u.LastName, c.LastName)
		set(&u.DisplayName, c.DisplayName)
		set(&u.PhoneNumber, c.PhoneNumber)
		set(&u.Title, c.Title)
		set(&u.Department, c.Department)
		set(&u.PreferredLanguage, c.PreferredLanguage)
		set(&u.License, c.License)
		set(&u.CCRole, c.CCRole)
		set(&u.AdminRole, c.AdminRole)
		set(&u.UserProfileID, c.UserProfileID)
	})
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// DeactivateUser makes a user inactive. It keeps its license.
func (s *Service) DeactivateUser(ctx context.Context, a roster.Actor, orgID, id string, expectVersion int64) (*roster.User, error) {
	return s.changeUser(ctx, a, permUsers, orgID, id, expectVersion, func(u *roster.User) { u.Status = roster.StatusInactive })
}

// ReactivateUser makes an inactive user active again; other users are left as they are.
func (s *Service) ReactivateUser(ctx context.Context, a roster.Actor, orgID, id string, expectVersion int64) (*roster.User, error) {
	return s.changeUser(ctx, a, permUsers, orgID, id, expectVersion, func(u *roster.User) {
		if u.Status == roster.StatusInactive {
			u.Status = roster.StatusActive
		}
	})
}

// DeleteUser deletes a user and frees its seat.
func (s *Service) DeleteUser(ctx context.Context, a roster.Actor, orgID, id string, expectVersion int64) error {
	return s.writeOrg(ctx, a, permUsers, orgID, func(tx roster.Tx, org *roster.Org) error {
		u, err := tx.FindUserByID(ctx, orgID, id)
		if err != nil {
			return err
		}
		if expectVersion != 0 && u.Version != expectVersion {
			return staleVersion()
		}
		return s.deleteUser(ctx, tx, a, org, u)
	})
}

// deleteUser deletes u, frees its seat and records it.
func (s *Service) deleteUser(ctx context.Context, tx roster.Tx, a roster.Actor, org *roster.Org, u *roster.User) error {
	if err := takeSeat(org, u.License, ""); err != nil {
		return err
	}
	if err := tx.DeleteUser(ctx, org.ID, u.ID); err != nil {
		return err
	}
	if u.NeedsAgent() || u.SyncStatus != roster.SyncNone {
		// The job of a deleted user deletes its agent.
		if err := tx.EnqueueSync(ctx, org.ID, []string{u.ID}, s.clock()); err != nil {
			return err
		}
	}
	return s.audit(ctx, tx, a, org.ID, "user.delete", "user", u.ID, u.Email, userFields(u), nil)
}

// changeUser runs one read-modify-write of a user through every rule; the actor needs need.
func (s *Service) changeUser(ctx context.Context, a roster.Actor, need permission, orgID, id string, expectVersion int64, change func(*roster.User)) (*roster.User, error) {
	var after *roster.User
	err := s.writeOrg(ctx, a, need, orgID, func(tx roster.Tx, org *roster.Org) error {
		before, err := tx.FindUserByID(ctx, orgID, id)
		if err != nil {
			return err
		}
		if expectVersion != 0 && before.Version != expectVersion {
			return staleVersion()
		}
		next := *before
		change(&next)
		after = &next
		_, err = s.saveUser(ctx, tx, a, org, before, after)
		return err
	})
	return after, err
}

// saveUsage ends a transaction that changed users of org: seats it freed go to users waiting
// for one, and the usage counters are written when they moved from stored.
func (s *Service) saveUsage(ctx context.Context, tx roster.Tx, a roster.Actor, org *roster.Org, stored roster.Usage) error {
	if org.Usage.Standard < stored.Standard || org.Usage.Premium < stored.Premium {
		if err := s.grantWaiting(ctx, tx, a, org); err != nil {
			return err
		}
	}
	if org.Usage != stored {
		return tx.UpdateOrgUsage(ctx, org.ID, org.Usage)
	}
	return nil
}

// createUser builds a user from in and saves it through every rule.
func (s *Service) createUser(ctx context.Context, tx roster.Tx, a roster.Actor, org *roster.Org, in NewUser) (*roster.User, error) {
	u := newUser(org, in, s.clock())
	if _, err := s.saveUser(ctx, tx, a, org, nil, u); err != nil {
		return nil, err
	}
	return u, nil
}

// newUser builds the user in describes, with the defaults of a new user.
func newUser(org *roster.Org, in NewUser, now time.Time) *roster.User {
	u := &roster.User{
		ID: roster.NewID(), OrgID: org.ID, Email: NormalizeEmail(in.Email),
		FirstName: in.FirstName, LastName: in.LastName, DisplayName: in.DisplayName,
		PhoneNumber: in.PhoneNumber, Title: in.Title, Department: in.Department,
		PreferredLanguage: in.PreferredLanguage, Status: roster.StatusPending,
		License: in.License, CCRole: in.CCRole, AdminRole: in.AdminRole,
	}
	// The license follows from the sources (resolveLicense): the administrator's choice when
	// one was made, else the organization template in org mode. Groups the user joins while
	// being created add theirs (GroupLicense).
	u.License, u.GroupLicense = "", roster.LicenseNone
	if in.License != "" {
		u.DirectLicense = roster.LicenseGrant{License: in.License, Since: now}
	} else if org.Assignment.Mode == roster.AssignOrg {
		u.TemplateLicense = roster.LicenseGrant{License: org.Assignment.License, Since: now}
	}
	if u.CCRole == "" {
		u.CCRole = roster.RoleAgent
	}
	if u.AdminRole == "" {
		u.AdminRole = roster.AdminNone
	}
	return u
}

// saveUser checks a change of one user through every rule and writes it with its audit entry.
// before is nil when creating. It reports whether anything changed; a rule that refuses leaves
// tx and org untouched.
func (s *Service) saveUser(ctx context.Context, tx roster.Tx, a roster.Actor, org *roster.Org, before, after *roster.User) (bool, error) {
	var owner *roster.User
	if before == nil || before.Email != after.Email {
		var err error
		if owner, err = tx.FindUserByEmail(ctx, after.Email); err != nil && roster.ErrorCode(err) != roster.CodeNotFound {
			return false, err
		}
	}
	w, err := s.checkUser(ctx, tx, a, org, before, after, owner)
	if err != nil || w == nil {
		return false, err
	}
	return true, s.writeUsers(ctx, tx, []*userWrite{w})
}

// userWrite is a change of one user that passed every rule, with its audit entry, and for a
// new user of an organization that welcomes them, the invitation and its message.
type userWrite struct {
	before, after *roster.User
	audit         *roster.AuditEntry
	// changed holds the after values of the audit entry of an update, for callers that record
	// more with it (the group of a membership).
	changed    map[string]any
	invitation *roster.Invitation
	email      *roster.Email
}

// checkUser is where every rule about one user is enforced: it validates after, checks the
// rules against before (nil when creating), checks that no one else (owner, the current holder
// of after's email, or nil) has the email, and takes or frees seats in org. It returns nil
// when nothing changes. It writes nothing, so bulk paths can check a whole chunk and write it
// at once.
func (s *Service) checkUser(ctx context.Context, tx roster.Tx, a roster.Actor, org *roster.Org, before, after, owner *roster.User) (*userWrite, error) {
	if before != nil && *before == *after {
		// Nothing changes, so no rule can refuse it: the common case of an import of a file
		// exported before, decided without validating or comparing field by field.
		return nil, nil
	}
	now := s.clock()
	recompute, err := s.checkLicense(ctx, tx, org, before, after, now)
	if err != nil {
		return nil, err
	}
	if owner != nil && owner.ID != after.ID {
		return nil, emailTakenError(ctx, tx, a, org, owner)
	}
	usage := org.Usage
	if err := seatLicense(org, before, after, recompute, now); err != nil {
		return nil, err
	}
	var changedBefore, changedAfter map[string]any
	if before != nil {
		changedBefore, changedAfter = userChanges(before, after)
		if len(changedAfter) == 0 {
			org.Usage = usage
			return nil, nil
		}
	}
	after.SyncStatus = nextSyncStatus(before, after)
	after.UpdatedAt = now
	if before == nil {
		after.CreatedAt = after.UpdatedAt
		after.Version = 1
		w := &userWrite{after: after,
			audit: s.auditEntry(a, org.ID, "user.create", "user", after.ID, after.Email, nil, userJSON(after))}
		if org.Settings.SendWelcomeEmail {
			w.invitation, w.email = s.invite(org, after)
		}
		return w, nil
	}
	return &userWrite{before: before, after: after, changed: changedAfter,
		audit: s.auditEntry(a, org.ID, userAction(before, after), "user", after.ID, after.Email, changedBefore, changedAfter)}, nil
}

// writeUsers writes checked changes: new users and audit entries in multi-row statements.
// Users are written in email order: the email ends the key of most indexes of users, so
// consecutive writes land on neighbouring index pages instead of anywhere (a bulk create of
// random emails took a quarter less time).
func (s *Service) writeUsers(ctx context.Context, tx roster.Tx, ws []*userWrite) error {
	var created []*roster.User
	audits := make([]*roster.AuditEntry, 0, len(ws))
	for _, w := range ws {
		if w.audit != nil { // nil when the caller records the change itself
			audits = append(audits, w.audit)
		}
	}
	ws = slices.SortedFunc(slices.Values(ws), func(a, b *userWrite) int { return strings.Compare(a.after.Email, b.after.Email) })
	var updated []roster.UserUpdate
	for _, w := range ws {
		if w.before == nil {
			created = append(created, w.after)
		} else {
			updated = append(updated, roster.UserUpdate{Before: w.before, After: w.after})
		}
	}
	if err := tx.UpdateUsersChanges(ctx, updated); err != nil {
		return err
	}
	if err := tx.CreateUsers(ctx, created); err != nil {
		return err
	}
	// The contact center hears of every change it keeps, through the sync queue, in the
	// transaction of the change: nothing is lost and nothing is sent that did not happen.
	var changed []string
	for _, w := range ws {
		if w.after.SyncStatus == roster.SyncPending && (w.before == nil || contactCenterChange(w.before, w.after)) {
			changed = append(changed, w.after.ID)
		}
	}
	if len(changed) > 0 {
		if err := tx.EnqueueSync(ctx, ws[0].after.OrgID, changed, s.clock()); err != nil {
			return err
		}
	}
	var invs []*roster.Invitation
	var emails []*roster.Email
	for _, w := range ws {
		if w.invitation != nil {
			invs, emails = append(invs, w.invitation), append(emails, w.email)
		}
	}
	if err := tx.CreateInvitations(ctx, invs); err != nil {
		return err
	}
	if err := tx.CreateEmails(ctx, emails); err != nil {
		return err
	}
	return tx.CreateAuditEntries(ctx, audits)
}

// emailTakenError explains why an email cannot be used: owner has it. The other
// organization's name is only revealed to an actor that administers it.
func emailTakenError(ctx context.Context, tx roster.Tx, a roster.Actor, org *roster.Org, owner *roster.User) error {
	if owner.OrgID == org.ID {
		return roster.Errorf(roster.CodeEmailExists, "A user with the email address %s already exists in this organization.", owner.Email)
	}
	msg := "The email address " + owner.Email + " belongs to a user of another organization"
	if a.System {
		if o, err := tx.FindOrgByID(ctx, owner.OrgID); err == nil {
			msg += " (" + o.Name + ")"
		}
	}
	return roster.Errorf(roster.CodeEmailInOtherOrg,
		"%s. The person must use another address, or the other organization (for example a trial account) must delete that user first.", msg)
}

// nextSyncStatus says whether the contact center must hear of this change: a change to what
// the contact center keeps makes the user pending until the sync delivers it.
func nextSyncStatus(before, after *roster.User) roster.SyncStatus {
	if before != nil && !contactCenterChange(before, after) {
		return before.SyncStatus
	}
	hadAgent := before != nil && (before.NeedsAgent() || before.SyncStatus != roster.SyncNone)
	if !after.NeedsAgent() && !hadAgent {
		return roster.SyncNone
	}
	return roster.SyncPending
}

// contactCenterChange reports whether a change touches what the contact center keeps of a user.
func contactCenterChange(before, after *roster.User) bool {
	return before.Email != after.Email || before.FirstName != after.FirstName || before.LastName != after.LastName ||
		before.Status != after.Status || before.ProfileType() != after.ProfileType() || before.UserProfileID != after.UserProfileID
}

// userFields is how a user is recorded in the audit log, with the names of the API.
func userFields(u *roster.User) map[string]any {
	return map[string]any{
		"email": u.Email, "firstName": u.FirstName, "lastName": u.LastName, "displayName": u.DisplayName,
		"phoneNumber": u.PhoneNumber, "title": u.Title, "department": u.Department,
		"preferredLanguage": string(u.PreferredLanguage), "status": string(u.Status),
		"license": string(u.License), "ccRole": string(u.CCRole), "adminRole": string(u.AdminRole),
		"userProfile": u.UserProfileID, "directLicense": string(u.DirectLicense.License),
		"templateLicense": string(u.TemplateLicense.License), "groupLicense": string(u.GroupLicense),
		"waitingLicense": string(u.WaitingLicense.License),
	}
}

// userChanges returns the fields of userFields that differ between before and after, as
// diff(userFields(before), userFields(after)) does, without the two maps of every field: bulk
// changes (a group's new members, an import) check one user at a time.
func userChanges(before, after *roster.User) (map[string]any, map[string]any) {
	b, a := map[string]any{}, map[string]any{}
	field := func(key, was, now string) {
		if was != now {
			b[key], a[key] = was, now
		}
	}
	field("email", before.Email, after.Email)
	field("firstName", before.FirstName, after.FirstName)
	field("lastName", before.LastName, after.LastName)
	field("displayName", before.DisplayName, after.DisplayName)
	field("phoneNumber", before.PhoneNumber, after.PhoneNumber)
	field("title", before.Title, after.Title)
	field("department", before.Department, after.Department)
	field("preferredLanguage", string(before.PreferredLanguage), string(after.PreferredLanguage))
	field("status", string(before.Status), string(after.Status))
	field("license", string(before.License), string(after.License))
	field("ccRole", string(before.CCRole), string(after.CCRole))
	field("adminRole", string(before.AdminRole), string(after.AdminRole))
	field("userProfile", before.UserProfileID, after.UserProfileID)
	field("directLicense", string(before.DirectLicense.License), string(after.DirectLicense.License))
	field("templateLicense", string(before.TemplateLicense.License), string(after.TemplateLicense.License))
	field("groupLicense", string(before.GroupLicense), string(after.GroupLicense))
	field("waitingLicense", string(before.WaitingLicense.License), string(after.WaitingLicense.License))
	return b, a
}

func userAction(before, after *roster.User) string {
	switch {
	case before.Status == roster.StatusPending && after.Status == roster.StatusActive:
		return "user.accept_invitation"
	case before.Status != roster.StatusInactive && after.Status == roster.StatusInactive:
		return "user.deactivate"
	case before.Status == roster.StatusInactive && after.Status != roster.StatusInactive:
		return "user.reactivate"
	}
	return "user.update"
}
