package provision

import (
	"context"
	"time"

	"roster"
)

// A use case changes the database through exactly one of the three functions of this file;
// nothing else in the package calls Store.Write (TestOneWritePath checks the source). Which one
// it takes says what it writes:
//
//   - writeOrg: the directory of one organization (users, groups, memberships, agents, sites,
//     teams, profiles, tokens, tasks, invitations, the organization itself, and the audit
//     entries of those changes). It authorizes the actor, locks the organization row first,
//     runs the change, and writes the usage counters the change moved.
//   - writeInstallation: what belongs to no existing organization: a new organization, system
//     tokens, installation administrators. Only a system actor may.
//   - writeAccess: the bookkeeping of who gets in: console sessions, sign-in failures, the
//     setup secret, the last use of a token. It changes no directory row.
//
// Task handlers write through worker.Run.Commit, which locks the task's organization first too.

// writeOrg is the one way a use case changes the directory of an organization. It checks that
// a may do what need says in orgID, then runs fn in a write transaction that first reads (on
// PostgreSQL: locks) the organization row, and finally writes the usage counters fn moved,
// after giving the seats fn freed to users waiting for one. fn writes its own audit entries.
//
// Every directory write takes the organization first, so transactions never wait on each
// other in a cycle, and seat counts stay exact when several nodes write at once. A use case
// may authorize earlier too, before it checks its input, so that a caller without the right
// learns nothing from the messages of its input.
func (s *Service) writeOrg(ctx context.Context, a roster.Actor, need permission, orgID string, fn func(tx roster.Tx, org *roster.Org) error) error {
	if err := authorize(a, orgID, need); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx roster.Tx) error {
		org, err := tx.FindOrgByID(ctx, orgID)
		if err != nil {
			return err
		}
		usage := org.Usage
		if err := fn(tx, org); err != nil {
			return err
		}
		return s.saveUsage(ctx, tx, a, org, usage)
	})
}

// writeInstallation runs fn, a change of the installation rather than of one organization's
// directory, in a write transaction; only a system actor may. There is no organization to lock
// first: fn creates it, or writes rows of the installation (system tokens, installation
// administrators) that no directory write locks.
func (s *Service) writeInstallation(ctx context.Context, a roster.Actor, fn func(tx roster.Tx) error) error {
	if err := authorize(a, "", permSystem); err != nil {
		return err
	}
	return s.store.Write(ctx, fn)
}

// accessTx is what access bookkeeping may change: no directory row, no organization, no
// audit entry. writeAccess hands fn nothing more, so a directory write cannot take that path.
type accessTx interface {
	roster.SessionTx
	TouchToken(ctx context.Context, id string, at, since time.Time) error
}

// writeAccess runs fn, which records who gets in (console sessions, sign-in failures, the
// setup secret, the last use of a token), in a write transaction. It authorizes nobody: these
// writes are what signing in and authenticating record, before there is an actor. It locks no
// organization: fn touches only these rows (accessTx), so it never holds a row a directory
// write waits for while waiting for the organization.
func (s *Service) writeAccess(ctx context.Context, fn func(tx accessTx) error) error {
	return s.store.Write(ctx, func(tx roster.Tx) error { return fn(tx) })
}
