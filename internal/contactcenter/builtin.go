package contactcenter

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"roster"
)

// Builtin is the connector of the contact center this installation keeps itself: the agents
// table of the store. A push is one transaction.
type Builtin struct {
	store roster.Writer
	clock func() time.Time
}

// NewBuiltin returns the builtin connector on store.
func NewBuiltin(store roster.Writer) *Builtin { return &Builtin{store: store, clock: time.Now} }

// Name implements roster.Connector.
func (b *Builtin) Name() string { return "builtin" }

// Push makes the agents table hold states; see Reconcile.
func (b *Builtin) Push(ctx context.Context, states []roster.AgentState) []error {
	_, errs := b.Reconcile(ctx, states)
	return errs
}

// Reconcile makes the agents table hold states, in one transaction, and returns what it did
// to each agent: a new agent for a user that needs one, the directory's fields on an existing
// one, a deactivated agent for a user that no longer needs one, and no agent for a deleted
// user. The agent-side fields (site, teams, profiles) are the administrators' and stay as
// they are.
func (b *Builtin) Reconcile(ctx context.Context, states []roster.AgentState) ([]Change, []error) {
	var changes []Change
	err := b.store.Write(ctx, func(tx roster.Tx) error {
		// The organizations first, as every directory write and each page of Synchronize
		// Users take them (on PostgreSQL a lock): else a push and a page in flight both
		// insert the agent of a user, and the page fails on the push's row.
		orgs := make([]string, len(states))
		for i, s := range states {
			orgs[i] = s.OrgID
		}
		if err := lockOrgs(ctx, tx, orgs); err != nil {
			return err
		}
		var err error
		changes, err = b.apply(ctx, tx, states, nil, "")
		return err
	})
	errs := make([]error, len(states))
	if err != nil {
		changes = make([]Change, len(states))
		for i := range errs {
			errs[i] = err
		}
	}
	return changes, errs
}

// lockOrgs reads, and on PostgreSQL locks, the organizations of these ids, once each, in id
// order, as every directory write takes its organization first. An organization deleted
// meanwhile is skipped.
func lockOrgs(ctx context.Context, tx roster.OrgReader, ids []string) error {
	for _, id := range slices.Compact(slices.Sorted(slices.Values(ids))) {
		if _, err := tx.FindOrgByID(ctx, id); err != nil && roster.ErrorCode(err) != roster.CodeNotFound {
			return err
		}
	}
	return nil
}

// Change is what a push did to one agent.
type Change string

// Changes of an agent.
const (
	Unchanged   Change = ""
	Created     Change = "created"
	Updated     Change = "updated"
	Deactivated Change = "deactivated"
	Deleted     Change = "deleted"
)

// agentsTx is what a push changes: agents, and the audit entries of their changes.
type agentsTx interface {
	roster.AgentReader
	roster.AgentTx
	roster.AuditTx
}

// apply writes states in tx, with an audit entry for each agent it changes, part of the task
// taskID when not empty, and returns what it did to each. held, when not nil, has for each
// state the directory fields of the agent the table holds, nil for none (SyncEntry.Agent), read
// with the users: then only the agents that change are read in full, for the fields the
// directory does not own.
func (b *Builtin) apply(ctx context.Context, tx agentsTx, states []roster.AgentState, held []*roster.Agent, taskID string) ([]Change, error) {
	now := b.clock().UTC()
	byOrg := map[string][]string{}
	decided := make([]bool, len(states)) // by the directory fields alone
	for i, s := range states {
		if held != nil {
			_, change := AgentFor(held[i], s, now)
			if decided[i] = change == Unchanged || change == Created; decided[i] {
				continue
			}
		}
		byOrg[s.OrgID] = append(byOrg[s.OrgID], s.UserID)
	}
	agents := make(map[string]*roster.Agent, len(states))
	for orgID, ids := range byOrg {
		found, err := tx.FindAgentsByUserIDs(ctx, orgID, ids)
		if err != nil {
			return nil, err
		}
		for _, a := range found {
			agents[a.UserID] = a
		}
	}
	changes := make([]Change, len(states))
	var create []*roster.Agent
	deletes := map[string][]string{}
	var audit []*roster.AuditEntry
	for i, s := range states {
		a := agents[s.UserID]
		if decided[i] {
			a = held[i]
		}
		next, change := AgentFor(a, s, now)
		changes[i] = change
		if change != Unchanged {
			audit = append(audit, agentAuditEntry(a, next, change, taskID, now))
		}
		switch change {
		case Created:
			create = append(create, next)
		case Updated, Deactivated:
			if err := tx.UpdateAgent(ctx, next); err != nil {
				return nil, err
			}
		case Deleted:
			deletes[s.OrgID] = append(deletes[s.OrgID], s.UserID)
		}
	}
	if err := tx.CreateAgents(ctx, create); err != nil {
		return nil, err
	}
	for orgID, ids := range deletes {
		if err := tx.DeleteAgents(ctx, orgID, ids); err != nil {
			return nil, err
		}
	}
	return changes, tx.CreateAuditEntries(ctx, audit)
}

