package provision

import (
	"context"
	"encoding/json"
	"fmt"

	"roster"
	"roster/internal/csvfile"
	"roster/internal/worker"
)

// revertParams is the input of a revert task.
type revertParams struct {
	ImportTaskID string    `json:"importTaskId"`
	Actor        taskActor `json:"actor"`
}

// revertPage is how many report rows of the import a revert reads and applies a transaction.
const revertPage = 1000

// StartRevert queues the revert of a finished import: every user the import changed goes back
// to its values before the import, and every user it created is deleted, unless the user was
// changed again since (then its row is reported and the user left alone).
func (s *Service) StartRevert(ctx context.Context, a roster.Actor, orgID, importID string) (*roster.Task, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	imp, err := s.store.FindTaskByID(ctx, orgID, importID)
	if err != nil {
		return nil, err
	}
	var ip importParams
	switch {
	case imp.Kind != KindImport:
		return nil, roster.Errorf(roster.CodeInvalid, "Only an import can be reverted; task %s is a %s task.", imp.ID, imp.Kind)
	case json.Unmarshal(imp.Params, &ip) != nil:
		return nil, fmt.Errorf("revert import %s: parameters of the import", imp.ID)
	case !imp.State.Final():
		return nil, roster.Errorf(roster.CodeImportInProgress, "The import %s has not finished; wait for it or cancel it, then revert it.", imp.ID)
	case ip.DryRun:
		return nil, roster.Errorf(roster.CodeInvalid, "Task %s is a dry run: it changed nothing, so there is nothing to revert.", imp.ID)
	}
	params, err := json.Marshal(revertParams{ImportTaskID: imp.ID, Actor: newTaskActor(a)})
	if err != nil {
		return nil, fmt.Errorf("revert parameters: %w", err)
	}
	task := &roster.Task{ID: roster.NewID(), OrgID: orgID, Kind: KindImportRevert, Params: params,
		Progress:  roster.TaskProgress{Total: imp.Counts.Created + imp.Counts.Updated},
		CreatedBy: a.Label(), CreatedAt: s.clock()}
	err = s.startImportTask(ctx, task, func(tx roster.Tx) error {
		return revertedBy(ctx, tx, orgID, imp.ID)
	})
	if err != nil {
		return nil, err
	}
	return task, nil
}

// revertedBy refuses a second revert of an import: once reverted, its users are as before, and
// a second pass could only undo what happened since. A failed revert does not count.
func revertedBy(ctx context.Context, tx roster.Tx, orgID, importID string) error {
	f := roster.TaskFilter{OrgID: orgID, Kind: KindImportRevert, Limit: roster.MaxPageSize}
	for {
		page, err := tx.FindTasks(ctx, f)
		if err != nil {
			return err
		}
		for _, t := range page.Tasks {
			var p revertParams
			if json.Unmarshal(t.Params, &p) == nil && p.ImportTaskID == importID && t.State != roster.TaskFailed {
				return roster.Errorf(roster.CodeConflict, "The import %s is already reverted by task %s.", importID, t.ID)
			}
		}
		if page.Next == "" {
			return nil
		}
		f.Before = page.Next
	}
}

// RunRevert is the worker handler of revert tasks. It walks the report of the import in row
// order, revertPage rows a transaction, with the row reached as its checkpoint.
func (s *Service) RunRevert(ctx context.Context, r *worker.Run) error {
	task := r.Task()
	var p revertParams
	if err := json.Unmarshal(task.Params, &p); err != nil {
		return fmt.Errorf("revert task %s: parameters: %w", task.ID, err)
	}
	rv := &revertRun{s: s, importID: p.ImportTaskID, actor: p.Actor.actor(task.ID)}
	rv.canDelete = authorize(rv.actor, task.OrgID, permUsers)
	after := int(task.Checkpoint)
	for {
		rows, err := s.store.FindTaskRows(ctx, p.ImportTaskID, after, revertPage)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		after = rows[len(rows)-1].Row
		changed := rows[:0]
		for _, row := range rows {
			if row.UserID != "" {
				changed = append(changed, row)
			}
		}
		if len(changed) > 0 {
			c := &worker.Commit{}
			err := r.Commit(ctx, func(tx roster.Tx) error {
				*c = worker.Commit{Done: len(changed), Checkpoint: int64(after)}
				return rv.revertChunk(ctx, tx, task.OrgID, changed, c)
			}, c)
			if err != nil {
				return err
			}
		}
		if len(rows) < revertPage {
			return nil
		}
	}
}

// revertRun is the state of one run of a revert task.
type revertRun struct {
	s         *Service
	importID  string
	actor     roster.Actor
	canDelete error // nil when the actor may delete users
}

