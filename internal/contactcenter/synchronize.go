package contactcenter

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"roster"
	"roster/internal/csvfile"
	"roster/internal/worker"
)

// SynchronizePage is how many users Synchronize Users reconciles a transaction: about half a
// second of the writer on SQLite, as many as a transaction of group members. 100,000 users
// from nothing took 5.7 s at 5,000 a page, 5.1 s at 10,000 and the same at 20,000, which holds
// other writers back twice as long.
const SynchronizePage = 10000

// orphansPhase is the cursor of Synchronize Users once every user is done: no user id.
const orphansPhase = "agents:"

// RunSynchronize is the worker handler of Synchronize Users (provision.KindSynchronize). It
// walks the organization's users in id order, a page a transaction, with the last id as its
// cursor: each user's agent is made to hold the user's state (created, updated, deactivated),
// each user's sync status is set from the outcome, and users that were invalid get their
// failed delivery retried. It then deletes agents whose user no longer exists: in the agents
// table with the builtin connector, on the remote side with a connector that is an
// OrphanRemover. The report has a row per change and per failure, as the connector reports
// them: a remote connector reads each user on its side, so what was changed there is repaired.
//
// With the builtin connector the agents, the statuses, the report rows and the cursor of a
// page are written in one transaction, so a task taken over after a crash neither loses nor
// repeats a change. Another connector is pushed to before the page's transaction; a page
// pushed again after a crash changes nothing there, pushes being idempotent, and a user changed
// between its push and the transaction is queued for delivery again.
//
// Id order, not email order, for the walk: a page's users come from the users' primary key.
// The store writes each page's new agents in email order, which five of the agents' indexes
// end with (sqldb's CreateAgents).
func (e *Engine) RunSynchronize(ctx context.Context, r *worker.Run) error {
	task := r.Task()
	if task.Checkpoint < 0 {
		return nil // finished before a takeover
	}
	cursor, rows := task.Cursor, int(task.Checkpoint)
	for cursor != orphansPhase {
		n, next, err := e.synchronizeUsers(ctx, r, cursor, rows)
		if err != nil {
			return err
		}
		rows, cursor = rows+n, next
	}
	if _, builtin := e.conn.(*Builtin); !builtin {
		return e.deleteRemoteOrphans(ctx, r, rows)
	}
	for {
		orphans, err := e.store.FindOrphanAgents(ctx, task.OrgID, SynchronizePage)
		if err != nil {
			return err
		}
		n, err := e.deleteOrphans(ctx, r, orphans, rows, len(orphans) == SynchronizePage)
		if err != nil {
			return err
		}
		rows += n
		if len(orphans) < SynchronizePage {
			return nil
		}
	}
}

