package contactcenter

import (
	"context"
	"time"

	"roster"
)

// Builtin is the connector of the contact center this installation keeps itself: the agents
// table of the store. A push is one transaction.
type Builtin struct {
	store roster.Store
	clock func() time.Time
}

// NewBuiltin returns the builtin connector on store.
func NewBuiltin(store roster.Store) *Builtin { return &Builtin{store: store, clock: time.Now} }

// Name implements roster.Connector.
func (b *Builtin) Name() string { return "builtin" }

// Push makes the agents table hold states: a new agent for a user that needs one, the
// directory's fields on an existing one, a deactivated agent for a user that no longer needs
// one, and no agent for a deleted user. The agent-side fields (site, teams, profiles) are the
// administrators' and stay as they are.
func (b *Builtin) Push(ctx context.Context, states []roster.AgentState) []error {
	err := b.store.Write(ctx, func(tx roster.Tx) error {
		_, err := b.apply(ctx, tx, states)
		return err
	})
	errs := make([]error, len(states))
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
	}
	return errs
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

// apply writes states in tx and returns what it did to each.
func (b *Builtin) apply(ctx context.Context, tx roster.Tx, states []roster.AgentState) ([]Change, error) {
	byOrg := map[string][]string{}
	for _, s := range states {
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
	now := b.clock().UTC()
	changes := make([]Change, len(states))
	var create []*roster.Agent
	deletes := map[string][]string{}
	for i, s := range states {
		a := agents[s.UserID]
		next, change := AgentFor(a, s, now)
		changes[i] = change
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
	return changes, nil
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