// revertChunk puts the users of some rows of the import back as they were before it.
func (rv *revertRun) revertChunk(ctx context.Context, tx roster.Tx, orgID string, rows []*roster.TaskRow, c *worker.Commit) error {
	org, err := tx.FindOrgByID(ctx, orgID)
	if err != nil {
		return err
	}
	stored := org.Usage
	var writes []*userWrite
	for _, row := range rows {
		report, w, err := rv.revertUser(ctx, tx, org, row.UserID)
		if err != nil {
			return err
		}
		if w != nil {
			writes = append(writes, w)
		}
		report.Row, report.Email, report.UserID = row.Row, row.Email, row.UserID
		c.Rows = append(c.Rows, report)
		switch csvfile.Outcome(report.Outcome) {
		case csvfile.OutcomeUpdated:
			c.Counts.Updated++
		case csvfile.OutcomeUnchanged:
			c.Counts.Unchanged++
		case csvfile.OutcomeWarning:
			c.Counts.Warnings++
		default:
			c.Counts.Errors++
		}
	}
	if err := rv.s.writeUsers(ctx, tx, writes); err != nil {
		return err
	}
	if org.Usage != stored {
		return tx.UpdateOrgUsage(ctx, org.ID, org.Usage)
	}
	return nil
}

// revertUser undoes what the import did to one user, unless the user changed since: the
// import's audit entry must still be the user's latest. A deletion is written here; a restore
// is returned to be written with the others of the chunk.
func (rv *revertRun) revertUser(ctx context.Context, tx roster.Tx, org *roster.Org, userID string) (*roster.TaskRow, *userWrite, error) {
	page, err := tx.FindAuditEntries(ctx, roster.AuditFilter{OrgID: org.ID, TargetID: userID, Limit: 1})
	if err != nil {
		return nil, nil, err
	}
	if len(page.Entries) == 0 {
		return nil, nil, fmt.Errorf("revert user %s: no audit entry", userID)
	}
	last := page.Entries[0]
	if last.TaskID != rv.importID {
		return &roster.TaskRow{Outcome: string(csvfile.OutcomeWarning), Code: codeChangedSince,
			Message: fmt.Sprintf("Not reverted: the user was changed after the import (%s by %s at %s).",
				last.Action, last.ActorName, last.At.Format("2006-01-02 15:04 UTC"))}, nil, nil
	}
	u, err := tx.FindUserByID(ctx, org.ID, userID)
	if err != nil {
		return nil, nil, err
	}
	if last.Action == "user.create" {
		if rv.canDelete != nil {
			return refusedRow(rowForbidden(rv.canDelete, "reverting this row deletes the user the import created"))
		}
		if err := rv.s.deleteUser(ctx, tx, rv.actor, org, u); err != nil {
			return refusedRow(err)
		}
		return &roster.TaskRow{Outcome: string(csvfile.OutcomeUpdated), Message: "Deleted: the import created this user."}, nil, nil
	}
	var before map[string]string
	if err := json.Unmarshal(last.Before, &before); err != nil {
		return nil, nil, fmt.Errorf("revert user %s: audit entry %s: %w", userID, last.ID, err)
	}
	next := *u
	restoreFields(&next, before)
	if rv.canDelete != nil && profileChanged(u, &next) {
		return refusedRow(rowForbidden(rv.canDelete, "reverting this row changes more than licenses"))
	}
	w, err := rv.s.checkUser(ctx, tx, rv.actor, org, u, &next, nil)
	if err != nil {
		return refusedRow(err)
	}
	if w == nil {
		return &roster.TaskRow{Outcome: string(csvfile.OutcomeUnchanged), Message: "Already as before the import."}, nil, nil
	}
	return &roster.TaskRow{Outcome: string(csvfile.OutcomeUpdated), Message: "Restored to the values before the import."}, w, nil
}

// codeChangedSince marks a row a revert left alone because its user changed after the import.
const codeChangedSince roster.Code = "changed_since_import"

// refusedRow reports a rule's refusal as an error row and passes store errors on.
func refusedRow(err error) (*roster.TaskRow, *userWrite, error) {
	r, err := failedOrError("", err)
	if err != nil {
		return nil, nil, err
	}
	return errorRow(r.Code, r.Message), nil, nil
}

// restoreFields sets the fields of u recorded in an audit entry's before values (userFields).
func restoreFields(u *roster.User, m map[string]string) {
	for k, v := range m {
		switch k {
		case "email":
			u.Email = v
		case "firstName":
			u.FirstName = v
		case "lastName":
			u.LastName = v
		case "displayName":
			u.DisplayName = v
		case "phoneNumber":
			u.PhoneNumber = v
		case "title":
			u.Title = v
		case "department":
			u.Department = v
		case "preferredLanguage":
			u.PreferredLanguage = roster.Language(v)
		case "status":
			u.Status = roster.UserStatus(v)
		case "license":
			u.License = roster.License(v)
		case "ccRole":
			u.CCRole = roster.CCRole(v)
		case "adminRole":
			u.AdminRole = roster.AdminRole(v)
		}
	}
}
