package roster

import "time"

// Platform is the contact-center platform an organization runs on. It changes a few rules
// and the console flows.
type Platform string

// Platforms.
const (
	PlatformNew Platform = "new" // the default
	Platform10  Platform = "1.0" // Contact Center 1.0
)

// Valid reports whether p is a known platform.
func (p Platform) Valid() bool { return p == PlatformNew || p == Platform10 }

// Language is one of the languages the product speaks.
type Language string

// Languages, in the order the console lists them.
const (
	English Language = "en"
	Swedish Language = "sv"
	Dutch   Language = "nl"
	Spanish Language = "es"
	Polish  Language = "pl"
)

// Languages lists every supported language.
var Languages = []Language{English, Swedish, Dutch, Spanish, Polish}

// Valid reports whether l is a supported language.
func (l Language) Valid() bool {
	for _, s := range Languages {
		if l == s {
			return true
		}
	}
	return false
}

// Org is an organization: the unit of tenancy. Nothing scoped to one organization can read or
// change another.
type Org struct {
	ID       string
	Name     string
	Platform Platform
	Settings OrgSettings
	Seats    Seats // licenses the organization may assign; 0 means unlimited
	Usage    Usage // kept in step with its users in the same transaction as every change
	// Assignment is how new users get a license automatically.
	Assignment LicenseAssignment
	// PartnerID is the partner organization that manages this one ("customer view"): its
	// administrators open this organization with their own role. Empty when none does.
	PartnerID string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// OrgSettings are the organization's preferences.
type OrgSettings struct {
	SendWelcomeEmail bool
	DefaultLanguage  Language
}

// Seats counts licenses per kind; 0 means unlimited.
type Seats struct {
	Standard int
	Premium  int
}

// Usage counts the organization's users and the licenses they hold (inactive users included:
// they keep their license).
type Usage struct {
	Users    int
	Standard int
	Premium  int
}

// Add returns the usage after adding delta.
func (u Usage) Add(delta Usage) Usage {
	return Usage{Users: u.Users + delta.Users, Standard: u.Standard + delta.Standard, Premium: u.Premium + delta.Premium}
}

// Sub returns the usage after removing delta.
func (u Usage) Sub(delta Usage) Usage {
	return Usage{Users: u.Users - delta.Users, Standard: u.Standard - delta.Standard, Premium: u.Premium - delta.Premium}
}

// Seat returns the seats of license l (0 = unlimited; LicenseNone is always unlimited).
func (s Seats) Seat(l License) int {
	switch l {
	case LicenseStandard:
		return s.Standard
	case LicensePremium:
		return s.Premium
	}
	return 0
}

// Used returns how many users hold license l.
func (u Usage) Used(l License) int {
	switch l {
	case LicenseStandard:
		return u.Standard
	case LicensePremium:
		return u.Premium
	}
	return 0
}
