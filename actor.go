package roster

// Interface is the entry point a change came through, as recorded in the audit log.
type Interface string

// Interfaces.
const (
	ViaAPI     Interface = "api"
	ViaConsole Interface = "console"
	ViaCSV     Interface = "csv"
	ViaSCIM    Interface = "scim"
	ViaCLI     Interface = "cli"
	ViaSync    Interface = "sync"
)

// Actor is who asks for something: an API token, an administrator signed in to the console, or
// the installation itself (the CLI on the server's own data, background workers).
type Actor struct {
	Kind      string // "token", "admin", "system"
	ID        string // token id or user id; empty for the system
	Name      string // human label for the audit log
	OrgID     string // the organization it administers; empty when System
	Role      AdminRole
	System    bool // may create and manage every organization
	Interface Interface
	// TaskID is the task the actor's changes are part of, recorded with each audit entry.
	TaskID string
}

// Label returns how the actor is shown in the audit log.
func (a Actor) Label() string {
	if a.Name != "" {
		return a.Name
	}
	if a.ID != "" {
		return a.Kind + " " + a.ID
	}
	return a.Kind
}
