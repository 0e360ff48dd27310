package contactcenter

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"roster"
	"roster/internal/csvfile"
	"roster/internal/worker"
)

// synchronizePage is how many users Synchronize Users reconciles a transaction.
const synchronizePage = 1000

// RunSynchronize is the worker handler of Synchronize Users (provision.KindSynchronize). It
// walks the organization's users in email order, a page a transaction, with the email reached
// as its cursor: each user's agent is made to hold the user's state (created, updated,
// deactivated), each user's sync status is set from the outcome, and users that were invalid
// get their failed delivery retried. With the builtin connector it then deletes agents whose
// user no longer exists. The report has a row per change and per failure.
//
// With the builtin connector the agents, the statuses, the report rows and the cursor of a
// page are written in one transaction, so a task taken over after a crash neither loses nor
// repeats a change. Another connector is pushed to before the page's transaction; a page
// pushed again after a crash changes nothing there, pushes being idempotent.
func (e *Engine) RunSynchronize(ctx context.Context, r *worker.Run) error {
	task := r.Task()
	if task.Checkpoint < 0 {
		return nil // finished before a takeover
	}
	cursor, rows := task.Cursor, int(task.Checkpoint)
	if !strings.HasPrefix(cursor, "agents:") {
		after := cursor
		for {
			page, err := e.store.FindUsers(ctx, roster.UserFilter{OrgID: task.OrgID, Limit: synchronizePage, After: after})
			if err != nil {
				return err
			}
			next := page.Next
			if next == "" {
				next = "agents:"
			}
			n, err := e.synchronizeUsers(ctx, r, page.Users, rows, next)
			if err != nil {
				return err
			}
			rows += n
			if page.Next == "" {
				break
			}
			after = page.Next
		}
	}
	if _, builtin := e.conn.(*Builtin); !builtin {
		return r.Commit(ctx, nil, &worker.Commit{Checkpoint: -1})
	}
	for {
		orphans, err := e.store.FindOrphanAgents(ctx, task.OrgID, synchronizePage)
		if err != nil {
			return err
		}
		n, err := e.deleteOrphans(ctx, r, orphans, rows, len(orphans) == synchronizePage)
		if err != nil {
			return err
		}
		rows += n
		if len(orphans) < synchronizePage {
			return nil
		}
	}
}

// synchronizeUsers reconciles one page of users and commits it with its report rows, numbered
// after rows, and the cursor next. It returns how many rows it reported.
func (e *Engine) synchronizeUsers(ctx context.Context, r *worker.Run, users []*roster.User, rows int, next string) (int, error) {
	states := make([]roster.AgentState, len(users))
	for i, u := range users {
		states[i] = roster.AgentStateOf(u)
	}
	builtin, isBuiltin := e.conn.(*Builtin)
	var errs []error
	if !isBuiltin {
		errs = e.conn.Push(ctx, states)
	}
	c := &worker.Commit{}
	err := r.Commit(ctx, func(tx roster.Tx) error {
		*c = worker.Commit{Done: len(users), Checkpoint: int64(rows), Cursor: next}
		// The organization first, as every directory write takes it (see Engine.record).
		if _, err := tx.FindOrgByID(ctx, r.Task().OrgID); err != nil {
			return err
		}
		changes := make([]Change, len(users))
		if isBuiltin {
			var err error
			if changes, err = builtin.apply(ctx, tx, states); err != nil {
				return err
			}
			errs = make([]error, len(users))
		}
		statuses := map[string]roster.SyncStatus{}
		var retry []string
		for i, u := range users {
			if errs[i] != nil {
				msg := errs[i].Error()
				if se := (*roster.SyncError)(nil); errors.As(errs[i], &se) {
					msg = se.Message
				}
				c.Rows = append(c.Rows, &roster.TaskRow{Row: rows + len(c.Rows) + 1, Email: u.Email, UserID: u.ID,
					Outcome: string(csvfile.OutcomeError), Code: "sync_failed", Message: msg})
				c.Counts.Errors++
				statuses[u.ID] = roster.SyncInvalid
				retry = append(retry, u.ID)
				continue
			}
			if s := syncedStatus(states[i]); u.SyncStatus != s {
				statuses[u.ID] = s
				if u.SyncStatus == roster.SyncInvalid {
					retry = append(retry, u.ID) // clears its failed delivery
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
			c.Rows = append(c.Rows, &roster.TaskRow{Row: rows + len(c.Rows) + 1, Email: u.Email, UserID: u.ID,
				Outcome: string(outcome), Message: changeMessage(changes[i], states[i])})
		}
		c.Checkpoint = int64(rows + len(c.Rows))
		if len(users) > 0 {
			if err := tx.EnqueueSync(ctx, users[0].OrgID, retry, e.now()); err != nil {
				return err
			}
			if err := tx.SetSyncStatuses(ctx, users[0].OrgID, statuses); err != nil {
				return err
			}
		}
		return nil
	}, c)
	return len(c.Rows), err
}

// deleteOrphans deletes agents whose user no longer exists, and commits them with their
// report rows; more says whether more may follow (else the task ends).
func (e *Engine) deleteOrphans(ctx context.Context, r *worker.Run, agents []*roster.Agent, rows int, more bool) (int, error) {
	c := &worker.Commit{}
	err := r.Commit(ctx, func(tx roster.Tx) error {
		*c = worker.Commit{Checkpoint: -1}
		if more {
			c.Cursor, c.Checkpoint = "agents:", int64(rows+len(agents))
		}
		ids := make([]string, len(agents))
		for i, a := range agents {
			ids[i] = a.UserID
			c.Rows = append(c.Rows, &roster.TaskRow{Row: rows + i + 1, Email: a.Email, UserID: a.UserID,
				Outcome: string(csvfile.OutcomeUpdated), Message: "Agent deleted: its user no longer exists."})
			c.Counts.Updated++
		}
		if len(agents) == 0 {
			return nil
		}
		// Deleted in this transaction, so a page read again after a takeover finds others.
		return tx.DeleteAgents(ctx, agents[0].OrgID, ids)
	}, c)
	return len(c.Rows), err
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
