package roster

import (
	"context"
	"time"
)

// Store keeps the directory. Its reads run on a read pool; its changes run inside Write, in one
// transaction. The application package holds every rule; a Store only stores.
type Store interface {
	Reader
	Writer
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// Writer opens write transactions.
type Writer interface {
	// Write runs fn in one write transaction, committed when fn returns nil and rolled back
	// otherwise. On PostgreSQL, single-row reads inside it lock the row they read (FOR UPDATE),
	// so a read-modify-write inside Write never loses a concurrent write.
	Write(ctx context.Context, fn func(tx Tx) error) error
}

// Reader holds the queries, available outside and inside a transaction. A missing row is an
// *Error with CodeNotFound. It is made of one small interface per aggregate, so that a
// consumer can name only the queries it uses.
type Reader interface {
	OrgReader
	UserReader
	GroupReader
	EntityReader
	AgentReader
	SyncReader
	TokenReader
	AuditReader
	TaskReader
	EmailReader
	ConsoleReader
}

// Tx is a write transaction: every query, and the changes of every aggregate.
type Tx interface {
	Reader
	OrgTx
	UserTx
	GroupTx
	EntityTx
	AgentTx
	SyncTx
	TokenTx
	AuditTx
	TaskTx
	EmailTx
	ConsoleTx
	RetentionTx
}

// OrgReader holds the queries of organizations.
type OrgReader interface {
	FindOrgByID(ctx context.Context, id string) (*Org, error)
	FindOrgs(ctx context.Context) ([]*Org, error)
	// FindCustomerOrgs returns the organizations whose partner is partnerID, ordered by name.
	FindCustomerOrgs(ctx context.Context, partnerID string) ([]*Org, error)
}

// OrgTx holds the changes of organizations.
type OrgTx interface {
	CreateOrg(ctx context.Context, o *Org) error
	// UpdateOrg writes every field of o except Usage, and sets o.Version to the stored
	// version plus one. It fails with CodeConflict when o.Version is not the stored version.
	UpdateOrg(ctx context.Context, o *Org) error
	// UpdateOrgUsage writes only the usage counters of an organization; it leaves its version
	// (the ETag administrators edit against) as it is.
	UpdateOrgUsage(ctx context.Context, orgID string, u Usage) error
}

// UserReader holds the queries of users.
type UserReader interface {
	FindUserByID(ctx context.Context, orgID, id string) (*User, error)
	// FindUserByEmail looks the normalized email up across the whole installation.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	FindUsers(ctx context.Context, f UserFilter) (*UserPage, error)
	// FindUsersForExport returns up to limit users of the organization in creation order,
	// after the user with id afterID ("" for the first page), holding only what the users CSV
	// file writes and their id and organization: AdminRole, CreatedAt, UpdatedAt and Version
	// are left zero. A page shorter than limit is the last one.
	FindUsersForExport(ctx context.Context, orgID, afterID string, limit int) ([]*User, error)
	// FindUsersByIDs returns the users of the organization with one of these ids, in no
	// particular order; ids of no user of it are left out.
	FindUsersByIDs(ctx context.Context, orgID string, ids []string) ([]*User, error)
	// FindUsersByEmails returns the users, in any organization, that have one of the
	// normalized emails, in no particular order.
	FindUsersByEmails(ctx context.Context, emails []string) ([]*User, error)
	// FindWaitingUsers returns up to limit users of the organization that wait for a seat
	// (WaitingLicense), longest waiting first.
	FindWaitingUsers(ctx context.Context, orgID string, limit int) ([]*User, error)
	// FindUsersByProfile returns up to limit users of the organization that have the custom
	// user profile profileID, or any custom profile when profileID is "", in id order after
	// the user afterID ("" for the first page).
	FindUsersByProfile(ctx context.Context, orgID, profileID, afterID string, limit int) ([]*User, error)
	// CountLicenseUsage counts, for each license the organization's users hold (none left
	// out), the holders by source: standard first, then premium.
	CountLicenseUsage(ctx context.Context, orgID string) ([]LicenseUsage, error)
}

// UserTx holds the changes of users.
type UserTx interface {
	// CreateUser inserts u. An email already taken anywhere fails with CodeConflict.
	CreateUser(ctx context.Context, u *User) error
	// CreateUsers inserts many users in few statements; an email taken anywhere fails the
	// whole call with CodeConflict.
	CreateUsers(ctx context.Context, users []*User) error
	// UpdateUser writes every field of u and sets u.Version to the stored version plus one. It
	// fails with CodeConflict when u.Version is not the stored version.
	UpdateUser(ctx context.Context, u *User) error
	// UpdateUsersChanges writes, for each update, the fields of After that differ from Before,
	// when Before's version is the stored version, and sets After.Version to the stored
	// version plus one. Writing only what changed spares the database the indexes of the other
	// fields: a bulk license change rewrites two indexes instead of all of them. An update that
	// fails fails the call: CodeConflict for a stale version or a taken email.
	UpdateUsersChanges(ctx context.Context, updates []UserUpdate) error
	// DeleteUser deletes a user and its memberships.
	DeleteUser(ctx context.Context, orgID, id string) error
}

// GroupReader holds the queries of groups and their memberships.
type GroupReader interface {
	FindGroupByID(ctx context.Context, orgID, id string) (*Group, error)
	// FindGroupsByNames returns the groups of the organization with one of these names,
	// compared ignoring case, in no particular order.
	FindGroupsByNames(ctx context.Context, orgID string, names []string) ([]*Group, error)
	FindGroups(ctx context.Context, f GroupFilter) (*GroupPage, error)
	// FindMemberships returns a page of the members of a group or of the groups of a user,
	// with the names of both sides filled in.
	FindMemberships(ctx context.Context, f MembershipFilter) (*MembershipPage, error)
	// FindMembershipsOfUsers returns every membership of these users of the organization, with
	// GroupName and GroupLicense filled in, in no particular order.
	FindMembershipsOfUsers(ctx context.Context, orgID string, userIDs []string) ([]*Membership, error)
	// FindGroupNames returns the names of the groups of each of these users, sorted, keyed by
	// user id; users without groups are left out.
	FindGroupNames(ctx context.Context, orgID string, userIDs []string) (map[string][]string, error)
}

// GroupTx holds the changes of groups and their memberships.
type GroupTx interface {
	// CreateGroup inserts g; a name taken in the organization fails with CodeConflict.
	CreateGroup(ctx context.Context, g *Group) error
	// UpdateGroup writes the name and license of g and sets g.Version to the stored version
	// plus one; CodeConflict when g.Version is not the stored version or the name is taken.
	UpdateGroup(ctx context.Context, g *Group) error
	// DeleteGroup deletes a group and its memberships.
	DeleteGroup(ctx context.Context, orgID, id string) error
	// CreateMemberships adds users to groups and counts them in Group.Members. A user already
	// in the group fails the call with CodeConflict.
	CreateMemberships(ctx context.Context, ms []*Membership) error
	// UpdateMemberships writes the license and since of memberships.
	UpdateMemberships(ctx context.Context, ms []*Membership) error
	// DeleteMemberships removes users from groups (by GroupID and UserID) and uncounts them.
	DeleteMemberships(ctx context.Context, ms []*Membership) error
}

// EntityReader holds the queries of the named entities of an organization: user profiles, sites,
// teams and portal profiles.
type EntityReader interface {
	FindUserProfileByID(ctx context.Context, orgID, id string) (*UserProfile, error)
	// FindUserProfiles returns the custom user profiles of the organization, by name.
	FindUserProfiles(ctx context.Context, orgID string) ([]*UserProfile, error)

	FindSites(ctx context.Context, orgID string) ([]*Site, error)
	FindSiteByID(ctx context.Context, orgID, id string) (*Site, error)
	// FindTeams returns the teams of the organization, of one site when siteID is not "".
	FindTeams(ctx context.Context, orgID, siteID string) ([]*Team, error)
	FindTeamByID(ctx context.Context, orgID, id string) (*Team, error)
	FindPortalProfiles(ctx context.Context, orgID string, kind PortalProfileKind) ([]*PortalProfile, error)
	FindPortalProfileByID(ctx context.Context, orgID string, kind PortalProfileKind, id string) (*PortalProfile, error)
}

// EntityTx holds the changes of the named entities of an organization.
type EntityTx interface {
	// CreateUserProfile inserts a custom user profile; a name taken fails with CodeConflict.
	CreateUserProfile(ctx context.Context, p *UserProfile) error
	// UpdateUserProfile writes the name of p, like UpdateGroup.
	UpdateUserProfile(ctx context.Context, p *UserProfile) error
	DeleteUserProfile(ctx context.Context, orgID, id string) error

	CreateSite(ctx context.Context, s *Site) error
	// UpdateSite writes the name of s, like UpdateGroup.
	UpdateSite(ctx context.Context, s *Site) error
	DeleteSite(ctx context.Context, orgID, id string) error
	CreateTeam(ctx context.Context, t *Team) error
	// UpdateTeam writes the name and site of t, like UpdateGroup.
	UpdateTeam(ctx context.Context, t *Team) error
	DeleteTeam(ctx context.Context, orgID, id string) error
	CreatePortalProfile(ctx context.Context, p *PortalProfile) error
	// UpdatePortalProfile writes the name of p, like UpdateGroup.
	UpdatePortalProfile(ctx context.Context, p *PortalProfile) error
	DeletePortalProfile(ctx context.Context, orgID string, kind PortalProfileKind, id string) error
}

// AgentReader holds the queries of the contact-center agents of users.
type AgentReader interface {
	FindAgent(ctx context.Context, orgID, userID string) (*Agent, error)
	// FindAgentsByUserIDs returns the agents of these users of the organization, in no
	// particular order; users without an agent are left out.
	FindAgentsByUserIDs(ctx context.Context, orgID string, userIDs []string) ([]*Agent, error)
	FindAgents(ctx context.Context, f AgentFilter) (*AgentPage, error)
	// FindOrphanAgents returns up to limit agents of the organization whose user no longer
	// exists, in no particular order.
	FindOrphanAgents(ctx context.Context, orgID string, limit int) ([]*Agent, error)
	// FindAgentsUsing returns up to limit agents of the organization that hold a site, team
	// or portal profile (by its id), for naming them when it cannot be deleted.
	FindAgentsUsing(ctx context.Context, orgID, entityID string, limit int) ([]*Agent, error)
	// CountAgentsUsing counts the agents of the organization that hold a site, team or portal
	// profile (by its id).
	CountAgentsUsing(ctx context.Context, orgID, entityID string) (int, error)
	// CountAgents counts the organization's active agents by profile type.
	CountAgents(ctx context.Context, orgID string) (map[ProfileType]int, error)
}

// AgentTx holds the changes of agents.
type AgentTx interface {
	// CreateAgents inserts agents with their teams.
	CreateAgents(ctx context.Context, agents []*Agent) error
	// UpdateAgent writes every field of a and its teams when a.Version is the stored version,
	// and sets a.Version to the new version; CodeConflict otherwise.
	UpdateAgent(ctx context.Context, a *Agent) error
	// DeleteAgents deletes the agents of these users and their team memberships.
	DeleteAgents(ctx context.Context, orgID string, userIDs []string) error
}

// SyncReader holds the queries of the contact-center sync: what to send, how far it got, what waits.
type SyncReader interface {
	// FindSyncEntries returns up to limit users of the organization after the id after, in id
	// order, each with the directory fields of its agent.
	FindSyncEntries(ctx context.Context, orgID, after string, limit int) ([]*SyncEntry, error)
	// CountUsersBySyncStatus counts the organization's users by sync status.
	CountUsersBySyncStatus(ctx context.Context, orgID string) (map[SyncStatus]int, error)
	// FindSyncJob returns the pending or failed delivery of a user; CodeNotFound when there is
	// none (the user is in sync, or has never needed one).
	FindSyncJob(ctx context.Context, userID string) (*SyncJob, error)
}

// SyncTx holds the changes of the contact-center sync: its jobs and the sync status of users.
type SyncTx interface {
	// EnqueueSync records that these users of the organization changed in a way the contact
	// center must hear of: each gets a due job, or its waiting job a new generation (and its
	// retries start over). Written in the transaction of the change.
	EnqueueSync(ctx context.Context, orgID string, userIDs []string, now time.Time) error
	// ClaimSyncJobs leases up to limit due jobs, oldest due first, to owner until now+lease.
	// Two workers never hold one job while its lease holds.
	ClaimSyncJobs(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*SyncJob, error)
	// CompleteSyncJob ends a delivered job: it is deleted when no change came since it was
	// claimed (its generation is the stored one), and released, due at once, otherwise; it
	// reports whether it was deleted. CodeConflict when owner no longer holds it.
	CompleteSyncJob(ctx context.Context, j *SyncJob, owner string) (bool, error)
	// SaveSyncJob records a failed attempt of a job owner holds (Attempts, DueAt, Failed,
	// LastError, LastAttemptAt) and releases it. A change enqueued since it was claimed wins:
	// the job is then due at once with its retries started over. CodeConflict when owner no
	// longer holds it.
	SaveSyncJob(ctx context.Context, j *SyncJob, owner string) error
	// ReleaseSyncJobs gives up the jobs owner holds, as they are, for an engine that stops:
	// another engine claims them at once. It returns how many it released.
	ReleaseSyncJobs(ctx context.Context, owner string) (int, error)
	// SetSyncStatuses writes the sync status of users of the organization, leaving their
	// version and update time alone: sync is not an edit an administrator could conflict with.
	SetSyncStatuses(ctx context.Context, orgID string, statuses map[string]SyncStatus) error
}

// TokenReader holds the queries of API tokens.
type TokenReader interface {
	FindTokenByHash(ctx context.Context, hash []byte) (*APIToken, error)
	// FindTokens lists the tokens of an organization, or the system tokens when orgID is "".
	FindTokens(ctx context.Context, orgID string) ([]*APIToken, error)
}

// TokenTx holds the changes of API tokens.
type TokenTx interface {
	CreateToken(ctx context.Context, t *APIToken) error
	// TouchToken records that a token was used at at, when its last recorded use is before
	// since (or none): a write at most every so often per token, not one a request.
	TouchToken(ctx context.Context, id string, at, since time.Time) error
	DeleteToken(ctx context.Context, orgID, id string) error
}

// AuditReader holds the query of the audit trail.
type AuditReader interface {
	FindAuditEntries(ctx context.Context, f AuditFilter) (*AuditPage, error)
}

// AuditTx adds to the audit trail, which is never changed.
type AuditTx interface {
	CreateAuditEntry(ctx context.Context, e *AuditEntry) error
	CreateAuditEntries(ctx context.Context, entries []*AuditEntry) error
}

// TaskReader holds the queries of background tasks, their reports and their input files.
type TaskReader interface {
	// FindTaskByID returns the task of organization orgID with this id.
	FindTaskByID(ctx context.Context, orgID, id string) (*Task, error)
	// FindTasks returns a page of tasks, newest first.
	FindTasks(ctx context.Context, f TaskFilter) (*TaskPage, error)
	// FindTaskRows returns up to limit rows of the report of a task, in row order, after the
	// row afterRow (0 for the first page).
	FindTaskRows(ctx context.Context, taskID string, afterRow, limit int) ([]*TaskRow, error)
	// FindActiveTask returns the oldest queued or running task of this kind in the
	// organization, so that a caller can allow one at a time (one import per organization).
	FindActiveTask(ctx context.Context, orgID, kind string) (*Task, error)
	// FindTaskFilePart returns part number part (from 0) of the input file of a task, and
	// CodeNotFound after the last part.
	FindTaskFilePart(ctx context.Context, taskID string, part int) ([]byte, error)
}

// TaskTx holds the changes of background tasks, their reports and their input files.
type TaskTx interface {
	// CreateTask inserts a task, in the state it has (normally TaskQueued).
	CreateTask(ctx context.Context, t *Task) error
	// ClaimTask hands the oldest claimable task to the worker owner: a queued task, or a
	// running one whose lease expired before now (its worker died). The task becomes running,
	// leased to owner until now+lease, with one more attempt. CodeNotFound when there is none.
	// Two workers never claim the same task while its lease holds.
	ClaimTask(ctx context.Context, owner string, now time.Time, lease time.Duration) (*Task, error)
	// ExtendLease moves the end of the lease of a running task to until. CodeConflict when
	// owner no longer holds it.
	ExtendLease(ctx context.Context, id, owner string, until time.Time) error
	// ReleaseTasks ends at now the leases of the running tasks owner holds, for a worker that
	// stops: another worker claims them at once and resumes them from their checkpoints. It
	// returns how many it released.
	ReleaseTasks(ctx context.Context, owner string, now time.Time) (int, error)
	// SaveTask writes the progress, counts, checkpoint, summary, state, error, finish time and
	// lease end of a running task, only while owner holds its lease, and fails with
	// CodeConflict otherwise.
	// This fence is what keeps a worker that lost its lease from applying a chunk twice.
	SaveTask(ctx context.Context, t *Task, owner string) error
	// CreateTaskRows adds rows to the reports of their tasks. A task reports its rows in row
	// order: a row at or before the last row already reported fails the call with CodeConflict,
	// so no row is ever reported twice.
	CreateTaskRows(ctx context.Context, rows []*TaskRow) error
	// RequestTaskCancel asks an active task to stop at its next checkpoint. CodeConflict when
	// the task has already finished.
	RequestTaskCancel(ctx context.Context, orgID, id string) error
	// CreateTaskFilePart stores part number part (from 0) of the input file of a task.
	CreateTaskFilePart(ctx context.Context, taskID string, part int, data []byte) error
	// DeleteTaskFile deletes the input file of a task.
	DeleteTaskFile(ctx context.Context, taskID string) error
	// MoveTaskFile gives the input file of task from to task to, and returns how many parts it
	// moved: 0 when from has no file (any more).
	MoveTaskFile(ctx context.Context, from, to string) (int, error)
	// DeleteFinishedTaskFiles deletes the input files that finished tasks of kind in the
	// organization kept (see worker.Run.KeepFile).
	DeleteFinishedTaskFiles(ctx context.Context, orgID, kind string) error
}

// EmailReader holds the queries of the outbox and of invitations.
type EmailReader interface {
	// FindEmails returns a page of an organization's outbox, newest first.
	FindEmails(ctx context.Context, f EmailFilter) (*EmailPage, error)
	// FindInvitation returns an invitation; inside Write it locks it on PostgreSQL.
	FindInvitation(ctx context.Context, id string) (*Invitation, error)
}

// EmailTx holds the changes of the outbox and of invitations.
type EmailTx interface {
	// CreateEmails adds messages to the outbox.
	CreateEmails(ctx context.Context, emails []*Email) error
	// ClaimEmails leases up to limit queued messages whose next attempt is due to owner until
	// now+lease. Two workers never hold one message while its lease holds.
	ClaimEmails(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*Email, error)
	// SaveEmail records a delivery attempt of a message owner holds, its link included, and
	// releases it; CodeConflict when owner no longer holds it.
	SaveEmail(ctx context.Context, e *Email, owner string) error
	// ReleaseEmails gives up the messages owner holds, as they are, for a deliverer that
	// stops: another deliverer claims them at once. It returns how many it released.
	ReleaseEmails(ctx context.Context, owner string) (int, error)
	// CancelEmails fails the queued messages of a user with reason, and drops their links:
	// they are not sent, and their links work no more.
	CancelEmails(ctx context.Context, userID, reason string) error
	// CreateInvitations stores invitations.
	CreateInvitations(ctx context.Context, invs []*Invitation) error
	// DeleteInvitations deletes every invitation of a user.
	DeleteInvitations(ctx context.Context, userID string) error
	// AcceptInvitation marks an invitation accepted; CodeConflict when it already was.
	AcceptInvitation(ctx context.Context, id string, at time.Time) error
}
