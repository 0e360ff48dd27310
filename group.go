package roster

import "time"

// Group is a named set of users of an organization. In the group mode of license assignment a
// group gives its members the license of its template.
type Group struct {
	ID    string
	OrgID string
	Name  string // unique in the organization, ignoring case
	// License is the group's license template: what it gives a member that joins while the
	// organization assigns licenses by group. LicenseNone gives nothing.
	License   License
	Members   int // how many users belong to the group
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// GroupFilter selects a page of an organization's groups, ordered by name.
type GroupFilter struct {
	OrgID string
	Query string // prefix of the name, case-insensitive
	Limit int    // at most MaxPageSize; 0 means DefaultPageSize
	After string // cursor: the Next of the previous page
}

// GroupPage is one page of groups.
type GroupPage struct {
	Groups []*Group
	Next   string // empty on the last page
}

// Membership is one user in one group, with the license the membership gives the user.
type Membership struct {
	GroupID string
	UserID  string
	OrgID   string
	// License is what this membership grants: the group's template license when the user
	// joined in group mode or when a template was last applied, else LicenseNone.
	License License
	Since   time.Time // when the user joined, or when License last changed

	// Read-only, filled in by reads for display.
	GroupName    string
	GroupLicense License // the group's template license now
	Email        string
	FirstName    string
	LastName     string
}

// MembershipFilter selects a page of the members of a group (GroupID, ordered by user id) or
// of the groups of a user (UserID, ordered by group id). Exactly one of the two is set.
type MembershipFilter struct {
	OrgID   string
	GroupID string
	UserID  string
	Limit   int    // at most MaxPageSize; 0 means DefaultPageSize
	After   string // cursor: the Next of the previous page
}

// MembershipPage is one page of memberships.
type MembershipPage struct {
	Memberships []*Membership
	Next        string // empty on the last page
}

// AssignmentMode says how new users get a license automatically. Only one mode is active.
type AssignmentMode string

// Assignment modes.
const (
	AssignOff   AssignmentMode = "off"   // no automatic license (the default)
	AssignOrg   AssignmentMode = "org"   // one license for every new user
	AssignGroup AssignmentMode = "group" // each group gives its members its license
)

// Valid reports whether m is a known mode.
func (m AssignmentMode) Valid() bool { return m == AssignOff || m == AssignOrg || m == AssignGroup }

// LicenseAssignment is an organization's automatic license assignment: its mode and, in org
// mode, the license every new user gets. Group licenses live on the groups.
type LicenseAssignment struct {
	Mode    AssignmentMode
	License License // the organization-wide template; LicenseNone outside org mode
}

// LicenseGrant is one source's grant of a license, and since when. The zero value grants
// nothing (not even LicenseNone).
type LicenseGrant struct {
	License License
	Since   time.Time
}

// Granted reports whether the source grants anything, LicenseNone included.
func (g LicenseGrant) Granted() bool { return g.License != "" }

// SourceKind is where a license comes from.
type SourceKind string

// Sources of a license.
const (
	SourceDirect   SourceKind = "direct"   // an administrator's explicit choice: console, API, CSV
	SourceTemplate SourceKind = "template" // the organization-wide template
	SourceGroup    SourceKind = "group"    // a group the user belongs to
)

// LicenseSource is one reason a user has (or is waiting for) a license.
type LicenseSource struct {
	Kind      SourceKind
	License   License
	GroupID   string // for SourceGroup
	GroupName string // for SourceGroup
	Since     time.Time
}

// UserProfile is a contact-center user profile: the built-in default one of each profile type,
// or a custom one an organization defined. A custom profile may only be given to users whose
// derived profile type is its type.
type UserProfile struct {
	Entity  // the ID of a built-in profile is its type
	Type    ProfileType
	BuiltIn bool
}
