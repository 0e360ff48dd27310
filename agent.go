package roster

import (
	"context"
	"time"
)

// Entity is what every contact-center entity of an organization has: sites, teams, skill,
// agent and multimedia profiles, and user profiles embed it, so that one code path per layer
// reads and writes them all, keyed by their kind.
type Entity struct {
	ID        string
	OrgID     string
	Name      string // unique per kind in the organization, ignoring case
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Base returns the fields e shares with every other entity, for code that serves every kind.
func (e *Entity) Base() *Entity { return e }

// Site is a contact-center location of an organization; teams belong to one.
type Site struct {
	Entity
}

// Team is a group of agents at one site.
type Team struct {
	Entity
	SiteID string
}

// PortalProfileKind is a kind of contact-center profile an agent holds one of.
type PortalProfileKind string

// Kinds of portal profiles.
const (
	SkillProfile      PortalProfileKind = "skill"
	AgentProfile      PortalProfileKind = "agent"
	MultimediaProfile PortalProfileKind = "multimedia"
)

// Valid reports whether k is a known kind.
func (k PortalProfileKind) Valid() bool {
	return k == SkillProfile || k == AgentProfile || k == MultimediaProfile
}

// PortalProfile is a skill, agent or multimedia profile of an organization.
type PortalProfile struct {
	Entity
	Kind PortalProfileKind
}

// Agent is the contact-center record of a user: one per user that has a contact-center
// license or a full or contact center service administrator role. Sync owns the fields that
// come from the directory (AgentState); administrators edit the agent-side ones.
type Agent struct {
	UserID string
	OrgID  string
	// From the directory, read-only here.
	Email         string
	FirstName     string
	LastName      string
	ProfileType   ProfileType
	UserProfileID string // "" for the default profile of ProfileType
	Active        bool   // false once the user no longer needs an agent, or is inactive
	// Agent-side fields.
	ContactCenterEnabled bool
	SiteID               string
	TeamIDs              []string // teams of SiteID only
	SkillProfileID       string
	AgentProfileID       string
	MultimediaProfileID  string
	ExternalID           string
	DefaultDialNumber    string
	CreatedAt            time.Time
	UpdatedAt            time.Time
	Version              int64
}

// AgentState is what the directory says the contact center must hold for one user: the fields
// of its agent that sync owns.
type AgentState struct {
	OrgID         string
	UserID        string
	Email         string
	FirstName     string
	LastName      string
	ProfileType   ProfileType // ProfileNone: the user needs no agent; an existing one is deactivated
	UserProfileID string
	Active        bool // the user is not inactive
	// Deleted says the user was deleted: its agent is deleted.
	Deleted bool
}

// AgentStateOf returns what the contact center must hold for u.
func AgentStateOf(u *User) AgentState {
	return AgentState{OrgID: u.OrgID, UserID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		ProfileType: u.ProfileType(), UserProfileID: u.UserProfileID, Active: u.Status != StatusInactive}
}

// SyncEntry is one user as Synchronize Users reconciles it.
type SyncEntry struct {
	State  AgentState // what the contact center must hold
	Status SyncStatus // the user's sync status
	// Agent has the directory fields of the user's agent in the builtin contact center
	// (those of AgentState), nil when there is none. Its other fields are not read: it tells
	// whether the agent must change, not what else it holds.
	Agent *Agent
}

// Connector is the contact-center side that sync pushes the directory to: the built-in portal
// tables, or an external system. Push is idempotent: pushing a state the contact center
// already holds changes nothing.
type Connector interface {
	// Name names the connector in logs and on Service Details ("builtin", "scim").
	Name() string
	// Push makes the agents of these users match their states, and returns one error per
	// state, nil where it succeeded. A *SyncError says whether to retry; any other error is
	// retried.
	Push(ctx context.Context, states []AgentState) []error
}

// RemoteSupport is what a connector found out about the contact center it pushes to, for
// Service Details: whether it answered, and which of the features sync relies on it offers.
type RemoteSupport struct {
	CheckedAt time.Time // when it was asked; zero when it has not been yet
	Reachable bool      // its discovery endpoints answered
	Patch     bool      // it takes PATCH, so changes leave the attributes set there alone
	ETags     bool      // it versions resources, so changes are sent with If-Match
	Schemas   []string  // the schemas it lists
	// Extension is the schema of the contact-center attributes, and ExtensionListed whether
	// the remote lists it: when it does not, the profile type may be lost there.
	Extension       string
	ExtensionListed bool
	// Problem says, in a sentence safe to show administrators, what is wrong; "" when nothing.
	Problem string
}

// SyncError is a connector's failure to apply one state.
type SyncError struct {
	// Retryable failures (timeouts, 5xx, 429) are tried again with backoff; the others
	// (a refusal of the contact center, 4xx) make the user's sync status invalid at once.
	Retryable  bool
	RetryAfter time.Duration // the contact center's wish, 0 when it said nothing
	Message    string        // safe to show administrators: never the text of a Go error
	// Err is the cause (a network or decoding error), for the log only.
	Err error
}

// Error is the message with its cause, for the log; show Message instead.
func (e *SyncError) Error() string {
	msg := e.Message
	if e.Err != nil {
		msg += " (" + e.Err.Error() + ")"
	}
	if e.Retryable {
		return "retryable: " + msg
	}
	return msg
}

func (e *SyncError) Unwrap() error { return e.Err }

// SyncJob is a user whose contact-center side must catch up with the directory. There is at
// most one per user: changes made while it waits are delivered together, as the user's state
// at delivery, so deliveries are ordered per user and delivering twice changes nothing.
type SyncJob struct {
	UserID     string
	OrgID      string
	Generation int64 // grows with every change enqueued; a delivery completes its generation only
	DueAt      time.Time
	Attempts   int
	// Failed jobs have exhausted their retries or been refused: they wait for a synchronize.
	Failed        bool
	LastError     string
	LastAttemptAt time.Time
	LeaseOwner    string
	LeaseUntil    time.Time
}

// AgentFilter selects a page of an organization's agents, by email.
type AgentFilter struct {
	OrgID       string
	Query       string      // prefix of the email
	SiteID      string      // only agents at this site
	TeamID      string      // only agents in this team
	ProfileType ProfileType // only agents of this profile type
	Active      *bool       // only active (true) or inactive (false) agents
	// ContactCenterEnabled keeps only the agents enabled (true) or not enabled (false) in the
	// contact center.
	ContactCenterEnabled *bool
	Limit                int
	After                string
}

// AgentPage is one page of agents.
type AgentPage struct {
	Agents []*Agent
	Next   string
}