// agentAuditEntry is the audit entry of a change sync made to an agent, from before to after
// (nil when there was none, or is none), part of the task taskID when not empty. It shows the
// directory fields, as they were and became: those that changed, all of them when the agent
// was created or deleted.
func agentAuditEntry(before, after *roster.Agent, change Change, taskID string, now time.Time) *roster.AuditEntry {
	e := &roster.AuditEntry{ID: roster.NewID(), At: now, ActorKind: "system", ActorName: "sync", Interface: roster.ViaSync,
		Action: agentActions[change], TargetKind: "agent", TaskID: taskID}
	var was, is *agentFields
	for _, a := range []*roster.Agent{after, before} { // the agent's own fields as it is, else as it was
		if a != nil {
			e.OrgID, e.TargetID, e.Target = a.OrgID, a.UserID, a.Email
		}
	}
	switch {
	case before == nil:
		is = fieldsOf(after)
	case after == nil:
		was = fieldsOf(before)
	default:
		was, is = diffFields(before, after)
	}
	e.Before, e.After = was.json(), is.json()
	return e
}

// AgentFor returns the agent that holds state s, given the agent the contact center has (nil
// when none), and what changes: a new agent for a user that needs one, the directory's fields
// on an existing one, a deactivated agent for a user that no longer needs one, no agent for a
// deleted user. The agent-side fields stay as they are. It returns Unchanged when a already
// holds s (or when there is no agent and none is needed).
func AgentFor(a *roster.Agent, s roster.AgentState, now time.Time) (*roster.Agent, Change) {
	switch {
	case s.Deleted:
		if a == nil {
			return nil, Unchanged
		}
		return nil, Deleted
	case s.ProfileType == roster.ProfileNone:
		if a == nil || !a.Active {
			return a, Unchanged
		}
		next := *a
		next.Active, next.UpdatedAt = false, now
		return &next, Deactivated
	case a == nil:
		return &roster.Agent{UserID: s.UserID, OrgID: s.OrgID, Email: s.Email, FirstName: s.FirstName, LastName: s.LastName,
			ProfileType: s.ProfileType, UserProfileID: s.UserProfileID, Active: s.Active, ContactCenterEnabled: true,
			CreatedAt: now, UpdatedAt: now, Version: 1}, Created
	}
	next := *a
	next.Email, next.FirstName, next.LastName = s.Email, s.FirstName, s.LastName
	next.ProfileType, next.UserProfileID, next.Active = s.ProfileType, s.UserProfileID, s.Active
	if next.Email == a.Email && next.FirstName == a.FirstName && next.LastName == a.LastName &&
		next.ProfileType == a.ProfileType && next.UserProfileID == a.UserProfileID && next.Active == a.Active {
		return a, Unchanged
	}
	next.UpdatedAt = now
	return &next, Updated
}

var agentActions = map[Change]string{Created: "agent.create", Updated: "agent.update", Deactivated: "agent.deactivate", Deleted: "agent.delete"}

// agentFields are the directory fields of an agent in the audit log; nil ones are left out.
type agentFields struct {
	Email         *string             `json:"email,omitempty"`
	FirstName     *string             `json:"firstName,omitempty"`
	LastName      *string             `json:"lastName,omitempty"`
	ProfileType   *roster.ProfileType `json:"profileType,omitempty"`
	UserProfileID *string             `json:"userProfileId,omitempty"`
	Active        *bool               `json:"active,omitempty"`
}

func fieldsOf(a *roster.Agent) *agentFields {
	return &agentFields{&a.Email, &a.FirstName, &a.LastName, &a.ProfileType, &a.UserProfileID, &a.Active}
}

// diffFields returns the fields of a and b that differ, as in a and as in b.
func diffFields(a, b *roster.Agent) (was, is *agentFields) {
	was, is = &agentFields{}, &agentFields{}
	if a.Email != b.Email {
		was.Email, is.Email = &a.Email, &b.Email
	}
	if a.FirstName != b.FirstName {
		was.FirstName, is.FirstName = &a.FirstName, &b.FirstName
	}
	if a.LastName != b.LastName {
		was.LastName, is.LastName = &a.LastName, &b.LastName
	}
	if a.ProfileType != b.ProfileType {
		was.ProfileType, is.ProfileType = &a.ProfileType, &b.ProfileType
	}
	if a.UserProfileID != b.UserProfileID {
		was.UserProfileID, is.UserProfileID = &a.UserProfileID, &b.UserProfileID
	}
	if a.Active != b.Active {
		was.Active, is.Active = &a.Active, &b.Active
	}
	return was, is
}

func (f *agentFields) json() json.RawMessage {
	if f == nil {
		return nil
	}
	b, err := json.Marshal(f)
	if err != nil {
		panic("contactcenter: audit fields: " + err.Error()) // plain strings and a bool cannot fail
	}
	return b
}