// synchronizeUsers reconciles the page of users after the id after and commits it with its
// report rows, numbered after rows, and the next cursor. It returns how many rows it reported
// and the cursor.
func (e *Engine) synchronizeUsers(ctx context.Context, r *worker.Run, after string, rows int) (int, string, error) {
	orgID := r.Task().OrgID
	builtin, isBuiltin := e.conn.(*Builtin)
	var entries []*roster.SyncEntry
	var changes []Change
	var errs []error
	if !isBuiltin {
		// Pushed before the transaction, which must not wait on the network. The connector
		// reads the remote side of each user, so whatever was changed there is repaired.
		var err error
		if entries, err = e.store.FindSyncEntries(ctx, orgID, after, SynchronizePage); err != nil {
			return 0, "", err
		}
		changes, errs = reconcile(ctx, e.conn, statesOf(entries))
	}
	c := &worker.Commit{}
	err := r.Commit(ctx, func(tx roster.Tx) error {
		// The organization first, as every directory write takes it (see Engine.record).
		if _, err := tx.FindOrgByID(ctx, orgID); err != nil {
			return err
		}
		if isBuiltin {
			// Read after the organization, so that no directory write comes between the
			// users read and the agents written from them.
			var err error
			if entries, err = tx.FindSyncEntries(ctx, orgID, after, SynchronizePage); err != nil {
				return err
			}
			held := make([]*roster.Agent, len(entries))
			for i, en := range entries {
				held[i] = en.Agent
			}
			if changes, err = builtin.apply(ctx, tx, statesOf(entries), held, r.Task().ID); err != nil {
				return err
			}
			errs = make([]error, len(entries))
		}
		again := map[string]bool{}
		if !isBuiltin {
			// Pushed before this transaction, from users read before it: a user changed or
			// deleted since, whose delivery the engine may have made already, is delivered
			// again once this commits. With the organization held, none changes until then.
			var err error
			if again, err = changedSince(ctx, tx, orgID, entries); err != nil {
				return err
			}
		}
		*c = worker.Commit{Done: len(entries), Cursor: orphansPhase}
		if len(entries) == SynchronizePage {
			c.Cursor = entries[len(entries)-1].State.UserID
		}
		statuses := map[string]roster.SyncStatus{}
		var retry []string
		for i, en := range entries {
			s := en.State
			if deleted, ok := again[s.UserID]; ok {
				retry = append(retry, s.UserID)
				if !deleted {
					statuses[s.UserID] = roster.SyncPending
				}
				c.Rows = append(c.Rows, &roster.TaskRow{Row: rows + len(c.Rows) + 1, Email: s.Email, UserID: s.UserID,
					Outcome: string(csvfile.OutcomeWarning), Code: "changed_during_sync",
					Message: "Changed while Synchronize Users ran: its latest state goes out through the sync queue."})
				c.Counts.Warnings++
				continue
			}
			if errs[i] != nil {
				msg, _ := syncReason(errs[i])
				e.log.Warn("synchronize user failed", "org", orgID, "user", s.UserID, "err", errs[i])
				c.Rows = append(c.Rows, &roster.TaskRow{Row: rows + len(c.Rows) + 1, Email: s.Email, UserID: s.UserID,
					Outcome: string(csvfile.OutcomeError), Code: "sync_failed", Message: msg})
				c.Counts.Errors++
				statuses[s.UserID] = roster.SyncInvalid
				retry = append(retry, s.UserID)
				continue
			}
			if status := syncedStatus(s); en.Status != status {
				statuses[s.UserID] = status
				if en.Status == roster.SyncInvalid {
					retry = append(retry, s.UserID) // clears its failed delivery
				}
			}
			if changes[i] == Unchanged {
				c.Counts.Unchanged++
				continue
			}
			outcome := csvfile.OutcomeUpdated
			if changes[i] == Created {
				outcome = csvfile.OutcomeCreated
				c.Counts.Created++
			} else {
				c.Counts.Updated++
			}
			c.Rows = append(c.Rows, &roster.TaskRow{Row: rows + len(c.Rows) + 1, Email: s.Email, UserID: s.UserID,
				Outcome: string(outcome), Message: changeMessage(changes[i], s)})
		}
		c.Checkpoint = int64(rows + len(c.Rows))
		if err := tx.EnqueueSync(ctx, orgID, retry, e.now()); err != nil {
			return err
		}
		return tx.SetSyncStatuses(ctx, orgID, statuses)
	}, c)
	return len(c.Rows), c.Cursor, err
}

// changedSince returns the users of entries whose state is no longer the one of their entry,
// each with whether it was deleted.
func changedSince(ctx context.Context, tx roster.UserReader, orgID string, entries []*roster.SyncEntry) (map[string]bool, error) {
	ids := make([]string, len(entries))
	for i, en := range entries {
		ids[i] = en.State.UserID
	}
	users, err := tx.FindUsersByIDs(ctx, orgID, ids)
	if err != nil {
		return nil, err
	}
	now := make(map[string]roster.AgentState, len(users))
	for _, u := range users {
		now[u.ID] = roster.AgentStateOf(u)
	}
	changed := map[string]bool{}
	for _, en := range entries {
		switch s, ok := now[en.State.UserID]; {
		case !ok:
			changed[en.State.UserID] = true
		case s != en.State:
			changed[en.State.UserID] = false
		}
	}
	return changed, nil
}

func statesOf(entries []*roster.SyncEntry) []roster.AgentState {
	states := make([]roster.AgentState, len(entries))
	for i, en := range entries {
		states[i] = en.State
	}
	return states
}

