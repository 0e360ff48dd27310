package roster

// LicenseUsage says where the licenses of one kind that an organization's users hold come
// from. A user counts under every source that grants the license it holds, so the sources may
// add up to more than Users.
type LicenseUsage struct {
	License  License
	Users    int // users holding the license, inactive ones included
	Inactive int // of them, inactive users: they keep their license
	Direct   int // users whose administrator chose the license
	Template int // users the organization-wide template gave it
	// Groups are the groups that grant the license to members holding it, by name.
	Groups []GroupLicenseUsage
}

// GroupLicenseUsage counts the members of one group that hold the license the group grants.
type GroupLicenseUsage struct {
	GroupID   string
	GroupName string
	Users     int
}
