package roster

import (
	"time"
)

// License is a contact-center license. A user holds at most one.
type License string

// Licenses, from least to most.
const (
	LicenseNone     License = "none"
	LicenseStandard License = "standard"
	LicensePremium  License = "premium"
)

// Valid reports whether l is a known license.
func (l License) Valid() bool {
	return l == LicenseNone || l == LicenseStandard || l == LicensePremium
}

// Best returns the better of two licenses: when two sources grant different licenses, premium
// wins over standard, which wins over none.
func Best(a, b License) License {
	if rank(b) > rank(a) {
		return b
	}
	return a
}

func rank(l License) int {
	switch l {
	case LicenseStandard:
		return 1
	case LicensePremium:
		return 2
	}
	return 0
}

// CCRole is the contact-center role of a premium user.
type CCRole string

// Contact-center roles.
const (
	RoleAgent      CCRole = "agent" // the default
	RoleSupervisor CCRole = "supervisor"
)

// Valid reports whether r is a known contact-center role.
func (r CCRole) Valid() bool { return r == RoleAgent || r == RoleSupervisor }

// AdminRole is an administrator role. A user holds at most one; so does an API token.
type AdminRole string

// Administrator roles.
const (
	AdminNone      AdminRole = "none"
	AdminFull      AdminRole = "full"
	AdminCCService AdminRole = "cc_service" // contact center service administrator
	AdminReadOnly  AdminRole = "read_only"
)

// Valid reports whether r is a known administrator role.
func (r AdminRole) Valid() bool {
	return r == AdminNone || r == AdminFull || r == AdminCCService || r == AdminReadOnly
}

// UserStatus is where a user is in its life cycle.
type UserStatus string

// User statuses.
const (
	StatusPending  UserStatus = "pending"  // invited, has not accepted yet
	StatusActive   UserStatus = "active"   //
	StatusInactive UserStatus = "inactive" // deactivated; still holds its license
)

// Valid reports whether s is a known status.
func (s UserStatus) Valid() bool {
	return s == StatusPending || s == StatusActive || s == StatusInactive
}

// SyncStatus says whether the contact-center side matches the directory for one user.
type SyncStatus string

// Sync statuses.
const (
	SyncNone    SyncStatus = "none"    // no agent needed
	SyncPending SyncStatus = "pending" // a change waits to be delivered
	SyncValid   SyncStatus = "valid"   // the agent matches the directory
	SyncInvalid SyncStatus = "invalid" // the last attempts failed
)

// Valid reports whether s is a known sync status.
func (s SyncStatus) Valid() bool {
	return s == SyncNone || s == SyncPending || s == SyncValid || s == SyncInvalid
}

// ProfileType is the kind of contact-center user profile a user gets, derived from its license
// and roles.
type ProfileType string

// Profile types. ProfileNone means the user needs no agent.
const (
	ProfileNone              ProfileType = "none"
	ProfileStandardAgent     ProfileType = "standard_agent"
	ProfilePremiumAgent      ProfileType = "premium_agent"
	ProfileSupervisor        ProfileType = "supervisor"
	ProfileAdministrator     ProfileType = "administrator"
	ProfileAdministratorOnly ProfileType = "administrator_only"
)

// Valid reports whether t is a known profile type.
func (t ProfileType) Valid() bool {
	switch t {
	case ProfileNone, ProfileStandardAgent, ProfilePremiumAgent, ProfileSupervisor, ProfileAdministrator, ProfileAdministratorOnly:
		return true
	}
	return false
}

// DefaultProfileName is the name of the built-in user profile of each profile type.
var DefaultProfileName = map[ProfileType]string{
	ProfileStandardAgent:     "Standard Agent",
	ProfilePremiumAgent:      "Premium Agent",
	ProfileSupervisor:        "Supervisor",
	ProfileAdministrator:     "Administrator",
	ProfileAdministratorOnly: "Administrator Only",
}

// DeriveProfileType returns the profile type of a user with this license and these roles.
func DeriveProfileType(l License, r CCRole, a AdminRole) ProfileType {
	ccAdmin := a == AdminFull || a == AdminCCService
	switch {
	case l == LicenseStandard:
		return ProfileStandardAgent
	case l == LicensePremium && r == RoleSupervisor:
		return ProfileSupervisor
	case l == LicensePremium && ccAdmin:
		return ProfileAdministrator
	case l == LicensePremium:
		return ProfilePremiumAgent
	case ccAdmin:
		return ProfileAdministratorOnly
	}
	return ProfileNone
}

// User is a person of an organization. Its email is its identity, unique across the whole
// installation.
type User struct {
	ID                string
	OrgID             string
	Email             string // normalized, see provision.NormalizeEmail
	FirstName         string
	LastName          string
	DisplayName       string
	PhoneNumber       string // E.164 with a leading +, or empty
	Title             string
	Department        string
	PreferredLanguage Language // empty: the organization's default
	Status            UserStatus
	License           License
	CCRole            CCRole
	AdminRole         AdminRole
	SyncStatus        SyncStatus
	// UserProfileID is the custom user profile of the user, of its derived profile type; ""
	// for the built-in default profile of that type.
	UserProfileID string
	// The sources of the license (see Sources). License is the best of them that seats allow.
	DirectLicense   LicenseGrant // the administrator's explicit choice, if one was made
	TemplateLicense LicenseGrant // the organization-wide template, given at creation or by an apply
	GroupLicense    License      // the best license the user's memberships grant
	// WaitingLicense is a better license the user's template or groups grant but no seat was
	// free for, and since when; it is given when a seat frees up. Zero when not waiting.
	WaitingLicense LicenseGrant
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Version        int64 // grows by one with every change; the ETag
}

// ProfileType returns the user's derived contact-center profile type.
func (u *User) ProfileType() ProfileType {
	return DeriveProfileType(u.License, u.CCRole, u.AdminRole)
}

// SourcesLicense returns the license the user's sources grant: the best of its direct choice,
// its template and its groups.
func (u *User) SourcesLicense() License {
	return Best(Best(Best(LicenseNone, u.DirectLicense.License), u.TemplateLicense.License), u.GroupLicense)
}

// NeedsAgent reports whether the contact center must have an agent for this user.
func (u *User) NeedsAgent() bool { return u.ProfileType() != ProfileNone }

// UserUpdate is the change of one user for Tx.UpdateUsersChanges: the user as it was read,
// and as it is to be.
type UserUpdate struct {
	Before, After *User
}

// UserFilter selects a page of an organization's users, ordered by email.
type UserFilter struct {
	OrgID      string
	Query      string // prefix of the email, first name or last name, case-insensitive
	Email      string // exactly this normalized email
	License    License
	CCRole     CCRole
	AdminRole  AdminRole
	Status     UserStatus
	SyncStatus SyncStatus
	GroupID    string // members of this group only
	Limit      int    // at most MaxPageSize; 0 means DefaultPageSize
	After      string // the email of the last user of the previous page
	Before     string // the email of the first user of the next page, to page backwards
}

// Page sizes of every list.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// TotalCap bounds how far a filtered list counts its matches: beyond it the total is reported
// as "at least TotalCap", so no request has to count a million rows.
const TotalCap = 10000

// UserPage is one page of users.
type UserPage struct {
	Users []*User
	Next  string // cursor of the next page; empty on the last page
	Prev  string // cursor (UserFilter.Before) of the previous page; empty on the first page
	Total int    // number of users matching the filter (see TotalExact)
	// TotalExact is false when Total is the lower bound TotalCap.
	TotalExact bool
}