// deleteOrphans deletes agents whose user no longer exists, and commits them with their
// report rows; more says whether more may follow (else the task ends).
func (e *Engine) deleteOrphans(ctx context.Context, r *worker.Run, agents []*roster.Agent, rows int, more bool) (int, error) {
	c := &worker.Commit{}
	err := r.Commit(ctx, func(tx roster.Tx) error {
		*c = worker.Commit{Checkpoint: -1}
		if more {
			c.Cursor, c.Checkpoint = orphansPhase, int64(rows+len(agents))
		}
		ids := make([]string, len(agents))
		audit := make([]*roster.AuditEntry, len(agents))
		now := e.now()
		for i, a := range agents {
			ids[i] = a.UserID
			audit[i] = agentAuditEntry(a, nil, Deleted, r.Task().ID, now)
			c.Rows = append(c.Rows, &roster.TaskRow{Row: rows + i + 1, Email: a.Email, UserID: a.UserID,
				Outcome: string(csvfile.OutcomeUpdated), Message: "Agent deleted: its user no longer exists."})
			c.Counts.Updated++
		}
		if len(agents) == 0 {
			return nil
		}
		// Deleted in this transaction, so a page read again after a takeover finds others.
		if err := tx.DeleteAgents(ctx, agents[0].OrgID, ids); err != nil {
			return err
		}
		return tx.CreateAuditEntries(ctx, audit)
	}, c)
	return len(c.Rows), err
}

// deleteRemoteOrphans has a connector that can find them delete the remote agents whose user
// exists in no organization (the remote side may serve several), and commits the report
// rows. A task taken over during this phase runs it again: what was deleted is gone.
func (e *Engine) deleteRemoteOrphans(ctx context.Context, r *worker.Run, rows int) error {
	remover, ok := e.conn.(OrphanRemover)
	if !ok {
		return r.Commit(ctx, nil, &worker.Commit{Checkpoint: -1})
	}
	orgID := r.Task().OrgID
	orphans, err := remover.DeleteOrphans(ctx, func(ctx context.Context, ids []string) (map[string]bool, error) {
		return e.usersExist(ctx, orgID, ids)
	})
	c := &worker.Commit{Checkpoint: -1}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The users are reconciled; that the orphans could not be looked for is one error row.
		e.log.Warn("synchronize: remote orphans", "org", orgID, "err", err)
		reason, _ := syncReason(err)
		c.Rows = append(c.Rows, &roster.TaskRow{Row: rows + 1, Outcome: string(csvfile.OutcomeError), Code: "sync_failed",
			Message: "Agents whose user no longer exists could not be looked for: " + reason})
		c.Counts.Errors++
		return r.Commit(ctx, nil, c)
	}
	for _, o := range orphans {
		row := &roster.TaskRow{Row: rows + len(c.Rows) + 1, Email: o.Email, UserID: o.UserID,
			Outcome: string(csvfile.OutcomeUpdated), Message: "Agent deleted: its user no longer exists."}
		if o.Err != nil {
			reason, _ := syncReason(o.Err)
			row.Outcome, row.Code, row.Message = string(csvfile.OutcomeError), "sync_failed", reason
			c.Counts.Errors++
		} else {
			c.Counts.Updated++
		}
		c.Rows = append(c.Rows, row)
	}
	return r.Commit(ctx, nil, c)
}

// usersExist says which of these user ids exist, in the organization orgID or another.
func (e *Engine) usersExist(ctx context.Context, orgID string, ids []string) (map[string]bool, error) {
	found := make(map[string]bool, len(ids))
	orgs, err := e.store.FindOrgs(ctx)
	if err != nil {
		return nil, err
	}
	// The task's organization first: it holds nearly all of them.
	slices.SortStableFunc(orgs, func(a, b *roster.Org) int {
		return cmp.Compare(btoi(a.ID != orgID), btoi(b.ID != orgID))
	})
	rest := ids
	for _, o := range orgs {
		if len(rest) == 0 {
			break
		}
		users, err := e.store.FindUsersByIDs(ctx, o.ID, rest)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			found[u.ID] = true
		}
		rest = slices.DeleteFunc(slices.Clone(rest), func(id string) bool { return found[id] })
	}
	return found, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func changeMessage(c Change, s roster.AgentState) string {
	switch c {
	case Created:
		return fmt.Sprintf("Agent created (%s).", s.ProfileType)
	case Deactivated:
		return "Agent deactivated: the user no longer has a contact-center license or role."
	case Deleted:
		return "Agent deleted."
	}
	return fmt.Sprintf("Agent updated to match the directory (%s).", s.ProfileType)
}
